/* Tests of the Pareto-front handling of bench/bench_stats.c: dominated points never
 * stay (checked against a brute-force dominance test), an incomplete enumeration is
 * marked and parses back to the same points. */
#include "tests/bench_util.h"

static bool dominated(double u, int64_t b, const double *pu, const int64_t *pb, int n) {
    for (int j = 0; j < n; j++)
        if (pu[j] >= u && pb[j] <= b && (pu[j] > u || pb[j] < b))
            return true;
    return false;
}

Test(bench_stats, pareto_set_drops_dominated_points) {
    uint64_t seed = 7;
    for (int it = 0; it < 200; it++) {
        double u[12];
        int64_t b[12];
        int n = 1 + (int)(es_splitmix64(&seed) % 12);
        for (int k = 0; k < n; k++) {
            u[k] = (double)(1 + es_splitmix64(&seed) % 8) / 8;
            b[k] = (int64_t)(100 + es_splitmix64(&seed) % 8 * 50);
        }
        bench_result r;
        memset(&r, 0, sizeof r);
        r.cycles = 1;
        r.util = (double)(1 + es_splitmix64(&seed) % 8) / 8;
        r.dram_bytes = (int64_t)(100 + es_splitmix64(&seed) % 8 * 50);
        bool complete = it % 3 != 0;
        bench_pareto_set(&r, u, b, n, complete);
        cr_assert_eq(bench_pareto_incomplete(&r), !complete && r.pareto[0] != '\0', "%s", r.pareto);
        double pu[16];
        int64_t pb[16];
        int np = bench_pareto_parse(&r, pu, pb, 16);
        /* every kept point is one of the input points, not dominated by any input point
         * nor by the chosen embedding, and points are distinct in increasing bytes */
        for (int k = 0; k < np; k++) {
            bool found = false;
            for (int j = 0; j < n; j++)
                found |= u[j] == pu[k] && b[j] == pb[k];
            cr_assert(found);
            cr_assert_not(dominated(pu[k], pb[k], u, b, n), "%s", r.pareto);
            cr_assert_not(dominated(pu[k], pb[k], &r.util, &r.dram_bytes, 1), "%s", r.pareto);
            if (k)
                cr_assert_lt(pb[k - 1], pb[k], "%s", r.pareto);
        }
        /* every non-dominated input point is kept */
        int want = 0;
        for (int j = 0; j < n; j++) {
            bool dup = false;
            for (int i = 0; i < j; i++)
                dup |= u[i] == u[j] && b[i] == b[j];
            want += !dup && !dominated(u[j], b[j], u, b, n) &&
                    !dominated(u[j], b[j], &r.util, &r.dram_bytes, 1);
        }
        cr_assert_eq(np, want, "%s", r.pareto);
    }
}
