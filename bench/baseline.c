/* baseline: reading, writing and comparing bench baselines (format in baseline.h).
 * Invariant: a comparison lists every difference that matters exactly once per layer
 * and kind; the regression count alone decides the exit status of `embedsyn bench`. */
#include "bench/baseline.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench/json.h"
#include "core/alloc.h"
#include "core/arena.h"

void baseline_opts_init(baseline_opts *o) {
    o->tolerance = 0.005;
    o->solve_factor = 2.0;
    o->solve_abs_ms = 100.0;
    o->solve_abs_rlimit = 5e6;
    o->solve_wall = false;
}


void baseline_free(baseline *b) {
    es_free(b->e);
    memset(b, 0, sizeof *b);
}

static bool load_entry(const json_value *v, const char *key, const char *path, baseline_entry *e,
                       status *st) {
    if (v->type != JSON_OBJ)
        return status_fail(st, "%s:%ld:%ld: layer \"%s\" must be an object, not %s", path,
                           v->line, v->col, key, json_type_name(v->type));
    memset(e, 0, sizeof *e);
    if (strlen(key) >= sizeof e->key)
        return status_fail(st, "%s:%ld:%ld: layer key \"%s\" is too long", path, v->line, v->col,
                           key);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->ok = true;
    static const char *const proof_names[] = {ENC_PROOFS(ES_NAME2)};
    int proof = 0;
    if (!json_get_i64(v, "cycles", true, path, &e->cycles, st) ||
        !json_get_f64(v, "utilization", true, path, &e->utilization, st) ||
        !json_get_name(v, "proof", true, path, proof_names, ES_COUNT(proof_names), &proof, st) ||
        !json_get_f64(v, "solve_ms", true, path, &e->solve_ms, st) ||
        !json_get_i64(v, "solve_rlimit", false, path, &e->solve_rlimit, st) ||
        !json_get_i64(v, "reference_cycles", false, path, &e->reference_cycles, st) ||
        !json_get_bool(v, "global", false, path, &e->global, st) ||
        !json_get_bool(v, "ok", false, path, &e->ok, st))
        return false;
    e->proof = (enc_proof)proof;
    const json_value *c = json_get(v, "cycles");
    if (e->cycles < 0)
        return status_fail(st, "%s:%ld:%ld: 'cycles' of \"%s\" must be >= 0", path, c->line,
                           c->col, key);
    if (e->solve_rlimit < 0)
        return status_fail(st, "%s:%ld:%ld: 'solve_rlimit' of \"%s\" must be >= 0", path,
                           json_get(v, "solve_rlimit")->line, json_get(v, "solve_rlimit")->col, key);
    if (isnan(e->utilization))
        e->utilization = 0;
    if (isnan(e->solve_ms))
        e->solve_ms = 0;
    return true;
}

static int entry_cmp(const void *x, const void *y) {
    return strcmp(((const baseline_entry *)x)->key, ((const baseline_entry *)y)->key);
}

bool baseline_load(const char *path, baseline *b, status *st) {
    memset(b, 0, sizeof *b);
    arena *a = arena_create();
    const json_value *root = json_parse_file(a, path, st);
    bool ok = root != NULL;
    if (ok && root->type != JSON_OBJ)
        ok = status_fail(st, "%s:%ld:%ld: a baseline must be a JSON object", path, root->line,
                         root->col);
    if (ok)
        ok = json_get_str(root, "hardware", false, path, b->hardware, sizeof b->hardware, st);
    const json_value *suites = ok ? json_get(root, "suites") : NULL;
    if (ok && suites) {
        if (suites->type != JSON_ARR)
            ok = status_fail(st, "%s:%ld:%ld: 'suites' must be an array of strings", path,
                             suites->line, suites->col);
        for (size_t i = 0; ok && i < suites->len; i++) {
            const json_value *s = suites->items[i];
            if (s->type != JSON_STR)
                ok = status_fail(st, "%s:%ld:%ld: 'suites' must be an array of strings", path,
                                 s->line, s->col);
            else if (b->nsuites == (int)(sizeof b->suites / sizeof b->suites[0]))
                ok = status_fail(st, "%s:%ld:%ld: 'suites' has more than %d names", path, s->line,
                                 s->col, (int)(sizeof b->suites / sizeof b->suites[0]));
            else if (s->len >= BENCH_NAME_MAX)
                ok = status_fail(st, "%s:%ld:%ld: suite name longer than %d bytes", path, s->line,
                                 s->col, BENCH_NAME_MAX - 1);
            else
                snprintf(b->suites[b->nsuites++], BENCH_NAME_MAX, "%s", s->str);
        }
    }
    const json_value *layers = ok ? json_get(root, "layers") : NULL;
    if (ok && !layers)
        ok = status_fail(st, "%s:%ld:%ld: missing member 'layers'", path, root->line, root->col);
    if (ok && layers->type != JSON_OBJ)
        ok = status_fail(st, "%s:%ld:%ld: 'layers' must be an object keyed by \"suite/layer\"",
                         path, layers->line, layers->col);
    if (ok && layers->len > INT32_MAX)
        ok = status_fail(st, "%s:%ld:%ld: too many layers", path, layers->line, layers->col);
    if (ok) {
        b->e = es_calloc(layers->len, sizeof *b->e);
        if (!b->e)
            ok = status_fail(st, "%s: out of memory", path);
        for (size_t i = 0; ok && i < layers->len; i++) {
            ok = load_entry(layers->items[i], layers->keys[i], path, &b->e[i], st);
            if (ok)
                b->n++;
        }
    }
    /* Sorted by key for the lookups of baseline_compare (keys are unique: the JSON
     * reader rejects duplicate members). */
    if (ok && b->n > 1)
        qsort(b->e, (size_t)b->n, sizeof *b->e, entry_cmp);
    arena_destroy(a);
    if (!ok)
        baseline_free(b);
    return ok;
}

typedef struct wkey {
    char key[BASELINE_KEY_MAX];
    int i;
    bool dup;
} wkey;

static int wkey_cmp(const void *x, const void *y) {
    const wkey *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int wkey_pos_cmp(const void *x, const void *y) {
    const wkey *a = x, *b = y;
    return (a->i > b->i) - (a->i < b->i);
}

bool baseline_write(const char *path, const char *hardware, const char (*suites)[BENCH_NAME_MAX],
                    int nsuites, const bench_result *r, int n, status *st) {
    FILE *f = fopen(path, "w");
    if (!f)
        return status_fail(st, "%s: cannot write: %s", path, strerror(errno));
    fputs("{\n  \"hardware\": ", f);
    text_json_str(f, hardware);
    fputs(",\n  \"suites\": [", f);
    for (int i = 0; i < nsuites; i++) {
        if (i)
            fputs(", ", f);
        text_json_str(f, suites[i]);
    }
    fputs("],\n  \"layers\": {", f);
    /* Duplicate names in one suite would collide: every occurrence after the first gets
     * "@index". Found by sorting (key, position), not by comparing all pairs. */
    wkey *wk = es_calloc((size_t)n, sizeof *wk);
    if (n > 0 && !wk) {
        fclose(f);
        return status_fail(st, "%s: out of memory", path);
    }
    for (int i = 0; i < n; i++) {
        bench_key(&r[i], wk[i].key, sizeof wk[i].key);
        wk[i].i = i;
    }
    if (n > 1)
        qsort(wk, (size_t)n, sizeof *wk, wkey_cmp);
    for (int j = 1; j < n; j++)
        if (!strcmp(wk[j].key, wk[j - 1].key))
            wk[j].dup = true;
    if (n > 1)
        qsort(wk, (size_t)n, sizeof *wk, wkey_pos_cmp);
    for (int i = 0; i < n; i++) {
        const bench_result *x = &r[i];
        char key[BASELINE_KEY_MAX + 16];
        snprintf(key, sizeof key, "%s", wk[i].key);
        if (wk[i].dup) {
            size_t l = strlen(key);
            snprintf(key + l, sizeof key - l, "@%d", (int)x->index);
        }
        fputs(i ? ",\n    " : "\n    ", f);
        text_json_str(f, key);
        fprintf(f, ": {\"cycles\": %lld, \"utilization\": ", (long long)x->cycles);
        json_write_f64(f, x->util);
        fputs(", \"proof\": ", f);
        text_json_str(f, enc_proof_name(x->proof));
        fprintf(f, ", \"global\": %s, \"solve_ms\": ", x->global ? "true" : "false");
        json_write_f64(f, x->solve_ms);
        if (x->solve_rlimit >= 0) /* unknown (an older results file): left out */
            fprintf(f, ", \"solve_rlimit\": %lld", (long long)x->solve_rlimit);
        fprintf(f, ", \"reference_cycles\": %lld, \"reference_utilization\": ",
                (long long)x->ref_cycles);
        json_write_f64(f, x->ref_util);
        fputs(", \"speedup\": ", f);
        json_write_f64(f, x->speedup);
        fprintf(f, ", \"lower_bound\": %lld, \"dram_bytes\": %lld, \"layout_class\": ",
                (long long)x->lower_bound, (long long)x->dram_bytes);
        text_json_str(f, x->layout_class);
        fputs(", \"check\": ", f);
        text_json_str(f, driver_check_name(x->check));
        fprintf(f, ", \"ok\": %s}", x->ok ? "true" : "false");
    }
    es_free(wk);
    fputs(n ? "\n  }\n}\n" : "}\n}\n", f);
    bool err = ferror(f) != 0;
    if (fclose(f) != 0 || err)
        return status_fail(st, "%s: write error", path);
    return true;
}

static void add(baseline_cmp *cmp, baseline_kind kind, const char *key, const char *what,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(baseline_cmp *cmp, baseline_kind kind, const char *key, const char *what,
                const char *fmt, ...) {
    if (cmp->n == cmp->cap) {
        cmp->cap = cmp->cap ? cmp->cap * 2 : 16;
        cmp->c = realloc(cmp->c, (size_t)cmp->cap * sizeof *cmp->c);
        ES_ASSERT(cmp->c != NULL);
    }
    baseline_change *c = &cmp->c[cmp->n++];
    c->kind = kind;
    snprintf(c->key, sizeof c->key, "%s", key);
    snprintf(c->what, sizeof c->what, "%s", what);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    if (kind == BASELINE_REGRESSION)
        cmp->nregress++;
    else if (kind == BASELINE_IMPROVEMENT)
        cmp->nimprove++;
    else
        cmp->nnote++;
}

static const baseline_entry *find(const baseline *b, const char *key) {
    if (b->n == 0)
        return NULL;
    baseline_entry k;
    snprintf(k.key, sizeof k.key, "%s", key);
    return bsearch(&k, b->e, (size_t)b->n, sizeof *b->e, entry_cmp);
}

static void compare_one(const baseline_entry *e, const bench_result *x, const baseline_opts *o,
                        baseline_cmp *cmp) {
    const char *k = e->key;
    if (bench_check_failed(x))
        add(cmp, BASELINE_REGRESSION, k, "check", "result check failed: %s",
            x->check_msg[0] ? x->check_msg : "(no detail)");
    if (!x->ok) {
        if (e->ok)
            add(cmp, BASELINE_REGRESSION, k, "error", "fails now: %s", x->error);
        else
            add(cmp, BASELINE_NOTE, k, "error", "still fails: %s", x->error);
        return;
    }
    if (!e->ok) {
        add(cmp, BASELINE_IMPROVEMENT, k, "error", "runs now (failed in the baseline)");
        return;
    }
    /* Cycles: relative tolerance; the tiny absolute slack absorbs floating-point
     * rounding of tolerance * base so that the edge itself is not a regression. */
    double base = (double)e->cycles, now = (double)x->cycles, slack = o->tolerance * base + 1e-9;
    if (now - base > slack)
        add(cmp, BASELINE_REGRESSION, k, "cycles", "cycles %lld -> %lld (+%.2f%%, tolerance %.2f%%)",
            (long long)e->cycles, (long long)x->cycles, (now / base - 1) * 100, o->tolerance * 100);
    else if (base - now > slack)
        add(cmp, BASELINE_IMPROVEMENT, k, "cycles", "cycles %lld -> %lld (%.2f%%)",
            (long long)e->cycles, (long long)x->cycles, (now / base - 1) * 100);
    /* Utilization is a ratio of integers written with round-trip precision: any drop
     * beyond formatting noise is real. */
    double eps = 1e-9 * (e->utilization > 0 ? e->utilization : 1);
    if (x->util < e->utilization - eps)
        add(cmp, BASELINE_REGRESSION, k, "utilization", "utilization %.2f%% -> %.2f%%",
            e->utilization * 100, x->util * 100);
    else if (x->util > e->utilization + eps)
        add(cmp, BASELINE_IMPROVEMENT, k, "utilization", "utilization %.2f%% -> %.2f%%",
            e->utilization * 100, x->util * 100);
    /* ENC_PROOFS is ordered weakest first */
    if (x->proof < e->proof)
        add(cmp, BASELINE_REGRESSION, k, "proof", "proof %s -> %s", enc_proof_name(e->proof), enc_proof_name(x->proof));
    else if (x->proof > e->proof)
        add(cmp, BASELINE_IMPROVEMENT, k, "proof", "proof %s -> %s", enc_proof_name(e->proof), enc_proof_name(x->proof));
    if (e->global && !x->global)
        add(cmp, BASELINE_NOTE, k, "global", "no longer meets the scalar lower bound");
    /* Solve effort: the rlimit count decides unless wall time was asked for; a wall
     * time change is then a note (it moves with the machine load). */
    double s0 = e->solve_ms, s1 = x->solve_ms;
    bool wall_up = s1 > o->solve_factor * s0 && s1 - s0 > o->solve_abs_ms;
    bool wall_down = s0 > o->solve_factor * s1 && s0 - s1 > o->solve_abs_ms;
    if (o->solve_wall && wall_up)
        add(cmp, BASELINE_REGRESSION, k, "solve_time", "solve time %.0f ms -> %.0f ms", s0, s1);
    else if (o->solve_wall && wall_down)
        add(cmp, BASELINE_IMPROVEMENT, k, "solve_time", "solve time %.0f ms -> %.0f ms", s0, s1);
    else if (wall_up || wall_down)
        add(cmp, BASELINE_NOTE, k, "solve_time", "solve time %.0f ms -> %.0f ms (wall clock, informational)",
            s0, s1);
    double r0 = (double)e->solve_rlimit, r1 = (double)x->solve_rlimit;
    if (!o->solve_wall && r0 > 0 && r1 > 0) {
        if (r1 > o->solve_factor * r0 && r1 - r0 > o->solve_abs_rlimit)
            add(cmp, BASELINE_REGRESSION, k, "solve_effort", "solver effort %lld -> %lld (Z3 rlimit count, x%.2f)",
                (long long)e->solve_rlimit, (long long)x->solve_rlimit, r1 / r0);
        else if (r0 > o->solve_factor * r1 && r0 - r1 > o->solve_abs_rlimit)
            add(cmp, BASELINE_IMPROVEMENT, k, "solve_effort", "solver effort %lld -> %lld (Z3 rlimit count, x%.2f)",
                (long long)e->solve_rlimit, (long long)x->solve_rlimit, r1 / r0);
    }
    if (e->reference_cycles > 0 && e->reference_cycles != x->ref_cycles)
        add(cmp, BASELINE_NOTE, k, "reference", "reference cycles %lld -> %lld",
            (long long)e->reference_cycles, (long long)x->ref_cycles);
}

static int kind_cmp(const void *a, const void *b) {
    const baseline_change *x = a, *y = b;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return strcmp(x->key, y->key);
}

void baseline_compare(const baseline *b, const bench_result *r, int n, const baseline_opts *o,
                      baseline_cmp *cmp) {
    memset(cmp, 0, sizeof *cmp);
    char *seen = calloc((size_t)(b->n > 0 ? b->n : 1), 1);
    ES_ASSERT(seen != NULL);
    for (int i = 0; i < n; i++) {
        char key[BASELINE_KEY_MAX];
        bench_key(&r[i], key, sizeof key);
        const baseline_entry *e = find(b, key);
        if (!e) {
            add(cmp, BASELINE_NOTE, key, "new", "not in the baseline");
            if (bench_check_failed(&r[i]))
                add(cmp, BASELINE_REGRESSION, key, "check", "result check failed: %s",
                    r[i].check_msg);
            continue;
        }
        seen[e - b->e] = 1;
        compare_one(e, &r[i], o, cmp);
    }
    for (int i = 0; i < b->n; i++)
        if (!seen[i])
            add(cmp, BASELINE_NOTE, b->e[i].key, "not_run", "in the baseline but not run");
    free(seen);
    /* Stable order for reports: qsort is not stable, but (kind, key) plus the insertion
     * order of one layer's changes is enough to read; ties keep kinds grouped. */
    if (cmp->n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(cmp->c, (size_t)cmp->n, sizeof *cmp->c, kind_cmp);
}

void baseline_cmp_free(baseline_cmp *cmp) {
    free(cmp->c);
    memset(cmp, 0, sizeof *cmp);
}

void baseline_cmp_print(FILE *f, const baseline_cmp *cmp, bool verbose) {
    static const char *const title[] = {"REGRESSION", "improved", "note"};
    for (int i = 0; i < cmp->n; i++) {
        const baseline_change *c = &cmp->c[i];
        if (c->kind == BASELINE_NOTE && !verbose)
            continue;
        fprintf(f, "  %-10s %s: %s\n", title[c->kind], c->key, c->msg);
    }
    fprintf(f, "baseline: %d regression(s), %d improvement(s), %d note(s)\n", cmp->nregress,
            cmp->nimprove, cmp->nnote);
}
