"""Deliberate misuses of the public API, one a line, each marked with the error code that
``mypy --strict`` must report on that line (test_typing.py checks every mark and that no other
line is reported). Type-checked, never run."""

from __future__ import annotations

from c8y_mqtt import AsyncClient, Client, ConnectionState, Event, Operation


def options(host: str) -> None:
    Client(host, "dev1", pasword="secret")  # expect: call-arg
    Client(host, "dev1", transport="mqtt5")  # expect: arg-type
    Client(host, "dev1", qos=3)  # expect: arg-type
    Client(host, "dev1", overflow="oldest")  # expect: arg-type
    Client(host, "dev1", max_queued_bytes="16M")  # expect: arg-type
    Client(host, "dev1", keep_alive="60")  # expect: arg-type
    Client(host, "dev1", insecure="yes")  # expect: arg-type
    Client(host, "dev1", processing_mode="transient")  # expect: arg-type
    Client.from_env(tenat="t1")  # expect: call-arg


def events(client: Client) -> None:
    for event in client.events(timeout=1.0):
        print(event.fragment)  # expect: attr-defined
        if event.kind == "conection_state":  # expect: comparison-overlap
            pass
        if event.outcome == "acked":  # expect: comparison-overlap
            pass
    for op in client.operations(timeout=1.0):
        print(op.outcome)  # expect: attr-defined
        op.succeed(1)  # expect: arg-type
    if client.state == "conected":  # expect: comparison-overlap
        pass
    state: ConnectionState = "up"  # expect: assignment
    first: Operation = client.next_event(1.0)  # expect: assignment
    client.on_event(lambda: None)  # expect: arg-type
    print(state, first)


def publishing(client: Client) -> None:
    client.publish_raw("s/us", 42)  # expect: arg-type
    client.send_json("evnt", {"type": "t"})  # expect: arg-type
    client.send_json("event", {"type": "t"}, qos=5)  # expect: arg-type
    client.send_smartrest2("myCommon_10", "999", ["", "25"], qos=4)  # expect: arg-type
    client.send_alarm("c8y_A", "text", severity="urgent")  # expect: arg-type
    client.send_measurement("c8y_T", "T", 1.5, qos=3)  # expect: arg-type
    delivery: int = client.send_event("c8y_E", "text")  # expect: assignment
    client.send_event("c8y_E", "text", future=True)  # expect: call-arg
    client.create_service("svc-1", "Name", "up")  # expect: call-arg
    leaving = client.__exit__(None, None, None)  # expect: func-returns-value
    print(delivery, leaving)


async def asyncio_face(host: str, event: Event) -> None:
    client = await AsyncClient.connect(host, "dev1", pasword="secret")  # expect: call-arg
    client.send_mesurement("c8y_T", "T", 1.5)  # expect: attr-defined
    outcome: int = await client.send_event("c8y_E", "text")  # expect: assignment
    async for op in client.operations(timeout=1.0):
        op.fail()  # expect: call-arg
    print(outcome, event)
