"""c8y_mqtt: the device SDK for Cumulocity IoT's MQTT protocol (a Rust core with a typed
Python face).

* :class:`Client` (blocking) and :class:`AsyncClient` (asyncio, :mod:`c8y_mqtt.aio`) connect a
  device;
  the client is also the device's :class:`Device` handle (``client.send_measurement(...)``),
  ``client.child(id)`` / ``client.create_child(...)`` give child handles.
* Publishes only queue and return a :class:`Delivery`: ``.id`` is the delivery id,
  ``.future()`` a ``concurrent.futures.Future`` that completes on PUBACK, and ``await delivery``
  the same outcome in asyncio. ``client.flush()`` waits for all.
* Operations: ``for op in client.operations(timeout=...)`` then ``op.executing()``,
  ``op.succeed(...)`` or ``op.fail(reason)``; every event with ``client.events(...)``.
  ``op.kind`` holds a static operation's typed parameters as a dataclass of
  :mod:`c8y_mqtt.operations` (``Command(text=...)``, ``Restart()``, ...).
* Typing: the stubs are precise (``mypy --strict`` checks option names, kinds and states);
  :mod:`c8y_mqtt.literals` names the ``Literal`` types (``EventKind``, ``ConnectionState``, ...).
* Errors: :mod:`c8y_mqtt.errors` (``C8yError`` and subclasses, each with the C result code).
* Tests without a tenant: :mod:`c8y_mqtt.testing` (the emulator and pytest fixtures of the
  ``c8y-mqtt-emulator`` distribution, installed by ``pip install c8y-mqtt[testing]``).

The SDK logs to Python's :mod:`logging` under ``c8y_mqtt.*`` logger names; levels are cached,
so call :func:`reset_log_cache` after changing them.
"""

from __future__ import annotations

from . import errors, literals, operations
from ._native import (
    Client,
    Delivery,
    Device,
    DeviceCredentials,
    DeviceManagement,
    Event,
    EventIterator,
    Operation,
    OperationIterator,
    PanicException,
    __version__,
    register,
    reset_log_cache,
)
from .aio import AsyncClient
from .literals import (
    CollectionState,
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
    TemplateStatus,
    Transport,
)
from .operations import (
    Restart,
    Command,
    Configuration,
    Firmware,
    FirmwarePatch,
    SoftwareList,
    SoftwareListItem,
    SoftwareUpdate,
    SoftwareUpdateItem,
    MeasurementRequest,
    Relay,
    RelayArray,
    UploadConfigFile,
    DownloadConfigFile,
    LogfileRequest,
    CommunicationMode,
    DeviceProfile,
    ProfileFirmware,
    ProfileConfiguration,
    RemoteAccessConnect,
    ParameterUpdate,
    ParameterChange,
    OtherStatic,
)
from .errors import (
    AuthError,
    C8yError,
    ClientClosedError,
    ConfigError,
    ConnectError,
    DeadlineExceededError,
    FileError,
    ForkedError,
    HttpError,
    InCallbackError,
    InternalError,
    MessageTooLargeError,
    NotConnectedError,
    ProxyError,
    QueueFullError,
    RegistrationError,
    SmartRestError,
    StoppedError,
    TlsError,
)

__all__ = [
    "__version__",
    "AsyncClient",
    "Client",
    "Delivery",
    "Device",
    "DeviceCredentials",
    "DeviceManagement",
    "Event",
    "EventIterator",
    "Operation",
    "OperationIterator",
    "PanicException",
    "register",
    "reset_log_cache",
    "errors",
    "literals",
    "operations",
    "CollectionState",
    "ConnectionState",
    "DeliveryOutcome",
    "EventKind",
    "EventState",
    "JsonKind",
    "OperationSource",
    "OverflowPolicy",
    "ProcessingMode",
    "QoS",
    "Severity",
    "TemplateStatus",
    "Transport",
    "Restart",
    "Command",
    "Configuration",
    "Firmware",
    "FirmwarePatch",
    "SoftwareList",
    "SoftwareListItem",
    "SoftwareUpdate",
    "SoftwareUpdateItem",
    "MeasurementRequest",
    "Relay",
    "RelayArray",
    "UploadConfigFile",
    "DownloadConfigFile",
    "LogfileRequest",
    "CommunicationMode",
    "DeviceProfile",
    "ProfileFirmware",
    "ProfileConfiguration",
    "RemoteAccessConnect",
    "ParameterUpdate",
    "ParameterChange",
    "OtherStatic",
    "AuthError",
    "C8yError",
    "ClientClosedError",
    "ConfigError",
    "ConnectError",
    "DeadlineExceededError",
    "FileError",
    "ForkedError",
    "HttpError",
    "InCallbackError",
    "InternalError",
    "MessageTooLargeError",
    "NotConnectedError",
    "ProxyError",
    "QueueFullError",
    "RegistrationError",
    "SmartRestError",
    "StoppedError",
    "TlsError",
]
