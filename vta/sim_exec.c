/* sim_exec: the simulator's functional data path: SRAM buffers, LOAD/STORE data
 * movement with zero padding, and the GEMM/ALU arithmetic over the two-level loop
 * (DESIGN section 5), under the model chosen in sim_options (sim.h: portable, fsim or
 * hls; they differ only outside the portable subset). Timing and every range check
 * live in sim.c.
 * Invariant: arithmetic is exactly VTA's: int8 x int8 products summed into int32 with
 * two's-complement wrap-around, OUT = low 8 bits of every GEMM/ALU result; the AVX2
 * kernel and the portable kernel compute bit-identical results (wrap-around addition is
 * associative, so summation order does not matter). */
#include "vta/sim_int.h"
#include "vta/sim.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SIM_HAVE_X86 1
#else
#define SIM_HAVE_X86 0
#endif

#define SIM_ALU_MUL 4u

/* Position of weight (o, i) inside a widened block: pairs of inputs (2p, 2p+1) of
 * each output are adjacent and the outputs of one pair are consecutive, i.e. the block
 * is [BLOCK_IN/2][BLOCK_OUT][2] int16. One 32-bit broadcast of an input pair times 8
 * consecutive outputs is then one int16 multiply-add with no horizontal reduction. */
static inline int64_t sim_wgt_at(int64_t no, int64_t o, int64_t i) { return ((i >> 1) * no + o) * 2 + (i & 1); }

static void *sim_calloc(int64_t n, size_t size) {
    return es_calloc((size_t)(n > 0 ? n : 1), size);
}

bool sim_sram_init(sim_sram *m, const hw_config *hw, bool functional) {
    memset(m, 0, sizeof *m);
    m->batch = hw_batch(hw);
    m->bin = hw_block_in(hw);
    m->bout = hw_block_out(hw);
    static const hw_mem mems[5] = {HW_MEM_UOP, HW_MEM_WGT, HW_MEM_INP, HW_MEM_ACC, HW_MEM_OUT};
    for (int i = 0; i < 5; i++) {
        m->depth[i] = hw_depth(hw, mems[i]);
        m->ebytes[i] = hw_elem_bytes(hw, mems[i]);
    }
    m->shr_bits = (int)hw->log_acc_width;
    m->depth[SIM_MEM_ACC8] = m->depth[HW_MEM_ACC];
    m->ebytes[SIM_MEM_ACC8] = m->ebytes[HW_MEM_OUT];
    m->functional = functional;
    m->uop = sim_calloc(m->depth[HW_MEM_UOP], sizeof *m->uop);
    m->uop_valid = sim_calloc(m->depth[HW_MEM_UOP], 1);
    bool ok = m->uop && m->uop_valid;
    if (functional) {
        m->inp = sim_calloc(m->depth[HW_MEM_INP] * m->batch * m->bin, sizeof *m->inp);
        m->wgt = sim_calloc(m->depth[HW_MEM_WGT] * m->bout * m->bin, sizeof *m->wgt);
        m->acc = sim_calloc(m->depth[HW_MEM_ACC] * m->batch * m->bout, sizeof *m->acc);
        m->out = sim_calloc(m->depth[HW_MEM_ACC] * m->batch * m->bout, 1);
        ok = ok && m->inp && m->wgt && m->acc && m->out;
    }
#if SIM_HAVE_X86
    /* The AVX2 kernel handles BLOCK_OUT in groups of 8 (BLOCK_IN is even). */
    m->avx2 = __builtin_cpu_supports("avx2") && m->bout % 8 == 0;
#endif
    return ok; /* the caller frees with sim_sram_free either way */
}

void sim_sram_free(sim_sram *m) {
    free(m->inp);
    free(m->wgt);
    free(m->acc);
    free(m->out);
    free(m->uop);
    free(m->uop_valid);
}

/* Writes SRAM row idx of memory type mem from one DRAM element (src) or zeros (NULL). */
static void sim_put_elem(sim_sram *m, const hw_config *hw, uint32_t mem, int64_t idx,
                         const uint8_t *src) {
    const int8_t *s8 = (const int8_t *)src;
    switch (mem) {
    case HW_MEM_UOP: {
        uint32_t w = 0;
        if (src)
            w = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 | (uint32_t)src[3] << 24;
        m->uop[idx] = vta_uop_decode(hw, w);
        m->uop_valid[idx] = 1;
        return;
    }
    case HW_MEM_INP: {
        int64_t n = m->batch * m->bin;
        int16_t *dst = m->inp + idx * n;
        for (int64_t k = 0; k < n; k++)
            dst[k] = src ? (int16_t)s8[k] : 0;
        return;
    }
    case HW_MEM_WGT: {
        /* DRAM block is [o][i]; SRAM keeps it pair-interleaved (see sim_wgt_at) */
        int64_t no = m->bout, ni = m->bin;
        int16_t *dst = m->wgt + idx * no * ni;
        for (int64_t o = 0; o < no; o++)
            for (int64_t i = 0; i < ni; i++)
                dst[sim_wgt_at(no, o, i)] = src ? (int16_t)s8[o * ni + i] : 0;
        return;
    }
    case HW_MEM_ACC: {
        int64_t n = m->batch * m->bout;
        int32_t *dst = m->acc + idx * n;
        if (src)
            memcpy(dst, src, (size_t)n * sizeof *dst); /* little-endian host, like VTA */
        else
            memset(dst, 0, (size_t)n * sizeof *dst);
        return;
    }
    case SIM_MEM_ACC8: {
        int64_t n = m->batch * m->bout;
        int32_t *dst = m->acc + idx * n;
        for (int64_t k = 0; k < n; k++)
            dst[k] = src ? (int32_t)s8[k] : 0;
        return;
    }
    default:
        return;
    }
}

void sim_exec_load(sim_sram *m, const hw_config *hw, const vta_insn *in, const uint8_t *dram) {
    uint32_t mem = in->mem_type;
    if (in->x_size == 0 || (mem != HW_MEM_UOP && !m->functional))
        return;
    int64_t e = m->ebytes[mem];
    if (m->model == SIM_MODEL_HLS) {
        /* HLS: WGT rows packed back to back (pads ignored); UOP: x_size micro-ops from
         * dram_base (y_size, x_stride and pads ignored); ACC_8BIT ignored. Both write
         * a subset of the padded range that sim.c checked. */
        if (mem == SIM_MEM_ACC8)
            return;
        if (mem == HW_MEM_UOP || mem == HW_MEM_WGT) {
            int64_t ys = mem == HW_MEM_UOP ? 1 : (int64_t)in->y_size;
            for (int64_t y = 0; y < ys; y++)
                for (int64_t x = 0; x < (int64_t)in->x_size; x++)
                    sim_put_elem(m, hw, mem, (int64_t)in->sram_base + y * (int64_t)in->x_size + x,
                                 dram + ((int64_t)in->dram_base + y * (int64_t)in->x_stride + x) * e);
            return;
        }
    }
    int64_t xs = in->x_size, ys = in->y_size, xp0 = in->x_pad_0, yp0 = in->y_pad_0;
    int64_t w = xp0 + xs + in->x_pad_1;
    int64_t rows = yp0 + ys + in->y_pad_1;
    for (int64_t yy = 0; yy < rows; yy++) {
        bool pady = yy < yp0 || yy >= yp0 + ys;
        int64_t row = (int64_t)in->sram_base + yy * w;
        for (int64_t xx = 0; xx < w; xx++) {
            const uint8_t *src = NULL;
            if (!pady && xx >= xp0 && xx < xp0 + xs)
                src = dram + ((int64_t)in->dram_base + (yy - yp0) * (int64_t)in->x_stride + (xx - xp0)) * e;
            sim_put_elem(m, hw, mem, row + xx, src);
        }
    }
}

void sim_exec_store(const sim_sram *m, const vta_insn *in, uint8_t *dram) {
    int64_t e = m->ebytes[HW_MEM_OUT];
    if (m->model == SIM_MODEL_FSIM) {
        /* fsim keeps no OUT buffer: the low 8 bits of each ACC lane */
        int64_t n = m->batch * m->bout;
        for (int64_t y = 0; y < (int64_t)in->y_size; y++)
            for (int64_t x = 0; x < (int64_t)in->x_size; x++) {
                const int32_t *a = m->acc + ((int64_t)in->sram_base + y * (int64_t)in->x_size + x) * n;
                uint8_t *d = dram + ((int64_t)in->dram_base + y * (int64_t)in->x_stride + x) * e;
                for (int64_t k = 0; k < n; k++)
                    d[k] = (uint8_t)(uint32_t)a[k];
            }
        return;
    }
    for (int64_t y = 0; y < (int64_t)in->y_size; y++)
        memcpy(dram + ((int64_t)in->dram_base + y * (int64_t)in->x_stride) * e,
               m->out + ((int64_t)in->sram_base + y * (int64_t)in->x_size) * e,
               (size_t)((int64_t)in->x_size * e));
}

/* ---- GEMM ---- */

/* One micro-op iteration, portable: acc[b][o] += sum_i inp[b][i] * wgt[o][i]. */
static void sim_block_generic(int32_t *acc, uint8_t *out, const int16_t *inp, const int16_t *wgt,
                              int64_t nb, int64_t ni, int64_t no) {
    for (int64_t b = 0; b < nb; b++)
        for (int64_t o = 0; o < no; o++) {
            int32_t s = 0; /* |products| <= 2^14, BLOCK_IN <= 64: no overflow */
            for (int64_t i = 0; i < ni; i++)
                s += (int32_t)inp[b * ni + i] * (int32_t)wgt[sim_wgt_at(no, o, i)];
            uint32_t r = (uint32_t)acc[b * no + o] + (uint32_t)s;
            acc[b * no + o] = (int32_t)r;
            out[b * no + o] = (uint8_t)r;
        }
}

typedef struct sim_loop {
    int64_t iter_out, iter_in, ubgn, uend;
    int64_t dfo, dfi, sfo, sfi, wfo, wfi;
} sim_loop;

static sim_loop sim_loop_of(const vta_insn *in) {
    sim_loop l = {in->iter_out, in->iter_in, in->uop_bgn, in->uop_end,
                  in->dst_factor_out, in->dst_factor_in, in->src_factor_out, in->src_factor_in,
                  in->wgt_factor_out, in->wgt_factor_in};
    return l;
}

static void sim_gemm_generic(sim_sram *m, const sim_loop *l) {
    int64_t nb = m->batch, ni = m->bin, no = m->bout;
    for (int64_t i = 0; i < l->iter_out; i++)
        for (int64_t j = 0; j < l->iter_in; j++) {
            int64_t d0 = i * l->dfo + j * l->dfi, s0 = i * l->sfo + j * l->sfi, w0 = i * l->wfo + j * l->wfi;
            for (int64_t u = l->ubgn; u < l->uend; u++) {
                const vta_uop *up = &m->uop[u];
                int64_t d = d0 + up->acc, s = s0 + up->inp, w = w0 + up->wgt;
                sim_block_generic(m->acc + d * nb * no, m->out + d * nb * no, m->inp + s * nb * ni,
                                  m->wgt + w * no * ni, nb, ni, no);
            }
        }
}

#if SIM_HAVE_X86
#define SIM_AVX2 __attribute__((target("avx2")))
/* Full unrolling of the block loops (constant trip counts for the default shape);
 * without optimization GCC would warn that it ignores the annotation. */
#ifdef __OPTIMIZE__
#define SIM_UNROLL(p) _Pragma(p)
#else
#define SIM_UNROLL(p)
#endif

/* One micro-op iteration with BLOCK_OUT % 8 == 0: for each group of 8 outputs, the
 * accumulators gain madd(broadcast input pair, 8 output pairs) per input pair; the sums
 * of two int16 products fit int32 and vpaddd wraps like VTA. */
static inline SIM_AVX2 __attribute__((always_inline)) void
sim_block_avx2(int32_t *acc, uint8_t *out, const int16_t *inp, const int16_t *wgt, int64_t nb,
               int64_t ni, int64_t no) {
    const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    for (int64_t b = 0; b < nb; b++) {
        const int16_t *x = inp + b * ni;
SIM_UNROLL("GCC unroll 8")
        for (int64_t o0 = 0; o0 < no; o0 += 8) {
            int32_t *a = acc + b * no + o0;
            __m256i s = _mm256_loadu_si256((const __m256i *)a);
SIM_UNROLL("GCC unroll 32")
            for (int64_t p = 0; p < ni / 2; p++) {
                int32_t pair;
                memcpy(&pair, x + 2 * p, sizeof pair);
                __m256i w = _mm256_loadu_si256((const __m256i *)(wgt + (p * no + o0) * 2));
                s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_set1_epi32(pair), w));
            }
            _mm256_storeu_si256((__m256i *)a, s);
            __m256i bytes = _mm256_shuffle_epi8(s, pick);
            uint32_t w0 = (uint32_t)_mm256_extract_epi32(bytes, 0);
            uint32_t w1 = (uint32_t)_mm256_extract_epi32(bytes, 4);
            memcpy(out + b * no + o0, &w0, 4);
            memcpy(out + b * no + o0 + 4, &w1, 4);
        }
    }
}

static inline SIM_AVX2 __attribute__((always_inline)) void
sim_gemm_avx2_body(sim_sram *m, const sim_loop *l, int64_t nb, int64_t ni, int64_t no) {
    for (int64_t i = 0; i < l->iter_out; i++)
        for (int64_t j = 0; j < l->iter_in; j++) {
            int64_t d0 = i * l->dfo + j * l->dfi, s0 = i * l->sfo + j * l->sfi, w0 = i * l->wfo + j * l->wfi;
            for (int64_t u = l->ubgn; u < l->uend; u++) {
                const vta_uop *up = &m->uop[u];
                int64_t d = d0 + up->acc, s = s0 + up->inp, w = w0 + up->wgt;
                sim_block_avx2(m->acc + d * nb * no, m->out + d * nb * no, m->inp + s * nb * ni,
                               m->wgt + w * no * ni, nb, ni, no);
            }
        }
}

static SIM_AVX2 void sim_gemm_avx2(sim_sram *m, const sim_loop *l) {
    if (m->batch == 1 && m->bin == 16 && m->bout == 16)
        sim_gemm_avx2_body(m, l, 1, 16, 16); /* default VTA: constants let the compiler unroll */
    else
        sim_gemm_avx2_body(m, l, m->batch, m->bin, m->bout);
}
#endif

/* Reset GEMM: ACC rows = 0. OUT: 0 (portable; fsim has no OUT), or in the HLS model
 * the low 8 bits of acc + inp . wgt^T, which that design computes and writes anyway. */
static void sim_reset(sim_sram *m, const sim_loop *l) {
    int64_t nb = m->batch, ni = m->bin, no = m->bout, n = nb * no;
    int32_t tmp[64 * 64];
    for (int64_t i = 0; i < l->iter_out; i++)
        for (int64_t j = 0; j < l->iter_in; j++)
            for (int64_t u = l->ubgn; u < l->uend; u++) {
                const vta_uop *up = &m->uop[u];
                int64_t d = up->acc + i * l->dfo + j * l->dfi;
                if (m->model == SIM_MODEL_HLS && n <= 64 * 64) {
                    int64_t s = up->inp + i * l->sfo + j * l->sfi, w = up->wgt + i * l->wfo + j * l->wfi;
                    memcpy(tmp, m->acc + d * n, (size_t)n * sizeof *tmp);
                    sim_block_generic(tmp, m->out + d * n, m->inp + s * nb * ni, m->wgt + w * no * ni, nb, ni, no);
                } else {
                    memset(m->out + d * n, 0, (size_t)n);
                }
                memset(m->acc + d * n, 0, (size_t)n * sizeof *m->acc);
            }
}

void sim_exec_gemm(sim_sram *m, const vta_insn *in) {
    sim_loop l = sim_loop_of(in);
    if (in->reset) {
        sim_reset(m, &l);
        return;
    }
#if SIM_HAVE_X86
    if (m->avx2) {
        sim_gemm_avx2(m, &l);
        return;
    }
#endif
    sim_gemm_generic(m, &l);
}

/* ---- ALU ---- */

int32_t sim_alu_op_model(int model, int shr_bits, uint32_t op, int32_t a, int32_t b) {
    if (op == VTA_ALU_SHR && model == SIM_MODEL_HLS) {
        /* the shift amount is the operand's low shr_bits bits, signed (ap_int) */
        uint32_t mask = (1u << shr_bits) - 1, v = (uint32_t)b & mask;
        b = v >> (shr_bits - 1) ? (int32_t)v - (int32_t)(mask + 1) : (int32_t)v;
    } else if (op == VTA_ALU_SHR && model == SIM_MODEL_FSIM) {
        /* C++ shifts compiled for x86-64 take the count mod 32 */
        if (b >= 0)
            return a >> (b & 31);
        return (int32_t)((uint32_t)a << ((uint32_t)(-(int64_t)b) & 31u));
    }
    return sim_alu_op(op, a, b);
}

int32_t sim_alu_op(uint32_t op, int32_t a, int32_t b) {
    switch (op) {
    case VTA_ALU_MIN: return a < b ? a : b;
    case VTA_ALU_MAX: return a > b ? a : b;
    case VTA_ALU_ADD: return (int32_t)((uint32_t)a + (uint32_t)b);
    case VTA_ALU_SHR:
        /* Arithmetic right shift by b >= 0 (saturating at 31: sign fill), left shift by
         * -b for b < 0 (0 once -b >= 32). Portable programs stay within -16..15. */
        if (b >= 0)
            return b >= 31 ? (a < 0 ? -1 : 0) : a >> b;
        if (b <= -32)
            return 0;
        return (int32_t)((uint32_t)a << (uint32_t)(-b));
    case SIM_ALU_MUL: return (int32_t)((uint32_t)a * (uint32_t)b);
    default: return a;
    }
}

void sim_exec_alu(sim_sram *m, const vta_insn *in) {
    sim_loop l = sim_loop_of(in);
    int64_t n = m->batch * m->bout;
    uint32_t op = in->alu_opcode;
    if (op == SIM_ALU_MUL && m->model == SIM_MODEL_HLS)
        return; /* no MUL in the HLS design: ACC unchanged (OUT undefined, left as is) */
    int model = m->model, sb = m->shr_bits;
    for (int64_t i = 0; i < l.iter_out; i++)
        for (int64_t j = 0; j < l.iter_in; j++)
            for (int64_t u = l.ubgn; u < l.uend; u++) {
                const vta_uop *up = &m->uop[u];
                int64_t d = up->acc + i * l.dfo + j * l.dfi;
                int32_t *a = m->acc + d * n;
                uint8_t *o = m->out + d * n;
                if (in->use_imm) {
                    for (int64_t k = 0; k < n; k++) {
                        a[k] = sim_alu_op_model(model, sb, op, a[k], in->imm);
                        o[k] = (uint8_t)(uint32_t)a[k];
                    }
                } else {
                    /* Source row read element by element: with s == d this reads the
                     * value before it is overwritten, like the hardware's lanes. */
                    const int32_t *b = m->acc + (up->inp + i * l.sfo + j * l.sfi) * n;
                    for (int64_t k = 0; k < n; k++) {
                        a[k] = sim_alu_op_model(model, sb, op, a[k], b[k]);
                        o[k] = (uint8_t)(uint32_t)a[k];
                    }
                }
            }
}
