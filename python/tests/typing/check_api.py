"""Type-checked (not run) use of the public API: mypy --strict must accept it (test_typing.py)."""

from __future__ import annotations

import concurrent.futures
import datetime
from typing import List, Optional

import c8y_mqtt
from c8y_mqtt import AsyncClient, Client, Delivery, Device, Event, EventKind, Operation
from c8y_mqtt.errors import RESULT_CODES, C8yError
from c8y_mqtt.operations import Command, LogfileRequest, OperationKind
from c8y_mqtt.testing import Emulator, wait_until


def use(emulator: Emulator) -> None:
    with Client(**emulator.client_options("dev1")) as client:
        client.wait_connected(10.0)
        delivery: Delivery = client.send_measurement("c8y_T", "T", 1.5, "C", datetime.datetime.now(datetime.timezone.utc))
        delivery_id: int = delivery.id
        ack: concurrent.futures.Future[str] = client.send_event("c8y_E", "text").future()
        outcome: str = ack.result(5)
        child: Device = client.create_child("dev1:c", "Child")
        child_delivery: int = child.send_alarm("c8y_A", "text", severity="minor").id
        for op in client.operations(timeout=1.0):
            assert isinstance(op, Operation)
            op_id: Optional[str] = op.id
            kind: Optional[OperationKind] = op.kind
            if isinstance(kind, Command):
                text: str = kind.text
            elif isinstance(kind, LogfileRequest):
                start: datetime.datetime = kind.date_from
                lines: Optional[int] = kind.maximum_lines
            op.executing()
            op.succeed("done")
        event: Optional[Event] = client.next_event(0.1)
        values: List[str] = event.values if event is not None else []
        measurements = wait_until(lambda: emulator.measurements(source="dev1"))
        code: int = RESULT_CODES["TIMEOUT"]
        print(delivery_id, outcome, child_delivery, op_id, values, measurements, code, c8y_mqtt.__version__)
    try:
        client.flush(1.0)
    except C8yError as error:
        print(type(error).code)


async def use_async(emulator: Emulator) -> None:
    async with await AsyncClient.connect(**emulator.client_options("dev1"), qos=0, overflow="drop_oldest") as client:
        outcome: str = await client.send_event("c8y_E", "text")
        queued: Delivery = client.publish_raw("s/us", b"200,c8y_T,T,1", qos=1)
        kinds: List[EventKind] = [event.kind async for event in client.events(timeout=0.1)]
        async for op in client.operations(timeout=0.1):
            await op.succeed()
        print(outcome, queued.id, kinds)
