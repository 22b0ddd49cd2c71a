/* report: CSV / JSON / Markdown writers and the results.json reader.
 * Invariant: the CSV header, the CSV rows, the JSON layer objects and the JSON reader
 * all expand the same X-macro (BENCH_RESULT_FIELDS), so a field added to bench_result
 * appears everywhere at once. */
#include "bench/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "bench/json.h"
#include "core/arena.h"
#include "core/text.h"

/* Plural ending for a count ("1 layer", "2 layers"). */
#define PL(n) ((n) == 1 ? "" : "s")

void report_meta_add_suites(report_meta *m, const report_meta *from) {
    for (int i = 0; i < from->nsuites; i++) {
        bool have = false;
        for (int j = 0; j < m->nsuites; j++)
            have |= !strcmp(m->suites[j], from->suites[i]);
        if (!have && m->nsuites < REPORT_MAX_SUITES)
            snprintf(m->suites[m->nsuites++], BENCH_NAME_MAX, "%s", from->suites[i]);
    }
}

void report_meta_init(report_meta *m) {
    memset(m, 0, sizeof *m);
    m->shard_n = 1;
    m->jobs = 1;
    snprintf(m->evaluator, sizeof m->evaluator, "real");
}

/* ---- CSV ------------------------------------------------------------------------ */

static void csv_str(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* Shortest round-trip double; empty for NaN/inf. */
static void csv_f64(FILE *f, double x) {
    if (!isfinite(x))
        return;
    char buf[40];
    text_f64_shortest(buf, sizeof buf, x);
    fputs(buf, f);
}

void report_write_csv(FILE *f, const bench_result *r, int n) {
    bool first = true;
#define HDR(T, fld)          \
    if (!first)              \
        fputc(',', f);       \
    first = false;           \
    fputs(#fld, f);
    BENCH_RESULT_FIELDS(HDR)
#undef HDR
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const bench_result *x = &r[i];
        first = true;
#define OUT_S(v) csv_str(f, v)
#define OUT_I(v) fprintf(f, "%" PRId64, (int64_t)(v))
#define OUT_I32(v) fprintf(f, "%" PRId32, (int32_t)(v))
#define OUT_F(v) csv_f64(f, v)
#define OUT_B(v) fputs((v) ? "true" : "false", f)
#define OUT_CHK(v) csv_str(f, driver_check_name(v))
#define OUT_PRF(v) csv_str(f, enc_proof_name(v))
#define OUT_CHO(v) csv_str(f, bench_choice_name(v))
#define ROW(T, fld)          \
    if (!first)              \
        fputc(',', f);       \
    first = false;           \
    OUT_##T(x->fld);
        BENCH_RESULT_FIELDS(ROW)
#undef ROW
        fputc('\n', f);
    }
}

/* ---- JSON ----------------------------------------------------------------------- */

void report_result_json(FILE *f, const bench_result *x) {
    bool first = true;
#define JS_S(v) text_json_str(f, v)
#define JS_I(v) fprintf(f, "%" PRId64, (int64_t)(v))
#define JS_I32(v) fprintf(f, "%" PRId32, (int32_t)(v))
#define JS_F(v) json_write_f64(f, v)
#define JS_B(v) fputs((v) ? "true" : "false", f)
#define JS_CHK(v) text_json_str(f, driver_check_name(v))
#define JS_PRF(v) text_json_str(f, enc_proof_name(v))
#define JS_CHO(v) text_json_str(f, bench_choice_name(v))
/* One member "fld": value of the object obj (a field of type T), after a comma unless first. */
#define JS_MEMBER(obj, T, fld)             \
    fputs(first ? "{\"" : ", \"", f);      \
    first = false;                         \
    fputs(#fld "\": ", f);                 \
    JS_##T((obj)->fld);
#define FIELD(T, fld) JS_MEMBER(x, T, fld)
    BENCH_RESULT_FIELDS(FIELD)
#undef FIELD
    fputc('}', f);
}

/* Summary fields: X(type, field) with F double, N int, S string. */
#define REPORT_SUMMARY_FIELDS(X)                                                     \
    X(N, n) X(N, nok) X(N, nerror) X(N, ncheck_fail) X(N, nweak) X(N, nslower)       \
    X(N, nnot_faster) X(N, nref_no_schedule) X(N, nglobal) X(N, noptimal)            \
    X(F, geomean_speedup) X(F, geomean_speedup_weak) X(F, min_speedup)               \
    X(S, min_speedup_layer) X(F, max_speedup) X(S, max_speedup_layer)                \
    X(F, geomean_gap) X(F, max_gap) X(S, max_gap_layer) X(F, geomean_ref_gap)        \
    X(F, geomean_floor_gap) X(F, max_floor_gap) X(S, max_floor_gap_layer)             \
    X(F, geomean_ref_floor_gap) X(F, geomean_box_floor_gap) X(F, geomean_ref_box_floor_gap) \
    X(F, geomean_util) X(F, geomean_ref_util)                                        \
    X(F, solve_median_ms) X(F, solve_p90_ms) X(F, solve_max_ms) X(F, solve_total_ms) \
    X(F, layers_s) X(F, wall_s) X(N, nmodel) X(F, model_err_median) X(F, model_err_max)

void report_summary_json(FILE *f, const bench_summary *s) {
    bool first = true;
#define JS_N(v) fprintf(f, "%d", v)
#define FIELD(T, fld) JS_MEMBER(s, T, fld)
    REPORT_SUMMARY_FIELDS(FIELD)
#undef FIELD
    fputc('}', f);
}

void report_write_json(FILE *f, const report_meta *m, const bench_result *r, int n,
                       const bench_summary *s) {
    fputs("{\n  \"embedsyn_bench\": 1,\n  \"hardware\": ", f);
    text_json_str(f, m->hardware);
    fputs(",\n  \"evaluator\": ", f);
    text_json_str(f, m->evaluator);
    fputs(",\n  \"objective\": ", f);
    text_json_str(f, m->objective);
    fputs(",\n  \"suites\": [", f);
    for (int i = 0; i < m->nsuites; i++) {
        if (i)
            fputs(", ", f);
        text_json_str(f, m->suites[i]);
    }
    fprintf(f, "],\n  \"shard\": [%d, %d],\n  \"total_layers\": %d,\n  \"check_sample\": %" PRId64
               ",\n  \"jobs\": %d,\n  \"wall_s\": ",
            m->shard_i, m->shard_n, m->total_layers, m->check_sample, m->jobs);
    json_write_f64(f, m->wall_s);
    fputs(",\n  \"started\": ", f);
    text_json_str(f, m->started);
    fprintf(f, ",\n  \"interrupted\": %s", m->interrupted ? "true" : "false");
    fputs(",\n  \"summary\": ", f);
    report_summary_json(f, s);
    fputs(",\n  \"layers\": [", f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        report_result_json(f, &r[i]);
    }
    fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
}

static bool read_layer(const json_value *v, const char *path, bench_result *x, status *st) {
    if (v->type != JSON_OBJ)
        return status_fail(st, "%s:%ld:%ld: each layer must be an object", path, v->line, v->col);
    memset(x, 0, sizeof *x);
    x->solve_rlimit = -1;
    bool ok = true;
    int64_t i64 = 0;
    int k = 0;
    char text[64];
    static const char *const check_names[] = {DRIVER_CHECKS(ES_NAME2)};
    static const char *const proof_names[] = {ENC_PROOFS(ES_NAME2)};
#define RD_S(fld) ok = ok && json_get_str(v, #fld, true, path, x->fld, sizeof x->fld, st);
/* Results of older versions lack the fields added since: solve_rlimit reads as -1
 * (unknown), the floors and their gaps as 0 (unknown), ref_no_schedule as false. */
#define RD_REQUIRED(fld)                                                                           \
    (strcmp(#fld, "solve_rlimit") && strcmp(#fld, "floor_cycles") && strcmp(#fld, "box_floor_cycles") && \
     strcmp(#fld, "floor_gap") && strcmp(#fld, "ref_floor_gap") && strcmp(#fld, "ref_no_schedule"))
#define RD_I(fld) ok = ok && json_get_i64(v, #fld, RD_REQUIRED(fld), path, &x->fld, st);
#define RD_I32(fld)                                                       \
    ok = ok && json_get_i64(v, #fld, true, path, &i64, st);               \
    if (ok && (i64 < INT32_MIN || i64 > INT32_MAX))                       \
        ok = status_fail(st, "%s:%ld:%ld: '" #fld "' out of range", path, v->line, v->col); \
    x->fld = (int32_t)i64;
#define RD_F(fld)                                                         \
    ok = ok && json_get_f64(v, #fld, RD_REQUIRED(fld), path, &x->fld, st); \
    if (ok && isnan(x->fld))                                              \
        x->fld = 0;
#define RD_B(fld) ok = ok && json_get_bool(v, #fld, RD_REQUIRED(fld), path, &x->fld, st);
#define RD_CHK(fld)                                                                         \
    ok = ok && json_get_name(v, #fld, true, path, check_names, ES_COUNT(check_names), &k, st); \
    x->fld = (driver_check)k;
#define RD_PRF(fld)                                                                         \
    ok = ok && json_get_name(v, #fld, true, path, proof_names, ES_COUNT(proof_names), &k, st); \
    x->fld = (enc_proof)k;
#define RD_CHO(fld)                                                                         \
    ok = ok && json_get_str(v, #fld, true, path, text, sizeof text, st);                   \
    if (ok && !bench_choice_parse(text, &x->fld))                                          \
        ok = status_fail(st, "%s:%ld:%ld: unknown " #fld " '%s'", path, v->line, v->col, text);
#define FIELD(T, fld) RD_##T(fld)
    BENCH_RESULT_FIELDS(FIELD)
#undef FIELD
    return ok;
}

bool report_read_json(const char *path, report_meta *m, bench_result **r, int *n, status *st) {
    *r = NULL;
    *n = 0;
    report_meta_init(m);
    arena *a = arena_create();
    const json_value *root = json_parse_file(a, path, st);
    bool ok = root != NULL;
    int64_t ver = 0, total = 0, cs = 0, jobs = 1;
    if (ok && root->type != JSON_OBJ)
        ok = status_fail(st, "%s: not a bench results file (expected a JSON object)", path);
    ok = ok && json_get_i64(root, "embedsyn_bench", true, path, &ver, st);
    if (ok && ver != 1)
        ok = status_fail(st, "%s: unsupported results version %lld", path, (long long)ver);
    ok = ok && json_get_str(root, "hardware", true, path, m->hardware, sizeof m->hardware, st) &&
         json_get_str(root, "evaluator", false, path, m->evaluator, sizeof m->evaluator, st) &&
         json_get_str(root, "objective", false, path, m->objective, sizeof m->objective, st) &&
         json_get_i64(root, "total_layers", true, path, &total, st) &&
         json_get_i64(root, "check_sample", false, path, &cs, st) &&
         json_get_i64(root, "jobs", false, path, &jobs, st) &&
         json_get_f64(root, "wall_s", false, path, &m->wall_s, st) &&
         json_get_str(root, "started", false, path, m->started, sizeof m->started, st) &&
         json_get_bool(root, "interrupted", false, path, &m->interrupted, st);
    /* Counts are ints in memory: refuse what would be narrowed (2^32 + 12 is not 12). */
    if (ok && (total < 0 || total > INT32_MAX || jobs < 0 || jobs > INT32_MAX))
        ok = status_fail(st, "%s: 'total_layers' and 'jobs' must be in 0..%d", path, INT32_MAX);
    if (ok) {
        m->total_layers = (int)total;
        m->check_sample = cs;
        m->jobs = (int)jobs;
        if (isnan(m->wall_s))
            m->wall_s = 0;
    }
    const json_value *sh = ok ? json_get(root, "shard") : NULL;
    if (ok && sh) {
        if (sh->type != JSON_ARR || sh->len != 2 || sh->items[0]->type != JSON_NUM ||
            sh->items[1]->type != JSON_NUM || !sh->items[0]->is_int || !sh->items[1]->is_int ||
            sh->items[1]->i64 < 1 || sh->items[0]->i64 < 0 || sh->items[0]->i64 >= sh->items[1]->i64 ||
            sh->items[1]->i64 > INT32_MAX)
            ok = status_fail(st, "%s:%ld:%ld: 'shard' must be [I, N] with 0 <= I < N", path,
                             sh->line, sh->col);
        else {
            m->shard_i = (int)sh->items[0]->i64;
            m->shard_n = (int)sh->items[1]->i64;
        }
    }
    const json_value *su = ok ? json_get(root, "suites") : NULL;
    if (ok && su && su->type == JSON_ARR) {
        for (size_t i = 0; i < su->len && m->nsuites < REPORT_MAX_SUITES; i++)
            if (su->items[i]->type == JSON_STR)
                snprintf(m->suites[m->nsuites++], BENCH_NAME_MAX, "%s", su->items[i]->str);
    }
    const json_value *ls = ok ? json_get(root, "layers") : NULL;
    if (ok && (!ls || ls->type != JSON_ARR))
        ok = status_fail(st, "%s: 'layers' must be an array", path);
    if (ok) {
        *r = calloc(ls->len ? ls->len : 1, sizeof **r);
        ES_ASSERT(*r != NULL);
        for (size_t i = 0; ok && i < ls->len; i++) {
            if ((ok = read_layer(ls->items[i], path, &(*r)[i], st)))
                (*n)++;
            if (ok && ((*r)[i].index < 0 || (*r)[i].index >= total))
                ok = status_fail(st, "%s:%ld:%ld: layer 'index' %d is outside 0..%lld", path,
                                 ls->items[i]->line, ls->items[i]->col, (int)(*r)[i].index,
                                 (long long)total - 1);
        }
    }
    arena_destroy(a);
    if (!ok) {
        free(*r);
        *r = NULL;
        *n = 0;
    }
    return ok;
}

/* ---- Markdown ------------------------------------------------------------------- */

/* Markdown table cell: '|' would split the cell. */
static void md_cell(FILE *f, const char *s) {
    for (const char *p = s; *p; p++) {
        if (*p == '|')
            fputs("\\|", f);
        else if (*p == '\n')
            fputc(' ', f);
        else
            fputc(*p, f);
    }
}

static void fmt_secs(double s, char *buf, size_t len) {
    if (s < 1)
        snprintf(buf, len, "%.0f ms", s * 1000);
    else if (s < 120)
        snprintf(buf, len, "%.1f s", s);
    else
        snprintf(buf, len, "%.0f min %.0f s", floor(s / 60), fmod(s, 60));
}

void report_print_summary(FILE *f, const report_meta *m, const bench_summary *s) {
    char t[48], ls[48];
    fmt_secs(s->wall_s, t, sizeof t);
    fmt_secs(s->layers_s, ls, sizeof ls);
    if (m->interrupted)
        fprintf(f, "embedsyn bench: INTERRUPTED after %d of %d layers; the numbers below cover "
                   "only the finished layers\n", s->n, m->total_layers);
    fprintf(f, "embedsyn bench: %d layer%s on %s (%s evaluator", s->n, s->n == 1 ? "" : "s",
            m->hardware, m->evaluator);
    if (m->shard_n > 1)
        fprintf(f, ", shard %d/%d", m->shard_i, m->shard_n);
    fprintf(f, "): %d ok, %d error%s, %d check failure%s\n", s->nok, s->nerror, PL(s->nerror),
            s->ncheck_fail, PL(s->ncheck_fail));
    if (s->nok == 0) {
        fprintf(f, "  total time             %s wall\n", t);
        return;
    }
    fprintf(f, "  speedup                over TVM's reference strategy (channel packing + its "
               "conv2d/dense template), both simulated on embedsyn's VTA simulator\n");
    int nsp = s->nok - s->nref_no_schedule;
    fprintf(f, "  geomean speedup        %.3fx over %d layer%s", s->geomean_speedup, nsp, PL(nsp));
    if (s->nweak)
        fprintf(f, "; %.3fx over the %d layer%s with reference utilization < 50%%\n",
                s->geomean_speedup_weak, s->nweak, PL(s->nweak));
    else
        fprintf(f, "; no layer with reference utilization < 50%%\n");
    fprintf(f, "  speedup range          %.3fx (%s) .. %.3fx (%s); %d layer%s not faster\n",
            s->min_speedup, s->min_speedup_layer, s->max_speedup, s->max_speedup_layer,
            s->nnot_faster, PL(s->nnot_faster));
    if (s->nref_no_schedule)
        fprintf(f, "  reference can't run    %d layer%s: no schedule of TVM's template fits the buffers "
                   "(embedsyn's figures only; not in the speedups)\n",
                s->nref_no_schedule, PL(s->nref_no_schedule));
    fprintf(f, "  gap to lower bound     geomean %.3fx, max %.3fx (%s); reference geomean %.3fx\n",
            s->geomean_gap, s->max_gap, s->max_gap_layer, s->geomean_ref_gap);
    if (s->geomean_floor_gap > 0)
        fprintf(f,
                "  gap to hardware floor  geomean %.3fx, max %.3fx (%s); reference geomean %.3fx; to the floor "
                "of whole-box programs %.3fx (reference %.3fx)\n",
                s->geomean_floor_gap, s->max_floor_gap, s->max_floor_gap_layer, s->geomean_ref_floor_gap,
                s->geomean_box_floor_gap, s->geomean_ref_box_floor_gap);
    fprintf(f, "  utilization (geomean)  %.1f%% vs reference %.1f%%\n", s->geomean_util * 100,
            s->geomean_ref_util * 100);
    fprintf(f, "  proofs                 %d optimal in the encoded space, %d globally optimal\n",
            s->noptimal, s->nglobal);
    fprintf(f, "  solve time             median %.0f ms, p90 %.0f ms, max %.0f ms, total %.1f s\n",
            s->solve_median_ms, s->solve_p90_ms, s->solve_max_ms, s->solve_total_ms / 1000);
    fprintf(f, "  cost model vs sim      error median %.2f%%, max %.2f%% over %d programs\n",
            s->model_err_median * 100, s->model_err_max * 100, s->nmodel);
    fprintf(f, "  total time             %s wall (%s of layer time, %d job%s)\n", t, ls, m->jobs,
            PL(m->jobs));
}

/* The summary table of report.md and what its bounds mean. */
static void md_summary(FILE *f, const report_meta *m, const bench_summary *s) {
    fprintf(f, "## Summary\n\n| metric | value |\n|---|---|\n");
    fprintf(f, "| layers | %d ok, %d error%s, %d check failure%s |\n", s->nok, s->nerror,
            PL(s->nerror), s->ncheck_fail, PL(s->ncheck_fail));
    fprintf(f, "| speedup measured against | TVM's reference strategy (channel packing + its "
               "conv2d/dense template), both on embedsyn's VTA cycle simulator |\n");
    int nsp = s->nok - s->nref_no_schedule;
    fprintf(f, "| geomean speedup, all layers | **%.3fx** (%d layer%s) |\n", s->geomean_speedup, nsp, PL(nsp));
    if (s->nref_no_schedule)
        fprintf(f, "| layers the reference cannot run (no schedule of TVM's template fits the buffers; "
                   "not in the speedups) | %d |\n",
                s->nref_no_schedule);
    if (s->nweak)
        fprintf(f, "| geomean speedup, reference utilization < 50%% | **%.3fx** (%d layer%s) |\n",
                s->geomean_speedup_weak, s->nweak, PL(s->nweak));
    else
        fprintf(f, "| geomean speedup, reference utilization < 50%% | no such layer |\n");
    fprintf(f, "| minimum speedup | %.3fx (`%s`) |\n", s->min_speedup, s->min_speedup_layer);
    fprintf(f, "| maximum speedup | %.3fx (`%s`) |\n", s->max_speedup, s->max_speedup_layer);
    fprintf(f, "| layers not faster than the reference | %d (%d slower) |\n", s->nnot_faster, s->nslower);
    fprintf(f, "| gap to the lower bound, geomean / max | %.3fx / %.3fx (`%s`) |\n", s->geomean_gap,
            s->max_gap, s->max_gap_layer);
    fprintf(f, "| reference gap to the lower bound, geomean | %.3fx |\n", s->geomean_ref_gap);
    if (s->geomean_floor_gap > 0)
        fprintf(f,
                "| gap to the hardware floor, geomean / max (reference) | %.3fx / %.3fx (`%s`) (%.3fx) |\n"
                "| gap to the floor of whole-box programs, geomean (reference) | %.3fx (%.3fx) |\n",
                s->geomean_floor_gap, s->max_floor_gap, s->max_floor_gap_layer, s->geomean_ref_floor_gap,
                s->geomean_box_floor_gap, s->geomean_ref_box_floor_gap);
    fprintf(f, "| utilization, geomean (reference) | %.1f%% (%.1f%%) |\n", s->geomean_util * 100,
            s->geomean_ref_util * 100);
    fprintf(f, "| proofs: optimal in space / globally optimal | %d / %d |\n", s->noptimal, s->nglobal);
    fprintf(f, "| solve time median / p90 / max | %.0f / %.0f / %.0f ms |\n", s->solve_median_ms,
            s->solve_p90_ms, s->solve_max_ms);
    fprintf(f, "| cost model vs simulator, error median / max | %.2f%% / %.2f%% (%d programs) |\n",
            s->model_err_median * 100, s->model_err_max * 100, s->nmodel);
    char t[48], ls[48];
    fmt_secs(s->wall_s, t, sizeof t);
    fmt_secs(s->layers_s, ls, sizeof ls);
    fprintf(f, "| total time | %s wall, %s layer time, %d jobs |\n\n", t, ls, m->jobs);
    fprintf(f, "Lower bound per layer = max(ceil(MACs / (BATCH x BLOCK_IN x BLOCK_OUT)) GEMM "
               "cycles, compulsory bytes (natural input + weights + output) / bus bytes per "
               "cycle); gap = cycles / bound. The hardware floor adds what VTA charges on top, "
               "whatever the embedding: per accumulator row an initialization and the "
               "requantization ALU ops on the compute module, and a DRAM latency per burst on "
               "the load and store modules (bytes read at least once), and counts the GEMM "
               "iterations per output (at most BLOCK_IN products each, padding products "
               "skipped; the whole-box floor counts them, as every embedding computes "
               "them).\n\n");
}

void report_write_md(FILE *f, const report_meta *m, const bench_result *r, int n,
                     const bench_summary *s, const baseline_cmp *cmp) {
    fprintf(f, "# embedsyn bench report\n\n");
    if (m->interrupted)
        fprintf(f, "**INTERRUPTED run** (SIGINT/SIGTERM): %d of %d layers finished before the "
                   "interrupt; this report covers only them, layers in flight were dropped, and "
                   "the summary is not comparable with a complete run.\n\n",
                n, m->total_layers);
    fprintf(f, "Hardware `%s`, suites:", m->hardware);
    for (int i = 0; i < m->nsuites; i++)
        fprintf(f, "%s `%s`", i ? "," : "", m->suites[i]);
    fprintf(f, "; objective `%s`; evaluator `%s`; sampled check of %" PRId64
               " outputs per layer; %d of %d layers",
            m->objective, m->evaluator, m->check_sample, n, m->total_layers);
    if (m->shard_n > 1)
        fprintf(f, " (shard %d/%d)", m->shard_i, m->shard_n);
    fprintf(f, "; started %s.\n\n", m->started[0] ? m->started : "?");

    md_summary(f, m, s);
    fprintf(f, "![speedup per layer](speedup.svg)\n\n"
               "*Speedup per layer: reference cycles / embedsyn cycles on the VTA simulator, log "
               "scale, one bar per layer in suite order, colored by suite; bars above the 1x line "
               "are faster than TVM's reference strategy.*\n\n"
               "![utilization vs layout bytes](layout.svg)\n\n"
               "*Utilization vs DRAM bytes of the layouts, for the layers whose reference "
               "utilization is below 50%%: grey circle = reference (channel packing), dot = the "
               "chosen embedding, dashed staircase = the encoder's Pareto front (with --pareto), "
               "squares = points of an enumeration a solver limit cut short.*\n\n"
               "![cycles vs lower bound](roofline.svg)\n\n"
               "*Cycles vs the per-layer lower bound (max of the compute bound and compulsory "
               "bytes / bus bytes per cycle): solid line = the bound, dashed = 2x the bound; "
               "filled = embedsyn (circle compute-bound, square memory-bound), hollow = "
               "reference.*\n\n");

    if (cmp) {
        fprintf(f, "## Baseline comparison\n\n%d regression(s), %d improvement(s), %d note(s).\n\n",
                cmp->nregress, cmp->nimprove, cmp->nnote);
        if (cmp->n) {
            static const char *const kind[] = {"**regression**", "improvement", "note"};
            fprintf(f, "| kind | layer | what | detail |\n|---|---|---|---|\n");
            for (int i = 0; i < cmp->n; i++) {
                fprintf(f, "| %s | `%s` | %s | ", kind[cmp->c[i].kind], cmp->c[i].key, cmp->c[i].what);
                md_cell(f, cmp->c[i].msg);
                fputs(" |\n", f);
            }
            fputc('\n', f);
        }
    }

    int nnf = 0;
    for (int i = 0; i < n; i++)
        nnf += !r[i].ok || (bench_has_speedup(&r[i]) && r[i].speedup <= 1);
    if (nnf) {
        fprintf(f, "## Layers where embedsyn is not faster\n\n| layer | shape | speedup | why |\n|---|---|---|---|\n");
        for (int i = 0; i < n; i++) {
            if (r[i].ok && !(bench_has_speedup(&r[i]) && r[i].speedup <= 1))
                continue;
            char why[400];
            bench_explain(&r[i], why, sizeof why);
            fprintf(f, "| `%s/%s` | %s | %.3fx | ", r[i].suite, r[i].name, r[i].shape, r[i].speedup);
            md_cell(f, why);
            fputs(" |\n", f);
        }
        fputc('\n', f);
    }

    int npf = 0;
    for (int i = 0; i < n; i++)
        npf += r[i].ok && r[i].pareto[0];
    if (npf) {
        fprintf(f, "## Layout alternatives (Pareto fronts of utilization vs layout bytes)\n\n"
                   "| layer | reference | chosen | front: utilization @ layout bytes |\n|---|---|---|---|\n");
        for (int i = 0; i < n; i++) {
            if (!r[i].ok || !r[i].pareto[0])
                continue;
            double pu[32];
            int64_t pb[32];
            int np = bench_pareto_parse(&r[i], pu, pb, 32);
            fprintf(f, "| `%s/%s` | %.1f%% @ %" PRId64 " | %.1f%% @ %" PRId64 " (%s) | ", r[i].suite,
                    r[i].name, r[i].ref_util * 100, r[i].ref_dram_bytes, r[i].util * 100,
                    r[i].dram_bytes, r[i].layout_class);
            for (int k = 0; k < np; k++)
                fprintf(f, "%s%.1f%% @ %" PRId64, k ? "; " : "", pu[k] * 100, pb[k]);
            if (bench_pareto_incomplete(&r[i]))
                fputs(" (incomplete: a solver limit cut the enumeration short; not a front)", f);
            fputs(" |\n", f);
        }
        fputc('\n', f);
    }

    fprintf(f, "## Per layer\n\n");
    fprintf(f, "| # | layer | shape | ref cycles | cycles | speedup | ref util | util | ref bytes "
               "| bytes | layout | bound | gap | solve ms | proof | check |\n");
    fprintf(f, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|\n");
    for (int i = 0; i < n; i++) {
        const bench_result *x = &r[i];
        fprintf(f, "| %d | `%s/%s` | %s | ", (int)x->index, x->suite, x->name, x->shape);
        if (!x->ok) {
            fputs("error: ", f);
            md_cell(f, x->error);
            fputs(" | | | | | | | | | | | | |\n", f);
            continue;
        }
        fprintf(f, "%" PRId64 " | %" PRId64 " | %.3fx | %.1f%% | %.1f%% | %" PRId64 " | %" PRId64 " | ",
                x->ref_cycles, x->cycles, x->speedup, x->ref_util * 100, x->util * 100,
                x->ref_dram_bytes, x->dram_bytes);
        md_cell(f, x->layout_class);
        fprintf(f, " | %" PRId64 " (%s) | %.2fx | %.0f | %s%s | %s |\n", x->lower_bound,
                x->compute_bound >= x->bytes_bound ? "compute" : "memory", x->gap, x->solve_ms,
                enc_proof_name(x->proof), x->global ? ", global" : "",
                x->ref_check == DRV_CHECK_FAIL ? "fail (reference)" : driver_check_name(x->check));
    }
}

/* ---- directory ------------------------------------------------------------------ */

typedef enum { OUT_CSV, OUT_JSON, OUT_MD, OUT_SPEEDUP, OUT_LAYOUT, OUT_ROOF } out_kind;

bool report_write_dir(const char *dir, const report_meta *m, const bench_result *r, int n,
                      const bench_summary *s, const baseline_cmp *cmp, status *st) {
    if (!text_mkdir_p(dir, st))
        return false;
    static const char *const names[] = {"results.csv", "results.json", "report.md",
                                        "speedup.svg", "layout.svg", "roofline.svg"};
    for (int k = 0; k < 6; k++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        FILE *f = fopen(path, "w");
        if (!f)
            return status_fail(st, "%s: cannot write: %s", path, strerror(errno));
        switch ((out_kind)k) {
        case OUT_CSV:
            if (m->interrupted) /* a comment line: pandas read_csv(comment='#') skips it */
                fprintf(f, "# INTERRUPTED run: %d of %d layers finished\n", n, m->total_layers);
            report_write_csv(f, r, n);
            break;
        case OUT_JSON: report_write_json(f, m, r, n, s); break;
        case OUT_MD: report_write_md(f, m, r, n, s, cmp); break;
        case OUT_SPEEDUP: plot_speedup_svg(f, r, n); break;
        case OUT_LAYOUT: plot_layout_svg(f, r, n); break;
        case OUT_ROOF: plot_roofline_svg(f, r, n); break;
        }
        bool err = ferror(f) != 0;
        if (fclose(f) != 0 || err)
            return status_fail(st, "%s: write error", path);
    }
    return true;
}

/* ---- merging shards --------------------------------------------------------------- */

static int cmp_index(const void *a, const void *b) {
    const bench_result *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

bool report_merge(const char *const *paths, int npaths, report_meta *m, bench_result **r,
                  int *n, int *missing, status *st) {
    *r = NULL;
    *n = 0;
    *missing = 0;
    report_meta_init(m);
    bench_result *all = NULL;
    int nall = 0;
    bool ok = true;
    for (int k = 0; ok && k < npaths; k++) {
        char path[4200];
        struct stat sb;
        if (stat(paths[k], &sb) == 0 && S_ISDIR(sb.st_mode))
            snprintf(path, sizeof path, "%s/results.json", paths[k]);
        else
            snprintf(path, sizeof path, "%s", paths[k]);
        report_meta mk;
        bench_result *rk;
        int nk;
        if (!(ok = report_read_json(path, &mk, &rk, &nk, st)))
            break;
        if (k == 0) {
            *m = mk;
            m->shard_i = 0;
            m->shard_n = 1;
            m->jobs = 0;
            m->wall_s = 0;
        } else if (strcmp(mk.hardware, m->hardware) != 0) {
            ok = status_fail(st, "%s: hardware '%s' differs from '%s' of %s", path, mk.hardware,
                             m->hardware, paths[0]);
        } else if (mk.total_layers != m->total_layers) {
            ok = status_fail(st, "%s: run of %d layers cannot merge with a run of %d layers (%s)",
                             path, mk.total_layers, m->total_layers, paths[0]);
        } else if (strcmp(mk.evaluator, m->evaluator) != 0 || strcmp(mk.objective, m->objective) != 0) {
            ok = status_fail(st, "%s: evaluator/objective %s/%s differs from %s/%s of %s", path,
                             mk.evaluator, mk.objective, m->evaluator, m->objective, paths[0]);
        }
        if (ok) {
            report_meta_add_suites(m, &mk);
            m->jobs += mk.jobs;
            m->interrupted |= mk.interrupted;
            /* Shards run side by side: the merged run took as long as the slowest. */
            m->wall_s = fmax(m->wall_s, mk.wall_s);
            if (!m->started[0] || (mk.started[0] && strcmp(mk.started, m->started) < 0))
                snprintf(m->started, sizeof m->started, "%s", mk.started);
            all = realloc(all, (size_t)(nall + nk + 1) * sizeof *all);
            ES_ASSERT(all != NULL);
            if (nk)
                memcpy(all + nall, rk, (size_t)nk * sizeof *all);
            nall += nk;
        }
        free(rk);
    }
    if (ok) {
        qsort(all, (size_t)nall, sizeof *all, cmp_index);
        for (int i = 1; ok && i < nall; i++)
            if (all[i].index == all[i - 1].index)
                ok = status_fail(st, "layer %d (%s/%s) appears in more than one input",
                                 (int)all[i].index, all[i].suite, all[i].name);
    }
    if (!ok) {
        free(all);
        return false;
    }
    *r = all;
    *n = nall;
    *missing = m->total_layers - nall;
    return true;
}
