/* Shared helpers of the libFuzzer targets (tests/fuzz/fuzz_*.c, built by scripts/fuzz):
 * the loaders read files, so each input is written to a per-process scratch file first.
 * The scratch directory lives under TMPDIR (default /tmp) and is removed at exit. */
#ifndef EMBEDSYN_TESTS_FUZZ_UTIL_H
#define EMBEDSYN_TESTS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[256];

static void fuzz_cleanup(void) {
    if (!fuzz_dir[0])
        return;
    static const char *const names[] = {"in.xml", "in.m", "in.json", "dram.bin", "program.xml",
                                        "listing.txt"};
    char p[320];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", fuzz_dir, names[i]);
        unlink(p);
    }
    rmdir(fuzz_dir);
}

/* The scratch directory (created on first use). */
static const char *fuzz_scratch(void) {
    if (!fuzz_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/embedsyn_fuzz_XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fuzz_dir))
            abort();
        atexit(fuzz_cleanup);
    }
    return fuzz_dir;
}

/* Writes data to scratch/name; returns the path (static buffer). */
static const char *fuzz_write(const char *name, const uint8_t *data, size_t size) {
    static char path[320];
    snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    return path;
}

#endif
