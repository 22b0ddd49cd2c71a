/* dataflow: mapping directives and reuse/footprint analysis of a tiled loop nest (see
 * dataflow.h). */
#include "core/dataflow.h"

#include <string.h>

const char *df_level_name(df_level l) {
    static const char *const names[] = {
#define DF_NAME(id, name) name,
        DF_LEVELS(DF_NAME)
#undef DF_NAME
    };
    return (int)l >= 0 && (int)l < (int)(sizeof names / sizeof names[0]) ? names[l] : "?";
}

static const char lane_name[3] = {'B', 'O', 'I'};

/* "k" for a dim loop, "I(c,r,s)" for a chunk loop over a fused lane axis. */
static void loop_dim(const op *o, const emb *e, const emb_loop *lp, char *buf, size_t len) {
    if (lp->kind == EMB_LOOP_DIM) {
        snprintf(buf, len, "%s", o->dim_name[lp->dim]);
        return;
    }
    size_t k = (size_t)snprintf(buf, len, "%c(", lane_name[lp->dim]);
    for (int t = 0; t < e->nterms[lp->dim] && k < len; t++) {
        int w = snprintf(buf + k, len - k, "%s%s", t ? "," : "", o->dim_name[e->term[lp->dim][t].dim]);
        if (w > 0) k += (size_t)w;
    }
    if (k < len) snprintf(buf + k, len - k, ")");
}

static df_directive *add(df_mapping *m, df_level lev, df_kind kind, int64_t size, int64_t offset) {
    ES_ASSERT(m->n < DF_MAX_DIRECTIVES);
    df_directive *d = &m->d[m->n++];
    memset(d, 0, sizeof *d);
    d->level = lev;
    d->kind = kind;
    d->size = size;
    d->offset = offset;
    d->loop = d->lane = d->term = -1;
    return d;
}

static int64_t ntiles(const emb_nest *n, const df_tiling *t, int l) {
    return (n->loop[l].extent + t->tile[l] - 1) / t->tile[l];
}

/* Elements of operand x's layout that one full tile touches (the box of sched_box). */
static int64_t footprint(const emb_nest *n, const df_tiling *t, int x) {
    const emb_layout *L = &n->lay[x];
    int64_t lo[EMB_MAX_LAXES], hi[EMB_MAX_LAXES];
    for (int a = 0; a < L->naxes; a++) lo[a] = hi[a] = 0;
    for (int l = 0; l < n->nloops; l++) {
        int ax = n->loop[l].axis[x];
        if (ax < 0) continue;
        int64_t c = n->loop[l].coef[x] * (t->tile[l] - 1);
        if (c >= 0)
            hi[ax] += c;
        else
            lo[ax] += c;
    }
    int64_t f = 1;
    for (int a = 0; a < L->naxes; a++) f *= hi[a] - lo[a] + 1;
    return f;
}

void df_build(const op *o, const emb *e, const emb_nest *n, const df_tiling *t, df_mapping *m) {
    memset(m, 0, sizeof *m);
    for (int ln = 0; ln < 3; ln++) m->lanes[ln] = t->lanes[ln];
    /* DRAM: tile loops in visiting order; SRAM: the loops inside a tile */
    for (int lev = 0; lev < 2; lev++)
        for (int i = 0; i < n->nloops; i++) {
            int l = t->order[i];
            const emb_loop *lp = &n->loop[l];
            int64_t step = lp->kind == EMB_LOOP_DIM ? lp->step : 1;
            if (lev == 0 && ntiles(n, t, l) < 2) continue;
            if (lev == 1 && t->tile[l] < 2) continue;
            int64_t sz = lev == 0 ? t->tile[l] * step : step;
            df_directive *d = add(m, lev == 0 ? DF_DRAM : DF_SRAM, DF_TEMPORAL, sz, sz);
            d->loop = l;
            loop_dim(o, e, lp, d->dim, sizeof d->dim);
        }
    /* lanes */
    for (int ln = 0; ln < 3; ln++) {
        if (e->nterms[ln] == 0) continue;
        df_directive *c = add(m, DF_LANES, DF_CLUSTER, t->lanes[ln], 0);
        c->lane = ln;
        snprintf(c->dim, sizeof c->dim, "%c", lane_name[ln]);
        for (int k = 0; k < e->nterms[ln]; k++) {
            const emb_term *tm = &e->term[ln][k];
            df_directive *d = add(m, DF_LANES, DF_SPATIAL, 1, 1);
            d->lane = ln;
            d->term = k;
            if (tm->comp_dim >= 0)
                snprintf(d->dim, sizeof d->dim, "%s%+lld%s", o->dim_name[tm->dim], (long long)tm->comp_coef,
                         o->dim_name[tm->comp_dim]);
            else
                snprintf(d->dim, sizeof d->dim, "%s", o->dim_name[tm->dim]);
        }
    }
    /* reuse: a tile of x is fetched again whenever a loop that moves x advances, or
     * for every tile without reuse; ACC/Out once per output tile */
    m->tiles = m->out_tiles = 1;
    for (int l = 0; l < n->nloops; l++) {
        m->tiles *= ntiles(n, t, l);
        if (n->loop[l].axis[EMB_ACC] >= 0) m->out_tiles *= ntiles(n, t, l);
    }
    for (int x = 0; x < 3; x++) {
        m->footprint[x] = footprint(n, t, x);
        int inner = -1;
        for (int i = 0; i < n->nloops; i++)
            if (ntiles(n, t, t->order[i]) > 1 && n->loop[t->order[i]].axis[x] >= 0) inner = i;
        int64_t f = 1;
        for (int i = 0; i <= inner; i++) f *= ntiles(n, t, t->order[i]);
        m->fetches[x] = x == EMB_ACC ? m->out_tiles : t->reuse ? f : m->tiles;
        m->moved[x] = (double)m->fetches[x] * (double)m->footprint[x];
        m->reuse[x] = m->moved[x] > 0 ? (double)n->instances / m->moved[x] : 0;
    }
}

void df_directive_text(const df_directive *d, char *buf, size_t len) {
    switch (d->kind) {
    case DF_CLUSTER: snprintf(buf, len, "Cluster(%lld, P) %s", (long long)d->size, d->dim); break;
    case DF_SPATIAL: snprintf(buf, len, "SpatialMap(%lld,%lld) %s", (long long)d->size, (long long)d->offset, d->dim); break;
    default: snprintf(buf, len, "TemporalMap(%lld,%lld) %s", (long long)d->size, (long long)d->offset, d->dim); break;
    }
}

void df_print(FILE *f, const df_mapping *m) {
    int last = -1;
    for (int i = 0; i < m->n; i++) {
        const df_directive *d = &m->d[i];
        if ((int)d->level != last) {
            fprintf(f, "  // %s\n", df_level_name(d->level));
            last = (int)d->level;
        }
        char buf[96];
        df_directive_text(d, buf, sizeof buf);
        fprintf(f, "  %s\n", buf);
    }
}
