"""The paho-mqtt peer of ``make bench`` (compare.rs): the Python MQTT client most Cumulocity
agents use, publishing N SmartREST measurement lines ``200,c8y_Temperature,T,<value>,C`` to
``s/us`` on 127.0.0.1:PORT at QoS 0 or 1, with at most WINDOW messages whose ``on_publish`` has
not arrived yet (for QoS 1 that is the PUBACK), then printing

    paho-py qos<Q> n=<N> <rate> msg/s

Run: ``python paho_py_pub.py PORT N QOS`` (``pip install paho-mqtt``, version 2).
"""

import sys
import threading
import time

import paho.mqtt.client as mqtt

WINDOW = 1000


def main() -> int:
    if len(sys.argv) != 4:
        print(f"usage: {sys.argv[0]} PORT N QOS", file=sys.stderr)
        return 2
    port, n, qos = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    if n <= 0 or qos not in (0, 1):
        print("paho_py_pub: N must be positive and QOS 0 or 1", file=sys.stderr)
        return 2

    slots = threading.Semaphore(WINDOW)  # one slot per message not yet completed
    done = threading.Event()
    completed = 0
    lock = threading.Lock()

    def on_publish(_client, _userdata, _mid, _reason, _properties) -> None:
        nonlocal completed
        with lock:
            completed += 1
            if completed == n:
                done.set()
        slots.release()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-paho-py")
    client.max_inflight_messages_set(WINDOW)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()

    start = time.perf_counter()
    for i in range(n):
        if not slots.acquire(timeout=60):
            print(f"paho_py_pub: stalled after {i} messages", file=sys.stderr)
            return 1
        client.publish("s/us", f"200,c8y_Temperature,T,{20 + (i % 100) / 10},C", qos=qos)
    if not done.wait(60):
        print(f"paho_py_pub: only {completed} of {n} messages completed", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    print(f"paho-py qos{qos} n={n} {n / elapsed:.0f} msg/s")
    client.disconnect()
    client.loop_stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
