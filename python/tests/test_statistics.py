"""Client statistics from Python: the counters after acknowledged publishes, drops by reason,
a reconnect, the AsyncClient forward, and the optional statistics measurement."""

from __future__ import annotations

import asyncio

import pytest

import c8y_mqtt
from c8y_mqtt.aio import AsyncClient
from c8y_mqtt.testing import Emulator, wait_until

from .conftest import DEVICE


def test_counters_after_acknowledged_publishes(client: c8y_mqtt.Client) -> None:
    for value in range(3):
        assert client.send_measurement("c8y_T", "T", value).future().result(timeout=10) == "acknowledged"
    stats = client.statistics()
    assert isinstance(stats, c8y_mqtt.ClientStatistics)
    assert stats.deliveries_queued == 3
    assert stats.acknowledged == 3
    assert (stats.queued_now, stats.in_flight_now) == (0, 0)
    assert (stats.dropped, stats.rejected, stats.sent) == (0, 0, 0)
    assert (stats.connection_attempts, stats.connections, stats.reconnects) == (1, 1, 0)
    assert stats.last_connection_error is None
    assert stats.bytes_sent > 0
    assert stats.messages_received >= 0
    assert "acknowledged=3" in repr(stats)


def test_drops_by_reason_and_a_reconnect(emulator: Emulator) -> None:
    options = dict(emulator.client_options(DEVICE), max_queued=2, overflow="drop_oldest")
    with c8y_mqtt.Client(**options) as client:
        client.wait_connected(15)
        wait_until(lambda: ("s/us", b"500") in emulator.publishes())
        emulator.withhold_pubacks(DEVICE, True)
        for value in range(4):
            client.send_measurement("c8y_T", "T", value)
        stats = client.statistics()
        assert (stats.deliveries_queued, stats.dropped_overflow, stats.dropped) == (4, 2, 2)
        emulator.withhold_pubacks(DEVICE, False)
        assert emulator.drop_connection(DEVICE)
        wait_until(lambda: client.statistics().reconnects == 1)
        stats = client.statistics()
        assert (stats.connection_attempts, stats.connections) == (2, 2)
        assert stats.last_connection_error
        client.flush(10)
        assert client.statistics().acknowledged == 2
    with pytest.raises(c8y_mqtt.errors.ClientClosedError):
        client.statistics()


def test_the_measurement_and_the_async_client(emulator: Emulator) -> None:
    async def main() -> None:
        options = dict(emulator.client_options(DEVICE), statistics_measurement=0.2)
        async with await AsyncClient.connect(**options) as client:
            stats = client.statistics()
            assert isinstance(stats, c8y_mqtt.ClientStatistics)
            assert stats.connections == 1
            await asyncio.get_running_loop().run_in_executor(
                None,
                wait_until,
                lambda: emulator.measurements(source=DEVICE, type="c8y_ClientStatistics"),
            )

    asyncio.run(main())
    [first, *_] = emulator.measurements(source=DEVICE, type="c8y_ClientStatistics")
    assert first["c8y_ClientStatistics"]["connectionAttempts"]["value"] == 1
