"""Shared fixtures: every test must leave no live native client and no SDK thread behind
(checked after each test), and gets an emulator and a connected client on request."""

from __future__ import annotations

import gc
import os
import time
from typing import Iterator, List

import pytest

import c8y_mqtt
from c8y_mqtt import _native
from c8y_mqtt.testing import Emulator

DEVICE = "dev1"


def sdk_threads() -> List[str]:
    """Names of this process's threads that belong to a client (runtime workers and the
    dispatcher: "c8y-mqtt" and "c8y-mqtt-dispatch", truncated by the kernel to 15 bytes)."""
    names = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if name.startswith("c8y-mqtt"):
            names.append(name)
    return names


@pytest.fixture(autouse=True)
def no_leaks() -> Iterator[None]:
    """After each test: no live native client and no leftover SDK thread."""
    yield
    gc.collect()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (_native._live_clients() or sdk_threads()):
        time.sleep(0.02)
        gc.collect()
    assert _native._live_clients() == 0, "a native client was not closed"
    assert sdk_threads() == [], f"SDK threads left: {sdk_threads()}"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture
def client(emulator: Emulator) -> Iterator[c8y_mqtt.Client]:
    c = c8y_mqtt.Client(**emulator.client_options(DEVICE))
    c.wait_connected(15)
    # The platform re-sends pending operations on 500: wait for it, so that an operation a
    # test creates arrives once.
    from c8y_mqtt.testing import wait_until

    wait_until(lambda: ("s/us", b"500") in emulator.publishes())
    yield c
    c.close()


def device_publishes(emulator: Emulator, prefix: str = "s/us") -> List[str]:
    """Payloads the device published on topics starting with ``prefix`` (not the 100/500 the
    client sends at start-up)."""
    return [
        p.decode()
        for t, p in emulator.publishes()
        if t.startswith(prefix) and not p.startswith((b"100", b"500"))
    ]
