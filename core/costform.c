/* costform: evaluation of the embedding-level cycle estimate (see costform.h). The
 * encoder builds the same integer as a bit-vector term; tests compare the two.
 * Invariant: pure integer arithmetic, no rounding anywhere before the final division. */
#include "core/costform.h"

bool costform_check(const costform *cf, status *st) {
    if (!cf->set)
        return status_fail(st, "no cost form");
    if (cf->den < 1 || cf->nmod < 1 || cf->nmod > COSTFORM_MAX_MOD)
        return status_fail(st, "cost form: bad denominator or module count");
    bool any = false;
    for (int m = 0; m < cf->nmod; m++) {
        if (cf->inst[m] < 0 || cf->inst[m] > COSTFORM_MAX_COEF)
            return status_fail(st, "cost form: module %d instance coefficient out of range", m);
        any |= cf->inst[m] > 0;
        for (int x = 0; x < 3; x++)
            if (cf->byte[m][x] < 0 || cf->byte[m][x] > COSTFORM_MAX_COEF)
                return status_fail(st, "cost form: module %d byte coefficient out of range", m);
    }
    if (cf->w_max < 0 || cf->w_sum < 0 || cf->w_max > COSTFORM_MAX_COEF ||
        cf->w_sum > COSTFORM_MAX_COEF || cf->w_max + cf->w_sum == 0)
        return status_fail(st, "cost form: bad weights");
    if (cf->fixed < 0 || cf->fixed > ((int64_t)1 << 40))
        return status_fail(st, "cost form: fixed part out of range");
    if (!any)
        return status_fail(st, "cost form: no module counts GEMM instances");
    return true;
}

costform_u128 costform_eval_costs(const costform *cf, int64_t instances, const int64_t *bytes,
                                  costform_u128 *mod) {
    costform_u128 mx = 0, sum = 0;
    for (int m = 0; m < cf->nmod; m++) {
        costform_u128 v = (costform_u128)cf->inst[m] * (costform_u128)instances;
        for (int x = 0; x < 3; x++)
            v += (costform_u128)cf->byte[m][x] * (costform_u128)bytes[x];
        if (mod)
            mod[m] = v;
        if (v > mx)
            mx = v;
        sum += v;
    }
    return (costform_u128)cf->w_max * mx + (costform_u128)cf->w_sum * sum +
           (costform_u128)cf->fixed;
}

costform_u128 costform_eval(const costform *cf, const emb_nest *n) {
    return costform_eval_costs(cf, n->instances, n->dram_bytes, NULL);
}

double costform_cycles(const costform *cf, costform_u128 s) {
    return (double)s / (double)cf->den;
}

uint64_t costform_u64(costform_u128 s) {
    return s > (costform_u128)UINT64_MAX ? UINT64_MAX : (uint64_t)s;
}

void costform_print(FILE *f, const costform *cf) {
    static const char *opnd[3] = {"inp", "wgt", "out"};
    fprintf(f, "(%lld*max + %lld*sum over", (long long)cf->w_max, (long long)cf->w_sum);
    for (int m = 0; m < cf->nmod; m++) {
        fprintf(f, "%s %s=%lld*inst", m ? "," : "", cf->mod_name[m], (long long)cf->inst[m]);
        for (int x = 0; x < 3; x++)
            if (cf->byte[m][x])
                fprintf(f, "+%lld*%s", (long long)cf->byte[m][x], opnd[x]);
    }
    fprintf(f, " + %lld) / %lld\n", (long long)cf->fixed, (long long)cf->den);
}
