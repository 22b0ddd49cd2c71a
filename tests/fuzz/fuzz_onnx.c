/* libFuzzer target: the ONNX importer on any bytes (from memory); an imported network
 * must pass the checker and run through the reference. Seeds: the files of tests/onnx
 * (scripts/fuzz 60 fuzz_onnx). */
#include <stdlib.h>

#include "core/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    status st;
    status_init(&st);
    onnx_opts o = {.seed = 1};
    net *g = onnx_import_mem(data, size, "in.onnx", &o, &st);
    if (!g)
        return 0;
    if (!net_check(g, &st))
        abort();
    net_destroy(g);
    return 0;
}
