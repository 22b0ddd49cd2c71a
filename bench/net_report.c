/* net_report: what `embedsyn net` prints and writes (see bench/cmd_net.h): the per-layer
 * table, one JSON object, the Markdown report, an SVG of per-layer cycles (two flows
 * side by side) and the suite XML of the distinct VTA layers.
 * Invariant: the SVG is a complete document for any network, all text XML-escaped. */
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_net.h"
#include "core/spec.h"
#include "core/text.h"

static const char *embedding_of(const netrun_layer *l) {
    return l->engine == NET_ON_VTA ? l->alt[l->chosen].layout_class : "host";
}

static double layer_cycles(const netrun_layer *l) {
    return l->engine == NET_ON_VTA ? (double)l->alt[l->chosen].cycles : 0;
}

void net_report_table(FILE *f, const net *g, const netrun_result *r) {
    fprintf(f, "%-28s %-13s %-5s %-22s %-5s %-5s %12s %10s %12s %12s\n", "node", "op", "on", "embedding", "in", "out",
            "cycles", "trans", "host bytes", "host ops");
    for (int32_t i = 0; i < r->nlayers; i++) {
        const netrun_layer *l = &r->layer[i];
        const net_node *n = net_node_at(g, i);
        if (n->kind == NET_INPUT) continue;
        bool vta = l->engine == NET_ON_VTA;
        fprintf(f, "%-28.28s %-13.13s %-5s %-22.22s %-5s %-5s %12.0f %10.0f %12lld %12lld\n", n->name,
                net_node_kind_name(n->kind), net_engine_name(l->engine), embedding_of(l),
                vta ? nl_trans_kind_name(l->trans_kind_in) : "-", vta ? nl_trans_kind_name(l->trans_kind_out) : "-",
                layer_cycles(l), l->trans_in + l->trans_out, (long long)l->host.bytes, (long long)l->host.ops);
    }
    fprintf(f, "%s flow, placement %s: %d VTA layers (%d distinct), %d host nodes\n", netrun_flow_name(r->flow),
            netrun_placement_name(r->placement), r->nvta, r->ndistinct, r->nhost);
    fprintf(f, "VTA cycles %llu + transitions %.0f = %.0f cycles per inference (layout choice %s; each layer "
            "alone: %.0f)\n",
            (unsigned long long)r->vta_cycles, r->trans_cycles, r->total_cycles, nl_status_name(r->solve.status),
            r->alone_total);
    if (r->vta_floor)
        fprintf(f, "hardware floor of the VTA layers: %llu cycles (their cycles are %.3fx it)\n",
                (unsigned long long)r->vta_floor, (double)r->vta_cycles / (double)r->vta_floor);
    fprintf(f, "host work: %lld bytes, %lld integer ops\n", (long long)r->host.bytes, (long long)r->host.ops);
    fprintf(f, "solver: %.1f s CPU, rlimit %llu (optimum queries) over %d distinct layers\n", r->solve_cpu_ms / 1000,
            (unsigned long long)r->solve_rlimit, r->ndistinct);
    if (r->one_program) {
        const netrun_prog_result *p = &r->prog;
        fprintf(f, "one program: %d VTA layers in %d segments, %lld instructions, %llu-byte image; %llu cycles "
                "simulated (the same layers alone: %llu); inputs read in place %d, stored by the producer %d "
                "(%lld vectors), re-laid out by the host %d "
                "(%lld bytes, priced %.0f cycles), %d host nodes at hand-offs; simulated + priced re-layouts = "
                "%.0f\n",
                p->nlayers, p->nsegments, (long long)p->insns, (unsigned long long)p->image_bytes,
                (unsigned long long)p->cycles, (unsigned long long)p->layer_cycles, p->ndirect, p->nstored,
                (long long)p->store_vectors, p->nrelayout, (long long)p->relayout_bytes, p->relayout_cycles, p->nhost,
                (double)p->cycles + p->relayout_cycles);
    }
    fprintf(f, "check: %s%s%s\n", driver_check_name(r->check), r->check_msg[0] ? ": " : "", r->check_msg);
}

void net_report_json(FILE *f, const net *g, const netrun_result *r) {
    fprintf(f, "{\"network\":");
    text_json_str(f, net_name(g));
    fprintf(f, ",\"flow\":\"%s\",\"placement\":\"%s\",\"layers\":[", netrun_flow_name(r->flow),
            netrun_placement_name(r->placement));
    bool first = true;
    for (int32_t i = 0; i < r->nlayers; i++) {
        const netrun_layer *l = &r->layer[i];
        const net_node *n = net_node_at(g, i);
        if (n->kind == NET_INPUT) continue;
        fprintf(f, "%s{\"node\":", first ? "" : ",");
        first = false;
        text_json_str(f, n->name);
        fprintf(f, ",\"op\":\"%s\",\"engine\":\"%s\"", net_node_kind_name(n->kind), net_engine_name(l->engine));
        if (l->engine == NET_ON_VTA) {
            const netrun_alt *a = &l->alt[l->chosen];
            fprintf(f, ",\"embedding\":");
            text_json_str(f, a->layout_class);
            fprintf(f, ",\"layout\":");
            text_json_str(f, a->layout);
            fprintf(f, ",\"source\":\"%s\",\"input_layout\":\"%s\",\"cycles\":%llu,\"floor_cycles\":%lld,"
                    "\"alternatives\":%d,\"chosen\":%d,\"alone\":%d",
                    driver_choice_name(a->src), target_act_name(a->act), (unsigned long long)a->cycles, (long long)l->floor_cycles, l->nalts,
                    l->chosen, l->alone);
            fprintf(f, ",\"transition_in\":{\"kind\":\"%s\",\"cycles\":%.1f}", nl_trans_kind_name(l->trans_kind_in),
                    l->trans_in);
            fprintf(f, ",\"transition_out\":{\"kind\":\"%s\",\"cycles\":%.1f}", nl_trans_kind_name(l->trans_kind_out),
                    l->trans_out);
            fprintf(f, ",\"check\":\"%s\"", driver_check_name(l->check));
        } else {
            fprintf(f, ",\"host_bytes\":%lld,\"host_ops\":%lld", (long long)l->host.bytes, (long long)l->host.ops);
        }
        fputc('}', f);
    }
    fprintf(f, "],\"totals\":{\"vta_cycles\":%llu,\"vta_floor_cycles\":%llu,\"transition_cycles\":%.1f,\"total_cycles\":%.1f,"
            "\"alone_total_cycles\":%.1f,\"layout_status\":\"%s\",\"vta_layers\":%d,\"distinct_layers\":%d,"
            "\"host_nodes\":%d,\"host_bytes\":%lld,\"host_ops\":%lld,\"compile_ms\":%.0f,\"run_ms\":%.0f,"
            "\"solve_cpu_ms\":%.0f,\"solve_rlimit\":%llu}",
            (unsigned long long)r->vta_cycles, (unsigned long long)r->vta_floor, r->trans_cycles, r->total_cycles,
            r->alone_total, nl_status_name(r->solve.status), r->nvta, r->ndistinct, r->nhost, (long long)r->host.bytes,
            (long long)r->host.ops, r->compile_ms, r->run_ms, r->solve_cpu_ms, (unsigned long long)r->solve_rlimit);
    if (r->one_program) {
        const netrun_prog_result *p = &r->prog;
        fprintf(f, ",\"one_program\":{\"layers\":%d,\"segments\":%d,\"insns\":%lld,\"image_bytes\":%llu,"
                "\"cycles\":%llu,\"layer_cycles\":%llu,\"inputs_in_place\":%d,\"inputs_stored\":%d,"
                "\"store_vectors\":%lld,\"host_relayouts\":%d,"
                "\"relayout_bytes\":%lld,\"relayout_cycles\":%.1f,\"host_nodes\":%d}",
                p->nlayers, p->nsegments, (long long)p->insns, (unsigned long long)p->image_bytes,
                (unsigned long long)p->cycles, (unsigned long long)p->layer_cycles, p->ndirect, p->nstored,
                (long long)p->store_vectors, p->nrelayout, (long long)p->relayout_bytes, p->relayout_cycles, p->nhost);
    }
    fprintf(f, ",\"check\":\"%s\",\"check_msg\":", driver_check_name(r->check));
    text_json_str(f, r->check_msg);
    fputc('}', f);
}

void net_report_md(FILE *f, const net *g, const netrun_result *a, const netrun_result *b) {
    fprintf(f, "# Network %s on VTA\n\n", net_name(g));
    fprintf(f, "| flow | VTA layers | host nodes | VTA cycles | their hardware floor | transition cycles | total cycles | "
            "host bytes | host ops | layout choice | check |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    const netrun_result *rs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        const netrun_result *r = rs[k];
        if (!r) continue;
        fprintf(f, "| %s | %d | %d | %llu | %llu | %.0f | %.0f | %lld | %lld | %s | %s |\n", netrun_flow_name(r->flow),
                r->nvta, r->nhost, (unsigned long long)r->vta_cycles, (unsigned long long)r->vta_floor,
                r->trans_cycles, r->total_cycles,
                (long long)r->host.bytes, (long long)r->host.ops, nl_status_name(r->solve.status),
                driver_check_name(r->check));
    }
    if (b) { /* the layers both flows offload (the reference keeps the first conv and the dense) */
        double sa = 0, sb = 0;
        int32_t both = 0;
        for (int32_t i = 0; i < a->nlayers; i++)
            if (a->layer[i].engine == NET_ON_VTA && b->layer[i].engine == NET_ON_VTA) {
                both++;
                sa += layer_cycles(&a->layer[i]) + a->layer[i].trans_in + a->layer[i].trans_out;
                sb += layer_cycles(&b->layer[i]) + b->layer[i].trans_in + b->layer[i].trans_out;
            }
        fprintf(f, "\nOn the %d layers both flows run on VTA (cycles + transitions): %s %.0f, %s %.0f (%.2fx).\n",
                both, netrun_flow_name(a->flow), sa, netrun_flow_name(b->flow), sb, sa > 0 ? sb / sa : 0);
    }
    fprintf(f, "\nLayer programs run one after the other on the simulator; transitions are priced "
            "(core/netlayout_map.h), not simulated. Each layer alone, transitions paid (%s): %.0f cycles.\n\n",
            netrun_flow_name(a->flow), a->alone_total);
    fprintf(f, "| node | op | %s embedding | cycles | transition | %s | cycles |\n|---|---|---|---|---|---|---|\n",
            netrun_flow_name(a->flow), b ? netrun_flow_name(b->flow) : "-");
    for (int32_t i = 0; i < a->nlayers; i++) {
        const net_node *n = net_node_at(g, i);
        if (n->kind != NET_CONV && n->kind != NET_DENSE) continue;
        const netrun_layer *la = &a->layer[i], *lb = b ? &b->layer[i] : NULL;
        fprintf(f, "| %s | %s | %s | %.0f | %.0f %s | %s | %.0f |\n", n->name, net_node_kind_name(n->kind),
                embedding_of(la), layer_cycles(la), la->trans_in + la->trans_out,
                la->engine == NET_ON_VTA ? nl_trans_kind_name(la->trans_kind_in) : "", lb ? embedding_of(lb) : "-",
                lb ? layer_cycles(lb) : 0);
    }
}

/* Grouped bars of per-layer VTA cycles (a blue, b orange; host layers have none). */
void net_report_svg(FILE *f, const net *g, const netrun_result *a, const netrun_result *b) {
    int32_t nl = 0;
    double mx = 1;
    for (int32_t i = 0; i < a->nlayers; i++) {
        const net_node *n = net_node_at(g, i);
        if (n->kind != NET_CONV && n->kind != NET_DENSE) continue;
        nl++;
        double ca = layer_cycles(&a->layer[i]), cb = b ? layer_cycles(&b->layer[i]) : 0;
        mx = ca > mx ? ca : mx;
        mx = cb > mx ? cb : mx;
    }
    int W = 120 + 14 * (nl > 10 ? nl : 10), H = 360, top = 40, bot = 300;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", W, H);
    fprintf(f, "<text x=\"10\" y=\"18\">");
    text_xml_esc(f, net_name(g));
    fprintf(f, ": VTA cycles per layer (blue %s%s%s; host layers: no bar)</text>\n", netrun_flow_name(a->flow),
            b ? ", orange " : "", b ? netrun_flow_name(b->flow) : "");
    fprintf(f, "<line x1=\"60\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", bot, W - 20, bot);
    fprintf(f, "<text x=\"4\" y=\"%d\">%.3g</text><text x=\"4\" y=\"%d\">0</text>\n", top + 4, mx, bot);
    int32_t k = 0;
    for (int32_t i = 0; i < a->nlayers; i++) {
        const net_node *n = net_node_at(g, i);
        if (n->kind != NET_CONV && n->kind != NET_DENSE) continue;
        double x = 64 + 14.0 * k++;
        for (int s = 0; s < (b ? 2 : 1); s++) {
            double c = layer_cycles(s ? &b->layer[i] : &a->layer[i]), h = (bot - top) * c / mx;
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"%.1f\" fill=\"%s\"><title>", x + 6 * s,
                    bot - h, h, s ? "#f28e2b" : "#4e79a7");
            text_xml_esc(f, n->name);
            fprintf(f, ": %.0f cycles</title></rect>\n", c);
        }
    }
    fprintf(f, "<text x=\"60\" y=\"%d\">layers in network order (%d)</text>\n</svg>\n", bot + 20, nl);
}

bool net_report_suite(const char *path, const net *g, const netrun_result *r, status *st) {
    op *ops = calloc((size_t)r->nlayers + 1, sizeof *ops);
    if (!ops) return status_fail(st, "out of memory");
    int n = 0;
    for (int32_t i = 0; i < r->nlayers; i++)
        if (r->layer[i].key_first) {
            ops[n] = net_node_at(g, i)->o;
            snprintf(ops[n].name, sizeof ops[n].name, "%.*s", (int)sizeof ops[n].name - 1, net_node_at(g, i)->name);
            n++;
        }
    FILE *f = fopen(path, "w");
    if (!f) {
        free(ops);
        return status_fail(st, "%s: cannot write", path);
    }
    spec_write_suite(f, net_name(g), ops, n);
    free(ops);
    if (fclose(f) != 0) return status_fail(st, "%s: write error", path);
    return true;
}
