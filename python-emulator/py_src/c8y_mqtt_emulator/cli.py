"""The ``c8y-emulator`` command: starts an emulator on 127.0.0.1 (plain MQTT on an ephemeral
port, or ``--mqtt-port``), prints where it listens and the credentials to use, one
``key value`` line each, then runs until Ctrl-C or SIGTERM.

::

    $ c8y-emulator --tenant t12345 --user device_1234:secret
    mqtt 127.0.0.1:40019
    tenant t12345
    user t12345/device_1234 secret
    bootstrap management/devicebootstrap <password>
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import List, Optional

from ._native import Emulator

__all__ = ["main"]


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command with ``argv`` (default: the process arguments); returns the exit
    status."""
    parser = argparse.ArgumentParser(
        prog="c8y-emulator", description="A local Cumulocity MQTT endpoint for tests and offline development."
    )
    parser.add_argument("--tenant", default="t100", help="tenant id (default t100)")
    parser.add_argument(
        "--user", default="device_user:device-secret", metavar="NAME:PASSWORD", help="the device user"
    )
    parser.add_argument("--bootstrap-password", default=None, help="password of the bootstrap user")
    args = parser.parse_args(argv)
    name, sep, password = args.user.partition(":")
    if not sep or not name:
        parser.error("--user must be NAME:PASSWORD")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Emulator(tenant=args.tenant, user=name, password=password, bootstrap_password=args.bootstrap_password) as emu:
        print(f"mqtt {emu.host}:{emu.port}")
        print(f"tenant {emu.tenant}")
        print(f"user {emu.tenant}/{emu.user} {emu.password}")
        print(f"bootstrap {emu.bootstrap_user} {emu.bootstrap_password}", flush=True)
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
