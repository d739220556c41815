"""Scale peer for `make bench-scale`: N paho-mqtt clients in one Python process, each with its own
network thread (loop_start, the usual way to use paho), connected to a broker on 127.0.0.1 and
left idle. Prints one line:
`paho-mqtt n=<N> kib_per_session=<K> idle_cpu_percent=<C> connect_seconds=<S>`.

Usage: python scale_paho.py PORT N IDLE_SECONDS USERNAME PASSWORD
"""
import os
import sys
import threading
import time

import paho.mqtt.client as mqtt


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds():
    times = os.times()
    return times.user + times.system


def main():
    port, n, idle = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    username, password = sys.argv[4], sys.argv[5]
    connected = threading.Semaphore(0)

    def on_connect(client, userdata, flags, reason_code, properties):
        if reason_code == 0:
            connected.release()
        else:
            print(f"refused: {reason_code}", file=sys.stderr)

    before = rss_kib()
    started = time.perf_counter()
    clients = []
    for i in range(n):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"d:scale-paho-{i}")
        client.username_pw_set(username, password)
        client.on_connect = on_connect
        client.connect("127.0.0.1", port, keepalive=60)
        client.loop_start()
        clients.append(client)
    for _ in range(n):
        if not connected.acquire(timeout=120):
            raise SystemExit("not every paho client connected within 120 s")
    connect_seconds = time.perf_counter() - started
    time.sleep(0.5)
    cpu_before, idle_start = cpu_seconds(), time.perf_counter()
    time.sleep(idle)
    idle_cpu = 100.0 * (cpu_seconds() - cpu_before) / (time.perf_counter() - idle_start)
    after = rss_kib()
    for client in clients:
        client.disconnect()
        client.loop_stop()
    print(
        f"paho-mqtt n={n} kib_per_session={(after - before) / n:.1f} "
        f"idle_cpu_percent={idle_cpu:.2f} connect_seconds={connect_seconds:.1f}"
    )


if __name__ == "__main__":
    main()
