/* report_finish: what `embedsyn bench` and `embedsyn bench-merge` do once the results
 * are in: summary, baseline comparison, outputs, baseline update, terminal summary.
 * Invariant: the exit status is 1 exactly when a layer failed, a result check failed
 * or the baseline comparison found a regression; outputs are written in every case
 * so that a failing run can be inspected. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/json.h"
#include "bench/report.h"

/* A baseline entry of a layer that was not run, as the fields baseline_write writes. */
static bool entry_result(const json_value *v, const char *key, const char *path, bench_result *x,
                         status *st) {
    memset(x, 0, sizeof *x);
    const char *slash = strchr(key, '/');
    size_t sl = slash ? (size_t)(slash - key) : 0;
    snprintf(x->suite, sizeof x->suite, "%.*s", (int)(sl < sizeof x->suite ? sl : sizeof x->suite - 1), key);
    snprintf(x->name, sizeof x->name, "%s", slash ? slash + 1 : key);
    x->ok = true;
    static const char *const proof_names[] = {ENC_PROOFS(ES_NAME2)};
    static const char *const check_names[] = {DRIVER_CHECKS(ES_NAME2)};
    int proof = 0, check = 0;
    return json_get_i64(v, "cycles", true, path, &x->cycles, st) &&
           json_get_f64(v, "utilization", true, path, &x->util, st) &&
           json_get_name(v, "proof", true, path, proof_names, ES_COUNT(proof_names), &proof, st) &&
           json_get_bool(v, "global", false, path, &x->global, st) &&
           json_get_f64(v, "solve_ms", true, path, &x->solve_ms, st) &&
           json_get_i64(v, "reference_cycles", false, path, &x->ref_cycles, st) &&
           json_get_f64(v, "reference_utilization", false, path, &x->ref_util, st) &&
           json_get_f64(v, "speedup", false, path, &x->speedup, st) &&
           json_get_i64(v, "lower_bound", false, path, &x->lower_bound, st) &&
           json_get_i64(v, "dram_bytes", false, path, &x->dram_bytes, st) &&
           json_get_str(v, "layout_class", false, path, x->layout_class, sizeof x->layout_class, st) &&
           json_get_name(v, "check", false, path, check_names, ES_COUNT(check_names), &check, st) &&
           json_get_bool(v, "ok", false, path, &x->ok, st) &&
           ((x->proof = (enc_proof)proof), (x->check = (driver_check)check), true);
}

/* The baseline after a partial run: the entries of path in its order, those of the
 * layers run replaced by the new results, then the new layers; suites: the file's,
 * then this run's. *out is malloc'ed. A missing file is an empty baseline. */
static bool merge_partial(const char *path, report_meta *m, const bench_result *r, int n,
                          bench_result **out, int *nout, status *st) {
    *out = calloc((size_t)n + 1, sizeof **out);
    ES_ASSERT(*out != NULL);
    *nout = 0;
    bool *used = calloc((size_t)n + 1, sizeof *used);
    ES_ASSERT(used != NULL);
    bool ok = true;
    if (access(path, F_OK) == 0) {
        baseline b; /* validates the file with located errors */
        if (!baseline_load(path, &b, st)) {
            free(used);
            return false;
        }
        report_meta keep = *m;
        m->nsuites = 0;
        for (int i = 0; i < b.nsuites; i++)
            snprintf(m->suites[m->nsuites++], BENCH_NAME_MAX, "%s", b.suites[i]);
        report_meta_add_suites(m, &keep);
        baseline_free(&b);
        arena *a = arena_create();
        const json_value *root = json_parse_file(a, path, st);
        const json_value *ls = root ? json_get(root, "layers") : NULL;
        ok = ls && ls->type == JSON_OBJ;
        *out = realloc(*out, ((ok ? ls->len : 0) + (size_t)n + 1) * sizeof **out);
        ES_ASSERT(*out != NULL);
        for (size_t i = 0; ok && i < ls->len; i++) {
            int hit = -1;
            for (int k = 0; k < n && hit < 0; k++) {
                char key[BASELINE_KEY_MAX];
                bench_key(&r[k], key, sizeof key);
                if (!used[k] && !strcmp(key, ls->keys[i]))
                    hit = k;
            }
            if (hit >= 0) {
                used[hit] = true;
                (*out)[(*nout)++] = r[hit];
            } else {
                ok = entry_result(ls->items[i], ls->keys[i], path, &(*out)[*nout], st);
                (*nout)++;
            }
        }
        arena_destroy(a);
    }
    for (int k = 0; ok && k < n; k++)
        if (!used[k])
            (*out)[(*nout)++] = r[k];
    free(used);
    if (!ok) {
        free(*out);
        *out = NULL;
    }
    return ok;
}

/* Writes the baseline: the whole run, or after a partial run the merge above. */
static bool update_baseline(report_meta *m, const bench_result *r, int n,
                            const report_finish_opts *o, status *st) {
    if (!o->partial)
        return baseline_write(o->update_baseline, m->hardware,
                              (const char(*)[BENCH_NAME_MAX])m->suites, m->nsuites, r, n, st);
    report_meta mm = *m;
    bench_result *all;
    int nall;
    if (!merge_partial(o->update_baseline, &mm, r, n, &all, &nall, st))
        return false;
    bool ok = baseline_write(o->update_baseline, mm.hardware,
                             (const char(*)[BENCH_NAME_MAX])mm.suites, mm.nsuites, all, nall, st);
    free(all);
    return ok;
}

int report_finish(report_meta *m, const bench_result *r, int n, const report_finish_opts *o) {
    status st;
    status_init(&st);
    bench_summary s;
    bench_summarize(r, n, &s);
    s.wall_s = m->wall_s;
    baseline b;
    baseline_cmp cmp;
    bool have_cmp = false;
    if (o->baseline) {
        if (!baseline_load(o->baseline, &b, &st)) {
            fprintf(stderr, "embedsyn %s: %s\n", o->cmd, st.msg);
            return 2;
        }
        if (b.hardware[0] && strcmp(b.hardware, m->hardware) != 0)
            fprintf(stderr, "embedsyn %s: warning: baseline %s was made on hardware '%s', this run uses '%s'\n",
                    o->cmd, o->baseline, b.hardware, m->hardware);
        baseline_compare(&b, r, n, &o->bopts, &cmp);
        baseline_free(&b);
        have_cmp = true;
    }
    int rc = 0;
    if (!report_write_dir(o->out_dir, m, r, n, &s, have_cmp ? &cmp : NULL, &st)) {
        fprintf(stderr, "embedsyn %s: %s\n", o->cmd, st.msg);
        rc = 2;
    }
    if (rc == 0 && o->update_baseline && m->interrupted) {
        fprintf(stderr, "embedsyn %s: interrupted run: baseline %s not updated\n", o->cmd,
                o->update_baseline);
    } else if (rc == 0 && o->update_baseline) {
        if (!update_baseline(m, r, n, o, &st)) {
            fprintf(stderr, "embedsyn %s: %s\n", o->cmd, st.msg);
            rc = 2;
        }
    }
    if (o->json) {
        fprintf(stdout, "{\"interrupted\": %s, \"layers_finished\": %d, \"layers_total\": %d, "
                        "\"summary\": ", m->interrupted ? "true" : "false", n, m->total_layers);
        report_summary_json(stdout, &s);
        if (have_cmp)
            fprintf(stdout, ", \"baseline\": {\"regressions\": %d, \"improvements\": %d, \"notes\": %d}",
                    cmp.nregress, cmp.nimprove, cmp.nnote);
        fputs(", \"out\": ", stdout);
        text_json_str(stdout, o->out_dir);
        fputs("}\n", stdout);
    } else {
        report_print_summary(stdout, m, &s);
        for (int i = 0; i < n; i++) {
            if (r[i].ok && !bench_check_failed(&r[i]))
                continue;
            if (!r[i].ok)
                printf("  ERROR %s/%s: %s\n", r[i].suite, r[i].name, r[i].error);
            else
                printf("  CHECK FAILED %s/%s: %s\n", r[i].suite, r[i].name, r[i].check_msg);
        }
        if (have_cmp)
            baseline_cmp_print(stdout, &cmp, o->verbose);
        printf("  report                 %s/report.md (results.csv, results.json, *.svg)\n", o->out_dir);
        if (rc == 0 && o->update_baseline && !m->interrupted)
            printf("  baseline written       %s\n", o->update_baseline);
    }
    fflush(stdout);
    if (rc == 0 && (s.nerror > 0 || s.ncheck_fail > 0 || (have_cmp && cmp.nregress > 0)))
        rc = 1;
    if (have_cmp)
        baseline_cmp_free(&cmp);
    if (m->interrupted && rc != 2)
        rc = o->interrupt_status ? o->interrupt_status : 130;
    return rc;
}
