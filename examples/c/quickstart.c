/* quickstart.c: connect, create the device, send measurements, handle a restart operation
 * (static template 510), close.
 *
 *   ./quickstart HOST PORT [DEVICE_ID TENANT USER PASSWORD]
 *
 * Plain TCP (for a local emulator such as c8y-emulator); use c8y_options_set_transport(...,
 * C8Y_TRANSPORT_TLS) and the default port for a real tenant. Exits 0 once the restart
 * operation was answered SUCCESSFUL and every message acknowledged. */
#include <stdio.h>
#include <stdlib.h>

#include "c8y_mqtt.h"

/* Prints the failing call with the library's detail message and returns 1. */
static int fail(const char *what, c8y_result rc) {
    char detail[512];
    c8y_last_error_message(detail, sizeof detail);
    fprintf(stderr, "quickstart: %s: %s (%u): %s\n", what, c8y_result_str(rc), (unsigned)rc, detail);
    return 1;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        c8y_result rc_ = (call);                                                                   \
        if (rc_ != C8Y_RESULT_OK) return fail(#call, rc_);                                         \
    } while (0)

static int run(c8y_client *client) {
    const char *supported[] = {"c8y_Restart"};
    uint64_t id = 0;
    int restarted = 0;

    CHECK(c8y_client_wait_connected(client, 30000));
    CHECK(c8y_client_set_supported_operations(client, NULL, supported, 1, NULL));
    for (int i = 0; i < 3; i++) {
        CHECK(c8y_client_send_measurement(client, NULL, "c8y_Temperature", "T", 20.5 + i, "C", NULL, &id));
    }
    printf("quickstart: 3 measurements queued (last delivery id %llu)\n", (unsigned long long)id);

    /* The pull loop: one event at a time, each freed after use. */
    for (int waited = 0; !restarted && waited < 60; waited++) {
        c8y_event *event = NULL;
        c8y_result rc = c8y_client_next_event(client, 1000, &event);
        if (rc == C8Y_RESULT_TIMEOUT) continue;
        if (rc != C8Y_RESULT_OK) return fail("c8y_client_next_event", rc);
        if (c8y_event_kind(event) == C8Y_EVENT_KIND_OPERATION && c8y_event_operation_kind(event) == C8Y_OPERATION_KIND_RESTART) {
            printf("quickstart: restart requested for %s\n", c8y_event_device_id(event));
            rc = c8y_event_operation_executing(event, NULL);
            /* ... the device would restart here ... */
            if (rc == C8Y_RESULT_OK) rc = c8y_event_operation_succeed(event, NULL, 0, NULL);
            restarted = rc == C8Y_RESULT_OK;
            if (!restarted) {
                c8y_event_free(event);
                return fail("operation lifecycle", rc);
            }
        } else if (c8y_event_kind(event) == C8Y_EVENT_KIND_SMARTREST_ERROR) {
            fprintf(stderr, "quickstart: platform error %u: %s\n", c8y_event_error_code(event), c8y_event_text(event));
        }
        c8y_event_free(event);
    }
    if (!restarted) {
        fprintf(stderr, "quickstart: no restart operation arrived\n");
        return 1;
    }
    CHECK(c8y_client_flush(client, 15000));
    printf("quickstart: everything acknowledged\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [DEVICE_ID TENANT USER PASSWORD]\n", argv[0]);
        return 2;
    }
    const char *device = argc > 3 ? argv[3] : "c-quickstart-1";
    const char *tenant = argc > 4 ? argv[4] : "t100";
    const char *user = argc > 5 ? argv[5] : "device_c-quickstart-1";
    const char *password = argc > 6 ? argv[6] : "secret";
    printf("quickstart: %s\n", c8y_version());

    c8y_options *options = NULL;
    CHECK(c8y_options_new(argv[1], device, &options));
    c8y_result rc = c8y_options_set_transport(options, C8Y_TRANSPORT_TCP);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_port(options, (uint16_t)atoi(argv[2]));
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_password(options, tenant, user, password);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_create_device(options, "C quickstart", "c8y_CExample");
    c8y_client *client = NULL;
    if (rc == C8Y_RESULT_OK) rc = c8y_client_new(options, &client);
    c8y_options_free(options); /* the client keeps its own copy */
    if (rc != C8Y_RESULT_OK) return fail("creating the client", rc);

    int status = run(client);

    /* Shutdown order: close (wakes every next_event), drain what is left, free. */
    c8y_client_close(client);
    c8y_event *event = NULL;
    while (c8y_client_next_event(client, 0, &event) == C8Y_RESULT_OK) c8y_event_free(event);
    rc = c8y_client_free(client);
    if (rc != C8Y_RESULT_OK) return fail("c8y_client_free", rc);
    printf("quickstart: %s\n", status == 0 ? "done" : "failed");
    return status;
}
