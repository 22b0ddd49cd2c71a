/* Tests of the worker pool (bench/pool.c): every item is computed exactly once and its
 * result read back, whatever the number of workers (the results compared with the
 * function computed here); work saying stop ends the run early; a worker that dies is
 * an error that names the job, while what the other workers wrote still comes back. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/pool.h"

#define N 200

typedef struct ctx {
    int64_t got[N];  /* result read back per item (0: none) */
    int count[N];    /* times item i was read back */
    int64_t die_at;  /* a worker exits with status 3 at this item (-1: never) */
    int64_t stop_at; /* work says stop at this item (-1: never) */
    int64_t fail_at; /* work fails with a message at this item (-1: never) */
    bool talk;       /* work writes a line to stderr per item divisible by 10 */
    int64_t last_tick;
    int nticks;
} ctx;

static int64_t f(int64_t i) { return i * i * 7 + 3; }

static bool work(void *c, int64_t i, FILE *out, status *st) {
    ctx *x = c;
    if (i == x->die_at) _exit(3);
    if (i == x->stop_at) return false;
    if (i == x->fail_at) return status_fail(st, "item %lld cannot be done", (long long)i);
    if (x->talk && i % 10 == 0) fprintf(stderr, "message of item %lld\n", (long long)i);
    fprintf(out, "%lld %lld\n", (long long)i, (long long)f(i));
    return true;
}

static void read_back(void *c, FILE *in) {
    ctx *x = c;
    long long i, v;
    while (fscanf(in, "%lld %lld", &i, &v) == 2) {
        cr_assert(i >= 0 && i < N);
        x->got[i] = v;
        x->count[i]++;
    }
}

static void tick(void *c, int64_t done, int64_t n) {
    ctx *x = c;
    cr_assert_leq(done, n);
    cr_assert_geq(done, x->last_tick, "the count of finished items goes down: %lld after %lld", (long long)done,
                  (long long)x->last_tick);
    x->last_tick = done;
    x->nticks++;
}

static pool_job job(ctx *x, int jobs) {
    memset(x, 0, sizeof *x);
    x->die_at = x->stop_at = x->fail_at = -1;
    return (pool_job){.jobs = jobs, .n = N, .ctx = x, .work = work, .read = read_back, .tick = tick, .what = "test"};
}

Test(pool, every_item_once_for_any_number_of_workers) {
    int jobs[] = {1, 2, 3, 8};
    for (int k = 0; k < 4; k++) {
        ctx x;
        pool_job j = job(&x, jobs[k]);
        status st;
        status_init(&st);
        cr_assert(pool_run(&j, &st), "%d jobs: %s", jobs[k], st.msg);
        for (int64_t i = 0; i < N; i++) {
            cr_assert_eq(x.count[i], 1, "%d jobs: item %lld read back %d times", jobs[k], (long long)i, x.count[i]);
            cr_assert_eq(x.got[i], f(i));
        }
        cr_assert_gt(x.nticks, 0);
        cr_assert_eq(x.last_tick, N, "%d jobs: the last tick says %lld done", jobs[k], (long long)x.last_tick);
    }
}

Test(pool, work_saying_stop_ends_the_run) {
    ctx x;
    pool_job j = job(&x, 1);
    x.stop_at = 50;
    status st;
    status_init(&st);
    cr_assert(pool_run(&j, &st), "%s", st.msg);
    for (int64_t i = 0; i < N; i++) cr_assert_eq(x.count[i], i < 50, "item %lld", (long long)i);
}

Test(pool, a_dead_worker_is_an_error) {
    ctx x;
    pool_job j = job(&x, 2);
    x.die_at = 10;
    status st;
    status_init(&st);
    cr_assert_not(pool_run(&j, &st));
    cr_assert(strstr(st.msg, "test: worker process"), "%s", st.msg);
    /* the other worker took every item after the dead one's; results before it came back */
    int64_t back = 0;
    for (int64_t i = 0; i < N; i++) {
        cr_assert_leq(x.count[i], 1);
        if (x.count[i]) cr_assert_eq(x.got[i], f(i));
        back += x.count[i];
    }
    cr_assert_geq(back, N - 11, "%lld of %d items came back", (long long)back, N);
    cr_assert_eq(x.count[10], 0);
}

Test(pool, nothing_to_do) {
    ctx x;
    pool_job j = job(&x, 4);
    j.n = 0;
    status st;
    status_init(&st);
    cr_assert(pool_run(&j, &st), "%s", st.msg);
    for (int64_t i = 0; i < N; i++) cr_assert_eq(x.count[i], 0);
}

/* A worker's stderr reaches ours, line by line, prefixed with the job's name; lines of
 * two workers never mix within a line. */
Test(pool, worker_messages_are_forwarded) {
    char path[] = "/tmp/test_pool_err_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    cr_assert_geq(saved, 0);
    dup2(fd, 2);
    ctx x;
    pool_job j = job(&x, 2);
    x.talk = true;
    status st;
    status_init(&st);
    bool ok = pool_run(&j, &st);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cr_assert(ok, "%s", st.msg);
    FILE *f = fdopen(fd, "r");
    cr_assert_not_null(f);
    rewind(f);
    char line[256];
    int seen[N / 10] = {0}, lines = 0;
    while (fgets(line, sizeof line, f)) {
        long long i;
        cr_assert_eq(sscanf(line, "test worker: message of item %lld\n", &i), 1, "line '%s'", line);
        cr_assert(i >= 0 && i < N && i % 10 == 0, "%s", line);
        seen[i / 10]++;
        lines++;
    }
    fclose(f);
    unlink(path);
    cr_assert_eq(lines, N / 10);
    for (int k = 0; k < N / 10; k++) cr_assert_eq(seen[k], 1, "message of item %d seen %d times", 10 * k, seen[k]);
}

/* An item's error ends the run, in this process or in a worker: pool_run reports its
 * message as it is; the items before it still came back. */
Test(pool, an_item_error_is_the_result) {
    for (int jobs = 1; jobs <= 2; jobs++) {
        ctx x;
        pool_job j = job(&x, jobs);
        x.fail_at = 37;
        status st;
        status_init(&st);
        cr_assert_not(pool_run(&j, &st), "%d jobs", jobs);
        cr_assert_str_eq(st.msg, "item 37 cannot be done");
        cr_assert_eq(x.count[37], 0);
        if (jobs == 1)
            for (int64_t i = 0; i < N; i++) cr_assert_eq(x.count[i], i < 37, "item %lld", (long long)i);
    }
}
