"""c8y_mqtt: the device SDK for Cumulocity IoT's MQTT protocol (a Rust core with a typed
Python face).

* :class:`Client` (blocking) and :class:`c8y_mqtt.aio.AsyncClient` (asyncio) connect a device;
  the client is also the device's :class:`Device` handle (``client.send_measurement(...)``),
  ``client.child(id)`` / ``client.create_child(...)`` give child handles.
* Publishes only queue and return a delivery id (``int``); ``future=True`` returns a
  ``concurrent.futures.Future`` that completes on PUBACK. ``client.flush()`` waits for all.
* Operations: ``for op in client.operations(timeout=...)`` then ``op.executing()``,
  ``op.succeed(...)`` or ``op.fail(reason)``; every event with ``client.events(...)``.
  ``op.kind`` holds a static operation's typed parameters as a dataclass of
  :mod:`c8y_mqtt.operations` (``Command(text=...)``, ``Restart()``, ...).
* Errors: :mod:`c8y_mqtt.errors` (``C8yError`` and subclasses, each with the C result code).
* Tests without a tenant: :mod:`c8y_mqtt.testing` (the emulator and pytest fixtures of the
  ``c8y-mqtt-emulator`` distribution, installed by ``pip install c8y-mqtt[testing]``).

The SDK logs to Python's :mod:`logging` under ``c8y_mqtt.*`` logger names; levels are cached,
so call :func:`reset_log_cache` after changing them.
"""

from __future__ import annotations

from . import errors, operations
from ._native import (
    Client,
    Device,
    DeviceCredentials,
    DeviceManagement,
    Event,
    EventIterator,
    Operation,
    PanicException,
    RemoteAccess,
    __version__,
    register,
    reset_log_cache,
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
    ForkedError,
    HttpError,
    InCallbackError,
    MessageTooLargeError,
    NotConnectedError,
    QueueFullError,
    SmartRestError,
    TlsError,
)

__all__ = [
    "__version__",
    "Client",
    "Device",
    "DeviceCredentials",
    "DeviceManagement",
    "Event",
    "EventIterator",
    "Operation",
    "PanicException",
    "RemoteAccess",
    "register",
    "reset_log_cache",
    "errors",
    "operations",
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
    "ForkedError",
    "HttpError",
    "InCallbackError",
    "MessageTooLargeError",
    "NotConnectedError",
    "QueueFullError",
    "SmartRestError",
    "TlsError",
]
