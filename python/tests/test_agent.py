"""The device agent of examples/python/agent.py as a device runs it: a subprocess configured by
``C8Y_*`` variables, against the emulator. ``c8y-api`` is the platform user who uploads the
firmware image and reads back the uploaded log; the test creates the operations and checks
what the platform stored."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from c8y_api import CumulocityApi

from c8y_mqtt.testing import Emulator, wait_until

AGENT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "agent.py"
DEVICE = "py-agent-1"


def test_agent_runs_commands_and_workflows(emulator: Emulator, tmp_path: pathlib.Path) -> None:
    api = CumulocityApi(emulator.http_url, emulator.tenant, emulator.user, emulator.password)
    image = tmp_path / "image.bin"
    image.write_bytes(bytes(range(256)) * 300)
    fw = api.binaries.upload(str(image), "core.bin", "application/octet-stream")
    package = tmp_path / "package.deb"
    package.write_bytes(b"package")
    pkg = api.binaries.upload(str(package), "nginx.deb", "application/octet-stream")
    env = dict(
        os.environ,
        C8Y_HOST="127.0.0.1",
        C8Y_PORT=str(emulator.port),
        C8Y_TRANSPORT="tcp",
        C8Y_DEVICE_ID=DEVICE,
        C8Y_TENANT=emulator.tenant,
        C8Y_USER=emulator.user,
        C8Y_PASSWORD=emulator.password,
        C8Y_HTTP_URL=emulator.http_url,
    )
    agent = subprocess.Popen(
        [sys.executable, str(AGENT), "--operations", "6"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: (emulator.managed_object(DEVICE) or {}).get("c8y_SupportedLogs") == ["agent"], 30)
        log_request = {
            "logFile": "agent",
            "dateFrom": "2021-09-21T11:40:27+0200",
            "dateTo": "2036-09-22T11:40:27+0200",
            "searchText": "",
            "maximumLines": 100,
        }
        created = [
            emulator.create_operation(DEVICE, fragments)
            for fragments in [
                {"c8y_Command": {"text": "echo hello from Python"}},
                {"c8y_Restart": {}},
                {"c8y_Firmware": {"name": "core", "version": "4.2", "url": f"{emulator.http_url}/inventory/binaries/{fw.id}"}},
                {
                    "c8y_SoftwareUpdate": [
                        {
                            "name": "nginx",
                            "version": "1.2",
                            "url": f"{emulator.http_url}/inventory/binaries/{pkg.id}",
                            "action": "install",
                        }
                    ]
                },
                {"c8y_UploadConfigFile": {"type": "agent.conf"}},
                {"c8y_LogfileRequest": log_request},
            ]
        ]
        stdout, stderr = agent.communicate(timeout=60)
    finally:
        agent.kill()
    assert agent.returncode == 0, stderr
    assert "agent: stopped after 6 operation(s)" in stdout, stdout

    done = [emulator.wait_for_operation_status(op["id"], "SUCCESSFUL") for op in created]
    assert done[0]["c8y_Command"]["result"] == "hello from Python"
    device = emulator.managed_object(DEVICE)
    assert device is not None
    assert (device["c8y_Firmware"]["name"], device["c8y_Firmware"]["version"]) == ("core", "4.2")
    assert [(s["name"], s["version"]) for s in device["c8y_SoftwareList"]] == [("nginx", "1.2")]
    log = api.events.download_attachment(done[5]["c8y_LogfileRequest"]["file"].split("/")[-2]).decode()
    for line in [
        "started",
        "c8y_Command SUCCESSFUL",
        "c8y_Restart SUCCESSFUL",
        f"firmware core 4.2 ({256 * 300} bytes)",
        "software install nginx 1.2",
        "c8y_UploadConfigFile SUCCESSFUL",
        f"operation c8y_LogfileRequest ({DEVICE})",
    ]:
        assert line in log.splitlines(), f"{line!r} not in the log:\n{log}"
