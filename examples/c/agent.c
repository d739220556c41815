/* agent.c: a complete small device agent. Restart (c8y_Restart) and shell commands
 * (c8y_Command, the output reported as the result) with the operation lifecycle calls; its own
 * log, one configuration file, firmware and software with the SDK's workflows (the library
 * runs each operation, downloads and uploads; the handlers below do the device's part and keep
 * what they "install" in memory).
 *
 *   C8Y_HOST=... C8Y_DEVICE_ID=... C8Y_TENANT=... C8Y_USER=... C8Y_PASSWORD=... ./agent [OPERATIONS]
 *
 * Optional: C8Y_PORT, C8Y_TRANSPORT (tls, the default, tcp, ws or wss), C8Y_CA_FILE,
 * C8Y_HTTP_URL and the other variables c8y_options_from_env reads.
 * Runs until SIGINT or SIGTERM, or until OPERATIONS operations were handled; exits 0 then. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c8y_mqtt.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig, stop = 1; }

static int fail(const char *what, c8y_result rc) {
    char detail[512];
    c8y_last_error_message(detail, sizeof detail);
    fprintf(stderr, "agent: %s: %s (%u): %s\n", what, c8y_result_str(rc), (unsigned)rc, detail);
    return 1;
}

/* What the agent keeps. Handlers run on SDK threads while c8y_device_management_handle waits
 * in the main thread, so the two never touch it at the same time. */
static struct {
    char log[64][160];
    int lines;
    char config[4096];
    size_t config_len;
} state = {.config = "interval=60\n", .config_len = 12};

static void note(const char *format, ...) {
    char line[160];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    printf("agent: %s\n", line);
    fflush(stdout);
    memcpy(state.log[state.lines % 64], line, sizeof line);
    state.lines++;
}

static int32_t write_log(void *userdata, const char *device, const char *log_type, const char *date_from,
                         const char *date_to, const char *search_text, int64_t maximum_lines,
                         const char *out_path, char *reason, size_t reason_len) {
    (void)userdata, (void)device, (void)log_type, (void)date_from, (void)date_to;
    FILE *out = fopen(out_path, "w");
    if (!out) return snprintf(reason, reason_len, "cannot write %s", out_path), 1;
    int first = state.lines > 64 ? state.lines - 64 : 0;
    for (int i = first, n = 0; i < state.lines && (maximum_lines < 0 || n < maximum_lines); i++) {
        if (strstr(state.log[i % 64], search_text)) fprintf(out, "%s\n", state.log[i % 64]), n++;
    }
    fclose(out);
    return 0;
}

static int32_t upload_config(void *userdata, const char *device, const char *config_type, const char *out_path,
                             char *reason, size_t reason_len) {
    (void)userdata, (void)device, (void)config_type;
    FILE *out = fopen(out_path, "wb");
    if (!out) return snprintf(reason, reason_len, "cannot write %s", out_path), 1;
    fwrite(state.config, 1, state.config_len, out);
    fclose(out);
    return 0;
}

static int32_t apply_config(void *userdata, const char *device, const char *config_type, const char *url,
                            const char *path, char *reason, size_t reason_len) {
    (void)userdata, (void)device, (void)url;
    FILE *in = fopen(path, "rb");
    if (!in) return snprintf(reason, reason_len, "cannot read %s", path), 1;
    state.config_len = fread(state.config, 1, sizeof state.config, in);
    fclose(in);
    note("configuration %s applied (%zu bytes)", config_type, state.config_len);
    return 0;
}

static int32_t install_firmware(void *userdata, const char *device, const char *name, const char *version,
                                const char *url, const char *dependency, const char *path, char *reason,
                                size_t reason_len) {
    (void)userdata, (void)device, (void)url, (void)dependency;
    FILE *image = path ? fopen(path, "rb") : NULL;
    if (!image) return snprintf(reason, reason_len, "no image for %s %s", name, version), 1;
    fseek(image, 0, SEEK_END);
    long size = ftell(image);
    fclose(image);
    /* ... a real device would flash the image here ... */
    note("firmware %s %s (%ld bytes)", name, version, size);
    return 0;
}

static int32_t change_software(void *userdata, const char *device, const char *name, const char *version,
                               const char *software_type, const char *url, const char *action, const char *path,
                               char *reason, size_t reason_len) {
    (void)userdata, (void)device, (void)software_type, (void)url, (void)path;
    if (strcmp(action, "install") != 0 && strcmp(action, "delete") != 0)
        return snprintf(reason, reason_len, "cannot %s %s", action, name), 1;
    note("software %s %s %s", action, name, version);
    return 0;
}

/* c8y_Restart and c8y_Command: EXECUTING, the work, SUCCESSFUL or FAILED. */
static c8y_result simple_operation(const c8y_event *event, bool *succeeded) {
    c8y_result rc = c8y_event_operation_executing(event, NULL);
    if (rc != C8Y_RESULT_OK) return rc;
    if (c8y_event_operation_kind(event) == C8Y_OPERATION_KIND_RESTART) {
        /* ... a real agent would reboot here and report SUCCESSFUL once it is back ... */
        *succeeded = true;
        return c8y_event_operation_succeed(event, NULL, 0, NULL);
    }
    const char *command = c8y_event_operation_command_text(event); /* NULL unless c8y_Command */
    FILE *shell = command ? popen(command, "r") : NULL;
    if (!shell) return c8y_event_operation_fail(event, "operation not supported", NULL);
    static char output[8192];
    size_t len = fread(output, 1, sizeof output - 1, shell);
    int status = pclose(shell);
    while (len > 0 && output[len - 1] == '\n') len--;
    output[len] = '\0';
    if (status != 0) return c8y_event_operation_fail(event, "the command failed", NULL);
    const char *result[] = {output};
    *succeeded = true;
    return c8y_event_operation_succeed(event, result, 1, NULL);
}

static int run(c8y_client *client, long limit) {
    const char *log_types[] = {"agent"}, *config_types[] = {"agent.conf"};
    const char *supported[] = {"c8y_Restart",  "c8y_Command",           "c8y_LogfileRequest",
                               "c8y_Firmware", "c8y_UploadConfigFile",  "c8y_DownloadConfigFile",
                               "c8y_SoftwareUpdate"};
    c8y_workflow_handlers handlers = {
        .log_types = log_types, .n_log_types = 1, .log = write_log,
        .config_types = config_types, .n_config_types = 1, .config_upload = upload_config,
        .config_apply = apply_config, .firmware = install_firmware, .software = change_software,
    };
    c8y_device_management *management = NULL;
    c8y_result rc = c8y_client_wait_connected(client, 30000);
    if (rc != C8Y_RESULT_OK) return fail("c8y_client_wait_connected", rc);
    rc = c8y_device_management_new(client, &handlers, NULL, &management);
    if (rc != C8Y_RESULT_OK) return fail("c8y_device_management_new", rc);
    rc = c8y_client_set_supported_operations(client, NULL, supported, sizeof supported / sizeof *supported, NULL);
    if (rc == C8Y_RESULT_OK) rc = c8y_device_management_declare(management);
    int status = rc == C8Y_RESULT_OK ? 0 : fail("announcing the operations", rc);
    if (status == 0) note("started");

    for (long handled = 0; status == 0 && !stop && (limit <= 0 || handled < limit);) {
        c8y_event *event = NULL;
        rc = c8y_client_next_event(client, 500, &event);
        if (rc == C8Y_RESULT_TIMEOUT) continue;
        if (rc != C8Y_RESULT_OK) {
            status = fail("c8y_client_next_event", rc);
            break;
        }
        if (c8y_event_kind(event) == C8Y_EVENT_KIND_OPERATION) {
            const char *fragment = c8y_event_operation_fragment(event);
            note("operation %s (%s)", fragment, c8y_event_device_id(event));
            bool handled_by_workflow = false, succeeded = false;
            rc = c8y_device_management_handle(management, client, event, &handled_by_workflow, &succeeded);
            if (rc == C8Y_RESULT_OK && !handled_by_workflow) rc = simple_operation(event, &succeeded);
            if (rc != C8Y_RESULT_OK) status = fail(fragment, rc);
            note("%s %s", fragment, succeeded ? "SUCCESSFUL" : "FAILED");
            handled++;
        }
        c8y_event_free(event);
    }
    c8y_device_management_free(management);
    if (status == 0) {
        rc = c8y_client_flush(client, 30000);
        if (rc != C8Y_RESULT_OK) status = fail("c8y_client_flush", rc);
    }
    return status;
}

/* The client options from the C8Y_* variables (the library reads them, like the Rust and
 * Python faces), and how this agent shows itself in the inventory. */
static c8y_result options_from_env(c8y_options **options) {
    c8y_result rc = c8y_options_from_env(options);
    if (rc != C8Y_RESULT_OK) return rc;
    return c8y_options_set_create_device(*options, "C agent", "c8y_Agent");
}

int main(int argc, char **argv) {
    long limit = argc > 1 ? atol(argv[1]) : 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    c8y_options *options = NULL;
    c8y_result rc = options_from_env(&options);
    c8y_client *client = NULL;
    if (rc == C8Y_RESULT_OK) rc = c8y_client_new(options, &client);
    c8y_options_free(options);
    if (rc != C8Y_RESULT_OK) return fail("creating the client", rc);

    int status = run(client, limit);

    c8y_client_close(client);
    c8y_event *event = NULL;
    while (c8y_client_next_event(client, 0, &event) == C8Y_RESULT_OK) c8y_event_free(event);
    rc = c8y_client_free(client);
    if (rc != C8Y_RESULT_OK) return fail("c8y_client_free", rc);
    printf("agent: %s\n", status == 0 ? "stopped" : "failed");
    return status;
}
