/* cmd_cost_validate: `embedsyn cost --validate SUITE.xml...`: for every layer of the
 * suites and each program kind (the reference strategy with its template schedule;
 * im2col over all reduction dims and channel packing with the free schedule search),
 * the cost model's cycles next to the cycle simulator's (timing only) for the schedules
 * the search ranks best, and per suite and kind the median and maximum relative error.
 * Invariant: the simulated program is the one the driver runs for that schedule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_cost.h"
#include "core/spec.h"
#include "vta/cost.h"
#include "vta/refstrat.h"

typedef enum { VK_REF, VK_IM2COL, VK_PACK, VK_N } vkind;
static const char *const vk_name[VK_N] = {"reference", "im2col", "packing"};

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void cost_err_stats(double *err, int n, double *median, double *max) {
    *median = *max = 0;
    if (n == 0) return;
    for (int i = 0; i < n; i++) err[i] = fabs(err[i]);
    qsort(err, (size_t)n, sizeof *err, cmp_dbl);
    *median = n % 2 ? err[n / 2] : (err[n / 2 - 1] + err[n / 2]) / 2;
    *max = err[n - 1];
}

/* Model vs simulator for the top schedules of one program kind; appends errors. */
static bool validate_kind(const op *o, const hw_config *hw, vkind vk, int top, bool json, const char *suite,
                          double *err, int *nerr, int cap, status *st) {
    emb e;
    if (vk == VK_IM2COL) {
        char dims[64];
        op_reduction_dims(o, dims, sizeof dims);
        if (!emb_im2col(o, HW_INTRINSIC(hw), dims, &e, st)) return false;
    } else if (!emb_channel_packing(o, HW_INTRINSIC(hw), &e, st)) {
        return false;
    }
    emb_nest n;
    if (!emb_check(o, HW_INTRINSIC(hw), &e, st) || !emb_nest_build(o, HW_INTRINSIC(hw), &e, &n, st)) return false;
    sched_opts so;
    if (vk == VK_REF)
        refstrat_sched_opts(o, &n, &so);
    else
        sched_opts_init(&so);
    so.e = &e;
    sched cand[SCHED_MAX_TOP];
    int k = vk == VK_REF ? 1 : top;
    int m = sched_search_top(o, hw, &n, &so, k, cand, st);
    if (m == 0) return false;
    for (int i = 0; i < m; i++) {
        sim_report rep;
        if (!cost_sim(o, hw, &e, &n, &cand[i], &rep, st)) return false;
        double model = cand[i].est_cycles, sim = (double)rep.cycles;
        double er = sim > 0 ? (model - sim) / sim : 0;
        if (*nerr < cap) err[(*nerr)++] = er;
        if (json)
            printf("{\"suite\":\"%s\",\"name\":\"%s\",\"program\":\"%s\",\"candidate\":%d,\"model_cycles\":%.0f,"
                   "\"sim_cycles\":%llu,\"error\":%.6f}\n",
                   suite, o->name, vk_name[vk], i, model, (unsigned long long)rep.cycles, er);
        else
            printf("%-28s %-22s %-9s %2d %12.0f %12llu %+8.2f%%\n", suite, o->name, vk_name[vk], i, model,
                   (unsigned long long)rep.cycles, 100 * er);
    }
    return true;
}

int cost_validate_suites(char **paths, int npaths, const hw_config *hw, int top, bool json, const char *filter) {
    int rc = 0;
    if (!json)
        printf("%-28s %-22s %-9s %2s %12s %12s %9s\n", "suite", "layer", "program", "k", "model", "simulator",
               "error");
    for (int p = 0; p < npaths; p++) {
        status st;
        status_init(&st);
        char name[64];
        op *ops = NULL;
        int nops = 0;
        if (!spec_load_suite(paths[p], name, sizeof name, &ops, &nops, &st)) {
            fprintf(stderr, "embedsyn cost: %s\n", st.msg);
            return 2;
        }
        int cap = nops * (2 * top + 1);
        double *err[VK_N];
        int nerr[VK_N] = {0};
        for (int k = 0; k < VK_N; k++) err[k] = calloc((size_t)cap + 1, sizeof(double));
        for (int i = 0; i < nops; i++) {
            if (filter && !strstr(ops[i].name, filter)) continue;
            for (int k = 0; k < VK_N; k++) {
                status_init(&st);
                if (!validate_kind(&ops[i], hw, (vkind)k, top, json, name, err[k], &nerr[k], cap, &st)) {
                    fprintf(stderr, "embedsyn cost: %s %s %s: %s\n", name, ops[i].name, vk_name[k], st.msg);
                    rc = 1;
                }
            }
            fflush(stdout);
        }
        for (int k = 0; k < VK_N; k++) {
            double med, mx;
            int cnt = nerr[k];
            cost_err_stats(err[k], cnt, &med, &mx);
            if (json)
                printf("{\"suite\":\"%s\",\"program\":\"%s\",\"programs\":%d,\"median_error\":%.6f,\"max_error\":%.6f}\n",
                       name, vk_name[k], cnt, med, mx);
            else
                printf("summary %-28s %-9s %4d programs: model error median %.2f%%, max %.2f%%\n", name, vk_name[k],
                       cnt, 100 * med, 100 * mx);
            free(err[k]);
        }
        free(ops);
    }
    return rc;
}
