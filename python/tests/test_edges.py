"""The edges a new device meets, from Python: device creation by default, refused
subscriptions with their cause, the restart clean-up, processing modes, the managed object id,
the last will."""

from __future__ import annotations

import pathlib
import threading
from typing import Any, Dict, List

import pytest

import c8y_mqtt
from c8y_mqtt.errors import ConnectError, DeadlineExceededError, SmartRestError
from c8y_mqtt.testing import Emulator, wait_until

from .conftest import DEVICE

REASON = "Operation interrupted by a device restart"


def options(emulator: Emulator, **extra: Any) -> Dict[str, Any]:
    """The emulator's client options with the SDK's own default for device creation."""
    opts: Dict[str, Any] = dict(emulator.client_options(DEVICE))
    opts.pop("create_device", None)
    opts.update(extra)
    return opts


def events_of(client: c8y_mqtt.Client, kind: str, count: int = 1, timeout: float = 10) -> List[c8y_mqtt.Event]:
    found: List[c8y_mqtt.Event] = []
    for event in client.events(timeout=timeout):
        if isinstance(event, c8y_mqtt.Event) and event.kind == kind:
            found.append(event)
            if len(found) == count:
                break
    assert len(found) == count, f"{kind}: {found}"
    return found


def test_a_new_device_with_default_options_receives_operations(emulator: Emulator) -> None:
    assert emulator.managed_object(DEVICE) is None
    with c8y_mqtt.Client(**options(emulator)) as client:
        client.wait_connected(15)
        device = emulator.managed_object(DEVICE)
        assert device is not None
        assert (device["name"], device["type"]) == (DEVICE, "c8y_MQTTDevice")
        wait_until(lambda: ("s/us", b"500") in emulator.publishes())
        emulator.create_operation(DEVICE, {"c8y_Restart": {}})
        op = next(iter(client.operations(timeout=10)))
        assert isinstance(op, c8y_mqtt.Operation)
        assert (op.fragment, op.device) == ("c8y_Restart", DEVICE)


def test_refused_subscriptions_are_events_and_the_cause_of_a_timeout(emulator: Emulator) -> None:
    with c8y_mqtt.Client(**options(emulator, create_device=False)) as client:
        [refused, _] = events_of(client, "subscription_refused", count=2)
        assert (refused.topic, refused.code) == ("s/ds", 0x80)
        # The state follows the refusal events (set right after them, on the connection task).
        wait_until(lambda: client.state == "subscriptions_refused")
        with pytest.raises(DeadlineExceededError) as caught:
            client.wait_connected(0.3)
        cause = caught.value.__cause__
        assert isinstance(cause, ConnectError), repr(cause)
        assert "s/ds" in str(cause)
        # Data creates the device; the retried subscriptions then succeed.
        client.send_temperature(20)
        client.wait_connected(15)
        wait_until(lambda: ("s/us", b"500") in emulator.publishes())
        emulator.create_operation(DEVICE, {"c8y_Restart": {}})
        op = next(iter(client.operations(timeout=10)))
        assert isinstance(op, c8y_mqtt.Operation) and op.fragment == "c8y_Restart"


def test_restart_without_persistence_fails_supported_fragments_but_not_the_restart(emulator: Emulator) -> None:
    with c8y_mqtt.Client(**options(emulator)) as client:
        client.wait_connected(15)
        wait_until(lambda: ("s/us", b"500") in emulator.publishes())
        ids = []
        for fragment in ({"c8y_Restart": {}}, {"c8y_Command": {"text": "reboot"}}):
            ids.append(emulator.create_operation(DEVICE, fragment)["id"])
            op = next(iter(client.operations(timeout=10)))
            assert isinstance(op, c8y_mqtt.Operation)
            op.executing()
            emulator.wait_for_operation_status(ids[-1], "EXECUTING")
    restart, command = ids
    # After the "reboot".
    with c8y_mqtt.Client(**options(emulator, fail_unsupported=["c8y_Restart", "c8y_Command"])) as client:
        client.wait_connected(15)
        failed = emulator.wait_for_operation_status(command, "FAILED")
        assert failed["failureReason"] == REASON
        assert ("s/us", f"507,c8y_Command,{REASON}".encode()) in emulator.publishes()
        assert emulator.operation(restart)["status"] == "EXECUTING"
        client.send_static(503, ["c8y_Restart"])
        emulator.wait_for_operation_status(restart, "SUCCESSFUL")


def test_measurements_follow_the_processing_mode_and_alarms_stay_persistent(emulator: Emulator) -> None:
    with c8y_mqtt.Client(**options(emulator, processing_mode="t")) as client:
        client.wait_connected(15)
        client.send_temperature(5)
        client.send_alarm("c8y_Heat", "hot", "critical")
        client.flush(10)
    published = emulator.publishes()
    assert ("t/us", b"211,5") in published
    assert ("s/us", b"301,c8y_Heat,hot") in published


def test_the_managed_object_id_of_the_device_and_a_child(emulator: Emulator) -> None:
    with c8y_mqtt.Client(**options(emulator, request_managed_object_id=True)) as client:
        client.wait_connected(15)
        [event] = events_of(client, "managed_object_id")
        device = emulator.managed_object(DEVICE)
        assert device is not None
        assert event.values == [DEVICE, device["id"]]
        assert client.managed_object_id == device["id"]
        child = client.create_child("dev1_fan", "Fan")
        assert child.managed_object_id is None
        child.request_managed_object_id()
        [event] = events_of(client, "managed_object_id")
        fan = emulator.managed_object("dev1_fan")
        assert fan is not None
        assert event.values == ["dev1_fan", fan["id"]]
        assert child.managed_object_id == fan["id"]


def test_the_last_will_runs_when_the_connection_is_cut(emulator: Emulator) -> None:
    will = (400, ["c8y_ConnectionEvent", "Device connection was lost."])
    with c8y_mqtt.Client(**options(emulator, last_will=will)) as client:
        client.wait_connected(15)
        assert emulator.drop_connection(DEVICE)
        wait_until(lambda: emulator.events(source=DEVICE, type="c8y_ConnectionEvent"))
        [event] = emulator.events(source=DEVICE, type="c8y_ConnectionEvent")
        assert event["text"] == "Device connection was lost."


def test_a_refused_row_fails_its_future_and_names_its_delivery(emulator: Emulator) -> None:
    with c8y_mqtt.Client(**options(emulator, rejection_window=2.0)) as client:
        client.wait_connected(15)
        future = client.send_static(503, ["c8y_Restart"]).future()
        with pytest.raises(SmartRestError) as caught:
            future.result(timeout=10)
        assert caught.value.smartrest_code == 50
        [event] = events_of(client, "publish_rejected")
        assert (event.code, event.template, event.values) == (50, "503", [DEVICE])
        assert event.delivery_id is not None
        assert isinstance(event.exception(), SmartRestError)


def test_credentials_are_never_written_through_a_symbolic_link(emulator: Emulator, tmp_path: pathlib.Path) -> None:
    emulator.register_device("boot2")
    target = tmp_path / "elsewhere"
    link = tmp_path / "credentials"
    link.symlink_to(target)
    planted = tmp_path / "credentials.tmp"
    planted.write_text("planted")
    outcome: Dict[str, Any] = {}

    def register() -> None:
        try:
            c8y_mqtt.register(
                emulator.host, "boot2", emulator.bootstrap_password, link,
                port=emulator.port, transport="tcp", bootstrap_user=emulator.bootstrap_user,
                poll_interval=0.1, timeout=15,
            )
        except c8y_mqtt.C8yError as error:
            outcome["error"] = error

    thread = threading.Thread(target=register)
    thread.start()
    wait_until(lambda: ("boot2", "PENDING_ACCEPTANCE") in emulator.device_requests())
    emulator.accept_device_request("boot2")
    thread.join(20)
    assert "symbolic link" in str(outcome.get("error")), outcome
    assert not target.exists(), "nothing written through the link"
    assert planted.read_text() == "planted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials", "credentials.tmp"]


def test_with_persistence_a_restart_hands_back_the_restart_and_fails_the_rest(
    emulator: Emulator, tmp_path: pathlib.Path
) -> None:
    store = str(tmp_path / "store")
    with c8y_mqtt.Client(**options(emulator, persistence_dir=store)) as client:
        client.wait_connected(15)
        wait_until(lambda: ("s/us", b"500") in emulator.publishes())
        ids = []
        for fragment in ({"c8y_Restart": {}}, {"c8y_Command": {"text": "reboot"}}):
            ids.append(emulator.create_operation(DEVICE, fragment)["id"])
            op = next(iter(client.operations(timeout=10)))
            assert isinstance(op, c8y_mqtt.Operation)
            op.executing()
            emulator.wait_for_operation_status(ids[-1], "EXECUTING")
    restart, command = ids
    # The next run on the same directory: the restart comes back, the command is failed.
    with c8y_mqtt.Client(**options(emulator, persistence_dir=store)) as client:
        client.wait_connected(15)
        [resumed] = events_of(client, "operation_resumed")
        op = resumed.operation
        assert op is not None and (op.fragment, op.device) == ("c8y_Restart", DEVICE)
        op.succeed()
        emulator.wait_for_operation_status(restart, "SUCCESSFUL")
        failed = emulator.wait_for_operation_status(command, "FAILED")
        assert failed["failureReason"] == REASON
    # Once only.
    with c8y_mqtt.Client(**options(emulator, persistence_dir=store)) as client:
        client.wait_connected(15)
        client.flush(10)
        kinds = [e.kind for e in client.events(timeout=0.5) if isinstance(e, c8y_mqtt.Event)]
        assert "operation_resumed" not in kinds
