/* hw: the intrinsic's shape, all that embeddings (core/emb*), the encoder (encoders/)
 * and the target-independent pipeline see of the hardware (DESIGN 1): lanes and the
 * bytes of one element of each operand (a vector or block of lanes). A target fills it
 * from its own configuration (VTA: hw_intrinsic_of, the target's hw.h); buffer sizes, bus,
 * timing, energy and memory types are the target's business.
 * Invariant: none here; emb_check_intrinsic (core/emb.h) states the shapes the
 * embedding code supports, and emb_check runs it first. */
#ifndef EMBEDSYN_CORE_HW_H
#define EMBEDSYN_CORE_HW_H

#include <stdint.h>

typedef struct hw_intrinsic {
    int64_t batch, block_in, block_out;                 /* lanes B, BI, BO */
    int64_t inp_bytes, wgt_bytes, acc_bytes, out_bytes; /* one element of each operand */
} hw_intrinsic;

#endif
