/* enc_decode: turns a solver point (swap + one option per dim) into a core `emb`, and
 * checks it between stages: emb_check, emb_nest_build, the sampled scalar checker, and
 * the encoder's own instance count and DRAM bytes against emb_nest's.
 * Invariant: every embedding leaving the encoder passed all four checks; a failure is
 * an encoder bug and aborts with a message (never a silently wrong answer). */
#include "encoders/enc_decode.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/alloc.h"

#define ENC_SCALAR_SAMPLE 64

static _Noreturn void bug(const op *o, const char *what, const char *msg) {
    fprintf(stderr, "embedsyn: encoder bug on operator %s: %s: %s\n", o->name, what, msg);
    es_abort(__FILE__, __LINE__, "decoded embedding failed its check");
}

void enc_decode(const enc_space *sp, const enc_point *p, emb *e, emb_nest *n) {
    const op *o = sp->o;
    enc_space_emb(sp, p->swap, p->sel, e);
    status st;
    status_init(&st);
    if (!emb_check(o, &sp->hw, e, &st))
        bug(o, "emb_check", st.msg);
    if (!emb_nest_derive(o, &sp->hw, e, n, &st))
        bug(o, "emb_nest_derive", st.msg);
    es_alloc_unhooked_begin(); /* the encoder is outside the allocation-failure hook */
    bool lanes_ok = emb_check_lanes(o, &sp->hw, e, n, ENC_SCALAR_SAMPLE, 0x5eed, &st);
    es_alloc_unhooked_end();
    if (!lanes_ok)
        bug(o, "emb_check_lanes", st.msg);
    int64_t dram = n->dram_bytes[0] + n->dram_bytes[1] + n->dram_bytes[2];
    if ((uint64_t)n->instances != p->instances ||
        (p->have_dram && (uint64_t)dram != p->dram)) {
        char m[256];
        snprintf(m, sizeof m,
                 "encoder says %" PRIu64 " instances / %" PRIu64 " DRAM bytes, emb_nest %" PRId64
                 " / %" PRId64 " (inp %" PRId64 " wgt %" PRId64 " out %" PRId64 ")",
                 p->instances, p->dram, n->instances, dram, n->dram_bytes[0], n->dram_bytes[1],
                 n->dram_bytes[2]);
        bug(o, "cost mismatch", m);
    }
}
