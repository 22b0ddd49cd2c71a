/* maestro: MAESTRO's layer/mapping files (.m) in and out, so that a layer can come from
 * a MAESTRO network description and a mapping can be evaluated by MAESTRO side by side.
 * Read (the layer part of MAESTRO's language, as its own files use it):
 *   Constant NAME n;   Network NAME { Layer NAME { Type: CONV|DSCONV|GEMM|FC
 *     Stride { X: n, Y: n }  Dimensions { N: n, K: n, C: n, R: n, S: n, Y: n, X: n }
 *     Dataflow { ... } } ... }
 * with MAESTRO's leniency: colons optional, a value may be a Constant, names are any
 * run of characters other than blanks and {}();:, , Y' / X' (output sizes) may stand
 * for Y / X. GEMM: M, N, K; FC: N (batch), K (outputs), C (inputs). DSCONV is a
 * depthwise conv of C channels (MAESTRO's files give K: 1). Y and X are input sizes
 * (MAESTRO has no padding: a padded conv is written with its padded input size).
 * Dataflow blocks are read over (the mapping is embedsyn's own choice); the other
 * layer types (TRCONV, NGCONV, POOL, LSTM, RESIDUAL_IDENTITY) are errors naming them.
 * Each layer becomes one operator (default requantization); a repeated layer name
 * gets "#2", "#3", ... (MAESTRO's MobileNetV2 and ResNet-50 files repeat one).
 * Written: the layer, and a dataflow that MAESTRO's parser and cluster analysis accept
 * (see write_dataflow in maestro.c for how embedsyn's levels become MAESTRO's).
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
 * if the op has no MAESTRO form (dilation, groups other than 1 or C = K, batched GEMM)
 * or the mapping none (lanes on a dim of extent 1, e.g. TVM's depthwise template, with
 * N > 1); f may then hold part of the layer. */
bool maestro_write_layer(FILE *f, const op *o, const df_mapping *m, status *st);
/* A whole file: Network <op name> { the layer }. */
bool maestro_write_mapping(const char *path, const op *o, const df_mapping *m, status *st);

#endif
