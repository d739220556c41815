"""Type stubs of the native module ``c8y_mqtt._native`` (hand-written; checked by
``python -m mypy.stubtest c8y_mqtt._native``)."""

import concurrent.futures
import datetime
import os
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union, final, overload

from typing_extensions import disjoint_base

from c8y_mqtt.operations import OperationKind

__all__ = [
    "__version__",
    "DISPATCHER_THREAD_NAME",
    "Device",
    "Client",
    "Event",
    "Operation",
    "EventIterator",
    "DeviceCredentials",
    "DeviceManagement",
    "RemoteAccess",
    "register",
    "_live_clients",
    "reset_log_cache",
    "PanicException",
]

__version__: str
DISPATCHER_THREAD_NAME: str

class PanicException(BaseException):
    """A bug in the SDK (a Rust panic); never raised for bad input."""

Number = Union[int, float, str]
Time = Union[datetime.datetime, str, None]

@disjoint_base
class Device:
    """The device, or a child device or service of it: typed publishes go to its topic."""

    @property
    def id(self) -> str:
        """The external id of this entity (the device id for the device itself)."""
    @property
    def path(self) -> List[str]:
        """The external ids from the device down to this entity (empty for the device)."""
    def child(self, id: str) -> Device:
        """A handle for the child device or service ``id`` below this entity."""
    def create_child(self, id: str, name: str, device_type: str = "c8y_MQTTChildDevice") -> Device:
        """Creates the child device ``id`` (template 101, once per client)."""
    def create_service(self, id: str, service_type: str, name: str, status: str) -> Device:
        """Creates the service ``id`` (template 102, once per client)."""
    @property
    def managed_object_id(self) -> Optional[str]:
        """This entity's managed object id, once the platform told it; None before."""
    @overload
    def request_managed_object_id(self, *, future: Literal[False] = False) -> int:
        """Asks the platform for this entity's managed object id (``123``)."""
    @overload
    def request_managed_object_id(self, *, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def send_measurement(
        self,
        fragment: str,
        series: str,
        value: Number,
        unit: Optional[str] = None,
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[False] = False,
    ) -> int:
        """Sends one measurement value (template 200); returns the delivery id (or a Future)."""
    @overload
    def send_measurement(
        self,
        fragment: str,
        series: str,
        value: Number,
        unit: Optional[str] = None,
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[True],
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def send_measurements(
        self,
        measurement_type: str,
        series: Sequence[Union[Tuple[str, str, Number], Tuple[str, str, Number, Optional[str]]]],
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[False] = False,
    ) -> int:
        """Sends a multi-series measurement (template 201)."""
    @overload
    def send_measurements(
        self,
        measurement_type: str,
        series: Sequence[Union[Tuple[str, str, Number], Tuple[str, str, Number, Optional[str]]]],
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[True],
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def send_temperature(self, value: Number, time: Time = None, *, qos: Optional[int] = None, future: Literal[False] = False) -> int:
        """Sends a temperature (template 211)."""
    @overload
    def send_temperature(self, value: Number, time: Time = None, *, qos: Optional[int] = None, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def send_battery(self, value: Number, time: Time = None, *, qos: Optional[int] = None, future: Literal[False] = False) -> int:
        """Sends a battery level (template 212)."""
    @overload
    def send_battery(self, value: Number, time: Time = None, *, qos: Optional[int] = None, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def send_event(
        self, event_type: str, text: str, time: Time = None, *, qos: Optional[int] = None, future: Literal[False] = False
    ) -> int:
        """Sends an event (template 400)."""
    @overload
    def send_event(
        self, event_type: str, text: str, time: Time = None, *, qos: Optional[int] = None, future: Literal[True]
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def send_location(
        self,
        latitude: Number,
        longitude: Number,
        altitude: Optional[Number] = None,
        accuracy: Optional[Number] = None,
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[False] = False,
    ) -> int:
        """Sends a location update (template 401)."""
    @overload
    def send_location(
        self,
        latitude: Number,
        longitude: Number,
        altitude: Optional[Number] = None,
        accuracy: Optional[Number] = None,
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[True],
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def send_alarm(
        self,
        alarm_type: str,
        text: Optional[str] = None,
        severity: str = "major",
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[False] = False,
    ) -> int:
        """Raises an alarm (templates 301-304)."""
    @overload
    def send_alarm(
        self,
        alarm_type: str,
        text: Optional[str] = None,
        severity: str = "major",
        time: Time = None,
        *,
        qos: Optional[int] = None,
        future: Literal[True],
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def clear_alarm(self, alarm_type: str, *, qos: Optional[int] = None, future: Literal[False] = False) -> int:
        """Clears an alarm (template 306)."""
    @overload
    def clear_alarm(self, alarm_type: str, *, qos: Optional[int] = None, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def update_hardware(
        self,
        serial_number: Optional[str] = None,
        model: Optional[str] = None,
        revision: Optional[str] = None,
        *,
        qos: Optional[int] = None,
        future: Literal[False] = False,
    ) -> int:
        """Updates the hardware fragment (template 110)."""
    @overload
    def update_hardware(
        self,
        serial_number: Optional[str] = None,
        model: Optional[str] = None,
        revision: Optional[str] = None,
        *,
        qos: Optional[int] = None,
        future: Literal[True],
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def update_firmware(
        self,
        name: Optional[str] = None,
        version: Optional[str] = None,
        url: Optional[str] = None,
        *,
        qos: Optional[int] = None,
        future: Literal[False] = False,
    ) -> int:
        """Updates the firmware fragment (template 115)."""
    @overload
    def update_firmware(
        self,
        name: Optional[str] = None,
        version: Optional[str] = None,
        url: Optional[str] = None,
        *,
        qos: Optional[int] = None,
        future: Literal[True],
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def set_required_interval(self, minutes: int, *, qos: Optional[int] = None, future: Literal[False] = False) -> int:
        """Sets the required interval (template 117)."""
    @overload
    def set_required_interval(self, minutes: int, *, qos: Optional[int] = None, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def set_supported_operations(
        self, fragments: Sequence[str], *, qos: Optional[int] = None, future: Literal[False] = False
    ) -> int:
        """Sets the supported operations (template 114)."""
    @overload
    def set_supported_operations(
        self, fragments: Sequence[str], *, qos: Optional[int] = None, future: Literal[True]
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def set_operation_executing(self, fragment: str, *, qos: Optional[int] = None, future: Literal[False] = False) -> int:
        """Sets the operation of ``fragment`` EXECUTING (template 501)."""
    @overload
    def set_operation_executing(self, fragment: str, *, qos: Optional[int] = None, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def set_operation_failed(
        self, fragment: str, reason: str, *, qos: Optional[int] = None, future: Literal[False] = False
    ) -> int:
        """Sets the operation of ``fragment`` FAILED (template 502)."""
    @overload
    def set_operation_failed(
        self, fragment: str, reason: str, *, qos: Optional[int] = None, future: Literal[True]
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def set_operation_successful(
        self, fragment: str, *parameters: str, qos: Optional[int] = None, future: Literal[False] = False
    ) -> int:
        """Sets the operation of ``fragment`` SUCCESSFUL (template 503)."""
    @overload
    def set_operation_successful(
        self, fragment: str, *parameters: str, qos: Optional[int] = None, future: Literal[True]
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def send_static(
        self,
        template_id: Union[int, str],
        fields: Sequence[Union[str, int, float, None]],
        *,
        qos: Optional[int] = None,
        future: Literal[False] = False,
    ) -> int:
        """Sends any static template by id with its fields, validated by the core codec."""
    @overload
    def send_static(
        self,
        template_id: Union[int, str],
        fields: Sequence[Union[str, int, float, None]],
        *,
        qos: Optional[int] = None,
        future: Literal[True],
    ) -> concurrent.futures.Future[str]: ...

@final
@final
class Client(Device):
    """A device client (blocking API); also the device's ``Device`` handle."""

    def __new__(cls, host: str, device_id: str, **options: Any) -> Client: ...
    @staticmethod
    def from_env(**options: Any) -> Client:
        """A client configured from the ``C8Y_*`` environment variables."""
    @property
    def device_id(self) -> str:
        """The device id."""
    @property
    def state(self) -> str:
        """"connecting", "connected", "subscriptions_refused" (connected, but the platform
        refused subscriptions; retried), "disconnected", "stopped" or "closed"."""
    @property
    def device(self) -> Device:
        """The client as the ``Device`` handle of its device."""
    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
    def wait_connected(self, timeout: float = 30.0) -> None:
        """Waits until connected."""
    def flush(self, timeout: float = 30.0) -> None:
        """Waits until every queued message was acknowledged."""
    def download(
        self,
        url: str,
        path: Union[str, "os.PathLike[str]"],
        *,
        size: Optional[int] = None,
        sha256: Optional[str] = None,
        progress: Optional[Any] = None,
    ) -> int:
        """Downloads ``url`` to ``path`` (resumed, checked, renamed when complete); returns the
        number of bytes."""
    def upload_event_binary(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        event_type: str = "c8y_Logfile",
        text: str = "",
        file_name: Optional[str] = None,
        content_type: str = "text/plain",
        device: Optional[str] = None,
    ) -> str:
        """Uploads ``path`` as the binary of a new event; returns the binary's URL."""
    def upload_inventory_binary(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        file_name: Optional[str] = None,
        content_type: str = "application/octet-stream",
    ) -> str:
        """Uploads ``path`` as an inventory binary; returns its URL."""
    def access_token(self) -> Optional[str]:
        """The access token of a certificate device; None for a password device."""
    def pending_count(self) -> int:
        """Number of publishes not yet completed."""
    def wait_pending(self, count: int, timeout: float = 30.0) -> bool:
        """Waits until at most ``count`` publishes are pending."""
    @overload
    def publish(self, topic: str, payload: str, *, qos: Optional[int] = None, future: Literal[False] = False) -> int:
        """Publishes a payload as it is on a Cumulocity upstream topic."""
    @overload
    def publish(self, topic: str, payload: str, *, qos: Optional[int] = None, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def send_json(
        self, kind: str, document: Any, *, id: Optional[str] = None, future: Literal[False] = False
    ) -> int:
        """Sends a JSON document over MQTT."""
    @overload
    def send_json(
        self, kind: str, document: Any, *, id: Optional[str] = None, future: Literal[True]
    ) -> concurrent.futures.Future[str]: ...
    @overload
    def send_smartrest2(self, xid: str, msg_id: str, values: Sequence[str], *, future: Literal[False] = False) -> int:
        """Sends a SmartREST 2.0 use line of a registered collection."""
    @overload
    def send_smartrest2(self, xid: str, msg_id: str, values: Sequence[str], *, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, or None after ``timeout`` seconds."""
    def events(self, timeout: Optional[float] = None) -> EventIterator:
        """Iterates over every event."""
    def operations(self, timeout: Optional[float] = None) -> EventIterator:
        """Iterates over the operations."""
    def on_event(self, callback: Optional[Any]) -> None:
        """Sets (or removes) the event callback."""
    def close(self) -> None:
        """Closes the client."""
    def __enter__(self) -> Client: ...
    def __exit__(self, exc_type: Any = None, _exc: Any = None, _tb: Any = None) -> bool: ...

@final
class Event:
    """Something the client reported; ``kind`` says what."""

    @property
    def kind(self) -> str: ...
    @property
    def state(self) -> Optional[str]: ...
    @property
    def error(self) -> Optional[str]: ...
    @property
    def operation(self) -> Optional[Operation]: ...
    @property
    def delivery_id(self) -> Optional[int]: ...
    @property
    def outcome(self) -> Optional[str]: ...
    @property
    def topic(self) -> Optional[str]: ...
    @property
    def payload(self) -> Optional[bytes]: ...
    @property
    def template(self) -> Optional[str]: ...
    @property
    def code(self) -> Optional[int]: ...
    @property
    def text(self) -> Optional[str]: ...
    @property
    def values(self) -> List[str]: ...
    @property
    def xid(self) -> Optional[str]: ...
    @property
    def count(self) -> Optional[int]: ...
    def exception(self) -> Optional[Exception]:
        """For "smartrest_error" events: the ``SmartRestError``."""

@final
class Operation:
    """An operation for the device or one of its children."""

    @property
    def id(self) -> Optional[str]: ...
    @property
    def device(self) -> str: ...
    @property
    def fragment(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def template(self) -> Optional[str]: ...
    @property
    def values(self) -> List[str]: ...
    @property
    def kind(self) -> Optional[OperationKind]:
        """The typed parameters of a static operation (a dataclass of ``c8y_mqtt.operations``);
        None for JSON and SmartREST 2.0 operations."""
    @property
    def json(self) -> Optional[Dict[str, Any]]: ...
    @overload
    def executing(self, *, future: Literal[False] = False) -> int:
        """Sets the operation EXECUTING."""
    @overload
    def executing(self, *, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def succeed(self, *parameters: str, future: Literal[False] = False) -> int:
        """Sets the operation SUCCESSFUL."""
    @overload
    def succeed(self, *parameters: str, future: Literal[True]) -> concurrent.futures.Future[str]: ...
    @overload
    def fail(self, reason: str, *, future: Literal[False] = False) -> int:
        """Sets the operation FAILED."""
    @overload
    def fail(self, reason: str, *, future: Literal[True]) -> concurrent.futures.Future[str]: ...

@final
class EventIterator:
    """The iterator of ``client.events()`` / ``client.operations()``."""

    def __iter__(self) -> EventIterator: ...
    def __next__(self) -> Any: ...

@final
class DeviceCredentials:
    """The device's own credentials."""

    @property
    def tenant(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def password(self) -> str: ...
    def as_options(self) -> Dict[str, str]:
        """Keyword arguments for ``Client``."""

def register(
    host: str,
    device_id: str,
    bootstrap_password: str,
    credentials_file: Union[str, "os.PathLike[str]"],
    *,
    port: Optional[int] = None,
    transport: str = "tls",
    ca_pem: Optional[str] = None,
    bootstrap_user: Optional[str] = None,
    poll_interval: float = 5.0,
    timeout: float = 600.0,
) -> DeviceCredentials:
    """Registers the device by bootstrap and returns its credentials."""

def reset_log_cache() -> None:
    """Forgets the cached Python logging levels (call after changing a c8y_mqtt logger's level)."""

def _live_clients() -> int:
    """The number of native clients not yet closed."""

@final
class DeviceManagement:
    """Runs device-management operations (log, configuration, firmware, software, device
    profile) end to end with the application's handlers."""

    def __new__(
        cls,
        client: Client,
        *,
        log_types: Optional[Sequence[str]] = None,
        log: Optional[Any] = None,
        config_types: Optional[Sequence[str]] = None,
        config_upload: Optional[Any] = None,
        config_apply: Optional[Any] = None,
        firmware: Optional[Any] = None,
        software: Optional[Any] = None,
        software_list: Optional[Any] = None,
        download_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> DeviceManagement: ...
    def supported_operations(self) -> List[str]:
        """The operation fragments the registered handlers cover."""
    def declare(self) -> None:
        """Publishes the supported log (118) and configuration (119) types."""
    def supports(self, op: Operation) -> bool:
        """Whether a workflow handles ``op``."""
    def handle(self, op: Operation) -> Optional[Tuple[str, Optional[str]]]:
        """Runs ``op`` to its end: None when no workflow handles it, else (status, reason)."""

@final
class RemoteAccess:
    """Opens Cloud Remote Access tunnels (530) to the allowed ``"host:port"`` targets only."""

    def __new__(
        cls,
        client: Client,
        allow: Sequence[str],
        *,
        connect_timeout: float = 30.0,
        max_tunnels: int = 16,
    ) -> RemoteAccess: ...
    def allow_list(self) -> List[Tuple[str, int]]:
        """The allowed targets as (host, port) pairs."""
    def supports(self, op: Operation) -> bool:
        """Whether ``op`` is a remote-access operation (530)."""
    def handle(self, op: Operation) -> Optional[Tuple[str, Optional[str]]]:
        """Runs ``op``: None when it is not a 530, else (status, reason); SUCCESSFUL once the
        tunnel runs."""
    def tunnels(self) -> List[Dict[str, Any]]:
        """The open tunnels with their byte counters and duration."""
    def close_all(self) -> None:
        """Ends every open tunnel."""
    def next_event(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next tunnel event ("opened" or "closed" with "end"), or None after ``timeout``."""

