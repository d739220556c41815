"""The emulator is a distribution of its own (``c8y-mqtt-emulator``): the device package has no
server code, ``c8y_mqtt.testing`` re-exports it, and its ``c8y-emulator`` command works."""

from __future__ import annotations

import pathlib
import re
import shutil
import signal
import subprocess
import sys

import c8y_mqtt
import c8y_mqtt_emulator
from c8y_mqtt import Client, _native
from c8y_mqtt.testing import Emulator, wait_until

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_device_module_has_no_emulator() -> None:
    assert not hasattr(_native, "Emulator")


def test_testing_reexports_the_emulator_package() -> None:
    assert Emulator is c8y_mqtt_emulator.Emulator
    assert wait_until is c8y_mqtt_emulator.wait_until
    assert Emulator.__module__ == "c8y_mqtt_emulator._native"


def test_versions_and_pins_agree() -> None:
    assert c8y_mqtt_emulator.__version__ == c8y_mqtt.__version__
    device = (ROOT / "python" / "pyproject.toml").read_text()
    emulator = (ROOT / "python-emulator" / "pyproject.toml").read_text()
    assert f'"c8y-mqtt-emulator=={c8y_mqtt.__version__}"' in device
    assert f'"c8y-mqtt=={c8y_mqtt.__version__}"' in emulator


def test_the_c8y_emulator_command() -> None:
    script = shutil.which("c8y-emulator", path=str(pathlib.Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "c8y_mqtt_emulator.cli"]
    with subprocess.Popen(
        [*command, "--tenant", "t9", "--user", "dev_user:pw"],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        run_against(proc)


def run_against(proc: "subprocess.Popen[str]") -> None:
    """Reads the command's address, connects a device to it, then stops it with SIGTERM."""
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        match = re.fullmatch(r"mqtt 127\.0\.0\.1:(\d+)", lines[0])
        assert match, lines
        assert lines[1:3] == ["tenant t9", "user t9/dev_user pw"]
        assert lines[3].startswith("bootstrap management/devicebootstrap ")
        with Client(
            "127.0.0.1", "cli-dev", port=int(match.group(1)), transport="tcp",
            tenant="t9", user="dev_user", password="pw", create_device=True,
        ) as client:
            client.wait_connected(15)
            client.send_measurement("c8y_T", "T", 1)
            client.flush(10)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
