/* Tests of core/text: JSON/XML escaping checked character by character against the
 * rules of the formats (RFC 8259 string escapes, XML attribute entities), shortest
 * double formatting checked by reading back with strtod, and whole-stream reading. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

/* Runs fn(f, s) into a memory buffer and returns the text (static buffer). */
static const char *capture(void (*fn)(FILE *, const char *), const char *s) {
    static char out[4096];
    FILE *f = fmemopen(out, sizeof out, "w");
    cr_assert_not_null(f);
    fn(f, s);
    fputc(0, f);
    fclose(f);
    return out;
}

Test(text, json_escapes) {
    cr_assert_str_eq(capture(text_json_str, "plain"), "\"plain\"");
    cr_assert_str_eq(capture(text_json_esc, "a\"b\\c"), "a\\\"b\\\\c");
    cr_assert_str_eq(capture(text_json_esc, "l1\nl2\r\t"), "l1\\nl2\\r\\t");
    cr_assert_str_eq(capture(text_json_esc, "\x01\x1f"), "\\u0001\\u001f");
    cr_assert_str_eq(capture(text_json_esc, "caf\xc3\xa9"), "caf\xc3\xa9"); /* UTF-8 kept */
    cr_assert_str_eq(capture(text_json_esc, NULL), "");
}

Test(text, json_escape_never_leaves_raw_controls) {
    char s[33];
    for (int i = 1; i < 32; i++)
        s[i - 1] = (char)i;
    s[31] = '"';
    s[32] = 0;
    const char *o = capture(text_json_esc, s);
    for (const char *p = o; *p; p++) {
        cr_assert((unsigned char)*p >= 0x20, "raw control 0x%02x in %s", *p, o);
        if (*p == '"') cr_assert(p > o && p[-1] == '\\', "unescaped quote in %s", o);
    }
}

Test(text, xml_escapes) {
    cr_assert_str_eq(capture(text_xml_esc, "a<b>&\"c"), "a&lt;b&gt;&amp;&quot;c");
    cr_assert_str_eq(capture(text_xml_esc, "x\ny\tz\r"), "x&#10;y&#9;z&#13;");
    char out[256];
    FILE *f = fmemopen(out, sizeof out, "w");
    text_xml_attr(f, "name", "a&b");
    fputc(0, f);
    fclose(f);
    cr_assert_str_eq(out, " name=\"a&amp;b\"");
}

Test(text, f64_shortest_round_trips) {
    const double xs[] = {0.0, 1.0, 0.1, 1.0 / 3.0, 2.5e-300, 1.7976931348623157e308, -123.456, 0.918750};
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
        char buf[64];
        text_f64_shortest(buf, sizeof buf, xs[i]);
        cr_assert_eq(strtod(buf, NULL), xs[i], "%s does not read back as %.17g", buf, xs[i]);
    }
    char buf[64];
    text_f64_shortest(buf, sizeof buf, 0.1);
    cr_assert_str_eq(buf, "0.1"); /* the shortest form, not 0.10000000000000001 */
}

Test(text, read_all_grows_and_limits) {
    char src[10000];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (char)('a' + i % 26);
    FILE *f = fmemopen(src, sizeof src, "r");
    unsigned char *data;
    size_t len;
    cr_assert_eq(text_read_all(f, 16, 0, &data, &len), TEXT_READ_OK);
    cr_assert_eq(len, sizeof src);
    cr_assert(memcmp(data, src, len) == 0);
    free(data);
    fclose(f);
    f = fmemopen(src, sizeof src, "r");
    cr_assert_eq(text_read_all(f, 16, 4096, &data, &len), TEXT_READ_TOO_LARGE);
    cr_assert_null(data);
    fclose(f);
}

Test(text, read_path_reads_and_reports) {
    char path[] = "/tmp/embedsyn_textXXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    for (int i = 0; i < 3000; i++)
        fputc(i % 251, f);
    fclose(f);
    status st;
    status_init(&st);
    size_t len = 0;
    unsigned char *d = text_read_path(path, &len, &st);
    cr_assert_not_null(d, "%s", st.msg);
    cr_assert_eq(len, 3000);
    for (int i = 0; i < 3000; i++)
        cr_assert_eq(d[i], i % 251);
    free(d);
    remove(path);
    cr_assert_null(text_read_path(path, &len, &st));
    char want[128];
    snprintf(want, sizeof want, "%s: cannot open: ", path);
    cr_assert(strncmp(st.msg, want, strlen(want)) == 0, "%s", st.msg);
}
