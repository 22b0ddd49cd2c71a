/* baseline: committed per-layer reference numbers of a bench run and the comparison of
 * a new run against them. File format (JSON):
 *   {"hardware": "...", "suites": ["..."], "tolerance": 0.005,
 *    "layers": {"<suite>/<layer>": {"cycles": N, "utilization": X, "proof": "...",
 *               "solve_ms": T, "solve_rlimit": R, "reference_cycles": N, ...}}}
 * A layer regresses when its cycles grow by more than the tolerance (relative), its
 * utilization drops, its proof status weakens (optimal > not_proven > unknown), its
 * solve effort (Z3 rlimit count, see baseline_opts) grows by more than solve_factor AND
 * by more than the absolute slack, it fails
 * where it used to run, or its result check fails. Improvements are the mirror
 * images; other differences (new layers, layers not run, a changed reference) are notes.
 * Invariant: a loaded baseline has unique keys and every entry has the required
 * members (cycles, utilization, proof, solve_ms) with the right types. */
#ifndef EMBEDSYN_BENCH_BASELINE_H
#define EMBEDSYN_BENCH_BASELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/bench.h"
#include "core/status.h"

#define BASELINE_KEY_MAX (BENCH_NAME_MAX + OP_NAME_MAX + 2)

typedef struct baseline_entry {
    char key[BASELINE_KEY_MAX];
    int64_t cycles;
    double utilization;
    enc_proof proof;
    bool global;
    double solve_ms;
    int64_t solve_rlimit;       /* Z3 rlimit count of the solve; 0 if absent */
    int64_t reference_cycles;   /* 0 if absent */
    bool ok;                    /* false: the layer failed when the baseline was made */
} baseline_entry;

typedef struct baseline {
    char hardware[64];
    int nsuites;
    char suites[32][BENCH_NAME_MAX];
    int n;
    baseline_entry *e;          /* malloc'ed, sorted by key */
} baseline;

bool baseline_load(const char *path, baseline *b, status *st);
void baseline_free(baseline *b);
/* Writes the results r[0..n) as a baseline. */
bool baseline_write(const char *path, const char *hardware, const char (*suites)[BENCH_NAME_MAX],
                    int nsuites, const bench_result *r, int n, status *st);

/* Solve effort: by default Z3's rlimit count, which is deterministic (the same tree
 * gives the same count on any machine load); wall-clock solve time is then only a note.
 * With solve_wall the old rule applies to wall time (flaky on a loaded machine). When
 * the baseline or the run has no rlimit count (0), solve effort is not compared. */
typedef struct baseline_opts {
    double tolerance;           /* relative cycle growth allowed (default 0.005) */
    double solve_factor;        /* default 2.0 (both metrics) */
    double solve_abs_ms;        /* default 100 (wall rule) */
    double solve_abs_rlimit;    /* default 5e6 (rlimit rule, about 0.1-0.5 s of solving) */
    bool solve_wall;            /* default false: compare rlimit counts */
} baseline_opts;
void baseline_opts_init(baseline_opts *o);

typedef enum { BASELINE_REGRESSION = 0, BASELINE_IMPROVEMENT = 1, BASELINE_NOTE = 2 } baseline_kind;

typedef struct baseline_change {
    baseline_kind kind;
    char key[BASELINE_KEY_MAX];
    char what[16];              /* "cycles", "utilization", "proof", "solve_time",
                                   "solve_effort", "error",
                                   "check", "reference", "new", "not_run", "global" */
    char msg[256];
} baseline_change;

typedef struct baseline_cmp {
    int n, cap;
    baseline_change *c;         /* malloc'ed; regressions first, then improvements, notes */
    int nregress, nimprove, nnote;
} baseline_cmp;

/* Rank of a proof status: optimal 2, not_proven 1, anything else 0. */
/* Compares r[0..n) with b. Layers of b missing from r are notes (a shard runs only
 * part of a suite). */
void baseline_compare(const baseline *b, const bench_result *r, int n, const baseline_opts *o,
                      baseline_cmp *cmp);
void baseline_cmp_free(baseline_cmp *cmp);
/* Human-readable list (regressions, improvements; notes only when verbose). */
void baseline_cmp_print(FILE *f, const baseline_cmp *cmp, bool verbose);

#endif
