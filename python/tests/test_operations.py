"""Operations: static and JSON renderings, lifecycle, repr, unsupported operations."""

from __future__ import annotations

import pytest

import c8y_mqtt
from c8y_mqtt import Client
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
    assert repr(op) == (
        'Operation(fragment="c8y_Command", device="dev1", id=None, source="static", '
        "template=\"511\", values=[\"echo \\\"hi\\\"\"])"
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
        op.executing(future=True).result(10)
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
