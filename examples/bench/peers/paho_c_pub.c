/* paho_c_pub.c: the Paho C peer of `make bench` (compare.rs). Eclipse Paho's asynchronous C
 * client publishes N SmartREST measurement lines `200,c8y_Temperature,T,<value>,C` to `s/us` on
 * 127.0.0.1:PORT at QoS 0 or 1, never more than WINDOW messages without their completion
 * callback (for QoS 1 that is the PUBACK; for QoS 0 the write), then prints
 *
 *   paho-c qos<Q> n=<N> <rate> msg/s
 *
 * Build: cc -O2 paho_c_pub.c -lpaho-mqtt3a -lpthread -o paho_c_pub   (libpaho-mqtt-dev)
 * Run:   ./paho_c_pub PORT N QOS */
#define _POSIX_C_SOURCE 200809L
#include <MQTTAsync.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { WINDOW = 1000 };

/* Completion counters shared with Paho's callback thread, guarded by `lock`. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long completed;
static long failed;
static int connection; /* 0 pending, 1 connected, -1 refused */

static void bump(long *counter) {
    pthread_mutex_lock(&lock);
    (*counter)++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void sent(void *context, MQTTAsync_successData *data) {
    (void)context;
    (void)data;
    bump(&completed);
}

static void not_sent(void *context, MQTTAsync_failureData *data) {
    (void)context;
    (void)data;
    bump(&failed);
}

static void set_connection(int state) {
    pthread_mutex_lock(&lock);
    connection = state;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void connected(void *context, MQTTAsync_successData *data) {
    (void)context;
    (void)data;
    set_connection(1);
}

static void refused(void *context, MQTTAsync_failureData *data) {
    (void)context;
    (void)data;
    set_connection(-1);
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Waits until fewer than `limit` messages are outstanding (sent - done); 0 on success, -1 when
 * a publish failed or nothing completed for 60 s. */
static int wait_outstanding_below(long sent_count, long limit) {
    int rc = 0;
    pthread_mutex_lock(&lock);
    while (sent_count - (completed + failed) >= limit && rc == 0) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 60;
        if (pthread_cond_timedwait(&changed, &lock, &deadline) != 0) rc = -1;
    }
    if (failed > 0) rc = -1;
    pthread_mutex_unlock(&lock);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT N QOS\n", argv[0]);
        return 2;
    }
    long n = atol(argv[2]);
    int qos = atoi(argv[3]);
    if (n <= 0 || (qos != 0 && qos != 1)) {
        fprintf(stderr, "paho_c_pub: N must be positive and QOS 0 or 1\n");
        return 2;
    }
    char uri[80];
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%s", argv[1]);

    MQTTAsync client;
    MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
    create.maxBufferedMessages = WINDOW;
    if (MQTTAsync_createWithOptions(&client, uri, "bench-paho-c", MQTTCLIENT_PERSISTENCE_NONE, NULL, &create) !=
        MQTTASYNC_SUCCESS) {
        fprintf(stderr, "paho_c_pub: cannot create the client\n");
        return 1;
    }
    MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
    options.cleansession = 1;
    options.maxInflight = WINDOW;
    options.onSuccess = connected;
    options.onFailure = refused;
    if (MQTTAsync_connect(client, &options) != MQTTASYNC_SUCCESS) {
        fprintf(stderr, "paho_c_pub: connect not started\n");
        return 1;
    }
    pthread_mutex_lock(&lock);
    while (connection == 0) pthread_cond_wait(&changed, &lock);
    int state = connection;
    pthread_mutex_unlock(&lock);
    if (state < 0) {
        fprintf(stderr, "paho_c_pub: connection to %s refused\n", uri);
        return 1;
    }

    double start = seconds_now();
    char line[64];
    for (long i = 0; i < n; i++) {
        if (wait_outstanding_below(i, WINDOW) != 0) {
            fprintf(stderr, "paho_c_pub: publishing stalled or failed after %ld messages\n", i);
            return 1;
        }
        int len = snprintf(line, sizeof line, "200,c8y_Temperature,T,%.1f,C", 20.0 + (double)(i % 100) / 10.0);
        MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
        response.onSuccess = sent;
        response.onFailure = not_sent;
        while (MQTTAsync_send(client, "s/us", len, line, qos, 0, &response) != MQTTASYNC_SUCCESS) {
            struct timespec pause = {0, 50000};
            nanosleep(&pause, NULL);
        }
    }
    if (wait_outstanding_below(n, 1) != 0) {
        fprintf(stderr, "paho_c_pub: not every message completed\n");
        return 1;
    }
    double elapsed = seconds_now() - start;
    printf("paho-c qos%d n=%ld %.0f msg/s\n", qos, n, (double)n / elapsed);

    MQTTAsync_disconnectOptions bye = MQTTAsync_disconnectOptions_initializer;
    MQTTAsync_disconnect(client, &bye);
    MQTTAsync_destroy(&client);
    return 0;
}
