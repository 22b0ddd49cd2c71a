/* report: the outputs of a bench run. DIR/results.csv and DIR/results.json (the
 * machine-readable results; results.json is also what `bench-merge` reads back),
 * DIR/report.md (summary, per-layer table, layers that are not faster and why,
 * baseline changes) and SVG plots written directly (bench/plot.c): speedup per layer,
 * utilization vs layout bytes, roofline (cycles vs lower bound).
 * Invariant: CSV and JSON carry every field of BENCH_RESULT_FIELDS, and reading
 * results.json back yields the same results (doubles are written round-trip exact). */
#ifndef EMBEDSYN_BENCH_REPORT_H
#define EMBEDSYN_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bench/baseline.h"
#include "bench/bench.h"
#include "core/status.h"

#define REPORT_MAX_SUITES 32

/* What the run was (everything but the per-layer results and the summary). */
typedef struct report_meta {
    char hardware[64];
    char evaluator[16];
    char objective[32];
    int nsuites;
    char suites[REPORT_MAX_SUITES][BENCH_NAME_MAX];
    int shard_i, shard_n;       /* 0/1 for an unsharded or merged run */
    int total_layers;           /* layers of the suites before sharding */
    int64_t check_sample;
    int jobs;
    double wall_s;
    char started[32];           /* UTC, ISO 8601 */
    bool interrupted;           /* stopped by SIGINT/SIGTERM: only the layers that
                                   finished before are in the results */
} report_meta;

void report_meta_init(report_meta *m);
/* Appends the suites of `from` that m does not list yet (in from's order). */
void report_meta_add_suites(report_meta *m, const report_meta *from);

void report_write_csv(FILE *f, const bench_result *r, int n);
/* The whole run: {"embedsyn_bench": 1, meta..., "summary": {...}, "layers": [...]} */
void report_write_json(FILE *f, const report_meta *m, const bench_result *r, int n,
                       const bench_summary *s);
/* One layer / the summary as a single-line JSON object (for --json). */
void report_result_json(FILE *f, const bench_result *r);
void report_summary_json(FILE *f, const bench_summary *s);
/* cmp may be NULL (no baseline). */
void report_write_md(FILE *f, const report_meta *m, const bench_result *r, int n,
                     const bench_summary *s, const baseline_cmp *cmp);
/* Short human summary for the terminal. */
void report_print_summary(FILE *f, const report_meta *m, const bench_summary *s);

/* Reads a results.json written by report_write_json. *r is malloc'ed. */
bool report_read_json(const char *path, report_meta *m, bench_result **r, int *n, status *st);

/* Merges shard results: each path is a results.json or a directory holding one. The
 * runs must agree on hardware and total_layers; a layer index present twice is an
 * error. Results come out in index order; *missing gets total_layers - merged count
 * (a shard that was not merged). */
bool report_merge(const char *const *paths, int npaths, report_meta *m, bench_result **r,
                  int *n, int *missing, status *st);

/* Creates dir (and parents) and writes results.csv, results.json, report.md and the
 * plots into it. */
bool report_write_dir(const char *dir, const report_meta *m, const bench_result *r, int n,
                      const bench_summary *s, const baseline_cmp *cmp, status *st);

/* The common end of `bench` and `bench-merge` (bench/report_finish.c): summarize,
 * compare with a baseline, write the output directory, update a baseline, print the
 * summary (or, with json, one summary object on stdout). Returns the exit status:
 * 0 ok, 1 a regression / failed check / layer error, 2 bad input (baseline, output),
 * interrupt_status for an interrupted run (outputs marked, no baseline written). */
typedef struct report_finish_opts {
    const char *cmd;               /* command name for messages */
    const char *out_dir;
    const char *baseline;          /* or NULL */
    const char *update_baseline;   /* or NULL */
    baseline_opts bopts;
    bool json;
    bool verbose;                  /* list baseline notes too */
    int interrupt_status;          /* exit status of an interrupted run (130 / 143) */
    bool partial;                  /* a filtered / sharded / limited run: update_baseline
                                      keeps the entries of the layers not run */
} report_finish_opts;
int report_finish(report_meta *m, const bench_result *r, int n, const report_finish_opts *o);

/* SVG plots (bench/plot.c). */
void plot_speedup_svg(FILE *f, const bench_result *r, int n);
void plot_layout_svg(FILE *f, const bench_result *r, int n);
void plot_roofline_svg(FILE *f, const bench_result *r, int n);

#endif
