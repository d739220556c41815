"""The typed methods for the remaining upstream static templates, against the emulator: each
sends exactly the row the core's template encodes, on the device's topic or a child's."""

from __future__ import annotations

import asyncio
from typing import List, Tuple

import pytest

import c8y_mqtt
from c8y_mqtt import Client, Delivery
from c8y_mqtt.aio import AsyncClient
from c8y_mqtt.testing import Emulator

from .conftest import DEVICE, device_publishes
from .test_options import offline


def check(client: Client, emulator: Emulator, sent: List[Tuple[Delivery, str]], prefix: str = "s/us") -> None:
    client.flush(10)
    assert all(d.id > 0 for d, _ in sent)
    assert device_publishes(emulator, prefix) == [row for _, row in sent]


def test_inventory_templates(client: Client, emulator: Emulator) -> None:
    check(
        client,
        emulator,
        [
            (client.request_child_devices(), "105"),
            (client.clear_device_fragments(["c8y_Position", "c8y_Mobile"]), "107,c8y_Position,c8y_Mobile"),
            (
                client.set_mobile(imei="356938035643809", mcc="262", cell_id="2F2B"),
                "111,356938035643809,,,262,,,2F2B",
            ),
            (client.set_position(52.520008, 13.404954, 34, 5), "112,52.520008,13.404954,34,5"),
            (client.set_position(altitude=-2), "112,,,-2"),
            (client.set_configuration("val=1, two"), '113,"val=1, two"'),
            (client.set_supported_logs(["syslog", "dmesg"]), "118,syslog,dmesg"),
            (client.set_supported_logs([]), "118"),
            (client.set_supported_configurations(["ssh-config", "agent"]), "119,ssh-config,agent"),
            (
                client.set_current_configuration(
                    "ssh-config", "https://t.example/b/1", "sshd_config", "2016-06-22T17:03:14.000+02:00"
                ),
                "120,ssh-config,https://t.example/b/1,sshd_config,2016-06-22T17:03:14.000+02:00",
            ),
            (client.set_current_configuration("agent", "https://t.example/b/2"), "120,agent,https://t.example/b/2"),
            (client.set_device_profile_applied(False), "121,false"),
            (client.set_device_profile_applied(True, "8012"), "121,true,8012"),
            (
                client.set_agent_information("thin-edge.io", "1.0.0", "Thin Edge"),
                "122,thin-edge.io,1.0.0,,Thin Edge",
            ),
            (
                client.set_agent_information("agent", "2", "Me", url="https://a.example"),
                "122,agent,2,https://a.example,Me",
            ),
            (client.send_heartbeat(), "125"),
            (client.set_remote_access_protocols(["SSH", "VNC"]), "150,SSH,VNC"),
        ],
    )


def test_software_templates(client: Client, emulator: Emulator) -> None:
    check(
        client,
        emulator,
        [
            (
                client.set_software_list([("nginx", "1.2", "https://x.example/n"), ("curl", None), ("vim",)]),
                "116,nginx,1.2,https://x.example/n,curl,,,vim",
            ),
            (
                client.set_advanced_software_list([("nginx", "1.2", "apt"), ("app", "2", None, "https://u")]),
                "140,nginx,1.2,apt,,app,2,,https://u",
            ),
            (client.set_advanced_software_list([]), "140"),
            (client.append_advanced_software([("curl", "7.0", "apt")]), "141,curl,7.0,apt"),
            (client.remove_advanced_software([("curl", "7.0"), ("vim", "9")]), "142,curl,7.0,vim,9"),
            (client.set_supported_software_types(["apt", "docker"]), "143,apt,docker"),
        ],
    )


def test_measurement_alarm_event_templates(client: Client, emulator: Emulator) -> None:
    check(
        client,
        emulator,
        [
            (client.send_signal_strength(-90, 0.1), "210,-90,0.1"),
            (client.send_signal_strength(ber=5), "210,,5"),
            (
                client.send_signal_strength(rssi=-71, time="2022-03-19T12:03:27.845Z"),
                "210,-71,,2022-03-19T12:03:27.845Z",
            ),
            (client.set_alarm_severity("c8y_TemperatureAlarm", "minor"), "305,c8y_TemperatureAlarm,MINOR"),
            (
                client.clear_alarm_fragments("c8y_TemperatureAlarm", ["c8y_Details", "c8y_Extra"]),
                "307,c8y_TemperatureAlarm,c8y_Details,c8y_Extra",
            ),
            (client.send_location(-33.8688, 151.2093, update_device=True), "402,-33.8688,151.2093"),
            (client.send_location(1, 2, 3), "401,1,2,3"),
            (client.clear_event_fragments("c8y_MyEvent", ["c8y_Details"]), "407,c8y_MyEvent,c8y_Details"),
            (client.clear_event_fragments("c8y_MyEvent", []), "407,c8y_MyEvent"),
            (
                client.send_device_parameter_update(
                    [("c8y_RelayStatus.left", "BOOLEAN", "true"), ("c8y_Label.text", "STRING", "")]
                ),
                "408,,,,c8y_RelayStatus.left,BOOLEAN,true,c8y_Label.text,STRING,",
            ),
        ],
    )


def test_service_status_and_child_targeting(client: Client, emulator: Emulator) -> None:
    service = client.create_service("dev1:db", "systemd", "Database", "up")
    child = client.create_child("dev1:pump", "Pump")
    client.flush(10)
    check(
        client,
        emulator,
        [
            (service.set_service_status("down"), "104,down"),
            (child.send_heartbeat(), "125"),
            (child.set_supported_logs(["pumplog"]), "118,pumplog"),
        ],
        prefix="s/us/",
    )
    assert [t for t, p in emulator.publishes() if p in (b"104,down", b"125", b"118,pumplog")] == [
        "s/us/dev1:db",
        "s/us/dev1:pump",
        "s/us/dev1:pump",
    ]


def test_bad_values_raise_and_send_nothing(client: Client, emulator: Emulator) -> None:
    with pytest.raises(ValueError):
        client.send_signal_strength()
    with pytest.raises(ValueError):
        client.set_alarm_severity("c8y_A", "severe")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.clear_alarm_fragments("c8y_A", [])
    with pytest.raises(ValueError):
        client.append_advanced_software([])
    with pytest.raises(ValueError):
        client.set_supported_logs(["ok", ""])
    with pytest.raises(ValueError):
        client.set_agent_information("", "1", "me")
    with pytest.raises(ValueError):
        client.send_device_parameter_update([])
    with pytest.raises(ValueError):
        client.remove_advanced_software([("only-a-name",)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        client.set_supported_logs("syslog")
    with pytest.raises(TypeError):
        client.set_software_list(["nginx"])  # type: ignore[list-item]
    client.flush(10)
    assert device_publishes(emulator) == []


def test_async_client_forwards_the_new_methods(emulator: Emulator) -> None:
    async def main() -> None:
        async with await AsyncClient.connect(**emulator.client_options(DEVICE)) as client:
            assert await client.set_supported_logs(["syslog"]) == "acknowledged"
            assert await client.send_heartbeat() == "acknowledged"
            assert await client.send_location(1, 2, update_device=True) == "acknowledged"
            assert await client.set_advanced_software_list([("nginx", "1.2", "apt")]) == "acknowledged"

    asyncio.run(main())
    assert device_publishes(emulator) == ["118,syslog", "125", "402,1,2", "140,nginx,1.2,apt"]


def test_measurement_rows_send_one_200_per_row(client: Client, emulator: Emulator) -> None:
    deliveries = client.send_measurement_rows(
        [
            ("c8y_Temperature", "T", 21.5),
            ("c8y_Temperature", "T", 22, "C"),
            ("c8y_Humidity", "H", "55.25", None, "2022-03-19T12:03:27.845Z"),
        ]
    )
    client.flush(10)
    assert [d.id for d in deliveries] == sorted(set(d.id for d in deliveries))
    assert len(deliveries) == 3
    assert device_publishes(emulator) == [
        "200,c8y_Temperature,T,21.5",
        "200,c8y_Temperature,T,22,C",
        "200,c8y_Humidity,H,55.25,,2022-03-19T12:03:27.845Z",
    ]
    rows = (("c8y_Pressure", "P", p, "bar") for p in (1, 2))
    [first, second] = client.child("dev1:pump").send_measurement_rows(rows, qos=1)
    client.flush(10)
    assert first.id > deliveries[-1].id and second.id > first.id
    assert device_publishes(emulator, "s/us/dev1:pump") == ["200,c8y_Pressure,P,1,bar", "200,c8y_Pressure,P,2,bar"]
    assert client.send_measurement_rows([]) == []


def test_measurement_rows_with_a_bad_row_send_nothing(client: Client, emulator: Emulator) -> None:
    good = ("c8y_Temperature", "T", 1)
    with pytest.raises(ValueError):
        client.send_measurement_rows([good, ("c8y_Temperature", "T", float("nan"))])
    with pytest.raises(ValueError):
        client.send_measurement_rows([good, ("c8y_Temperature", "T")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        client.send_measurement_rows([good, ["c8y_Temperature", "T", 1]])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        client.send_measurement_rows([good, ("c8y_Temperature", "T", True)])
    client.flush(10)
    assert device_publishes(emulator) == []


def test_measurement_rows_past_a_full_outbox_report_what_was_queued() -> None:
    with Client(**offline(max_queued=2)) as client:
        with pytest.raises(c8y_mqtt.QueueFullError) as raised:
            client.send_measurement_rows([("c8y_T", "T", n) for n in range(3)])
        queued = raised.value.deliveries  # type: ignore[attr-defined]
        assert [type(d) for d in queued] == [Delivery, Delivery]
        assert client.pending() == 2
        client.close()


def test_async_client_sends_measurement_rows(emulator: Emulator) -> None:
    async def main() -> None:
        async with await AsyncClient.connect(**emulator.client_options(DEVICE)) as client:
            deliveries = client.send_measurement_rows([("c8y_T", "T", 1), ("c8y_T", "T", 2)])
            assert [await d for d in deliveries] == ["acknowledged", "acknowledged"]

    asyncio.run(main())
    assert device_publishes(emulator) == ["200,c8y_T,T,1", "200,c8y_T,T,2"]
