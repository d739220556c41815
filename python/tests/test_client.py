"""The blocking client against the emulator: typed publishes, children, JSON, futures,
flush, events, callbacks, lifecycle, GIL and logging."""

from __future__ import annotations

import concurrent.futures
import datetime
import logging
import os
import sys
import threading
import time
from typing import Any, List

import pytest

import c8y_mqtt
from c8y_mqtt import Client
from c8y_mqtt.testing import Emulator, wait_until

from .conftest import DEVICE, device_publishes


def test_connects_and_creates_the_device(client: Client, emulator: Emulator) -> None:
    assert client.state == "connected"
    assert client.device_id == DEVICE
    assert client.id == DEVICE
    mo = wait_until(lambda: emulator.managed_object(DEVICE))
    assert mo["c8y_IsDevice"] == {}
    assert repr(client) == '<Client "dev1" connected>'


def test_measurement_values_of_every_python_type(client: Client, emulator: Emulator) -> None:
    t = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
    ids = [
        client.send_measurement("c8y_Temperature", "T", 21.5, "C"),
        client.send_measurement("c8y_Temperature", "T", 22, "C", t),
        client.send_measurement("c8y_Temperature", "T", "23.25", None, "2026-01-02T03:04:05+01:00"),
    ]
    assert all(isinstance(d, c8y_mqtt.Delivery) for d in ids)
    assert [d.id for d in ids] == sorted(d.id for d in ids)
    assert repr(ids[0]) == f"<Delivery {ids[0].id}>"
    client.flush(10)
    assert device_publishes(emulator) == [
        "200,c8y_Temperature,T,21.5,C",
        "200,c8y_Temperature,T,22,C,2026-01-02T03:04:05.678Z",
        "200,c8y_Temperature,T,23.25,,2026-01-02T03:04:05+01:00",
    ]
    values = [m["c8y_Temperature"]["T"]["value"] for m in emulator.measurements(source=DEVICE)]
    assert values == [21.5, 22, 23.25]


def test_multi_series_temperature_battery(client: Client, emulator: Emulator) -> None:
    client.send_measurements("c8y_Env", [("c8y_Env", "T", 20, "C"), ("c8y_Env", "H", 55.5)])
    client.send_temperature(19)
    client.send_battery(88)
    client.flush(10)
    assert device_publishes(emulator) == [
        "201,c8y_Env,,c8y_Env,T,20,C,c8y_Env,H,55.5",
        "211,19",
        "212,88",
    ]
    [env] = emulator.measurements(source=DEVICE, type="c8y_Env")
    assert env["c8y_Env"]["H"]["value"] == 55.5


def test_events_alarms_location(client: Client, emulator: Emulator) -> None:
    client.send_event("c8y_DoorOpen", "Door opened")
    client.send_alarm("c8y_Overheat", "Too hot", severity="critical")
    client.send_alarm("c8y_Low", severity="warning")
    client.send_location(52.1, 13.5, 30)
    client.flush(10)
    client.clear_alarm("c8y_Overheat")
    client.flush(10)
    assert device_publishes(emulator) == [
        "400,c8y_DoorOpen,Door opened",
        "301,c8y_Overheat,Too hot",
        "304,c8y_Low",
        "401,52.1,13.5,30",
        "306,c8y_Overheat",
    ]
    [event] = emulator.events(source=DEVICE, type="c8y_DoorOpen")
    assert event["text"] == "Door opened"
    alarm = wait_until(
        lambda: [a for a in emulator.alarms(source=DEVICE, type="c8y_Overheat") if a["status"] == "CLEARED"]
    )[0]
    assert alarm["severity"] == "CRITICAL"


def test_severities_are_the_cores_names_in_any_case(client: Client, emulator: Emulator) -> None:
    # The core's Severity words (as C8Y names them), in any case, pick templates 301-304.
    for severity in ["CRITICAL", "Major", "minor", "wArNiNg"]:
        client.send_alarm("c8y_" + severity.lower(), severity=severity)
    client.flush(10)
    assert device_publishes(emulator) == ["301,c8y_critical", "302,c8y_major", "303,c8y_minor", "304,c8y_warning"]


@pytest.mark.parametrize("transport", ["TCP", "mqtt", "Mqtt"])
def test_transport_names_are_the_cores(emulator: Emulator, transport: str) -> None:
    # The names C8Y_TRANSPORT accepts (the core's parser): aliases, any case.
    opts = emulator.client_options(DEVICE)
    opts["transport"] = transport
    with Client(**opts) as client:
        client.wait_connected(15)


def test_wait_pending_wakes_on_acknowledgements(client: Client) -> None:
    for i in range(20):
        client.send_measurement("c8y_T", "T", i)
    assert client.wait_pending(0, 10)
    assert client.pending() == 0
    assert client.wait_pending(0, 0)


def test_inventory_fragments_and_operation_status(client: Client, emulator: Emulator) -> None:
    client.set_hardware(serial_number="SN1", model="M1", revision="r2")
    client.set_supported_operations(["c8y_Restart", "c8y_Command"])
    client.set_firmware(name="fw", version="1.2")
    client.set_required_interval(10)
    client.set_operation_executing("c8y_Restart")
    client.set_operation_successful("c8y_Restart", "done")
    client.set_operation_failed("c8y_Command", "no shell")
    client.flush(10)
    assert device_publishes(emulator) == [
        "110,SN1,M1,r2",
        "114,c8y_Restart,c8y_Command",
        "115,fw,1.2",
        "117,10",
        "501,c8y_Restart",
        "503,c8y_Restart,done",
        "502,c8y_Command,no shell",
    ]
    mo = emulator.managed_object(DEVICE)
    assert mo is not None
    assert mo["c8y_Hardware"] == {"serialNumber": "SN1", "model": "M1", "revision": "r2"}
    assert mo["c8y_SupportedOperations"] == ["c8y_Restart", "c8y_Command"]


def test_send_static_goes_through_the_codec(client: Client, emulator: Emulator) -> None:
    client.send_static(200, ["c8y_Pressure", "P", 1013, "hPa"])
    client.send_static("400", ["c8y_Note", 'said "hi", then left'])
    client.send_static(110, [None, "model-x"])
    client.flush(10)
    assert device_publishes(emulator) == [
        "200,c8y_Pressure,P,1013,hPa",
        '400,c8y_Note,"said ""hi"", then left"',
        "110,,model-x",
    ]


def test_children_and_services(client: Client, emulator: Emulator) -> None:
    pump = client.create_child("dev1:pump", "Pump", "c8y_Pump")
    assert pump.id == "dev1:pump" and pump.path == ["dev1:pump"]
    assert client.create_child("dev1:pump", "Pump") is not pump  # a new handle, no second 101
    pump.send_measurement("c8y_Flow", "F", 3.5, "l/s")
    db = pump.create_service("dev1:pump:db", "systemd", "Database", "up")
    client.flush(10)
    assert device_publishes(emulator) == [
        "101,dev1:pump,Pump,c8y_Pump",
        "200,c8y_Flow,F,3.5,l/s",
        "102,dev1:pump:db,systemd,Database,up",
    ]
    topics = [t for t, p in emulator.publishes() if p.startswith(b"200,c8y_Flow")]
    assert topics == ["s/us/dev1:pump"]
    assert [c["name"] for c in emulator.child_devices(DEVICE)] == ["Pump"]
    assert repr(db) == '<Device "dev1:pump:db">'
    assert pump.child("x").path == ["dev1:pump", "x"]


def test_json_over_mqtt_and_raw_publish(client: Client, emulator: Emulator) -> None:
    client.send_json(
        "measurement", {"type": "c8y_J", "c8y_J": {"v": {"value": 1.5}}, "time": "2026-01-01T00:00:00Z"}
    )
    client.send_json("event", {"type": "c8y_JE", "text": "json event", "time": "2026-01-01T00:00:00Z"})
    client.publish_raw("s/us", "200,c8y_Raw,R,7")
    client.flush(10)
    [m] = emulator.measurements(source=DEVICE, type="c8y_J")
    assert m["c8y_J"]["v"]["value"] == 1.5
    assert [e["text"] for e in emulator.events(source=DEVICE, type="c8y_JE")] == ["json event"]
    assert emulator.measurements(source=DEVICE, type="c8y_Raw")


def test_future_completes_on_puback(client: Client, emulator: Emulator) -> None:
    emulator.withhold_pubacks(DEVICE, True)
    delivery = client.send_measurement("c8y_T", "T", 1)
    fut = delivery.future()
    assert isinstance(fut, concurrent.futures.Future) and delivery.future() is fut
    time.sleep(0.3)
    assert not fut.done(), "no PUBACK yet"
    emulator.withhold_pubacks(DEVICE, False)
    emulator.drop_connection(DEVICE)  # the client re-sends after reconnecting; now acknowledged
    assert fut.result(15) == "acknowledged"
    assert client.send_event("e", "t", qos=0).future().result(10) == "sent"


def test_delivery_wait_blocks_on_the_outcome_without_a_future(client: Client, emulator: Emulator) -> None:
    assert client.send_measurement("c8y_T", "T", 1).wait(10) == "acknowledged"
    assert client.send_event("e", "t", qos=0).wait(10) == "sent"
    emulator.withhold_pubacks(DEVICE, True)
    pending = client.send_event("c8y_E", "no PUBACK")
    assert pending.wait(0.05) is None
    with pytest.raises(ValueError):
        pending.wait(-1)
    client.close()
    with pytest.raises(c8y_mqtt.ClientClosedError):
        pending.wait(5)


def test_flush_deadline_and_close_fails_pending_futures(client: Client, emulator: Emulator) -> None:
    emulator.withhold_pubacks(DEVICE, True)
    fut = client.send_event("c8y_E", "pending").future()
    assert client.pending() == 1
    with pytest.raises(c8y_mqtt.DeadlineExceededError) as info:
        client.flush(0.2)
    assert isinstance(info.value, TimeoutError)
    assert info.value.code == 202
    assert not client.wait_pending(0, 0.1)
    late = client.send_event("c8y_E", "outcome asked for after close")
    client.close()
    with pytest.raises(c8y_mqtt.ClientClosedError):
        fut.result(5)
    with pytest.raises(c8y_mqtt.ClientClosedError):
        late.future().result(5)


def test_delivery_and_connection_events(emulator: Emulator) -> None:
    with Client(**emulator.client_options(DEVICE)) as client:
        client.wait_connected(15)
        delivery = client.send_event("c8y_E", "x")
        seen: List[c8y_mqtt.Event] = []
        for event in client.events(timeout=2):
            seen.append(event)
            if event.kind == "delivery" and event.delivery_id == delivery.id:
                break
        kinds = [e.kind for e in seen]
        assert "connection_state" in kinds
        assert seen[-1].outcome == "acknowledged"
        assert "Event(kind=\"delivery\"" in repr(seen[-1])
        assert client.next_event(timeout=0.05) is None


def test_smartrest_error_event(client: Client, emulator: Emulator) -> None:
    client.publish_raw("s/us", "999,unknown")
    for event in client.events(timeout=5):
        if event.kind == "smartrest_error":
            break
    else:
        pytest.fail("no s/e line")
    assert event.code == 40 and event.template == "999"
    error = event.exception()
    assert isinstance(error, c8y_mqtt.SmartRestError)
    assert error.template == "999" and error.code == 401


def test_context_manager_flushes_and_closes(emulator: Emulator) -> None:
    with Client(**emulator.client_options(DEVICE)) as client:
        client.wait_connected(15)
        client.send_measurement("c8y_T", "T", 5)
    assert client.closed and client.state == "closed"
    assert emulator.measurements(source=DEVICE, type="c8y_T")
    with pytest.raises(c8y_mqtt.ClientClosedError) as info:
        client.send_measurement("c8y_T", "T", 6)
    assert info.value.code == 201
    with pytest.raises(c8y_mqtt.ClientClosedError):
        client.device.send_event("a", "b")
    client.close()  # idempotent


def test_from_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    opts = emulator.client_options(DEVICE)
    for name, key in [("C8Y_HOST", "host"), ("C8Y_DEVICE_ID", "device_id"), ("C8Y_PORT", "port"),
                      ("C8Y_TRANSPORT", "transport"), ("C8Y_TENANT", "tenant"), ("C8Y_USER", "user"),
                      ("C8Y_PASSWORD", "password")]:
        monkeypatch.setenv(name, str(opts[key]))
    client = Client.from_env(create_device=True)
    try:
        client.wait_connected(15)
        assert client.device_id == DEVICE
    finally:
        client.close()
    monkeypatch.delenv("C8Y_HOST")
    with pytest.raises(c8y_mqtt.ConfigError, match="C8Y_HOST"):
        Client.from_env()


def test_bad_credentials_raise_auth_error(emulator: Emulator) -> None:
    opts = emulator.client_options(DEVICE)
    opts["password"] = "wrong"
    client = Client(**opts)
    try:
        with pytest.raises(c8y_mqtt.AuthError) as info:
            client.wait_connected(15)
        assert info.value.code == 302
        assert isinstance(info.value, c8y_mqtt.ConnectError)
        assert client.state == "stopped"
    finally:
        client.close()


def test_wait_connected_deadline(emulator: Emulator) -> None:
    opts = emulator.client_options(DEVICE)
    emulator.stop()
    client = Client(**opts)
    try:
        with pytest.raises(c8y_mqtt.DeadlineExceededError):
            client.wait_connected(0.3)
    finally:
        client.close()


def test_callback_runs_on_one_sdk_thread(client: Client, emulator: Emulator) -> None:
    got: List[Any] = []
    threads = set()
    done = threading.Event()

    def on_event(event: c8y_mqtt.Event) -> None:
        threads.add(threading.current_thread().ident)
        got.append(event)
        if event.kind == "operation":
            assert event.operation is not None
            event.operation.executing()  # non-blocking calls work in callbacks
            with pytest.raises(c8y_mqtt.InCallbackError) as info:
                client.flush(1)
            assert info.value.code == 204
            done.set()

    client.on_event(on_event)
    emulator.create_operation(DEVICE, {"c8y_Restart": {}})
    assert done.wait(10)
    client.on_event(None)
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_callback_exception_goes_to_unraisablehook(
    client: Client, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: List[Any] = []
    raised = threading.Event()

    def hook(unraisable: Any) -> None:
        seen.append(unraisable.exc_value)
        raised.set()

    monkeypatch.setattr(sys, "unraisablehook", hook)

    def boom(event: c8y_mqtt.Event) -> None:
        raise RuntimeError("callback failed")

    client.on_event(boom)
    client.send_event("c8y_E", "x")
    assert raised.wait(10)
    client.on_event(None)
    assert isinstance(seen[0], RuntimeError)
    client.send_event("c8y_E", "still alive")
    client.flush(10)  # the dispatcher survived


def test_gil_is_released_while_waiting(client: Client) -> None:
    ticks = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    try:
        start = len(ticks)
        assert client.next_event(timeout=0.5) is not None or True
        while client.next_event(timeout=0.3) is not None:
            pass
        assert len(ticks) - start > 20, "another Python thread ran during the wait"
    finally:
        stop.set()
        t.join()


def test_close_wakes_a_blocked_iterator(client: Client) -> None:
    result: List[Any] = []

    def consume() -> None:
        result.extend(client.operations())

    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.2)
    client.close()
    t.join(10)
    assert not t.is_alive() and result == []


def test_sdk_logs_reach_python_logging(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="c8y_mqtt")
    c8y_mqtt.reset_log_cache()
    client = Client(**emulator.client_options(DEVICE))
    try:
        client.wait_connected(15)
    finally:
        client.close()
    assert any(r.name.startswith("c8y_mqtt") for r in caplog.records), [r.name for r in caplog.records][:5]
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("c8y_mqtt")]
    assert any("CONNACK accepted" in m for m in messages), messages


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_use_after_fork_raises(client: Client) -> None:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            client.send_measurement("c8y_T", "T", 1)
        except c8y_mqtt.ForkedError as e:
            code = 0 if e.code == 205 else 2
        except BaseException:
            code = 3
        os.write(w, bytes([code]))
        os._exit(0)
    os.close(w)
    status = os.read(r, 1)
    os.waitpid(pid, 0)
    os.close(r)
    assert status == bytes([0])


def test_qos0_burst_is_delivered(emulator: Emulator) -> None:
    """A QoS 0 burst far larger than the in-flight window is sent completely and in order (it
    once stalled until a reconnect). The outbox holds the whole burst, so the test does not
    depend on how fast the network drains it."""
    count = 20_000
    with c8y_mqtt.Client(**emulator.client_options(DEVICE), max_inflight=10, max_queued=count) as burst:
        burst.wait_connected(15)
        for i in range(count):
            burst.send_measurement("c8y_T", "T", i, qos=0)
        burst.flush(30)
        assert burst.pending() == 0

        def rows() -> List[bytes]:
            return [p for t, p in emulator.publishes() if t == "s/us" and p.startswith(b"200,c8y_T,")]

        # QoS 0 has no acknowledgement: wait until the emulator read every packet.
        wait_until(lambda: len(rows()) >= count)
        assert len(rows()) == count
        assert rows() == [f"200,c8y_T,T,{i}".encode() for i in range(count)]


def test_gil_is_released_during_flush_and_wait_connected(client: Client, emulator: Emulator) -> None:
    emulator.withhold_pubacks(DEVICE, True)
    client.send_event("c8y_E", "unacknowledged")
    ticks: List[int] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    try:
        with pytest.raises(c8y_mqtt.DeadlineExceededError):
            client.flush(0.5)
        assert len(ticks) > 50, "the spinning thread ran while flush waited"
    finally:
        stop.set()
        t.join()
