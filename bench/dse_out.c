/* dse_out: results of a design-space exploration as files: results.csv (every design,
 * doubles with 17 digits so dse-merge reads back the exact values), results.json,
 * pareto.csv (the (cycles, area) and (energy, area) fronts), report.md and two SVG
 * scatter plots with the fronts and the default VTA marked.
 * Invariant: dse_read_csv(dse_write_csv(x)) == x for every field written. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/dse.h"
#include "core/text.h"

#define HWF_LIST(X)                                                                                   \
    X(log_batch) X(log_block_in) X(log_block_out) X(log_uop_buff_size) X(log_inp_buff_size)           \
    X(log_wgt_buff_size) X(log_acc_buff_size) X(log_bus_width) X(fetch_insn_cycles) X(dram_latency)   \
    X(max_burst_beats) X(burst_boundary) X(load_startup) X(store_startup) X(gemm_startup)             \
    X(alu_startup) X(gemm_iter_cycles) X(alu_imm_cycles) X(alu_reg_cycles)

#define DBL_LIST(X)                                                                                   \
    X(cycles) X(energy_uj) X(area) X(util) X(floor_cycles) X(box_floor_cycles) X(val_model) X(val_sim)         \
    X(val_err) X(val_max_layer_err)
#define INT_LIST(X) X(layers) X(slow_layers) X(packed_layers) X(val_layers) X(val_worst_layer)
#define BOOL_LIST(X) X(is_default) X(pareto_cycles) X(pareto_energy)

static void csv_header(FILE *f) {
    fprintf(f, "index,reason");
#define H(x) fprintf(f, "," #x);
    HWF_LIST(H) DBL_LIST(H) INT_LIST(H) BOOL_LIST(H)
#undef H
    fprintf(f, ",why\n");
}

void dse_write_csv(FILE *f, const dse_design *d, int64_t n) {
    csv_header(f);
    for (int64_t i = 0; i < n; i++) {
        const dse_design *x = &d[i];
        fprintf(f, "%lld,%s", (long long)x->index, dse_reason_name(x->reason));
#define WH(v) fprintf(f, ",%d", (int)x->hw.v);
        HWF_LIST(WH)
#undef WH
#define WD(v) fprintf(f, ",%.17g", x->v);
        DBL_LIST(WD)
#undef WD
#define WI(v) fprintf(f, ",%d", (int)x->v);
        INT_LIST(WI) BOOL_LIST(WI)
#undef WI
        fputs(",\"", f);
        for (const char *p = x->why; *p; p++) {
            if (*p == '"') fputc('"', f);
            fputc(*p == '\n' ? ' ' : *p, f);
        }
        fputs("\"\n", f);
    }
}

/* Splits one CSV line into at most max fields (quotes: "" escapes). */
static int csv_split(char *s, char **fld, int max) {
    int n = 0;
    while (n < max) {
        if (*s == '"') {
            char *w = ++s;
            fld[n++] = w;
            while (*s && !(*s == '"' && s[1] != '"')) {
                if (*s == '"') s++;
                *w++ = *s++;
            }
            if (*s == '"') s++;
            *w = 0;
            if (*s == ',') s++;
            else break;
        } else {
            fld[n++] = s;
            char *c = strchr(s, ',');
            if (!c) break;
            *c = 0;
            s = c + 1;
        }
    }
    return n;
}

bool dse_read_csv(const char *path, dse_design **out, int64_t *nout, status *st) {
    FILE *f = fopen(path, "r");
    if (!f) return status_fail(st, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    long ln = 0;
    bool ok = true;
#define ONE(x) +1
    enum { NF = 2 HWF_LIST(ONE) DBL_LIST(ONE) INT_LIST(ONE) BOOL_LIST(ONE) + 1 }; /* index, reason, ..., why */
#undef ONE
    while (ok && getline(&line, &cap, f) > 0) {
        ln++;
        size_t L = strlen(line);
        while (L && (line[L - 1] == '\n' || line[L - 1] == '\r')) line[--L] = 0;
        if (ln == 1) {
            if (strncmp(line, "index,reason,", 13)) ok = status_fail_at(st, path, ln, "not a dse results.csv (header)");
            continue;
        }
        if (!L) continue;
        char *fld[NF + 1];
        if (csv_split(line, fld, NF + 1) != NF) {
            ok = status_fail_at(st, path, ln, "expected %d fields", NF);
            break;
        }
        dse_design x;
        memset(&x, 0, sizeof x);
        int k = 0;
        char *end;
        x.index = strtoll(fld[k++], &end, 10);
        if (!dse_reason_parse(fld[k++], &x.reason)) {
            ok = status_fail_at(st, path, ln, "unknown reason '%s'", fld[k - 1]);
            break;
        }
        x.hw = hw_default();
#define RH(v) x.hw.v = (int32_t)strtol(fld[k++], &end, 10);
        HWF_LIST(RH)
#undef RH
#define RD(v) x.v = strtod(fld[k++], &end);
        DBL_LIST(RD)
#undef RD
#define RI(v) x.v = (int32_t)strtol(fld[k++], &end, 10);
        INT_LIST(RI)
#undef RI
#define RB(v) x.v = strtol(fld[k++], &end, 10) != 0;
        BOOL_LIST(RB)
#undef RB
        snprintf(x.why, sizeof x.why, "%s", fld[k]);
        if (x.index < 0)
            snprintf(x.hw.name, sizeof x.hw.name, "vta-default");
        else
            snprintf(x.hw.name, sizeof x.hw.name, "d%lld", (long long)x.index);
        dse_design *nd = realloc(*out, (size_t)(*nout + 1) * sizeof *nd);
        if (!nd) {
            ok = status_fail(st, "out of memory");
            break;
        }
        *out = nd;
        nd[(*nout)++] = x;
    }
    free(line);
    fclose(f);
    return ok;
}

void dse_write_json(FILE *f, const dse_design *d, int64_t n) {
    fputs("[\n", f);
    for (int64_t i = 0; i < n; i++) {
        const dse_design *x = &d[i];
        fprintf(f, "  {\"index\":%lld,\"reason\":\"%s\"", (long long)x->index, dse_reason_name(x->reason));
#define JH(v) fprintf(f, ",\"" #v "\":%d", (int)x->hw.v);
        HWF_LIST(JH)
#undef JH
#define JD(v) fprintf(f, ",\"" #v "\":%.17g", isfinite(x->v) ? x->v : 0.0);
        DBL_LIST(JD)
#undef JD
#define JI(v) fprintf(f, ",\"" #v "\":%d", (int)x->v);
        INT_LIST(JI)
#undef JI
#define JB(v) fprintf(f, ",\"" #v "\":%s", x->v ? "true" : "false");
        BOOL_LIST(JB)
#undef JB
        fputs(",\"why\":", f);
        text_json_str(f, x->why);
        fprintf(f, "}%s\n", i + 1 < n ? "," : "");
    }
    fputs("]\n", f);
}

/* ---- summary, report and plots ---- */

static const dse_design *find_default(const dse_design *d, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (d[i].is_default && d[i].reason == DSE_FEASIBLE) return &d[i];
    return NULL;
}

/* Fastest feasible design with area <= max_area (by cycles). */
static const dse_design *best_within(const dse_design *d, int64_t n, double max_area) {
    const dse_design *b = NULL;
    for (int64_t i = 0; i < n; i++)
        if (d[i].reason == DSE_FEASIBLE && d[i].area <= max_area * (1 + 1e-12) && (!b || d[i].cycles < b->cycles))
            b = &d[i];
    return b;
}

static void hw_short(const hw_config *h, char *buf, size_t len) {
    /* buffer sizes in KiB; below 1 KiB as a fraction (log sizes may be < 10) */
    snprintf(buf, len, "B%lld BI%lld BO%lld inp%gK wgt%gK acc%gK uop%gK bus%lld", (long long)hw_batch(h),
             (long long)hw_block_in(h), (long long)hw_block_out(h), ldexp(1.0, h->log_inp_buff_size - 10),
             ldexp(1.0, h->log_wgt_buff_size - 10), ldexp(1.0, h->log_acc_buff_size - 10),
             ldexp(1.0, h->log_uop_buff_size - 10), (long long)(hw_bus_bytes(h) * 8));
}

/* The design's estimate over its hardware floor (0: unknown, results of an older run). */
static double floor_gap(const dse_design *d) { return d->floor_cycles > 0 ? d->cycles / d->floor_cycles : 0; }

/* ", 1.234x its hardware floor", or "" when the floor is unknown. */
static const char *floor_note(const dse_design *d, char *buf, size_t len) {
    buf[0] = 0;
    if (floor_gap(d) > 0) snprintf(buf, len, ", %.3fx its hardware floor", floor_gap(d));
    return buf;
}

void dse_print_summary(FILE *f, const dse_design *d, int64_t n, dse_objective obj) {
    int64_t feas = 0, bad[8] = {0}, pc = 0;
    for (int64_t i = 0; i < n; i++) {
        if (d[i].reason == DSE_FEASIBLE) feas++;
        else bad[d[i].reason]++;
        pc += d[i].pareto_cycles;
    }
    fprintf(f, "%lld designs: %lld feasible", (long long)n, (long long)feas);
    for (int r = 1; r < 5; r++)
        if (bad[r]) fprintf(f, ", %lld infeasible (%s)", (long long)bad[r], dse_reason_name((dse_reason)r));
    fprintf(f, "; %lld on the cycles/area front (objective %s)\n", (long long)pc, dse_objective_name(obj));
    const dse_design *def = find_default(d, n);
    if (def) {
        const dse_design *b = best_within(d, n, 2.0 * def->area);
        char hs[160], fl[48];
        fprintf(f, "default VTA: %.0f cycles, %.1f uJ, area 1.00, util %.1f%%%s\n", def->cycles, def->energy_uj,
                100 * def->util, floor_note(def, fl, sizeof fl));
        if (b) {
            hw_short(&b->hw, hs, sizeof hs);
            fprintf(f, "fastest at <= 2x default area: %s (%s): %.0f cycles, %.2fx faster, area %.2f%s\n", b->hw.name, hs,
                    b->cycles, def->cycles / b->cycles, b->area, floor_note(b, fl, sizeof fl));
        }
    }
    /* how close the mappings come to what each design allows (results of older runs: unknown) */
    double lg = 0, worst = 0;
    int64_t nf = 0;
    const dse_design *w = NULL;
    for (int64_t i = 0; i < n; i++) {
        double g = d[i].reason == DSE_FEASIBLE ? floor_gap(&d[i]) : 0;
        if (g <= 0) continue;
        lg += log(g);
        nf++;
        if (g > worst) worst = g, w = &d[i];
    }
    if (nf)
        fprintf(f, "estimate / hardware floor over %lld feasible designs: geomean %.3fx, max %.3fx (%s)\n", (long long)nf,
                exp(lg / (double)nf), worst, w->hw.name);
}

static void svg_plot(FILE *f, const dse_design *d, int64_t n, bool energy, const char *title) {
    const double W = 720, H = 480, L = 80, R = 20, T = 40, B = 60;
    double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
    for (int64_t i = 0; i < n; i++) {
        if (d[i].reason != DSE_FEASIBLE) continue;
        double x = d[i].area, y = energy ? d[i].energy_uj : d[i].cycles;
        if (x <= 0 || y <= 0) continue;
        x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
    }
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%.0f\" y=\"22\" font-size=\"15\">", L);
    text_xml_esc(f, title);
    fprintf(f, "</text>\n");
    if (x0 > x1) {
        fputs("<text x=\"100\" y=\"200\">no feasible design</text>\n</svg>\n", f);
        return;
    }
    double lx0 = log10(x0) - 0.02, lx1 = log10(x1) + 0.02, ly0 = log10(y0) - 0.02, ly1 = log10(y1) + 0.02;
#define PX(v) (L + (log10(v) - lx0) / (lx1 - lx0) * (W - L - R))
#define PY(v) (H - B - (log10(v) - ly0) / (ly1 - ly0) * (H - T - B))
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#444\"/>\n", L, T,
            W - L - R, H - T - B);
    for (int k = 0; k <= 4; k++) {
        double xv = pow(10, lx0 + (lx1 - lx0) * k / 4), yv = pow(10, ly0 + (ly1 - ly0) * k / 4);
        fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.3g</text>\n", PX(xv), H - B + 16, xv);
        fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", L - 4, PY(yv) + 4, yv);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">area proxy (default VTA = 1, log)</text>\n",
            (W + L) / 2, H - 18);
    fprintf(f, "<text x=\"16\" y=\"%.0f\" transform=\"rotate(-90 16 %.0f)\" text-anchor=\"middle\">%s (log)</text>\n",
            (H - B + T) / 2, (H - B + T) / 2, energy ? "energy proxy (uJ)" : "estimated cycles");
    for (int64_t i = 0; i < n; i++) {
        if (d[i].reason != DSE_FEASIBLE) continue;
        bool p = energy ? d[i].pareto_energy : d[i].pareto_cycles;
        if (p) continue;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#bbb\"/>\n", PX(d[i].area),
                PY(energy ? d[i].energy_uj : d[i].cycles));
    }
    /* the front as a polyline in increasing area */
    int64_t np = 0;
    for (int64_t i = 0; i < n; i++) np += d[i].reason == DSE_FEASIBLE && (energy ? d[i].pareto_energy : d[i].pareto_cycles);
    const dse_design **fr = malloc((size_t)(np ? np : 1) * sizeof *fr);
    if (fr) {
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++)
            if (d[i].reason == DSE_FEASIBLE && (energy ? d[i].pareto_energy : d[i].pareto_cycles)) fr[k++] = &d[i];
        for (int64_t a = 1; a < k; a++)
            for (int64_t b = a; b > 0 && fr[b - 1]->area > fr[b]->area; b--) {
                const dse_design *t = fr[b];
                fr[b] = fr[b - 1];
                fr[b - 1] = t;
            }
        fputs("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"", f);
        for (int64_t a = 0; a < k; a++)
            fprintf(f, "%.1f,%.1f ", PX(fr[a]->area), PY(energy ? fr[a]->energy_uj : fr[a]->cycles));
        fputs("\"/>\n", f);
        for (int64_t a = 0; a < k; a++)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#1f77b4\"><title>%s</title></circle>\n",
                    PX(fr[a]->area), PY(energy ? fr[a]->energy_uj : fr[a]->cycles), fr[a]->hw.name);
        free(fr);
    }
    const dse_design *def = find_default(d, n);
    if (def) {
        double x = PX(def->area), y = PY(energy ? def->energy_uj : def->cycles);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"#d62728\"/>\n", x - 4.5, y - 4.5);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#d62728\">default VTA</text>\n", x + 8, y - 6);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" fill=\"#1f77b4\">blue: Pareto front; grey: other feasible designs</text>\n",
            L + 8, T + 16);
    fputs("</svg>\n", f);
#undef PX
#undef PY
}

static void md_front(FILE *f, const dse_design *d, int64_t n, bool energy, const dse_design *def) {
    fprintf(f, "| design | hardware | cycles | energy (uJ) | area | util | speedup vs default | vs hardware floor | "
               "validated: model err |\n");
    fprintf(f, "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int64_t i = 0; i < n; i++) {
        if (!(energy ? d[i].pareto_energy : d[i].pareto_cycles)) continue;
        char hs[160], val[64] = "-";
        hw_short(&d[i].hw, hs, sizeof hs);
        if (d[i].val_layers) snprintf(val, sizeof val, "%+.2f%% (%d layers)", 100 * d[i].val_err, d[i].val_layers);
        fprintf(f, "| %s%s | %s | %.0f | %.1f | %.2f | %.1f%% | %.2fx | %.3fx | %s |\n", d[i].hw.name,
                d[i].is_default ? " (default)" : "", hs, d[i].cycles, d[i].energy_uj, d[i].area, 100 * d[i].util,
                def ? def->cycles / d[i].cycles : 0, floor_gap(&d[i]), val);
    }
}

bool dse_write_dir(const char *dir, const hw_space *sp, const dse_opts *o, const dse_design *d, int64_t n,
                   const char *suites, status *st) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) return status_fail(st, "%s: cannot create: %s", dir, strerror(errno));
    char p[4096];
    FILE *f;
#define OPEN(name)                                                                          \
    snprintf(p, sizeof p, "%s/%s", dir, name);                                              \
    if (!(f = fopen(p, "w"))) return status_fail(st, "%s: cannot write: %s", p, strerror(errno));
    OPEN("results.csv");
    dse_write_csv(f, d, n);
    fclose(f);
    OPEN("results.json");
    dse_write_json(f, d, n);
    fclose(f);
    OPEN("pareto.csv");
    fprintf(f, "front,index,cycles,energy_uj,area,util,is_default\n");
    for (int k = 0; k < 2; k++)
        for (int64_t i = 0; i < n; i++)
            if (k ? d[i].pareto_energy : d[i].pareto_cycles)
                fprintf(f, "%s,%lld,%.17g,%.17g,%.17g,%.17g,%d\n", k ? "energy_area" : "cycles_area", (long long)d[i].index,
                        d[i].cycles, d[i].energy_uj, d[i].area, d[i].util, d[i].is_default);
    fclose(f);
    OPEN("pareto_cycles.svg");
    svg_plot(f, d, n, false, "Estimated suite cycles vs area proxy");
    fclose(f);
    OPEN("pareto_energy.svg");
    svg_plot(f, d, n, true, "Energy proxy vs area proxy");
    fclose(f);
    OPEN("report.md");
    char desc[1024];
    hw_space_describe(sp, desc, sizeof desc);
    fprintf(f, "# Design-space exploration\n\nSuites: %s  \nSpace `%s`: %s  \nObjective: %s; strategy: %s (%s)\n\n", suites,
            sp->name, desc, dse_objective_name(o->objective), dse_strategy_name(o->strategy),
            o->strategy == DSE_STRAT_SOLVE ? "embedding re-synthesized per intrinsic shape, channel packing competing"
                                            : "TVM's channel packing for every design");
    fputs("```\n", f);
    dse_print_summary(f, d, n, o->objective);
    fputs("```\n\n", f);
    const dse_design *def = find_default(d, n);
    fputs("## Pareto front: cycles vs area\n\n![cycles vs area](pareto_cycles.svg)\n\n", f);
    md_front(f, d, n, false, def);
    fputs("\n## Pareto front: energy vs area\n\n![energy vs area](pareto_energy.svg)\n\n", f);
    md_front(f, d, n, true, def);
    fputs("\n## Infeasible designs\n\n", f);
    int64_t shown = 0, nbad = 0;
    for (int64_t i = 0; i < n; i++) nbad += d[i].reason != DSE_FEASIBLE;
    fprintf(f, "%lld infeasible (all listed in results.csv with the reason)%s\n\n", (long long)nbad, nbad ? "; the first:" : ".");
    for (int64_t i = 0; i < n && shown < 20; i++)
        if (d[i].reason != DSE_FEASIBLE) {
            fprintf(f, "- %s (%s): %s\n", d[i].hw.name, dse_reason_name(d[i].reason), d[i].why);
            shown++;
        }
    fclose(f);
#undef OPEN
    return true;
}
