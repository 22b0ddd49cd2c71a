/* Tests of the bench module: statistics and bounds against hand-computed values, the
 * baseline comparison (each kind of regression, improvements, tolerance edges), the
 * JSON parser on good and malformed input, CSV/JSON round trips, shard selection,
 * merging shards (equals the unsharded run) and worker isolation, on the fake
 * evaluator. The CLI and the CI suite are in test_bench_cli.c. */
#include "tests/bench_util.h"

/* ---- statistics and bounds ------------------------------------------------------- */

Test(bench_stats, geomean_median_percentile) {
    double a[] = {1, 2, 4};
    cr_assert_float_eq(bench_geomean(a, 3), 2.0, 1e-12);
    double b[] = {2, 8};
    cr_assert_float_eq(bench_geomean(b, 2), 4.0, 1e-12);
    cr_assert_eq(bench_geomean(b, 0), 0);
    double c[] = {3, 1, 2};
    cr_assert_float_eq(bench_median(c, 3), 2.0, 1e-12);
    cr_assert_eq(c[0], 3); /* input untouched */
    double d[] = {4, 1, 3, 2};
    cr_assert_float_eq(bench_median(d, 4), 2.5, 1e-12);
    double e[20];
    for (int i = 0; i < 20; i++)
        e[i] = 20 - i; /* 20..1 */
    cr_assert_eq(bench_percentile(e, 10, 90), 19); /* values 20..11: 9th smallest */
}

Test(bench_stats, nearest_rank_percentiles) {
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = (double)(10 - i); /* {10, 9, ..., 1} */
    cr_assert_eq(bench_percentile(x, 10, 90), 9);   /* ceil(9.0) = 9th smallest */
    cr_assert_eq(bench_percentile(x, 10, 91), 10);  /* ceil(9.1) = 10th */
    cr_assert_eq(bench_percentile(x, 10, 100), 10);
    cr_assert_eq(bench_percentile(x, 10, 10), 1);
    cr_assert_eq(bench_percentile(x, 10, 50), 5);
    double one = 7;
    cr_assert_eq(bench_percentile(&one, 1, 90), 7);
}

Test(bench_stats, lower_bound_by_hand) {
    hw_config hw = hw_default();
    /* N1 C3 H8 W8 K16 R3 S3 stride 1 pad 1: 8x8 outputs.
     * MACs = 16*8*8*3*3*3 = 27648 -> 108 GEMM cycles; bytes = 192 + 432 + 1024 = 1648
     * -> 206 cycles at 8 B/cycle: memory-bound, bound 206. */
    op o = mk_conv("c", 1, 3, 8, 8, 16, 3, 3, 1, 1);
    o.rq = op_requant_default();
    bench_layer l = {.suite = "s", .index = 0, .op = o};
    bench_result r;
    bench_result_init(&r, &l, &hw);
    cr_assert_eq(r.macs, 27648);
    cr_assert_eq(r.compute_bound, 108);
    cr_assert_eq(r.compulsory_bytes, 1648);
    cr_assert_eq(r.bytes_bound, 206);
    cr_assert_eq(r.lower_bound, 206);
    /* The hardware floor: 27 products per output inside, 18 on an edge, 12 in a corner
     * (pad 1): 2, 2 and 1 steps of 16, so 16 x (36 x 2 + 24 x 2 + 4 x 1) / 16 = 124
     * GEMM iterations (the box: 128); 64 ACC rows, each a reset and SHR, MAX, MIN
     * (27 x 2^14 >> 8 = 1728 > 127): 256. Loads 624 bytes (78 beats, 1 burst), stores
     * 1024 (128 beats, 1 burst). */
    cr_assert_eq(r.floor_cycles, 124 + 256);
    cr_assert_eq(r.box_floor_cycles, 128 + 256);
    /* GEMM M35 N700 K2048: MACs 50176000 -> 196000 cycles; bytes 2048*700 + 35*2048 +
     * 35*700 = 1433600 + 71680 + 24500 = 1529780 -> 191223 (rounded up): compute-bound. */
    l.op = mk_gemm("g", 35, 700, 2048);
    bench_result_init(&r, &l, &hw);
    cr_assert_eq(r.compute_bound, 196000);
    cr_assert_eq(r.compulsory_bytes, 1529780);
    cr_assert_eq(r.bytes_bound, 191223);
    cr_assert_eq(r.lower_bound, 196000);
    /* Floor: the 1505280 bytes loaded take 188160 beats and 735 bursts of 32 cycles:
     * 211680 > 196000 GEMMs + 1532 rows x 4 = 202128. */
    cr_assert_eq(r.floor_cycles, 211680);
    cr_assert_eq(r.box_floor_cycles, 211680);
    r.cycles = 392000;
    r.ref_cycles = 980000;
    bench_result_derive(&r);
    cr_assert_float_eq(r.speedup, 2.5, 1e-12);
    cr_assert_float_eq(r.gap, 2.0, 1e-12);
    cr_assert_float_eq(r.ref_gap, 5.0, 1e-12);
    cr_assert_float_eq(r.floor_gap, 392000.0 / 211680, 1e-12);
    cr_assert_float_eq(r.ref_floor_gap, 980000.0 / 211680, 1e-12);
}

static bench_result mk_res(const char *name, int64_t ref, int64_t cyc, double ref_util,
                           int64_t bound, double solve_ms) {
    bench_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.suite, sizeof r.suite, "s");
    snprintf(r.name, sizeof r.name, "%s", name);
    r.check = DRV_CHECK_PASS;
    r.ref_check = DRV_CHECK_PASS;
    r.proof = ENC_PROOF_OPTIMAL;
    snprintf(r.layout_class, sizeof r.layout_class, "im2col(c,r,s)");
    r.ok = true;
    r.ref_cycles = ref;
    r.cycles = cyc;
    r.ref_util = ref_util;
    r.util = 0.9;
    r.lower_bound = bound;
    r.compute_bound = bound;
    r.solve_ms = solve_ms;
    r.wall_ms = 1000;
    bench_result_derive(&r);
    return r;
}

Test(bench_stats, summary_by_hand) {
    bench_result r[5];
    r[0] = mk_res("a", 200, 100, 0.9, 50, 10);   /* speedup 2, gap 2 */
    r[1] = mk_res("b", 100, 200, 0.8, 100, 40);  /* 0.5, gap 2 */
    r[2] = mk_res("c", 400, 100, 0.2, 100, 20);  /* 4 (weak), gap 1 */
    r[3] = mk_res("d", 100, 100, 0.3, 25, 30);   /* 1 (weak), gap 4 */
    r[4] = mk_res("e", 100, 100, 0.3, 25, 999);
    r[4].ok = false;                              /* excluded */
    r[4].check = DRV_CHECK_FAIL;
    bench_summary s;
    bench_summarize(r, 5, &s);
    cr_assert_eq(s.n, 5);
    cr_assert_eq(s.nok, 4);
    cr_assert_eq(s.nerror, 1);
    cr_assert_eq(s.ncheck_fail, 1);
    cr_assert_eq(s.nweak, 2);
    cr_assert_eq(s.nslower, 1);
    cr_assert_eq(s.nnot_faster, 2);
    /* geomean(2, 0.5, 4, 1) = (4)^(1/4) = sqrt 2; weak: geomean(4, 1) = 2. */
    cr_assert_float_eq(s.geomean_speedup, sqrt(2.0), 1e-12);
    cr_assert_float_eq(s.geomean_speedup_weak, 2.0, 1e-12);
    cr_assert_float_eq(s.min_speedup, 0.5, 1e-12);
    cr_assert_str_eq(s.min_speedup_layer, "s/b");
    cr_assert_float_eq(s.max_speedup, 4.0, 1e-12);
    /* gaps 2, 2, 1, 4 -> geomean 16^(1/4) = 2, max 4 at d */
    cr_assert_float_eq(s.geomean_gap, 2.0, 1e-12);
    cr_assert_float_eq(s.max_gap, 4.0, 1e-12);
    cr_assert_str_eq(s.max_gap_layer, "s/d");
    /* no floors: no floor gaps */
    cr_assert_eq(s.geomean_floor_gap, 0);
    /* floors 100, 50, 50, 20 (box: half each): gaps 1, 4, 2, 5 -> geomean 40^(1/4), max 5
     * at d; reference 2, 2, 8, 5 -> 160^(1/4); box gaps twice as large */
    int64_t fl[4] = {100, 50, 50, 20};
    for (int i = 0; i < 4; i++) {
        r[i].floor_cycles = fl[i];
        r[i].box_floor_cycles = fl[i] / 2;
        bench_result_derive(&r[i]);
    }
    bench_summarize(r, 5, &s);
    cr_assert_float_eq(s.geomean_floor_gap, pow(40, 0.25), 1e-12);
    cr_assert_float_eq(s.max_floor_gap, 5.0, 1e-12);
    cr_assert_str_eq(s.max_floor_gap_layer, "s/d");
    cr_assert_float_eq(s.geomean_ref_floor_gap, pow(160, 0.25), 1e-12);
    cr_assert_float_eq(s.geomean_box_floor_gap, 2 * pow(40, 0.25), 1e-12);
    cr_assert_float_eq(s.geomean_ref_box_floor_gap, 2 * pow(160, 0.25), 1e-12);
    /* solve 10, 40, 20, 30: median 25, p90 = ceil(3.6) = 4th = 40, max 40 */
    cr_assert_float_eq(s.solve_median_ms, 25.0, 1e-12);
    cr_assert_float_eq(s.solve_p90_ms, 40.0, 1e-12);
    cr_assert_float_eq(s.solve_max_ms, 40.0, 1e-12);
    cr_assert_float_eq(s.layers_s, 5.0, 1e-12);
}

/* ---- JSON ------------------------------------------------------------------------ */

Test(bench_json, parses_good_input) {
    arena *a = arena_create();
    status st;
    status_init(&st);
    const char *txt = " {\"a\": [1, -2.5e1, true, false, null], \"s\": \"x\\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\","
                      "\n \"o\": {}, \"e\": [], \"big\": 123456789012345, \"z\": 0, \"f\": 0.125}";
    const json_value *v = json_parse(a, txt, strlen(txt), "t.json", &st);
    cr_assert_not_null(v, "%s", st.msg);
    cr_assert_eq(v->type, JSON_OBJ);
    cr_assert_eq(v->len, 7);
    const json_value *arr = json_get(v, "a");
    cr_assert_eq(arr->type, JSON_ARR);
    cr_assert_eq(arr->len, 5);
    cr_assert(arr->items[0]->is_int && arr->items[0]->i64 == 1);
    cr_assert(!arr->items[1]->is_int);
    cr_assert_float_eq(arr->items[1]->num, -25.0, 1e-12);
    cr_assert(arr->items[2]->type == JSON_BOOL && arr->items[2]->b);
    cr_assert(arr->items[3]->type == JSON_BOOL && !arr->items[3]->b);
    cr_assert_eq(arr->items[4]->type, JSON_NULL);
    cr_assert_str_eq(json_get(v, "s")->str, "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
    cr_assert_eq(json_get(v, "o")->len, 0);
    cr_assert_eq(json_get(v, "big")->i64, 123456789012345LL);
    cr_assert_eq(json_get(v, "o")->line, 2);
    int64_t i = 0;
    cr_assert(json_get_i64(v, "big", true, "t.json", &i, &st));
    cr_assert_eq(i, 123456789012345LL);
    double f = 0;
    cr_assert(json_get_f64(v, "f", true, "t.json", &f, &st));
    cr_assert_eq(f, 0.125);
    cr_assert_not(json_get_i64(v, "f", true, "t.json", &i, &st));
    cr_assert(strstr(st.msg, "t.json:2:") && strstr(st.msg, "'f' must be an integer"), "%s", st.msg);
    arena_destroy(a);
}

Test(bench_json, rejects_malformed_input_with_position) {
    static const tl_text_case bad[] = {
        /* Messages are jansson's; the position is where jansson stopped. */
        {"", "t.json:1:1: unexpected token near end of file"},
        {"{", "t.json:1:1: string or '}' expected"},
        {"{\"a\" 1}", "t.json:1:6: ':' expected near '1'"},
        {"{\"a\": 1,}", "t.json:1:9: string or '}' expected"},
        {"[1, 2", "t.json:1:5: ']' expected near end of file"},
        {"[1 2]", "t.json:1:4: ']' expected near '2'"},
        {"{\"a\": 1}\n x", "t.json:2:2: end of file expected"},
        {"[01]", "invalid token near '0'"},
        {"[1.]", "invalid token near '1.'"},
        {"[-]", "invalid token"},
        {"[1e]", "invalid token near '1e'"},
        {"[tru]", "invalid token near 'tru'"},
        {"\"abc", "premature end of input"},
        {"\"a\tb\"", "control character"},
        {"\"\\x\"", "invalid escape"},
        {"\"\\u12g4\"", "invalid escape"},
        {"\"\\ud800\"", "invalid Unicode '\\uD800'"},
        {"{\"a\": 1, \"a\": 2}", "t.json:1:12: duplicate object key near '\"a\"'"},
        {"[1e999]", "real number overflow"},
        {"[99999999999999999999]", "too big integer"},
        {"{\n\"layers\": {\n  \"x\": [1,\n  }", "t.json:4:3: unexpected token near '}'"},
        /* RFC 8259 section 8.1: UTF-8 only (invalid byte, encoded surrogate, overlong). */
        {"[\"\xff\"]", "t.json:1:2: unable to decode byte 0xff"},
        {"[\"\xed\xa0\x80\"]", "unable to decode byte 0xed"},
        {"[\"\xc0\xaf\"]", "unable to decode byte 0xc0"},
        /* NUL would cut a key or string short: refused instead. */
        {"{\"a\\u0000b\": 1}", "t.json:1:11: NUL byte in object key not supported"},
        {"[\"a\\u0000\"]", "\\u0000 (NUL) is not allowed in a string"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        arena *a = arena_create();
        status st;
        status_init(&st);
        const json_value *v = json_parse(a, bad[k].text, strlen(bad[k].text), "t.json", &st);
        cr_assert_null(v, "accepted: %s", bad[k].text);
        cr_assert(strstr(st.msg, bad[k].want) != NULL, "input %s: got '%s', want '%s'", bad[k].text,
                  st.msg, bad[k].want);
        arena_destroy(a);
    }
    /* Deep nesting is an error, not a stack overflow: JSON_MAX_DEPTH + 1 levels. */
    char deep[2 * (JSON_MAX_DEPTH + 1) + 1];
    memset(deep, '[', JSON_MAX_DEPTH + 1);
    memset(deep + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
    deep[sizeof deep - 1] = '\0';
    arena *a = arena_create();
    status st;
    status_init(&st);
    cr_assert_null(json_parse(a, deep, strlen(deep), "d", &st));
    cr_assert(strstr(st.msg, "nesting too deep"), "%s", st.msg);
    arena_destroy(a);
}

Test(bench_json, positions_count_characters_and_depth_limit_is_inclusive) {
    /* Columns count characters: the two-byte e-acute is one column. */
    const char *txt = "{\"\xc3\xa9\": [1,\n\t{\"k\": \"\xc3\xa9x\", \"n\": null}], \"z\": -0.5}";
    arena *a = arena_create();
    status st;
    status_init(&st);
    const json_value *v = json_parse(a, txt, strlen(txt), "p", &st);
    cr_assert_not_null(v, "%s", st.msg);
    const json_value *arr = v->items[0];
    cr_assert_eq(arr->line, 1);
    cr_assert_eq(arr->col, 7);                        /* {"e": [ */
    cr_assert_eq(arr->items[0]->col, 8);
    const json_value *o = arr->items[1];
    cr_assert(o->line == 2 && o->col == 2, "%ld:%ld", o->line, o->col);
    cr_assert_eq(json_get(o, "k")->col, 8);
    cr_assert_eq(json_get(o, "n")->col, 19);          /* after "ex" (3 bytes, 2 chars) */
    cr_assert_eq(json_get(v, "z")->col, 32);
    cr_assert_eq(json_get(v, "z")->num, -0.5);
    /* Exactly JSON_MAX_DEPTH levels are accepted. */
    char deep[2 * JSON_MAX_DEPTH + 1];
    memset(deep, '[', JSON_MAX_DEPTH);
    memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    deep[sizeof deep - 1] = '\0';
    cr_assert_not_null(json_parse(a, deep, strlen(deep), "d", &st), "%s", st.msg);
    arena_destroy(a);
}

/* What a test wrote (buf, len) read back by the JSON reader (it must parse). */
static const json_value *parse_written(arena *a, const char *buf, size_t len) {
    status st;
    status_init(&st);
    const json_value *v = json_parse(a, buf, len, "w", &st);
    cr_assert_not_null(v, "%s: %s", st.msg, buf);
    return v;
}

Test(bench_json, writer_replaces_invalid_utf8_so_output_reads_back) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    text_json_str(f, "a\xff\xc3" "(b\xc3\xa9\xed\xa0\x80");
    fclose(f);
    arena *a = arena_create();
    const json_value *v = parse_written(a, buf, len);
    /* 0xff, the truncated 0xc3 and each byte of the encoded surrogate become U+FFFD. */
    cr_assert_str_eq(v->str, "a\xef\xbf\xbd\xef\xbf\xbd(b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    arena_destroy(a);
    free(buf);
}

Test(bench_json, writer_round_trips_doubles_and_strings) {
    double xs[] = {0.1, 1.0 / 3, 2.5, 1e-300, 123456789.123456789, 0.9999999999999999, 0};
    const char *strs[] = {"plain", "q\"uote\\back\nnl\ttab\x01", "\xc3\xa9t\xc3\xa9"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fputc('[', f);
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        json_write_f64(f, xs[i]);
        fputc(',', f);
    }
    for (size_t i = 0; i < 3; i++) {
        text_json_str(f, strs[i]);
        fputc(',', f);
    }
    json_write_f64(f, NAN);
    fputc(']', f);
    fclose(f);
    arena *a = arena_create();
    const json_value *v = parse_written(a, buf, len);
    size_t nx = sizeof xs / sizeof xs[0];
    for (size_t i = 0; i < nx; i++) {
        cr_assert_eq(v->items[i]->num, xs[i]);
        cr_assert(!v->items[i]->is_int);
    }
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(v->items[nx + i]->str, strs[i]);
    cr_assert_eq(v->items[nx + 3]->type, JSON_NULL);
    arena_destroy(a);
    free(buf);
}

/* ---- baselines ------------------------------------------------------------------- */


static bool has_change(const baseline_cmp *c, baseline_kind kind, const char *key, const char *what) {
    for (int i = 0; i < c->n; i++)
        if (c->c[i].kind == kind && !strcmp(c->c[i].key, key) && !strcmp(c->c[i].what, what))
            return true;
    return false;
}

Test(bench_baseline, detects_each_kind_of_regression_and_improvement) {
    char *d = tmpdir();
    const char *path = write_tmp(d, "base.json",
        "{\"hardware\": \"vta\", \"suites\": [\"s\"], \"layers\": {\n"
        " \"s/cyc\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/cyc_edge\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/util\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/proof\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/proof2\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"not_proven\", \"solve_ms\": 10},\n"
        " \"s/slow\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 50, \"solve_rlimit\": 10000000},\n"
        " \"s/slow_edge\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 50, \"solve_rlimit\": 10000000},\n"
        " \"s/slow_small\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10, \"solve_rlimit\": 1000000},\n"
        " \"s/err\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/better\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"unknown\", \"solve_ms\": 900, \"solve_rlimit\": 30000000, \"reference_cycles\": 5},\n"
        " \"s/same\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/gone\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10}\n"
        "}}\n");
    baseline b;
    status st;
    status_init(&st);
    cr_assert(baseline_load(path, &b, &st), "%s", st.msg);
    cr_assert_eq(b.n, 12);
    cr_assert_str_eq(b.hardware, "vta");
    bench_result r[12];
    int k = 0;
    r[k++] = mk_res("cyc", 2000, 1006, 0.5, 100, 10);       /* +0.6% > 0.5%: regression */
    r[k++] = mk_res("cyc_edge", 2000, 1005, 0.5, 100, 10);  /* +0.5% exactly: not */
    r[k++] = mk_res("util", 2000, 1000, 0.5, 100, 10);
    r[k - 1].util = 0.49;                                   /* drop */
    r[k++] = mk_res("proof", 2000, 1000, 0.5, 100, 10);
    r[k - 1].proof = ENC_PROOF_NOT_PROVEN;             /* weakened */
    r[k++] = mk_res("proof2", 2000, 1000, 0.5, 100, 10);
    r[k - 1].proof = ENC_PROOF_UNKNOWN;                     /* weakened */
    r[k++] = mk_res("slow", 2000, 1000, 0.5, 100, 150.5);   /* > 2x and +100.5 ms */
    r[k - 1].solve_rlimit = 25000000;                       /* 2.5x and +15M */
    r[k++] = mk_res("slow_edge", 2000, 1000, 0.5, 100, 150); /* +100 ms exactly: not */
    r[k - 1].solve_rlimit = 20000000;                       /* 2x exactly: not */
    r[k++] = mk_res("slow_small", 2000, 1000, 0.5, 100, 105); /* 10x but +95 ms: not */
    r[k - 1].solve_rlimit = 5900000;                        /* 5.9x but +4.9M: not */
    r[k++] = mk_res("err", 2000, 1000, 0.5, 100, 10);
    r[k - 1].ok = false;
    snprintf(r[k - 1].error, 64, "boom");
    r[k++] = mk_res("better", 2000, 900, 0.5, 100, 10);     /* cycles, util, proof, solve improve */
    r[k - 1].solve_rlimit = 10000000;
    r[k - 1].util = 0.6;
    r[k++] = mk_res("same", 2000, 1000, 0.5, 100, 10);
    r[k - 1].util = 0.5;
    r[k++] = mk_res("new", 2000, 1000, 0.5, 100, 10);
    for (int i = 0; i < k; i++)
        if (strcmp(r[i].name, "util") && strcmp(r[i].name, "better") && strcmp(r[i].name, "same"))
            r[i].util = 0.5;
    baseline_opts o;
    baseline_opts_init(&o);
    baseline_cmp c;
    baseline_compare(&b, r, k, &o, &c);
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/cyc", "cycles"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/util", "utilization"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/proof", "proof"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/proof2", "proof"));
    /* Solve effort is the rlimit count; wall time only a note. */
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/slow", "solve_effort"));
    cr_assert(has_change(&c, BASELINE_NOTE, "s/slow", "solve_time"));
    cr_assert_not(has_change(&c, BASELINE_NOTE, "s/slow_edge", "solve_time"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/err", "error"));
    cr_assert_eq(c.nregress, 6, "regressions: %d", c.nregress);
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "cycles"));
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "utilization"));
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "proof"));
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "solve_effort"));
    cr_assert(has_change(&c, BASELINE_NOTE, "s/better", "solve_time"));
    cr_assert_eq(c.nimprove, 4);
    cr_assert(has_change(&c, BASELINE_NOTE, "s/better", "reference"));
    cr_assert(has_change(&c, BASELINE_NOTE, "s/new", "new"));
    cr_assert(has_change(&c, BASELINE_NOTE, "s/gone", "not_run"));
    /* Regressions come first. */
    cr_assert_eq(c.c[0].kind, BASELINE_REGRESSION);
    baseline_cmp_free(&c);

    /* The wall-clock rule on request: the same regression, now by solve time, and
     * layers without an rlimit count are compared too. */
    o.solve_wall = true;
    baseline_compare(&b, r, k, &o, &c);
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/slow", "solve_time"));
    cr_assert_not(has_change(&c, BASELINE_REGRESSION, "s/slow", "solve_effort"));
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "solve_time"));
    cr_assert_eq(c.nregress, 6);
    cr_assert_eq(c.nimprove, 4);
    baseline_cmp_free(&c);
    o.solve_wall = false;

    /* A wider tolerance absorbs the cycle growth; the cycle edge moves with it. */
    o.tolerance = 0.01;
    baseline_compare(&b, r, k, &o, &c);
    cr_assert_not(has_change(&c, BASELINE_REGRESSION, "s/cyc", "cycles"));
    cr_assert_eq(c.nregress, 5);
    baseline_cmp_free(&c);
    o.tolerance = 0.0;
    baseline_compare(&b, r, k, &o, &c);
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/cyc_edge", "cycles"));
    baseline_cmp_free(&c);
    baseline_free(&b);
}

Test(bench_baseline, write_then_load_round_trip_and_no_change) {
    char *d = tmpdir();
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n;
    bench_result *r = run_fake(l, nl, 2, 0, 1, &n);
    char path[512];
    snprintf(path, sizeof path, "%s/b.json", d);
    const char suites[2][BENCH_NAME_MAX] = {"convs", "gemms"};
    status st;
    status_init(&st);
    cr_assert(baseline_write(path, "vta-default", suites, 2, r, n, &st), "%s", st.msg);
    baseline b;
    cr_assert(baseline_load(path, &b, &st), "%s", st.msg);
    cr_assert_eq(b.n, n);
    cr_assert_eq(b.nsuites, 2);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(b.e[i].cycles, r[i].cycles);
        cr_assert_eq(b.e[i].utilization, r[i].util);
        cr_assert_eq(b.e[i].solve_ms, r[i].solve_ms);
        cr_assert_eq(b.e[i].solve_rlimit, r[i].solve_rlimit);
        cr_assert_eq(b.e[i].reference_cycles, r[i].ref_cycles);
    }
    baseline_opts o;
    baseline_opts_init(&o);
    baseline_cmp c;
    baseline_compare(&b, r, n, &o, &c);
    cr_assert_eq(c.n, 0, "unexpected change: %s %s", c.n ? c.c[0].key : "", c.n ? c.c[0].msg : "");
    baseline_cmp_free(&c);
    baseline_free(&b);
    free(r);
    free(l);
}

Test(bench_baseline, malformed_baselines_have_clear_errors) {
    char *d = tmpdir();
    static const tl_text_case bad[] = {
        {"[]", ":1:1: a baseline must be a JSON object"},
        {"{\"hardware\": \"x\"}", "missing member 'layers'"},
        {"{\"layers\": []}", ":1:12: 'layers' must be an object"},
        {"{\"layers\": {\"s/a\": 3}}", "layer \"s/a\" must be an object"},
        {"{\"layers\": {\"s/a\": {\"utilization\": 1, \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         "missing member 'cycles'"},
        {"{\"layers\": {\n\"s/a\": {\"cycles\": 1.5, \"utilization\": 1, \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         ":2:19: 'cycles' must be an integer"},
        {"{\"layers\": {\"s/a\": {\"cycles\": 5, \"utilization\": \"high\", \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         "'utilization' must be a number, not a string"},
        {"{\"layers\": {\"s/a\": {\"cycles\": -5, \"utilization\": 1, \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         "'cycles' of \"s/a\" must be >= 0"},
        {"{\"suites\": [1], \"layers\": {}}", "'suites' must be an array of strings"},
        {"{\"layers\": {}", ":1:13: '}' expected near end of file"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *p = write_tmp(d, "bad.json", bad[k].text);
        baseline b;
        status st;
        status_init(&st);
        cr_assert_not(baseline_load(p, &b, &st), "accepted %s", bad[k].text);
        cr_assert(strstr(st.msg, bad[k].want) && strstr(st.msg, "bad.json"), "input %s: got '%s'",
                  bad[k].text, st.msg);
    }
    baseline b;
    status st;
    status_init(&st);
    cr_assert_not(baseline_load("/nonexistent/x.json", &b, &st));
    cr_assert(strstr(st.msg, "/nonexistent/x.json: cannot read"), "%s", st.msg);
}

/* ---- runner, outputs, shards ------------------------------------------------------- */


Test(bench_run, parallel_equals_sequential_and_is_in_index_order) {
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n1, n2, n3;
    bench_result *a = run_fake(l, nl, 1, 0, 1, &n1);
    bench_result *b = run_fake(l, nl, 3, 0, 1, &n2);
    hw_config hw = hw_default();
    bench_run_opts ro;
    bench_run_opts_init(&ro);
    ro.isolate = false;
    status st;
    status_init(&st);
    bench_result *c;
    cr_assert(bench_run(l, nl, &hw, &fake, &ro, &c, &n3, &st));
    cr_assert_eq(n1, nl);
    cr_assert_eq(n2, nl);
    cr_assert_eq(n3, nl);
    for (int i = 0; i < nl; i++) {
        cr_assert_eq(a[i].index, i);
        cr_assert(a[i].ok, "%s: %s", a[i].name, a[i].error);
        assert_same_result(&a[i], &b[i], false);
        assert_same_result(&a[i], &c[i], false);
        /* The runner's derived fields agree with an independent recomputation. */
        cr_assert_float_eq(a[i].speedup, (double)a[i].ref_cycles / (double)a[i].cycles, 1e-12);
        cr_assert_float_eq(a[i].gap, (double)a[i].cycles / (double)a[i].lower_bound, 1e-12);
    }
    free(a);
    free(b);
    free(c);
    free(l);
}

/* AddressSanitizer reserves terabytes of address space for its shadow memory, so a
 * worker under RLIMIT_AS cannot even start in the sanitizer build. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif

Test(bench_run, worker_failures_become_error_results) {
    bench_layer l[5];
    memset(l, 0, sizeof l);
    const char *names[] = {"ok1", "fail_me", "crash_me", "hang_me", "hog_me"};
#ifdef ASAN_BUILD
    const int nl = 4;
    fprintf(stderr, "worker_failures_become_error_results: skipping the RLIMIT_AS layer "
                    "(hog_me): AddressSanitizer cannot run under an address-space limit\n");
#else
    const int nl = 5;
#endif
    for (int i = 0; i < nl; i++) {
        l[i].op = mk_gemm(names[i], 16, 16, 16);
        snprintf(l[i].suite, sizeof l[i].suite, "s");
        l[i].index = i;
    }
    hw_config hw = hw_default();
    bench_run_opts ro;
    bench_run_opts_init(&ro);
    ro.jobs = 2;
    ro.layer_timeout_s = 1.0;
    ro.layer_memory_mb = nl == 5 ? 900 : 0; /* the hog asks for 1 GiB more than that */
    status st;
    status_init(&st);
    bench_result *r;
    int n;
    cr_assert(bench_run(l, nl, &hw, &fake, &ro, &r, &n, &st), "%s", st.msg);
    cr_assert_eq(n, nl);
    cr_assert(r[0].ok);
    cr_assert_not(r[1].ok);
    cr_assert(strstr(r[1].error, "fails on purpose"), "%s", r[1].error);
    cr_assert_not(r[2].ok);
    cr_assert(strstr(r[2].error, "signal") && strstr(r[2].error, "crashing on purpose"), "%s",
              r[2].error);
    cr_assert_not(r[3].ok);
    cr_assert(strstr(r[3].error, "timed out"), "%s", r[3].error);
    cr_assert_str_eq(r[3].name, "hang_me");
    if (nl == 5) {
        cr_assert_not(r[4].ok);
        cr_assert(strstr(r[4].error, "out of memory"), "%s", r[4].error);
    }
    bench_summary s;
    bench_summarize(r, n, &s);
    cr_assert_eq(s.nok, 1);
    cr_assert_eq(s.nerror, nl - 1);
    free(r);
}

Test(bench_shard, selection_partitions_the_layers) {
    for (int sn = 1; sn <= 5; sn++) {
        for (int idx = 0; idx < 23; idx++) {
            int hits = 0;
            for (int si = 0; si < sn; si++)
                hits += bench_in_shard(idx, si, sn);
            cr_assert_eq(hits, 1);
        }
    }
    /* every N-th layer starting at I */
    cr_assert(bench_in_shard(1, 1, 3) && bench_in_shard(4, 1, 3) && !bench_in_shard(2, 1, 3));
    int i, n;
    status st;
    status_init(&st);
    cr_assert(bench_parse_shard("2/5", &i, &n, &st));
    cr_assert(i == 2 && n == 5);
    const char *bad[] = {"5/5", "-1/3", "1/0", "x", "1/", "1/2/3", "/2", "1-2"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        status_init(&st);
        cr_assert_not(bench_parse_shard(bad[k], &i, &n, &st), "accepted %s", bad[k]);
        cr_assert(strstr(st.msg, "--shard"), "%s", st.msg);
    }
}

static void fill_meta(report_meta *m, int total, int si, int sn) {
    report_meta_init(m);
    snprintf(m->hardware, sizeof m->hardware, "vta-default");
    snprintf(m->evaluator, sizeof m->evaluator, "fake");
    snprintf(m->objective, sizeof m->objective, "lex");
    m->nsuites = 2;
    snprintf(m->suites[0], BENCH_NAME_MAX, "convs");
    snprintf(m->suites[1], BENCH_NAME_MAX, "gemms");
    m->total_layers = total;
    m->shard_i = si;
    m->shard_n = sn;
    m->check_sample = 64;
    m->wall_s = 1.5 + si;
}

/* Minimal CSV reader for the round trip (quoted fields with doubled quotes). */
static int csv_fields(const char *line, char out[][300], int max) {
    int n = 0;
    const char *p = line;
    while (n < max) {
        size_t k = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    out[n][k++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    out[n][k++] = *p++;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\n')
                out[n][k++] = *p++;
        }
        out[n++][k] = '\0';
        if (*p != ',')
            break;
        p++;
    }
    return n;
}

Test(bench_report, csv_and_json_round_trip) {
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n;
    bench_result *r = run_fake(l, nl, 2, 0, 1, &n);
    /* Awkward strings survive both formats. */
    snprintf(r[0].layout, sizeof r[0].layout, "has, comma and \"quotes\"\nand a newline");
    snprintf(r[1].error, sizeof r[1].error, "tab\there | pipe");
    r[2].solve_ms = 1.0 / 3;
    char *d = tmpdir();
    report_meta m;
    fill_meta(&m, nl, 0, 1);
    bench_summary s;
    bench_summarize(r, n, &s);
    s.wall_s = m.wall_s;
    status st;
    status_init(&st);
    cr_assert(report_write_dir(d, &m, r, n, &s, NULL, &st), "%s", st.msg);
    char path[512];
    snprintf(path, sizeof path, "%s/results.json", d);
    report_meta m2;
    bench_result *r2;
    int n2;
    cr_assert(report_read_json(path, &m2, &r2, &n2, &st), "%s", st.msg);
    cr_assert_eq(n2, n);
    cr_assert_str_eq(m2.hardware, "vta-default");
    cr_assert_eq(m2.total_layers, nl);
    cr_assert_eq(m2.nsuites, 2);
    for (int i = 0; i < n; i++)
        assert_same_result(&r[i], &r2[i], true);

    /* CSV: header = field names; each row's values read back to the same numbers. */
    snprintf(path, sizeof path, "%s/results.csv", d);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char line[8192], fields[64][300];
    cr_assert_not_null(fgets(line, sizeof line, f));
    int nf = csv_fields(line, fields, 64);
    int expect = 0;
#define COUNT(T, fld) expect++;
    BENCH_RESULT_FIELDS(COUNT)
#undef COUNT
    cr_assert_eq(nf, expect);
    cr_assert_str_eq(fields[0], "index");
    for (int i = 0; i < n; i++) {
        /* A row may span lines (quoted newline): read until the quotes balance. */
        cr_assert_not_null(fgets(line, sizeof line, f));
        for (;;) {
            int q = 0;
            for (char *p = line; *p; p++)
                q += *p == '"';
            if (q % 2 == 0)
                break;
            size_t ln = strlen(line);
            cr_assert_not_null(fgets(line + ln, (int)(sizeof line - ln), f));
        }
        cr_assert_eq(csv_fields(line, fields, 64), expect);
        const bench_result *x = &r[i];
        int k = 0;
#define CK_S(fld) cr_assert_str_eq(fields[k], x->fld);
#define CK_I(fld) cr_assert_eq(strtoll(fields[k], NULL, 10), x->fld, #fld);
#define CK_I32(fld) CK_I(fld)
#define CK_F(fld) cr_assert_eq(strtod(fields[k], NULL), x->fld, #fld);
#define CK_B(fld) cr_assert_str_eq(fields[k], x->fld ? "true" : "false");
#define CK_CHK(fld) cr_assert_str_eq(fields[k], driver_check_name(x->fld));
#define CK_PRF(fld) cr_assert_str_eq(fields[k], enc_proof_name(x->fld));
#define CK_CHO(fld) cr_assert_str_eq(fields[k], bench_choice_name(x->fld));
#define FIELD(T, fld) CK_##T(fld) k++;
        BENCH_RESULT_FIELDS(FIELD)
#undef FIELD
    }
    fclose(f);
    /* The report and plots exist and look like what they are. */
    const char *files[] = {"report.md", "speedup.svg", "layout.svg", "roofline.svg"};
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", d, files[k]);
        f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        char head[64] = {0};
        cr_assert(fread(head, 1, sizeof head - 1, f) > 0);
        fclose(f);
        cr_assert(strstr(head, k ? "<?xml" : "# embedsyn bench report"), "%s: %s", path, head);
    }
    /* Layers with a Pareto front get a row in the alternatives table. */
    int withfront = 0;
    for (int i = 0; i < n; i++)
        withfront += r[i].ok && r[i].pareto[0];
    cr_assert_gt(withfront, 0);
    static char cmd[700], md[1 << 14];
    snprintf(cmd, sizeof cmd, "grep -A%d '^## Layout alternatives' %s/report.md | grep -c '^| `'", withfront + 3, d);
    FILE *g = popen(cmd, "r");
    cr_assert_not_null(g);
    size_t got = fread(md, 1, sizeof md - 1, g);
    md[got] = '\0';
    pclose(g);
    cr_assert_eq(atoi(md), withfront, "%s", md);
    free(r);
    free(r2);
    free(l);
}

Test(bench_report, merge_of_shards_equals_unsharded_run) {
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n;
    bench_result *full = run_fake(l, nl, 2, 0, 1, &n);
    char *dirs[3];
    int sn = 3;
    status st;
    status_init(&st);
    for (int si = 0; si < sn; si++) {
        int ns;
        bench_result *rs = run_fake(l, nl, 1, si, sn, &ns);
        for (int k = 0; k < ns; k++)
            cr_assert_eq(rs[k].index % sn, si);
        report_meta m;
        fill_meta(&m, nl, si, sn);
        bench_summary s;
        bench_summarize(rs, ns, &s);
        dirs[si] = tmpdir();
        cr_assert(report_write_dir(dirs[si], &m, rs, ns, &s, NULL, &st), "%s", st.msg);
        free(rs);
    }
    /* Merge in a scrambled order; also one path given as the results.json itself. */
    char file2[512];
    snprintf(file2, sizeof file2, "%s/results.json", dirs[2]);
    const char *paths[] = {file2, dirs[0], dirs[1]};
    report_meta mm;
    bench_result *mr;
    int mn, missing;
    cr_assert(report_merge(paths, 3, &mm, &mr, &mn, &missing, &st), "%s", st.msg);
    cr_assert_eq(missing, 0);
    cr_assert_eq(mn, n);
    cr_assert_eq(mm.shard_n, 1);
    cr_assert_float_eq(mm.wall_s, 3.5, 1e-12); /* slowest shard */
    for (int i = 0; i < n; i++)
        assert_same_result(&full[i], &mr[i], false);
    bench_summary s1, s2;
    bench_summarize(full, n, &s1);
    bench_summarize(mr, mn, &s2);
    cr_assert_eq(s1.geomean_speedup, s2.geomean_speedup);
    cr_assert_eq(s1.geomean_gap, s2.geomean_gap);
    cr_assert_eq(s1.solve_p90_ms, s2.solve_p90_ms);
    cr_assert_str_eq(s1.min_speedup_layer, s2.min_speedup_layer);
    free(mr);

    /* Missing shard is reported; the same shard twice is an error. */
    const char *two[] = {dirs[0], dirs[1]};
    cr_assert(report_merge(two, 2, &mm, &mr, &mn, &missing, &st), "%s", st.msg);
    cr_assert_eq(missing, nl - mn);
    cr_assert_gt(missing, 0);
    free(mr);
    const char *dup[] = {dirs[0], dirs[0]};
    cr_assert_not(report_merge(dup, 2, &mm, &mr, &mn, &missing, &st));
    cr_assert(strstr(st.msg, "more than one input"), "%s", st.msg);
    free(full);
    free(l);
}


Test(bench_stats, explanations_name_the_cause) {
    char buf[400];
    bench_result r = mk_res("a", 1000, 1000, 1.0, 500, 1);
    r.util = 1.0;
    snprintf(r.layout_class, sizeof r.layout_class, "packed");
    r.traffic = r.ref_traffic = 5000;
    bench_explain(&r, buf, sizeof buf);
    cr_assert(strstr(buf, "same embedding as the reference") && strstr(buf, "same cycles"), "%s", buf);
    /* same embedding, slower because the program moves more data */
    r = mk_res("b", 1000, 1200, 1.0, 500, 1);
    r.util = 1.0;
    snprintf(r.layout_class, sizeof r.layout_class, "packed");
    r.traffic = 9000;
    r.ref_traffic = 5000;
    bench_explain(&r, buf, sizeof buf);
    cr_assert(strstr(buf, "moves more DRAM data (9000 vs 5000 bytes"), "%s", buf);
    /* higher utilization, slower because of more GEMM iterations (traffic equal) */
    r = mk_res("c", 1000, 1100, 0.4, 500, 1);
    r.util = 0.8;
    r.traffic = r.ref_traffic = 5000;
    r.gemm = 700;
    r.ref_gemm = 600;
    bench_explain(&r, buf, sizeof buf);
    cr_assert(strstr(buf, "utilization 80% vs 40%") && strstr(buf, "more GEMM iterations (700 vs 600)"),
              "%s", buf);
    /* otherwise: overlap */
    r.gemm = 500;
    bench_explain(&r, buf, sizeof buf);
    cr_assert(strstr(buf, "overlaps loads and compute less well (1100 vs 1000 cycles)"), "%s", buf);
    r.est_cycles = 900;
    r.ref_est_cycles = 950;
    bench_explain(&r, buf, sizeof buf);
    cr_assert(strstr(buf, "the cost model expected 900 vs 950"), "%s", buf);
    r.ok = false;
    snprintf(r.error, sizeof r.error, "boom");
    bench_explain(&r, buf, sizeof buf);
    cr_assert_str_eq(buf, "error: boom");
}
