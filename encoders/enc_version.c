/* enc_version: the version of the Z3 library linked (for `embedsyn --version`; Z3 is
 * only called from encoders/). Invariant: the text is Z3's own, never rewritten. */
#include <z3.h>

#include "encoders/enc.h"

const char *enc_z3_version(void) { return Z3_get_full_version(); }
