/* cost_report: the full analytical report of one mapping on VTA (see cost.h): cycles
 * and per-module busy time from the model's walk, DRAM bytes per operand, SRAM
 * footprints, SRAM reads/writes per buffer from the instruction semantics of
 * DESIGN section 5 (every GEMM iteration reads one INP vector, one WGT block and one
 * micro-op and updates one ACC row; every GEMM/ALU iteration writes an OUT row), the
 * energy from these action counts and the hardware's table (vta/hw.h, femtojoules),
 * and an area proxy.
 * Invariant: the counts are closed-form functions of (nest, schedule, walk counts). */
#include <string.h>

#include "vta/cost.h"
#include "vta/cost_dse.h"

const char *cost_operand_name(cost_operand x) {
    static const char *const names[] = {
#define COST_NAME(id, name) name,
        COST_OPERANDS(COST_NAME)
#undef COST_NAME
    };
    return (int)x >= 0 && x < COST_NOPER ? names[x] : "?";
}

bool cost_vta_report(const op *o, const hw_config *hw, const emb_nest *n, const sched *s, cost_report *r,
                     status *st) {
    memset(r, 0, sizeof *r);
    sched t = *s;
    if (!cost_vta_counts(o, hw, n, &t, &r->c, st)) return false;
    r->cycles = t.est_cycles;
    r->tiles = s->ntiles;
    r->out_tiles = s->nout_tiles;
    const hw_mem mem[COST_NOPER] = {HW_MEM_INP, HW_MEM_WGT, HW_MEM_ACC, HW_MEM_OUT, HW_MEM_UOP};
    double eb[COST_NOPER];
    for (int x = 0; x < COST_NOPER; x++) eb[x] = (double)hw_elem_bytes(hw, mem[x]);
    int sl = sched_nslots(s, EMB_INP), sa = sched_nslots(s, EMB_ACC);
    r->sram_bytes[COST_INP] = s->slot_rows[EMB_INP] * sl * (int64_t)eb[COST_INP];
    r->sram_bytes[COST_WGT] = s->slot_rows[EMB_WGT] * sl * (int64_t)eb[COST_WGT];
    r->sram_bytes[COST_ACC] = (s->slot_rows[EMB_ACC] * sa + s->bias_rows) * (int64_t)eb[COST_ACC];
    r->sram_bytes[COST_OUT] = s->slot_rows[EMB_ACC] * sa * (int64_t)eb[COST_OUT];
    r->sram_bytes[COST_UOP] = s->uop_rows * 4;
    double it = (double)n->instances, A = (double)s->slot_rows[EMB_ACC], Q = (double)s->nout_tiles;
    double lanes_out = (double)(hw_batch(hw) * hw_block_out(hw));
    double nalu = (double)((o->rq.shift + 14) / 15 + 2) + (s->bias_alu ? 1 : 0);
    double alu_it = Q * A * nalu, reset_it = (o->rq.bias && !s->bias_alu) ? 0 : Q * A;
    double nimm = nalu - (s->bias_alu ? 1 : 0);
    r->busy_alu = Q * (nimm * (hw->alu_startup + A * hw->alu_imm_cycles) +
                       (s->bias_alu ? hw->alu_startup + A * hw->alu_reg_cycles : 0));
    r->busy_reset = reset_it > 0 ? Q * (hw->gemm_startup + A * hw->gemm_iter_cycles) : 0;
    r->busy_gemm = r->c.busy[SIM_COMPUTE] - r->busy_alu - r->busy_reset;
    r->macs = it * (double)(hw_batch(hw) * hw_block_in(hw) * hw_block_out(hw));
    r->alu_ops = alu_it * lanes_out;
    r->sram_read[COST_INP] = it * eb[COST_INP];
    r->sram_write[COST_INP] = r->c.dram_bytes[COST_INP];
    r->sram_read[COST_WGT] = it * eb[COST_WGT];
    r->sram_write[COST_WGT] = r->c.dram_bytes[COST_WGT];
    r->sram_read[COST_ACC] = (it + alu_it) * eb[COST_ACC];
    r->sram_write[COST_ACC] = (it + alu_it + reset_it) * eb[COST_ACC] + r->c.dram_bytes[COST_ACC];
    r->sram_write[COST_OUT] = (it + alu_it + reset_it) * eb[COST_OUT];
    r->sram_read[COST_OUT] = r->c.dram_bytes[COST_OUT];
    r->sram_read[COST_UOP] = (it + Q * (1 + nalu)) * eb[COST_UOP];
    r->sram_write[COST_UOP] = r->c.dram_bytes[COST_UOP];
    for (int x = 0; x < COST_NOPER; x++)
        r->reuse[x] = x != COST_OUT && r->c.dram_bytes[x] > 0 ? r->sram_read[x] / r->c.dram_bytes[x] : 0;
    const double fj[COST_NOPER] = {hw->e_inp_byte_fj, hw->e_wgt_byte_fj, hw->e_acc_byte_fj, hw->e_out_byte_fj,
                                   hw->e_uop_byte_fj};
    double dram = 0;
    for (int x = 0; x < COST_NOPER; x++) dram += r->c.dram_bytes[x];
    r->e_mac = r->macs * hw->e_mac_fj / 1000;
    r->e_alu = r->alu_ops * hw->e_alu_fj / 1000;
    r->e_dram = dram * hw->e_dram_byte_fj / 1000;
    r->e_fetch = (double)r->c.insns * hw->e_insn_fj / 1000;
    r->e_total = r->e_mac + r->e_alu + r->e_dram + r->e_fetch;
    for (int x = 0; x < COST_NOPER; x++) {
        r->e_sram[x] = (r->sram_read[x] + r->sram_write[x]) * fj[x] / 1000;
        r->e_total += r->e_sram[x];
    }
    cost_area ar;
    cost_vta_area(hw, &ar);
    r->area_macs = ar.macs;
    r->area_sram_bytes = ar.sram_bytes;
    return true;
}

static const char *const module_names[4] = {"fetch", "load", "compute", "store"};

void cost_report_print(FILE *f, const cost_report *r) {
    fprintf(f, "cycles: %.0f (%s DMA model)\n", r->cycles, r->c.exact ? "exact-address" : "expected-burst");
    fprintf(f, "  busy:");
    for (int m = 0; m < 4; m++) fprintf(f, " %s %.0f", module_names[m], r->c.busy[m]);
    fprintf(f, "\n  compute: GEMM %.0f, reset GEMM %.0f, ALU epilogue %.0f", r->busy_gemm, r->busy_reset, r->busy_alu);
    fprintf(f, "\n  %lld tiles, %lld output tiles, %lld instructions, %lld INP / %lld WGT tile loads\n",
            (long long)r->tiles, (long long)r->out_tiles, (long long)r->c.insns, (long long)r->c.loads[0],
            (long long)r->c.loads[1]);
    fprintf(f, "operand  DRAM bytes  SRAM bytes  SRAM read   SRAM write  reuse   energy pJ\n");
    for (int x = 0; x < COST_NOPER; x++)
        fprintf(f, "  %-5s %11.0f %11lld %11.0f %11.0f %7.1f %11.1f\n", cost_operand_name((cost_operand)x),
                r->c.dram_bytes[x], (long long)r->sram_bytes[x], r->sram_read[x], r->sram_write[x], r->reuse[x],
                r->e_sram[x]);
    fprintf(f, "energy pJ: MAC %.1f (%.0f MACs), ALU %.1f, DRAM %.1f, fetch %.1f, SRAM %.1f; total %.1f\n", r->e_mac,
            r->macs, r->e_alu, r->e_dram, r->e_fetch,
            r->e_total - r->e_mac - r->e_alu - r->e_dram - r->e_fetch, r->e_total);
    fprintf(f, "area proxy: %lld MACs, %lld SRAM bytes\n", (long long)r->area_macs, (long long)r->area_sram_bytes);
}

void cost_report_json(FILE *f, const cost_report *r) {
    fprintf(f, "{\"cycles\":%.0f,\"exact\":%s,\"busy\":{", r->cycles, r->c.exact ? "true" : "false");
    for (int m = 0; m < 4; m++) fprintf(f, "%s\"%s\":%.0f", m ? "," : "", module_names[m], r->c.busy[m]);
    fprintf(f, "},\"compute\":{\"gemm\":%.0f,\"reset\":%.0f,\"alu\":%.0f}", r->busy_gemm, r->busy_reset,
            r->busy_alu);
    fprintf(f, ",\"tiles\":%lld,\"out_tiles\":%lld,\"insns\":%lld,\"operands\":{", (long long)r->tiles,
            (long long)r->out_tiles, (long long)r->c.insns);
    for (int x = 0; x < COST_NOPER; x++)
        fprintf(f,
                "%s\"%s\":{\"dram_bytes\":%.0f,\"sram_bytes\":%lld,\"sram_read\":%.0f,\"sram_write\":%.0f,"
                "\"reuse\":%.4g,\"energy_pj\":%.4g}",
                x ? "," : "", cost_operand_name((cost_operand)x), r->c.dram_bytes[x], (long long)r->sram_bytes[x],
                r->sram_read[x], r->sram_write[x], r->reuse[x], r->e_sram[x]);
    fprintf(f,
            "},\"macs\":%.0f,\"alu_ops\":%.0f,\"energy_pj\":{\"mac\":%.4g,\"alu\":%.4g,\"dram\":%.4g,\"fetch\":%.4g,"
            "\"total\":%.4g},\"area\":{\"macs\":%lld,\"sram_bytes\":%lld}}",
            r->macs, r->alu_ops, r->e_mac, r->e_alu, r->e_dram, r->e_fetch, r->e_total, (long long)r->area_macs,
            (long long)r->area_sram_bytes);
}
