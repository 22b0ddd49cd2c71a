/* eval_fake: a deterministic stand-in for the real layer evaluator (bench/eval.c), so
 * that the runner, reports, baselines and shard merging are tested without the solver
 * and the simulator: cycles from an analytic model of channel packing (reference) and
 * of im2col over all reduction dims (embedsyn). Layers named fail* / crash* / hang* /
 * hog* fail, abort, never return, or allocate 1 GiB (the runner's isolation tests).
 * Invariant: the same layer and hardware always give the same numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"

bool bench_eval_fake(void *ctx, const op *o, const hw_config *hw, bench_result *r, status *st) {
    (void)ctx;
    int64_t bi = hw_block_in(hw), bo = hw_block_out(hw), lanes = hw_batch(hw) * bi * bo;
    int64_t outs = op_tensor_elems(o, OP_OUT), red = 1, first = 0;
    for (int d = 0; d < o->ndims; d++) {
        if (!op_is_reduction(o, d))
            continue;
        red *= o->extent[d];
        if (!first)
            first = o->extent[d];
    }
    if (!first)
        first = 1;
    if (!strncmp(o->name, "fail", 4))
        return status_fail(st, "fake evaluator: layer '%s' fails on purpose", o->name);
    if (!strncmp(o->name, "crash", 5)) {
        fprintf(stderr, "fake evaluator: crashing on purpose\n");
        abort();
    }
    if (!strncmp(o->name, "hang", 4))
        for (;;)
            pause();
    if (!strncmp(o->name, "hog", 3)) {
        void *p = malloc((size_t)1 << 30);
        if (!p)
            return status_fail(st, "fake evaluator: out of memory");
        free(p);
    }
    /* Reference: only the first reduction dim on the input lanes, padded to 16. */
    int64_t ref_inst = es_ceil_div(outs, bo) * es_ceil_div(first, bi) * (red / first);
    /* "embedsyn": all reduction dims fused, padded once. */
    int64_t inst = es_ceil_div(outs, bo) * es_ceil_div(red, bi);
    int64_t macs = op_macs(o);
    int64_t bus = hw_bus_bytes(hw);
    int64_t ref_bytes = r->compulsory_bytes + (ref_inst > inst ? outs : 0);
    int64_t bytes = r->compulsory_bytes + (inst < ref_inst ? r->compulsory_bytes / 4 : 0);
    int64_t ref_mem = es_ceil_div(ref_bytes, bus), mem = es_ceil_div(bytes, bus);
    r->ref_cycles = (ref_inst > ref_mem ? ref_inst : ref_mem) + 100;
    r->cycles = (inst > mem ? inst : mem) + 100;
    r->instances = inst;
    r->lb_instances = inst;
    r->ref_util = (double)macs / ((double)ref_inst * (double)lanes);
    r->util = (double)macs / ((double)inst * (double)lanes);
    r->ref_dram_bytes = ref_bytes;
    r->dram_bytes = bytes;
    r->ref_traffic = ref_bytes;
    r->traffic = bytes;
    r->ref_gemm = ref_inst;
    r->gemm = inst;
    snprintf(r->ref_schedule, sizeof r->ref_schedule, "fake tiling");
    snprintf(r->schedule, sizeof r->schedule, "fake tiling");
    snprintf(r->layout_class, sizeof r->layout_class, "%s", inst < ref_inst ? "im2col" : "packed");
    snprintf(r->layout, sizeof r->layout, "fake %s layout, %lld instances",
             r->layout_class, (long long)inst);
    r->proof = macs % 3 ? ENC_PROOF_OPTIMAL : ENC_PROOF_NOT_PROVEN;
    r->global = macs % 3 != 0;
    snprintf(r->solver_status, sizeof r->solver_status, "sat");
    r->solve_ms = (double)(macs % 997) / 10.0;
    r->solve_rlimit = (int64_t)(macs % 997) * 1000;
    r->check = DRV_CHECK_PASS;
    r->ref_check = DRV_CHECK_PASS;
    if (r->ref_util < 0.5) { /* a made-up three-point front */
        bench_pareto_add(r, r->ref_util, r->compulsory_bytes);
        bench_pareto_add(r, (r->ref_util + r->util) / 2, (r->compulsory_bytes + bytes) / 2);
        bench_pareto_add(r, r->util, bytes);
    }
    r->sim_ms = 0.5;
    return true;
}
