/* report_finish: what `embedsyn bench` and `embedsyn bench-merge` do once the results
 * are in: summary, baseline comparison, outputs, baseline update, terminal summary.
 * Invariant: the exit status is 1 exactly when a layer failed, a result check failed
 * or the baseline comparison found a regression; outputs are written in every case
 * so that a failing run can be inspected. */
#include <string.h>

#include "bench/json.h"
#include "bench/report.h"

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
        if (!baseline_write(o->update_baseline, m->hardware,
                            (const char(*)[BENCH_NAME_MAX])m->suites, m->nsuites, r, n, &st)) {
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
        json_write_str(stdout, o->out_dir);
        fputs("}\n", stdout);
    } else {
        report_print_summary(stdout, m, &s);
        for (int i = 0; i < n; i++) {
            if (r[i].ok && strcmp(r[i].check, "fail") && strcmp(r[i].ref_check, "fail"))
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
