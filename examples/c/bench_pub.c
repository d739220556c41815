/* bench_pub.c: throughput of the C API, same CLI and output as the peer baselines
 * (examples/bench/peers/paho_c_pub.c):
 *
 *   ./bench_pub PORT N QOS   ->   c8y-c qos<Q> n=<N> <rate> msg/s
 *
 * Publishes N measurements c8y_Temperature,T,<v>,C through c8y_client_send_measurement to
 * 127.0.0.1:PORT over plain TCP, with at most 1000 messages in flight and 1000 more queued
 * behind them, as the bare rumqttc baseline (1000 in flight, a request channel of 1000): a full
 * outbox answers C8Y_RESULT_QUEUE_FULL and the loop retries, then waits for every
 * acknowledgement with c8y_client_flush. Credentials from C8Y_TENANT / C8Y_USER / C8Y_PASSWORD
 * (a bare broker ignores them). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "c8y_mqtt.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void pause_us(long us) {
    struct timespec t = {0, us * 1000L};
    nanosleep(&t, NULL);
}

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value != NULL && value[0] != '\0' ? value : fallback;
}

static int fail(const char *what, c8y_result rc) {
    char detail[512];
    c8y_last_error_message(detail, sizeof detail);
    fprintf(stderr, "bench_pub: %s: %s: %s\n", what, c8y_result_str(rc), detail);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s PORT N QOS\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]), qos = atoi(argv[3]);
    c8y_options *options = NULL;
    c8y_client *client = NULL;
    c8y_result rc = c8y_options_new("127.0.0.1", "bench-c8y-c", &options);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_transport(options, C8Y_TRANSPORT_TCP);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_port(options, (uint16_t)port);
    if (rc == C8Y_RESULT_OK)
        rc = c8y_options_set_password(options, env_or("C8Y_TENANT", "t100"), env_or("C8Y_USER", "device_bench-c8y-c"),
                                      env_or("C8Y_PASSWORD", "secret"));
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_qos(options, (uint32_t)qos);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_outbox_limits(options, 2000, 64u * 1024u * 1024u, C8Y_OVERFLOW_REJECT);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_max_inflight(options, 1000);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_delivery_events(options, false);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_create_device(options, "bench", NULL);
    if (rc == C8Y_RESULT_OK) rc = c8y_client_new(options, &client);
    c8y_options_free(options);
    if (rc != C8Y_RESULT_OK) return fail("creating the client", rc);
    rc = c8y_client_wait_connected(client, 30000);
    if (rc != C8Y_RESULT_OK) {
        c8y_client_free(client);
        return fail("connecting", rc);
    }

    double t0 = now();
    for (int i = 0; i < n && rc == C8Y_RESULT_OK; i++) {
        double value = 20 + (i % 100) / 10.0;
        while ((rc = c8y_client_send_measurement(client, NULL, "c8y_Temperature", "T", value, "C", NULL, NULL)) ==
               C8Y_RESULT_QUEUE_FULL)
            pause_us(50);
    }
    if (rc == C8Y_RESULT_OK) rc = c8y_client_flush(client, 600000);
    double dt = now() - t0;
    int status = 0;
    if (rc != C8Y_RESULT_OK)
        status = fail("publishing", rc);
    else
        printf("c8y-c qos%d n=%d %.0f msg/s\n", qos, n, n / dt);
    c8y_client_close(client);
    c8y_client_free(client);
    return status;
}
