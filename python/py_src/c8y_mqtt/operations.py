"""Typed static operations: one frozen dataclass per operation kind, the value of
:attr:`c8y_mqtt.Operation.kind`.

A static operation (templates 510-532 on ``s/ds``) arrives with typed parameters; ``op.kind``
holds them, e.g.::

    kind = op.kind
    if isinstance(kind, Command):
        run(kind.text)
    elif isinstance(kind, Firmware):
        install(kind.name, kind.version, kind.url)

JSON and SmartREST 2.0 operations have ``kind`` None (read ``op.json`` / ``op.values``).
Texts are kept as the platform sent them: a firmware ``url`` of ``"$PROVIDED"``
(:data:`PROVIDED`) means the device resolves the image itself; relay states and software
actions are the words as sent (``"OPEN"``, ``"CLOSED"``, ``"install"``, ``"delete"``, ...).
Lists are tuples so every value is hashable. ``OperationKind`` is the union of the kind
classes (for annotations: ``Optional[OperationKind]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional, Tuple, Union

__all__ = [
    "PROVIDED",
    "Restart",
    "Command",
    "Configuration",
    "Firmware",
    "FirmwarePatch",
    "SoftwareListItem",
    "SoftwareList",
    "SoftwareUpdateItem",
    "SoftwareUpdate",
    "MeasurementRequest",
    "Relay",
    "RelayArray",
    "UploadConfigFile",
    "DownloadConfigFile",
    "LogfileRequest",
    "CommunicationMode",
    "ProfileFirmware",
    "ProfileConfiguration",
    "DeviceProfile",
    "RemoteAccessConnect",
    "ParameterChange",
    "ParameterUpdate",
    "OtherStatic",
]

PROVIDED = "$PROVIDED"
"""The firmware ``url`` meaning "the device knows where to get the image"."""


@dataclass(frozen=True)
class Restart:
    """``510`` ``c8y_Restart``: restart the device."""


@dataclass(frozen=True)
class Command:
    """``511`` ``c8y_Command``: run the shell command ``text`` (may hold line breaks)."""

    text: str


@dataclass(frozen=True)
class Configuration:
    """``513`` ``c8y_Configuration``: apply the configuration ``text``."""

    text: str


@dataclass(frozen=True)
class Firmware:
    """``515`` ``c8y_Firmware``: install the firmware image ``name`` ``version`` from ``url``
    (:data:`PROVIDED` when the device resolves it)."""

    name: str
    version: str
    url: str


@dataclass(frozen=True)
class FirmwarePatch:
    """``525`` ``c8y_Firmware`` (patch): install the patch ``name`` ``version`` from ``url``
    onto the version ``dependency`` (may be empty)."""

    name: str
    version: str
    url: str
    dependency: str


@dataclass(frozen=True)
class SoftwareListItem:
    """One entry of a :class:`SoftwareList`."""

    name: str
    version: str
    url: str


@dataclass(frozen=True)
class SoftwareList:
    """``516`` ``c8y_SoftwareList``: the full software list the device should have."""

    items: Tuple[SoftwareListItem, ...]


@dataclass(frozen=True)
class SoftwareUpdateItem:
    """One software change: ``action`` is ``"install"`` or ``"delete"`` (other words kept);
    ``software_type`` is set for the typed renderings (529, 531) and None otherwise."""

    name: str
    version: str
    url: str
    action: str
    software_type: Optional[str] = None


@dataclass(frozen=True)
class SoftwareUpdate:
    """``528`` / ``529`` ``c8y_SoftwareUpdate``: install or remove software."""

    items: Tuple[SoftwareUpdateItem, ...]


@dataclass(frozen=True)
class MeasurementRequest:
    """``517`` ``c8y_MeasurementRequestOperation``: send the measurements named
    ``request_name`` (may be empty) now."""

    request_name: str


@dataclass(frozen=True)
class Relay:
    """``518`` ``c8y_Relay``: switch the relay to ``state`` (``"OPEN"`` / ``"CLOSED"``)."""

    state: str


@dataclass(frozen=True)
class RelayArray:
    """``519`` ``c8y_RelayArray``: switch several relays; ``states`` as sent."""

    states: Tuple[str, ...]


@dataclass(frozen=True)
class UploadConfigFile:
    """``520`` / ``526`` ``c8y_UploadConfigFile``: upload the current configuration (of
    ``config_type``; None for the untyped 520)."""

    config_type: Optional[str]


@dataclass(frozen=True)
class DownloadConfigFile:
    """``521`` / ``524`` ``c8y_DownloadConfigFile``: download the configuration at ``url`` and
    apply it (as ``config_type``; None for the untyped 521)."""

    url: str
    config_type: Optional[str]


@dataclass(frozen=True)
class LogfileRequest:
    """``522`` ``c8y_LogfileRequest``: upload the lines of the log ``log_file`` between
    ``date_from`` and ``date_to`` (timezone-aware) that contain ``search_text`` (empty: all),
    at most ``maximum_lines`` (None: no limit given)."""

    log_file: str
    date_from: datetime
    date_to: datetime
    search_text: str
    maximum_lines: Optional[int]


@dataclass(frozen=True)
class CommunicationMode:
    """``523`` ``c8y_CommunicationMode``: switch to ``mode`` (e.g. ``"SMS"``, ``"IP"``)."""

    mode: str


@dataclass(frozen=True)
class ProfileFirmware:
    """The firmware of a :class:`DeviceProfile`."""

    name: str
    version: str
    url: str
    is_patch: bool
    dependency: Optional[str]


@dataclass(frozen=True)
class ProfileConfiguration:
    """One configuration of a :class:`DeviceProfile`: download ``url``, apply as
    ``config_type``."""

    url: str
    config_type: str


@dataclass(frozen=True)
class DeviceProfile:
    """``527`` / ``531`` ``c8y_DeviceProfile``: apply firmware, software and configurations.
    The platform sends 531 (software items with ``software_type``) in addition to 527 when an
    item has a type: a device that handles the typed one ignores the other (``op.template``)."""

    firmware: Optional[ProfileFirmware]
    software: Tuple[SoftwareUpdateItem, ...]
    configurations: Tuple[ProfileConfiguration, ...]


@dataclass(frozen=True)
class RemoteAccessConnect:
    """``530`` ``c8y_RemoteAccessConnect``: open a tunnel to ``hostname``:``port`` on the
    device side for the platform connection ``connection_key``."""

    hostname: str
    port: int
    connection_key: str


@dataclass(frozen=True)
class ParameterChange:
    """One parameter of a :class:`ParameterUpdate`: set ``path`` to ``value`` of
    ``value_type``."""

    path: str
    value_type: str
    value: str


@dataclass(frozen=True)
class ParameterUpdate:
    """``532`` ``c8y_ParameterUpdate``: set device parameters."""

    changes: Tuple[ParameterChange, ...]


@dataclass(frozen=True)
class OtherStatic:
    """A static operation this version of the package has no class for: its ``template`` id
    and the ``values`` after the device id."""

    template: int
    values: Tuple[str, ...]


OperationKind = Union[
    Restart,
    Command,
    Configuration,
    Firmware,
    FirmwarePatch,
    SoftwareList,
    SoftwareUpdate,
    MeasurementRequest,
    Relay,
    RelayArray,
    UploadConfigFile,
    DownloadConfigFile,
    LogfileRequest,
    CommunicationMode,
    DeviceProfile,
    RemoteAccessConnect,
    ParameterUpdate,
    OtherStatic,
]
"""Any value of :attr:`c8y_mqtt.Operation.kind` (besides None)."""

_CLASSES: Dict[str, Any] = {
    cls.__name__: cls
    for cls in (
        Restart,
        Command,
        Configuration,
        Firmware,
        FirmwarePatch,
        SoftwareList,
        SoftwareUpdate,
        MeasurementRequest,
        Relay,
        RelayArray,
        UploadConfigFile,
        DownloadConfigFile,
        LogfileRequest,
        CommunicationMode,
        DeviceProfile,
        RemoteAccessConnect,
        ParameterUpdate,
        OtherStatic,
    )
}


def _from_fields(fields: Dict[str, Any]) -> OperationKind:
    """The dataclass of the native dict ``{"kind": name, field: value, ...}`` (lists become
    tuples, nested dicts item dataclasses, ISO-8601 times ``datetime``). The one place the
    native shape is read."""
    f = dict(fields)
    kind = f.pop("kind")
    if kind == "SoftwareList":
        f["items"] = tuple(SoftwareListItem(**i) for i in f["items"])
    elif kind == "SoftwareUpdate":
        f["items"] = tuple(SoftwareUpdateItem(**i) for i in f["items"])
    elif kind == "DeviceProfile":
        firmware = f["firmware"]
        f["firmware"] = None if firmware is None else ProfileFirmware(**firmware)
        f["software"] = tuple(SoftwareUpdateItem(**i) for i in f["software"])
        f["configurations"] = tuple(ProfileConfiguration(**c) for c in f["configurations"])
    elif kind == "ParameterUpdate":
        f["changes"] = tuple(ParameterChange(**c) for c in f["changes"])
    elif kind == "LogfileRequest":
        f["date_from"] = datetime.fromisoformat(f["date_from"])
        f["date_to"] = datetime.fromisoformat(f["date_to"])
    elif kind == "RelayArray":
        f["states"] = tuple(f["states"])
    elif kind == "OtherStatic":
        f["values"] = tuple(f["values"])
    result: OperationKind = _CLASSES[kind](**f)
    return result
