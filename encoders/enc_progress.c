/* enc_progress: a hook that sees every improving point the encoder finds (record() in
 * enc_opt.c), so a command can show the current best of a long search. The CLI sets
 * it once per process (bench/cli.c); the library leaves it unset (no output).
 * Invariant: the hook is called on the solving thread, after the point was checked. */
#include "encoders/enc_progress.h"

#include <stddef.h>

static enc_progress_fn progress_fn = NULL;
static void *progress_ctx = NULL;

void enc_set_progress(enc_progress_fn fn, void *ctx) {
    progress_fn = fn;
    progress_ctx = ctx;
}

void enc_progress_point(uint64_t instances, uint64_t dram_bytes, bool have_dram) {
    if (progress_fn)
        progress_fn(progress_ctx, instances, have_dram ? dram_bytes : 0);
}
