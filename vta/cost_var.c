/* cost_var: the stalls that the DMA cost's variation from tile to tile adds to the
 * walk's estimate (cost_int_variation in cost_int.h).
 *
 * The class tables cost every DMA box at the mean over the DRAM addresses its tiles
 * take (cost.c's rows model), which is exact in sum: the model's LOAD busy cycles match
 * the simulator's. But a tile's cost depends on where its rows start relative to the
 * 2 KiB burst boundaries (a row that crosses one pays another DRAM latency), and the
 * boxes of consecutive tiles start a fixed number of bytes apart, so slow and fast
 * tiles follow a pattern (at a 512-bit bus an 11-row WGT box took 488 or 840 cycles).
 * When LOAD and GEMM take about as long per tile, the slow tiles stall the GEMMs and
 * the double buffering cannot give all the time back, so the mean underestimates.
 * Here the load/GEMM pipeline (a batch's load waits for the GEMMs of the batch D slots
 * earlier, a GEMM for its batch's load) runs over the first CV_WINDOW tiles twice: with
 * every load at its tile's real address (cost_int_box_exact) and with the walk's costs
 * (the class means; for DMA-padded operands the mean of the tile's position, as
 * cost_int_load gives it) scaled to the same total; the difference per tile, times
 * the program's tiles, is the extra estimate. 0 when no tile step moves a box to
 * another burst-boundary residue, or when the full tiles' load and GEMM differ by more
 * than the variation can reach (one more burst per row).
 * Invariant: a pure function of the context; deterministic. */
#include <math.h>

#include "vta/cost.h"
#include "vta/cost_int.h"

#define CV_WINDOW 96

static int64_t mod_pos(int64_t a, int64_t m) {
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* The pipeline's end over n tiles: loads ld[t] (a new batch where newb[t]), on the
 * compute module per tile the header hd[t] (the output tile's reset or bias load: it
 * does not wait for the load), the GEMMs gm[t] and the epilogue ep[t]; D load slots.
 * A batch's slot frees when its GEMMs end (codegen pushes the compute -> load token
 * right after the GEMM, before the epilogue), as in the walk. */
static double pipeline_end(int n, const double *ld, const bool *newb, const double *hd, const double *gm,
                           const double *ep, int D) {
    double bge[CV_WINDOW], le = 0, ce = 0;
    int nb = -1;
    for (int t = 0; t < n; t++) {
        if (newb[t]) {
            nb++;
            double st = le;
            if (nb >= D && bge[nb - D] > st) st = bge[nb - D];
            le = st + ld[t];
        }
        double h = ce + hd[t], g = (le > h ? le : h) + gm[t];
        if (nb >= 0) bge[nb] = g;
        ce = g + ep[t];
    }
    return ce;
}

/* Can the loads of the full tiles vary with the address, and by enough to cross their
 * GEMM? */
static bool may_stall(const cm_ctx *c) {
    const hw_config *hw = c->hw;
    int64_t busb = hw_bus_bytes(hw), K = hw->burst_boundary < busb ? busb : hw->burst_boundary;
    const int64_t eb[2] = {hw_elem_bytes(hw, HW_MEM_INP), hw_elem_bytes(hw, HW_MEM_WGT)};
    bool varies = false;
    for (int i = 0; i < c->nlev; i++)
        for (int x = 0; x < 2; x++)
            if (mod_pos(c->tstep[x][c->lev[i].loop] * eb[x], K) != 0) varies = true;
    const cm_class *c0 = &c->cls[0];
    int lm = cost_int_touched(c, c->nlev - 1, 0);
    double amp = 0, ld = 0;
    for (int x = 0; x < 2; x++)
        if (lm >> x & 1) {
            amp += (double)c0->ds[x].rows * (hw->dram_latency + 1.0);
            ld += c0->ld[x];
        }
    return varies && lm != 0 && fabs(ld - c0->gemm) < amp;
}

double cost_int_variation(cm_ctx *c) {
    if (c->nlev == 0 || !may_stall(c)) return 0;
    const hw_mem mem[2] = {HW_MEM_INP, HW_MEM_WGT};
    int64_t v[EMB_MAX_LOOPS] = {0}, idx[EMB_MAX_LOOPS] = {0}, total = 1;
    for (int i = 0; i < c->nlev; i++) total *= c->lev[i].count;
    int n = total < CV_WINDOW ? (int)total : CV_WINDOW;
    double lv[CV_WINDOW], lf[CV_WINDOW], hd[CV_WINDOW], gm[CV_WINDOW], ep[CV_WINDOW], sum_v = 0, sum_f = 0;
    bool newb[CV_WINDOW];
    for (int t = 0; t < n; t++) {
        int p = -1;
        if (t > 0) { /* the next tile: the innermost level steps, carries go outwards */
            p = c->nlev - 1;
            while (v[p] + 1 == c->lev[p].count) v[p--] = 0;
            v[p]++;
        }
        int k = 0;
        bool fr = true, lr = true;
        for (int i = 0; i < c->nlev; i++) {
            bool last = v[i] == c->lev[i].count - 1;
            if (last) k |= c->lev[i].lastbit;
            if (c->lev[i].red) {
                fr = fr && v[i] == 0;
                lr = lr && last;
            }
            idx[c->lev[i].loop] = v[i];
        }
        const cm_class *cl = &c->cls[k];
        int lm = cost_int_touched(c, p, k);
        lv[t] = lf[t] = 0;
        newb[t] = lm != 0;
        for (int x = 0; x < 2; x++)
            if (lm >> x & 1) {
                double d;
                int64_t g;
                if (!cost_int_box_exact(c, (emb_operand)x, mem[x], false, idx, &d, &g)) return 0;
                lv[t] += d;
                if (c->padded[x]) { /* the walk's cost of the tile's position (cost_int_load's key) */
                    int64_t key = k;
                    for (int i = 0; i < c->nlev; i++)
                        if (c->plev[x] >> i & 1) key = key * 3 + (v[i] == c->lev[i].count - 1 ? 2 : v[i] > 0);
                    cost_int_load(c, k, x, key, idx, &d, &g);
                    lf[t] += d;
                } else {
                    lf[t] += cl->ld[x];
                }
            }
        sum_v += lv[t];
        sum_f += lf[t];
        hd[t] = fr ? cl->head : 0;
        gm[t] = cl->gemm;
        ep[t] = lr ? cl->epi : 0;
    }
    if (sum_f <= 0) return 0;
    for (int t = 0; t < n; t++) lf[t] *= sum_v / sum_f; /* the same load time, spread by class */
    double extra = pipeline_end(n, lv, newb, hd, gm, ep, c->D) - pipeline_end(n, lf, newb, hd, gm, ep, c->D);
    return extra > 0 ? extra / (double)n * (double)total : 0;
}
