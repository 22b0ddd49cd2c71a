/* spec_emb: the embedding XML loader (format: core/schemas/embedding.xsd), built on the
 * spec tree API (core/spec.h); no libxml2 here. Dims are resolved by name against the
 * operator the embedding belongs to.
 * Invariant: a loaded embedding passes emb_check; every failure is "FILE:LINE: message". */
#ifndef EMBEDSYN_SPEC_EMB_H
#define EMBEDSYN_SPEC_EMB_H

#include <stdbool.h>

#include "core/emb.h"
#include "core/op.h"
#include "core/spec.h"
#include "core/status.h"

/* Load <embedding> from path for operator o. */
bool spec_load_emb(const char *path, const op *o, emb *e, status *st);
/* An <embedding> element inside any loaded document (for manifests that embed one). */
bool spec_emb_from_node(const spec_doc *d, const spec_node *n, const op *o, emb *e, status *st);

#endif
