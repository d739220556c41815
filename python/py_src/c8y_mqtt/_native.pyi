"""Type stubs of the native module ``c8y_mqtt._native`` (hand-written; checked by
``python -m mypy.stubtest c8y_mqtt._native``)."""

import concurrent.futures
import datetime
import os
from typing import Any, Callable, Dict, Generator, Iterable, List, Mapping, Optional, Sequence, Tuple, Union, final

from typing_extensions import disjoint_base

from c8y_mqtt.literals import (
    ConnectionState,
    DeliveryOutcome,
    EventKind,
    EventState,
    JsonKind,
    OperationSource,
    OverflowPolicy,
    ProcessingMode,
    QoS,
    Severity,
    Transport,
)
from c8y_mqtt.operations import OperationKind

__all__ = [
    "__version__",
    "DISPATCHER_THREAD_NAME",
    "Device",
    "Client",
    "Delivery",
    "ClientStatistics",
    "Event",
    "Operation",
    "EventIterator",
    "OperationIterator",
    "DeviceCredentials",
    "DeviceManagement",
    "RemoteAccess",
    "register",
    "_live_clients",
    "reset_log_cache",
    "PanicException",
    "RESULT_CODE_TABLE",
    "_exception_class",
]

__version__: str
DISPATCHER_THREAD_NAME: str
#: The core's result codes: ``(number, name, exception class name or None)``, increasing.
RESULT_CODE_TABLE: List[Tuple[int, str, Optional[str]]]

class PanicException(BaseException):
    """A bug in the SDK (a Rust panic); never raised for bad input."""

Number = Union[int, float, str]
Time = Union[datetime.datetime, str, None]
AdvancedSoftwareItem = Union[
    Tuple[str, str], Tuple[str, str, Optional[str]], Tuple[str, str, Optional[str], Optional[str]]
]

@final
class Delivery:
    """A queued publish: its delivery id, and its outcome as a ``concurrent.futures.Future``
    (``future()``) or by ``await`` (asyncio), created on demand, or by a blocking ``wait()``."""

    @property
    def id(self) -> int:
        """The delivery id (increasing from 1 per client; "delivery" events name it)."""
    def future(self) -> concurrent.futures.Future[str]:
        """The outcome (the same future on every call): ``"acknowledged"`` on PUBACK, ``"sent"``
        at QoS 0; it fails with the reason the message was dropped or refused."""
    def wait(self, timeout: float = 30.0) -> Optional[str]:
        """Waits (GIL released) up to ``timeout`` seconds for the outcome, without a future:
        ``"acknowledged"`` or ``"sent"``, None while still pending; raises what ``future()``
        fails with when the message was dropped or refused."""
    def __await__(self) -> Generator[Any, None, str]:
        """``await delivery``: the outcome of ``future()``, in asyncio."""

@final
class ClientStatistics:
    """A snapshot of a client's operation statistics since it started (``Client.statistics()``).
    Delivery counts count publish calls (one ``Delivery`` each)."""

    @property
    def deliveries_queued(self) -> int:
        """Publish calls queued in the outbox."""
    @property
    def queued_now(self) -> int:
        """Outbox entries not yet completed right now (waiting or in flight)."""
    @property
    def in_flight_now(self) -> int:
        """Packets handed to MQTT and not acknowledged yet, right now."""
    @property
    def acknowledged(self) -> int:
        """Deliveries the platform acknowledged (QoS >= 1)."""
    @property
    def sent(self) -> int:
        """Deliveries written to the network at QoS 0."""
    @property
    def dropped(self) -> int:
        """Every dropped delivery, whatever the reason."""
    @property
    def dropped_overflow(self) -> int:
        """Deliveries dropped because the outbox was full (``overflow="drop_oldest"``)."""
    @property
    def dropped_closed(self) -> int:
        """Deliveries dropped because the client was closed first."""
    @property
    def dropped_stopped(self) -> int:
        """Deliveries dropped because the client stopped on a fatal error."""
    @property
    def dropped_collection_failed(self) -> int:
        """Deliveries dropped because their SmartREST 2.0 collection could not be created."""
    @property
    def rejected(self) -> int:
        """``s/e`` lines tied to a delivery ("publish_rejected" events)."""
    @property
    def connection_attempts(self) -> int:
        """Connections tried, the first included."""
    @property
    def connections(self) -> int:
        """Connections the platform accepted."""
    @property
    def reconnects(self) -> int:
        """Accepted connections after the first one."""
    @property
    def last_connection_error(self) -> Optional[str]:
        """The last connection error as text (never credentials), or None."""
    @property
    def bytes_sent(self) -> int:
        """Payload bytes handed to MQTT."""
    @property
    def messages_received(self) -> int:
        """Messages received from the platform."""

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
    def request_managed_object_id(self) -> Delivery:
        """Asks the platform for this entity's managed object id (``123``)."""
    def send_measurement(
        self,
        fragment: str,
        series: str,
        value: Number,
        unit: Optional[str] = None,
        time: Time = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends one measurement value (template 200); returns its ``Delivery``."""
    def send_measurement_rows(
        self,
        rows: Iterable[
            Union[
                Tuple[str, str, Number],
                Tuple[str, str, Number, Optional[str]],
                Tuple[str, str, Number, Optional[str], Time],
            ]
        ],
        *,
        qos: Optional[QoS] = None,
    ) -> List[Delivery]:
        """Sends many single-value measurements (template 200 each) in one call; one ``Delivery``
        per row. A bad row sends nothing; on a queueing error part-way the exception's
        ``deliveries`` lists those of the rows already queued."""
    def send_measurements(
        self,
        measurement_type: str,
        series: Sequence[Union[Tuple[str, str, Number], Tuple[str, str, Number, Optional[str]]]],
        time: Time = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends a multi-series measurement (template 201)."""
    def send_temperature(self, value: Number, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a temperature (template 211)."""
    def send_battery(self, value: Number, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a battery level (template 212)."""
    def send_event(
        self, event_type: str, text: str, time: Time = None, *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends an event (template 400)."""
    def send_location(
        self,
        latitude: Number,
        longitude: Number,
        altitude: Optional[Number] = None,
        accuracy: Optional[Number] = None,
        time: Time = None,
        *,
        update_device: bool = False,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends a location update (template 401; 402 with ``update_device``: also the device's position)."""
    def send_alarm(
        self,
        alarm_type: str,
        text: Optional[str] = None,
        severity: Severity = "major",
        time: Time = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Raises an alarm (templates 301-304)."""
    def clear_alarm(self, alarm_type: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Clears an alarm (template 306)."""
    def set_hardware(
        self,
        serial_number: Optional[str] = None,
        model: Optional[str] = None,
        revision: Optional[str] = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Updates the hardware fragment (template 110)."""
    def set_firmware(
        self,
        name: Optional[str] = None,
        version: Optional[str] = None,
        url: Optional[str] = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Updates the firmware fragment (template 115)."""
    def set_required_interval(self, minutes: int, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the required interval (template 117)."""
    def set_supported_operations(
        self, fragments: Sequence[str], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the supported operations (template 114)."""
    def set_operation_executing(self, fragment: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the operation of ``fragment`` EXECUTING (template 501)."""
    def set_operation_failed(
        self, fragment: str, reason: str, *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the operation of ``fragment`` FAILED (template 502)."""
    def set_operation_successful(
        self, fragment: str, *parameters: str, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the operation of ``fragment`` SUCCESSFUL (template 503)."""
    def set_service_status(self, status: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the status of this service (template 104), e.g. ``"up"``."""
    def request_child_devices(self, *, qos: Optional[QoS] = None) -> Delivery:
        """Asks the platform for this entity's child devices (template 105)."""
    def clear_device_fragments(self, fragments: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Removes fragments from this entity's managed object (template 107)."""
    def set_mobile(
        self,
        imei: Optional[str] = None,
        iccid: Optional[str] = None,
        imsi: Optional[str] = None,
        mcc: Optional[str] = None,
        mnc: Optional[str] = None,
        lac: Optional[str] = None,
        cell_id: Optional[str] = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Updates the mobile fragment ``c8y_Mobile`` (template 111)."""
    def set_position(
        self,
        latitude: Optional[Number] = None,
        longitude: Optional[Number] = None,
        altitude: Optional[Number] = None,
        accuracy: Optional[int] = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Updates the device's position ``c8y_Position`` (template 112) without an event."""
    def set_configuration(self, config: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates the configuration text ``c8y_Configuration`` (template 113)."""
    def set_software_list(
        self,
        items: Sequence[Union[Tuple[str], Tuple[str, Optional[str]], Tuple[str, Optional[str], Optional[str]]]],
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Replaces the software list (template 116): ``(name, version, url)`` tuples."""
    def set_supported_logs(self, log_types: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the supported log types (template 118); the whole list is replaced."""
    def set_supported_configurations(
        self, config_types: Sequence[str], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the supported configuration types (template 119); the whole list is replaced."""
    def set_current_configuration(
        self,
        config_type: str,
        url: str,
        file_name: Optional[str] = None,
        time: Time = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the installed configuration of ``config_type`` (template 120)."""
    def set_device_profile_applied(
        self, executed: bool, profile_id: Optional[str] = None, *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Reports a device profile as being applied (False) or applied (True) (template 121)."""
    def set_agent_information(
        self,
        name: str,
        version: str,
        maintainer: str,
        url: Optional[str] = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the agent information ``c8y_Agent`` (template 122)."""
    def send_heartbeat(self, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a heartbeat (template 125)."""
    def set_advanced_software_list(
        self, items: Sequence[AdvancedSoftwareItem], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Replaces the advanced software list (template 140)."""
    def append_advanced_software(
        self, items: Sequence[AdvancedSoftwareItem], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Adds to the advanced software list (template 141)."""
    def remove_advanced_software(
        self, items: Sequence[Tuple[str, str]], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Removes ``(name, version)`` items from the advanced software list (template 142)."""
    def set_supported_software_types(
        self, software_types: Sequence[str], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the supported software types (template 143); the whole list is replaced."""
    def set_remote_access_protocols(
        self, protocols: Sequence[str], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sets the remote access protocols (template 150); the whole list is replaced."""
    def send_signal_strength(
        self,
        rssi: Optional[Number] = None,
        ber: Optional[Number] = None,
        time: Time = None,
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends the signal strength (template 210): RSSI, BER or both."""
    def set_alarm_severity(
        self, alarm_type: str, severity: Severity, *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Changes the severity of the active alarm of ``alarm_type`` (template 305)."""
    def clear_alarm_fragments(
        self, alarm_type: str, fragments: Sequence[str], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Removes fragments from the active alarm of ``alarm_type`` (template 307)."""
    def clear_event_fragments(
        self, event_type: str, fragments: Sequence[str], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Removes fragments from the event of ``event_type`` (template 407)."""
    def send_device_parameter_update(
        self, parameters: Sequence[Tuple[str, str, str]], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Reports ``(path, value_type, value)`` device parameters (template 408)."""
    def send_static(
        self,
        template_id: Union[int, str],
        fields: Sequence[Union[str, int, float, None]],
        *,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends any static template by id with its fields, validated by the core codec."""

@final
class Client(Device):
    """A device client (blocking API); also the device's ``Device`` handle."""

    def __new__(
        cls,
        host: str,
        device_id: str,
        *,
        port: Optional[int] = None,
        transport: Transport = "tls",
        tenant: Optional[str] = None,
        user: Optional[str] = None,
        password: Optional[str] = None,
        cert_pem: Optional[str] = None,
        key_pem: Optional[str] = None,
        ca_pem: Optional[str] = None,
        insecure: bool = False,
        xid: Optional[str] = None,
        keep_alive: float = 60.0,
        connect_timeout: float = 30.0,
        qos: QoS = 1,
        processing_mode: ProcessingMode = "s",
        create_device: bool = True,
        device_name: Optional[str] = None,
        device_type: Optional[str] = None,
        request_managed_object_id: bool = False,
        not_authorized_retries: int = 3,
        last_will: Optional[Tuple[Union[int, str], Sequence[Union[str, int, float, None]]]] = None,
        resumable_operations: Optional[Sequence[str]] = None,
        rejection_window: float = 0.0,
        statistics_measurement: Optional[float] = None,
        batching: Optional[float] = None,
        max_inflight: int = 100,
        max_queued: int = 10000,
        max_queued_bytes: int = 16777216,
        overflow: OverflowPolicy = "reject",
        delivery_events: bool = True,
        persistence_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
        fail_unsupported: Optional[Sequence[str]] = None,
        fail_executing_on_start: bool = True,
        json_operations: bool = False,
        json_errors: bool = False,
        smartrest1: Optional[Sequence[str]] = None,
        collections: Optional[Mapping[str, str]] = None,
        operation_responses: Optional[Sequence[Tuple[str, str]]] = None,
        reconnect_delay: Optional[float] = None,
        http_base_url: Optional[str] = None,
    ) -> Client:
        """Starts a client for ``device_id`` at ``host`` (connecting in the background; see
        ``wait_connected``). ``port`` None is the transport's default port; ``batching`` None is off;
        ``reconnect_delay`` None is the core's backoff (1 s doubling up to 60 s)."""
    @staticmethod
    def from_env(
        *,
        port: Optional[int] = ...,
        transport: Transport = ...,
        tenant: Optional[str] = ...,
        user: Optional[str] = ...,
        password: Optional[str] = ...,
        cert_pem: Optional[str] = ...,
        key_pem: Optional[str] = ...,
        ca_pem: Optional[str] = ...,
        insecure: bool = ...,
        xid: Optional[str] = ...,
        keep_alive: float = ...,
        connect_timeout: float = ...,
        qos: QoS = ...,
        processing_mode: ProcessingMode = ...,
        create_device: bool = ...,
        device_name: Optional[str] = ...,
        device_type: Optional[str] = ...,
        request_managed_object_id: bool = ...,
        not_authorized_retries: int = ...,
        last_will: Optional[Tuple[Union[int, str], Sequence[Union[str, int, float, None]]]] = ...,
        resumable_operations: Optional[Sequence[str]] = ...,
        rejection_window: float = ...,
        statistics_measurement: Optional[float] = ...,
        batching: Optional[float] = ...,
        max_inflight: int = ...,
        max_queued: int = ...,
        max_queued_bytes: int = ...,
        overflow: OverflowPolicy = ...,
        delivery_events: bool = ...,
        persistence_dir: Optional[Union[str, "os.PathLike[str]"]] = ...,
        fail_unsupported: Optional[Sequence[str]] = ...,
        fail_executing_on_start: bool = ...,
        json_operations: bool = ...,
        json_errors: bool = ...,
        smartrest1: Optional[Sequence[str]] = ...,
        collections: Optional[Mapping[str, str]] = ...,
        operation_responses: Optional[Sequence[Tuple[str, str]]] = ...,
        reconnect_delay: Optional[float] = ...,
        http_base_url: Optional[str] = ...,
    ) -> Client:
        """A client configured from the ``C8Y_*`` environment variables; the options given
        override them."""
    @property
    def device_id(self) -> str:
        """The device id."""
    @property
    def state(self) -> ConnectionState:
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
        progress: Optional[Callable[[int, Optional[int]], object]] = None,
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
    def statistics(self) -> ClientStatistics:
        """A snapshot of the client's operation statistics (raises once closed)."""
    def pending(self) -> int:
        """Number of publishes not yet completed."""
    def wait_pending(self, count: int, timeout: float = 30.0) -> bool:
        """Waits until at most ``count`` publishes are pending."""
    def publish_raw(
        self, topic: str, payload: Union[str, bytes], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Publishes a payload (``str``, or ``bytes`` of UTF-8 text) as it is on a Cumulocity
        upstream topic."""
    def send_json(
        self,
        kind: JsonKind,
        document: Any,
        *,
        id: Optional[str] = None,
        qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends a JSON document over MQTT."""
    def send_smartrest2(
        self, xid: str, msg_id: str, values: Sequence[str], *, qos: Optional[QoS] = None,
    ) -> Delivery:
        """Sends a SmartREST 2.0 use line of a registered collection."""
    def json_create_bulk(self, kind: JsonKind, collection: Any, *, qos: Optional[QoS] = None) -> Delivery:
        """Creates several measurements, events or alarms in one message
        (``<api>/<resource>/createBulk``); ``collection`` is the REST collection."""
    def json_update(self, kind: JsonKind, id: str, document: Any, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates the event, alarm or managed object ``id`` (``<api>/<resource>/update/<id>``)."""
    def json_delete(self, kind: JsonKind, id: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Deletes the event or measurement ``id`` (``<api>/<resource>/delete/<id>``)."""
    def send_smartrest1(self, xid: str, msg_id: str, values: Sequence[str]) -> Delivery:
        """Sends a SmartREST 1.0 row of the template collection ``xid`` on ``s/ul/<xid>``; the
        response rows arrive as "smartrest1_response" events (see the ``smartrest1`` option)."""
    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, or None after ``timeout`` seconds."""
    def events(self, timeout: Optional[float] = None) -> EventIterator:
        """Iterates over every event; ends after ``timeout`` seconds without one (never when
        None) or when the client is closed."""
    def operations(self, timeout: Optional[float] = None) -> OperationIterator:
        """Iterates over the operations (other events are skipped); ends like ``events``."""
    def on_event(self, callback: Optional[Callable[[Event], object]]) -> None:
        """Sets (or removes) the event callback."""
    def close(self) -> None:
        """Closes the client."""
    def __enter__(self) -> Client:
        """Returns the client itself."""
    def __exit__(self, exc_type: Any = None, _exc: Any = None, _tb: Any = None) -> None:
        """Flushes (up to 10 s, unless leaving by an exception) and closes."""

@final
class Event:
    """Something the client reported; ``kind`` says what."""

    @property
    def kind(self) -> EventKind:
        """What happened."""
    @property
    def state(self) -> Optional[EventState]:
        """The connection state ("connection_state"), collection state ("collection") or
        template status ("template_status")."""
    @property
    def error(self) -> Optional[str]:
        """Why (connection errors, JSON errors)."""
    @property
    def operation(self) -> Optional[Operation]:
        """The operation ("operation" and "operation_resumed" events)."""
    @property
    def delivery_id(self) -> Optional[int]:
        """The delivery id ("delivery" and "publish_rejected" events)."""
    @property
    def outcome(self) -> Optional[DeliveryOutcome]:
        """How the delivery ended ("delivery" events)."""
    @property
    def topic(self) -> Optional[str]:
        """The topic (or the skipped outbox file)."""
    @property
    def payload(self) -> Optional[bytes]:
        """The payload as received."""
    @property
    def template(self) -> Optional[str]:
        """A message id or template id."""
    @property
    def code(self) -> Optional[int]:
        """A numeric code (an ``s/e`` code, a SUBACK return code)."""
    @property
    def text(self) -> Optional[str]:
        """A text."""
    @property
    def values(self) -> List[str]:
        """Values (empty when the kind has none)."""
    @property
    def xid(self) -> Optional[str]:
        """An X-ID."""
    @property
    def count(self) -> Optional[int]:
        """A count ("events_lost")."""
    def exception(self) -> Optional[Exception]:
        """For "smartrest_error" events: the ``SmartRestError``."""

@final
class Operation:
    """An operation for the device or one of its children."""

    @property
    def id(self) -> Optional[str]:
        """The operation's id (None for a static operation without one)."""
    @property
    def device(self) -> str:
        """The external id of the device or child the operation is for."""
    @property
    def fragment(self) -> str:
        """The operation fragment, e.g. "c8y_Restart"."""
    @property
    def source(self) -> OperationSource:
        """How it arrived."""
    @property
    def template(self) -> Optional[str]:
        """The static template id, e.g. "510"; None for other sources."""
    @property
    def values(self) -> List[str]:
        """The operation's fields as received."""
    @property
    def kind(self) -> Optional[OperationKind]:
        """The typed parameters of a static operation (a dataclass of ``c8y_mqtt.operations``);
        None for JSON and SmartREST 2.0 operations."""
    @property
    def json(self) -> Optional[Dict[str, Any]]:
        """The operation document of a JSON operation; None otherwise."""
    def executing(self) -> Delivery:
        """Sets the operation EXECUTING."""
    def succeed(self, *parameters: str) -> Delivery:
        """Sets the operation SUCCESSFUL."""
    def fail(self, reason: str) -> Delivery:
        """Sets the operation FAILED."""

@final
class EventIterator:
    """The iterator of ``client.events()``."""

    def __iter__(self) -> EventIterator:
        """Returns the iterator itself."""
    def __next__(self) -> Event:
        """The next event (GIL released while waiting)."""

@final
class OperationIterator:
    """The iterator of ``client.operations()``."""

    def __iter__(self) -> OperationIterator:
        """Returns the iterator itself."""
    def __next__(self) -> Operation:
        """The next operation (GIL released while waiting)."""

@final
class DeviceCredentials:
    """The device's own credentials."""

    @property
    def tenant(self) -> str:
        """The tenant id."""
    @property
    def user(self) -> str:
        """The device user, ``device_<device id>``."""
    @property
    def password(self) -> str:
        """The password (a secret: do not log it)."""
    def as_options(self) -> Dict[str, str]:
        """Keyword arguments for ``Client``."""

def register(
    host: str,
    device_id: str,
    bootstrap_password: str,
    credentials_file: Union[str, "os.PathLike[str]"],
    *,
    port: Optional[int] = None,
    transport: Transport = "tls",
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

def _exception_class(code: int) -> type:
    """The exception class raised for the result code ``code``."""

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
    ) -> DeviceManagement:
        """Runs operations with these handlers on ``client``'s device."""
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
    ) -> RemoteAccess:
        """Remote access for ``client``: only the ``allow`` targets (``"host:port"``) are
        reached; each tunnel must connect within ``connect_timeout`` seconds, and at most
        ``max_tunnels`` run at once."""
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

