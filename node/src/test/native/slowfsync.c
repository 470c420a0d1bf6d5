/*
 * An LD_PRELOAD shim that plays a slow disk for one directory (tests only: SlowFsyncProcessTest compiles it
 * into target/ at test time; nothing built is committed).
 *
 * fsync, fdatasync and sync_file_range on a file under $SLOWFSYNC_DIR wait $SLOWFSYNC_MS ms before the real call
 * (msync cannot name its file: with $SLOWFSYNC_DIR set, a synchronous msync is logged, not delayed). Each such call appends one
 * line to $SLOWFSYNC_LOG: "<thread name>\t<function>\t<path>\t<wall clock ms when called>\n" (the thread name from
 * prctl(PR_GET_NAME), the kernel's comm of the calling thread, at most 15 bytes). Calls on other files pass through untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static int slow_match(int fd, char *path, size_t size) {
    const char *dir = getenv("SLOWFSYNC_DIR");
    if (dir == NULL || *dir == '\0') {
        return 0;
    }
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, size - 1);
    if (n < 0) {
        return 0;
    }
    path[n] = '\0';
    size_t len = strlen(dir);
    return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

static void slow_wait_and_log(const char *function, const char *path, int wait) {
    int saved = errno;
    const char *log = getenv("SLOWFSYNC_LOG");
    if (log != NULL && *log != '\0') {
        char name[17] = {0};
        prctl(PR_GET_NAME, name, 0, 0, 0);
        char line[4200];
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int len = snprintf(line, sizeof line, "%s\t%s\t%s\t%lld\n", name, function, path,
            (long long) now.tv_sec * 1000 + now.tv_nsec / 1000000);
        int out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (out >= 0) {
            if (write(out, line, len > (int) sizeof line ? (int) sizeof line : len) < 0) {
                /* a lost log line shows as a missing call */
            }
            close(out);
        }
    }
    const char *ms = getenv("SLOWFSYNC_MS");
    long millis = ms == NULL || !wait ? 0 : atol(ms);
    if (millis > 0) {
        struct timespec t = {millis / 1000, (millis % 1000) * 1000000L};
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {
            /* sleep the rest */
        }
    }
    errno = saved;
}

int fsync(int fd) {
    static int (*real)(int);
    if (real == NULL) {
        real = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");
    }
    char path[4096];
    if (slow_match(fd, path, sizeof path)) {
        slow_wait_and_log("fsync", path, 1);
    }
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (real == NULL) {
        real = (int (*)(int)) dlsym(RTLD_NEXT, "fdatasync");
    }
    char path[4096];
    if (slow_match(fd, path, sizeof path)) {
        slow_wait_and_log("fdatasync", path, 1);
    }
    return real(fd);
}

int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags) {
    static int (*real)(int, off64_t, off64_t, unsigned int);
    if (real == NULL) {
        real = (int (*)(int, off64_t, off64_t, unsigned int)) dlsym(RTLD_NEXT, "sync_file_range");
    }
    char path[4096];
    if (slow_match(fd, path, sizeof path)) {
        slow_wait_and_log("sync_file_range", path, 1);
    }
    return real(fd, offset, nbytes, flags);
}

int msync(void *addr, size_t length, int flags) {
    static int (*real)(void *, size_t, int);
    if (real == NULL) {
        real = (int (*)(void *, size_t, int)) dlsym(RTLD_NEXT, "msync");
    }
    const char *dir = getenv("SLOWFSYNC_DIR");
    if (dir != NULL && *dir != '\0' && (flags & MS_SYNC) != 0) {
        slow_wait_and_log("msync", "?", 0);
    }
    return real(addr, length, flags);
}
