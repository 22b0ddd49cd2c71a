/* enc_interrupt: stopping Z3 on SIGINT/SIGTERM. A signal handler calls
 * enc_request_interrupt(), which only sets a flag and posts a semaphore (both
 * async-signal-safe). While a solver check runs, a watcher thread waits on that
 * semaphore and calls Z3_interrupt on the check's context (Z3_interrupt takes a lock,
 * so it is never called from the handler itself). Z3's own SIGINT handling is switched
 * off (solver parameter ctrl_c), so a Ctrl-C reaches the program.
 * Invariant: once an interrupt was requested, every check returns Z3_L_UNDEF and
 * enc_interrupted() is true, so callers can tell a cut-short search from a normal one. */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>

#include "encoders/enc.h"
#include "encoders/enc_encode.h"

static volatile sig_atomic_t interrupt_flag = 0;
static volatile sig_atomic_t sem_ready = 0;
static sem_t wake;
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;

static void wake_init(void) {
    ES_ASSERT(sem_init(&wake, 0, 0) == 0);
    sem_ready = 1;
}

void enc_request_interrupt(void) {
    interrupt_flag = 1;
    if (sem_ready)
        sem_post(&wake);
}

bool enc_interrupted(void) {
    return interrupt_flag != 0;
}

typedef struct watch {
    Z3_context ctx;
    volatile sig_atomic_t done;
} watch;

static void *watcher(void *arg) {
    watch *w = arg;
    for (;;) {
        while (sem_wait(&wake) != 0) {
        }
        if (w->done)
            return NULL;
        if (interrupt_flag) {
            Z3_interrupt(w->ctx);
            return NULL;
        }
    }
}

Z3_lbool enc_check_interruptible(Z3_context c, Z3_solver s, unsigned n, const Z3_ast *assum) {
    pthread_once(&wake_once, wake_init);
    if (interrupt_flag)
        return Z3_L_UNDEF;
    watch w = {c, 0};
    pthread_t th;
    bool watching = pthread_create(&th, NULL, watcher, &w) == 0;
    Z3_lbool r = Z3_solver_check_assumptions(c, s, n, assum);
    if (watching) {
        w.done = 1;
        sem_post(&wake);
        pthread_join(th, NULL);
    }
    return interrupt_flag ? Z3_L_UNDEF : r;
}
