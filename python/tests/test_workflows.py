"""Operation workflows from Python: the SDK drives 501 -> work -> 503/502, the handlers supply
the device-specific step. ``c8y-api`` is the platform user who uploads the firmware image and
reads back the uploaded log."""

from __future__ import annotations

import asyncio
import hashlib
import pathlib
from typing import Any, Dict, List

from c8y_api import CumulocityApi

import c8y_mqtt
from c8y_mqtt.aio import AsyncClient
from c8y_mqtt.testing import Emulator, wait_until

from .conftest import DEVICE, device_publishes


def next_operation(client: c8y_mqtt.Client) -> c8y_mqtt.Operation:
    for op in client.operations(timeout=10):
        return op
    raise AssertionError("no operation arrived")


def test_log_and_firmware_workflows(emulator: Emulator, client: c8y_mqtt.Client, tmp_path: pathlib.Path) -> None:
    api = CumulocityApi(emulator.http_url, emulator.tenant, emulator.user, emulator.password)
    image = tmp_path / "image.bin"
    image.write_bytes(b"\x7fELF" * 5000)
    binary = api.binaries.upload(str(image), "core.bin", "application/octet-stream")
    fw_url = f"{emulator.http_url}/inventory/binaries/{binary.id}"
    seen: List[Dict[str, Any]] = []

    def log(request: Dict[str, Any]) -> str:
        seen.append(request)
        if request["log_type"] != "syslog":
            raise LookupError(f"no log {request['log_type']}")
        return "boot ok\n"

    def firmware(request: Dict[str, Any]) -> None:
        seen.append(request)
        assert hashlib.sha256(pathlib.Path(request["path"]).read_bytes()).digest() == hashlib.sha256(
            image.read_bytes()
        ).digest()

    management = c8y_mqtt.DeviceManagement(
        client, log_types=["syslog"], log=log, firmware=firmware, download_dir=tmp_path / "downloads"
    )
    assert management.supported_operations() == ["c8y_LogfileRequest", "c8y_Firmware", "c8y_DeviceProfile"]
    management.declare()
    client.flush(10)
    assert "118,syslog" in device_publishes(emulator)

    created = emulator.create_operation(
        DEVICE,
        {
            "c8y_LogfileRequest": {
                "logFile": "syslog",
                "dateFrom": "2021-09-21T11:40:27+0200",
                "dateTo": "2021-09-22T11:40:27+0200",
                "searchText": "",
                "maximumLines": 10,
            }
        },
    )
    op = next_operation(client)
    assert management.supports(op)
    assert management.handle(op) == ("SUCCESSFUL", None)
    stored = emulator.wait_for_operation_status(created["id"], "SUCCESSFUL")
    url = stored["c8y_LogfileRequest"]["file"]
    assert api.events.download_attachment(url.split("/")[-2]) == b"boot ok\n"
    assert seen[0]["log_type"] == "syslog" and seen[0]["maximum_lines"] == 10

    created = emulator.create_operation(DEVICE, {"c8y_Firmware": {"name": "core", "version": "2.0", "url": fw_url}})
    op = next_operation(client)
    assert management.handle(op) == ("SUCCESSFUL", None)
    emulator.wait_for_operation_status(created["id"], "SUCCESSFUL")
    assert f"115,core,2.0,{fw_url}" in device_publishes(emulator)
    assert seen[1]["name"] == "core" and seen[1]["version"] == "2.0"
    assert list((tmp_path / "downloads").iterdir()) == [], "the download is removed"

    # A handler that raises: FAILED with its message.
    created = emulator.create_operation(
        DEVICE,
        {
            "c8y_LogfileRequest": {
                "logFile": "dmesg",
                "dateFrom": "2021-09-21T11:40:27+0200",
                "dateTo": "2021-09-22T11:40:27+0200",
                "searchText": "",
                "maximumLines": 10,
            }
        },
    )
    op = next_operation(client)
    reason = "Reading the log failed: no log dmesg"
    assert management.handle(op) == ("FAILED", reason)
    failed = emulator.wait_for_operation_status(created["id"], "FAILED")
    assert failed["failureReason"] == reason

    # An operation no workflow handles: nothing sent.
    emulator.create_operation(DEVICE, {"c8y_Restart": {}})
    op = next_operation(client)
    assert not management.supports(op)
    assert management.handle(op) is None


def test_a_workflow_from_asyncio(emulator: Emulator) -> None:
    """With the asyncio face: ``DeviceManagement`` on the ``AsyncClient``'s native client, its
    blocking ``handle`` in the loop's executor, and a handler that hands its work to a coroutine
    on the event loop (handlers run on SDK threads, so the loop stays free meanwhile)."""
    api = CumulocityApi(emulator.http_url, emulator.tenant, emulator.user, emulator.password)
    log_request = {
        "logFile": "syslog",
        "dateFrom": "2021-09-21T11:40:27+0200",
        "dateTo": "2021-09-22T11:40:27+0200",
        "searchText": "",
        "maximumLines": 10,
    }

    async def main() -> Dict[str, Any]:
        loop = asyncio.get_running_loop()

        async def read_log(log_type: str) -> str:
            await asyncio.sleep(0)  # e.g. an asyncio subprocess or file read
            return f"{log_type}: read by a coroutine\n"

        def log(request: Dict[str, Any]) -> str:
            return asyncio.run_coroutine_threadsafe(read_log(request["log_type"]), loop).result(10)

        async with await AsyncClient.connect(**emulator.client_options(DEVICE)) as client:
            management = c8y_mqtt.DeviceManagement(client.client, log_types=["syslog"], log=log)
            await loop.run_in_executor(None, management.declare)
            # The platform re-sends pending operations on 500: create the operation after it.
            await loop.run_in_executor(None, wait_until, lambda: ("s/us", b"500") in emulator.publishes())
            created = emulator.create_operation(DEVICE, {"c8y_LogfileRequest": log_request})
            outcome = None
            async for op in client.operations(timeout=10):
                assert management.supports(op)
                outcome = await loop.run_in_executor(None, management.handle, op)
                break
            assert outcome == ("SUCCESSFUL", None)
            return await loop.run_in_executor(
                None, emulator.wait_for_operation_status, created["id"], "SUCCESSFUL"
            )

    stored = asyncio.run(main())
    url = stored["c8y_LogfileRequest"]["file"]
    assert api.events.download_attachment(url.split("/")[-2]) == b"syslog: read by a coroutine\n"
