/* gateway.c: a gateway device with two child devices: creates them, sends a measurement and
 * an alarm for each, an event for the gateway itself, answers a restart of a child, closes.
 *
 *   ./gateway HOST PORT [DEVICE_ID TENANT USER PASSWORD]
 *
 * Plain TCP (local emulator). Exits 0 once the children's restart was answered (or after 20 s
 * without one) and everything was acknowledged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c8y_mqtt.h"

static int fail(const char *what, c8y_result rc) {
    char detail[512];
    c8y_last_error_message(detail, sizeof detail);
    fprintf(stderr, "gateway: %s: %s (%u): %s\n", what, c8y_result_str(rc), (unsigned)rc, detail);
    return 1;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        c8y_result rc_ = (call);                                                                   \
        if (rc_ != C8Y_RESULT_OK) return fail(#call, rc_);                                         \
    } while (0)

static int run(c8y_client *client, const char *gateway_id) {
    char children[2][64];
    const char *supported[] = {"c8y_Restart"};
    snprintf(children[0], sizeof children[0], "%s:sensor-1", gateway_id);
    snprintf(children[1], sizeof children[1], "%s:sensor-2", gateway_id);

    CHECK(c8y_client_wait_connected(client, 30000));
    CHECK(c8y_client_send_event(client, NULL, "c8y_GatewayStarted", "Gateway started", NULL, NULL));
    for (int i = 0; i < 2; i++) {
        const c8y_measurement_series series[] = {
            {"c8y_Temperature", "T", 18.5 + i, "C"},
            {"c8y_Humidity", "h", 40 + i, "%RH"},
        };
        /* 101 on s/us, once per client; the child's data then goes to s/us/<child>. */
        CHECK(c8y_client_create_child(client, NULL, children[i], "Sensor", "c8y_Sensor", NULL));
        CHECK(c8y_client_set_supported_operations(client, children[i], supported, 1, NULL));
        CHECK(c8y_client_send_measurements(client, children[i], "c8y_Climate", series, 2, NULL, NULL));
        CHECK(c8y_client_send_alarm(client, children[i], C8Y_SEVERITY_MINOR, "c8y_BatteryLow", "Battery low", NULL, NULL));
    }
    /* Anything else goes through the generic static template function (here 110). */
    const char *hardware[] = {"GW-0001", "Gateway 3000", "rev. B"};
    CHECK(c8y_client_send_static(client, NULL, 110, hardware, 3, NULL));
    printf("gateway: children created and measured\n");

    for (int waited = 0; waited < 20; waited++) {
        c8y_event *event = NULL;
        c8y_result rc = c8y_client_next_event(client, 1000, &event);
        if (rc == C8Y_RESULT_TIMEOUT) continue;
        if (rc != C8Y_RESULT_OK) return fail("c8y_client_next_event", rc);
        int done = 0;
        if (c8y_event_kind(event) == C8Y_EVENT_KIND_OPERATION) {
            const char *target = c8y_event_device_id(event);
            printf("gateway: %s for %s\n", c8y_event_operation_fragment(event), target);
            /* Answered on the child's own topic. */
            rc = c8y_event_operation_executing(event, NULL);
            if (rc == C8Y_RESULT_OK) rc = c8y_event_operation_succeed(event, NULL, 0, NULL);
            done = rc == C8Y_RESULT_OK && strcmp(target, children[1]) == 0;
        }
        c8y_event_free(event);
        if (rc != C8Y_RESULT_OK) return fail("operation lifecycle", rc);
        if (done) break;
    }
    CHECK(c8y_client_flush(client, 15000));
    printf("gateway: everything acknowledged\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [DEVICE_ID TENANT USER PASSWORD]\n", argv[0]);
        return 2;
    }
    const char *device = argc > 3 ? argv[3] : "c-gateway-1";
    const char *tenant = argc > 4 ? argv[4] : "t100";
    const char *user = argc > 5 ? argv[5] : "device_c-gateway-1";
    const char *password = argc > 6 ? argv[6] : "secret";

    c8y_options *options = NULL;
    CHECK(c8y_options_new(argv[1], device, &options));
    c8y_result rc = c8y_options_set_transport(options, C8Y_TRANSPORT_TCP);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_port(options, (uint16_t)atoi(argv[2]));
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_password(options, tenant, user, password);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_create_device(options, "C gateway", "c8y_Gateway");
    c8y_client *client = NULL;
    if (rc == C8Y_RESULT_OK) rc = c8y_client_new(options, &client);
    c8y_options_free(options);
    if (rc != C8Y_RESULT_OK) return fail("creating the client", rc);

    int status = run(client, device);
    c8y_client_close(client);
    c8y_event *event = NULL;
    while (c8y_client_next_event(client, 0, &event) == C8Y_RESULT_OK) c8y_event_free(event);
    rc = c8y_client_free(client);
    if (rc != C8Y_RESULT_OK) return fail("c8y_client_free", rc);
    printf("gateway: %s\n", status == 0 ? "done" : "failed");
    return status;
}
