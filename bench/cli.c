/* cli: option handling shared by the commands (--op/--conv/--gemm/--hw/--json, --help),
 * error printing with the CLI's exit statuses, and JSON helpers.
 * Invariant: a cli_opts has a checked hardware config (default or from --hw) and, when
 * have_op, an operator that passed the spec loader. */
#include "bench/cli.h"
#include "core/es.h"

#include "core/maestro.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/spec.h"
#include "core/text.h"
#include "encoders/enc.h"

const char cli_common_help[] =
    "operator and hardware options:\n"
    "  --op FILE       operator from an XML file (<operator>, see README) or a one-layer\n"
    "                  MAESTRO file (FILE.m with one layer, or FILE.m:LAYER; CONV, DSCONV,\n"
    "                  GEMM or FC)\n"
    "  --conv SHAPE    inline conv2d, e.g. N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3\n"
    "                  (also stride_h stride_w pad_h pad_w dilation dilation_h dilation_w\n"
    "                  groups shift relu bias; N defaults to 1)\n"
    "  --gemm SHAPE    inline GEMM C[M,N] = A[M,K] * B[K,N], e.g. M=35,N=700,K=2048\n"
    "                  (also batch a_t b_t shift relu bias)\n"
    "  --hw FILE       hardware configuration (<hardware>); default: TVM's default VTA\n"
    "  --json          one JSON object per result on stdout\n"
    "  --quiet         no progress lines on stderr (the best so far, elapsed time)\n";

void cli_opts_init(cli_opts *c) {
    memset(c, 0, sizeof *c);
    c->hw = hw_default();
}

/* Matches "--name VALUE" and "--name=VALUE"; *val is NULL when the option has no value. */
static bool match_opt(const char *name, int argc, char **argv, int *i, const char **val, bool *consumed_next) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    *consumed_next = false;
    if (strncmp(a, name, n))
        return false;
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] != '\0')
        return false;
    *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    *consumed_next = true;
    return true;
}

/* The ".m" file of an --op value, and the layer after it: "NET.m" or "NET.m:LAYER". */
static bool maestro_op_value(const char *val, char *path, size_t len, const char **layer) {
    const char *colon = strstr(val, ".m:");
    *layer = colon ? colon + 3 : NULL;
    size_t n = colon ? (size_t)(colon + 2 - val) : strlen(val);
    if (n >= len) return false;
    memcpy(path, val, n);
    path[n] = 0;
    return maestro_is_path(path);
}

/* --op NET.m (a MAESTRO file with one layer, layer NULL) or --op NET.m:LAYER. */
static bool load_maestro_op(const char *path, const char *layer, op *o, status *st) {
    char net[64];
    op *ops;
    int n;
    if (!maestro_load(path, net, sizeof net, &ops, &n, st)) return false;
    int pick = -1;
    for (int i = 0; i < n && layer; i++)
        if (!strcmp(ops[i].name, layer)) pick = i;
    bool ok = layer ? pick >= 0 || status_fail(st, "%s: no layer '%s' (spec check %s lists them)", path, layer, path)
                    : n == 1 || status_fail(st, "%s: %d layers; --op %s:LAYER takes one (spec check lists them)",
                                            path, n, path);
    if (ok) *o = ops[layer ? pick : 0];
    free(ops);
    return ok;
}

/* --op's value: an operator XML file or a MAESTRO file (NET.m, NET.m:LAYER). */
static bool load_op_file(const char *val, op *o, status *st) {
    char path[4096];
    const char *layer;
    return maestro_op_value(val, path, sizeof path, &layer) ? load_maestro_op(path, layer, o, st)
                                                            : spec_load_op(val, o, st);
}

int cli_take_common(cli_opts *c, int argc, char **argv, int *i, status *st) {
    const char *a = argv[*i];
    if (!strcmp(a, "--json")) {
        c->json = true;
        (*i)++;
        return 1;
    }
    static const char *const names[] = {"--op", "--conv", "--gemm", "--hw"};
    for (int k = 0; k < 4; k++) {
        const char *val = NULL;
        bool next = false;
        if (!match_opt(names[k], argc, argv, i, &val, &next))
            continue;
        if (!val || !*val) {
            status_fail(st, "option %s needs a value", names[k]);
            return -1;
        }
        *i += next ? 2 : 1;
        if (k == 3)
            return hw_load(val, &c->hw, st) ? 1 : -1;
        if (c->have_op) {
            status_fail(st, "more than one operator given (%s %s)", names[k], val);
            return -1;
        }
        bool ok = k == 0 ? load_op_file(val, &c->op, st)
                  : k == 1 ? spec_parse_conv(val, "--conv", &c->op, st)
                           : spec_parse_gemm(val, "--gemm", &c->op, st);
        if (!ok)
            return -1;
        c->have_op = true;
        return 1;
    }
    return 0;
}

bool cli_help(int argc, char **argv, const char *help, const char *more) {
    if (!cli_want_help(argc, argv))
        return false;
    fputs(help, stdout);
    if (more)
        fputs(more, stdout);
    return true;
}

bool cli_want_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    return false;
}

int cli_fail(const char *cmd, const status *st) {
    fprintf(stderr, "embedsyn %s: %s\n", cmd, st->failed ? st->msg : "failed");
    return 2;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* Messages that already point to --help get no second hint. */
    if (strstr(buf, "--help"))
        fprintf(stderr, "embedsyn %s: %s\n", cmd, buf);
    else
        fprintf(stderr, "embedsyn %s: %s (see embedsyn %s --help)\n", cmd, buf, cmd);
    return 2;
}

static volatile sig_atomic_t cli_signal = 0;

static void on_signal(int sig) {
    if (cli_signal) { /* the second signal: default action (terminate) */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    cli_signal = sig;
    enc_request_interrupt(); /* async-signal-safe: a flag and sem_post */
}

void cli_signals_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_interrupted(void) { return cli_signal; }

int cli_interrupt_status(void) { return cli_signal ? 128 + cli_signal : 0; }

int cli_interrupted_exit(const char *cmd, bool json, const char *what) {
    const char *sig = cli_signal == SIGTERM ? "SIGTERM" : "SIGINT";
    fprintf(stderr, "embedsyn %s: interrupted (%s): %s\n", cmd, sig, what);
    if (json)
        printf("{\"interrupted\":true,\"signal\":\"%s\"}\n", sig);
    fflush(stdout);
    return cli_interrupt_status() ? cli_interrupt_status() : 130;
}


void cli_hw_json(FILE *f, const hw_config *hw) {
    fputs("{\"hardware\":", f);
    text_json_str(f, hw->name);
#define CLI_HW_FIELD(fld, a, d, doc) fprintf(f, ",\"%s\":%d", a, (int)hw->fld);
    HW_SHAPE_FIELDS(CLI_HW_FIELD)
    HW_TIMING_FIELDS(CLI_HW_FIELD)
#undef CLI_HW_FIELD
    fprintf(f, ",\"batch\":%lld,\"block_in\":%lld,\"block_out\":%lld,\"bus_bytes\":%lld",
            (long long)hw_batch(hw), (long long)hw_block_in(hw), (long long)hw_block_out(hw),
            (long long)hw_bus_bytes(hw));
    fprintf(f, ",\"depth\":{\"uop\":%lld,\"wgt\":%lld,\"inp\":%lld,\"acc\":%lld,\"out\":%lld}}",
            (long long)hw_depth(hw, HW_MEM_UOP), (long long)hw_depth(hw, HW_MEM_WGT),
            (long long)hw_depth(hw, HW_MEM_INP), (long long)hw_depth(hw, HW_MEM_ACC),
            (long long)hw_depth(hw, HW_MEM_OUT));
}

bool cli_parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s)
        return false;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
            return false; /* strtoull would take a second prefix */
    }
    /* strtoull itself would skip blanks and accept a sign or a second prefix */
    if (!((*s >= '0' && *s <= '9') || (base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}

int cli_common_opt(cli_opts *c, int code, const char *arg, status *st) {
    static const char *const names[] = {"--op", "--conv", "--gemm"};
    switch (code) {
    case CLI_OPT_JSON:
        c->json = true;
        return 1;
    case CLI_OPT_HW:
        return hw_load(arg, &c->hw, st) ? 1 : -1;
    case CLI_OPT_OP:
    case CLI_OPT_CONV:
    case CLI_OPT_GEMM:
        break;
    default:
        return 0;
    }
    if (c->have_op) {
        status_fail(st, "more than one operator given (%s %s)", names[code - CLI_OPT_OP], arg);
        return -1;
    }
    bool ok = code == CLI_OPT_OP     ? load_op_file(arg, &c->op, st)
              : code == CLI_OPT_CONV ? spec_parse_conv(arg, "--conv", &c->op, st)
                                     : spec_parse_gemm(arg, "--gemm", &c->op, st);
    if (!ok)
        return -1;
    c->have_op = true;
    return 1;
}

int cli_getopt_error(const char *cmd, int code, int argc, char **argv) {
    /* getopt_long leaves optind past the offending element (past its missing value) */
    int k = optind - 1 < argc ? optind - 1 : argc - 1;
    const char *a = k >= 1 ? argv[k] : "?";
    if (code == ':') {
        char name[64];
        size_t n = strcspn(a, "=");
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), a);
        return cli_usage_error(cmd, "option %s needs a value", name);
    }
    return cli_usage_error(cmd, "unknown option '%s'", a);
}

double cli_now(void) { return es_now_ms() / 1e3; }

/* ---- progress ------------------------------------------------------------------------ */

typedef struct cli_progress {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t ticker;
    bool running, stop;
    bool started;                     /* the ticker thread holds mu for the first time */
    const char *cmd;
    double t0, last_line;
    uint64_t best_inst, best_bytes;   /* 0: nothing found yet */
    char stage[160];                  /* cli_progress_stage, "" when none */
} cli_progress;

static cli_progress prog;
static pthread_once_t prog_once = PTHREAD_ONCE_INIT;

/* fork (worker processes, bench/pool.h) while the ticker runs: the mutex is taken
 * around the fork, so the child's copy is never held by a thread it does not have; the
 * child has no ticker and no progress display (its stderr is not the terminal's). The
 * ticker allocates only under the mutex (its start-up, where the thread library and a
 * sanitizer allocate, is over before cli_progress_begin returns), so no allocator lock
 * is held across a fork either: a worker forked during the start-up once hung in the
 * sanitizer build's allocator. */
static void fork_prepare(void) { pthread_mutex_lock(&prog.mu); }
static void fork_parent(void) { pthread_mutex_unlock(&prog.mu); }
static void fork_child(void) {
    pthread_mutex_unlock(&prog.mu);
    prog.running = false;
    enc_set_progress(NULL, NULL);
}

static void prog_init(void) {
    pthread_mutex_init(&prog.mu, NULL);
    pthread_cond_init(&prog.cv, NULL);
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

enum { PROGRESS_AFTER_S = 2, PROGRESS_EVERY_S = 5 };

/* Called with prog.mu held. */
static void progress_line(double now) {
    fprintf(stderr, "embedsyn %s: %.0f s, %s%s", prog.cmd, now - prog.t0, prog.stage,
            prog.stage[0] && prog.best_inst ? ", " : "");
    if (prog.best_inst)
        fprintf(stderr, "best so far %llu GEMM instances%s", (unsigned long long)prog.best_inst,
                prog.best_bytes ? "," : "\n");
    else
        fprintf(stderr, "%s\n", prog.stage[0] ? "" : "working (no embedding yet)");
    if (prog.best_inst && prog.best_bytes)
        fprintf(stderr, " %llu layout bytes\n", (unsigned long long)prog.best_bytes);
    fflush(stderr);
    prog.last_line = now;
}

static void on_point(void *ctx, uint64_t instances, uint64_t bytes) {
    (void)ctx;
    pthread_mutex_lock(&prog.mu);
    prog.best_inst = instances;
    prog.best_bytes = bytes;
    double now = cli_now();
    if (now - prog.t0 >= PROGRESS_AFTER_S && now - prog.last_line >= 1)
        progress_line(now);
    pthread_mutex_unlock(&prog.mu);
}

static void *ticker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&prog.mu);
    prog.started = true;
    pthread_cond_broadcast(&prog.cv);
    while (!prog.stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&prog.cv, &prog.mu, &until);
        double now = cli_now();
        if (!prog.stop && !cli_interrupted() && now - prog.t0 >= PROGRESS_EVERY_S &&
            now - prog.last_line >= PROGRESS_EVERY_S)
            progress_line(now);
    }
    pthread_mutex_unlock(&prog.mu);
    return NULL;
}

void cli_progress_begin(const char *cmd, bool quiet) {
    if (quiet || prog.running)
        return;
    pthread_once(&prog_once, prog_init);
    prog.cmd = cmd;
    prog.t0 = cli_now();
    prog.last_line = prog.t0;
    prog.best_inst = prog.best_bytes = 0;
    prog.stage[0] = 0;
    prog.stop = false;
    enc_set_progress(on_point, NULL);
    prog.started = false;
    prog.running = pthread_create(&prog.ticker, NULL, ticker, NULL) == 0;
    pthread_mutex_lock(&prog.mu);
    while (prog.running && !prog.started) pthread_cond_wait(&prog.cv, &prog.mu);
    pthread_mutex_unlock(&prog.mu);
}

bool cli_progress_on(void) { return prog.running; }

void cli_progress_stage(const char *what) {
    if (!prog.running) return;
    pthread_mutex_lock(&prog.mu);
    snprintf(prog.stage, sizeof prog.stage, "%s", what ? what : "");
    prog.best_inst = prog.best_bytes = 0;
    pthread_mutex_unlock(&prog.mu);
}

void cli_progress_end(void) {
    enc_set_progress(NULL, NULL);
    if (!prog.running)
        return;
    pthread_mutex_lock(&prog.mu);
    prog.stop = true;
    pthread_cond_signal(&prog.cv);
    pthread_mutex_unlock(&prog.mu);
    pthread_join(prog.ticker, NULL);
    prog.running = false;
}
