/* bench: runner (worker processes, shards, progress) and bounds; the statistics over
 * finished results live in bench_stats.c, the fake evaluator in eval_fake.c.
 * Invariant: results[k] always belongs to the k-th selected layer (index order); every
 * selected layer yields exactly one result, an error result if its worker failed.
 * Worker processes (fork per layer) keep a crash, an abort or a hang of one layer from
 * taking the whole run down, and give each layer its own Z3 context and address space. */
#include "bench/bench.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/es.h"
#include "vta/cost.h"

double bench_now(void) { return es_now_ms() / 1e3; }

void bench_run_opts_init(bench_run_opts *ro) {
    memset(ro, 0, sizeof *ro);
    ro->jobs = 1;
    ro->shard_i = 0;
    ro->shard_n = 1;
    ro->isolate = true;
}

bool bench_in_shard(int32_t index, int shard_i, int shard_n) {
    ES_ASSERT(shard_n >= 1 && shard_i >= 0 && shard_i < shard_n);
    return index % shard_n == shard_i;
}

bool bench_parse_shard(const char *text, int *shard_i, int *shard_n, status *st) {
    char *end;
    errno = 0;
    long i = strtol(text, &end, 10);
    if (end == text || *end != '/' || errno)
        return status_fail(st, "--shard: expected I/N (e.g. 0/4), got '%s'", text);
    const char *q = end + 1;
    long n = strtol(q, &end, 10);
    if (end == q || *end != '\0' || errno)
        return status_fail(st, "--shard: expected I/N (e.g. 0/4), got '%s'", text);
    if (n < 1 || n > 100000 || i < 0 || i >= n)
        return status_fail(st, "--shard %s: need 0 <= I < N (shards are numbered from 0)", text);
    *shard_i = (int)i;
    *shard_n = (int)n;
    return true;
}

void bench_bounds(const op *o, const hw_config *hw, bench_result *r) {
    int64_t lanes = hw_batch(hw) * hw_block_in(hw) * hw_block_out(hw);
    int64_t macs = op_macs(o);
    r->compute_bound = es_ceil_div(macs, lanes) * (int64_t)hw->gemm_iter_cycles;
    /* Natural layouts, element widths from the config (int8 in/weights/outputs). */
    int64_t in_b = ((int64_t)1 << hw->log_inp_width) / 8;
    int64_t wt_b = ((int64_t)1 << hw->log_wgt_width) / 8;
    r->compulsory_bytes = op_tensor_elems(o, OP_IN) * in_b + op_tensor_elems(o, OP_WT) * wt_b +
                          op_tensor_elems(o, OP_OUT) * 1;
    r->bytes_bound = es_ceil_div(r->compulsory_bytes, hw_bus_bytes(hw));
    r->lower_bound = r->compute_bound > r->bytes_bound ? r->compute_bound : r->bytes_bound;
    cost_floor f;
    cost_vta_floor(o, hw, &f);
    r->floor_cycles = f.cycles;
    r->box_floor_cycles = f.cycles_box;
}

/* Short shape text without depending on op_summary's format. */
static void shape_text(const op *o, char *buf, size_t len) {
    size_t n = 0;
    buf[0] = '\0';
    if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE) {
        const op_conv *c = &o->conv;
        snprintf(buf, len, "N%lld C%lld H%lld W%lld K%lld R%lld S%lld s%lld p%lld",
                 (long long)c->n, (long long)c->c, (long long)c->h, (long long)c->w,
                 (long long)c->k, (long long)c->r, (long long)c->s, (long long)c->stride_h,
                 (long long)c->pad_h);
        if (c->stride_w != c->stride_h || c->pad_w != c->pad_h) {
            n = strlen(buf);
            snprintf(buf + n, len - n, " (sw%lld pw%lld)", (long long)c->stride_w,
                     (long long)c->pad_w);
        }
        if (c->groups > 1) {
            n = strlen(buf);
            snprintf(buf + n, len - n, " g%lld", (long long)c->groups);
        }
        return;
    }
    if (o->kind == OP_GEMM) {
        const op_gemm *g = &o->gemm;
        if (g->batch > 1)
            n = (size_t)snprintf(buf, len, "B%lld ", (long long)g->batch);
        snprintf(buf + n, len - n, "M%lld N%lld K%lld%s%s", (long long)g->m, (long long)g->n,
                 (long long)g->k, g->a_t ? " aT" : "", g->b_t ? " bT" : "");
        return;
    }
    for (int d = 0; d < o->ndims && n + 1 < len; d++) {
        int w = snprintf(buf + n, len - n, "%s%s=%lld", d ? " " : "", o->dim_name[d],
                         (long long)o->extent[d]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* emb_choice names: BENCH_CHOICE_NONE first, then the driver's choices. */
static const char *const choice_names[] = {"", DRIVER_CHOICES(ES_NAME2)};

const char *bench_choice_name(int32_t c) {
    ES_ASSERT(c >= BENCH_CHOICE_NONE && c + 1 < ES_COUNT(choice_names));
    return choice_names[c + 1];
}

bool bench_choice_parse(const char *s, int32_t *c) {
    int k = es_name_find(choice_names, ES_COUNT(choice_names), s);
    if (k >= 0) *c = k - 1;
    return k >= 0;
}

void bench_result_init(bench_result *r, const bench_layer *l, const hw_config *hw) {
    memset(r, 0, sizeof *r);
    snprintf(r->suite, sizeof r->suite, "%s", l->suite);
    snprintf(r->name, sizeof r->name, "%s", l->op.name);
    r->index = l->index;
    snprintf(r->kind, sizeof r->kind, "%s", op_kind_name(l->op.kind));
    shape_text(&l->op, r->shape, sizeof r->shape);
    r->macs = op_macs(&l->op);
    r->ref_check = DRV_CHECK_SKIPPED;
    r->check = DRV_CHECK_SKIPPED;
    r->proof = ENC_PROOF_UNKNOWN;
    r->emb_choice = BENCH_CHOICE_NONE;
    bench_bounds(&l->op, hw, r);
}

void bench_result_derive(bench_result *r) {
    r->speedup = r->cycles > 0 && r->ref_cycles > 0 ? (double)r->ref_cycles / (double)r->cycles : 0;
    r->gap = r->cycles > 0 && r->lower_bound > 0 ? (double)r->cycles / (double)r->lower_bound : 0;
    r->ref_gap = r->ref_cycles > 0 && r->lower_bound > 0
                     ? (double)r->ref_cycles / (double)r->lower_bound
                     : 0;
    r->floor_gap = r->cycles > 0 && r->floor_cycles > 0 ? (double)r->cycles / (double)r->floor_cycles : 0;
    r->ref_floor_gap =
        r->ref_cycles > 0 && r->floor_cycles > 0 ? (double)r->ref_cycles / (double)r->floor_cycles : 0;
}

/* ---- the runner ---------------------------------------------------------------- */

/* What a worker sends back through its pipe. */
typedef struct bench_msg {
    bench_result r;
    status st;
    bool ok;
    bool interrupted;   /* stop() became true during the evaluation: drop the result */
} bench_msg;

static bool stopped(const bench_run_opts *ro) { return ro->stop && ro->stop(); }

static void eval_one(const bench_layer *l, const hw_config *hw, const bench_evaluator *ev,
                     const bench_run_opts *ro, bench_msg *m) {
    bench_result_init(&m->r, l, hw);
    status_init(&m->st);
    m->ok = ev->fn(ev->ctx, &l->op, hw, &m->r, &m->st);
    m->interrupted = stopped(ro);
}

static void finish_result(bench_result *r, bool ok, const char *err, double wall_ms) {
    r->ok = ok && r->cycles > 0 && (r->ref_cycles > 0 || r->ref_no_schedule);
    if (!ok)
        snprintf(r->error, sizeof r->error, "%s", err && *err ? err : "evaluation failed");
    else if (!r->ok)
        snprintf(r->error, sizeof r->error, "evaluator returned no cycle counts");
    r->wall_ms = wall_ms;
    bench_result_derive(r);
}

static void fmt_hms(double s, char *buf, size_t len) {
    if (!(s >= 0) || s > 1e7)
        s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

typedef struct progress {
    FILE *f;
    bool tty;
    int total, done;
    double t0;
    const char *last;
    /* ETA from layer sizes: a layer weighs its MACs plus the mean MACs of the run (a
     * fixed part: solving, lowering and set-up do not shrink with the layer), and the
     * remaining time is elapsed x remaining weight / finished weight. */
    double mean_macs, total_w, done_w;
} progress;

static void progress_weights(progress *p, const bench_layer *layers, const int *sel, int nsel) {
    double sum = 0;
    for (int k = 0; k < nsel; k++)
        sum += (double)op_macs(&layers[sel[k]].op);
    p->mean_macs = nsel ? sum / nsel : 0;
    p->total_w = sum + p->mean_macs * nsel;
}

static double layer_weight(const progress *p, const bench_layer *l) {
    return (double)op_macs(&l->op) + p->mean_macs;
}

static void progress_draw(progress *p, const bench_result *fin) {
    if (!p->f)
        return;
    double el = bench_now() - p->t0;
    char e[32], eta[32];
    fmt_hms(el, e, sizeof e);
    if (p->done > 0 && p->done_w > 0)
        fmt_hms(el / p->done_w * (p->total_w - p->done_w), eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    if (p->tty) {
        int width = 24, fill = p->total ? p->done * width / p->total : width;
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(p->f, "\r\033[K[%s] layer %d/%d  elapsed %s  ETA %s  %s", bar, p->done, p->total,
                e, eta, p->last ? p->last : "");
        if (p->done == p->total)
            fputc('\n', p->f);
    } else if (fin) {
        if (fin->ok)
            fprintf(p->f, "bench: [%d/%d] %s/%s: speedup %.2fx, gap %.2fx, %.1f s (elapsed %s, ETA %s)\n",
                    p->done, p->total, fin->suite, fin->name, fin->speedup, fin->gap,
                    fin->wall_ms / 1000, e, eta);
        else
            fprintf(p->f, "bench: [%d/%d] %s/%s: ERROR %s (elapsed %s, ETA %s)\n", p->done,
                    p->total, fin->suite, fin->name, fin->error, e, eta);
    }
    fflush(p->f);
}

static void progress_done(progress *p, bench_result *r, double weight, const bench_run_opts *ro) {
    p->done++;
    p->done_w += weight;
    p->last = r->name;
    progress_draw(p, r);
    if (ro->on_done)
        ro->on_done(ro->on_done_ctx, r, p->done, p->total);
}

typedef struct worker {
    pid_t pid;
    int fd;
    int slot;
    double t0;
    size_t got;
    FILE *err;      /* the worker's stderr (a temporary file), or NULL */
    bench_msg msg;
} worker;

static bool write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool spawn(worker *w, const bench_layer *l, const hw_config *hw, const bench_evaluator *ev,
                  int slot, const bench_run_opts *ro, status *st) {
    int64_t memory_mb = ro->layer_memory_mb;
    int fds[2];
    if (pipe(fds) != 0)
        return status_fail(st, "bench: pipe: %s", strerror(errno));
    /* The worker's stderr goes to a file: its messages are shown with the layer's name
     * (and do not tear the progress bar), and a crash report names its cause. */
    FILE *err = tmpfile();
    fflush(NULL); /* buffered output must not be duplicated into the child */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        if (err)
            fclose(err);
        return status_fail(st, "bench: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        if (err)
            dup2(fileno(err), 2);
        if (memory_mb > 0) {
            /* An out-of-memory layer then fails alone (malloc returns NULL -> abort)
             * instead of pushing the machine into swap. */
            struct rlimit rl;
            rl.rlim_cur = rl.rlim_max = (rlim_t)memory_mb << 20;
            setrlimit(RLIMIT_AS, &rl);
        }
        bench_msg *m = malloc(sizeof *m);
        if (!m)
            _exit(3);
        eval_one(l, hw, ev, ro, m);
        fflush(NULL);
        _exit(write_all(fds[1], m, sizeof *m) ? 0 : 3);
    }
    close(fds[1]);
    w->pid = pid;
    w->fd = fds[0];
    w->slot = slot;
    w->t0 = bench_now();
    w->got = 0;
    w->err = err;
    return true;
}

/* Shows what a worker wrote to stderr, each line prefixed with the layer, and keeps
 * its last line (the likely cause of a crash) in last. */
static void forward_stderr(worker *w, const bench_layer *l, const progress *pg, char *last,
                           size_t last_len) {
    last[0] = '\0';
    if (!w->err)
        return;
    enum { TAIL = 16384 };
    char *buf = malloc(TAIL + 1);
    ES_ASSERT(buf != NULL);
    fflush(w->err);
    long size = fseek(w->err, 0, SEEK_END) == 0 ? ftell(w->err) : 0;
    long from = size > TAIL ? size - TAIL : 0;
    size_t n = 0;
    if (size > 0 && fseek(w->err, from, SEEK_SET) == 0)
        n = fread(buf, 1, TAIL, w->err);
    buf[n] = '\0';
    fclose(w->err);
    w->err = NULL;
    if (n == 0) {
        free(buf);
        return;
    }
    if (pg->f && pg->tty)
        fputs("\r\033[K", stderr);
    if (from > 0)
        fprintf(stderr, "  [%s/%s] ... (%ld bytes of messages cut)\n", l->suite, l->op.name, from);
    for (char *line = buf, *nl; *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        else
            nl = line + strlen(line);
        if (!*line)
            continue;
        fprintf(stderr, "  [%s/%s] %s\n", l->suite, l->op.name, line);
        snprintf(last, last_len, "%s", line);
    }
    fflush(stderr);
    free(buf);
}

static const char interrupted_why[] = "interrupted";

/* Reaps a finished (or killed) worker and turns what it sent into a result. False: the
 * layer was cut short by an interrupt (no result). */
static bool reap(worker *w, const bench_layer *l, const hw_config *hw, bench_result *out,
                 const char *killed_why, const progress *pg) {
    close(w->fd);
    int wst = 0;
    while (waitpid(w->pid, &wst, 0) < 0 && errno == EINTR) {
    }
    double ms = (bench_now() - w->t0) * 1000;
    char last[160];
    forward_stderr(w, l, pg, last, sizeof last);
    if (killed_why == interrupted_why)
        return false;
    if (!killed_why && w->got == sizeof w->msg && WIFEXITED(wst) && WEXITSTATUS(wst) == 0) {
        if (w->msg.interrupted)
            return false;
        *out = w->msg.r;
        finish_result(out, w->msg.ok, w->msg.st.msg, ms);
        return true;
    }
    char why[256];
    if (killed_why)
        snprintf(why, sizeof why, "%s", killed_why);
    else if (WIFSIGNALED(wst))
        snprintf(why, sizeof why, "worker died: signal %d (%s)%s%.160s", WTERMSIG(wst),
                 strsignal(WTERMSIG(wst)), last[0] ? ": " : "", last);
    else
        snprintf(why, sizeof why, "worker exited with status %d before reporting%s%.160s",
                 WIFEXITED(wst) ? WEXITSTATUS(wst) : -1, last[0] ? ": " : "", last);
    bench_result_init(out, l, hw);
    finish_result(out, false, why, ms);
    return true;
}

typedef struct start_key {
    int64_t macs;
    int slot;
} start_key;

static int cmp_start(const void *a, const void *b) {
    const start_key *x = a, *y = b;
    if (x->macs != y->macs)
        return x->macs < y->macs ? 1 : -1;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

static bool run_forked(const bench_layer *layers, const int *sel, int nsel, const hw_config *hw,
                       const bench_evaluator *ev, const bench_run_opts *ro, bench_result *res,
                       bool *have, progress *pg, status *st) {
    int jobs = ro->jobs < 1 ? 1 : ro->jobs;
    if (jobs > nsel)
        jobs = nsel;
    worker *w = calloc((size_t)(jobs ? jobs : 1), sizeof *w);
    struct pollfd *pfd = calloc((size_t)(jobs ? jobs : 1), sizeof *pfd);
    start_key *order = calloc((size_t)(nsel ? nsel : 1), sizeof *order);
    ES_ASSERT(w && pfd && order);
    for (int k = 0; k < nsel; k++) {
        order[k].slot = k;
        order[k].macs = ro->largest_first ? op_macs(&layers[sel[k]].op) : 0;
    }
    qsort(order, (size_t)nsel, sizeof *order, cmp_start);
    int active = 0, next = 0;
    bool ok = true;
    bool stop = false;
    while (next < nsel || active > 0) {
        if (!stop && stopped(ro)) {
            stop = true;
            next = nsel; /* start nothing more; the workers in flight are killed below */
        }
        while (ok && active < jobs && next < nsel) {
            int slot = order[next].slot;
            if (!spawn(&w[active], &layers[sel[slot]], hw, ev, slot, ro, st)) {
                ok = false;
                break;
            }
            active++;
            next++;
        }
        if (!ok && active == 0)
            break;
        if (!ok)
            next = nsel; /* stop spawning, drain the running workers */
        for (int k = 0; k < active; k++) {
            pfd[k].fd = w[k].fd;
            pfd[k].events = POLLIN;
            pfd[k].revents = 0;
        }
        int pr = poll(pfd, (nfds_t)active, 500);
        if (pr < 0 && errno != EINTR) {
            ok = status_fail(st, "bench: poll: %s", strerror(errno));
            for (int k = 0; k < active; k++)
                kill(w[k].pid, SIGKILL);
        }
        double now = bench_now();
        for (int k = 0; k < active; k++) {
            const char *killed = NULL;
            char why[96];
            bool finished = false;
            if (pr > 0 && (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t n = read(w[k].fd, (char *)&w[k].msg + w[k].got,
                                 sizeof w[k].msg - w[k].got);
                if (n > 0)
                    w[k].got += (size_t)n;
                else if (n == 0 || errno != EINTR)
                    finished = true;
            }
            if (!finished && ro->layer_timeout_s > 0 && now - w[k].t0 > ro->layer_timeout_s) {
                kill(w[k].pid, SIGKILL);
                snprintf(why, sizeof why, "timed out after %.0f s (--layer-timeout)",
                         ro->layer_timeout_s);
                killed = why;
                finished = true;
            }
            if (!ok && !finished) {
                kill(w[k].pid, SIGKILL);
                killed = "runner stopped";
                finished = true;
            }
            if (stop && !finished) {
                kill(w[k].pid, SIGKILL);
                killed = interrupted_why;
                finished = true;
            }
            if (!finished)
                continue;
            int slot = w[k].slot;
            have[slot] = reap(&w[k], &layers[sel[slot]], hw, &res[slot], killed, pg);
            if (have[slot])
                progress_done(pg, &res[slot], layer_weight(pg, &layers[sel[slot]]), ro);
            /* Move the last worker into this place; re-examine k. */
            w[k] = w[active - 1];
            pfd[k] = pfd[active - 1];
            active--;
            k--;
        }
        if (pr == 0 || pr < 0)
            progress_draw(pg, NULL);
    }
    if (stop && pg->f && pg->tty)
        fputc('\n', pg->f);
    free(w);
    free(pfd);
    free(order);
    return ok;
}

bool bench_run(const bench_layer *layers, int nlayers, const hw_config *hw,
               const bench_evaluator *ev, const bench_run_opts *ro, bench_result **out,
               int *nout, status *st) {
    *out = NULL;
    *nout = 0;
    int *sel = malloc((size_t)(nlayers > 0 ? nlayers : 1) * sizeof *sel);
    ES_ASSERT(sel != NULL);
    int nsel = 0;
    for (int k = 0; k < nlayers; k++)
        if (bench_in_shard(layers[k].index, ro->shard_i, ro->shard_n))
            sel[nsel++] = k;
    bench_result *res = calloc((size_t)(nsel > 0 ? nsel : 1), sizeof *res);
    bool *have = calloc((size_t)(nsel > 0 ? nsel : 1), sizeof *have);
    ES_ASSERT(res != NULL && have != NULL);
    progress pg = {.f = ro->progress, .tty = ro->progress_tty, .total = nsel, .t0 = bench_now()};
    progress_weights(&pg, layers, sel, nsel);
    bool ok = true;
    if (ro->isolate) {
        ok = run_forked(layers, sel, nsel, hw, ev, ro, res, have, &pg, st);
    } else {
        bench_msg *m = malloc(sizeof *m);
        ES_ASSERT(m != NULL);
        for (int k = 0; k < nsel && !stopped(ro); k++) {
            double t0 = bench_now();
            eval_one(&layers[sel[k]], hw, ev, ro, m);
            if (m->interrupted)
                break;
            res[k] = m->r;
            have[k] = true;
            finish_result(&res[k], m->ok, m->st.msg, (bench_now() - t0) * 1000);
            progress_done(&pg, &res[k], layer_weight(&pg, &layers[sel[k]]), ro);
        }
        free(m);
    }
    free(sel);
    /* After an interrupt only the finished layers remain (still in index order). */
    int n = 0;
    for (int k = 0; k < nsel; k++)
        if (have[k])
            res[n++] = res[k];
    if (ro->interrupted)
        *ro->interrupted = n < nsel && stopped(ro);
    free(have);
    if (!ok) {
        free(res);
        return false;
    }
    *out = res;
    *nout = n;
    return true;
}
