"""Cloud Remote Access from Python: the emulator's control API plays the operator
(``POST /emulator/remoteaccess``), a local echo server the device's service; the SDK relays."""

from __future__ import annotations

import base64
import json
import socket
import socketserver
import threading
import urllib.request
from typing import Any, Dict, Iterator, Tuple

import pytest

import c8y_mqtt
from c8y_mqtt.testing import Emulator

from .conftest import DEVICE


def _echoed(address: Tuple[str, int], payload: bytes) -> bytes:
    """Sends `payload` to the operator's end of a tunnel and reads back as many bytes."""
    with socket.create_connection(address, timeout=10) as operator:
        operator.sendall(payload)
        received = bytearray()
        while len(received) < len(payload):
            chunk = operator.recv(65536)
            assert chunk, "the tunnel ended early"
            received += chunk
    return bytes(received)


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while True:
            data = self.request.recv(65536)
            if not data:
                break
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def open_tunnel(emulator: Emulator, port: int) -> Dict[str, Any]:
    request = urllib.request.Request(
        f"{emulator.http_url}/emulator/remoteaccess",
        data=json.dumps({"device": DEVICE, "host": "127.0.0.1", "port": port}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    login = base64.b64encode(f"{emulator.tenant}/{emulator.user}:{emulator.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {login}")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        answer: Dict[str, Any] = json.loads(response.read())
        return answer


def next_operation(client: c8y_mqtt.Client) -> c8y_mqtt.Operation:
    for op in client.operations(timeout=10):
        return op
    raise AssertionError("no operation arrived")


def test_remote_access_relays_to_an_allowed_target(
    emulator: Emulator, client: c8y_mqtt.Client, echo_port: int
) -> None:
    remote = c8y_mqtt.RemoteAccess(client, [f"127.0.0.1:{echo_port}"])
    assert remote.allow_list() == [("127.0.0.1", echo_port)]
    tunnel = open_tunnel(emulator, echo_port)
    op = next_operation(client)
    assert remote.supports(op)
    assert remote.handle(op) == ("SUCCESSFUL", None)
    emulator.wait_for_operation_status(tunnel["operationId"], "SUCCESSFUL")
    opened = remote.next_event(timeout=10)
    assert opened is not None and opened["event"] == "opened" and opened["port"] == echo_port

    payload = bytes(range(256)) * 4096
    assert _echoed(("127.0.0.1", tunnel["port"]), payload) == payload
    closed = remote.next_event(timeout=10)
    assert closed is not None and closed["event"] == "closed"
    assert closed["end"] == "platform_closed"
    assert closed["bytes_to_target"] == len(payload) == closed["bytes_from_target"]
    assert remote.tunnels() == []


def test_remote_access_refuses_a_target_not_allowed(
    emulator: Emulator, client: c8y_mqtt.Client, echo_port: int
) -> None:
    remote = c8y_mqtt.RemoteAccess(client, [])
    tunnel = open_tunnel(emulator, echo_port)
    status = remote.handle(next_operation(client))
    assert status is not None and status[0] == "FAILED" and "not allowed" in (status[1] or "")
    emulator.wait_for_operation_status(tunnel["operationId"], "FAILED")
    with pytest.raises(ValueError):
        c8y_mqtt.RemoteAccess(client, ["no-port"])


def test_emulator_open_remote_access_plays_the_operator(
    emulator: Emulator, client: c8y_mqtt.Client, echo_port: int
) -> None:
    remote = c8y_mqtt.RemoteAccess(client, [f"127.0.0.1:{echo_port}"])
    tunnel = emulator.open_remote_access(DEVICE, "127.0.0.1", echo_port)
    assert tunnel["address"] == "127.0.0.1" and tunnel["port"] > 0
    op = next_operation(client)
    stored = emulator.operation(tunnel["operationId"])
    assert stored is not None
    assert stored["c8y_RemoteAccessConnect"] == {
        "hostname": "127.0.0.1",
        "port": echo_port,
        "connectionKey": tunnel["connectionKey"],
    }
    assert remote.handle(op) == ("SUCCESSFUL", None)
    emulator.wait_for_operation_status(tunnel["operationId"], "SUCCESSFUL")
    payload = b"through the emulator's operator" * 1000
    assert _echoed((tunnel["address"], tunnel["port"]), payload) == payload
    with pytest.raises(ValueError):
        emulator.open_remote_access("no-such-device", "127.0.0.1", echo_port)
