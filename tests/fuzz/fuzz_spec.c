/* libFuzzer target: the XML spec loader (schema validation + semantic checks) on any
 * bytes, as a hardware file, an operator file and a suite; and the MAESTRO reader, the
 * same bytes as a network file (NET.m: a suite too). Bad input must come back as a
 * status, never a crash, leak or sanitizer report. */
#include <stdlib.h>

#include "core/spec.h"
#include "tests/fuzz/fuzz_util.h"
#include "vta/hw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("in.xml", data, size);
    status st;
    hw_config hw;
    status_init(&st);
    (void)hw_load(path, &hw, &st);
    op o;
    status_init(&st);
    (void)spec_load_op(path, &o, &st);
    char name[64];
    op *ops = NULL;
    int n = 0;
    status_init(&st);
    if (spec_load_suite(path, name, sizeof name, &ops, &n, &st))
        free(ops);
    const char *mpath = fuzz_write("in.m", data, size);
    ops = NULL;
    status_init(&st);
    if (spec_load_suite(mpath, name, sizeof name, &ops, &n, &st))
        free(ops);
    return 0;
}
