/* maestro: MAESTRO's layer/mapping files (.m) in and out, so that a layer can come from
 * a MAESTRO network description and a mapping can be evaluated by MAESTRO side by side.
 * Format (the subset read and written):
 *   Network NAME { Layer NAME { Type: CONV|DSCONV|GEMM|FC  Stride { X: n, Y: n }
 *     Dimensions { N: n, K: n, C: n, R: n, S: n, Y: n, X: n }   (GEMM: M, N, K;
 *     FC: N (batch), K (outputs), C (inputs))   Dataflow { directives; } } ... }
 * Y and X are input sizes (MAESTRO has no padding: a padded conv is written with its
 * padded input size); DSCONV is a depthwise conv (K = C). `//` comments are skipped,
 * Dataflow blocks are read over (the mapping is embedsyn's own choice). Each layer
 * becomes one operator (conv2d, depthwise or GEMM with the default requantization).
 * Invariant: errors are "FILE:LINE: message"; maestro_write_layer of an unpadded,
 * undilated op reads back to the same operator. */
#ifndef EMBEDSYN_CORE_MAESTRO_H
#define EMBEDSYN_CORE_MAESTRO_H

#include <stdbool.h>
#include <stdio.h>

#include "core/dataflow.h"
#include "core/op.h"
#include "core/status.h"

/* True if path names a MAESTRO file (ends in ".m"). */
bool maestro_is_path(const char *path);
/* Every layer of the file; *ops is malloc'ed (free() it). */
bool maestro_load(const char *path, char *net, size_t net_len, op **ops, int *nops, status *st);
/* One layer (the Layer block) with the mapping's directives (m may be NULL). False
 * if the op has no MAESTRO form (dilation, groups other than 1 or C, batched GEMM). */
bool maestro_write_layer(FILE *f, const op *o, const df_mapping *m, status *st);
/* A whole file: Network <op name> { the layer }. */
bool maestro_write_mapping(const char *path, const op *o, const df_mapping *m, status *st);

#endif
