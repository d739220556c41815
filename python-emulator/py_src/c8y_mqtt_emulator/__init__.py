"""c8y_mqtt_emulator: test device code without a tenant. :class:`Emulator` runs a local
Cumulocity MQTT endpoint (an in-memory tenant) on an ephemeral loopback port.

::

    from c8y_mqtt import Client
    from c8y_mqtt_emulator import Emulator

    with Emulator() as emulator, Client(**emulator.client_options("dev1")) as client:
        client.wait_connected()
        client.send_measurement("c8y_Temperature", "T", 21.5, "C")
        client.flush()
        [m] = emulator.measurements(source="dev1")
        assert m["c8y_Temperature"]["T"]["value"] == 21.5

With pytest the fixtures ``c8y_emulator`` (a running emulator) and ``c8y_client`` (a
connected client for device ``test-device``) are available automatically (plugin
``c8y_mqtt_emulator.pytest_plugin``). ``c8y-emulator`` on the command line starts one until
Ctrl-C. Installed with ``pip install c8y-mqtt[testing]``; the device package ``c8y-mqtt``
itself carries no server code.
"""

from __future__ import annotations

import time
from typing import Callable, Optional, TypeVar

from c8y_mqtt.errors import DeadlineExceededError

from ._native import Emulator, __version__

__all__ = ["Emulator", "wait_until", "__version__"]

T = TypeVar("T")


def wait_until(
    condition: Callable[[], Optional[T]], timeout: float = 10.0, interval: float = 0.01, what: str = ""
) -> T:
    """Calls ``condition`` until it returns something truthy and returns that; raises
    ``DeadlineExceededError`` after ``timeout`` seconds (platform state arrives asynchronously:
    wait for it instead of sleeping)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise DeadlineExceededError(f"condition not met within {timeout} s {what}".rstrip())
        time.sleep(interval)
