"""Test your device code without a tenant: the emulator and helpers of the separate
``c8y-mqtt-emulator`` distribution (``pip install 'c8y-mqtt[testing]'``), re-exported here.

::

    from c8y_mqtt import Client
    from c8y_mqtt.testing import Emulator, wait_until

    with Emulator() as emulator, Client(**emulator.client_options("dev1")) as client:
        client.wait_connected()
        client.send_measurement("c8y_Temperature", "T", 21.5, "C")
        client.flush()
        [m] = emulator.measurements(source="dev1")
        assert m["c8y_Temperature"]["T"]["value"] == 21.5

With pytest the fixtures ``c8y_emulator`` and ``c8y_client`` are available automatically once
``c8y-mqtt-emulator`` is installed (plugin ``c8y_mqtt_emulator.pytest_plugin``). The device
package itself carries no server code.
"""

from __future__ import annotations

try:
    from c8y_mqtt_emulator import Emulator, wait_until
except ModuleNotFoundError as error:  # pragma: no cover - depends on what is installed
    if error.name != "c8y_mqtt_emulator":
        raise
    raise ImportError(
        "c8y_mqtt.testing needs the emulator, which is a separate distribution: "
        "pip install 'c8y-mqtt[testing]'"
    ) from error

__all__ = ["Emulator", "wait_until"]
