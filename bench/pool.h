/* pool: a list of independent items computed by forked worker processes. Each worker
 * takes the next item off a counter shared by all (MAP_SHARED), so the long items do
 * not wait behind one worker; it writes its results as text to a temporary file of its
 * own, which the parent reads back once every worker has exited (in worker order). A
 * worker's stderr goes to a temporary file too, which the parent shows line by line as
 * it grows, each line prefixed with the job's name (so lines of two workers never mix).
 * A stop request (SIGINT/SIGTERM) in the parent is passed on to the workers.
 * Invariant: with jobs <= 1 the items run in this process through the same write and
 * read-back path, so a result never depends on the number of workers. */
#ifndef EMBEDSYN_BENCH_POOL_H
#define EMBEDSYN_BENCH_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

typedef struct pool_job {
    int jobs;   /* worker processes (<= 1: the items run in this process) */
    int64_t n;  /* items 0 .. n-1, taken in that order */
    void *ctx;  /* passed to the callbacks */
    /* Computes item i and writes its result to out (in a worker: the worker's own
     * copy of ctx). False with st failed: an error, which ends the whole run and is
     * what pool_run reports; false otherwise: this worker stops taking items (e.g. a
     * stop request cut the item short). */
    bool (*work)(void *ctx, int64_t i, FILE *out, status *st);
    /* In the parent: reads back what one worker wrote (positioned at its start). */
    void (*read)(void *ctx, FILE *in);
    /* In the parent, or NULL: items finished so far, after each one and about every
     * half second while the workers run. */
    void (*tick)(void *ctx, int64_t done, int64_t n);
    const char *what; /* names the job in error messages, e.g. "net" */
} pool_job;

/* Runs the job. False + status when a worker could not be started or died (signal,
 * failed exit), a stop was requested, or an item failed (its message: the first one
 * reported); what the workers wrote is read back all the same. */
bool pool_run(const pool_job *j, status *st);

#endif
