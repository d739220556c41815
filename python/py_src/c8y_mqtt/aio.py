"""asyncio face of the SDK: :class:`AsyncClient`, pure Python over the same native
:class:`c8y_mqtt.Client` (one runtime, one code path).

Publishing never blocks, so the ``send_*`` methods call the native ones and return the
:class:`c8y_mqtt.Delivery` at once; ``await`` it for the outcome (PUBACK), or ignore it. Waits (connect, flush, events, close) run the
native blocking call in the event loop's default executor, with the GIL released inside.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ._native import Client, ClientStatistics, Delivery, Device, Event, Operation
from .literals import ConnectionState, JsonKind, OverflowPolicy, ProcessingMode, QoS, Severity, Transport

if TYPE_CHECKING:
    from ._native import AdvancedSoftwareItem, Number, Time

__all__ = ["AsyncClient"]

#: How long one executor wait lasts, so that cancellation and close are noticed promptly.
_SLICE = 0.25


class AsyncClient:
    """An asyncio device client. Create it with ``await AsyncClient.connect(host, device_id,
    **options)`` (the options of :class:`c8y_mqtt.Client`) and use it as ``async with``.

    The publishing methods are those of :class:`c8y_mqtt.Client`: each returns a
    :class:`c8y_mqtt.Delivery`; ``await`` it for the outcome. ``client`` is the native blocking client.
    """

    def __init__(self, client: Client) -> None:
        """Wraps an existing native client (usually use :meth:`connect`)."""
        self._client = client

    @classmethod
    async def connect(
        cls,
        host: str,
        device_id: str,
        *,
        wait: Optional[float] = 30.0,
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
    ) -> AsyncClient:
        """Starts a client (the options of :class:`c8y_mqtt.Client`, same defaults) and, unless
        ``wait`` is None, waits up to ``wait`` seconds until it is connected."""
        given = locals()
        options: Dict[str, Any] = {
            name: given[name]
            for name, parameter in _OPTIONS.items()
            if given[name] != parameter.default
        }
        client = Client(host, device_id, **options)
        self = cls(client)
        if wait is not None:
            try:
                await self.wait_connected(wait)
            except BaseException:
                await self.close()
                raise
        return self

    @property
    def client(self) -> Client:
        """The native blocking client (same object, same queue)."""
        return self._client

    @property
    def device(self) -> Device:
        """The device handle."""
        return self._client.device

    @property
    def device_id(self) -> str:
        """The device id."""
        return self._client.device_id

    @property
    def state(self) -> ConnectionState:
        """The connection state (see :attr:`c8y_mqtt.Client.state`)."""
        return self._client.state

    @property
    def closed(self) -> bool:
        """Whether the client was closed."""
        return self._client.closed

    @property
    def managed_object_id(self) -> Optional[str]:
        """The device's managed object id, once the platform told it; None before."""
        return self._client.managed_object_id

    def child(self, id: str) -> Device:
        """A handle for the child device or service ``id``; nothing is sent."""
        return self._client.child(id)

    def create_child(self, id: str, name: str, device_type: str = "c8y_MQTTChildDevice") -> Device:
        """Creates the child device ``id`` (template 101, once per client); returns its handle."""
        return self._client.create_child(id, name, device_type)

    def create_service(self, id: str, service_type: str, name: str, status: str) -> Device:
        """Creates the service ``id`` (template 102, once per client); returns its handle."""
        return self._client.create_service(id, service_type, name, status)

    def statistics(self) -> ClientStatistics:
        """A snapshot of the client's operation statistics (see
        :meth:`c8y_mqtt.Client.statistics`); cheap, never waits."""
        return self._client.statistics()

    def pending(self) -> int:
        """Number of publishes not yet completed."""
        return self._client.pending()

    def request_managed_object_id(self) -> Delivery:
        """Asks the platform for the device's managed object id (``123``).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.request_managed_object_id()

    def send_measurement(self, fragment: str, series: str, value: Number, unit: Optional[str] = None, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends one measurement value (template 200).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_measurement(fragment, series, value, unit, time, qos=qos)

    def send_measurement_rows(self, rows: Iterable[Union[Tuple[str, str, Number], Tuple[str, str, Number, Optional[str]], Tuple[str, str, Number, Optional[str], Time]]], *, qos: Optional[QoS] = None) -> List[Delivery]:
        """Sends many single-value measurements (template 200 each) in one call.
        Returns one :class:`c8y_mqtt.Delivery` per row (``await`` each for its outcome)."""
        return self._client.send_measurement_rows(rows, qos=qos)

    def send_measurements(self, measurement_type: str, series: Sequence[Union[Tuple[str, str, Number], Tuple[str, str, Number, Optional[str]]]], time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a multi-series measurement (template 201).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_measurements(measurement_type, series, time, qos=qos)

    def send_temperature(self, value: Number, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a temperature (template 211).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_temperature(value, time, qos=qos)

    def send_battery(self, value: Number, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a battery level (template 212).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_battery(value, time, qos=qos)

    def send_event(self, event_type: str, text: str, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends an event (template 400).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_event(event_type, text, time, qos=qos)

    def send_location(self, latitude: Number, longitude: Number, altitude: Optional[Number] = None, accuracy: Optional[Number] = None, time: Time = None, *, update_device: bool = False, qos: Optional[QoS] = None) -> Delivery:
        """Sends a location update (template 401; 402 with ``update_device``: also the device's position).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_location(latitude, longitude, altitude, accuracy, time, update_device=update_device, qos=qos)

    def send_alarm(self, alarm_type: str, text: Optional[str] = None, severity: Severity = "major", time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Raises an alarm (templates 301-304).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_alarm(alarm_type, text, severity, time, qos=qos)

    def clear_alarm(self, alarm_type: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Clears an alarm (template 306).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.clear_alarm(alarm_type, qos=qos)

    def set_hardware(self, serial_number: Optional[str] = None, model: Optional[str] = None, revision: Optional[str] = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates the hardware fragment (template 110).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_hardware(serial_number, model, revision, qos=qos)

    def set_firmware(self, name: Optional[str] = None, version: Optional[str] = None, url: Optional[str] = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates the firmware fragment (template 115).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_firmware(name, version, url, qos=qos)

    def set_required_interval(self, minutes: int, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the required interval (template 117).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_required_interval(minutes, qos=qos)

    def set_supported_operations(self, fragments: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the supported operations (template 114).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_supported_operations(fragments, qos=qos)

    def set_operation_executing(self, fragment: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the operation of ``fragment`` EXECUTING (template 501).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_operation_executing(fragment, qos=qos)

    def set_operation_failed(self, fragment: str, reason: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the operation of ``fragment`` FAILED (template 502).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_operation_failed(fragment, reason, qos=qos)

    def set_operation_successful(self, fragment: str, *parameters: str, qos: Optional[QoS] = None) -> Delivery:
        """Sets the operation of ``fragment`` SUCCESSFUL (template 503).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_operation_successful(fragment, *parameters, qos=qos)

    def set_service_status(self, status: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the status of this service (template 104), e.g. ``"up"``.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_service_status(status, qos=qos)

    def request_child_devices(self, *, qos: Optional[QoS] = None) -> Delivery:
        """Asks the platform for this entity's child devices (template 105).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.request_child_devices(qos=qos)

    def clear_device_fragments(self, fragments: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Removes fragments from this entity's managed object (template 107).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.clear_device_fragments(fragments, qos=qos)

    def set_mobile(self, imei: Optional[str] = None, iccid: Optional[str] = None, imsi: Optional[str] = None, mcc: Optional[str] = None, mnc: Optional[str] = None, lac: Optional[str] = None, cell_id: Optional[str] = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates the mobile fragment ``c8y_Mobile`` (template 111).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_mobile(imei, iccid, imsi, mcc, mnc, lac, cell_id, qos=qos)

    def set_position(self, latitude: Optional[Number] = None, longitude: Optional[Number] = None, altitude: Optional[Number] = None, accuracy: Optional[int] = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates the device's position ``c8y_Position`` (template 112) without an event.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_position(latitude, longitude, altitude, accuracy, qos=qos)

    def set_configuration(self, config: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates the configuration text ``c8y_Configuration`` (template 113).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_configuration(config, qos=qos)

    def set_software_list(self, items: Sequence[Union[Tuple[str], Tuple[str, Optional[str]], Tuple[str, Optional[str], Optional[str]]]], *, qos: Optional[QoS] = None) -> Delivery:
        """Replaces the software list (template 116): ``(name, version, url)`` tuples.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_software_list(items, qos=qos)

    def set_supported_logs(self, log_types: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the supported log types (template 118); the whole list is replaced.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_supported_logs(log_types, qos=qos)

    def set_supported_configurations(self, config_types: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the supported configuration types (template 119); the whole list is replaced.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_supported_configurations(config_types, qos=qos)

    def set_current_configuration(self, config_type: str, url: str, file_name: Optional[str] = None, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the installed configuration of ``config_type`` (template 120).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_current_configuration(config_type, url, file_name, time, qos=qos)

    def set_device_profile_applied(self, executed: bool, profile_id: Optional[str] = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Reports a device profile as being applied (False) or applied (True) (template 121).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_device_profile_applied(executed, profile_id, qos=qos)

    def set_agent_information(self, name: str, version: str, maintainer: str, url: Optional[str] = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the agent information ``c8y_Agent`` (template 122).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_agent_information(name, version, maintainer, url, qos=qos)

    def send_heartbeat(self, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a heartbeat (template 125).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_heartbeat(qos=qos)

    def set_advanced_software_list(self, items: Sequence[AdvancedSoftwareItem], *, qos: Optional[QoS] = None) -> Delivery:
        """Replaces the advanced software list (template 140).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_advanced_software_list(items, qos=qos)

    def append_advanced_software(self, items: Sequence[AdvancedSoftwareItem], *, qos: Optional[QoS] = None) -> Delivery:
        """Adds to the advanced software list (template 141).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.append_advanced_software(items, qos=qos)

    def remove_advanced_software(self, items: Sequence[Tuple[str, str]], *, qos: Optional[QoS] = None) -> Delivery:
        """Removes ``(name, version)`` items from the advanced software list (template 142).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.remove_advanced_software(items, qos=qos)

    def set_supported_software_types(self, software_types: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the supported software types (template 143); the whole list is replaced.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_supported_software_types(software_types, qos=qos)

    def set_remote_access_protocols(self, protocols: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Sets the remote access protocols (template 150); the whole list is replaced.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_remote_access_protocols(protocols, qos=qos)

    def send_signal_strength(self, rssi: Optional[Number] = None, ber: Optional[Number] = None, time: Time = None, *, qos: Optional[QoS] = None) -> Delivery:
        """Sends the signal strength (template 210): RSSI, BER or both.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_signal_strength(rssi, ber, time, qos=qos)

    def set_alarm_severity(self, alarm_type: str, severity: Severity, *, qos: Optional[QoS] = None) -> Delivery:
        """Changes the severity of the active alarm of ``alarm_type`` (template 305).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.set_alarm_severity(alarm_type, severity, qos=qos)

    def clear_alarm_fragments(self, alarm_type: str, fragments: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Removes fragments from the active alarm of ``alarm_type`` (template 307).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.clear_alarm_fragments(alarm_type, fragments, qos=qos)

    def clear_event_fragments(self, event_type: str, fragments: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Removes fragments from the event of ``event_type`` (template 407).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.clear_event_fragments(event_type, fragments, qos=qos)

    def send_device_parameter_update(self, parameters: Sequence[Tuple[str, str, str]], *, qos: Optional[QoS] = None) -> Delivery:
        """Reports ``(path, value_type, value)`` device parameters (template 408).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_device_parameter_update(parameters, qos=qos)

    def send_static(self, template_id: Union[int, str], fields: Sequence[Union[str, int, float, None]], *, qos: Optional[QoS] = None) -> Delivery:
        """Sends any static template by id with its fields, validated by the core codec.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_static(template_id, fields, qos=qos)

    def publish_raw(self, topic: str, payload: Union[str, bytes], *, qos: Optional[QoS] = None) -> Delivery:
        """Publishes a payload (``str``, or ``bytes`` of UTF-8 text) as it is on a Cumulocity upstream topic.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.publish_raw(topic, payload, qos=qos)

    def send_json(self, kind: JsonKind, document: Any, *, id: Optional[str] = None, qos: Optional[QoS] = None) -> Delivery:
        """Sends a JSON document over MQTT (see :meth:`c8y_mqtt.Client.send_json`).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_json(kind, document, id=id, qos=qos)

    def json_create_bulk(self, kind: JsonKind, collection: Any, *, qos: Optional[QoS] = None) -> Delivery:
        """Creates several measurements, events or alarms in one message (see :meth:`c8y_mqtt.Client.json_create_bulk`).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.json_create_bulk(kind, collection, qos=qos)

    def json_update(self, kind: JsonKind, id: str, document: Any, *, qos: Optional[QoS] = None) -> Delivery:
        """Updates an event, alarm or managed object (see :meth:`c8y_mqtt.Client.json_update`).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.json_update(kind, id, document, qos=qos)

    def json_delete(self, kind: JsonKind, id: str, *, qos: Optional[QoS] = None) -> Delivery:
        """Deletes an event or measurement (see :meth:`c8y_mqtt.Client.json_delete`).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.json_delete(kind, id, qos=qos)

    def send_smartrest1(self, xid: str, msg_id: str, values: Sequence[str]) -> Delivery:
        """Sends a SmartREST 1.0 row of the template collection ``xid`` (see :meth:`c8y_mqtt.Client.send_smartrest1`).
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_smartrest1(xid, msg_id, values)

    def send_smartrest2(self, xid: str, msg_id: str, values: Sequence[str], *, qos: Optional[QoS] = None) -> Delivery:
        """Sends a SmartREST 2.0 use line of a registered collection.
        Returns its :class:`c8y_mqtt.Delivery` (``await`` it for the outcome)."""
        return self._client.send_smartrest2(xid, msg_id, values, qos=qos)


    async def send_measurement_acked(
        self,
        fragment: str,
        series: str,
        value: Number,
        unit: Optional[str] = None,
        time: Time = None,
        *,
        qos: Optional[QoS] = None,
    ) -> str:
        """``await send_measurement(...)``: waits for the PUBACK; returns the outcome."""
        return await self.send_measurement(fragment, series, value, unit, time, qos=qos)

    async def wait_connected(self, timeout: float = 30.0) -> None:
        """Waits until connected (see :meth:`c8y_mqtt.Client.wait_connected`)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._client.wait_connected, timeout)

    async def wait_pending(self, count: int, timeout: float = 30.0) -> bool:
        """Waits until at most ``count`` publishes are pending; returns whether that happened
        within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._client.wait_pending, count, timeout)

    async def flush(self, timeout: float = 30.0) -> None:
        """Waits until every queued message was acknowledged."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._client.flush, timeout)

    async def download(
        self,
        url: str,
        path: Union[str, "os.PathLike[str]"],
        *,
        size: Optional[int] = None,
        sha256: Optional[str] = None,
        progress: Optional[Callable[[int, Optional[int]], object]] = None,
    ) -> int:
        """Downloads ``url`` to ``path`` (see :meth:`c8y_mqtt.Client.download`)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(self._client.download, url, path, size=size, sha256=sha256, progress=progress)
        return await loop.run_in_executor(None, call)

    async def upload_event_binary(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        event_type: str = "c8y_Logfile",
        text: str = "",
        file_name: Optional[str] = None,
        content_type: str = "text/plain",
        device: Optional[str] = None,
    ) -> str:
        """Uploads ``path`` as an event binary (see :meth:`c8y_mqtt.Client.upload_event_binary`)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(
            self._client.upload_event_binary,
            path,
            event_type=event_type,
            text=text,
            file_name=file_name,
            content_type=content_type,
            device=device,
        )
        return await loop.run_in_executor(None, call)

    async def upload_inventory_binary(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        file_name: Optional[str] = None,
        content_type: str = "application/octet-stream",
    ) -> str:
        """Uploads ``path`` as an inventory binary (see
        :meth:`c8y_mqtt.Client.upload_inventory_binary`)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(
            self._client.upload_inventory_binary, path, file_name=file_name, content_type=content_type
        )
        return await loop.run_in_executor(None, call)
    async def access_token(self) -> Optional[str]:
        """The access token of a certificate device (see :meth:`c8y_mqtt.Client.access_token`)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._client.access_token)

    async def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, or None after ``timeout`` seconds (never when None). Raises
        ``ClientClosedError`` once the client is closed and drained."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            wait = _SLICE if deadline is None else max(0.0, min(_SLICE, deadline - loop.time()))
            event = await loop.run_in_executor(None, self._client.next_event, wait)
            if event is not None:
                return event
            if deadline is not None and loop.time() >= deadline:
                return None

    async def events(self, timeout: Optional[float] = None) -> AsyncIterator[Event]:
        """``async for event in client.events(timeout=...)``: ends after ``timeout`` seconds
        without an event (never when None) or when the client is closed."""
        from .errors import ClientClosedError

        while True:
            try:
                event = await self.next_event(timeout)
            except ClientClosedError:
                return
            if event is None:
                return
            yield event

    async def operations(self, timeout: Optional[float] = None) -> AsyncIterator[Operation]:
        """``async for op in client.operations(timeout=...)``: operations only; ends after
        ``timeout`` seconds without one (never when None) or when the client is closed."""
        from .errors import ClientClosedError

        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return
            try:
                event = await self.next_event(remaining)
            except ClientClosedError:
                return
            if event is None:
                return
            if event.operation is not None:
                yield event.operation
                if timeout is not None:
                    deadline = loop.time() + timeout

    async def close(self) -> None:
        """Closes the client (see :meth:`c8y_mqtt.Client.close`)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._client.close)

    async def __aenter__(self) -> AsyncClient:
        """Returns the client itself."""
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Flushes (up to 10 s, unless leaving by an exception) and closes."""
        if exc_type is None and not self._client.closed:
            try:
                await self.flush(10.0)
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncClient {self._client!r}>"


#: The options of :meth:`AsyncClient.connect` passed on to the native client (those given a value
#: other than their default, so that the core's own defaults apply otherwise).
_OPTIONS = {
    name: parameter
    for name, parameter in inspect.signature(AsyncClient.connect).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "wait"
}
