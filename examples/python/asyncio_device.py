"""An asyncio device: a sampling task sends a reading every 100 ms while the main task
handles operations, both on one AsyncClient.

    python asyncio_device.py                 # against the emulator (c8y-mqtt[testing])
    python asyncio_device.py --host H --port P --tenant T --user U --password PW [--tls]
"""

from __future__ import annotations

import argparse
import asyncio
import random
from typing import TYPE_CHECKING, Any, Dict, Optional

from c8y_mqtt.aio import AsyncClient

if TYPE_CHECKING:
    from c8y_mqtt.testing import Emulator


async def sample(client: AsyncClient, count: int) -> None:
    """Sends ``count`` readings, 100 ms apart, waiting for each acknowledgement."""
    for _ in range(count):
        outcome = await client.send_measurement("c8y_Temperature", "T", round(random.uniform(18, 24), 1), "C")
        assert outcome == "acknowledged"
        await asyncio.sleep(0.1)


async def main() -> None:
    p = argparse.ArgumentParser(description="c8y-mqtt asyncio example")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--tenant")
    p.add_argument("--user")
    p.add_argument("--password")
    args = p.parse_args()

    emulator: Optional["Emulator"] = None
    if args.host:
        options: Dict[str, Any] = dict(
            host=args.host, device_id="async-1", port=args.port, transport="tls" if args.tls else "tcp",
            tenant=args.tenant, user=args.user, password=args.password, create_device=True,
        )
    else:
        # The emulator comes with `pip install c8y-mqtt[testing]`; devices do not need it.
        from c8y_mqtt.testing import Emulator

        emulator = Emulator()
        options = emulator.client_options("async-1")
    try:
        async with await AsyncClient.connect(**options) as client:
            sampler = asyncio.create_task(sample(client, 5))
            if emulator is not None:
                emulator.create_operation("async-1", {"c8y_Command": {"text": "uptime"}})
            async for op in client.operations(timeout=1.5):
                print("operation:", op)
                op.executing()
                op.succeed("up 3 days")
            await sampler
        if emulator is not None:
            print("measurements:", len(emulator.measurements(source="async-1")))
            print("operations:", [o["status"] for o in emulator.operations(source="async-1")])
    finally:
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    asyncio.run(main())
