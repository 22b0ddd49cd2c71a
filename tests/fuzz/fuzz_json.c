/* libFuzzer target: the JSON reader on any bytes, then the baseline loader and the bench
 * results loader (bench-merge input) on the same bytes as a file. */
#include <stdlib.h>

#include "bench/baseline.h"
#include "bench/json.h"
#include "bench/report.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    arena *a = arena_create();
    status st;
    status_init(&st);
    const json_value *v = json_parse(a, (const char *)data, size, "in", &st);
    if (v && v->type == JSON_OBJ && v->len > 0) {
        /* Every member is reachable by its key (the first one with that key). */
        if (!json_get(v, v->keys[0]))
            abort();
    }
    arena_destroy(a);
    const char *path = fuzz_write("in.json", data, size);
    baseline b;
    status_init(&st);
    if (baseline_load(path, &b, &st)) {
        baseline_opts o;
        baseline_opts_init(&o);
        baseline_cmp c;
        baseline_compare(&b, NULL, 0, &o, &c);
        baseline_cmp_free(&c);
        baseline_free(&b);
    }
    report_meta m;
    bench_result *r = NULL;
    int n = 0;
    status_init(&st);
    if (report_read_json(path, &m, &r, &n, &st))
        free(r);
    return 0;
}
