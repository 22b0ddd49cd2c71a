/* text: the JSON and XML string escapers and whole-file reading (see core/text.h).
 * Invariant: every byte below 0x20 and every quote/escape character of the target
 * syntax is escaped; an invalid UTF-8 byte is written as U+FFFD (the output stays
 * valid JSON); all other bytes pass through unchanged. */
#include "core/text.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s) {
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

/* The escapes of each syntax, indexed by ASCII byte (NULL: written as it is). */
static const char *const json_escapes[0x80] = {
    ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t", ['\b'] = "\\b", ['\f'] = "\\f",
};
static const char *const xml_escapes[0x80] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\n'] = "&#10;", ['\t'] = "&#9;", ['\r'] = "&#13;",
};

void text_json_esc(FILE *f, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        size_t k = *p < 0x80 ? 1 : utf8_seq(p);
        if (k == 0) {           /* invalid UTF-8 (e.g. a file name): U+FFFD */
            fputs("\xef\xbf\xbd", f);
        } else if (k > 1) {
            fwrite(p, 1, k, f);
            p += k - 1;
        } else if (json_escapes[*p]) {
            fputs(json_escapes[*p], f);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", (unsigned)*p);
        } else {
            fputc(*p, f);
        }
    }
}

void text_json_str(FILE *f, const char *s) {
    fputc('"', f);
    text_json_esc(f, s);
    fputc('"', f);
}

void text_xml_esc(FILE *f, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x80 && xml_escapes[*p])
            fputs(xml_escapes[*p], f);
        else
            fputc(*p, f);
    }
}

void text_xml_attr(FILE *f, const char *name, const char *v) {
    fprintf(f, " %s=\"", name);
    text_xml_esc(f, v);
    fputc('"', f);
}

void text_f64_shortest(char *buf, size_t len, double x) {
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
}

text_read_status text_read_all(FILE *f, size_t cap0, size_t max, unsigned char **data,
                               size_t *len) {
    *data = NULL;
    *len = 0;
    size_t cap = cap0, n = 0;
    unsigned char *buf = es_malloc(cap);
    if (!buf)
        return TEXT_READ_NOMEM;
    for (;;) {
        if (n == cap) {
            if (max && cap >= max) {
                free(buf);
                return TEXT_READ_TOO_LARGE;
            }
            unsigned char *nb = es_realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return TEXT_READ_NOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return TEXT_READ_ERROR;
    }
    *data = buf;
    *len = n;
    return TEXT_READ_OK;
}

unsigned char *text_read_path(const char *path, size_t *len, status *st) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        status_fail(st, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf;
    text_read_status r = text_read_all(f, (size_t)1 << 20, 0, &buf, len);
    fclose(f);
    if (r == TEXT_READ_NOMEM)
        status_fail(st, "%s: out of memory", path);
    else if (r != TEXT_READ_OK)
        status_fail(st, "%s: read error", path);
    return r == TEXT_READ_OK ? buf : NULL;
}

bool text_mkdir_p(const char *dir, status *st) {
    char p[4096];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return status_fail(st, "%s: path too long", dir);
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return status_fail(st, "%s: cannot create directory: %s", p, strerror(errno));
        *q = '/';
    }
    struct stat sb;
    if (mkdir(p, 0777) != 0) {
        if (errno != EEXIST)
            return status_fail(st, "%s: cannot create directory: %s", p, strerror(errno));
        if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return status_fail(st, "%s: exists and is not a directory", p);
    }
    return true;
}

void text_putf(char *buf, size_t len, size_t *k, const char *fmt, ...) {
    if (*k >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *k, len - *k, fmt, ap);
    va_end(ap);
    if (w > 0) *k = *k + (size_t)w < len ? *k + (size_t)w : len;
}
