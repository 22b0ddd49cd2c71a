/* dse_cache: serialization of DSE cache entries (the embeddings of both candidates and
 * their schedule libraries) as "KEY content" text lines, shared by the cache file and
 * the worker processes' result files, and the in-memory table of lines read so far.
 * Invariant: a line parses back into exactly the entry that was written (parse_entry
 * rejects any malformed or out-of-range field, so a damaged cache line is a miss). */
#include "bench/dse_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"


void dse_cache_put_line(FILE *f, uint64_t key, const dse_entry *e, bool lib) {
    fprintf(f, "%016llx", (unsigned long long)key);
    for (int k = 0; k < 2; k++) {
        const dse_cand *cd = &e->c[k];
        fprintf(f, " %d", cd->ok);
        if (!cd->ok) continue;
        fprintf(f, " %d", cd->e.swap);
        for (int a = 0; a < 3; a++) {
            fprintf(f, " %d", cd->e.nterms[a]);
            for (int t = 0; t < cd->e.nterms[a]; t++) {
                const emb_term *tm = &cd->e.term[a][t];
                fprintf(f, " %d %lld %d %lld", tm->dim, (long long)tm->extent, tm->comp_dim, (long long)tm->comp_coef);
            }
        }
        fprintf(f, " %d", lib ? cd->nlib : 0);
        for (int i = 0; lib && i < cd->nlib; i++) {
            const dse_sched_in *in = &cd->lib[i];
            for (int l = 0; l < cd->n.nloops; l++) fprintf(f, " %lld %d", (long long)in->tile[l], in->order[l]);
            fprintf(f, " %d%d%d%d", in->db_load, in->db_acc, in->reuse, in->keep_pad);
        }
    }
    fprintf(f, " |%s\n", e->err);
}

/* Two cache lines: the whole entry, and its embeddings alone (see emb_key). */

static bool get_ll(char **p, long long *v) {
    char *end;
    errno = 0;
    *v = strtoll(*p, &end, 10);
    if (end == *p || errno) return false;
    *p = end;
    return true;
}

/* Parses a line's content after the key into e (embeddings, libraries). */
static bool parse_entry(dse_ctx *c, dse_entry *e, char *p) {
    memset(e->c, 0, sizeof e->c);
    for (int k = 0; k < 2; k++) {
        dse_cand *cd = &e->c[k];
        long long v;
        if (!get_ll(&p, &v)) return false;
        cd->ok = v != 0;
        if (!cd->ok) continue;
        if (!get_ll(&p, &v)) return false;
        cd->e.swap = v != 0;
        for (int a = 0; a < 3; a++) {
            if (!get_ll(&p, &v) || v < 0 || v > EMB_MAX_TERMS) return false;
            cd->e.nterms[a] = (int32_t)v;
            for (int t = 0; t < cd->e.nterms[a]; t++) {
                long long d, x, cdim, cc;
                if (!get_ll(&p, &d) || !get_ll(&p, &x) || !get_ll(&p, &cdim) || !get_ll(&p, &cc)) return false;
                cd->e.term[a][t] = (emb_term){(int32_t)d, x, (int32_t)cdim, cc};
            }
        }
        dse_cand_finish(c, e, cd);
        if (!cd->ok) return false;
        if (!get_ll(&p, &v) || v < 0 || v > DSE_MAX_LIB) return false;
        cd->nlib = (int32_t)v;
        for (int i = 0; i < cd->nlib; i++) {
            dse_sched_in *in = &cd->lib[i];
            memset(in, 0, sizeof *in);
            for (int l = 0; l < cd->n.nloops; l++) {
                long long t, ord;
                if (!get_ll(&p, &t) || !get_ll(&p, &ord)) return false;
                in->tile[l] = t;
                in->order[l] = (int32_t)ord;
            }
            while (*p == ' ') p++;
            if (strlen(p) < 4) return false;
            in->db_load = p[0] == '1';
            in->db_acc = p[1] == '1';
            in->reuse = p[2] == '1';
            in->keep_pad = p[3] == '1';
            p += 4;
        }
    }
    char *bar = strchr(p, '|');
    if (!bar) return false;
    snprintf(e->err, sizeof e->err, "%s", bar + 1);
    size_t n = strlen(e->err);
    while (n && (e->err[n - 1] == '\n' || e->err[n - 1] == '\r')) e->err[--n] = 0;
    e->ready = true;
    return true;
}

static void disk_add(dse_ctx *c, uint64_t key, const char *line) {
    if (c->ndisk == c->capdisk) {
        c->capdisk = c->capdisk ? 2 * c->capdisk : 256;
        c->disk_line = realloc(c->disk_line, (size_t)c->capdisk * sizeof *c->disk_line);
        c->disk_key = realloc(c->disk_key, (size_t)c->capdisk * sizeof *c->disk_key);
        ES_ASSERT(c->disk_line && c->disk_key);
    }
    c->disk_line[c->ndisk] = strdup(line);
    ES_ASSERT(c->disk_line[c->ndisk]);
    c->disk_key[c->ndisk++] = key;
}

/* Reads "KEY content" lines from f into the disk table. */
void dse_cache_read_lines(dse_ctx *c, FILE *f) {
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *end;
        unsigned long long k = strtoull(line, &end, 16);
        if (end == line || *end != ' ') continue;
        disk_add(c, (uint64_t)k, end);
    }
    free(line);
}

bool dse_cache_lookup(dse_ctx *c, dse_entry *e, uint64_t k) {
    for (int64_t i = c->ndisk - 1; i >= 0; i--)
        if (c->disk_key[i] == k) {
            char *cp = strdup(c->disk_line[i]);
            ES_ASSERT(cp);
            bool ok = parse_entry(c, e, cp);
            free(cp);
            if (ok) return true;
        }
    return false;
}

