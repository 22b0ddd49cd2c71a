/* ref: plain C reference implementation of any operator (int8 x int8 -> int32 with
 * 32-bit wrap-around, then requantization to int8). It is the independent oracle that
 * lowering and simulation are checked against, so it shares no code with them: it
 * walks the loop nest of core/op directly (with a direct conv/GEMM path for speed).
 * Tensors are in their natural layouts (row-major over op_tensor.shape). */
#ifndef EMBEDSYN_REF_H
#define EMBEDSYN_REF_H

#include <stdint.h>

#include "core/op.h"

/* int32 accumulator -> int8 via the op's requantization (bias already added). */
int8_t ref_requant(const op_requant *rq, int32_t acc);

/* Whole operator. bias may be NULL when !o->rq.bias. acc (Out shape, int32) may be
 * NULL; out (Out shape, int8) may be NULL. */
void ref_run(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias,
             int32_t *acc, int8_t *out);

/* Addition (opref): the same, always through the generic affine walk (no direct
 * conv/GEMM loops); tests compare the two paths. */
void ref_run_generic(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias,
                     int32_t *acc, int8_t *out);

/* One output element given by its Out tensor index (rank entries): the int32
 * accumulator with bias, for sampled checks of large layers. */
int32_t ref_output_acc(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias,
                       const int64_t *out_idx);

/* Deterministic pseudo-random fill (splitmix64 of seed) for test data. */
void ref_fill_i8(int8_t *buf, int64_t n, uint64_t seed);
void ref_fill_i32(int32_t *buf, int64_t n, uint64_t seed, int32_t lo, int32_t hi);

#endif
