"""The examples in examples/python run (against their built-in emulator) and say what they
did."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


def run(name: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_quickstart() -> None:
    out = run("quickstart.py")
    assert "alarm: acknowledged" in out
    assert 'operation: Operation(fragment="c8y_Restart"' in out
    assert "state: closed" in out
    assert "operations: ['SUCCESSFUL']" in out
    assert "measurements: 1" in out


def test_gateway() -> None:
    out = run("gateway.py")
    assert "operation for gw-1:hum: c8y_Restart" in out
    assert "children: ['Humidity sensor', 'Temperature sensor']" in out
    assert "gw-1:temp [19.5]" in out
    assert "operations: ['SUCCESSFUL']" in out


def test_asyncio_device() -> None:
    out = run("asyncio_device.py")
    assert 'operation: Operation(fragment="c8y_Command"' in out
    assert "measurements: 5" in out
    assert "operations: ['SUCCESSFUL']" in out


@pytest.mark.parametrize("qos", ["0", "1"])
def test_bench_pub_against_the_emulator(qos: str) -> None:
    from c8y_mqtt.testing import Emulator

    with Emulator(tenant="t", user="u", password="p") as emulator:
        out = run("bench_pub.py", str(emulator.port), "2000", qos)
        lines = out.splitlines()
        assert lines[0].startswith(f"c8y-py qos{qos} n=2000 ") and lines[0].endswith(" msg/s")
        assert lines[1].startswith("import_to_connected_ms=")
        if qos == "1":
            assert len(emulator.measurements(type="c8y_Temperature")) == 2000
