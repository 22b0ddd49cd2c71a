/* plot: the SVG plots of a bench report, written directly (no plotting dependency):
 * speedup per layer (bars on a log axis around 1x), utilization vs layout DRAM bytes
 * for the layers the reference under-uses (reference -> chosen embedding), and a
 * roofline-style scatter of cycles vs the per-layer lower bound.
 * Invariant: every plot is a complete, well-formed SVG document even for zero layers
 * or degenerate ranges, and all text is XML-escaped. */
#include <math.h>
#include <string.h>

#include "bench/report.h"
#include "core/text.h"

enum { PLOT_MAX_FRONT = 32 };
enum { PLOT_H = 420, PLOT_MT = 50, PLOT_MB = 60, PLOT_ML = 80, PLOT_MR = 30 };

static const char *const plot_palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                           "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};

typedef struct axis {
    double lo, hi;    /* data range (log: > 0) */
    bool log;
    double p0, p1;    /* pixel positions of lo and hi */
} axis;

static double ax_map(const axis *a, double v) {
    double t;
    if (a->log) {
        if (!(v > 0))
            v = a->lo;
        t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    } else {
        t = (v - a->lo) / (a->hi - a->lo);
    }
    if (t < 0)
        t = 0;
    if (t > 1)
        t = 1;
    return a->p0 + t * (a->p1 - a->p0);
}

/* Widens a log range to whole decades (at least one) so ticks land on it. */
static void ax_log_range(axis *a, double lo, double hi) {
    if (!(lo > 0) || !isfinite(lo))
        lo = 1;
    if (!(hi > 0) || !isfinite(hi) || hi < lo)
        hi = lo;
    a->log = true;
    a->lo = pow(10, floor(log10(lo)));
    a->hi = pow(10, ceil(log10(hi)));
    if (a->hi <= a->lo)
        a->hi = a->lo * 10;
}

static void fmt_num(double v, char *buf, size_t len) {
    double a = fabs(v);
    if (a >= 1e9)
        snprintf(buf, len, "%gG", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, len, "%gM", v / 1e6);
    else if (a >= 1e3)
        snprintf(buf, len, "%gk", v / 1e3);
    else
        snprintf(buf, len, "%g", v);
}

/* Grid lines and labels; vertical = the axis runs along y. */
static void ax_draw(FILE *f, const axis *a, bool vertical, double other0, double other1,
                    const char *label, const char *suffix) {
    double ticks[64];
    int nt = 0;
    if (a->log) {
        for (double v = a->lo; v <= a->hi * 1.0001 && nt < 64; v *= 10)
            ticks[nt++] = v;
    } else {
        double step = (a->hi - a->lo) / 5;
        for (int i = 0; i <= 5; i++)
            ticks[nt++] = a->lo + step * i;
    }
    for (int i = 0; i < nt; i++) {
        double p = ax_map(a, ticks[i]);
        char t[32];
        fmt_num(ticks[i], t, sizeof t);
        if (vertical) {
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                    other0, p, other1, p);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s%s</text>\n",
                    other0 - 4, p + 4, t, suffix);
        } else {
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                    p, other0, p, other1);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s%s</text>\n",
                    p, other0 + 15, t, suffix);
        }
    }
    if (vertical)
        fprintf(f, "<text x=\"16\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
                   "transform=\"rotate(-90 16 %.1f)\">",
                (a->p0 + a->p1) / 2, (a->p0 + a->p1) / 2);
    else
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">",
                (a->p0 + a->p1) / 2, other0 + 34);
    text_xml_esc(f, label);
    fputs("</text>\n", f);
}

static void svg_begin(FILE *f, double w, double h, const char *title, const char *subtitle) {
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            w, h, w, h);
    fprintf(f, "<text x=\"%.1f\" y=\"20\" font-size=\"15\" text-anchor=\"middle\">", w / 2);
    text_xml_esc(f, title);
    fputs("</text>\n", f);
    if (subtitle) {
        fprintf(f, "<text x=\"%.1f\" y=\"36\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">",
                w / 2);
        text_xml_esc(f, subtitle);
        fputs("</text>\n", f);
    }
}

/* Index of r's suite among the distinct suites seen so far (for colors). */
static int suite_color(const bench_result *r, int n, int i, char (*names)[BENCH_NAME_MAX],
                       int *nnames) {
    (void)n;
    for (int k = 0; k < *nnames; k++)
        if (!strcmp(names[k], r[i].suite))
            return k;
    if (*nnames < 8) {
        snprintf(names[*nnames], BENCH_NAME_MAX, "%s", r[i].suite);
        return (*nnames)++;
    }
    return 7;
}

static void legend(FILE *f, double x, double y, char (*names)[BENCH_NAME_MAX], int nnames) {
    for (int k = 0; k < nnames; k++) {
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", x,
                y + 14 * k, plot_palette[k]);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", x + 14, y + 14 * k + 9);
        text_xml_esc(f, names[k]);
        fputs("</text>\n", f);
    }
}

/* True for the layers a static speedup plot names: the five largest speedups and the
 * smallest one (ties: the earlier layer), among the layers with a speedup. */
static bool named_layer(const bench_result *r, int n, int i) {
    int above = 0, below = 0;
    for (int j = 0; j < n; j++) {
        if (!bench_has_speedup(&r[j]) || j == i)
            continue;
        above += r[j].speedup > r[i].speedup || (r[j].speedup == r[i].speedup && j < i);
        below += r[j].speedup < r[i].speedup || (r[j].speedup == r[i].speedup && j < i);
    }
    return above < 5 || below == 0;
}

void plot_speedup_svg(FILE *f, const bench_result *r, int n) {
    double bar = n > 150 ? 5 : n > 60 ? 8 : 16;
    double w = PLOT_ML + PLOT_MR + 250 + (n > 0 ? n : 1) * bar;
    if (w < 640)
        w = 640;
    double lo = 1, hi = 1;
    for (int i = 0; i < n; i++) {
        if (!r[i].ok || !(r[i].speedup > 0))
            continue;
        lo = fmin(lo, r[i].speedup);
        hi = fmax(hi, r[i].speedup);
    }
    axis y;
    ax_log_range(&y, lo, hi);
    y.p0 = PLOT_H - PLOT_MB;
    y.p1 = PLOT_MT;
    svg_begin(f, w, PLOT_H, "Speedup over the reference strategy per layer (log scale)",
              "bar = reference cycles / embedsyn cycles; black stub = layer failed");
    double x0 = PLOT_ML, x1 = w - PLOT_MR - 250;
    ax_draw(f, &y, true, x0, x1, "speedup", "x");
    double one = ax_map(&y, 1);
    char names[8][BENCH_NAME_MAX];
    int nnames = 0;
    for (int i = 0; i < n; i++) {
        int c = suite_color(r, n, i, names, &nnames);
        double x = x0 + i * bar;
        bool sp = bench_has_speedup(&r[i]);
        double v = sp ? ax_map(&y, r[i].speedup) : one;
        double top = fmin(v, one), h = fabs(v - one);
        if (h < 3) { /* a 1.00x bar stays visible: 3 px centered on the 1x line */
            h = 3;
            top = one - 1.5;
        }
        fputs("<g><title>", f);
        text_xml_esc(f, r[i].suite);
        fputc('/', f);
        text_xml_esc(f, r[i].name);
        if (sp)
            fprintf(f, ": %.3fx", r[i].speedup);
        else
            fputs(r[i].ok ? ": the reference cannot run it" : ": error", f);
        fprintf(f, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/></g>\n",
                x + 0.5, r[i].ok ? top : one - 6, bar - 1, r[i].ok ? h : 12,
                !r[i].ok ? "#222" : r[i].ref_no_schedule ? "#aaa" : plot_palette[c]);
        if (n <= 40) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" "
                       "transform=\"rotate(-60 %.1f %.1f)\">",
                    x + bar / 2, y.p0 + 12, x + bar / 2, y.p0 + 12);
            text_xml_esc(f, r[i].name);
            fputs("</text>\n", f);
        } else if (sp && named_layer(r, n, i)) {
            /* Many layers: only the extremes are named, above their bars. */
            double ty = (r[i].speedup >= 1 ? top : one) - 4;
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
                       "transform=\"rotate(-60 %.1f %.1f)\">",
                    x + bar / 2, ty, x + bar / 2, ty);
            text_xml_esc(f, r[i].name);
            fprintf(f, " %.2fx</text>\n", r[i].speedup);
        }
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", x0,
            one, x1, one);
    if (n > 40)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">layers "
                   "(in suite order; the largest and the smallest speedups are named; hover "
                   "for the others)</text>\n",
                (x0 + x1) / 2, y.p0 + 20.0);
    legend(f, x1 + 16, PLOT_MT, names, nnames);
    fputs("</svg>\n", f);
}

void plot_layout_svg(FILE *f, const bench_result *r, int n) {
    /* The weak layers (reference utilization < 50%); all layers when there are none. */
    bool any_weak = false;
    for (int i = 0; i < n; i++)
        any_weak |= bench_has_speedup(&r[i]) && r[i].ref_util < 0.5;
    double lo = 0, hi = 0;
    int cnt = 0;
    for (int i = 0; i < n; i++) {
        if (!bench_has_speedup(&r[i]) || (any_weak && r[i].ref_util >= 0.5))
            continue;
        double a = (double)r[i].ref_dram_bytes, b = (double)r[i].dram_bytes;
        if (!cnt++) {
            lo = fmin(a, b);
            hi = fmax(a, b);
        }
        lo = fmin(lo, fmin(a, b));
        hi = fmax(hi, fmax(a, b));
        double pu[PLOT_MAX_FRONT];
        int64_t pb[PLOT_MAX_FRONT];
        int np = bench_pareto_parse(&r[i], pu, pb, PLOT_MAX_FRONT);
        for (int k = 0; k < np; k++) {
            lo = fmin(lo, (double)pb[k]);
            hi = fmax(hi, (double)pb[k]);
        }
    }
    double w = 850;
    axis x, y;
    ax_log_range(&x, cnt ? lo : 1, cnt ? hi : 10);
    x.p0 = PLOT_ML;
    x.p1 = w - PLOT_MR - 250;
    y.log = false;
    y.lo = 0;
    y.hi = 100;
    y.p0 = PLOT_H - PLOT_MB;
    y.p1 = PLOT_MT;
    svg_begin(f, w, PLOT_H,
              any_weak ? "Utilization vs layout DRAM bytes, layers with reference utilization < 50%"
                       : "Utilization vs layout DRAM bytes",
              "grey circle = reference (channel packing), dot = chosen embedding, "
              "dashed = the encoder's Pareto front of the layer (when computed), "
              "square = points of an enumeration a solver limit cut short (no front)");
    ax_draw(f, &x, false, y.p0, y.p1, "DRAM bytes of the layouts (input + weights + output)", "");
    ax_draw(f, &y, true, x.p0, x.p1, "utilization", "%");
    char names[8][BENCH_NAME_MAX];
    int nnames = 0;
    for (int i = 0; i < n; i++) {
        if (!bench_has_speedup(&r[i]) || (any_weak && r[i].ref_util >= 0.5))
            continue;
        int c = suite_color(r, n, i, names, &nnames);
        double ax = ax_map(&x, (double)r[i].ref_dram_bytes), ay = ax_map(&y, r[i].ref_util * 100);
        double bx = ax_map(&x, (double)r[i].dram_bytes), by = ax_map(&y, r[i].util * 100);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\"/>\n", ax,
                ay, bx, by);
        double pu[PLOT_MAX_FRONT];
        int64_t pb[PLOT_MAX_FRONT];
        int np = bench_pareto_parse(&r[i], pu, pb, PLOT_MAX_FRONT);
        if (np > 0 && bench_pareto_incomplete(&r[i])) {
            /* An enumeration a solver limit cut short is no front: points only. */
            for (int k = 0; k < np; k++)
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"4\" height=\"4\" fill=\"none\" "
                           "stroke=\"%s\"/>\n",
                        ax_map(&x, (double)pb[k]) - 2, ax_map(&y, pu[k] * 100) - 2, plot_palette[c]);
        } else if (np > 0) {
            /* A Pareto front (maximize utilization, minimize bytes) as a staircase from
             * the largest layout down: with b bytes one gets the utilization of the
             * best point whose bytes are <= b. Points sorted by decreasing bytes. */
            for (int k = 1; k < np; k++)
                for (int j = k; j > 0 && pb[j] > pb[j - 1]; j--) {
                    int64_t tb = pb[j];
                    pb[j] = pb[j - 1];
                    pb[j - 1] = tb;
                    double tu = pu[j];
                    pu[j] = pu[j - 1];
                    pu[j - 1] = tu;
                }
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-opacity=\"0.6\" "
                       "stroke-dasharray=\"3 2\" points=\"", plot_palette[c]);
            for (int k = 0; k < np; k++) {
                double px = ax_map(&x, (double)pb[k]), py = ax_map(&y, pu[k] * 100);
                if (k > 0)
                    fprintf(f, "%.1f,%.1f ", ax_map(&x, (double)pb[k - 1]), py);
                fprintf(f, "%.1f,%.1f ", px, py);
            }
            fputs("\"/>\n", f);
            for (int k = 0; k < np; k++)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" fill-opacity=\"0.6\"/>\n",
                        ax_map(&x, (double)pb[k]), ax_map(&y, pu[k] * 100), plot_palette[c]);
        }
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"none\" stroke=\"#888\"/>\n", ax, ay);
        /* <g><title/><shape/></g>: the tooltip form every SVG renderer accepts. */
        fputs("<g><title>", f);
        text_xml_esc(f, r[i].suite);
        fputc('/', f);
        text_xml_esc(f, r[i].name);
        fprintf(f, ": %.1f%% -> %.1f%%, ", r[i].ref_util * 100, r[i].util * 100);
        text_xml_esc(f, r[i].layout_class);
        fprintf(f, "</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/></g>\n", bx, by,
                plot_palette[c]);
        if (cnt <= 30) { /* few layers: name each chosen point (static renderings) */
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#333\">", bx + 5, by - 4);
            text_xml_esc(f, r[i].name);
            fputs("</text>\n", f);
        }
    }
    legend(f, x.p1 + 16, PLOT_MT, names, nnames);
    fputs("</svg>\n", f);
}

void plot_roofline_svg(FILE *f, const bench_result *r, int n) {
    double lo = 0, hi = 0;
    int cnt = 0;
    for (int i = 0; i < n; i++) {
        if (!r[i].ok || r[i].lower_bound <= 0)
            continue;
        double a = (double)r[i].lower_bound;
        double b = fmax((double)r[i].cycles, (double)r[i].ref_cycles);
        if (!cnt++) {
            lo = a;
            hi = b;
        }
        lo = fmin(lo, a);
        hi = fmax(hi, b);
    }
    double w = 790;
    axis x, y;
    ax_log_range(&x, cnt ? lo : 1, cnt ? hi : 10);
    y = x;
    x.p0 = PLOT_ML;
    x.p1 = w - PLOT_MR - 250;
    y.p0 = PLOT_H - PLOT_MB;
    y.p1 = PLOT_MT;
    svg_begin(f, w, PLOT_H, "Cycles vs lower bound per layer",
              "bound = max(compute bound, compulsory bytes / bus bytes per cycle); diagonal = bound");
    ax_draw(f, &x, false, y.p0, y.p1, "lower bound (cycles)", "");
    ax_draw(f, &y, true, x.p0, x.p1, "cycles", "");
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
            ax_map(&x, x.lo), ax_map(&y, x.lo), ax_map(&x, x.hi), ax_map(&y, x.hi));
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
               "stroke-dasharray=\"4 3\"><title>2x the bound</title></line>\n",
            ax_map(&x, x.lo), ax_map(&y, x.lo * 2), ax_map(&x, x.hi / 2), ax_map(&y, x.hi));
    for (int i = 0; i < n; i++) {
        if (!r[i].ok || r[i].lower_bound <= 0)
            continue;
        double bx = ax_map(&x, (double)r[i].lower_bound);
        double ry = ax_map(&y, (double)r[i].ref_cycles), ey = ax_map(&y, (double)r[i].cycles);
        bool mem = r[i].bytes_bound > r[i].compute_bound;
        if (!r[i].ref_no_schedule)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"none\" stroke=\"#888\"/>\n", bx, ry);
        fputs("<g><title>", f);
        text_xml_esc(f, r[i].suite);
        fputc('/', f);
        text_xml_esc(f, r[i].name);
        if (r[i].ref_no_schedule)
            fprintf(f, ": %.2fx the bound (the reference cannot run it)</title>", r[i].gap);
        else
            fprintf(f, ": %.2fx the bound (reference %.2fx)</title>", r[i].gap, r[i].ref_gap);
        if (mem)
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\" fill=\"%s\"/></g>\n",
                    bx - 3, ey - 3, plot_palette[1]);
        else
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/></g>\n", bx, ey,
                    plot_palette[0]);
    }
    double lx = x.p1 + 16;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\" "
               "font-size=\"11\">embedsyn, compute-bound</text>\n",
            lx + 4, PLOT_MT + 5, plot_palette[0], lx + 14, PLOT_MT + 9);
    fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"7\" height=\"7\" fill=\"%s\"/><text x=\"%.1f\" "
               "y=\"%d\" font-size=\"11\">embedsyn, memory-bound</text>\n",
            lx, PLOT_MT + 16, plot_palette[1], lx + 14, PLOT_MT + 23);
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"3\" fill=\"none\" stroke=\"#888\"/><text "
               "x=\"%.1f\" y=\"%d\" font-size=\"11\">reference</text>\n",
            lx + 4, PLOT_MT + 33, lx + 14, PLOT_MT + 37);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/><text "
               "x=\"%.1f\" y=\"%d\" font-size=\"11\">cycles = lower bound</text>\n",
            lx, PLOT_MT + 47, lx + 10, PLOT_MT + 47, lx + 14, PLOT_MT + 51);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
               "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\">cycles = 2x "
               "the bound</text>\n",
            lx, PLOT_MT + 61, lx + 10, PLOT_MT + 61, lx + 14, PLOT_MT + 65);
    fputs("</svg>\n", f);
}
