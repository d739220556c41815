/* files.c: file transfer over the platform's REST API. Downloads a binary (resumed and checked
 * by the library), uploads it back as the binary of a new event and as an inventory binary, and
 * prints the URLs to report.
 *
 *   ./files HOST PORT HTTP_BASE_URL BINARY_URL SHA256 WORK_DIR [DEVICE_ID TENANT USER PASSWORD]
 *
 * Plain TCP and HTTP for a local emulator (c8y-emulator --http-port ...); a real tenant needs
 * TLS and no HTTP_BASE_URL (it is derived from the MQTT host). Exits 0 when every step worked. */
#include <stdio.h>
#include <stdlib.h>

#include "c8y_mqtt.h"

static int fail(const char *what, c8y_result rc) {
    char detail[512];
    c8y_last_error_message(detail, sizeof detail);
    fprintf(stderr, "files: %s: %s (%u): %s\n", what, c8y_result_str(rc), (unsigned)rc, detail);
    return 1;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        c8y_result rc_ = (call);                                                                   \
        if (rc_ != C8Y_RESULT_OK) return fail(#call, rc_);                                         \
    } while (0)

/* Called on an SDK thread while the download runs: must not call into the client. */
static void progress(void *userdata, uint64_t bytes, uint64_t total) {
    uint64_t *last = userdata;
    *last = bytes;
    (void)total;
}

static int run(c8y_client *client, const char *url, const char *sha256, const char *dir) {
    char path[1024];
    char link[1024];
    size_t link_len = 0;
    uint64_t bytes = 0, last_progress = 0;

    CHECK(c8y_client_wait_connected(client, 30000));
    snprintf(path, sizeof path, "%s/firmware.bin", dir);
    CHECK(c8y_client_download(client, url, path, 0, sha256, progress, &last_progress, &bytes));
    printf("files: downloaded %llu bytes (progress saw %llu)\n", (unsigned long long)bytes,
           (unsigned long long)last_progress);

    /* A wrong checksum fails and leaves no file behind. */
    c8y_result rc = c8y_client_download(client, url, path, 0, "00", NULL, NULL, NULL);
    if (rc != C8Y_RESULT_HTTP) return fail("download with a wrong checksum", rc);

    CHECK(c8y_client_upload_event_binary(client, NULL, "c8y_Logfile", "firmware log", path, "firmware.log",
                                         "application/octet-stream", link, sizeof link, &link_len));
    printf("files: event binary %s\n", link);
    CHECK(c8y_client_upload_inventory_binary(client, path, "firmware.bin", "application/octet-stream", link,
                                             sizeof link, &link_len));
    printf("files: inventory binary %s\n", link);

    /* A password device has no access token. */
    rc = c8y_client_access_token(client, link, sizeof link, &link_len);
    if (rc != C8Y_RESULT_INVALID_ARGUMENT) return fail("access token of a password device", rc);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: %s HOST PORT HTTP_BASE_URL BINARY_URL SHA256 WORK_DIR [DEVICE_ID TENANT USER PASSWORD]\n",
                argv[0]);
        return 2;
    }
    const char *device = argc > 7 ? argv[7] : "c-files-1";
    const char *tenant = argc > 8 ? argv[8] : "t100";
    const char *user = argc > 9 ? argv[9] : "device_c-files-1";
    const char *password = argc > 10 ? argv[10] : "secret";

    c8y_options *options = NULL;
    CHECK(c8y_options_new(argv[1], device, &options));
    c8y_result rc = c8y_options_set_transport(options, C8Y_TRANSPORT_TCP);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_port(options, (uint16_t)atoi(argv[2]));
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_password(options, tenant, user, password);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_http_base_url(options, argv[3]);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_create_device(options, "C files", "c8y_CExample");
    c8y_client *client = NULL;
    if (rc == C8Y_RESULT_OK) rc = c8y_client_new(options, &client);
    c8y_options_free(options);
    if (rc != C8Y_RESULT_OK) return fail("creating the client", rc);

    int status = run(client, argv[4], argv[5], argv[6]);

    c8y_client_close(client);
    c8y_event *event = NULL;
    while (c8y_client_next_event(client, 0, &event) == C8Y_RESULT_OK) c8y_event_free(event);
    rc = c8y_client_free(client);
    if (rc != C8Y_RESULT_OK) return fail("c8y_client_free", rc);
    printf("files: %s\n", status == 0 ? "done" : "failed");
    return status;
}
