/* enc_decode: solver point -> checked core embedding (internal to encoders/). */
#ifndef EMBEDSYN_ENCODERS_ENC_DECODE_H
#define EMBEDSYN_ENCODERS_ENC_DECODE_H

#include "core/emb.h"
#include "encoders/enc_opt.h"
#include "encoders/enc_space.h"

/* Builds e and its nest n from p; aborts with a message if any check fails or the
 * encoder's costs differ from emb_nest's. */
void enc_decode(const enc_space *sp, const enc_point *p, emb *e, emb_nest *n);

#endif
