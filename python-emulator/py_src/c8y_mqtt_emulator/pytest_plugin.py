"""pytest fixtures for device tests against the emulator (registered through the ``pytest11``
entry point of the ``c8y-mqtt-emulator`` distribution, or import them:
``from c8y_mqtt_emulator.pytest_plugin import c8y_emulator``).

* ``c8y_emulator``: a running :class:`c8y_mqtt_emulator.Emulator`, stopped after the test.
* ``c8y_client``: a :class:`c8y_mqtt.Client` for device ``test-device``, connected to it,
  closed after the test.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from c8y_mqtt import Client

from ._native import Emulator

__all__ = ["TEST_DEVICE", "c8y_client", "c8y_emulator"]

#: The device id of the ``c8y_client`` fixture.
TEST_DEVICE = "test-device"


@pytest.fixture
def c8y_emulator() -> Iterator[Emulator]:
    """A running emulator, stopped after the test."""
    emulator = Emulator()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def c8y_client(c8y_emulator: Emulator) -> Iterator[Client]:
    """A client for device ``test-device``, connected to ``c8y_emulator``, closed after the
    test."""
    client = Client(**c8y_emulator.client_options(TEST_DEVICE))
    try:
        client.wait_connected(15.0)
        yield client
    finally:
        client.close()
