/* bench_stats: statistics over finished results (geomean, median, percentiles), the
 * run summary, Pareto fronts stored in a result and the one-line explanation of a
 * result; split from bench.c (the runner), which produces the results these read.
 * Invariant: these functions only read results (bench_pareto_add only appends to its
 * own result) and never depend on run order: the same results give the same summary. */
#include "bench/bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- statistics ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *sorted_copy(const double *x, int n) {
    double *s = malloc((size_t)(n > 0 ? n : 1) * sizeof *s);
    ES_ASSERT(s != NULL);
    if (n > 0)
        memcpy(s, x, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return s;
}

double bench_geomean(const double *x, int n) {
    if (n <= 0)
        return 0;
    double acc = 0;
    for (int i = 0; i < n; i++) {
        ES_ASSERT(x[i] > 0);
        acc += log(x[i]);
    }
    return exp(acc / n);
}

double bench_median(const double *x, int n) {
    if (n <= 0)
        return 0;
    double *s = sorted_copy(x, n);
    double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return m;
}

double bench_percentile(const double *x, int n, double p) {
    if (n <= 0)
        return 0;
    ES_ASSERT(p > 0 && p <= 100);
    double *s = sorted_copy(x, n);
    /* Nearest rank; the small epsilon keeps e.g. 0.9 * 10 from rounding up to 10. */
    int rank = (int)ceil(p / 100.0 * n - 1e-9);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    double v = s[rank - 1];
    free(s);
    return v;
}

void bench_key(const bench_result *r, char *buf, size_t len) {
    snprintf(buf, len, "%s/%s", r->suite, r->name);
}

/* Cost model vs simulator over both programs of every ok layer (bench_summary). */
static void model_error(const bench_result *r, int n, bench_summary *s) {
    double *e = calloc((size_t)(2 * n + 1), sizeof(double));
    ES_ASSERT(e != NULL);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!r[i].ok) continue;
        if (r[i].est_cycles > 0 && r[i].cycles > 0)
            e[k++] = fabs((double)(r[i].est_cycles - r[i].cycles)) / (double)r[i].cycles;
        if (r[i].ref_est_cycles > 0 && r[i].ref_cycles > 0)
            e[k++] = fabs((double)(r[i].ref_est_cycles - r[i].ref_cycles)) / (double)r[i].ref_cycles;
    }
    s->nmodel = k;
    s->model_err_median = bench_median(e, k);
    s->model_err_max = k ? bench_percentile(e, k, 100) : 0;
    free(e);
}

/* A known (> 0) gap g of layer x into v[*n], and the largest so far with its layer. */
static void take_gap(const bench_result *x, double g, double *v, int *n, double *max, char *layer, size_t len) {
    if (g <= 0) return;
    v[(*n)++] = g;
    if (*n == 1 || g > *max) {
        *max = g;
        bench_key(x, layer, len);
    }
}

void bench_summarize(const bench_result *r, int n, bench_summary *s) {
    memset(s, 0, sizeof *s);
    s->n = n;
    double *sp = calloc((size_t)(n > 0 ? n : 1) * 10, sizeof(double));
    ES_ASSERT(sp != NULL);
    double *spw = sp + n, *gap = spw + n, *rgap = gap + n, *solve = rgap + n, *ut = solve + n;
    double *fgap = ut + n, *rfgap = fgap + n, *bgap = rfgap + n, *rbgap = bgap + n;
    double *rut = sp; /* reused after speedups are done: see below */
    int nsp = 0, nspw = 0, ngap = 0, nrgap = 0, nsolve = 0, nut = 0, nfgap = 0, nrfgap = 0, nbgap = 0, nrbgap = 0;
    for (int i = 0; i < n; i++) {
        const bench_result *x = &r[i];
        s->layers_s += x->wall_ms / 1000;
        if (bench_check_failed(x))
            s->ncheck_fail++;
        if (!x->ok) {
            s->nerror++;
            continue;
        }
        s->nok++;
        if (x->proof == ENC_PROOF_OPTIMAL)
            s->noptimal++;
        if (x->global)
            s->nglobal++;
        s->nref_no_schedule += x->ref_no_schedule;
        if (bench_has_speedup(x)) {
            sp[nsp++] = x->speedup;
            if (x->ref_util < 0.5) {
                s->nweak++;
                spw[nspw++] = x->speedup;
            }
            if (x->speedup < 1)
                s->nslower++;
            if (x->speedup <= 1)
                s->nnot_faster++;
            if (nsp == 1 || x->speedup < s->min_speedup) {
                s->min_speedup = x->speedup;
                bench_key(x, s->min_speedup_layer, sizeof s->min_speedup_layer);
            }
            if (nsp == 1 || x->speedup > s->max_speedup) {
                s->max_speedup = x->speedup;
                bench_key(x, s->max_speedup_layer, sizeof s->max_speedup_layer);
            }
        }
        take_gap(x, x->gap, gap, &ngap, &s->max_gap, s->max_gap_layer, sizeof s->max_gap_layer);
        if (x->ref_gap > 0)
            rgap[nrgap++] = x->ref_gap;
        take_gap(x, x->floor_gap, fgap, &nfgap, &s->max_floor_gap, s->max_floor_gap_layer,
                 sizeof s->max_floor_gap_layer);
        if (x->ref_floor_gap > 0)
            rfgap[nrfgap++] = x->ref_floor_gap;
        if (x->box_floor_cycles > 0 && x->cycles > 0)
            bgap[nbgap++] = (double)x->cycles / (double)x->box_floor_cycles;
        if (x->box_floor_cycles > 0 && x->ref_cycles > 0)
            rbgap[nrbgap++] = (double)x->ref_cycles / (double)x->box_floor_cycles;
        solve[nsolve++] = x->solve_ms;
        s->solve_total_ms += x->solve_ms;
        if (x->util > 0)
            ut[nut++] = x->util;
    }
    s->geomean_speedup = bench_geomean(sp, nsp);
    s->geomean_speedup_weak = bench_geomean(spw, nspw);
    s->geomean_gap = bench_geomean(gap, ngap);
    s->geomean_ref_gap = bench_geomean(rgap, nrgap);
    s->geomean_floor_gap = bench_geomean(fgap, nfgap);
    s->geomean_ref_floor_gap = bench_geomean(rfgap, nrfgap);
    s->geomean_box_floor_gap = bench_geomean(bgap, nbgap);
    s->geomean_ref_box_floor_gap = bench_geomean(rbgap, nrbgap);
    s->geomean_util = bench_geomean(ut, nut);
    s->solve_median_ms = bench_median(solve, nsolve);
    s->solve_p90_ms = bench_percentile(solve, nsolve, 90);
    s->solve_max_ms = nsolve ? bench_percentile(solve, nsolve, 100) : 0;
    int nrut = 0;
    for (int i = 0; i < n; i++)
        if (r[i].ok && r[i].ref_util > 0)
            rut[nrut++] = r[i].ref_util;
    s->geomean_ref_util = bench_geomean(rut, nrut);
    free(sp);
    model_error(r, n, s);
}

bool bench_pareto_add(bench_result *r, double util, int64_t bytes) {
    size_t n = strlen(r->pareto);
    char pt[64];
    int w = snprintf(pt, sizeof pt, "%s%.6g:%lld", n ? ";" : "", util, (long long)bytes);
    if (w < 0 || n + (size_t)w >= sizeof r->pareto)
        return false;
    memcpy(r->pareto + n, pt, (size_t)w + 1);
    return true;
}

static bool dominates(double ua, int64_t ba, double ub, int64_t bb) {
    return ua >= ub && ba <= bb && (ua > ub || ba < bb);
}

void bench_pareto_set(bench_result *r, const double *util, const int64_t *bytes, int n,
                      bool complete) {
    r->pareto[0] = '\0';
    if (!complete && n > 0)
        snprintf(r->pareto, sizeof r->pareto, "~");
    int *keep = malloc((size_t)(n > 0 ? n : 1) * sizeof *keep);
    ES_ASSERT(keep != NULL);
    int nk = 0;
    for (int i = 0; i < n; i++) {
        bool dom = r->cycles > 0 && dominates(r->util, r->dram_bytes, util[i], bytes[i]);
        for (int j = 0; j < n && !dom; j++)
            dom = dominates(util[j], bytes[j], util[i], bytes[i]) ||
                  (j < i && util[j] == util[i] && bytes[j] == bytes[i]);
        if (!dom)
            keep[nk++] = i;
    }
    for (int a = 1; a < nk; a++) /* increasing bytes */
        for (int b = a; b > 0 && bytes[keep[b]] < bytes[keep[b - 1]]; b--) {
            int t = keep[b];
            keep[b] = keep[b - 1];
            keep[b - 1] = t;
        }
    for (int k = 0; k < nk; k++) {
        size_t len = strlen(r->pareto);
        char pt[64];
        int w = snprintf(pt, sizeof pt, "%s%.6g:%lld", len && r->pareto[len - 1] != '~' ? ";" : "",
                         util[keep[k]], (long long)bytes[keep[k]]);
        if (w < 0 || len + (size_t)w >= sizeof r->pareto)
            break;
        memcpy(r->pareto + len, pt, (size_t)w + 1);
    }
    free(keep);
}

bool bench_pareto_incomplete(const bench_result *r) { return r->pareto[0] == '~'; }

int bench_pareto_parse(const bench_result *r, double *util, int64_t *bytes, int max) {
    int n = 0;
    const char *p = r->pareto;
    if (*p == '~')
        p++;
    while (*p && n < max) {
        char *end;
        double u = strtod(p, &end);
        if (end == p || *end != ':')
            break;
        p = end + 1;
        long long b = strtoll(p, &end, 10);
        if (end == p)
            break;
        util[n] = u;
        bytes[n] = (int64_t)b;
        n++;
        p = end;
        if (*p != ';')
            break;
        p++;
    }
    return n;
}

void bench_explain(const bench_result *r, char *buf, size_t len) {
    if (!r->ok) {
        snprintf(buf, len, "error: %s", r->error);
        return;
    }
    bool same_util = r->util <= r->ref_util * (1 + 1e-9);
    bool equal = fabs(r->speedup - 1) < 1e-3;
    bool more_traffic = r->traffic > r->ref_traffic + r->ref_traffic / 100;
    bool more_gemm = r->gemm > r->ref_gemm;
    bool mem_bound = r->bytes_bound >= r->compute_bound;
    char what[200], why[240];
    /* What the embedding is compared with the reference's. */
    if (same_util && !strcmp(r->layout_class, "packed"))
        snprintf(what, sizeof what, "same embedding as the reference (channel packing, %.0f%% utilization%s)",
                 r->ref_util * 100,
                 r->emb_choice == DRV_CHOSE_CHANNEL_PACKING ? "; faster on the simulator than the solver's pick" : "");
    else if (same_util && r->ref_util >= 0.9995)
        snprintf(what, sizeof what, "the reference already reaches 100%% utilization (embedsyn chose %s)",
                 r->layout_class);
    else if (same_util)
        snprintf(what, sizeof what,
                 "no embedding with higher utilization than the reference's %.0f%% (chose %s, proof %s)",
                 r->ref_util * 100, r->layout_class, enc_proof_name(r->proof));
    else
        snprintf(what, sizeof what, "utilization %.0f%% vs %.0f%% (%s)", r->util * 100,
                 r->ref_util * 100, r->layout_class);
    /* Where the cycles go. */
    bool packed = !strcmp(r->layout_class, "packed");
    if (equal && packed && r->sched_tried > 1)
        snprintf(why, sizeof why,
                 "and the same cycles: none of the %d candidate schedules simulated beat the reference "
                 "template's schedule%s",
                 (int)r->sched_tried, r->sched_template ? " (chosen)" : " (an equal candidate was chosen)");
    else if (equal)
        snprintf(why, sizeof why, "and the same cycles");
    else if (more_traffic)
        snprintf(why, sizeof why, "but its program moves more DRAM data (%lld vs %lld bytes%s)",
                 (long long)r->traffic, (long long)r->ref_traffic,
                 mem_bound ? "; the layer is memory-bound" : "; tiling re-loads operands");
    else if (more_gemm)
        snprintf(why, sizeof why, "but its program runs more GEMM iterations (%lld vs %lld)",
                 (long long)r->gemm, (long long)r->ref_gemm);
    else if (r->est_cycles > 0 && r->ref_est_cycles > 0 && r->est_cycles <= r->ref_est_cycles)
        snprintf(why, sizeof why,
                 "but its schedule overlaps loads and compute less well (%lld vs %lld cycles; "
                 "the cost model expected %lld vs %lld)",
                 (long long)r->cycles, (long long)r->ref_cycles, (long long)r->est_cycles,
                 (long long)r->ref_est_cycles);
    else
        snprintf(why, sizeof why,
                 "but its schedule overlaps loads and compute less well (%lld vs %lld cycles)",
                 (long long)r->cycles, (long long)r->ref_cycles);
    snprintf(buf, len, "%s, %s", what, why);
}
