"""The asyncio client: connect, awaitable deliveries, async iteration of operations."""

from __future__ import annotations

import asyncio

import pytest

import c8y_mqtt
from c8y_mqtt.aio import AsyncClient
from c8y_mqtt.testing import Emulator

from .conftest import DEVICE


def test_async_client_round_trip(emulator: Emulator) -> None:
    async def main() -> None:
        async with await AsyncClient.connect(**emulator.client_options(DEVICE)) as client:
            assert isinstance(client.send_measurement("c8y_T", "T", 1.5), c8y_mqtt.Delivery)
            assert await client.send_event("c8y_E", "async") == "acknowledged"
            assert await client.send_measurement_acked("c8y_T", "T", 2) == "acknowledged"
            created = emulator.create_operation(DEVICE, {"c8y_Restart": {}})
            async for op in client.operations(timeout=5):
                assert op.fragment == "c8y_Restart"
                op.executing()
                op.succeed()
                break
            await client.flush(10)
            await asyncio.get_running_loop().run_in_executor(
                None, emulator.wait_for_operation_status, created["id"], "SUCCESSFUL"
            )
            kinds = [e.kind async for e in client.events(timeout=0.2)]
            assert "delivery" in kinds
        assert client.client.closed

    asyncio.run(main())
    assert [m["c8y_T"]["T"]["value"] for m in emulator.measurements(source=DEVICE, type="c8y_T")] == [1.5, 2]


def test_async_connect_failure_closes(emulator: Emulator) -> None:
    opts = emulator.client_options(DEVICE)
    opts["password"] = "wrong"

    async def main() -> None:
        with pytest.raises(c8y_mqtt.AuthError):
            await AsyncClient.connect(**opts, wait=10)

    asyncio.run(main())


def test_async_client_is_exported_and_forwards_the_options_given(emulator: Emulator) -> None:
    assert c8y_mqtt.AsyncClient is AsyncClient
    assert "__getattr__" not in vars(AsyncClient)

    async def main() -> None:
        async with await AsyncClient.connect(**emulator.client_options(DEVICE), qos=0) as client:
            assert client.state == "connected" and client.device_id == DEVICE
            assert await client.send_event("c8y_E", "qos 0") == "sent"
            assert await client.send_event("c8y_E", "qos 1", qos=1) == "acknowledged"
            assert await client.publish_raw("s/us", b"200,c8y_B,B,1") == "sent"
            child = client.create_child(f"{DEVICE}:c", "Child")
            assert await child.send_temperature(20) == "sent"
            assert await client.wait_pending(0, 10)

    asyncio.run(main())
    with pytest.raises(TypeError):
        asyncio.run(AsyncClient.connect(**emulator.client_options(DEVICE), pasword="x"))  # type: ignore[call-arg]
