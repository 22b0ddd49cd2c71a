/* Tests of the embedding XML (core/spec_emb.c loader, emb_write_xml) and the JSON and
 * text renderings of embeddings and nests: round trips of every family, a hand-written
 * file that is also run end to end, a corpus of bad files (tests/emb/bad_*.xml) with the
 * expected FILE:LINE: messages. */
#include "core/spec_emb.h"
#include "tests/emb_testlib.h"

/* ---- XML and JSON -------------------------------------------------------------------- */

static op xml_op(void) { return mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 2, 1)); }

static void round_trip(const op *o, const emb *e) {
    char path[] = "/tmp/test_emb_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    emb_write_xml(f, o, e);
    fclose(f);
    emb back;
    status st;
    status_init(&st);
    bool ok = spec_load_emb(path, o, &back, &st);
    remove(path);
    cr_assert(ok, "%s", st.msg);
    cr_assert(memcmp(&back, e, sizeof back) == 0, "round trip changed the embedding");
}

Test(emb_xml, round_trip_all_families) {
    hw_config hw = hw_default();
    op o = xml_op();
    emb e = packed_emb(&o, &hw, NULL);
    status st;
    status_init(&st);
    round_trip(&o, &e);
    cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "s,c,r", &e, &st));
    round_trip(&o, &e);
    e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    cterm(&o, &e, EMB_O, "x", 3, "s", -2);
    term(&o, &e, EMB_I, "r", 2);
    round_trip(&o, &e);
    op g = mkgemm(9, 5, 7, true, false);
    e = emb_empty();
    e.swap = true;
    term(&g, &e, EMB_I, "k", 0);
    term(&g, &e, EMB_O, "n", 0);
    round_trip(&g, &e);
    hw_config h4 = hw_shape(2, 4);
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&h4), &e, &st));
    cr_assert_eq(e.nterms[EMB_B], 1);
    round_trip(&o, &e);
}

Test(emb_xml, loads_hand_written_file) {
    op o = xml_op();
    emb e, want = emb_empty();
    status st;
    status_init(&st);
    cr_assert(spec_load_emb(EMBEDSYN_SOURCE_DIR "/tests/emb/good_toeplitz.xml", &o, &e, &st), "%s", st.msg);
    term(&o, &want, EMB_I, "c", 0);
    cterm(&o, &want, EMB_O, "x", 4, "s", -2);
    cr_assert(memcmp(&e, &want, sizeof e) == 0);
    hw_config hw = hw_default();
    run_case(&o, &hw, &e, 1);
}

Test(emb_xml, bad_files_name_file_and_line) {
    static const struct {
        const char *file;
        int line;
        const char *msg;
    } cases[] = {
        {"bad_unknown_dim", 3, "unknown dim 'q' in attribute 'dim' (dims of operator 'conv': n,k,y,x,c,r,s)"},
        {"bad_unknown_comp", 3, "unknown dim 'z' in attribute 'comp'"},
        {"bad_lane_twice", 5, "lane axis I given twice"},
        {"bad_extent", 3, "extent"},
        {"bad_coef_without_comp", 3, "coef without comp"},
        {"bad_comp_without_coef", 3, "term with comp=\"s\" needs a nonzero coef"},
        {"bad_zero_coef", 3, "coef must be nonzero"},
        {"bad_dataflow", 3, "O lane term 0 (x with s*-1) moves In axis 3 by 1"},
        {"bad_dim_twice", 1, "dim 'c' used twice (O lane term 1 and I lane term 0)"},
        {"bad_axis", 2, ""},
        {"bad_swap", 1, ""},
        {"bad_root", 1, ""},
    };
    op o = xml_op();
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char path[512], want[64];
        snprintf(path, sizeof path, "%s/tests/emb/%s.xml", EMBEDSYN_SOURCE_DIR, cases[k].file);
        snprintf(want, sizeof want, "%s.xml:%d: ", cases[k].file, cases[k].line);
        emb e;
        status st;
        status_init(&st);
        cr_assert_not(spec_load_emb(path, &o, &e, &st), "%s loaded", cases[k].file);
        cr_assert(strstr(st.msg, want), "%s: message '%s' lacks '%s'", cases[k].file, st.msg, want);
        cr_assert(strstr(st.msg, cases[k].msg), "%s: message '%s' lacks '%s'", cases[k].file, st.msg,
                  cases[k].msg);
    }
    emb e;
    status st;
    status_init(&st);
    cr_assert_not(spec_load_emb(EMBEDSYN_SOURCE_DIR "/tests/emb/no_such_file.xml", &o, &e, &st));
    cr_assert(strstr(st.msg, "no_such_file.xml"), "%s", st.msg);
}

Test(emb_xml, json_names_dims) {
    op o = xml_op();
    emb e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    cterm(&o, &e, EMB_O, "x", 4, "s", -2);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    emb_json(f, &o, &e);
    fclose(f);
    cr_assert(strstr(buf, "\"class\":\"toeplitz(x/s)\""), "%s", buf);
    cr_assert(strstr(buf, "\"O\":[{\"dim\":\"x\",\"extent\":4,\"comp\":\"s\",\"coef\":-2}]"), "%s", buf);
    cr_assert(strstr(buf, "\"B\":[]"), "%s", buf);
    cr_assert_eq(buf[len - 1], '}');
    free(buf);
}

Test(emb_xml, nest_print_and_json) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(2, 40, 7, 7, 20, 3, 3, 1, 1));
    emb_nest n;
    packed_emb(&o, &hw, &n);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    emb_nest_print(f, &o, &n);
    fclose(f);
    cr_assert(strstr(buf, "nest: 5292 instances"), "%s", buf);
    cr_assert(strstr(buf, "inp: 2 x 3 x 9(-1/-1) x 9(-1/-1) elements of 16 B, 4704 B in DRAM"), "%s", buf);
    cr_assert(strstr(buf, "chunk_I[3]"), "%s", buf);
    free(buf);
    f = open_memstream(&buf, &len);
    emb_nest_json(f, &o, &n);
    fclose(f);
    cr_assert(strstr(buf, "\"inp\":{\"extent\":[2,3,9,9],\"zero_lo\":[0,0,1,1],\"zero_hi\":[0,0,1,1],"
                          "\"elems\":486,\"elem_bytes\":16,\"dram_bytes\":4704}"), "%s", buf);
    cr_assert(strstr(buf, "{\"kind\":\"chunk\",\"name\":\"chunk_O\",\"extent\":2"), "%s", buf);
    cr_assert_eq(buf[len - 1], '}');
    free(buf);
}

