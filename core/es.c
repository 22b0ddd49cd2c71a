/* es: clock, stop request and name-table lookup (see es.h). */
#include "core/es.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_flag = 0;

void es_request_stop(void) { stop_flag = 1; }

bool es_stop_requested(void) { return stop_flag != 0; }

double es_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int es_name_find(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (names[i] && !strcmp(names[i], s)) return i;
    return -1;
}
