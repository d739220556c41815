"""A complete small device agent: restart (c8y_Restart), shell commands (c8y_Command, the output
reported as the result), and with the SDK's device-management workflows its own log, one
configuration file, firmware and software. What it "installs" is kept in memory.

    C8Y_HOST=... C8Y_DEVICE_ID=... C8Y_TENANT=... C8Y_USER=... C8Y_PASSWORD=... python agent.py [--operations N]

Optional: C8Y_PORT, C8Y_TRANSPORT (tls, the default, or tcp), C8Y_CA_FILE, C8Y_HTTP_URL. Runs
until Ctrl-C (SIGINT) or SIGTERM, or until N operations were handled.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
from typing import Any, Dict, List, Optional, Tuple

import c8y_mqtt
from c8y_mqtt.operations import Command, Restart


class Agent:
    """What the agent keeps (its log, configuration, installed software) and its handlers.
    Workflow handlers run on SDK threads while ``DeviceManagement.handle`` waits, one at a time."""

    def __init__(self) -> None:
        self.lines: List[str] = []
        self.config = b"interval=60\n"
        self.software: Dict[str, str] = {}

    def note(self, line: str) -> None:
        print("agent:", line, flush=True)
        self.lines.append(line)

    def log(self, request: Dict[str, Any]) -> str:
        lines = [line for line in self.lines if request["search_text"] in line]
        return "".join(f"{line}\n" for line in lines[: request["maximum_lines"]])

    def config_upload(self, request: Dict[str, Any]) -> bytes:
        return self.config

    def config_apply(self, request: Dict[str, Any]) -> None:
        with open(request["path"], "rb") as f:
            self.config = f.read()
        self.note(f"configuration {request['config_type']} applied ({len(self.config)} bytes)")

    def firmware(self, request: Dict[str, Any]) -> None:
        if request["path"] is None:
            raise ValueError("no firmware image")
        size = os.path.getsize(request["path"])  # ... a real device would flash it here ...
        self.note(f"firmware {request['name']} {request['version']} ({size} bytes)")

    def software_change(self, request: Dict[str, Any]) -> None:
        if request["action"] == "install":
            self.software[request["name"]] = request["version"]
        elif request["action"] == "delete":
            self.software.pop(request["name"], None)
        else:
            raise ValueError(f"cannot {request['action']} {request['name']}")
        self.note(f"software {request['action']} {request['name']} {request['version']}")

    def software_list(self, request: Dict[str, Any]) -> List[Tuple[str, str, Optional[str], Optional[str]]]:
        return [(name, version, None, None) for name, version in sorted(self.software.items())]


def simple_operation(op: c8y_mqtt.Operation) -> Tuple[str, Optional[str]]:
    """c8y_Restart and c8y_Command with the lifecycle calls: EXECUTING, the work, the status."""
    op.executing()
    if isinstance(op.kind, Restart):
        op.succeed()  # ... a real agent would reboot here and report SUCCESSFUL once it is back
        return "SUCCESSFUL", None
    if isinstance(op.kind, Command):
        done = subprocess.run(op.kind.text, shell=True, capture_output=True, text=True, timeout=60)
        if done.returncode == 0:
            op.succeed(done.stdout.rstrip("\n"))
            return "SUCCESSFUL", None
        reason = f"exit status {done.returncode}: {done.stderr.strip()}"
    else:
        reason = f"{op.fragment} is not supported"
    op.fail(reason)
    return "FAILED", reason


def main(argv: Optional[List[str]] = None) -> None:
    p = argparse.ArgumentParser(description="c8y-mqtt device agent (settings from C8Y_* variables)")
    p.add_argument("--operations", type=int, help="stop after this many operations")
    args = p.parse_args(argv)
    stop = False

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    agent = Agent()
    with c8y_mqtt.Client.from_env(create_device=True) as client:
        client.wait_connected(30)
        management = c8y_mqtt.DeviceManagement(
            client,
            log_types=["agent"],
            log=agent.log,
            config_types=["agent.conf"],
            config_upload=agent.config_upload,
            config_apply=agent.config_apply,
            firmware=agent.firmware,
            software=agent.software_change,
            software_list=agent.software_list,
        )
        client.set_supported_operations(["c8y_Restart", "c8y_Command", *management.supported_operations()])
        management.declare()
        agent.note("started")
        handled = 0
        while not stop and (args.operations is None or handled < args.operations):
            event = client.next_event(0.5)
            op = event.operation if event is not None else None
            if op is None:
                continue
            agent.note(f"operation {op.fragment} ({op.device})")
            outcome = management.handle(op) or simple_operation(op)
            agent.note(f"{op.fragment} {outcome[0]}" + (f": {outcome[1]}" if outcome[1] else ""))
            handled += 1
        client.flush(30)
    print(f"agent: stopped after {handled} operation(s)")


if __name__ == "__main__":
    main()
