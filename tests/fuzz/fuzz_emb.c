/* libFuzzer target: the embedding XML loader against a conv (C=3, K=5, 7x7, 3x3, stride
 * 2, pad 1; the operator of tests/emb) or a GEMM, then the structural check and the
 * loop nest / layouts of every embedding that loads. */
#include "core/emb.h"
#include "core/spec.h"
#include "core/spec_emb.h"
#include "tests/fuzz/fuzz_util.h"
#include "vta/hw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static op ops[2];
    static bool init;
    status st;
    if (!init) {
        status_init(&st);
        if (!spec_parse_conv("N=1,C=3,H=7,W=7,K=5,R=3,S=3,stride=2,pad=1", "conv", &ops[0], &st) ||
            !spec_parse_gemm("M=35,N=20,K=48", "gemm", &ops[1], &st))
            abort();
        init = true;
    }
    hw_config hw = hw_default();
    const char *path = fuzz_write("in.xml", data, size);
    for (int k = 0; k < 2; k++) {
        emb e;
        status_init(&st);
        if (!spec_load_emb(path, &ops[k], &e, &st))
            continue;
        status_init(&st);
        if (!emb_check(&ops[k], HW_INTRINSIC(&hw), &e, &st))
            continue;
        emb_nest n;
        status_init(&st);
        (void)emb_nest_build(&ops[k], HW_INTRINSIC(&hw), &e, &n, &st);
    }
    return 0;
}
