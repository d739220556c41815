"""Operations: static and JSON renderings, lifecycle, repr, unsupported operations."""

from __future__ import annotations

import pytest

from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import c8y_mqtt
from c8y_mqtt import Client
from c8y_mqtt.operations import (
    PROVIDED,
    Command,
    Configuration,
    DeviceProfile,
    DownloadConfigFile,
    Firmware,
    FirmwarePatch,
    LogfileRequest,
    OperationKind,
    ProfileConfiguration,
    ProfileFirmware,
    Relay,
    RelayArray,
    RemoteAccessConnect,
    Restart,
    SoftwareList,
    SoftwareListItem,
    SoftwareUpdate,
    SoftwareUpdateItem,
    UploadConfigFile,
    _from_fields,
)
from c8y_mqtt.testing import Emulator

from .conftest import DEVICE


def test_static_operation_lifecycle(client: Client, emulator: Emulator) -> None:
    created = emulator.create_operation(DEVICE, {"c8y_Command": {"text": 'echo "hi"'}})
    ops = list(client.operations(timeout=3))
    assert len(ops) == 1
    [op] = ops
    assert isinstance(op, c8y_mqtt.Operation)
    assert (op.fragment, op.device, op.source, op.template, op.id) == ("c8y_Command", DEVICE, "static", "511", None)
    assert op.values == ['echo "hi"']
    assert op.json is None
    assert op.kind == Command(text='echo "hi"')
    assert repr(op) == (
        'Operation(fragment="c8y_Command", device="dev1", id=None, source="static", '
        "template=\"511\", kind=Command(text='echo \"hi\"'))"
    )
    op.executing()
    emulator.wait_for_operation_status(created["id"], "EXECUTING")
    op.succeed("hi")
    done = emulator.wait_for_operation_status(created["id"], "SUCCESSFUL")
    assert done["c8y_Command"]["result"] == "hi"


def test_json_operation_has_its_id_and_fails_with_reason(emulator: Emulator) -> None:
    with Client(**emulator.client_options(DEVICE), json_operations=True) as client:
        client.wait_connected(15)
        created = emulator.create_operation(DEVICE, {"c8y_Restart": {}, "description": "restart"})
        op = next(iter(client.operations(timeout=5)))
        assert op.id == created["id"] and op.source == "json"
        assert op.json is not None and op.json["description"] == "restart"
        assert op.kind is None
        assert repr(op) == (
            f'Operation(fragment="c8y_Restart", device="dev1", id="{created["id"]}", source="json")'
        )
        op.executing().future().result(10)
        op.fail("x" * 1000)
        failed = emulator.wait_for_operation_status(created["id"], "FAILED")
        assert failed["failureReason"].endswith("...") and len(failed["failureReason"]) < 510


def test_child_operation_targets_the_child(client: Client, emulator: Emulator) -> None:
    client.create_child("dev1:c", "Child")
    client.flush(10)
    created = emulator.create_operation("dev1:c", {"c8y_Restart": {}})
    [op] = list(client.operations(timeout=3))
    assert op.device == "dev1:c"
    op.executing()
    op.succeed()
    emulator.wait_for_operation_status(created["id"], "SUCCESSFUL")
    assert ("s/us/dev1:c", b"501,c8y_Restart") in emulator.publishes()


def test_unsupported_operations_are_failed_automatically(emulator: Emulator) -> None:
    opts = emulator.client_options(DEVICE)
    with Client(**opts, fail_unsupported=["c8y_Restart"]) as client:
        client.wait_connected(15)
        created = emulator.create_operation(DEVICE, {"c8y_Command": {"text": "ls"}})
        assert list(client.operations(timeout=1)) == []
        failed = emulator.wait_for_operation_status(created["id"], "FAILED")
        assert failed["failureReason"] == "Unsupported operation"


def test_operation_calls_after_close_raise(client: Client, emulator: Emulator) -> None:
    emulator.create_operation(DEVICE, {"c8y_Restart": {}})
    [op] = list(client.operations(timeout=3))
    client.close()
    with pytest.raises(c8y_mqtt.ClientClosedError):
        op.executing()
    assert list(client.operations(timeout=0.1)) == []
    with pytest.raises(c8y_mqtt.ClientClosedError):
        client.next_event(0.1)


PLUS2 = timezone(timedelta(hours=2))

TYPED_KINDS = [
    ({"c8y_Restart": {}}, "510", Restart()),
    ({"c8y_Command": {"text": "ls -l"}}, "511", Command(text="ls -l")),
    ({"c8y_Configuration": {"config": "a=1\nb=2"}}, "513", Configuration(text="a=1\nb=2")),
    (
        {"c8y_Firmware": {"name": "fw", "version": "1.0", "url": "http://x/fw.bin"}},
        "515",
        Firmware(name="fw", version="1.0", url="http://x/fw.bin"),
    ),
    (
        {"c8y_Firmware": {"name": "fw", "version": "1.1", "url": PROVIDED, "dependency": "1.0"}},
        "525",
        FirmwarePatch(name="fw", version="1.1", url=PROVIDED, dependency="1.0"),
    ),
    (
        {"c8y_SoftwareList": [{"name": "a", "version": "1", "url": "u"}, {"name": "b", "version": "", "url": ""}]},
        "516",
        SoftwareList(items=(SoftwareListItem("a", "1", "u"), SoftwareListItem("b", "", ""))),
    ),
    (
        {
            "c8y_SoftwareUpdate": [
                {"name": "nginx", "version": "1.2", "url": "http://x/n", "action": "install"},
                {"name": "vim", "version": "9", "url": "", "action": "delete"},
            ]
        },
        "528",
        SoftwareUpdate(
            items=(
                SoftwareUpdateItem(name="nginx", version="1.2", url="http://x/n", action="install"),
                SoftwareUpdateItem(name="vim", version="9", url="", action="delete"),
            )
        ),
    ),
    (
        {
            "c8y_SoftwareUpdate": [
                {"name": "nginx", "version": "1.2", "softwareType": "apt", "url": "", "action": "install"}
            ]
        },
        "529",
        SoftwareUpdate(items=(SoftwareUpdateItem("nginx", "1.2", "", "install", software_type="apt"),)),
    ),
    (
        {
            "c8y_LogfileRequest": {
                "logFile": "syslog",
                "dateFrom": "2024-01-01T10:00:00+02:00",
                "dateTo": "2024-01-02T10:30:00.250+02:00",
                "searchText": "error",
                "maximumLines": 100,
            }
        },
        "522",
        LogfileRequest(
            log_file="syslog",
            date_from=datetime(2024, 1, 1, 10, 0, tzinfo=PLUS2),
            date_to=datetime(2024, 1, 2, 10, 30, 0, 250000, tzinfo=PLUS2),
            search_text="error",
            maximum_lines=100,
        ),
    ),
    ({"c8y_Relay": {"relayState": "CLOSED"}}, "518", Relay(state="CLOSED")),
    ({"c8y_RelayArray": ["OPEN", "CLOSED"]}, "519", RelayArray(states=("OPEN", "CLOSED"))),
    ({"c8y_UploadConfigFile": {}}, "520", UploadConfigFile(config_type=None)),
    ({"c8y_UploadConfigFile": {"type": "ssh"}}, "526", UploadConfigFile(config_type="ssh")),
    (
        {"c8y_DownloadConfigFile": {"url": "http://x/c", "type": "ssh"}},
        "524",
        DownloadConfigFile(url="http://x/c", config_type="ssh"),
    ),
    (
        {"c8y_RemoteAccessConnect": {"hostname": "127.0.0.1", "port": 22, "connectionKey": "k1"}},
        "530",
        RemoteAccessConnect(hostname="127.0.0.1", port=22, connection_key="k1"),
    ),
    (
        {
            "c8y_DeviceProfile": {
                "firmware": {"name": "fw", "version": "2", "url": "http://x/fw"},
                "software": [{"name": "a", "version": "1", "url": "", "action": "install"}],
                "configuration": [{"url": "http://x/c", "type": "ssh"}],
            }
        },
        "527",
        DeviceProfile(
            firmware=ProfileFirmware(name="fw", version="2", url="http://x/fw", is_patch=False, dependency=None),
            software=(SoftwareUpdateItem("a", "1", "", "install"),),
            configurations=(ProfileConfiguration(url="http://x/c", config_type="ssh"),),
        ),
    ),
]


@pytest.mark.parametrize(("fragments", "template", "kind"), TYPED_KINDS, ids=[t for _, t, _ in TYPED_KINDS])
def test_static_operations_have_their_typed_kind(
    client: Client, emulator: Emulator, fragments: Dict[str, Any], template: str, kind: OperationKind
) -> None:
    emulator.create_operation(DEVICE, fragments)
    op = next(iter(client.operations(timeout=5)))
    assert (op.source, op.template) == ("static", template)
    assert op.kind == kind
    assert type(op.kind) is type(kind)
    assert hash(op.kind) == hash(kind)
    assert f"kind={kind!r})" in repr(op)


def test_logfile_request_times_are_aware_datetimes(client: Client, emulator: Emulator) -> None:
    fragment = {"logFile": "syslog", "dateFrom": "2024-01-01T10:00:00+02:00", "dateTo": "2024-01-01T12:00:00Z"}
    emulator.create_operation(DEVICE, {"c8y_LogfileRequest": fragment})
    op = next(iter(client.operations(timeout=5)))
    kind = op.kind
    assert isinstance(kind, LogfileRequest)
    assert kind.date_from.utcoffset() == timedelta(hours=2)
    assert kind.date_to == datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert (kind.search_text, kind.maximum_lines) == ("", None)


def test_relay_repr_names_the_kind(client: Client, emulator: Emulator) -> None:
    emulator.create_operation(DEVICE, {"c8y_Relay": {"relayState": "OPEN"}})
    op = next(iter(client.operations(timeout=5)))
    assert repr(op) == (
        'Operation(fragment="c8y_Relay", device="dev1", id=None, source="static", '
        "template=\"518\", kind=Relay(state='OPEN'))"
    )
    with pytest.raises(AttributeError):
        op.kind.state = "CLOSED"  # type: ignore[misc,union-attr]


def test_a_kind_without_a_class_falls_back_to_other_static() -> None:
    kind = _from_fields({"kind": "OtherStatic", "template": 599, "values": ["a", "b"]})
    assert kind == c8y_mqtt.OtherStatic(template=599, values=("a", "b"))


def test_values_are_the_positional_fields_of_the_typed_kind(client: Client, emulator: Emulator) -> None:
    emulator.create_operation(DEVICE, {"c8y_Firmware": {"name": "core", "version": "2.1", "url": PROVIDED}})
    op = next(iter(client.operations(timeout=5)))
    assert op.kind == Firmware(name="core", version="2.1", url=PROVIDED)
    assert op.values == ["core", "2.1", PROVIDED]
