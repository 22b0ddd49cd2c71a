/* cmd_net_cache: the alternatives of each distinct layer kept in a text file (`net
 * --cache FILE`), so that a later run (another network with layers of the same shape,
 * the --out report's second flow, a re-run) reuses them instead of solving and
 * simulating again. One line per alternative:
 *   KEY IDX NALTS SRC ACT SCHED CYCLES SWAP {NTERMS {DIM EXTENT COMP_DIM COMP_COEF}*}x3 \t CLASS \t LAYOUT
 * (ACT: the input layout's name, target_act_name; SCHED: the schedule the simulation
 * chose, saved by the target: netrun_alt.sched).
 * KEY hashes the layer's shape and requantization, the hardware config, the flow, the
 * solver options, the number of schedule candidates, the cost model's version and the
 * format version (netrun_cache_key).
 * Lines are appended as the layers' alternatives come back from the flow's workers
 * (bench/pool.h), also after a stop request, so a run stopped by Ctrl-C keeps what it
 * finished; the same lines carry a worker's results to the parent.
 * Invariant: a layer is a hit only when all its NALTS lines parsed, every embedding
 * passes emb_check and builds its nest for that layer and every schedule parses and
 * fits it (sched_parse, sched_derive_geometry); anything else is a miss. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_net.h"
#include "vta/cost_dse.h"
#include "vta/sched.h"

#define CACHE_VERSION 5 /* 2: ACT; 3: the group band alternative; 4: SCHED (an index); 5: SCHED saved */
#define CACHE_LINE_MAX 2048

typedef struct cline {
    uint64_t key;
    int32_t idx, nalts;
    netrun_alt a;
} cline;

struct netrun_cache {
    FILE *f; /* append */
    int32_t n, cap;
    cline *l;
};

static uint64_t mix(uint64_t h, uint64_t v) { return es_hash64(h ^ v); }

uint64_t netrun_cache_key(const char *layer_key, const netrun_opts *o) {
    return netrun_cache_key_at(layer_key, o, COST_MODEL_VERSION);
}

uint64_t netrun_cache_key_at(const char *layer_key, const netrun_opts *o, int model_version) {
    uint64_t h = mix(CACHE_VERSION, (uint64_t)o->flow);
    h = mix(h, (uint64_t)(uint32_t)model_version);
    h = mix(h, (uint64_t)o->max_alts);
    h = mix(h, o->rlimit);
    h = mix(h, DRIVER_SCHED_K); /* the candidates SCHED indexes */
    for (const char *p = layer_key; *p; p++) h = mix(h, (unsigned char)*p);
#define HW_MIX(f, a, d, doc) h = mix(h, (uint64_t)(uint32_t)o->hw.f);
    HW_SHAPE_FIELDS(HW_MIX)
    HW_TIMING_FIELDS(HW_MIX)
#undef HW_MIX
    return h;
}

static bool parse_emb(char **p, emb *e) {
    char *s = *p, *end;
    long v = strtol(s, &end, 10);
    if (end == s || (v != 0 && v != 1)) return false;
    e->swap = v;
    for (int a = 0; a < 3; a++) {
        s = end;
        v = strtol(s, &end, 10);
        if (end == s || v < 0 || v > EMB_MAX_TERMS) return false;
        e->nterms[a] = (int32_t)v;
        for (int t = 0; t < e->nterms[a]; t++) {
            emb_term *tm = &e->term[a][t];
            long long x[4];
            for (int k = 0; k < 4; k++) {
                s = end;
                x[k] = strtoll(s, &end, 10);
                if (end == s) return false;
            }
            if (x[0] < 0 || x[0] >= OP_MAX_DIMS || x[1] < 1 || x[2] < -1 || x[2] >= OP_MAX_DIMS) return false;
            *tm = (emb_term){(int32_t)x[0], x[1], (int32_t)x[2], x[3]};
        }
    }
    *p = end;
    return true;
}

/* One line -> c; false when malformed. */
static bool parse_line(char *s, cline *c) {
    memset(c, 0, sizeof *c);
    char *tab1 = strchr(s, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab2) return false;
    *tab1 = *tab2 = 0;
    char *nl = strchr(tab2 + 1, '\n');
    if (nl) *nl = 0;
    unsigned long long key, cyc;
    int idx, nalts, src, used = 0;
    char act[16], sch[TARGET_SCHED_TEXT];
    if (sscanf(s, "%llx %d %d %d %15s %255s %llu%n", &key, &idx, &nalts, &src, act, sch, &cyc, &used) != 7)
        return false;
    _Static_assert(TARGET_SCHED_TEXT == 256, "the %255s above");
    if (nalts < 1 || nalts > NETRUN_MAX_ALTS || idx < 0 || idx >= nalts || src < 0 || src > DRV_CHOSE_BAND ||
        !target_act_parse(act, &c->a.act) || c->a.act == TARGET_ACT_FREE) /* a network's layouts */
        return false;
    char *p = s + used;
    if (!parse_emb(&p, &c->a.e)) return false;
    *c = (cline){key, idx, nalts, c->a};
    c->a.src = (driver_choice)src;
    snprintf(c->a.sched, sizeof c->a.sched, "%s", sch);
    c->a.cycles = cyc;
    snprintf(c->a.layout_class, sizeof c->a.layout_class, "%s", tab1 + 1);
    snprintf(c->a.layout, sizeof c->a.layout, "%s", tab2 + 1);
    return true;
}

static void add(netrun_cache *c, const cline *x) {
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->l = realloc(c->l, (size_t)c->cap * sizeof *c->l);
        ES_ASSERT(c->l);
    }
    c->l[c->n++] = *x;
}

netrun_cache *netrun_cache_open(const char *path, status *st) {
    netrun_cache *c = calloc(1, sizeof *c);
    if (!c) {
        status_fail(st, "out of memory");
        return NULL;
    }
    if (!path) return c;
    FILE *in = fopen(path, "r");
    char buf[CACHE_LINE_MAX];
    cline x;
    while (in && fgets(buf, sizeof buf, in))
        if (parse_line(buf, &x)) add(c, &x);
    if (in) fclose(in);
    c->f = fopen(path, "a");
    if (!c->f) {
        status_fail(st, "%s: cannot write the cache: %s", path, strerror(errno));
        netrun_cache_close(c);
        return NULL;
    }
    return c;
}

bool netrun_cache_add_line(netrun_cache *c, const char *line) {
    char buf[CACHE_LINE_MAX];
    cline x;
    snprintf(buf, sizeof buf, "%s", line);
    if (!parse_line(buf, &x)) return false;
    add(c, &x);
    if (c->f) {
        fputs(line, c->f);
        if (!strchr(line, '\n')) fputc('\n', c->f);
        fflush(c->f);
    }
    return true;
}

void netrun_cache_close(netrun_cache *c) {
    if (!c) return;
    if (c->f) fclose(c->f);
    free(c->l);
    free(c);
}

bool netrun_cache_get(const netrun_cache *c, uint64_t key, const op *o, const hw_config *hw, netrun_layer *l) {
    netrun_alt alt[NETRUN_MAX_ALTS];
    bool have[NETRUN_MAX_ALTS] = {false};
    int32_t nalts = -1, got = 0;
    for (int32_t i = c->n - 1; i >= 0; i--) { /* the latest entry of the key */
        const cline *x = &c->l[i];
        if (x->key != key || (nalts >= 0 && x->nalts != nalts) || have[x->idx]) continue;
        nalts = x->nalts;
        have[x->idx] = true;
        alt[x->idx] = x->a;
        got++;
    }
    if (nalts < 0 || got != nalts) return false;
    for (int32_t i = 0; i < nalts; i++) {
        status st;
        status_init(&st);
        emb_nest n;
        sched s;
        if (!emb_nest_build(o, HW_INTRINSIC(hw), &alt[i].e, &n, &st) || /* checked: emb_check */
            !sched_parse(alt[i].sched, n.nloops, &s, &st) || /* fits; costed when loaded */
            !sched_derive_geometry(o, hw, &n, &s, &st))
            return false;
    }
    memcpy(l->alt, alt, (size_t)nalts * sizeof *alt);
    l->nalts = nalts;
    return true;
}

/* Alternative i of l as one cache line (with its newline). */
static void format_line(uint64_t key, const netrun_layer *l, int32_t i, char *buf, size_t len) {
    const netrun_alt *a = &l->alt[i];
    size_t k = 0;
#define PUT(...) k += (size_t)snprintf(buf + k, k < len ? len - k : 0, __VA_ARGS__)
    PUT("%016llx %d %d %d %s %s %llu %d", (unsigned long long)key, i, l->nalts, (int)a->src, target_act_name(a->act),
        a->sched, (unsigned long long)a->cycles, a->e.swap);
    for (int x = 0; x < 3; x++) {
        PUT(" %d", a->e.nterms[x]);
        for (int t = 0; t < a->e.nterms[x]; t++) {
            const emb_term *tm = &a->e.term[x][t];
            PUT(" %d %lld %d %lld", tm->dim, (long long)tm->extent, tm->comp_dim, (long long)tm->comp_coef);
        }
    }
    PUT("\t%s\t%s\n", a->layout_class, a->layout);
#undef PUT
    ES_ASSERT(k < len);
}

void netrun_cache_write(FILE *f, uint64_t key, const netrun_layer *l) {
    char buf[CACHE_LINE_MAX];
    for (int32_t i = 0; i < l->nalts; i++) {
        format_line(key, l, i, buf, sizeof buf);
        fputs(buf, f);
    }
    fflush(f);
}

void netrun_cache_put(netrun_cache *c, uint64_t key, const netrun_layer *l) {
    char buf[CACHE_LINE_MAX];
    for (int32_t i = 0; i < l->nalts; i++) {
        format_line(key, l, i, buf, sizeof buf);
        netrun_cache_add_line(c, buf); /* one that does not parse back is left out: the entry misses */
    }
}
