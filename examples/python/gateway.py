"""A gateway: one MQTT connection for the gateway device and its child devices. Creates two
children, sends their readings on their own topics (s/us/<child>), and answers operations
addressed to any of them.

    python gateway.py                        # against the emulator (c8y-mqtt[testing])
    python gateway.py --host H --port P --tenant T --user U --password PW [--tls]
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Dict, Optional

from c8y_mqtt import Client

if TYPE_CHECKING:
    from c8y_mqtt.testing import Emulator

SENSORS = {"gw-1:temp": ("Temperature sensor", 19.5), "gw-1:hum": ("Humidity sensor", 48.0)}


def main() -> None:
    p = argparse.ArgumentParser(description="c8y-mqtt gateway example")
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
            host=args.host, device_id="gw-1", port=args.port, transport="tls" if args.tls else "tcp",
            tenant=args.tenant, user=args.user, password=args.password, create_device=True,
        )
    else:
        # The emulator comes with `pip install c8y-mqtt[testing]`; devices do not need it.
        from c8y_mqtt.testing import Emulator

        emulator = Emulator()
        options = emulator.client_options("gw-1")
    try:
        with Client(**options, device_name="Gateway 1") as gateway:
            gateway.wait_connected(30)
            children = {}
            for child_id, (name, value) in SENSORS.items():
                child = gateway.create_child(child_id, name, "c8y_Sensor")
                child.set_supported_operations(["c8y_Restart"])
                child.send_measurement("c8y_Reading", "V", value)
                children[child_id] = child
            gateway.flush(10)
            if emulator is not None:
                emulator.create_operation("gw-1:hum", {"c8y_Restart": {}})
            for op in gateway.operations(timeout=2.0):
                print(f"operation for {op.device}: {op.fragment}")
                op.executing()
                op.succeed()
            gateway.flush(10)
        if emulator is not None:
            print("children:", sorted(c["name"] for c in emulator.child_devices("gw-1")))
            for child_id in SENSORS:
                print(child_id, [m["c8y_Reading"]["V"]["value"] for m in emulator.measurements(source=child_id)])
            print("operations:", [o["status"] for o in emulator.operations(source="gw-1:hum")])
    finally:
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    main()
