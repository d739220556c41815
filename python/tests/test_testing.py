"""c8y_mqtt.testing: the emulator from Python, bootstrap registration, the pytest fixtures,
SmartREST 2.0 collections."""

from __future__ import annotations

import pathlib
import threading

import pytest

import c8y_mqtt
from c8y_mqtt import Client
from c8y_mqtt.testing import Emulator, wait_until


def test_fixtures_from_the_plugin(c8y_client: Client, c8y_emulator: Emulator) -> None:
    c8y_client.send_measurement("c8y_T", "T", 1)
    c8y_client.flush(10)
    assert c8y_emulator.measurements(source="test-device")


def test_emulator_lifecycle() -> None:
    with Emulator(tenant="t7", user="u", password="p") as emu:
        assert emu.host == "127.0.0.1" and emu.port > 0 and emu.tenant == "t7"
        assert emu.client_options("d")["port"] == emu.port
        assert "t7" in repr(emu)
    assert emu.stopped
    with pytest.raises(c8y_mqtt.C8yError):
        emu.measurements()


def test_a_second_tenant_is_isolated(emulator: Emulator) -> None:
    assert emulator.add_tenant("t2")
    assert not emulator.add_tenant("t2")
    assert emulator.add_user("device_other", "pw2", tenant="t2")
    assert not emulator.add_user("x", "y", tenant="no-such-tenant")
    options = dict(emulator.client_options("dev-t2"), tenant="t2", user="device_other", password="pw2")
    with Client(**options) as client:
        client.wait_connected(15)
        client.send_measurement("c8y_T", "T", 1)
        client.flush(10)
    # The emulator received it (QoS 1, acknowledged) ...
    assert any(t == "s/us" and p.startswith(b"200,c8y_T,T,1") for t, p in emulator.publishes())
    # ... in t2: the default tenant's getters do not see t2's device or data.
    assert emulator.managed_object("dev-t2") is None
    assert not emulator.measurements(source="dev-t2")


def test_bootstrap_registration(emulator: Emulator, tmp_path: pathlib.Path) -> None:
    emulator.register_device("boot1")
    result = {}

    def register() -> None:
        result["credentials"] = c8y_mqtt.register(
            emulator.host,
            "boot1",
            emulator.bootstrap_password,
            tmp_path / "credentials",
            port=emulator.port,
            transport="tcp",
            bootstrap_user=emulator.bootstrap_user,
            poll_interval=0.1,
            timeout=15,
        )

    t = threading.Thread(target=register)
    t.start()
    wait_until(lambda: ("boot1", "PENDING_ACCEPTANCE") in emulator.device_requests())
    emulator.accept_device_request("boot1")
    t.join(20)
    creds = result["credentials"]
    assert creds.tenant == emulator.tenant and "password=***" in repr(creds)
    assert (tmp_path / "credentials").exists()
    opts = dict(host=emulator.host, port=emulator.port, transport="tcp", create_device=True)
    with Client(device_id="boot1", **opts, **creds.as_options()) as client:
        client.wait_connected(15)
        client.send_event("c8y_Boot", "registered")
    assert emulator.events(source="boot1")
    with pytest.raises(ValueError):
        emulator.accept_device_request("nobody")


def test_bootstrap_timeout(emulator: Emulator, tmp_path: pathlib.Path) -> None:
    with pytest.raises(c8y_mqtt.RegistrationError) as info:
        c8y_mqtt.register(
            emulator.host, "nobody", emulator.bootstrap_password, tmp_path / "c",
            port=emulator.port, transport="tcp", bootstrap_user=emulator.bootstrap_user,
            poll_interval=0.1, timeout=0.5,
        )
    assert info.value.code == 305  # C8Y_RESULT_REGISTRATION, as the C ABI returns


def test_smartrest2_collection(emulator: Emulator) -> None:
    rows = "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,"
    opts = emulator.client_options("dev1")
    with Client(**opts, collections={"myCommon_10": rows}) as client:
        client.wait_connected(15)
        states = []
        for event in client.events(timeout=5):
            if event.kind == "collection":
                states.append(event.state)
                if event.state == "ready":
                    break
        assert states[-1] == "ready"
        client.send_smartrest2("myCommon_10", "999", ["", "25"])
        with pytest.raises(ValueError):
            client.send_smartrest2("myCommon_10", "998", [])
        client.flush(10)
    [m] = emulator.measurements(source="dev1", type="c8y_MyMeasurement")
    assert m["c8y_MyMeasurement"]["M"]["value"] == 25
