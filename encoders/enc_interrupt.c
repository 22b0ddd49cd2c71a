/* enc_interrupt: stopping Z3 on SIGINT/SIGTERM. A signal handler calls
 * enc_request_interrupt(), which only sets the process's stop flag (es_request_stop,
 * which the other long searches poll too) and posts a semaphore (both
 * async-signal-safe). One watcher thread per process, started with the first solver
 * check, waits on that semaphore and calls Z3_interrupt on the context of the check in
 * progress (Z3_interrupt takes a lock, so it is never called from the handler itself).
 * Z3's own SIGINT handling is switched off (solver parameter ctrl_c), so a Ctrl-C
 * reaches the program.
 * Invariant: once an interrupt was requested, every check returns Z3_L_UNDEF and
 * enc_interrupted() is true, so callers can tell a cut-short search from a normal one;
 * the context published to the watcher is alive while it is published (a mutex). */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include "core/es.h"
#include "encoders/enc.h"
#include "encoders/enc_encode.h"

static volatile sig_atomic_t sem_ready = 0;
static sem_t wake;
static pthread_mutex_t cur_mu = PTHREAD_MUTEX_INITIALIZER;
static Z3_context cur_ctx = NULL;   /* the check in progress, or NULL */
static pid_t watcher_pid = 0;       /* process that owns the watcher (fork: none) */

void enc_request_interrupt(void) {
    es_request_stop();
    if (sem_ready)
        sem_post(&wake);
}

bool enc_interrupted(void) {
    return es_stop_requested();
}

static void *watcher(void *arg) {
    (void)arg;
    for (;;) {
        if (sem_wait(&wake) != 0)
            continue;
        if (!es_stop_requested())
            continue;
        pthread_mutex_lock(&cur_mu);
        if (cur_ctx)
            Z3_interrupt(cur_ctx);
        pthread_mutex_unlock(&cur_mu);
    }
    return NULL;
}

/* Starts the watcher of this process (again in a forked child, which has no threads
 * but its own copy of the flags). */
static void watcher_start(void) {
    pid_t me = getpid();
    if (watcher_pid == me)
        return;
    if (!sem_ready) {
        ES_ASSERT(sem_init(&wake, 0, 0) == 0);
        sem_ready = 1;
    }
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, watcher, NULL) == 0)
        watcher_pid = me;
    pthread_attr_destroy(&at);
}

Z3_lbool enc_check_interruptible(Z3_context c, Z3_solver s, unsigned n, const Z3_ast *assum) {
    watcher_start();
    if (es_stop_requested())
        return Z3_L_UNDEF;
    pthread_mutex_lock(&cur_mu);
    cur_ctx = c;
    pthread_mutex_unlock(&cur_mu);
    if (es_stop_requested()) /* arrived before the context was published */
        Z3_interrupt(c);
    Z3_lbool r = Z3_solver_check_assumptions(c, s, n, assum);
    pthread_mutex_lock(&cur_mu);
    cur_ctx = NULL;
    pthread_mutex_unlock(&cur_mu);
    return es_stop_requested() ? Z3_L_UNDEF : r;
}
