/* remote_access.c: Cloud Remote Access from C. The device declares c8y_RemoteAccessConnect,
 * lets the library run every remote-access operation (530) against an allow-list of local
 * targets, and prints each tunnel's open and close events with the bytes relayed.
 *
 *   ./remote_access HOST PORT HTTP_BASE_URL ALLOW [TUNNELS [DEVICE_ID TENANT USER PASSWORD]]
 *
 * ALLOW lists the reachable targets as "host:port" entries separated by commas ("127.0.0.1:22"
 * for the device's own SSH server); any other target is refused and the operation FAILED with
 * the reason. Plain TCP and HTTP for a local emulator (c8y-emulator --http-port ...); a real
 * tenant needs TLS and no HTTP_BASE_URL. Runs until TUNNELS tunnels (default 1) have closed, or
 * until SIGINT or SIGTERM; exits 0 then. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "c8y_mqtt.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig, stop = 1; }

static int fail(const char *what, c8y_result rc) {
    char detail[512];
    c8y_last_error_message(detail, sizeof detail);
    fprintf(stderr, "remote_access: %s: %s (%u): %s\n", what, c8y_result_str(rc), (unsigned)rc, detail);
    return 1;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        c8y_result rc_ = (call);                                                                   \
        if (rc_ != C8Y_RESULT_OK) return fail(#call, rc_);                                         \
    } while (0)

static const char *end_name(c8y_tunnel_end end) {
    switch (end) {
    case C8Y_TUNNEL_END_TARGET_CLOSED: return "target closed";
    case C8Y_TUNNEL_END_PLATFORM_CLOSED: return "platform closed";
    case C8Y_TUNNEL_END_CLOSED: return "closed by the device";
    case C8Y_TUNNEL_END_ERROR: return "error";
    default: return "open";
    }
}

/* Prints the tunnel events that are waiting; returns how many tunnels closed. */
static int drain_tunnel_events(c8y_remote_access *remote, c8y_client *client) {
    int closed = 0;
    c8y_tunnel_event tunnel;
    while (c8y_remote_access_next_event(remote, client, 0, &tunnel) == C8Y_RESULT_OK) {
        if (tunnel.kind == C8Y_TUNNEL_EVENT_KIND_OPENED) {
            printf("remote_access: tunnel %llu opened to %s:%u\n", (unsigned long long)tunnel.id, tunnel.host,
                   (unsigned)tunnel.port);
        } else {
            printf("remote_access: tunnel %llu closed (%s): %llu bytes to target, %llu from target, %llu ms\n",
                   (unsigned long long)tunnel.id, end_name(tunnel.end),
                   (unsigned long long)tunnel.bytes_to_target, (unsigned long long)tunnel.bytes_from_target,
                   (unsigned long long)tunnel.duration_ms);
            closed++;
        }
        fflush(stdout);
    }
    return closed;
}

static const char *const supported[] = {"c8y_RemoteAccessConnect"};

static int run(c8y_client *client, const char *allow, int tunnels) {
    c8y_remote_access *remote = NULL;
    /* 10 s to reach a target or open the WebSocket; at most 4 tunnels at once. */
    CHECK(c8y_remote_access_new(client, allow, 10000, 4, &remote));
    CHECK(c8y_client_wait_connected(client, 30000));
    /* Announces the capability (114): the platform then offers remote access for this device. */
    CHECK(c8y_client_set_supported_operations(client, NULL, supported, 1, NULL));
    printf("remote_access: ready, allowed targets: %s\n", allow);
    fflush(stdout);

    int closed = 0, status = 0;
    while (!stop && closed < tunnels) {
        c8y_event *event = NULL;
        c8y_result rc = c8y_client_next_event(client, 200, &event);
        if (rc == C8Y_RESULT_CLOSED) {
            status = fail("the client closed", rc);
            break;
        }
        if (rc == C8Y_RESULT_OK) {
            if (c8y_event_kind(event) == C8Y_EVENT_KIND_OPERATION) {
                bool handled = false, succeeded = false;
                /* Blocks until SUCCESSFUL or FAILED is reported; the tunnel then runs on SDK
                 * threads until either side closes. */
                rc = c8y_remote_access_handle(remote, client, event, &handled, &succeeded);
                if (rc != C8Y_RESULT_OK) {
                    status = fail("c8y_remote_access_handle", rc);
                } else if (handled && !succeeded) {
                    char reason[512];
                    c8y_last_error_message(reason, sizeof reason);
                    printf("remote_access: refused: %s\n", reason);
                } else if (!handled) {
                    printf("remote_access: not a remote access operation, left alone\n");
                }
                fflush(stdout);
            }
            c8y_event_free(event);
        }
        closed += drain_tunnel_events(remote, client);
    }
    printf("remote_access: %d tunnel(s) closed, %zu open\n", closed, c8y_remote_access_open_tunnels(remote));
    /* Ends the tunnels still open (each reports C8Y_TUNNEL_END_CLOSED). */
    c8y_remote_access_free(remote);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOST PORT HTTP_BASE_URL ALLOW [TUNNELS [DEVICE_ID TENANT USER PASSWORD]]\n",
                argv[0]);
        return 2;
    }
    int tunnels = argc > 5 ? atoi(argv[5]) : 1;
    const char *device = argc > 6 ? argv[6] : "c-remote-1";
    const char *tenant = argc > 7 ? argv[7] : "t100";
    const char *user = argc > 8 ? argv[8] : "device_c-remote-1";
    const char *password = argc > 9 ? argv[9] : "secret";
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    c8y_options *options = NULL;
    CHECK(c8y_options_new(argv[1], device, &options));
    c8y_result rc = c8y_options_set_transport(options, C8Y_TRANSPORT_TCP);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_port(options, (uint16_t)atoi(argv[2]));
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_password(options, tenant, user, password);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_http_base_url(options, argv[3]);
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_create_device(options, "C remote access", "c8y_CExample");
    /* Any other operation is failed by the library ("Unsupported operation"). */
    if (rc == C8Y_RESULT_OK) rc = c8y_options_set_fail_unsupported(options, supported, 1);
    c8y_client *client = NULL;
    if (rc == C8Y_RESULT_OK) rc = c8y_client_new(options, &client);
    c8y_options_free(options);
    if (rc != C8Y_RESULT_OK) return fail("creating the client", rc);

    int status = run(client, argv[4], tunnels);

    c8y_client_close(client);
    c8y_event *event = NULL;
    while (c8y_client_next_event(client, 0, &event) == C8Y_RESULT_OK) c8y_event_free(event);
    rc = c8y_client_free(client);
    if (rc != C8Y_RESULT_OK) return fail("c8y_client_free", rc);
    printf("remote_access: %s\n", status == 0 ? "done" : "failed");
    return status;
}
