/* es: clock and name-table lookup (see es.h). */
#include "core/es.h"

#include <string.h>
#include <time.h>

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
