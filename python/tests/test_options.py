"""Client options and arguments that match the other faces: the outbox's overflow policy and
byte bound, ``insecure`` TLS, ``bytes`` payloads, ``qos`` on the JSON and SmartREST 2.0 sends."""

from __future__ import annotations

import logging
import socket
from typing import Any, Dict

import pytest

import c8y_mqtt
from c8y_mqtt import Client
from c8y_mqtt.testing import Emulator

from .conftest import DEVICE


def closed_port() -> int:
    """A local port nothing listens on (the client keeps retrying and queues meanwhile)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def offline(**options: Any) -> Dict[str, Any]:
    """Options of a client that never connects."""
    base: Dict[str, Any] = dict(
        host="127.0.0.1",
        device_id=DEVICE,
        port=closed_port(),
        transport="tcp",
        tenant="t1",
        user="u",
        password="p",
        create_device=False,
    )
    base.update(options)
    return base


def test_outbox_rejects_when_full_by_default() -> None:
    with Client(**offline(max_queued=2)) as client:
        client.send_event("c8y_E", "1")
        client.send_event("c8y_E", "2")
        with pytest.raises(c8y_mqtt.QueueFullError):
            client.send_event("c8y_E", "3")
        client.close()


def test_outbox_drop_oldest_makes_room() -> None:
    with Client(**offline(max_queued=2, overflow="drop_oldest")) as client:
        first = client.send_event("c8y_E", "1").future()
        client.send_event("c8y_E", "2")
        client.send_event("c8y_E", "3")
        with pytest.raises(c8y_mqtt.QueueFullError):
            first.result(5)
        assert client.pending() == 2
        client.close()


def test_outbox_byte_bound() -> None:
    with Client(**offline(max_queued_bytes=40)) as client:
        client.send_event("c8y_E", "x" * 10)
        with pytest.raises(c8y_mqtt.QueueFullError):
            client.send_event("c8y_E", "y" * 20)
        client.close()


def test_bad_outbox_options_are_refused() -> None:
    with pytest.raises(ValueError, match="drop_oldest"):
        Client(**offline(overflow="oldest"))
    with pytest.raises(TypeError):
        Client(**offline(max_queued_bytes="big"))


def test_insecure_is_off_by_default_and_loud_when_on(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="c8y_mqtt")
    c8y_mqtt.reset_log_cache()
    with Client(**offline(transport="tls")):
        pass
    assert not [r for r in caplog.records if "VERIFICATION IS OFF" in r.getMessage()]
    with Client(**offline(transport="tls", insecure=True)):
        pass
    [warning] = [r for r in caplog.records if "VERIFICATION IS OFF" in r.getMessage()]
    assert warning.levelno == logging.WARNING and warning.name.startswith("c8y_mqtt")
    with pytest.raises(ValueError, match="insecure"):
        Client(**offline(transport="tls", insecure=True, ca_pem="-----BEGIN CERTIFICATE-----"))


def test_publish_takes_bytes(client: Client, emulator: Emulator) -> None:
    client.publish_raw("s/us", b"200,c8y_Bytes,B,3")
    client.flush(10)
    [m] = emulator.measurements(source=DEVICE, type="c8y_Bytes")
    assert m["c8y_Bytes"]["B"]["value"] == 3


def test_send_json_takes_qos(client: Client, emulator: Emulator) -> None:
    assert client.send_json("event", {"type": "c8y_Q0", "text": "q0"}, qos=0).future().result(10) == "sent"
    ack = client.send_json("event", {"type": "c8y_Q1", "text": "q1"}).future().result(10)
    assert ack == "acknowledged"


def test_send_smartrest2_takes_qos(emulator: Emulator) -> None:
    rows = "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,"
    with Client(**emulator.client_options(DEVICE), collections={"myCommon_10": rows}) as client:
        client.wait_connected(15)
        assert client.send_smartrest2("myCommon_10", "999", ["", "1"], qos=0).future().result(15) == "sent"
        assert client.send_smartrest2("myCommon_10", "999", ["", "2"]).future().result(15) == "acknowledged"
        with pytest.raises(ValueError):
            client.send_smartrest2("myCommon_10", "999", ["", "3"], qos=3)
