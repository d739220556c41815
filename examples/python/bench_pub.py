"""Throughput of the Python SDK, side by side with examples/bench/peers/paho_py_pub.py (same
command line and output):

    python bench_pub.py PORT N QOS

publishes N measurements `c8y_Temperature,T,<v>,C` with `client.send_measurement(...)` to
127.0.0.1:PORT over plain TCP (any MQTT broker, e.g. mosquitto), at most 1000 in flight and
1000 more queued behind them, as the bare rumqttc baseline (1000 in flight, a request channel of
1000): at QoS 1 and 2 every 100th `Delivery` is kept, and the one sent 2000 messages earlier is
waited for with `Delivery.wait()` (one wake-up per 100 messages); then it waits for every
acknowledgement with `flush` and prints

    c8y-py qos<Q> n=<N> <rate> msg/s
    import_to_connected_ms=<ms from `import c8y_mqtt` to connected>

The send path is the cheap one: `send_measurement` queues and returns its `Delivery`, whose
Future is never asked for. (Pacing with `client.wait_pending(900)` instead wakes this thread on
every acknowledgement and lists the pending deliveries each time: at QoS 1 it reached about 0.6×
the rate of this pacing in alternating runs; see BENCHMARKS.md.)
"""

import sys
import time
from collections import deque
from typing import Deque, Dict

t_import = time.perf_counter()
import c8y_mqtt  # noqa: E402

#: Messages in flight (the MQTT window).
WINDOW = 1000
#: Messages sent and not yet acknowledged: the window and as many queued behind it.
OUTSTANDING = 2 * WINDOW
CHECK_EVERY = 100
#: QoS levels by their command-line spelling (the ``qos`` option is typed ``Literal[0, 1, 2]``).
QOS_LEVELS: Dict[str, c8y_mqtt.QoS] = {"0": 0, "1": 1, "2": 2}


def main() -> None:
    port, n, qos = int(sys.argv[1]), int(sys.argv[2]), QOS_LEVELS[sys.argv[3]]
    client = c8y_mqtt.Client(
        "127.0.0.1", "bench-c8y-py", port=port, transport="tcp", tenant="t", user="u", password="p",
        qos=qos, delivery_events=False, max_inflight=WINDOW, max_queued=max(n, 10_000),
    )
    try:
        client.wait_connected(30)
        connected_ms = (time.perf_counter() - t_import) * 1000
        send = client.send_measurement
        marks: Deque[c8y_mqtt.Delivery] = deque()
        t0 = time.perf_counter()
        for i in range(n):
            delivery = send("c8y_Temperature", "T", 20 + (i % 100) / 10, "C")
            if qos and i % CHECK_EVERY == 0:
                marks.append(delivery)
                if len(marks) > OUTSTANDING // CHECK_EVERY and marks.popleft().wait(60) is None:
                    raise SystemExit("no acknowledgement within 60 s")
        client.flush(120)
        dt = time.perf_counter() - t0
    finally:
        client.close()
    print(f"c8y-py qos{qos} n={n} {n / dt:.0f} msg/s")
    print(f"import_to_connected_ms={connected_ms:.1f}")


if __name__ == "__main__":
    main()
