/* costform_vta: VTA's coefficients of the embedding-level cycle estimate (see
 * costform_vta.h). Units: 1/COSTFORM_VTA_UNIT cycle per byte or iteration, so every
 * per-byte cost of a power-of-two config is an exact integer.
 * Invariant: coefficients only from hw_config timing fields and the op's epilogue. */
#include "vta/costform_vta.h"

#include <string.h>

#define COSTFORM_VTA_UNIT 4096
/* estimate = (SHARE_MAX * max + SHARE_SUM * sum) / (SHARE_MAX + SHARE_SUM): the busiest
 * module plus SHARE_SUM / (SHARE_MAX + SHARE_SUM) of the others. */
#define COSTFORM_VTA_SHARE_MAX 1
#define COSTFORM_VTA_SHARE_SUM 0

/* x * UNIT / d rounded to nearest (d > 0). */
static int64_t per(int64_t x, int64_t d) {
    return (x * COSTFORM_VTA_UNIT + d / 2) / d;
}

void costform_vta(const hw_config *hw, const op *o, costform *cf) {
    memset(cf, 0, sizeof *cf);
    cf->set = true;
    cf->nmod = 3;
    strcpy(cf->mod_name[0], "compute");
    strcpy(cf->mod_name[1], "load");
    strcpy(cf->mod_name[2], "store");
    int64_t bus = hw_bus_bytes(hw);
    int64_t ob = hw_elem_bytes(hw, HW_MEM_OUT);
    /* epilogue per output vector: reset GEMM + SHR steps of <= 15 + MAX + MIN */
    int64_t n_alu = (o->rq.shift + 14) / 15 + 2;
    int64_t row = (int64_t)hw->gemm_iter_cycles + n_alu * hw->alu_imm_cycles;
    int64_t row_num = row * bus, row_den = ob * bus;
    if (o->rq.bias) /* ADD from registers + the bias vector's LOAD ACC on the compute module */
        row_num += (int64_t)hw->alu_reg_cycles * bus + hw_elem_bytes(hw, HW_MEM_ACC);
    cf->inst[0] = (int64_t)hw->gemm_iter_cycles * COSTFORM_VTA_UNIT;
    cf->byte[0][EMB_ACC] = per(row_num, row_den);
    /* DMA: one beat per bus word plus one burst latency per max_burst_beats beats */
    int64_t beats = hw->max_burst_beats > 0 ? hw->max_burst_beats : 1;
    int64_t dma = per(beats + hw->dram_latency, beats * bus);
    cf->byte[1][EMB_INP] = dma;
    cf->byte[1][EMB_WGT] = dma;
    cf->byte[2][EMB_ACC] = dma;
    cf->w_max = COSTFORM_VTA_SHARE_MAX;
    cf->w_sum = COSTFORM_VTA_SHARE_SUM;
    cf->den = (int64_t)COSTFORM_VTA_UNIT * (COSTFORM_VTA_SHARE_MAX + COSTFORM_VTA_SHARE_SUM);
    cf->fixed = 0;
    /* smallest integers: narrow multipliers in the formula */
    int64_t g = 0;
    for (int m = 0; m < cf->nmod; m++) {
        g = es_gcd_i64(g, cf->inst[m]);
        for (int x = 0; x < 3; x++)
            g = es_gcd_i64(g, cf->byte[m][x]);
    }
    g = es_gcd_i64(g, COSTFORM_VTA_UNIT);
    for (int m = 0; m < cf->nmod && g > 1; m++) {
        cf->inst[m] /= g;
        for (int x = 0; x < 3; x++)
            cf->byte[m][x] /= g;
    }
    cf->den /= g > 1 ? g : 1;
}
