"""Bad input raises the right exception and sends nothing (checked on the emulator)."""

from __future__ import annotations

import datetime
from typing import Any, Callable

import pytest

import c8y_mqtt
from c8y_mqtt import Client
from c8y_mqtt.testing import Emulator

from .conftest import device_publishes

CASES = [
    # wrong types
    (lambda c: c.send_measurement("c8y_T", "T", [1]), TypeError),
    (lambda c: c.send_measurement("c8y_T", "T", True), TypeError),
    (lambda c: c.send_measurement("c8y_T", "T", None), TypeError),
    (lambda c: c.send_measurement(None, "T", 1), TypeError),
    (lambda c: c.send_measurement("c8y_T", "T", 1, 5), TypeError),
    (lambda c: c.send_measurement("c8y_T", "T", 1, "C", 12345), TypeError),
    (lambda c: c.send_event(1, "x"), TypeError),
    (lambda c: c.send_static(200, "c8y_T,T,1"), TypeError),
    (lambda c: c.send_static(1.5, ["a"]), TypeError),
    (lambda c: c.send_measurements("t", [["c8y_T", "T", 1]]), TypeError),
    (lambda c: c.send_json("event", {"x": object()}), TypeError),
    (lambda c: c.publish_raw("s/us", 200), TypeError),
    # invalid values
    (lambda c: c.send_measurement("", "T", 1), ValueError),
    (lambda c: c.send_measurement("c8y_T", "T", float("nan")), ValueError),
    (lambda c: c.send_measurement("c8y_T", "T", float("inf")), ValueError),
    (lambda c: c.send_measurement("c8y_T", "T", "12abc"), ValueError),
    (lambda c: c.send_measurement("c8y_T", "T", 2**70), ValueError),
    (lambda c: c.send_measurement("c8y_T", "T", 1, "C", datetime.datetime(2026, 1, 1)), ValueError),
    (lambda c: c.send_measurement("c8y_T", "T", 1, "C", "yesterday"), ValueError),
    (lambda c: c.send_measurement("c8y_T", "T", 1, qos=3), ValueError),
    (lambda c: c.send_alarm("c8y_A", severity="urgent"), ValueError),
    (lambda c: c.send_alarm("", "text"), ValueError),
    (lambda c: c.send_event("", "text"), ValueError),
    (lambda c: c.send_measurements("t", []), ValueError),
    (lambda c: c.send_static(999, ["x"]), ValueError),
    (lambda c: c.send_static(200, ["c8y_T", "T", "not-a-number"]), ValueError),
    (lambda c: c.send_static(200, ["c8y_T"]), ValueError),
    (lambda c: c.send_json("thing", {}), ValueError),
    (lambda c: c.send_json("inventory", {}), ValueError),
    (lambda c: c.publish_raw("not/a/c8y/topic", "x"), ValueError),
    (lambda c: c.publish_raw("s/us", b"400,c8y_E,\xff"), ValueError),
    (lambda c: c.send_json("event", {"type": "t", "text": "x"}, qos=3), ValueError),
    (lambda c: c.send_smartrest2("unregistered", "999", []), ValueError),
    # invalid ids
    (lambda c: c.child(""), ValueError),
    (lambda c: c.child("a/b"), ValueError),
    (lambda c: c.create_child("a+b", "x"), ValueError),
    (lambda c: c.child("ok").child("#"), ValueError),
    # oversized payloads
    (lambda c: c.send_event("c8y_E", "x" * 20_000), c8y_mqtt.MessageTooLargeError),
    (lambda c: c.publish_raw("s/us", "400,c8y_E," + "y" * 20_000), c8y_mqtt.MessageTooLargeError),
    (lambda c: c.send_json("event", {"type": "t", "text": "z" * 20_000}), c8y_mqtt.MessageTooLargeError),
]


@pytest.mark.parametrize(("call", "error"), CASES)
def test_bad_input_raises_and_sends_nothing(
    client: Client, emulator: Emulator, call: Callable[[Client], Any], error: type
) -> None:
    client.flush(10)
    before = len(emulator.publishes())
    with pytest.raises(error):
        call(client)
    client.send_event("c8y_Marker", "after")  # a marker: everything before it has arrived
    client.flush(10)
    assert device_publishes(emulator)[-1:] == ["400,c8y_Marker,after"]
    after = [p for t, p in emulator.publishes()[before:] if p not in (b"500", b"100")]
    assert after == [b"400,c8y_Marker,after"]


def test_message_too_large_carries_its_code(client: Client) -> None:
    with pytest.raises(c8y_mqtt.MessageTooLargeError) as info:
        client.send_event("c8y_E", "x" * 20_000)
    assert info.value.code == 400 and "16184" in str(info.value)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"transport": "carrier-pigeon"}, ValueError),
        ({"qos": 7}, ValueError),
        ({"processing_mode": "x"}, ValueError),
        ({"password": None}, ValueError),
        ({"keep_alive": -1.0}, ValueError),
        ({"port": "eighty"}, TypeError),
        ({"no_such_option": 1}, TypeError),
        ({"collections": {"x": "not,a,template"}}, ValueError),
    ],
)
def test_bad_options(emulator: Emulator, options: dict, error: type) -> None:
    opts = emulator.client_options("dev1")
    opts.update(options)
    with pytest.raises(error):
        Client(**opts)


def test_bad_config_raises_config_error() -> None:
    with pytest.raises(c8y_mqtt.ConfigError) as info:
        Client("", "dev1", tenant="t", user="u", password="p")
    assert info.value.code == 104
    with pytest.raises(c8y_mqtt.ConfigError):
        Client("localhost", "bad:id", tenant="t", user="u", password="p")
