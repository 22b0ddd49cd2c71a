/* Tests of the design-space exploration: vta/spec_space (space files, --sweep, design
 * numbering, bad files with FILE:LINE), bench/dse (feasibility reasons vs hw_check and
 * vta_isa_check, cached evaluation == uncached evaluation, Pareto flags vs a
 * brute-force dominance check written here, channel-packing strategy), and the CLI
 * (4 shards under GNU parallel + dse-merge == the unsharded run). Expectations are
 * computed independently of the code under test. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/dse.h"
#include "bench/dse_int.h"
#include "core/spec.h"
#include "vta/spec_space.h"
#include "tests/test_util.h"
#include "vta/cost.h"
#include "vta/cost_dse.h"
#include "vta/isa.h"

#define SRC EMBEDSYN_SOURCE_DIR
#define CLI EMBEDSYN_CLI

/* ---- spaces ---- */

/* Creates an empty file from the mkstemp template path (rewritten in place). */
static void empty_file(char *path) {
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
}

Test(space, file_values_and_numbering) {
    hw_space s;
    status st;
    status_init(&st);
    cr_assert(spec_load_space(SRC "/tests/dse/space.xml", &s, &st), "%s", st.msg);
    cr_expect_str_eq(s.name, "test");
    cr_expect_eq(hw_space_count(&s), 3 * 2 * 2 * 2);
    cr_expect_eq(s.base.dram_latency, 32);
    /* enumerate by hand: fields in hw.h order (inp, acc buffers, bus, then log_block), last fastest */
    int64_t idx = 0;
    int blocks[] = {3, 4, 5}, inp[] = {11, 15}, acc[] = {9, 17}, bus[] = {6, 8};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++)
                for (int d = 0; d < 3; d++, idx++) {
                    hw_config h;
                    hw_space_design(&s, idx, &h);
                    cr_expect(h.log_inp_buff_size == inp[a] && h.log_acc_buff_size == acc[b] &&
                                  h.log_bus_width == bus[c] && h.log_block_in == blocks[d] &&
                                  h.log_block_out == blocks[d],
                              "design %lld", (long long)idx);
                    cr_expect_eq(hw_space_find(&s, &h), idx);
                }
    hw_config other = hw_default();
    other.log_block_in = 6;
    cr_expect_eq(hw_space_find(&s, &other), -1);
}

Test(space, sweep_equals_file) {
    hw_space f, w;
    status st;
    status_init(&st);
    cr_assert(spec_load_space(SRC "/tests/dse/space.xml", &f, &st), "%s", st.msg);
    hw_space_init(&w);
    cr_assert(spec_parse_sweep("bus_bits=64,256, log_block=3..5,log_inp_buff_size=11,15,log_acc_buff_size=17,9,"
                               "dram_latency=32",
                               "--sweep", &w, &st),
              "%s", st.msg);
    cr_assert_eq(hw_space_count(&w), hw_space_count(&f));
    for (int64_t i = 0; i < hw_space_count(&f); i++) {
        hw_config a, b;
        hw_space_design(&f, i, &a);
        hw_space_design(&w, i, &b);
        cr_expect(!memcmp(&a, &b, sizeof a), "design %lld differs", (long long)i);
    }
}

Test(space, sweep_errors) {
    static const tl_text_case cases[] = {
        {"log_block=3..5,nope=1", "--sweep: unknown field 'nope'"},
        {"3..5", "--sweep: expected FIELD=VALUES, got '3..5'"},
        {"log_block=5..3", "--sweep: log_block: empty range 5..3"},
        {"log_block=x", "--sweep: log_block: 'x' is not an integer"},
        {"bus_bits=64,100", "--sweep: bus_bits: 100 is not a power of two"},
        {"log_block=3,4,3", "--sweep: log_block: value 3 listed twice"},
        {"log_block_in=3,4,log_block=4,5", "--sweep: log_block conflicts with log_block_in"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hw_space s;
        hw_space_init(&s);
        status st;
        status_init(&st);
        cr_expect_not(spec_parse_sweep(cases[i].text, "--sweep", &s, &st), "%s accepted", cases[i].text);
        cr_expect(!strncmp(st.msg, cases[i].want, strlen(cases[i].want)), "%s: got '%s', want '%s'", cases[i].text,
                  st.msg, cases[i].want);
    }
    /* a single value sets the base, no axis */
    hw_space s;
    hw_space_init(&s);
    status st;
    status_init(&st);
    cr_assert(spec_parse_sweep("log_batch=1", "--sweep", &s, &st));
    cr_expect(s.naxes == 0 && s.base.log_batch == 1 && hw_space_count(&s) == 1);
}

/* Every tests/bad_space file fails with "FILE:LINE: message" as its leading comment says. */
Test(space, bad_files_report_file_and_line) {
    DIR *dir = opendir(SRC "/tests/bad_space");
    cr_assert(dir);
    int files = 0;
    for (struct dirent *de; (de = readdir(dir));) {
        size_t bl = strlen(de->d_name);
        if (bl < 5 || strcmp(de->d_name + bl - 4, ".xml")) continue;
        char path[1024], first[512], msg[512];
        snprintf(path, sizeof path, "%s/tests/bad_space/%s", SRC, de->d_name);
        FILE *f = fopen(path, "r");
        cr_assert(f && fgets(first, sizeof first, f));
        fclose(f);
        long line;
        cr_assert_eq(sscanf(first, "<!-- expect: %ld: %511[^\n]", &line, msg), 2, "%s: no expect comment", path);
        char *end = strstr(msg, " -->");
        if (end) *end = 0;
        hw_space s;
        status st;
        status_init(&st);
        cr_expect_not(spec_load_space(path, &s, &st), "%s loaded", path);
        char prefix[1100];
        snprintf(prefix, sizeof prefix, "%s:%ld: ", path, line);
        cr_expect(!strncmp(st.msg, prefix, strlen(prefix)), "got '%s', want prefix '%s'", st.msg, prefix);
        cr_expect(strstr(st.msg, msg) != NULL, "got '%s', want '%s'", st.msg, msg);
        files++;
    }
    closedir(dir);
    cr_expect_geq(files, 7);
}

/* ---- evaluation ---- */

static op *tiny(int *n) {
    static char name[64];
    op *ops;
    status st;
    status_init(&st);
    cr_assert(spec_load_suite(SRC "/tests/dse/tiny.xml", name, sizeof name, &ops, n, &st), "%s", st.msg);
    return ops;
}

/* The tiny suite and a space from a --sweep text. */
static op *tiny_swept(const char *sweep, int *nl, hw_space *s) {
    op *ops = tiny(nl);
    hw_space_init(s);
    status st;
    status_init(&st);
    cr_assert(spec_parse_sweep(sweep, "--sweep", s, &st), "%s", st.msg);
    return ops;
}

/* Reasons: config iff hw_check fails, isa iff hw_check passes and vta_isa_check fails;
 * every other design either feasible with positive totals or no_tile naming a layer. */
Test(dse, feasibility_reasons_match_the_checks) {
    int nl;
    hw_space s;
    op *ops = tiny_swept("log_block=3..5,log_uop_buff_size=2,15,log_acc_buff_size=6,17", &nl, &s);
    status st;
    status_init(&st);
    dse_opts o;
    dse_opts_init(&o);
    dse_ctx *c = dse_create(ops, nl, &s, &o, &st);
    cr_assert(c);
    int seen[5] = {0};
    for (int64_t i = 0; i < hw_space_count(&s); i++) {
        hw_config h;
        hw_space_design(&s, i, &h);
        dse_design d;
        cr_assert(dse_eval(c, &h, i, &d, &st), "%s", st.msg);
        status t;
        status_init(&t);
        bool cfg = hw_check(&h, &t);
        status_init(&t);
        bool isa = cfg && vta_isa_check(&h, &t);
        seen[d.reason]++;
        if (!cfg) {
            cr_expect_eq(d.reason, DSE_BAD_CONFIG, "design %lld", (long long)i);
        } else if (!isa) {
            cr_expect_eq(d.reason, DSE_ISA, "design %lld", (long long)i);
            cr_expect_str_eq(d.why, t.msg);
        } else if (d.reason == DSE_FEASIBLE) {
            cr_expect(d.cycles > 0 && d.energy_uj > 0 && d.layers == nl && d.util > 0 && d.util <= 1);
        } else {
            cr_expect_eq(d.reason, DSE_NO_TILE, "design %lld: %s", (long long)i, d.why);
            cr_expect(strstr(d.why, "layer ") == d.why, "%s", d.why);
        }
        if (d.reason != DSE_BAD_CONFIG) cr_expect(d.area > 0);
    }
    cr_expect(seen[DSE_FEASIBLE] > 0 && seen[DSE_ISA] > 0 && seen[DSE_BAD_CONFIG] > 0 && seen[DSE_NO_TILE] > 0,
              "reasons seen: feasible %d config %d isa %d no_tile %d", seen[0], seen[1], seen[2], seen[3]);
    dse_destroy(c);
    free(ops);
}

/* Cached evaluation (schedule library derived once at the largest buffers, fit by
 * footprint) equals deriving every library schedule on each design (no_cache), and a
 * fresh context per design (nothing cached at all) agrees on a sample. */
Test(dse, cache_hit_equals_uncached, .timeout = 600) {
    int nl;
    op *ops = tiny(&nl);
    hw_space s;
    status st;
    status_init(&st);
    cr_assert(spec_load_space(SRC "/tests/dse/space.xml", &s, &st), "%s", st.msg);
    cr_assert(spec_parse_sweep("log_wgt_buff_size=13,18,log_uop_buff_size=9,15,dram_latency=16,32", "--sweep", &s, &st));
    char cache[] = "/tmp/test_dse_cache_XXXXXX";
    empty_file(cache);
    for (int obj = 0; obj < 3; obj++) {
        dse_opts o;
        dse_opts_init(&o);
        o.objective = (dse_objective)obj;
        o.cache_path = cache; /* filled by the first prepare, read by the others */
        dse_ctx *a = dse_create(ops, nl, &s, &o, &st);
        cr_assert(a && dse_prepare(a, &st), "%s", st.msg);
        dse_opts on = o;
        on.no_cache = true;
        dse_ctx *b = dse_create(ops, nl, &s, &on, &st);
        cr_assert(a && b);
        /* every design for the first objective (every third under the sanitizer:
         * tests/test_util.h), every fifth for the others */
        for (int64_t i = 0; i < hw_space_count(&s); i += obj == 0 ? (TL_SANITIZED ? 3 : 1) : 5) {
            hw_config h;
            hw_space_design(&s, i, &h);
            dse_design x, y;
            cr_assert(dse_eval(a, &h, i, &x, &st) && dse_eval(b, &h, i, &y, &st), "%s", st.msg);
            cr_expect_eq(x.reason, y.reason, "design %lld", (long long)i);
            cr_expect(x.cycles == y.cycles && x.energy_uj == y.energy_uj && x.util == y.util,
                      "design %lld obj %d: cached %.17g/%.17g, uncached %.17g/%.17g", (long long)i, obj, x.cycles,
                      x.energy_uj, y.cycles, y.energy_uj);
            if (obj == 0 && i % 53 == 5) { /* nothing cached: a new context for this design */
                dse_opts fresh = on;
                fresh.cache_path = NULL;
                dse_ctx *f = dse_create(ops, nl, &s, &fresh, &st);
                dse_design z;
                cr_assert(dse_eval(f, &h, i, &z, &st), "%s", st.msg);
                cr_expect(z.reason == x.reason && z.cycles == x.cycles && z.energy_uj == x.energy_uj,
                          "design %lld: fresh %.17g, cached %.17g", (long long)i, z.cycles, x.cycles);
                dse_destroy(f);
            }
        }
        int64_t hits, misses, slow;
        double ms;
        dse_stats(a, &hits, &misses, &slow, &ms);
        cr_expect_gt(hits, 0);
        cr_expect_leq(misses, 3 * nl); /* one entry per (layer, intrinsic shape) */
        dse_destroy(a);
        dse_destroy(b);
    }
    unlink(cache);
    free(ops);
}

/* Brute-force dominance over random points, with ties and infeasible designs. */
/* Fills the entries of layers [0, nl) at design h in both contexts and compares their
 * candidates (embedding, library inputs and order); returns the library schedules compared. */
static int compare_libraries(dse_ctx *a, dse_ctx *b, int nl, const hw_config *h, int tag) {
    status st;
    status_init(&st);
    int compared = 0;
    for (int l = 0; l < nl; l++) {
        dse_entry *x = dse_entry_get(a, l, h), *y = dse_entry_get(b, l, h);
        cr_assert(dse_entry_fill(a, x, &st) && dse_entry_fill(b, y, &st), "%s", st.msg);
        for (int k = 0; k < 2; k++) {
            cr_expect_eq(x->c[k].ok, y->c[k].ok);
            cr_expect(!memcmp(&x->c[k].e, &y->c[k].e, sizeof x->c[k].e), "%d: layer %d cand %d", tag, l, k);
            cr_expect_eq(x->c[k].nlib, y->c[k].nlib, "%d: layer %d cand %d", tag, l, k);
            if (x->c[k].nlib != y->c[k].nlib) continue;
            for (int i = 0; i < x->c[k].nlib; i++, compared++)
                cr_expect(!memcmp(&x->c[k].lib[i], &y->c[k].lib[i], sizeof x->c[k].lib[i]), "%d: layer %d cand %d lib %d",
                          tag, l, k, i);
        }
    }
    return compared;
}

/* The library searches' cost memo (shared over the buffer probes) changes nothing: every
 * candidate's library (inputs and order) equals the one of searches costing every
 * schedule afresh, and the memo answers part of the calls. */
Test(dse, memo_library_equals_unmemoized) {
    int nl;
    hw_space s;
    op *ops = tiny_swept("log_block=4,log_inp_buff_size=12,16,log_acc_buff_size=13,18", &nl, &s);
    status st;
    status_init(&st);
    dse_opts o;
    dse_opts_init(&o);
    dse_opts on = o;
    on.no_memo = true;
    nl = 2; /* the GEMM and the 3x3 conv (with padding) */
    dse_ctx *a = dse_create(ops, nl, &s, &o, &st), *b = dse_create(ops, nl, &s, &on, &st);
    cr_assert(a && b, "%s", st.msg);
    cr_assert_eq(a->nprobe, 3);
    hw_config h;
    hw_space_design(&s, 0, &h);
    cr_expect_gt(compare_libraries(a, b, nl, &h, 0), nl);
    cr_expect_gt(a->memo_hits, 0);
    cr_expect_lt(a->memo_hits, a->memo_calls);
    cr_expect_eq(b->memo_calls, 0);
    dse_destroy(a);
    dse_destroy(b);
    free(ops);
}

/* Libraries taken from the other strategy's cache entry equal searched ones: the
 * reference strategy's only candidate (channel packing) from a solve run's cache, and
 * the solve strategy's packing candidate from a reference run's cache. */
static dse_ctx *filled(const op *ops, int nl, const hw_space *s, dse_strategy strat, const char *cache, bool borrow) {
    dse_opts o;
    dse_opts_init(&o);
    o.strategy = strat;
    o.cache_path = cache;
    o.no_borrow = !borrow;
    o.sched_evals = 500;
    status st;
    status_init(&st);
    dse_ctx *c = dse_create(ops, nl, s, &o, &st);
    cr_assert(c && dse_prepare(c, &st), "%s", st.msg);
    return c;
}

Test(dse, borrowed_library_equals_searched) {
    int nl;
    hw_space s;
    op *ops = tiny_swept("log_block=4,log_inp_buff_size=12,16,log_acc_buff_size=13,18", &nl, &s);
    nl = 2; /* the GEMM and the 3x3 conv (with padding) */
    hw_config h;
    hw_space_design(&s, 0, &h);
    for (int dir = 0; dir < 2; dir++) {
        dse_strategy from = dir ? DSE_STRAT_REFERENCE : DSE_STRAT_SOLVE;
        dse_strategy to = dir ? DSE_STRAT_SOLVE : DSE_STRAT_REFERENCE;
        char cache[] = "/tmp/test_dse_borrow_XXXXXX";
        empty_file(cache);
        dse_destroy(filled(ops, nl, &s, from, cache, false));
        dse_ctx *b = filled(ops, nl, &s, to, cache, true), *r = filled(ops, nl, &s, to, NULL, false);
        int64_t calls, hits, borrowed, rb;
        dse_fill_memo_stats(b, &calls, &hits, &borrowed);
        cr_expect_gt(borrowed, 0, "direction %d", dir);
        dse_fill_memo_stats(r, &calls, &hits, &rb);
        cr_expect_eq(rb, 0);
        cr_expect_gt(compare_libraries(b, r, nl, &h, dir), nl);
        dse_destroy(b);
        dse_destroy(r);
        unlink(cache);
    }
    free(ops);
}

Test(dse, pareto_flags_match_brute_force) {
    srand(7);
    for (int round = 0; round < 20; round++) {
        int n = 1 + rand() % 60;
        dse_design *d = calloc((size_t)n, sizeof *d);
        for (int i = 0; i < n; i++) {
            d[i].reason = rand() % 7 == 0 ? DSE_ISA : DSE_FEASIBLE;
            d[i].cycles = 1 + rand() % 12;
            d[i].energy_uj = 1 + rand() % 9;
            d[i].area = 1 + rand() % 10;
        }
        dse_pareto(d, n);
        for (int i = 0; i < n; i++) {
            bool onc = d[i].reason == DSE_FEASIBLE, one = onc;
            for (int j = 0; j < n; j++) {
                if (d[j].reason != DSE_FEASIBLE || j == i) continue;
                bool le = d[j].cycles <= d[i].cycles && d[j].area <= d[i].area;
                bool eq = d[j].cycles == d[i].cycles && d[j].area == d[i].area;
                if (le && !eq) onc = false;
                le = d[j].energy_uj <= d[i].energy_uj && d[j].area <= d[i].area;
                eq = d[j].energy_uj == d[i].energy_uj && d[j].area == d[i].area;
                if (le && !eq) one = false;
            }
            cr_expect_eq(d[i].pareto_cycles, onc, "round %d point %d", round, i);
            cr_expect_eq(d[i].pareto_energy, one, "round %d point %d", round, i);
        }
        free(d);
    }
}

/* The reference strategy keeps channel packing: no layer picks the solver's embedding,
 * and the re-synthesizing strategy is never slower (channel packing competes there). */
Test(dse, reference_strategy_is_never_faster) {
    int nl;
    hw_space s;
    op *ops = tiny_swept("log_block=4..5,bus_bits=64,512", &nl, &s);
    status st;
    status_init(&st);
    dse_opts o;
    dse_opts_init(&o);
    dse_ctx *a = dse_create(ops, nl, &s, &o, &st);
    o.strategy = DSE_STRAT_REFERENCE;
    dse_ctx *b = dse_create(ops, nl, &s, &o, &st);
    for (int64_t i = 0; i < hw_space_count(&s); i++) {
        hw_config h;
        hw_space_design(&s, i, &h);
        dse_design x, y;
        cr_assert(dse_eval(a, &h, i, &x, &st) && dse_eval(b, &h, i, &y, &st), "%s", st.msg);
        cr_assert_eq(x.reason, DSE_FEASIBLE);
        cr_expect_eq(y.packed_layers, nl);
        cr_expect_leq(x.cycles, y.cycles);
    }
    dse_destroy(a);
    dse_destroy(b);
    free(ops);
}

/* ---- CLI: shards under GNU parallel + merge == one run ---- */

static int sh(const char *cmd) {
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    b[fread(b, 1, (size_t)n, f)] = 0;
    fclose(f);
    return b;
}

Test(dse_cli, four_shards_under_parallel_merge_to_the_unsharded_run, .timeout = 600) {
    cr_assert_eq(sh("command -v parallel >/dev/null"), 0, "GNU parallel missing (scripts/setup-deps --test)");
    char dir[] = "/tmp/test_dse_XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[4096];
    const char *args = SRC "/tests/dse/tiny.xml --space " SRC "/tests/dse/space.xml --sweep log_wgt_buff_size=14,18 --quiet";
    snprintf(cmd, sizeof cmd, "%s dse %s --cache %s/cache.txt --out %s/all >/dev/null", CLI, args, dir, dir);
    cr_assert_eq(sh(cmd), 0, "%s", cmd);
    /* the shards read the cache the unsharded run filled (its cold fill is that run's) */
    snprintf(cmd, sizeof cmd,
             "parallel --will-cite -j 2 %s dse %s --cache %s/cache.txt --shard {}/4 --out %s/shard{} ::: 0 1 2 3 "
             ">/dev/null && %s dse-merge --out %s/merged %s/shard0 %s/shard1 %s/shard2 %s/shard3 >/dev/null",
             CLI, args, dir, dir, CLI, dir, dir, dir, dir, dir);
    cr_assert_eq(sh(cmd), 0, "%s", cmd);
    /* two worker processes, warm cache file: the same results */
    snprintf(cmd, sizeof cmd, "%s dse %s --jobs 2 --cache %s/cache.txt --out %s/jobs2 >/dev/null", CLI, args, dir, dir);
    cr_assert_eq(sh(cmd), 0, "%s", cmd);
    const char *files[] = {"results.csv", "pareto.csv"};
    for (int k = 0; k < 2; k++) {
        char p1[512], p2[512], p3[512];
        snprintf(p1, sizeof p1, "%s/all/%s", dir, files[k]);
        snprintf(p2, sizeof p2, "%s/merged/%s", dir, files[k]);
        snprintf(p3, sizeof p3, "%s/jobs2/%s", dir, files[k]);
        char *a = slurp(p1), *b = slurp(p2), *c = slurp(p3);
        cr_assert(a && b && c);
        cr_expect_str_eq(a, b, "%s differs (merge)", files[k]);
        cr_expect_str_eq(a, c, "%s differs (--jobs 2)", files[k]);
        free(a);
        free(b);
        free(c);
    }
    /* every design of the space once; the default VTA is one of them (block 16, inp 32K,
     * acc 128K, wgt 256K, bus 64, latency 32) so no extra entry */
    int nd = 0, ndef = 0;
    dse_design *d = NULL;
    int64_t n = 0;
    status st;
    status_init(&st);
    char p[512];
    snprintf(p, sizeof p, "%s/merged/results.csv", dir);
    cr_assert(dse_read_csv(p, &d, &n, &st), "%s", st.msg);
    for (int64_t i = 0; i < n; i++) {
        nd += d[i].index == i;
        ndef += d[i].is_default;
    }
    cr_expect_eq(nd, 48);
    cr_expect_eq(n, 48);
    cr_expect_eq(ndef, 1);
    free(d);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    sh(cmd);
}

Test(dse_cli, usage_errors_exit_2) {
    cr_expect_eq(sh(CLI " dse " SRC "/tests/dse/tiny.xml 2>/dev/null"), 2);
    cr_expect_eq(sh(CLI " dse " SRC "/tests/dse/tiny.xml --sweep log_block=3..5 --objective speed 2>/dev/null"), 2);
    cr_expect_eq(sh(CLI " dse " SRC "/tests/dse/tiny.xml --space " SRC "/tests/bad_space/syntax.xml 2>/dev/null"), 2);
    cr_expect_eq(sh(CLI " dse --help >/dev/null"), 0);
    cr_expect_eq(sh(CLI " dse-merge /nonexistent 2>/dev/null"), 2);
    /* the option table: unknown options, missing values and out-of-range numbers */
    cr_expect_eq(sh(CLI " dse --sweep log_block=4 --nope 2>/dev/null"), 2);
    cr_expect_eq(sh(CLI " dse --sweep log_block=4 --jobs 2>/dev/null"), 2);
    cr_expect_eq(sh(CLI " dse --sweep=log_block=4 --jobs=0 2>/dev/null"), 2);
    cr_expect_eq(sh(CLI " dse-merge --nope x 2>/dev/null"), 2);
    cr_expect_eq(sh(CLI " dse-merge --help >/dev/null"), 0);
}

/* Validation runs the chosen schedules on the simulator: the model side sums to the
 * design's estimate (the driver's own estimate of the same schedule is checked inside),
 * the simulated side is positive, and the error is their relative difference. */
Test(dse, validation_on_the_simulator, .timeout = 600) {
    int nl;
    hw_space s;
    op *ops = tiny_swept("log_block=4..5,log_acc_buff_size=12,17", &nl, &s);
    status st;
    status_init(&st);
    dse_opts o;
    dse_opts_init(&o);
    o.jobs = 2; /* dse_validate_front's workers */
    dse_ctx *c = dse_create(ops, nl, &s, &o, &st);
    dse_design all[4], front[4];
    cr_assert_eq(hw_space_count(&s), 4);
    for (int64_t i = 0; i < hw_space_count(&s); i++) {
        hw_config h;
        hw_space_design(&s, i, &h);
        dse_design d;
        cr_assert(dse_eval(c, &h, i, &d, &st), "%s", st.msg);
        cr_assert_eq(d.reason, DSE_FEASIBLE);
        front[i] = d;
        front[i].pareto_cycles = i % 2; /* the default VTA is validated anyway */
        cr_assert(dse_validate(c, &d, i == 0 ? 2 : 0, &st), "%s", st.msg);
        all[i] = d;
        cr_expect_eq(d.val_layers, i == 0 ? 2 : nl);
        if (i > 0) cr_expect(fabs(d.val_model - d.cycles) <= 1e-9 * d.cycles, "%.17g vs %.17g", d.val_model, d.cycles);
        cr_expect_gt(d.val_sim, 0);
        cr_expect(fabs(d.val_err - (d.val_model - d.val_sim) / d.val_sim) < 1e-12);
        cr_expect_geq(d.val_max_layer_err, fabs(d.val_err) - 1e-12);
        if (i > 0) { /* every layer validated: the worst one recomputed here, layer by layer */
            double worst = -1, floor = 0, box_floor = 0;
            int at = -1;
            for (int l = 0; l < nl; l++) {
                dse_pick p;
                sim_report rep;
                cr_assert(dse_layer_pick(c, &h, l, &p, &st), "%s", st.msg);
                cr_assert(cost_sim(&ops[l], &h, &p.e, &p.n, &p.s, &rep, &st), "%s", st.msg);
                double err = fabs(p.cycles - (double)rep.cycles) / (double)rep.cycles;
                if (err > worst) worst = err, at = l;
                /* the design's floors: every simulated program (whole-box, as every embedding)
                 * spends at least the whole-box floor on this design's hardware */
                cost_floor fl;
                cost_vta_floor(&ops[l], &h, &fl);
                cr_expect_geq((double)rep.cycles, (double)fl.cycles_box, "design %lld layer %d", (long long)i, l);
                cr_expect_leq(fl.cycles, fl.cycles_box);
                floor += (double)fl.cycles;
                box_floor += (double)fl.cycles_box;
            }
            cr_expect_eq(d.floor_cycles, floor, "design %lld: floor %.17g, summed here %.17g", (long long)i,
                         d.floor_cycles, floor);
            cr_expect_eq(d.box_floor_cycles, box_floor);
            cr_expect_geq(d.val_sim, d.box_floor_cycles);
            cr_expect_eq(d.val_worst_layer, at, "design %lld: worst layer %d, recomputed %d", (long long)i,
                         d.val_worst_layer, at);
            cr_expect(fabs(d.val_max_layer_err - worst) < 1e-12);
        }
    }
    /* the front in worker processes: the same figures as one design at a time */
    cr_assert(dse_validate_front(c, front, 4, 0, &st), "%s", st.msg);
    int left_out = 0;
    for (int i = 0; i < 4; i++) {
        bool want = front[i].pareto_cycles || front[i].is_default;
        cr_expect_eq(front[i].val_layers, want ? nl : 0, "design %d", i);
        left_out += !want;
        if (!want || i == 0) continue; /* design 0 was sampled above */
        cr_expect_eq(front[i].val_model, all[i].val_model, "design %d", i);
        cr_expect_eq(front[i].val_sim, all[i].val_sim, "design %d", i);
        cr_expect_eq(front[i].val_max_layer_err, all[i].val_max_layer_err, "design %d", i);
        cr_expect_eq(front[i].val_worst_layer, all[i].val_worst_layer, "design %d", i);
    }
    cr_expect_gt(left_out, 0);
    dse_destroy(c);
    free(ops);
}

/* The warp of the cost model's walk (vta/cost_fast.c) on a deep tile nest: the schedule
 * the DSE picks for server_conv_069 on design d5 of the realistic space (BLOCK 32, bus
 * 128; levels y 39, x 3, r 5, chunkI 2) is estimated within 2% of the simulator. A warp
 * after a fixed 2 iterations per level estimated it 24% high. */
Test(dse, deep_nest_schedule_is_estimated_within_2_percent, .timeout = 600) {
    op *ops;
    int nl;
    char name[64];
    status st;
    status_init(&st);
    cr_assert(spec_load_suite(SRC "/tests/dse/conv069.xml", name, sizeof name, &ops, &nl, &st), "%s", st.msg);
    hw_space s;
    cr_assert(spec_load_space(SRC "/bench/spaces/realistic.xml", &s, &st), "%s", st.msg);
    dse_opts o;
    dse_opts_init(&o);
    dse_ctx *c = dse_create(ops, nl, &s, &o, &st);
    cr_assert(c, "%s", st.msg);
    hw_config h;
    hw_space_design(&s, 5, &h);
    cr_assert(h.log_block_in == 5 && h.log_bus_width == 7 && h.log_batch == 0, "d5 is BATCH 1, BLOCK 32, bus 128");
    dse_pick p;
    cr_assert(dse_layer_pick(c, &h, 0, &p, &st), "%s", st.msg);
    sim_report rep;
    cr_assert(cost_sim(&ops[0], &h, &p.e, &p.n, &p.s, &rep, &st), "%s", st.msg);
    double err = (p.cycles - (double)rep.cycles) / (double)rep.cycles;
    cr_expect(fabs(err) <= 0.02, "model %.0f vs simulator %llu: %+.2f%%", p.cycles, (unsigned long long)rep.cycles,
              100 * err);
    dse_destroy(c);
    free(ops);
}

/* ---- one cost model: cycles, energy and area are the cost module's ---- */

/* Every layer's pick recomputed here with the cost module's report on the design itself:
 * the design's cycles and energy are the sums, its area the report's area counts weighted
 * with the 45 nm figures of vta/cost_dse.h, relative to the default VTA's. */
static double area_um2_of(const cost_report *r, const hw_config *h) {
    return (double)r->area_macs * (282.0 + 137.0) + (double)r->area_sram_bytes * 8 * 0.6 +
           (double)((int64_t)1 << h->log_bus_width) * 200.0;
}

Test(dse, energy_and_area_are_the_cost_modules) {
    int nl;
    hw_space s;
    op *ops = tiny_swept("log_block=4..5,bus_bits=64,256,log_acc_buff_size=12,17", &nl, &s);
    status st;
    status_init(&st);
    hw_config def = hw_default();
    double def_um2 = 0;
    char cache[] = "/tmp/test_dse_energy_XXXXXX"; /* one Z3 solve per entry for the three objectives */
    empty_file(cache);
    for (int obj = 0; obj < 3; obj++) {
        dse_opts o;
        dse_opts_init(&o);
        o.objective = (dse_objective)obj;
        o.cache_path = cache;
        dse_ctx *c = dse_create(ops, nl, &s, &o, &st);
        cr_assert(c && dse_prepare(c, &st), "%s", st.msg);
        for (int64_t i = 0; i < hw_space_count(&s); i++) {
            hw_config h;
            hw_space_design(&s, i, &h);
            dse_design d;
            cr_assert(dse_eval(c, &h, i, &d, &st), "%s", st.msg);
            cr_assert_eq(d.reason, DSE_FEASIBLE);
            double cyc = 0, en = 0, um2 = 0;
            for (int l = 0; l < nl; l++) {
                dse_pick p;
                cr_assert(dse_layer_pick(c, &h, l, &p, &st), "%s", st.msg);
                cost_report r;
                cr_assert(cost_vta_report(&ops[l], &h, &p.n, &p.s, &r, &st), "%s", st.msg);
                cr_expect(fabs(r.e_total - p.energy_pj) <= 1e-9 * r.e_total, "layer %d: %.17g vs %.17g", l, r.e_total,
                          p.energy_pj);
                cyc += r.cycles;
                en += r.e_total;
                um2 = area_um2_of(&r, &h);
                if (def_um2 == 0) {
                    cost_report rd;
                    dse_pick pd;
                    cr_assert(dse_layer_pick(c, &def, l, &pd, &st) && cost_vta_report(&ops[l], &def, &pd.n, &pd.s, &rd, &st));
                    def_um2 = area_um2_of(&rd, &def);
                }
            }
            cr_expect(fabs(cyc - d.cycles) <= 1e-9 * cyc, "design %lld: cycles %.17g vs %.17g", (long long)i, cyc, d.cycles);
            cr_expect(fabs(en * 1e-6 - d.energy_uj) <= 1e-9 * en * 1e-6, "design %lld obj %d: energy %.17g uJ vs %.17g",
                      (long long)i, obj, en * 1e-6, d.energy_uj);
            cr_expect(fabs(um2 / def_um2 - d.area) <= 1e-12, "design %lld: area %.17g vs %.17g", (long long)i,
                      um2 / def_um2, d.area);
        }
        dse_destroy(c);
    }
    unlink(cache);
    free(ops);
}

/* The energy objective never picks a design-layer with more energy than the cycles
 * objective's pick (both choose over the same library), and vice versa for cycles. */
Test(dse, objectives_minimize_what_they_say) {
    int nl;
    hw_space s;
    op *ops = tiny_swept("log_block=4..5,bus_bits=64,256", &nl, &s);
    status st;
    status_init(&st);
    dse_opts oc, oe;
    dse_opts_init(&oc);
    dse_opts_init(&oe);
    oe.objective = DSE_OBJ_ENERGY;
    dse_ctx *a = dse_create(ops, nl, &s, &oc, &st), *b = dse_create(ops, nl, &s, &oe, &st);
    for (int64_t i = 0; i < hw_space_count(&s); i++) {
        hw_config h;
        hw_space_design(&s, i, &h);
        dse_design x, y;
        cr_assert(dse_eval(a, &h, i, &x, &st) && dse_eval(b, &h, i, &y, &st), "%s", st.msg);
        cr_expect_leq(x.cycles, y.cycles * (1 + 1e-12));
        cr_expect_leq(y.energy_uj, x.energy_uj * (1 + 1e-12));
    }
    dse_destroy(a);
    dse_destroy(b);
    free(ops);
}

/* ---- cache keys ---- */

static uint64_t key_of_limits(const op *ops, const char *sweep, dse_objective obj, double timeout, uint64_t rlimit,
                              uint32_t ver) {
    hw_space s;
    hw_space_init(&s);
    status st;
    status_init(&st);
    cr_assert(spec_parse_sweep(sweep, "--sweep", &s, &st), "%s", st.msg);
    dse_opts o;
    dse_opts_init(&o);
    o.objective = obj;
    o.solve_timeout_s = timeout;
    o.solve_rlimit = rlimit;
    dse_ctx *c = dse_create(ops, 1, &s, &o, &st);
    cr_assert(c);
    hw_config h;
    hw_space_design(&s, 0, &h);
    uint64_t k = dse_entry_disk_key(c, dse_entry_get(c, 0, &h), ver);
    dse_destroy(c);
    return k;
}

static uint64_t key_of(const op *ops, const char *sweep, dse_objective obj, double timeout, uint32_t ver) {
    return key_of_limits(ops, sweep, obj, timeout, DSE_DEFAULT_RLIMIT, ver);
}

Test(dse, cache_key_holds_what_an_entry_depends_on) {
    int nl;
    op *ops = tiny(&nl);
    const char *base = "log_block=4,bus_bits=64";
    uint64_t k0 = key_of(ops, base, DSE_OBJ_CYCLES, 60, COST_MODEL_VERSION);
    cr_expect_neq(k0, key_of(ops, "log_block=4,bus_bits=128", DSE_OBJ_CYCLES, 60, COST_MODEL_VERSION), "bus width");
    cr_expect_neq(k0, key_of(ops, base, DSE_OBJ_CYCLES, 60, COST_MODEL_VERSION + 1), "cost-model version");
    cr_expect_neq(k0, key_of(ops, "log_block=5,bus_bits=64", DSE_OBJ_CYCLES, 60, COST_MODEL_VERSION), "shape");
    cr_expect_neq(k0, key_of(ops, "log_block=4,bus_bits=64,log_batch=1", DSE_OBJ_CYCLES, 60, COST_MODEL_VERSION),
                  "batch");
    cr_expect_neq(k0, key_of(ops, base, DSE_OBJ_CYCLES, 30, COST_MODEL_VERSION), "solver timeout");
    cr_expect_neq(k0, key_of_limits(ops, base, DSE_OBJ_CYCLES, 60, DSE_DEFAULT_RLIMIT / 2, COST_MODEL_VERSION),
                  "solver rlimit");
    cr_expect_neq(k0, key_of(ops, "log_block=4,bus_bits=64,dram_latency=16", DSE_OBJ_CYCLES, 60, COST_MODEL_VERSION),
                  "timing of the library probes");
    cr_expect_neq(k0, key_of(ops + 1, base, DSE_OBJ_CYCLES, 60, COST_MODEL_VERSION), "layer");
    /* documented: an entry does not depend on the DSE objective (it only chooses among the
     * entry's schedules), so the objectives share entries */
    cr_expect_eq(k0, key_of(ops, base, DSE_OBJ_ENERGY, 60, COST_MODEL_VERSION));
    /* behaviour: a cache file filled at bus 64 is not used at bus 128, but is at bus 64 */
    char cache[] = "/tmp/test_dse_key_XXXXXX";
    empty_file(cache);
    const char *sweeps[] = {base, "log_block=4,bus_bits=128", base};
    int64_t want[] = {1, 1, 0};
    for (int k = 0; k < 3; k++) {
        hw_space s;
        hw_space_init(&s);
        status st;
        status_init(&st);
        cr_assert(spec_parse_sweep(sweeps[k], "--sweep", &s, &st));
        dse_opts o;
        dse_opts_init(&o);
        o.cache_path = cache;
        dse_ctx *c = dse_create(ops + 2, 1, &s, &o, &st); /* the 1x1 conv: the default VTA shares its shape */
        cr_assert(c && dse_prepare(c, &st), "%s", st.msg);
        int64_t ne;
        double zs, ls;
        dse_fill_stats(c, &ne, &zs, &ls);
        cr_expect_eq(ne, want[k], "run %d (%s): %lld entries computed", k, sweeps[k], (long long)ne);
        /* the solves by outcome: run 0 solves the 1x1 conv (a small space: enumerated);
         * run 1 reuses its embedding (the bus is not a part of the embedding's key) */
        int64_t pe, pz, pu;
        dse_fill_proof_stats(c, &pe, &pz, &pu);
        cr_expect(pe == (k == 0) && pz == 0 && pu == 0, "run %d: %lld enumerated, %lld proven, %lld unproven", k,
                  (long long)pe, (long long)pz, (long long)pu);
        dse_destroy(c);
    }
    unlink(cache);
    free(ops);
}

/* --largest K: the kept layers are those whose rank by MACs (more MACs first, then the
 * earlier layer) is below K, in suite order; the rank is counted pairwise here, not by
 * the sort dse_keep_largest uses. The DeepBench suites have many equal-MAC layers. */
Test(dse, largest_keeps_the_k_layers_with_the_most_macs) {
    const char *files[] = {"deepbench_device_conv", "deepbench_device_gemm", "deepbench_server_conv",
                           "deepbench_server_gemm"};
    op *all = NULL;
    int n = 0;
    for (int f = 0; f < 4; f++) {
        char path[512], name[64];
        snprintf(path, sizeof path, "%s/bench/suites/%s.xml", SRC, files[f]);
        op *ops;
        int k;
        status st;
        status_init(&st);
        cr_assert(spec_load_suite(path, name, sizeof name, &ops, &k, &st), "%s", st.msg);
        all = realloc(all, (size_t)(n + k) * sizeof *all);
        cr_assert(all);
        memcpy(all + n, ops, (size_t)k * sizeof *ops);
        free(ops);
        n += k;
    }
    cr_assert_gt(n, 100);
    int ties = 0;
    for (int i = 1; i < n; i++) ties += op_macs(&all[i]) == op_macs(&all[i - 1]);
    cr_expect_gt(ties, 0, "the suites should exercise ties");
    /* every K, so each tie straddling a boundary is exercised */
    int *rank = calloc((size_t)n, sizeof *rank);
    op *cp = malloc((size_t)n * sizeof *cp);
    cr_assert(rank && cp);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            rank[i] += op_macs(&all[j]) > op_macs(&all[i]) || (op_macs(&all[j]) == op_macs(&all[i]) && j < i);
    for (int k = 1; k <= n; k++) {
        int m = 0;
        memcpy(cp, all, (size_t)n * sizeof *cp);
        dse_keep_largest(cp, n, k);
        for (int i = 0; i < n; i++) {
            if (rank[i] >= k) continue;
            cr_assert_lt(m, k);
            cr_assert(!memcmp(&cp[m], &all[i], sizeof *cp), "K=%d: kept layer %d is %s, expected %s", k, m,
                      cp[m].name, all[i].name);
            m++;
        }
        cr_assert_eq(m, k, "K=%d", k);
    }
    free(rank);
    free(cp);
    free(all);
}
