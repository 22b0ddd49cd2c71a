/* cmd_bench: `embedsyn bench [SUITE.xml ...]`, the regression benchmark. Parses the
 * command line (cmd_bench_args.c), selects the layers (cmd_bench_layers.c), runs them
 * through the layer evaluator in worker processes (bench.c) and hands the results to
 * report_finish (outputs, baseline).
 * Invariant: layer numbering depends only on the suites and --filter/--limit, never
 * on --jobs or --shard, so shards of one run can be merged. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/cli.h"
#include "bench/cmd_bench.h"
#include "bench/commands.h"
#include "bench/json.h"

typedef struct json_lines {
    bool on;
} json_lines;

static void print_json_line(void *ctx, const bench_result *r, int done, int total) {
    (void)done;
    (void)total;
    const json_lines *j = ctx;
    if (!j->on)
        return;
    report_result_json(stdout, r);
    fputc('\n', stdout);
    fflush(stdout);
}

static bool stop_requested(void) { return cli_interrupted() != 0; }

static void meta_fill(const bench_cmd *c, const bench_evaluator *ev, report_meta *meta) {
    report_meta_init(meta);
    snprintf(meta->hardware, sizeof meta->hardware, "%s", c->hw.name);
    snprintf(meta->evaluator, sizeof meta->evaluator, "%s", ev->name);
    snprintf(meta->objective, sizeof meta->objective, "%s", c->objective);
    meta->check_sample = c->eo.full_check ? -1 : c->eo.check_sample;
    meta->jobs = c->ro.jobs;
    meta->shard_i = c->ro.shard_i;
    meta->shard_n = c->ro.shard_n;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(meta->started, sizeof meta->started, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* True if dir exists and holds anything besides . and .. */
static bool dir_nonempty(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *e;
    bool any = false;
    while (!any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return any;
}

#define BENCH_OUT_ROOT "bench-out"

/* The output directory: --out (refused when it is not empty, unless --force), or a new
 * directory bench-out/YYYYMMDD-HHMMSS (UTC; -2, -3, ... if taken) so that no run
 * overwrites another; *fresh names it relative to bench-out/ for the latest link. */
static bool prepare_out(const bench_cmd *c, char *out, size_t len, char *fresh, size_t flen,
                        status *st) {
    fresh[0] = '\0';
    if (c->out_dir) {
        struct stat sb;
        if (stat(c->out_dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
            return status_fail(st, "--out %s: exists and is not a directory", c->out_dir);
        if (!c->force && dir_nonempty(c->out_dir))
            return status_fail(st, "--out %s: directory is not empty (a previous run?); give "
                                   "another directory, or --force to write into it", c->out_dir);
        snprintf(out, len, "%s", c->out_dir);
        return true;
    }
    if (mkdir(BENCH_OUT_ROOT, 0777) != 0 && errno != EEXIST)
        return status_fail(st, "%s: cannot create directory: %s", BENCH_OUT_ROOT, strerror(errno));
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int k = 1; k < 1000; k++) {
        if (k == 1)
            snprintf(fresh, flen, "%s", stamp);
        else
            snprintf(fresh, flen, "%s-%d", stamp, k);
        snprintf(out, len, "%s/%s", BENCH_OUT_ROOT, fresh);
        if (mkdir(out, 0777) == 0)
            return true;
        if (errno != EEXIST)
            return status_fail(st, "%s: cannot create directory: %s", out, strerror(errno));
    }
    return status_fail(st, "%s: cannot find a free directory name", BENCH_OUT_ROOT);
}

/* bench-out/latest -> the run just written (a relative symbolic link). */
static void link_latest(const char *fresh) {
    const char *link = BENCH_OUT_ROOT "/latest";
    struct stat sb;
    if (lstat(link, &sb) == 0) {
        if (!S_ISLNK(sb.st_mode)) {
            fprintf(stderr, "embedsyn bench: %s exists and is not a link; not updated\n", link);
            return;
        }
        unlink(link);
    }
    if (symlink(fresh, link) != 0)
        fprintf(stderr, "embedsyn bench: %s: cannot create link: %s\n", link, strerror(errno));
}

/* Runs the selected layers and writes the outputs; returns the exit status. */
static int run(bench_cmd *c, const bench_evaluator *ev, report_meta *meta, bench_layer *layers,
               int nlayers) {
    status st;
    status_init(&st);
    c->ro.largest_first = !c->in_order;
    json_lines jl = {c->fo.json};
    c->ro.on_done = print_json_line;
    c->ro.on_done_ctx = &jl;
    if (!c->quiet) {
        c->ro.progress = stderr;
        c->ro.progress_tty = isatty(fileno(stderr)) != 0;
    }
    if (!c->quiet && !c->fo.json)
        fprintf(stderr, "embedsyn bench: %d layer%s from %d suite%s on %s, %d job%s%s\n", nlayers,
                nlayers == 1 ? "" : "s", meta->nsuites, meta->nsuites == 1 ? "" : "s", c->hw.name,
                c->ro.jobs, c->ro.jobs == 1 ? "" : "s", c->ro.shard_n > 1 ? ", one shard" : "");
    bool interrupted = false;
    c->ro.stop = stop_requested;
    c->ro.interrupted = &interrupted;
    double t0 = bench_now();
    bench_result *res = NULL;
    int nres = 0;
    if (!bench_run(layers, nlayers, &c->hw, ev, &c->ro, &res, &nres, &st)) {
        fprintf(stderr, "embedsyn bench: %s\n", st.msg);
        return 1;
    }
    meta->wall_s = bench_now() - t0;
    meta->interrupted = interrupted || cli_interrupted() != 0;
    if (meta->interrupted) {
        c->fo.interrupt_status = cli_interrupt_status();
        fprintf(stderr, "embedsyn bench: interrupted: %d of %d layers finished; writing them, "
                        "marked interrupted\n", nres, nlayers);
    }
    int rc = report_finish(meta, res, nres, &c->fo);
    free(res);
    return rc;
}

int cmd_bench(int argc, char **argv) {
    bench_cmd c;
    int rc = bench_cmd_parse(&c, argc, argv);
    if (rc >= 0) {
        free(c.files);
        return rc;
    }
    bench_evaluator ev = {"real", bench_eval_real, &c.eo};
    if (!strcmp(c.evaluator, "fake"))
        ev = (bench_evaluator){"fake", bench_eval_fake, NULL};
    report_meta meta;
    meta_fill(&c, &ev, &meta);
    status st;
    status_init(&st);
    bench_layer *layers = NULL;
    int nlayers = 0;
    bool ok = bench_cmd_layers(&c, &meta, &layers, &nlayers, &st);
    free(c.files);
    if (!ok)
        return cli_fail("bench", &st);
    meta.total_layers = nlayers;
    if (c.list_only) {
        bench_cmd_list(&c, layers, nlayers);
        free(layers);
        return 0;
    }
    char out[PATH_MAX], fresh[64];
    if (!prepare_out(&c, out, sizeof out, fresh, sizeof fresh, &st)) {
        free(layers);
        return cli_fail("bench", &st);
    }
    c.fo.out_dir = out;
    /* A filtered, sharded or limited run updates only its layers in a baseline. */
    c.fo.partial = c.filter || c.limit >= 0 || c.ro.shard_n > 1;
    rc = run(&c, &ev, &meta, layers, nlayers);
    if (fresh[0])
        link_latest(fresh);
    free(layers);
    return rc;
}
