/* cmd_bench_layers: which layers `embedsyn bench` runs. Finds the built-in suites
 * (--suite-dir, $EMBEDSYN_SUITE_DIR, next to the executable, the install prefix's
 * share/embedsyn/suites, or the source tree), loads the suites, numbers their layers in
 * order and applies --filter / --limit; --list prints the selection.
 * Invariant: layer numbering depends only on the suites and --filter/--limit. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cmd_bench.h"
#include "bench/json.h"
#include "core/spec.h"

/* Directory of the running executable, or "" (Linux /proc; other systems fall back). */
static void exe_dir(char *buf, size_t len) {
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
}

static bool has_builtin_suites(const char *dir) {
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/deepbench_server_conv.xml", dir) >= (int)sizeof p)
        return false;
    return access(p, R_OK) == 0;
}

/* The built-in suite directory: --suite-dir, $EMBEDSYN_SUITE_DIR, next to the
 * executable (installed or in-tree build), then the source tree this file was
 * compiled from (__FILE__ is absolute in CMake builds). */
static bool find_suite_dir(const char *override, char *out, size_t len, status *st) {
    if (override) {
        if (!has_builtin_suites(override))
            return status_fail(st, "--suite-dir %s: no deepbench_server_conv.xml there", override);
        snprintf(out, len, "%s", override);
        return true;
    }
    const char *env = getenv("EMBEDSYN_SUITE_DIR");
    if (env && *env && has_builtin_suites(env)) {
        snprintf(out, len, "%s", env);
        return true;
    }
    char exe[PATH_MAX];
    exe_dir(exe, sizeof exe);
    if (exe[0]) {
        static const char *const rel[] = {"bench/suites", "../bench/suites", "../share/embedsyn/suites"};
        for (int k = 0; k < 3; k++) {
            char p[PATH_MAX];
            if (snprintf(p, sizeof p, "%s/%s", exe, rel[k]) >= (int)sizeof p)
                continue;
            if (has_builtin_suites(p)) {
                snprintf(out, len, "%s", p);
                return true;
            }
        }
    }
    char src[PATH_MAX];
    snprintf(src, sizeof src, "%s", __FILE__);
    char *slash = strrchr(src, '/');
    if (slash) {
        snprintf(slash, sizeof src - (size_t)(slash - src), "/suites");
        if (has_builtin_suites(src)) {
            snprintf(out, len, "%s", src);
            return true;
        }
    }
    return status_fail(st, "cannot find the built-in suites (bench/suites/deepbench_*.xml); "
                           "give suite files or --suite-dir DIR");
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* deepbench_*.xml of dir, sorted; paths malloc'ed. */
static int builtin_suites(const char *dir, char ***paths) {
    DIR *d = opendir(dir);
    int n = 0;
    *paths = NULL;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "deepbench_", 10) || l < 5 || strcmp(e->d_name + l - 4, ".xml"))
            continue;
        *paths = realloc(*paths, (size_t)(n + 1) * sizeof **paths);
        ES_ASSERT(*paths != NULL);
        size_t pl = strlen(dir) + l + 2;
        (*paths)[n] = malloc(pl);
        ES_ASSERT((*paths)[n] != NULL);
        snprintf((*paths)[n], pl, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(*paths, (size_t)n, sizeof **paths, cmp_str);
    return n;
}

/* Appends the operators of one loaded suite that pass --filter / --limit. */
static void select_layers(const bench_cmd *c, const char *suite, op *ops, int nops,
                          bench_layer **layers, int *nlayers) {
    for (int j = 0; j < nops; j++) {
        if (c->filter) {
            char key[BENCH_NAME_MAX + OP_NAME_MAX + 2];
            snprintf(key, sizeof key, "%s/%s", suite, ops[j].name);
            if (!strstr(key, c->filter))
                continue;
        }
        if (c->limit >= 0 && *nlayers >= c->limit)
            return;
        *layers = realloc(*layers, (size_t)(*nlayers + 1) * sizeof **layers);
        ES_ASSERT(*layers != NULL);
        bench_layer *l = &(*layers)[*nlayers];
        memset(l, 0, sizeof *l);
        snprintf(l->suite, BENCH_NAME_MAX, "%s", suite);
        l->index = *nlayers;
        l->op = ops[j];
        (*nlayers)++;
    }
}

bool bench_cmd_layers(const bench_cmd *c, report_meta *meta, bench_layer **layers, int *nlayers,
                      status *st) {
    *layers = NULL;
    *nlayers = 0;
    char **paths = c->files;
    int npaths = c->nfiles;
    char dir[PATH_MAX];
    char **builtin = NULL;
    if (c->nfiles == 0) {
        if (!find_suite_dir(c->suite_dir, dir, sizeof dir, st))
            return false;
        npaths = builtin_suites(dir, &builtin);
        paths = builtin;
        if (npaths == 0)
            return status_fail(st, "%s: no deepbench_*.xml suites", dir);
    }
    bool ok = true;
    for (int k = 0; ok && k < npaths; k++) {
        char name[BENCH_NAME_MAX];
        op *ops = NULL;
        int nops = 0;
        if (!(ok = spec_load_suite(paths[k], name, sizeof name, &ops, &nops, st)))
            break;
        if (!name[0]) {
            const char *base = strrchr(paths[k], '/');
            snprintf(name, sizeof name, "%s", base ? base + 1 : paths[k]);
        }
        for (int j = 0; j < meta->nsuites; j++)
            if (!strcmp(meta->suites[j], name))
                ok = status_fail(st, "%s: suite '%s' given twice", paths[k], name);
        if (ok && meta->nsuites == REPORT_MAX_SUITES)
            ok = status_fail(st, "%s: more than %d suites", paths[k], REPORT_MAX_SUITES);
        if (ok) {
            snprintf(meta->suites[meta->nsuites++], BENCH_NAME_MAX, "%s", name);
            select_layers(c, name, ops, nops, layers, nlayers);
        }
        free(ops);
    }
    for (int k = 0; k < npaths && builtin; k++)
        free(builtin[k]);
    free(builtin);
    if (ok && *nlayers == 0 && c->filter)
        ok = status_fail(st, "--filter '%s' selects no layer (layers are named SUITE/NAME; "
                             "see --list)", c->filter);
    else if (ok && *nlayers == 0)
        ok = status_fail(st, "no layer selected (empty suites or --limit 0)");
    if (!ok) {
        free(*layers);
        *layers = NULL;
        *nlayers = 0;
    }
    return ok;
}

void bench_cmd_list(const bench_cmd *c, const bench_layer *layers, int nlayers) {
    for (int k = 0; k < nlayers; k++) {
        if (!bench_in_shard(layers[k].index, c->ro.shard_i, c->ro.shard_n))
            continue;
        bench_result r;
        bench_result_init(&r, &layers[k], &c->hw);
        if (c->fo.json) {
            printf("{\"index\": %d, \"suite\": ", (int)r.index);
            text_json_str(stdout, r.suite);
            fputs(", \"name\": ", stdout);
            text_json_str(stdout, r.name);
            fputs(", \"shape\": ", stdout);
            text_json_str(stdout, r.shape);
            printf(", \"macs\": %lld, \"lower_bound\": %lld, \"floor_cycles\": %lld, \"box_floor_cycles\": %lld}\n",
                   (long long)r.macs, (long long)r.lower_bound, (long long)r.floor_cycles,
                   (long long)r.box_floor_cycles);
        } else {
            printf("%4d  %s/%s  %s  MACs %lld  bound %lld  floor %lld (whole box %lld)\n", (int)r.index, r.suite,
                   r.name, r.shape, (long long)r.macs, (long long)r.lower_bound, (long long)r.floor_cycles,
                   (long long)r.box_floor_cycles);
        }
    }
}
