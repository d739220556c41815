"""The pytest fixtures ``c8y_emulator`` and ``c8y_client``, re-exported from
``c8y_mqtt_emulator.pytest_plugin`` (which pytest loads by itself once ``c8y-mqtt-emulator`` is
installed: ``pip install 'c8y-mqtt[testing]'``). Import from here only to name them
explicitly, e.g. ``pytest_plugins = ["c8y_mqtt.pytest_plugin"]``.
"""

from __future__ import annotations

from .testing import Emulator  # noqa: F401  (raises the install hint when missing)
from c8y_mqtt_emulator.pytest_plugin import TEST_DEVICE, c8y_client, c8y_emulator

__all__ = ["TEST_DEVICE", "c8y_client", "c8y_emulator"]
