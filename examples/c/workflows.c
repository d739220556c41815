/* workflows.c: device management with the SDK's operation workflows. The library runs each
 * operation (EXECUTING, downloads, uploads, the final status); the handlers below do the
 * device's part: write a log, install a firmware image.
 *
 *   ./workflows HOST PORT HTTP_BASE_URL WORK_DIR OPERATIONS [DEVICE_ID TENANT USER PASSWORD]
 *
 * Handles OPERATIONS operations, then exits 0 (1 when a workflow fails). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c8y_mqtt.h"

static int fail(const char *what, c8y_result rc) {
    char detail[512];
    c8y_last_error_message(detail, sizeof detail);
    fprintf(stderr, "workflows: %s: %s (%u): %s\n", what, c8y_result_str(rc), (unsigned)rc, detail);
    return 1;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        c8y_result rc_ = (call);                                                                   \
        if (rc_ != C8Y_RESULT_OK) return fail(#call, rc_);                                         \
    } while (0)

/* Handlers run on SDK threads while c8y_device_management_handle waits. */
static int32_t write_log(void *userdata, const char *device, const char *log_type, const char *date_from,
                         const char *date_to, const char *search_text, int64_t maximum_lines,
                         const char *out_path, char *reason, size_t reason_len) {
    (void)userdata, (void)device, (void)date_from, (void)date_to, (void)search_text;
    if (strcmp(log_type, "syslog") != 0) {
        snprintf(reason, reason_len, "no log of type %s", log_type);
        return 1;
    }
    FILE *out = fopen(out_path, "w");
    if (!out) {
        snprintf(reason, reason_len, "cannot write %s", out_path);
        return 1;
    }
    fprintf(out, "boot ok (at most %lld lines)\n", (long long)maximum_lines);
    fclose(out);
    return 0;
}

static int32_t install_firmware(void *userdata, const char *device, const char *name, const char *version,
                                const char *url, const char *dependency, const char *path, char *reason,
                                size_t reason_len) {
    (void)device, (void)url, (void)dependency;
    long *installed_size = userdata;
    FILE *image = path ? fopen(path, "rb") : NULL;
    if (!image) {
        snprintf(reason, reason_len, "no image for %s %s", name, version);
        return 1;
    }
    fseek(image, 0, SEEK_END);
    *installed_size = ftell(image);
    fclose(image);
    printf("workflows: installed %s %s (%ld bytes)\n", name, version, *installed_size);
    return 0;
}

static int run(c8y_client *client, const char *dir, int operations) {
    const char *log_types[] = {"syslog"};
    long installed_size = 0;
    c8y_workflow_handlers handlers = {0};
    handlers.log_types = log_types;
    handlers.n_log_types = 1;
    handlers.log = write_log;
    handlers.firmware = install_firmware;
    handlers.userdata = &installed_size;
    c8y_device_management *management = NULL;

    CHECK(c8y_client_wait_connected(client, 30000));
    CHECK(c8y_device_management_new(client, &handlers, dir, &management));
    c8y_result rc = c8y_device_management_declare(management);
    int status = rc == C8Y_RESULT_OK ? 0 : fail("declare", rc);
    for (int waited = 0; status == 0 && operations > 0 && waited < 60; waited++) {
        c8y_event *event = NULL;
        rc = c8y_client_next_event(client, 1000, &event);
        if (rc == C8Y_RESULT_TIMEOUT) continue;
        if (rc != C8Y_RESULT_OK) {
            status = fail("c8y_client_next_event", rc);
            break;
        }
        if (c8y_event_kind(event) == C8Y_EVENT_KIND_OPERATION) {
            bool handled = false, succeeded = false;
            rc = c8y_device_management_handle(management, client, event, &handled, &succeeded);
            if (rc != C8Y_RESULT_OK) {
                status = fail("c8y_device_management_handle", rc);
            } else {
                printf("workflows: %s %s\n", c8y_event_operation_fragment(event),
                       !handled ? "not handled" : succeeded ? "SUCCESSFUL" : "FAILED");
                operations--;
            }
        }
        c8y_event_free(event);
    }
    c8y_device_management_free(management);
    if (status == 0 && operations > 0) {
        fprintf(stderr, "workflows: %d operation(s) did not arrive\n", operations);
        status = 1;
    }
    return status;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT HTTP_BASE_URL WORK_DIR OPERATIONS [DEVICE_ID TENANT USER PASSWORD]\n",
                argv[0]);
        return 2;
    }
    const char *device = argc > 6 ? argv[6] : "c-workflows-1";
    const char *tenant = argc > 7 ? argv[7] : "t100";
    const char *user = argc > 8 ? argv[8] : "device_c-workflows-1";
    const char *password = argc > 9 ? argv[9] : "secret";

    c8y_options *options = NULL;
    CHECK(c8y_options_new(argv[1], device, &options));
    c8y_result rc = c8y_options_set_transport(options, C8Y_TRANSPORT_TCP);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_port(options, (uint16_t)atoi(argv[2]));
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_password(options, tenant, user, password);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_http_base_url(options, argv[3]);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_create_device(options, "C workflows", "c8y_CExample");
    c8y_client *client = NULL;
    if (rc == C8Y_RESULT_OK) rc = c8y_client_new(options, &client);
    c8y_options_free(options);
    if (rc != C8Y_RESULT_OK) return fail("creating the client", rc);

    int status = run(client, argv[4], atoi(argv[5]));

    c8y_client_close(client);
    c8y_event *event = NULL;
    while (c8y_client_next_event(client, 0, &event) == C8Y_RESULT_OK) c8y_event_free(event);
    rc = c8y_client_free(client);
    if (rc != C8Y_RESULT_OK) return fail("c8y_client_free", rc);
    printf("workflows: %s\n", status == 0 ? "done" : "failed");
    return status;
}
