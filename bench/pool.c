/* pool: independent items on forked worker processes (see pool.h). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, usleep */
#include "bench/pool.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/es.h"

#define POOL_MAX_JOBS 64
#define POOL_TICK_MS 500.0

/* Shared by the parent and the workers (MAP_SHARED): the next item, the items done,
 * and the first item's error. */
typedef struct shared {
    _Atomic int64_t next, done;
    _Atomic int failed;
    char msg[sizeof(((status *)0)->msg)];
} shared;

/* Takes items off the shared counter until none is left, work says stop, or an item
 * failed (in any worker); the first failure's message goes to sh. */
static void take_items(const pool_job *j, shared *sh, FILE *out, bool in_parent) {
    for (;;) {
        int64_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= j->n || es_stop_requested() || atomic_load(&sh->failed)) break;
        status st;
        status_init(&st);
        if (!j->work(j->ctx, i, out, &st)) {
            if (st.failed && !atomic_exchange(&sh->failed, 1)) snprintf(sh->msg, sizeof sh->msg, "%s", st.msg);
            break;
        }
        int64_t d = atomic_fetch_add(&sh->done, 1) + 1;
        if (in_parent && j->tick) j->tick(j->ctx, d, j->n);
    }
    fflush(out);
}

/* A worker's stderr file, shown on ours as it grows: complete lines, each prefixed
 * with the job's name (the worker writes at the file's shared offset; the parent
 * reads with pread, so it never moves it). */
typedef struct err_tail {
    FILE *f;
    off_t shown; /* bytes already shown */
} err_tail;

static void forward(const pool_job *j, err_tail *t, bool all) {
    char buf[4096];
    for (;;) {
        ssize_t n = pread(fileno(t->f), buf, sizeof buf - 1, t->shown);
        if (n <= 0) break;
        buf[n] = 0;
        char *end = strrchr(buf, '\n');
        size_t take = end ? (size_t)(end - buf) + 1 : all || n == (ssize_t)sizeof buf - 1 ? (size_t)n : 0;
        if (!take) break;
        for (char *line = buf, *nl; line < buf + take; line = nl) {
            nl = memchr(line, '\n', (size_t)(buf + take - line));
            nl = nl ? nl + 1 : buf + take;
            fprintf(stderr, "%s worker: %.*s%s", j->what, (int)(nl - line), line, nl[-1] == '\n' ? "" : "\n");
        }
        t->shown += (off_t)take;
    }
    fflush(stderr);
}

/* Waits for the started workers (their messages shown as they come, a tick about
 * every half second; a stop request is passed on once). ok_out[w]: worker w exited
 * with status 0. */
static void wait_all(const pool_job *j, shared *sh, const pid_t *pid, err_tail *err, int n, bool *ok_out) {
    bool live[POOL_MAX_JOBS], passed = false;
    int left = n;
    for (int w = 0; w < n; w++) live[w] = true;
    double last = es_now_ms();
    int64_t shown = -1;
    while (left > 0) {
        for (int w = 0; w < n; w++) {
            if (!live[w]) continue;
            int ws = 0;
            pid_t r = waitpid(pid[w], &ws, WNOHANG);
            if (r == 0 || (r < 0 && errno == EINTR)) continue;
            live[w] = false;
            left--;
            ok_out[w] = r == pid[w] && WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
        }
        if (es_stop_requested() && !passed) {
            for (int w = 0; w < n; w++)
                if (live[w]) kill(pid[w], SIGTERM);
            passed = true;
        }
        for (int w = 0; w < n; w++) forward(j, &err[w], !live[w]);
        int64_t d = atomic_load(&sh->done);
        if (j->tick && (d != shown || es_now_ms() - last >= POOL_TICK_MS)) {
            j->tick(j->ctx, d, j->n);
            shown = d;
            last = es_now_ms();
        }
        if (left > 0) usleep(20000);
    }
}

static bool run_forked(const pool_job *j, int jobs, shared *sh, status *st) {
    FILE *out[POOL_MAX_JOBS];
    err_tail err[POOL_MAX_JOBS];
    pid_t pid[POOL_MAX_JOBS];
    bool ok_w[POOL_MAX_JOBS];
    int started = 0;
    bool ok = true;
    for (int w = 0; w < jobs && ok; w++) {
        out[w] = tmpfile();
        err[w] = (err_tail){tmpfile(), 0};
        if (!out[w] || !err[w].f) {
            ok = status_fail(st, "%s: tmpfile: %s", j->what, strerror(errno));
        } else {
            fflush(NULL); /* buffered output must not be duplicated into the child */
            pid[w] = fork();
            if (pid[w] < 0) {
                ok = status_fail(st, "%s: fork: %s", j->what, strerror(errno));
            } else if (pid[w] == 0) {
                dup2(fileno(err[w].f), 2);
                take_items(j, sh, out[w], false);
                fflush(NULL);
                _exit(0);
            } else {
                started++;
                continue;
            }
        }
        if (out[w]) fclose(out[w]);
        if (err[w].f) fclose(err[w].f);
    }
    if (!ok)
        for (int w = 0; w < started; w++) kill(pid[w], SIGTERM);
    wait_all(j, sh, pid, err, started, ok_w);
    for (int w = 0; w < started; w++) {
        fclose(err[w].f);
        rewind(out[w]);
        j->read(j->ctx, out[w]);
        fclose(out[w]);
        if (!ok_w[w]) ok = ok && status_fail(st, "%s: worker process %d failed (see its messages above)", j->what, w + 1);
    }
    return ok;
}

bool pool_run(const pool_job *j, status *st) {
    shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ES_ASSERT(sh != MAP_FAILED);
    atomic_init(&sh->next, 0);
    atomic_init(&sh->done, 0);
    atomic_init(&sh->failed, 0);
    int jobs = j->jobs;
    if (jobs > POOL_MAX_JOBS) jobs = POOL_MAX_JOBS;
    if (jobs > j->n) jobs = (int)j->n;
    bool ok = true;
    if (j->n <= 0) {
        /* nothing to do */
    } else if (jobs <= 1) {
        FILE *out = tmpfile();
        if (!out) {
            ok = status_fail(st, "%s: tmpfile: %s", j->what, strerror(errno));
        } else {
            take_items(j, sh, out, true);
            rewind(out);
            j->read(j->ctx, out);
            fclose(out);
        }
    } else {
        ok = run_forked(j, jobs, sh, st);
    }
    if (ok && es_stop_requested()) ok = status_fail(st, "%s: stopped by a signal", j->what);
    if (ok && atomic_load(&sh->failed)) ok = status_fail(st, "%s", sh->msg);
    munmap(sh, sizeof *sh);
    return ok;
}
