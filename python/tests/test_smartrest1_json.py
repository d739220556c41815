"""SmartREST 1.0 rows and their responses (``s/ul`` -> ``s/dl``), and JSON over MQTT errors,
as events against the emulator."""

from __future__ import annotations

import base64
import time
import urllib.request
from typing import Callable

import c8y_mqtt
from c8y_mqtt.testing import Emulator

from .conftest import DEVICE

XID = "com.acme-v1"
TEMPLATES = (
    '10,100,POST,/inventory/managedObjects,application/json,application/json,%%,STRING,'
    '"{""name"":""%%"",""c8y_IsDevice"":{}}"\n'
    "11,800,,$.c8y_IsDevice,$.id\n"
)


def register_smartrest1(emulator: Emulator) -> None:
    """Registers the collection ``XID`` over HTTP (``POST /s`` with ``X-Id``) as an
    administrator (device users may not)."""
    assert emulator.add_user("admin", "admin-secret")
    user = f"{emulator.tenant}/admin:admin-secret".encode()
    request = urllib.request.Request(
        f"{emulator.http_url}/s",
        data=TEMPLATES.encode(),
        method="POST",
        headers={"X-Id": XID, "Accept": "*/*", "Authorization": "Basic " + base64.b64encode(user).decode()},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the emulator is local
    with opener.open(request, timeout=10) as response:
        assert response.read().startswith(b"20,")


def next_of(client: c8y_mqtt.Client, kind: str) -> c8y_mqtt.Event:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        event = client.next_event(0.2)
        if event is not None and event.kind == kind:
            return event
    raise AssertionError(f"no {kind} event")


def test_smartrest1_response_is_an_event(emulator: Emulator) -> None:
    register_smartrest1(emulator)
    with c8y_mqtt.Client(**emulator.client_options(DEVICE), smartrest1=[XID]) as client:
        client.wait_connected(15)
        assert client.send_smartrest1(XID, "100", ['My "device", 1']).future().result(15) == "acknowledged"
        event = next_of(client, "smartrest1_response")
        assert event.xid == XID
        # 800, the request row's number, then the created object's id.
        assert event.values[:2] == ["800", "1"] and len(event.values) == 3


def test_smartrest1_option_checks_the_xid(emulator: Emulator) -> None:
    import pytest

    with pytest.raises(ValueError, match="smartrest1"):
        c8y_mqtt.Client(**emulator.client_options(DEVICE), smartrest1=["a/b"])


def test_json_error_is_an_event(emulator: Emulator) -> None:
    with c8y_mqtt.Client(**emulator.client_options(DEVICE), json_errors=True) as client:
        client.wait_connected(15)
        client.send_json("alarm", {"type": "c8y_Bad"})
        event = next_of(client, "json_error")
        assert event.error and event.text


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_json_create_bulk_update_and_delete(client: c8y_mqtt.Client, emulator: Emulator) -> None:
    bulk = {
        "events": [
            {"type": "c8y_Bulk", "text": "a", "time": "2026-01-01T00:00:00Z"},
            {"type": "c8y_Bulk", "text": "b", "time": "2026-01-01T00:01:00Z"},
        ]
    }
    assert client.json_create_bulk("event", bulk).future().result(15) == "acknowledged"
    wait_until(lambda: len(emulator.events(type="c8y_Bulk")) == 2)
    [first] = [e for e in emulator.events(type="c8y_Bulk") if e["text"] == "a"]
    client.json_update("event", first["id"], {"text": "changed"})
    wait_until(lambda: any(e["text"] == "changed" for e in emulator.events(type="c8y_Bulk")))
    client.json_delete("event", first["id"])
    wait_until(lambda: len(emulator.events(type="c8y_Bulk")) == 1)


def test_json_calls_refuse_what_the_platform_does_not_support(client: c8y_mqtt.Client) -> None:
    import pytest

    with pytest.raises(ValueError):
        client.json_create_bulk("inventory", {})
    with pytest.raises(ValueError):
        client.json_update("measurement", "1", {})
    with pytest.raises(ValueError):
        client.json_delete("alarm", "1")
    with pytest.raises(ValueError):
        client.json_delete("event", "a/b")
    with pytest.raises(ValueError, match="kind must be"):
        client.json_delete("nothing", "1")  # type: ignore[arg-type]
    # send_json follows the core's rule: an id exactly for inventory updates.
    with pytest.raises(ValueError, match="needs the managed object's id"):
        client.send_json("inventory", {"c8y_X": {}})
    with pytest.raises(ValueError, match="only for inventory updates"):
        client.send_json("event", {"type": "t", "text": "x"}, id="42")


def test_downstream_line_has_its_template_and_values(client: c8y_mqtt.Client) -> None:
    client.create_child("kid1", "Kid")
    client.flush(15)
    client.request_child_devices()
    event = next_of(client, "downstream")
    assert event.template == "106"
    assert event.values == ["kid1"]
