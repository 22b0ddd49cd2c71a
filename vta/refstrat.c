/* refstrat: TVM's fixed VTA strategy as an embedding plus schedule restrictions (see
 * refstrat.h). The kernel-window loops are the reduction loops over op dims named r
 * and s; every other reduction loop is the input-channel chunk loop (tile_ci). */
#include "vta/refstrat.h"

#include <string.h>

bool refstrat_embedding(const op *o, const hw_config *hw, emb *e, status *st) {
    return emb_channel_packing(o, HW_INTRINSIC(hw), e, st);
}

void refstrat_sched_opts(const op *o, const emb_nest *n, sched_opts *so) {
    sched_opts_init(so);
    so->divisors_only = true;
    so->fixed_order = true;
    so->reuse = false;
    so->tile_weights = false; /* TVM's layouts: row-major packed operands in DRAM, */
    so->pad = SCHED_PAD_STRIP; /* input padding by the DMA */
    so->exhaustive = true;
    for (int l = 0; l < n->nloops; l++) {
        const emb_loop *lp = &n->loop[l];
        so->full[l] = sched_is_reduction(n, l) && lp->kind == EMB_LOOP_DIM &&
                      (!strcmp(o->dim_name[lp->dim], "r") || !strcmp(o->dim_name[lp->dim], "s"));
    }
}

bool refstrat_template_sched(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, bool *applies,
                             sched *s, status *st) {
    *applies = false;
    emb r;
    status ignore;
    status_init(&ignore);
    if (!refstrat_embedding(o, hw, &r, &ignore)) return true; /* not a conv/dense op */
    char ce[64], cr[64];
    emb_class(o, e, ce, sizeof ce);
    emb_class(o, &r, cr, sizeof cr);
    if (strcmp(ce, cr) != 0) return true;
    sched_opts so;
    refstrat_sched_opts(o, n, &so);
    so.e = e; /* as in the driver's reference run */
    (void)st; /* no template schedule fits: the template does not apply */
    *applies = sched_search(o, hw, n, &so, s, &ignore);
    return true;
}
