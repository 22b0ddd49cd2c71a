/* Tests of encoders/ (synthesis with Z3). The oracle is a brute-force enumerator that
 * lives only here and shares no code with the encoder: it walks the search space of the
 * README (section Synthesis) directly as core `emb` structs, computes instance counts
 * with its own formula (product of outer-loop extents, emb.h) and DRAM bytes with
 * core's emb_nest_build, and takes the optima. The Z3 optimum must agree on
 * >= 200 random small operators (conv and GEMM, odd sizes, strides, padding, tiny
 * channel counts, BATCH 1 and 2, BLOCK 8 and 16) and on the DeepBench layers where
 * brute force is cheap; decoded embeddings pass the full scalar checker; the encoder's
 * costs equal emb_nest's (enc_decode aborts otherwise, which fails the test); cvc5
 * re-checks exported proofs; a tiny rlimit gives status "unknown" without a crash; and
 * the formula's instance and byte terms equal emb_nest's on >= 600 random (non-optimal)
 * choices. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "core/emb.h"
#include "core/op.h"
#include "core/spec.h"
#include "encoders/enc.h"
#include "tests/enc_testlib.h"
#include "tests/test_util.h"
#include "vta/hw.h"

/* ---- brute force ------------------------------------------------------------------ */

typedef struct bf_opt {
    int axis;       /* -1 none, else emb_lane */
    int64_t ext;
    int comp;
    int64_t coef;
    int64_t band;   /* banded Toeplitz: I extent of comp (on the comp option and on comp's I term) */
} bf_opt;

#define BF_MAX 400

typedef struct bf {
    const op *o;
    const hw_config *hw;
    bool swap;
    bool bands;                 /* banded options exist for this op */
    int nopt[OP_MAX_DIMS];
    bf_opt opt[OP_MAX_DIMS][BF_MAX];
    int cur[OP_MAX_DIMS];
    /* results */
    int64_t combos;
    int64_t best_inst;          /* min instances */
    int64_t best_dram;          /* min dram over all (when do_dram) */
    int64_t lex_dram;           /* min dram among min-instance choices */
    bool do_dram;
    int pass;                   /* 0: instances (+ dram if do_dram), 1: lex dram */
} bf;

static bool col_is_zero(const op *o, int t, int d) {
    for (int j = 0; j < o->t[t].rank; j++)
        if (o->t[t].map[j][d])
            return false;
    return true;
}

static int64_t bf_comp(const op *o, int t, int d, int d2) {
    /* the integer c != 0 with col(d) + c col(d2) == 0 */
    int64_t c = 0;
    for (int j = 0; j < o->t[t].rank; j++) {
        int64_t a = o->t[t].map[j][d], b = o->t[t].map[j][d2];
        if (!b && a)
            return 0;
        if (!b)
            continue;
        if (a % b)
            return 0;
        if (c && c != -a / b)
            return 0;
        c = -a / b;
    }
    return c;
}

static void bf_add_exts(bf *b, int d, int axis, int comp, int64_t coef) {
    int64_t E = b->o->extent[d];
    int64_t L = axis == EMB_B ? hw_batch(b->hw) : axis == EMB_O ? hw_block_out(b->hw) : hw_block_in(b->hw);
    int64_t efit = 0;
    for (int64_t e = 2; e <= E && comp >= 0 && b->bands; e++) {
        bool ok = e == E || (e <= L && (L % e == 0 || E % e == 0));
        if (ok && b->o->extent[comp] + llabs(coef) * (e - 1) <= hw_block_in(b->hw))
            efit = e;
    }
    for (int64_t e = 2; e <= E; e++) {
        bool ok = e == E || (e <= L && (L % e == 0 || E % e == 0));
        if (!ok)
            continue;
        cr_assert(b->nopt[d] < BF_MAX);
        b->opt[d][b->nopt[d]++] = (bf_opt){axis, e, comp, coef, 0};
        /* the banded variant (for the largest e whose band fits one I chunk): comp is
         * also the I term along the band of its values one block needs,
         * b = min(BLOCK_IN, E_comp + |coef|(e-1)) (enc_space.h) */
        if (comp < 0 || e != efit)
            continue;
        int64_t range = b->o->extent[comp] + llabs(coef) * (e - 1), LI = hw_block_in(b->hw);
        int64_t band = range < LI ? range : LI;
        if (band <= b->o->extent[comp] && band < range)
            continue;
        cr_assert(b->nopt[d] < BF_MAX);
        b->opt[d][b->nopt[d]++] = (bf_opt){axis, e, comp, coef, band};
    }
}

/* The I terms of banded options' compensated dims (after all options exist). */
static void bf_add_bands(bf *b) {
    for (int d = 0; d < b->o->ndims; d++)
        for (int k = 0; k < b->nopt[d]; k++) {
            bf_opt p = b->opt[d][k];
            if (p.band == 0 || p.comp < 0)
                continue;
            bool have = false;
            for (int j = 0; j < b->nopt[p.comp]; j++)
                have |= b->opt[p.comp][j].band == p.band && b->opt[p.comp][j].comp < 0;
            cr_assert(b->nopt[p.comp] < BF_MAX);
            if (!have)
                b->opt[p.comp][b->nopt[p.comp]++] = (bf_opt){EMB_I, p.band, -1, 0, p.band};
        }
}

/* Banded options exist when the reduction dims that no Toeplitz direction (either
 * swap, axis O or B) compensates have a product below BLOCK_IN and the Out dims that
 * keep In fixed one below BLOCK_OUT (enc_space.h). */
static bool bf_bands(const bf *b) {
    const op *o = b->o;
    bool is_target[OP_MAX_DIMS] = {false};
    for (int sw = 0; sw < 2; sw++)
        for (int k = 0; k < 2; k++) {
            int T = k == 0 ? (sw ? OP_WT : OP_IN) : (sw ? OP_IN : OP_WT);
            if (k == 1 && hw_batch(b->hw) == 1)
                continue;
            for (int d = 0; d < o->ndims; d++) {
                if (o->extent[d] < 2 || col_is_zero(o, OP_OUT, d) || col_is_zero(o, T, d))
                    continue;
                for (int d2 = 0; d2 < o->ndims; d2++)
                    if (d2 != d && col_is_zero(o, OP_OUT, d2) && bf_comp(o, T, d, d2))
                        is_target[d2] = true;
            }
        }
    int64_t chan = 1, kcap = 1;
    for (int d = 0; d < o->ndims; d++) {
        if (col_is_zero(o, OP_OUT, d) && !is_target[d] && chan < hw_block_in(b->hw))
            chan *= o->extent[d];
        if (!col_is_zero(o, OP_OUT, d) && col_is_zero(o, OP_IN, d) && kcap < hw_block_out(b->hw))
            kcap *= o->extent[d];
    }
    return chan < hw_block_in(b->hw) && kcap < hw_block_out(b->hw);
}

static void bf_options(bf *b) {
    const op *o = b->o;
    int P = b->swap ? OP_WT : OP_IN, Q = b->swap ? OP_IN : OP_WT;
    b->bands = bf_bands(b);
    for (int d = 0; d < o->ndims; d++) {
        b->nopt[d] = 0;
        b->opt[d][b->nopt[d]++] = (bf_opt){-1, 0, -1, 0, 0};
        if (o->extent[d] < 2)
            continue;
        bool red = col_is_zero(o, OP_OUT, d);
        if (red) {
            bf_add_exts(b, d, EMB_I, -1, 0);
            continue;
        }
        for (int k = 0; k < 2; k++) {
            int axis = k == 0 ? EMB_O : EMB_B, T = k == 0 ? P : Q;
            if (axis == EMB_B && hw_batch(b->hw) == 1)
                continue;
            if (col_is_zero(o, T, d)) {
                bf_add_exts(b, d, axis, -1, 0);
                continue;
            }
            for (int d2 = 0; d2 < o->ndims; d2++) {
                if (d2 == d || !col_is_zero(o, OP_OUT, d2))
                    continue;
                int64_t c = bf_comp(o, T, d, d2);
                if (c)
                    bf_add_exts(b, d, axis, d2, c);
            }
        }
    }
    bf_add_bands(b);
}

/* instances by emb.h's definition: product of outer-loop extents */
static int64_t bf_instances(const bf *b) {
    const op *o = b->o;
    int64_t lanes[3] = {hw_batch(b->hw), hw_block_out(b->hw), hw_block_in(b->hw)};
    int64_t fused[3] = {1, 1, 1}, inst = 1;
    int comp_of[OP_MAX_DIMS];
    for (int d = 0; d < o->ndims; d++)
        comp_of[d] = -1;
    for (int d = 0; d < o->ndims; d++) {
        const bf_opt *p = &b->opt[d][b->cur[d]];
        if (p->axis >= 0)
            fused[p->axis] *= p->ext;
        if (p->comp >= 0)
            comp_of[p->comp] = d;
    }
    for (int d = 0; d < o->ndims; d++) {
        const bf_opt *p = &b->opt[d][b->cur[d]];
        int64_t E = o->extent[d];
        if (p->band > 0 && p->comp < 0 && comp_of[d] >= 0) {
            /* banded: the shifted range of d walked in steps of the band */
            const bf_opt *q = &b->opt[comp_of[d]][b->cur[comp_of[d]]];
            inst *= (E + llabs(q->coef) * (q->ext - 1) + p->ext - 1) / p->ext;
        } else if (p->axis >= 0)
            inst *= (E + p->ext - 1) / p->ext;
        else if (comp_of[d] >= 0) {
            const bf_opt *q = &b->opt[comp_of[d]][b->cur[comp_of[d]]];
            inst *= E + llabs(q->coef) * (q->ext - 1);
        } else
            inst *= E;
    }
    for (int l = 0; l < 3; l++)
        inst *= (fused[l] + lanes[l] - 1) / lanes[l];
    return inst;
}

static bool bf_valid(const bf *b) {
    const op *o = b->o;
    int used[OP_MAX_DIMS] = {0}, nt[3] = {0, 0, 0};
    for (int d = 0; d < o->ndims; d++) {
        const bf_opt *p = &b->opt[d][b->cur[d]];
        if (p->axis >= 0) {
            used[d]++;
            nt[p->axis]++;
        }
        if (p->comp >= 0)
            used[p->comp]++;
    }
    for (int d = 0; d < o->ndims; d++) {
        const bf_opt *p = &b->opt[d][b->cur[d]];
        if (p->comp >= 0) {
            /* banded (band b) exactly when the compensated dim is the I term of band b */
            const bf_opt *q = &b->opt[p->comp][b->cur[p->comp]];
            if (p->band != (q->comp < 0 && q->band > 0 ? q->band : 0))
                return false;
            if (p->band > 0)
                used[p->comp]--;
        }
    }
    for (int d = 0; d < o->ndims; d++) {
        const bf_opt *p = &b->opt[d][b->cur[d]];
        if (p->comp < 0 && p->band > 0) { /* a band term needs its banded compensator */
            bool ok = false;
            for (int d2 = 0; d2 < o->ndims; d2++) {
                const bf_opt *q = &b->opt[d2][b->cur[d2]];
                ok |= q->comp == d && q->band == p->band;
            }
            if (!ok)
                return false;
        }
    }
    for (int d = 0; d < o->ndims; d++)
        if (used[d] > 1)
            return false;
    for (int l = 0; l < 3; l++)
        if (nt[l] > EMB_MAX_TERMS)
            return false;
    return true;
}

static void bf_emb(const bf *b, emb *e) {
    memset(e, 0, sizeof *e);
    e->swap = b->swap;
    for (int d = 0; d < b->o->ndims; d++) {
        const bf_opt *p = &b->opt[d][b->cur[d]];
        if (p->axis < 0)
            continue;
        emb_term *t = &e->term[p->axis][e->nterms[p->axis]++];
        t->dim = d;
        t->extent = p->ext;
        t->comp_dim = p->comp;
        t->comp_coef = p->comp >= 0 ? p->coef : 0;
    }
}

static int64_t bf_dram(const bf *b) {
    emb e;
    emb_nest n;
    status st;
    status_init(&st);
    bf_emb(b, &e);
    cr_assert(emb_nest_build(b->o, HW_INTRINSIC(b->hw), &e, &n, &st), "brute force emb invalid: %s", st.msg);
    return n.dram_bytes[0] + n.dram_bytes[1] + n.dram_bytes[2];
}

static void bf_rec(bf *b, int d) {
    if (d == b->o->ndims) {
        if (!bf_valid(b))
            return;
        b->combos++;
        int64_t inst = bf_instances(b);
        if (b->pass == 0) {
            if (inst < b->best_inst)
                b->best_inst = inst;
            if (b->do_dram) {
                int64_t dr = bf_dram(b);
                if (dr < b->best_dram)
                    b->best_dram = dr;
            }
        } else if (inst == b->best_inst) {
            int64_t dr = bf_dram(b);
            if (dr < b->lex_dram)
                b->lex_dram = dr;
        }
        return;
    }
    for (int k = 0; k < b->nopt[d]; k++) {
        b->cur[d] = k;
        bf_rec(b, d + 1);
    }
}

static int64_t bf_count(bf *b) {
    int64_t n = 0;
    for (int sw = 0; sw < 2; sw++) {
        b->swap = sw;
        bf_options(b);
        int64_t m = 1;
        for (int d = 0; d < b->o->ndims; d++)
            m *= b->nopt[d];
        n += m;
    }
    return n;
}

/* Fills b with the optima; do_dram: also the global layout optimum. */
static void bf_solve(bf *b, const op *o, const hw_config *hw, bool do_dram) {
    memset(b, 0, sizeof *b);
    b->o = o;
    b->hw = hw;
    b->best_inst = b->best_dram = b->lex_dram = INT64_MAX;
    b->do_dram = do_dram;
    for (int pass = 0; pass < 2; pass++) {
        b->pass = pass;
        for (int sw = 0; sw < 2; sw++) {
            b->swap = sw;
            bf_options(b);
            bf_rec(b, 0);
        }
    }
}

/* ---- helpers ------------------------------------------------------------------------ */

#define mk_conv tl_conv
#define mk_gemm tl_gemm

static enc_result solve(const op *o, const hw_config *hw, enc_objective ob, bool prove) {
    enc_options eo;
    enc_options_init(&eo);
    eo.objective = ob;
    eo.prove = prove;
    enc_result r;
    status st;
    status_init(&st);
    cr_assert(enc_solve(o, HW_INTRINSIC(hw), &eo, &r, &st), "enc_solve %s: %s", o->name, st.msg);
    cr_assert(r.found, "no embedding found");
    cr_assert_eq(r.solver_status, ENC_SOLVER_SAT);
    cr_assert_eq(r.proof, ENC_PROOF_OPTIMAL);
    return r;
}

/* Full scalar check of a decoded embedding (all instances when small). */
static void scalar_check(const op *o, const hw_config *hw, const emb *e) {
    emb_nest n;
    status st;
    status_init(&st);
    cr_assert(emb_check(o, HW_INTRINSIC(hw), e, &st), "%s", st.msg);
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), e, &n, &st), "%s", st.msg);
    cr_assert(emb_check_scalar(o, HW_INTRINSIC(hw), e, &n, 4096, 7, &st), "scalar check: %s", st.msg);
}


static hw_config random_hw(uint64_t *s) {
    hw_config hw = hw_default();
    switch (tl_xrnd(s, 0, 3)) {
    case 0: break;                                   /* BATCH 1, BLOCK 16 */
    case 1: hw.log_block_in = hw.log_block_out = 3; break;              /* BLOCK 8 */
    case 2: hw.log_batch = 1; hw.log_block_in = hw.log_block_out = 3; break; /* BATCH 2, BLOCK 8 */
    default: hw.log_batch = 1; break;                /* BATCH 2, BLOCK 16 */
    }
    return hw;
}

static op random_op(uint64_t *s) {
    if (tl_xrnd(s, 0, 2) == 0) {
        int64_t b = tl_xrnd(s, 1, 2);
        return mk_gemm(b, tl_xrnd(s, 1, 20), tl_xrnd(s, 1, 20), tl_xrnd(s, 1, 20), tl_xrnd(s, 0, 1), tl_xrnd(s, 0, 1));
    }
    for (;;) {
        int64_t r = tl_xrnd(s, 1, 3), sz = tl_xrnd(s, 1, 3), stride = tl_xrnd(s, 1, 2), pad = tl_xrnd(s, 0, 1);
        int64_t h = tl_xrnd(s, r, 7), w = tl_xrnd(s, sz, 7);
        if ((h + 2 * pad - r) < 0 || (w + 2 * pad - sz) < 0)
            continue;
        op_conv p;
        memset(&p, 0, sizeof p);
        p.n = tl_xrnd(s, 1, 2), p.c = tl_xrnd(s, 1, 5), p.h = h, p.w = w, p.k = tl_xrnd(s, 1, 6);
        p.r = r, p.s = sz, p.stride_h = stride, p.stride_w = tl_xrnd(s, 1, 2);
        p.pad_h = pad, p.pad_w = tl_xrnd(s, 0, 1), p.dil_h = p.dil_w = 1, p.groups = 1;
        op o;
        status st;
        status_init(&st);
        if (op_build_conv(&o, "rconv", &p, OP_CONV2D, &st))
            return o;
    }
}

/* ---- tests -------------------------------------------------------------------------- */

/* Z3 optimum == brute force on random small operators; lex on all, the pure layout
 * objective on every fourth; the decoded embeddings pass the full scalar checker. */
Test(enc, random_ops_agree_with_brute_force, .timeout = 600) {
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int n = 0, nlay = 0, nbatch = 0, nblk8 = 0, nband = 0;
    const int part = TL_SANITIZED ? 3 : 1; /* test_util.h: a third under the sanitizer */
    bf *b = malloc(sizeof *b);
    for (int it = 0; n < 210 / part && it < 2000; it++) {
        hw_config hw = random_hw(&seed);
        op o = random_op(&seed);
        bool lay = it % 4 == 0;
        b->o = &o;
        b->hw = &hw;
        if (bf_count(b) > (lay ? 12000 : 30000))
            continue;
        bf_solve(b, &o, &hw, lay);
        enc_result r = solve(&o, &hw, ENC_OBJ_LEX_UTIL_LAYOUT, it % 3 == 0);
        char sum[128];
        op_summary(&o, sum, sizeof sum);
        cr_assert_eq(r.instances, b->best_inst, "%s (B%lld BI%lld): z3 %lld instances, brute force %lld",
                     sum, (long long)hw_batch(&hw), (long long)hw_block_in(&hw),
                     (long long)r.instances, (long long)b->best_inst);
        cr_assert_eq(r.dram_bytes, b->lex_dram, "%s: lex dram z3 %lld, brute force %lld", sum,
                     (long long)r.dram_bytes, (long long)b->lex_dram);
        cr_assert_geq(r.instances, r.lower_bound_instances, "%s: below the scalar bound", sum);
        scalar_check(&o, &hw, &r.e);
        if (lay) {
            enc_result rl = solve(&o, &hw, ENC_OBJ_LAYOUT, false);
            cr_assert_eq(rl.dram_bytes, b->best_dram, "%s: layout z3 %lld, brute force %lld", sum,
                         (long long)rl.dram_bytes, (long long)b->best_dram);
            scalar_check(&o, &hw, &rl.e);
            nlay++;
            char cls[128];
            emb_class(&o, &rl.e, cls, sizeof cls);
            nband += strstr(cls, "banded") != NULL;
        }
        nbatch += hw_batch(&hw) > 1;
        nblk8 += hw_block_in(&hw) == 8;
        n++;
    }
    free(b);
    cr_log_info("brute force agreement: %d operators, %d layout optima banded", n, nband);
    cr_assert_geq(nband, 3 / part, "only %d banded layout optima: the banded options are not exercised", nband);
    cr_assert_geq(n, 200 / part, "only %d operators compared", n);
    cr_assert_geq(nlay, 40 / part);
    cr_assert_geq(nbatch, 50 / part);
    cr_assert_geq(nblk8, 50 / part);
}

/* The utilization objective alone agrees too (on a few operators). */
Test(enc, utilization_objective) {
    hw_config hw = hw_default();
    op ops[3] = {mk_conv(1, 3, 9, 9, 5, 3, 3, 2, 1), mk_gemm(1, 35, 7, 19, false, false),
                 mk_conv(2, 1, 6, 5, 4, 2, 3, 1, 0)};
    bf *b = malloc(sizeof *b);
    for (int i = 0; i < 3; i++) {
        bf_solve(b, &ops[i], &hw, false);
        enc_result r = solve(&ops[i], &hw, ENC_OBJ_UTILIZATION, true);
        cr_assert_eq(r.instances, b->best_inst);
        cr_assert_eq(r.global, r.instances == r.lower_bound_instances);
    }
    free(b);
}

/* DeepBench layers where brute force is cheap: the Z3 instance optimum agrees. */
Test(enc, deepbench_brute_force, .timeout = 600) {
    const char *suites[] = {"deepbench_server_gemm.xml", "deepbench_device_gemm.xml",
                            "deepbench_device_conv.xml", "deepbench_server_conv.xml"};
    hw_config hw = hw_default();
    bf *b = malloc(sizeof *b);
    int checked = 0;
    for (int s = 0; s < 4; s++) {
        char path[512], name[128];
        snprintf(path, sizeof path, "%s/bench/suites/%s", EMBEDSYN_SOURCE_DIR, suites[s]);
        op *ops = NULL;
        int nops = 0;
        status st;
        status_init(&st);
        cr_assert(spec_load_suite(path, name, sizeof name, &ops, &nops, &st), "%s", st.msg);
        for (int i = 0; i < nops; i += TL_SANITIZED ? 3 : 1) { /* a third under the sanitizer */
            b->o = &ops[i];
            b->hw = &hw;
            if (bf_count(b) > 20000)
                continue;
            bf_solve(b, &ops[i], &hw, false);
            enc_result r = solve(&ops[i], &hw, ENC_OBJ_UTILIZATION, true);
            cr_assert_eq(r.instances, b->best_inst, "%s: z3 %lld, brute force %lld", ops[i].name,
                         (long long)r.instances, (long long)b->best_inst);
            checked++;
        }
        free(ops);
    }
    free(b);
    cr_log_info("%d DeepBench layers checked against brute force", checked);
    cr_assert_geq(checked, TL_SANITIZED ? 20 : 60, "only %d DeepBench layers checked", checked);
}

/* cvc5 re-checks exported proofs (utilization, layout and lex) and says unsat. */
Test(enc, cvc5_rechecks_proofs, .timeout = 120) {
    cr_assert(system("cvc5 --version > /dev/null 2>&1") == 0,
              "cvc5 is missing (scripts/setup-deps --test installs it)");
    hw_config hw = hw_default();
    hw_config hw8 = hw_default();
    hw8.log_batch = 1;
    hw8.log_block_in = hw8.log_block_out = 3;
    struct {
        op o;
        const hw_config *hw;
        enc_objective ob;
    } cs[] = {
        {mk_conv(1, 3, 8, 8, 4, 3, 3, 1, 1), &hw, ENC_OBJ_UTILIZATION},
        {mk_gemm(1, 35, 20, 24, false, false), &hw, ENC_OBJ_UTILIZATION},
        {mk_conv(2, 2, 5, 6, 3, 2, 2, 2, 0), &hw8, ENC_OBJ_UTILIZATION},
        {mk_gemm(2, 5, 9, 6, true, false), &hw8, ENC_OBJ_LEX_UTIL_LAYOUT},
        {mk_conv(1, 1, 6, 6, 4, 3, 3, 1, 0), &hw, ENC_OBJ_LAYOUT},
    };
    char dir[] = "/tmp/embedsyn_enc_XXXXXX";
    cr_assert(mkdtemp(dir));
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        enc_options eo;
        enc_options_init(&eo);
        eo.objective = cs[i].ob;
        enc_recheck_with_cvc5(&cs[i].o, cs[i].hw, &eo, dir, i, 900000);
    }
    rmdir(dir);
}

/* A tiny resource limit: status unknown (best so far or nothing), never a crash. */
Test(enc, tiny_rlimit_is_unknown) {
    op o = mk_conv(1, 32, 30, 30, 32, 3, 3, 1, 1);
    hw_config hw = hw_default();
    uint64_t limits[] = {1, 2000, 50000};
    for (int i = 0; i < 3; i++) {
        enc_options eo;
        enc_options_init(&eo);
        eo.rlimit = limits[i];
        eo.prove = true;
        enc_result r;
        status st;
        status_init(&st);
        cr_assert(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r, &st), "%s", st.msg);
        cr_assert_eq(r.solver_status, ENC_SOLVER_UNKNOWN);
        cr_assert_eq(r.proof, ENC_PROOF_UNKNOWN);
        if (r.found)
            scalar_check(&o, &hw, &r.e);
    }
}

/* A wall-clock timeout is a result too: unknown comes with proof unknown. */
Test(enc, timeout_is_a_result) {
    op o = mk_conv(2, 64, 40, 40, 64, 3, 3, 1, 1);
    hw_config hw = hw_default();
    enc_options eo;
    enc_options_init(&eo);
    eo.timeout_s = 0.001;
    eo.prove = true;
    enc_result r;
    status st;
    status_init(&st);
    cr_assert(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r, &st), "%s", st.msg);
    if (r.solver_status == ENC_SOLVER_UNKNOWN)
        cr_assert_eq(r.proof, ENC_PROOF_UNKNOWN);
    else
        cr_assert_eq(r.proof, ENC_PROOF_OPTIMAL);
    if (r.found)
        scalar_check(&o, &hw, &r.e);
}

/* The CLI: solve --json has the documented fields; bad input exits 2. */
Test(enc, cli_solve_json) {
    char cmd[1024], buf[4096] = "";
    snprintf(cmd, sizeof cmd, "%s solve --gemm M=35,N=21,K=40 --prove --json", EMBEDSYN_CLI);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    cr_assert_eq(pclose(p), 0);
    const char *keys[] = {"\"instances\"", "\"utilization\"", "\"lower_bound_instances\"",
                          "\"dram_bytes\"", "\"layout\"", "\"proof\":\"optimal\"", "\"global\"",
                          "\"solve_ms\""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert(strstr(buf, keys[i]), "missing %s in %s", keys[i], buf);
    snprintf(cmd, sizeof cmd, "%s solve --gemm M=3,N=2,K=4 --objective fast >/dev/null 2>&1",
             EMBEDSYN_CLI);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
}

/* Layout alternatives: the Pareto front is non-dominated and starts at the optimum. */
Test(enc, pareto_front) {
    op o = mk_conv(1, 3, 7, 7, 4, 3, 3, 1, 1);
    hw_config hw = hw_default();
    enc_options eo;
    enc_options_init(&eo);
    enc_alts a;
    status st;
    status_init(&st);
    cr_assert(enc_layouts(&o, HW_INTRINSIC(&hw), &eo, false, 0, &a, &st), "%s", st.msg);
    cr_assert_geq(a.n, 1);
    bf *b = malloc(sizeof *b);
    bf_solve(b, &o, &hw, true);
    cr_assert_eq(a.a[0].instances, b->best_inst);
    cr_assert_eq(a.a[0].dram_bytes, b->lex_dram);
    if (a.solver_status == ENC_SOLVER_SAT)
        cr_assert_eq(a.a[a.n - 1].dram_bytes, b->best_dram);
    for (int i = 1; i < a.n; i++) {
        cr_assert_gt(a.a[i].instances, a.a[i - 1].instances);
        cr_assert_lt(a.a[i].dram_bytes, a.a[i - 1].dram_bytes);
    }
    free(b);
    enc_alts_free(&a);
}

/* The formula itself against emb_nest on arbitrary (not only optimal) points: fix every
 * choice variable to a random consistent choice, and the model's instance count and
 * DRAM bytes must equal emb_nest_build's for that embedding. */
#include "encoders/enc_encode.h"

Test(enc, formula_terms_equal_emb_nest_on_random_choices, .timeout = 120) {
    uint64_t seed = 0x243f6a8885a308d3ull;
    int points = 0, nband = 0;
    for (int it = 0; it < 64; it++) {
        hw_config hw = random_hw(&seed);
        /* mostly small random ops, every 8th a DeepBench-sized conv or GEMM */
        op o = it % 8 == 7 ? (it % 16 == 7 ? mk_conv(2, 64, 28, 30, 96, 3, 3, 1 + it % 2, 1)
                                           : mk_gemm(1, 35 + it, 700, 2048, false, it % 3 == 0))
                           : random_op(&seed);
        enc_space *sp = malloc(sizeof *sp);
        status st;
        status_init(&st);
        cr_assert(enc_space_build(&o, HW_INTRINSIC(&hw), sp, &st), "%s", st.msg);
        enc_formula f;
        cr_assert(enc_formula_build(&f, sp, 0, 0, &st), "%s", st.msg);
        enc_activate(&f, true, true);
        for (int t = 0; t < 200 && points < (it + 1) * 12; t++) {
            enc_point pt;
            if (!enc_random_point(&o, &hw, sp, &f, &seed, &pt))
                continue;
            uint64_t inst = enc_model_value(&f, f.instances.t), dram = enc_model_value(&f, f.dram.t);
            int64_t nd = pt.n.dram_bytes[0] + pt.n.dram_bytes[1] + pt.n.dram_bytes[2];
            char cls[64];
            emb_class(&o, &pt.e, cls, sizeof cls);
            cr_assert_eq(inst, (uint64_t)pt.n.instances, "%s %s: formula %llu instances, emb_nest %lld",
                         o.name, cls, (unsigned long long)inst, (long long)pt.n.instances);
            cr_assert_eq(dram, (uint64_t)nd, "%s %s: formula %llu bytes, emb_nest %lld", o.name, cls,
                         (unsigned long long)dram, (long long)nd);
            cr_assert_eq((uint64_t)enc_space_instances(sp, pt.sel), inst);
            points++;
            nband += strstr(cls, "banded") != NULL;
        }
        enc_formula_free(&f);
        free(sp);
    }
    cr_assert_geq(points, 600, "only %d points compared", points);
    cr_assert_geq(nband, 20, "only %d banded points compared", nband);
}
