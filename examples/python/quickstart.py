"""Quick start: connect a device, send a measurement, an event and an alarm, handle the
operations that arrive, close.

    python quickstart.py                     # against the emulator (c8y-mqtt[testing]; no tenant needed)
    python quickstart.py --host H --port P --tenant T --user U --password PW [--tls]
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Dict, Optional

from c8y_mqtt import Client

if TYPE_CHECKING:
    from c8y_mqtt.testing import Emulator


def main() -> None:
    p = argparse.ArgumentParser(description="c8y-mqtt quick start")
    p.add_argument("--host", help="platform or broker host (default: a built-in emulator)")
    p.add_argument("--port", type=int)
    p.add_argument("--tls", action="store_true", help="TLS (default: plain TCP)")
    p.add_argument("--tenant")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--device-id", default="quickstart-1")
    args = p.parse_args()

    emulator: Optional["Emulator"] = None
    if args.host:
        options: Dict[str, Any] = dict(
            host=args.host, device_id=args.device_id, port=args.port,
            transport="tls" if args.tls else "tcp", tenant=args.tenant, user=args.user,
            password=args.password, create_device=True,
        )
    else:
        # The emulator comes with `pip install c8y-mqtt[testing]`; devices do not need it.
        from c8y_mqtt.testing import Emulator

        emulator = Emulator()
        options = emulator.client_options(args.device_id)

    try:
        with Client(**options) as client:
            client.wait_connected(30)
            client.set_supported_operations(["c8y_Restart"])
            client.send_measurement("c8y_Temperature", "T", 21.5, "C")
            client.send_event("c8y_Started", "quickstart started")
            ack = client.send_alarm("c8y_DoorOpen", "Door open", severity="minor")
            print("alarm:", ack.future().result(10))
            if emulator is not None:  # play the platform: ask the device to restart
                emulator.create_operation(args.device_id, {"c8y_Restart": {}})
            for op in client.operations(timeout=2.0):
                print("operation:", op)
                op.executing()
                op.succeed()
            client.flush(10)
        print("state:", client.state)
        if emulator is not None:
            print("operations:", [o["status"] for o in emulator.operations(source=args.device_id)])
            print("measurements:", len(emulator.measurements(source=args.device_id)))
    finally:
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    main()
