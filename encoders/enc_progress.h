/* enc_progress: the hook that sees every improving point the encoder finds (see
 * enc_progress.c). */
#ifndef EMBEDSYN_ENCODERS_ENC_PROGRESS_H
#define EMBEDSYN_ENCODERS_ENC_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Progress (encoders/enc_progress.c): fn sees every improving point of a search
 * (GEMM instances, DRAM bytes or 0 when not computed); NULL = none (default). */
typedef void (*enc_progress_fn)(void *ctx, uint64_t instances, uint64_t dram_bytes);
void enc_set_progress(enc_progress_fn fn, void *ctx);
void enc_progress_point(uint64_t instances, uint64_t dram_bytes, bool have_dram);

#endif
