/* net_dump: the text table and the JSON object of a network (per node: kind, engine,
 * ONNX op, shapes, MACs, host work; totals). */
#include <inttypes.h>

#include "core/net.h"
#include "core/text.h"

static void net_shape_txt(const net *g, int32_t t, char *buf, size_t n) {
    const net_tensor *x = net_tensor_at(g, t);
    size_t u = 0;
    buf[0] = 0;
    for (int32_t i = 0; i < x->rank && u < n; i++)
        u += (size_t)snprintf(buf + u, n - u, "%s%" PRId64, i ? "x" : "", x->shape[i]);
}

void net_dump(FILE *f, const net *g) {
    fprintf(f, "network %s: %d nodes, %d tensors, %" PRId64 " MACs\n", net_name(g),
            (int)net_nnodes(g), (int)net_ntensors(g), net_macs(g));
    fprintf(f, "%-4s %-14s %-5s %-28s %-24s %-16s %12s %12s %12s\n", "#", "kind", "eng", "name",
            "onnx", "out", "macs", "host_bytes", "host_ops");
    for (int32_t i = 0; i < net_nnodes(g); i++) {
        const net_node *n = net_node_at(g, i);
        char sh[64];
        net_shape_txt(g, n->out, sh, sizeof sh);
        net_host_work w = net_node_host_work(g, i);
        fprintf(f, "%-4d %-14s %-5s %-28s %-24s %-16s %12" PRId64 " %12" PRId64 " %12" PRId64 "\n",
                (int)i, net_node_kind_name(n->kind), net_engine_name(n->engine), n->name,
                n->onnx_op, sh, net_node_macs(g, i), w.bytes, w.ops);
        if (n->kind == NET_CONV || n->kind == NET_DENSE) {
            char s[256];
            op_summary(&n->o, s, sizeof s);
            fprintf(f, "     op: %s  shift %d%s\n", s, (int)n->o.rq.shift,
                    n->o.rq.relu ? " relu" : "");
        }
    }
    net_host_work t = net_host_work_total(g);
    fprintf(f, "host total: %" PRId64 " bytes, %" PRId64 " ops\n", t.bytes, t.ops);
}

static void net_json_shape(FILE *f, const net *g, int32_t t) {
    const net_tensor *x = net_tensor_at(g, t);
    fputc('[', f);
    for (int32_t i = 0; i < x->rank; i++)
        fprintf(f, "%s%" PRId64, i ? "," : "", x->shape[i]);
    fputc(']', f);
}

void net_json(FILE *f, const net *g) {
    fputs("{\"name\":", f);
    text_json_str(f, net_name(g));
    fputs(",\"nodes\":[", f);
    for (int32_t i = 0; i < net_nnodes(g); i++) {
        const net_node *n = net_node_at(g, i);
        net_host_work w = net_node_host_work(g, i);
        fprintf(f, "%s{\"index\":%d", i ? "," : "", (int)i);
        const char *kv[4][2] = {{"kind", net_node_kind_name(n->kind)},
                                {"engine", net_engine_name(n->engine)},
                                {"name", n->name},
                                {"onnx_op", n->onnx_op}};
        for (int k = 0; k < 4; k++) {
            fprintf(f, ",\"%s\":", kv[k][0]);
            text_json_str(f, kv[k][1]);
        }
        fputs(",\"inputs\":[", f);
        for (int32_t j = 0; j < n->nin; j++) {
            fputs(j ? "," : "", f);
            net_json_shape(f, g, n->in[j]);
        }
        fputs("],\"output\":", f);
        net_json_shape(f, g, n->out);
        fprintf(f, ",\"macs\":%" PRId64 ",\"host_bytes\":%" PRId64 ",\"host_ops\":%" PRId64,
                net_node_macs(g, i), w.bytes, w.ops);
        if (n->kind == NET_CONV || n->kind == NET_DENSE) {
            fputs(",\"op\":", f);
            op_json(f, &n->o);
        }
        fputc('}', f);
    }
    net_host_work t = net_host_work_total(g);
    fprintf(f, "],\"totals\":{\"nodes\":%d,\"macs\":%" PRId64 ",\"host_bytes\":%" PRId64
               ",\"host_ops\":%" PRId64 "}}",
            (int)net_nnodes(g), net_macs(g), t.bytes, t.ops);
}
