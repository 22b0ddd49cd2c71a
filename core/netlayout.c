/* netlayout: exact joint choice by variable elimination (see core/netlayout.h).
 * Factors are tables over sorted variable sets; eliminating x combines every factor
 * that mentions x into one table over the other variables (min over x, argmin kept),
 * in the greedy order of the smallest table. Backtracking in reverse order reads the
 * argmins. */
#include "core/netlayout.h"

#include <stdlib.h>
#include <string.h>

static const char *const nl_status_names[] = {NL_STATUSES(ES_NAME2)};
const char *nl_status_name(nl_status s) { return nl_status_names[s]; }

typedef struct nl_edge {
    int32_t u, v;
    double *cost;
} nl_edge;

struct nl_problem {
    int32_t n;
    int32_t *nalt;
    double **cost;
    int32_t nedges, cap;
    nl_edge *e;
};

nl_problem *nl_create(int32_t nvars) {
    if (nvars < 0) return NULL;
    nl_problem *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = nvars;
    p->nalt = calloc((size_t)nvars + 1, sizeof *p->nalt);
    p->cost = calloc((size_t)nvars + 1, sizeof *p->cost);
    if (!p->nalt || !p->cost) {
        nl_destroy(p);
        return NULL;
    }
    return p;
}

void nl_destroy(nl_problem *p) {
    if (!p) return;
    for (int32_t i = 0; p->cost && i < p->n; i++) free(p->cost[i]);
    for (int32_t i = 0; i < p->nedges; i++) free(p->e[i].cost);
    free(p->cost);
    free(p->nalt);
    free(p->e);
    free(p);
}

int32_t nl_nvars(const nl_problem *p) { return p->n; }
int32_t nl_nalts(const nl_problem *p, int32_t v) { return p->nalt[v]; }

bool nl_set_alts(nl_problem *p, int32_t v, int32_t nalt, const double *cost, status *st) {
    if (v < 0 || v >= p->n) return status_fail(st, "layout variable %d out of range", v);
    if (nalt < 1 || nalt > NL_MAX_ALTS) return status_fail(st, "layer %d: %d alternatives (1..%d)", v, nalt, NL_MAX_ALTS);
    double *c = malloc((size_t)nalt * sizeof *c);
    if (!c) return status_fail(st, "out of memory");
    memcpy(c, cost, (size_t)nalt * sizeof *c);
    free(p->cost[v]);
    p->cost[v] = c;
    p->nalt[v] = nalt;
    return true;
}

bool nl_add_edge(nl_problem *p, int32_t u, int32_t v, const double *cost, status *st) {
    if (u < 0 || v < 0 || u >= p->n || v >= p->n || u == v) return status_fail(st, "bad layout edge %d -> %d", u, v);
    if (!p->nalt[u] || !p->nalt[v]) return status_fail(st, "layout edge %d -> %d before its alternatives", u, v);
    if (p->nedges == p->cap) {
        int32_t cap = p->cap ? 2 * p->cap : 16;
        nl_edge *e = realloc(p->e, (size_t)cap * sizeof *e);
        if (!e) return status_fail(st, "out of memory");
        p->e = e;
        p->cap = cap;
    }
    size_t k = (size_t)p->nalt[u] * (size_t)p->nalt[v];
    double *c = malloc(k * sizeof *c);
    if (!c) return status_fail(st, "out of memory");
    memcpy(c, cost, k * sizeof *c);
    p->e[p->nedges++] = (nl_edge){u, v, c};
    return true;
}

double nl_eval(const nl_problem *p, const int32_t *choice) {
    double t = 0;
    for (int32_t v = 0; v < p->n; v++) t += p->cost[v][choice[v]];
    for (int32_t i = 0; i < p->nedges; i++) {
        const nl_edge *e = &p->e[i];
        t += e->cost[choice[e->u] * p->nalt[e->v] + choice[e->v]];
    }
    return t;
}

void nl_choose_alone(const nl_problem *p, int32_t *choice) {
    for (int32_t v = 0; v < p->n; v++) {
        choice[v] = 0;
        for (int32_t a = 1; a < p->nalt[v]; a++)
            if (p->cost[v][a] < p->cost[v][choice[v]]) choice[v] = a;
    }
}

/* A factor: table over sorted vars, row-major (last var fastest). */
typedef struct nl_factor {
    int32_t nv;
    int32_t *vars;
    double *t;
} nl_factor;

typedef struct nl_step { /* one elimination: x's argmin over assignments of vars */
    int32_t x, nv;
    int32_t *vars;
    int32_t *arg;
} nl_step;

static void factor_free(nl_factor *f) {
    free(f->vars);
    free(f->t);
}

/* Product of the alternative counts of vars, or -1 past NL_MAX_TABLE. */
static int64_t table_size(const nl_problem *p, const int32_t *vars, int32_t nv) {
    int64_t s = 1;
    for (int32_t i = 0; i < nv; i++) {
        s *= p->nalt[vars[i]];
        if (s > NL_MAX_TABLE) return -1;
    }
    return s;
}

static bool has_var(const nl_factor *f, int32_t x) {
    for (int32_t i = 0; i < f->nv; i++)
        if (f->vars[i] == x) return true;
    return false;
}

/* Sorted union of the scopes of factors mentioning x, without x, into u (p->n slots). */
static int32_t union_scope(const nl_problem *p, const nl_factor *f, int32_t nf, int32_t x, int32_t *u, bool *mark) {
    memset(mark, 0, (size_t)p->n * sizeof *mark);
    for (int32_t i = 0; i < nf; i++)
        if (has_var(&f[i], x))
            for (int32_t j = 0; j < f[i].nv; j++) mark[f[i].vars[j]] = true;
    int32_t nu = 0;
    for (int32_t v = 0; v < p->n; v++)
        if (mark[v] && v != x) u[nu++] = v;
    return nu;
}

/* Eliminates x: combines the factors mentioning x (removed from f) into one factor
 * (appended) and the step's argmin table. False when the table is too large. */
static bool eliminate(const nl_problem *p, nl_factor *f, int32_t *nf, int32_t x, int32_t *u, bool *mark,
                      nl_step *step, int64_t *max_table) {
    int32_t nu = union_scope(p, f, *nf, x, u, mark);
    int64_t ssz = table_size(p, u, nu);
    if (ssz < 0 || ssz * p->nalt[x] > NL_MAX_TABLE) return false;
    if (ssz * p->nalt[x] > *max_table) *max_table = ssz * p->nalt[x];
    int32_t ng = 0, *gi = malloc((size_t)*nf * sizeof *gi);
    int64_t *stride = calloc((size_t)*nf * (size_t)(nu + 1), sizeof *stride);
    double *t = malloc((size_t)ssz * sizeof *t);
    int32_t *arg = malloc((size_t)ssz * sizeof *arg), *vars = malloc(((size_t)nu + 1) * sizeof *vars);
    int32_t *a = calloc((size_t)nu + 1, sizeof *a);
    ES_ASSERT(gi && stride && t && arg && vars && a);
    for (int32_t i = 0; i < *nf; i++) {
        if (!has_var(&f[i], x)) continue;
        int64_t *sd = stride + (size_t)ng * (size_t)(nu + 1), s = 1;
        for (int32_t j = f[i].nv - 1; j >= 0; j--) { /* stride of each scope var of u (x last) */
            int32_t w = f[i].vars[j], pos = nu;
            for (int32_t k = 0; k < nu; k++)
                if (u[k] == w) pos = k;
            sd[pos] = s;
            s *= p->nalt[w];
        }
        gi[ng++] = i;
    }
    for (int64_t idx = 0; idx < ssz; idx++) { /* a[] = mixed-radix digits of idx over u */
        double best = 0;
        int32_t barg = 0;
        for (int32_t ax = 0; ax < p->nalt[x]; ax++) {
            double c = 0;
            for (int32_t g = 0; g < ng; g++) {
                const int64_t *sd = stride + (size_t)g * (size_t)(nu + 1);
                int64_t fi = sd[nu] * ax;
                for (int32_t k = 0; k < nu; k++) fi += sd[k] * a[k];
                c += f[gi[g]].t[fi];
            }
            if (ax == 0 || c < best) {
                best = c;
                barg = ax;
            }
        }
        t[idx] = best;
        arg[idx] = barg;
        for (int32_t k = nu - 1; k >= 0; k--) {
            if (++a[k] < p->nalt[u[k]]) break;
            a[k] = 0;
        }
    }
    memcpy(vars, u, (size_t)nu * sizeof *vars);
    int32_t *svars = malloc(((size_t)nu + 1) * sizeof *svars);
    ES_ASSERT(svars);
    memcpy(svars, u, (size_t)nu * sizeof *svars);
    *step = (nl_step){x, nu, svars, arg};
    /* drop the combined factors, append the new one */
    int32_t k = 0;
    for (int32_t i = 0; i < *nf; i++) {
        if (has_var(&f[i], x))
            factor_free(&f[i]);
        else
            f[k++] = f[i];
    }
    f[k++] = (nl_factor){nu, vars, t};
    *nf = k;
    free(gi);
    free(stride);
    free(a);
    return true;
}

/* The variable whose elimination builds the smallest table (ties: lowest index). */
static int32_t pick_var(const nl_problem *p, const nl_factor *f, int32_t nf, const bool *done, int32_t *u,
                        bool *mark) {
    int32_t best = -1;
    int64_t bsz = 0;
    for (int32_t x = 0; x < p->n; x++) {
        if (done[x]) continue;
        int32_t nu = union_scope(p, f, nf, x, u, mark);
        int64_t s = table_size(p, u, nu);
        s = s < 0 ? INT64_MAX : s * p->nalt[x];
        if (best < 0 || s < bsz) {
            best = x;
            bsz = s;
        }
    }
    return best;
}

/* Coordinate descent from the layer-alone choice (the fallback). */
static void descend(const nl_problem *p, int32_t *choice) {
    nl_choose_alone(p, choice);
    double cur = nl_eval(p, choice);
    for (int round = 0; round < 100; round++) {
        bool better = false;
        for (int32_t v = 0; v < p->n; v++)
            for (int32_t a = 0; a < p->nalt[v]; a++) {
                int32_t old = choice[v];
                choice[v] = a;
                double c = nl_eval(p, choice);
                if (c < cur) {
                    cur = c;
                    better = true;
                } else {
                    choice[v] = old;
                }
            }
        if (!better) break;
    }
}

bool nl_solve(const nl_problem *p, int32_t *choice, nl_result *r, status *st) {
    double t0 = es_now_ms();
    memset(r, 0, sizeof *r);
    for (int32_t v = 0; v < p->n; v++)
        if (!p->nalt[v]) return status_fail(st, "layer %d has no layout alternative", v);
    size_t nfac = (size_t)p->n + (size_t)p->nedges + 1;
    nl_factor *f = calloc(nfac, sizeof *f);
    nl_step *steps = calloc((size_t)p->n + 1, sizeof *steps);
    int32_t *u = malloc(((size_t)p->n + 1) * sizeof *u);
    bool *mark = malloc(((size_t)p->n + 1) * sizeof *mark), *done = calloc((size_t)p->n + 1, sizeof *done);
    if (!f || !steps || !u || !mark || !done) {
        free(f), free(steps), free(u), free(mark), free(done);
        return status_fail(st, "out of memory");
    }
    int32_t nf = 0;
    for (int32_t v = 0; v < p->n; v++) {
        f[nf].nv = 1;
        f[nf].vars = malloc(sizeof *f[nf].vars);
        f[nf].t = malloc((size_t)p->nalt[v] * sizeof *f[nf].t);
        ES_ASSERT(f[nf].vars && f[nf].t);
        f[nf].vars[0] = v;
        memcpy(f[nf].t, p->cost[v], (size_t)p->nalt[v] * sizeof *f[nf].t);
        nf++;
    }
    for (int32_t i = 0; i < p->nedges; i++) {
        const nl_edge *e = &p->e[i];
        int32_t lo = e->u < e->v ? e->u : e->v, hi = e->u < e->v ? e->v : e->u;
        f[nf].nv = 2;
        f[nf].vars = malloc(2 * sizeof *f[nf].vars);
        f[nf].t = malloc((size_t)p->nalt[lo] * (size_t)p->nalt[hi] * sizeof *f[nf].t);
        ES_ASSERT(f[nf].vars && f[nf].t);
        f[nf].vars[0] = lo, f[nf].vars[1] = hi;
        for (int32_t a = 0; a < p->nalt[lo]; a++)
            for (int32_t b = 0; b < p->nalt[hi]; b++) {
                int32_t au = e->u == lo ? a : b, av = e->u == lo ? b : a;
                f[nf].t[a * p->nalt[hi] + b] = e->cost[au * p->nalt[e->v] + av];
            }
        nf++;
    }
    bool exact = true;
    int32_t ns = 0;
    for (; ns < p->n && exact; ns++) {
        int32_t x = pick_var(p, f, nf, done, u, mark);
        exact = eliminate(p, f, &nf, x, u, mark, &steps[ns], &r->max_table);
        done[x] = true;
    }
    if (exact) {
        for (int32_t s = ns - 1; s >= 0; s--) { /* every var of the step's scope is set */
            int64_t idx = 0;
            for (int32_t k = 0; k < steps[s].nv; k++) idx = idx * p->nalt[steps[s].vars[k]] + choice[steps[s].vars[k]];
            choice[steps[s].x] = steps[s].arg[idx];
        }
        r->status = NL_OPTIMAL;
    } else {
        descend(p, choice);
        r->status = NL_HEURISTIC;
    }
    for (int32_t s = 0; s < p->n; s++) {
        free(steps[s].vars);
        free(steps[s].arg);
    }
    for (int32_t i = 0; i < nf; i++) factor_free(&f[i]);
    free(f), free(steps), free(u), free(mark), free(done);
    r->total = nl_eval(p, choice);
    r->solve_ms = es_now_ms() - t0;
    return true;
}
