/*
 * The floors under scripts/bench-sync's round trips, with no JVM, no protocol, no JSON and no log: what this machine's
 * kernel, scheduler and disk give the barest program doing the same hops. A round trip of logmesh or @logux/core
 * cannot have a lower p99 here than these (each does at least these system calls in series, plus its own work).
 *
 *   floor tcp-loop    COUNT  bytes out, 20 back over one loopback TCP connection; both ends served by ONE thread
 *                            with epoll (as SyncBench rtt --shared-loop true and @logux/core's --in-process)
 *   floor tcp-threads COUNT  the same, each end on its own thread, blocking reads (a loop per node)
 *   floor fsync-rtt   COUNT DIR  node A appends one commit's WAL frames (20 KiB) and fdatasyncs on its own thread
 *                            while node B, 150 us later (A's frame on its way), appends its commit and fdatasyncs:
 *                            the round trip ends when B's fdatasync returns (the SQLite rtt with FULL durability
 *                            waits for B's; A's overlaps it). Files overwritten in place, as a restarted WAL is.
 *
 * Each mode runs COUNT untimed round trips, then COUNT timed ones, and prints one JSON line:
 * {"floor":MODE,"count":N,"busy":B,"p50Ms":..,"p90Ms":..,"p99Ms":..,"maxMs":..}. Build: cc -O2 -pthread -o floor floor.c
 *
 * BUSY=B in the environment (default 0) first starts B threads that spin at SCHED_IDLE for the whole run: the
 * machine's cores are then busy, as a node's own work keeps them, though the round trip's threads still take a core
 * the moment they wake (the kernel preempts SCHED_IDLE at once). What changes is only what a busy machine costs below
 * the program: on a VM, the host's (session 25: with 2 spinners on the 2-core reference VM the bare TCP round trip's
 * p50 doubled and the disk part's p99 went from 0.43 to 0.90 ms, with stalls of 11 ms).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { OUT_BYTES = 150, BACK_BYTES = 20, COMMIT_BYTES = 20480, WAL_BYTES = 1000 * 4096, LAG_US = 150 };

static char payload[COMMIT_BYTES];

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void pause_us(long us) {
    struct timespec d = {0, us * 1000L};
    nanosleep(&d, NULL);
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *) a, y = *(const long *) b;
    return x < y ? -1 : x > y;
}

static int busy; /* spinner threads at SCHED_IDLE (BUSY=) */
static volatile int spin_stop;

static void report(const char *mode, long *ns, int n) {
    spin_stop = 1;
    qsort(ns, n, sizeof(long), by_value);
    printf("{\"floor\":\"%s\",\"count\":%d,\"busy\":%d,\"p50Ms\":%.4f,\"p90Ms\":%.4f,\"p99Ms\":%.4f,\"maxMs\":%.4f}\n",
           mode, n, busy, ns[n / 2] / 1e6, ns[n * 9 / 10] / 1e6, ns[n * 99 / 100] / 1e6, ns[n - 1] / 1e6);
}

static void *spin(void *unused) {
    (void) unused;
    struct sched_param none = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &none)) die("SCHED_IDLE");
    for (volatile unsigned long x = 0; !spin_stop; x++) {
    }
    return NULL;
}

static void start_spinners(void) {
    for (int i = 0; i < busy; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, spin, NULL)) die("pthread_create");
        pthread_detach(t);
    }
}

/* a connected loopback TCP pair with TCP_NODELAY on both ends, as a WebSocket's */
static void tcp_pair(int *client, int *server) {
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (ls < 0 || bind(ls, (void *) &a, sizeof a) || listen(ls, 1) || getsockname(ls, (void *) &a, &len)) die("listen");
    *client = socket(AF_INET, SOCK_STREAM, 0);
    if (*client < 0 || connect(*client, (void *) &a, sizeof a)) die("connect");
    *server = accept(ls, NULL, NULL);
    if (*server < 0) die("accept");
    close(ls);
    setsockopt(*client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(*server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void read_fully(int fd, int bytes) {
    char buf[4096];
    for (int got = 0; got < bytes;) {
        ssize_t m = read(fd, buf, (size_t) (bytes - got) < sizeof buf ? (size_t) (bytes - got) : sizeof buf);
        if (m <= 0) die("read");
        got += (int) m;
    }
}

static void tcp_loop(int n) {
    int c, s, ep = epoll_create1(0);
    tcp_pair(&c, &s);
    struct epoll_event e = {.events = EPOLLIN};
    e.data.fd = c;
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
    e.data.fd = s;
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
    long *ns = malloc(sizeof(long) * n);
    char buf[4096];
    for (int i = -n; i < n; i++) {
        long t0 = now_ns();
        if (write(c, payload, OUT_BYTES) != OUT_BYTES) die("write");
        int at_server = 0, back = 0;
        while (back < BACK_BYTES) {
            struct epoll_event ev[2];
            int k = epoll_wait(ep, ev, 2, -1);
            for (int j = 0; j < k; j++) {
                ssize_t m = read(ev[j].data.fd, buf, sizeof buf);
                if (m <= 0) die("read");
                if (ev[j].data.fd == s) {
                    at_server += (int) m;
                    if (at_server == OUT_BYTES && write(s, payload, BACK_BYTES) != BACK_BYTES) die("write");
                } else {
                    back += (int) m;
                }
            }
        }
        if (i >= 0) ns[i] = now_ns() - t0;
    }
    report("tcp-loop", ns, n);
}

static int echo_fd;

static void *echo(void *unused) {
    (void) unused;
    for (;;) {
        char buf[4096];
        int got = 0;
        while (got < OUT_BYTES) {
            ssize_t m = read(echo_fd, buf, sizeof buf);
            if (m <= 0) return NULL;
            got += (int) m;
        }
        if (write(echo_fd, payload, BACK_BYTES) != BACK_BYTES) return NULL;
    }
}

static void tcp_threads(int n) {
    int c;
    tcp_pair(&c, &echo_fd);
    pthread_t t;
    pthread_create(&t, NULL, echo, NULL);
    long *ns = malloc(sizeof(long) * n);
    for (int i = -n; i < n; i++) {
        long t0 = now_ns();
        if (write(c, payload, OUT_BYTES) != OUT_BYTES) die("write");
        read_fully(c, BACK_BYTES);
        if (i >= 0) ns[i] = now_ns() - t0;
    }
    close(c);
    pthread_join(t, NULL);
    report("tcp-threads", ns, n);
}

static sem_t a_go;
static volatile int a_stop;
static int a_fd;

static void *node_a(void *unused) {
    (void) unused;
    long off = 0;
    for (;;) {
        sem_wait(&a_go);
        if (a_stop) return NULL;
        if (pwrite(a_fd, payload, COMMIT_BYTES, off) != COMMIT_BYTES) die("pwrite");
        off = (off + COMMIT_BYTES) % WAL_BYTES;
        if (fdatasync(a_fd)) die("fdatasync");
    }
}

static int open_wal(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die(path);
    for (long off = 0; off < WAL_BYTES; off += COMMIT_BYTES) /* the file at its full size, as a restarted WAL */
        if (pwrite(fd, payload, COMMIT_BYTES, off) != COMMIT_BYTES) die("pwrite");
    if (fsync(fd)) die("fsync");
    return fd;
}

static void fsync_rtt(int n, const char *dir) {
    a_fd = open_wal(dir, "floor-a.wal");
    int b = open_wal(dir, "floor-b.wal");
    sem_init(&a_go, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, node_a, NULL);
    long *ns = malloc(sizeof(long) * n), off = 0;
    for (int i = -n; i < n; i++) {
        long t0 = now_ns();
        sem_post(&a_go);
        pause_us(LAG_US);
        if (pwrite(b, payload, COMMIT_BYTES, off) != COMMIT_BYTES) die("pwrite");
        off = (off + COMMIT_BYTES) % WAL_BYTES;
        if (fdatasync(b)) die("fdatasync");
        if (i >= 0) ns[i] = now_ns() - t0;
        pause_us(50); /* A's synced on its way back, and the next add */
    }
    a_stop = 1;
    sem_post(&a_go);
    pthread_join(t, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/floor-a.wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/floor-b.wal", dir);
    unlink(path);
    report("fsync-rtt", ns, n);
}

int main(int argc, char **argv) {
    memset(payload, 'x', sizeof payload);
    int n = argc > 2 ? atoi(argv[2]) : 0;
    const char *b = getenv("BUSY");
    busy = b && *b ? atoi(b) : 0;
    if (busy < 0 || busy > 64 || (b && *b && (b[strspn(b, "0123456789")] != 0))) {
        fprintf(stderr, "floor: BUSY must be a number of threads from 0 to 64, not '%s'\n", b);
        return 2;
    }
    start_spinners();
    if (argc > 2 && n > 0 && !strcmp(argv[1], "tcp-loop")) tcp_loop(n);
    else if (argc > 2 && n > 0 && !strcmp(argv[1], "tcp-threads")) tcp_threads(n);
    else if (argc > 3 && n > 0 && !strcmp(argv[1], "fsync-rtt")) fsync_rtt(n, argv[3]);
    else {
        fprintf(stderr, "usage: floor tcp-loop COUNT | tcp-threads COUNT | fsync-rtt COUNT DIR  (BUSY=N in the environment: N "
                        "threads spin at SCHED_IDLE meanwhile)\n");
        return 2;
    }
    return 0;
}
