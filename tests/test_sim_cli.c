/* Tests of the sim and disasm commands on hostile input: the corpus tests/bad_sim
 * (cases.txt: expected exit status and message per command line, images from gen.py)
 * runs the real CLI next to this test binary under a time limit and checks that every
 * case ends quickly with the expected status and message and a bounded output; plus
 * images over the 4 GiB cap (a sparse file made here) and the cycle limit on a
 * generated program. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SRC EMBEDSYN_SOURCE_DIR
#define CORPUS SRC "/tests/bad_sim"

static char cli_path[PATH_MAX + 16];

static void find_cli(void) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert(n > 0);
    self[n] = 0;
    char *slash = strrchr(self, '/');
    cr_assert(slash);
    *slash = 0;
    snprintf(cli_path, sizeof cli_path, "%s/embedsyn", self);
    cr_assert(access(cli_path, X_OK) == 0, "no CLI at %s", cli_path);
}

static char *slurp(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = calloc((size_t)*len + 1, 1);
    cr_assert_eq(fread(b, 1, (size_t)*len, f), (size_t)*len);
    fclose(f);
    return b;
}

/* Runs `embedsyn ARGS` (time limit 30 s); returns the exit status, stderr in *err
 * (caller frees) and the stdout size in *out_len. */
static int run_cli(const char *args /* < 4096 bytes */, char **err, long *out_len) {
    char cmd[PATH_MAX + 4096 + 256];
    snprintf(cmd, sizeof cmd, "timeout 30 %s %s >/tmp/embedsyn_sim_cli.%d.out 2>/tmp/embedsyn_sim_cli.%d.err",
             cli_path, args, (int)getpid(), (int)getpid());
    int rc = system(cmd);
    cr_assert(rc != -1 && WIFEXITED(rc), "%s", cmd);
    char path[128];
    snprintf(path, sizeof path, "/tmp/embedsyn_sim_cli.%d.out", (int)getpid());
    char *out = slurp(path, out_len);
    free(out);
    unlink(path);
    long el;
    snprintf(path, sizeof path, "/tmp/embedsyn_sim_cli.%d.err", (int)getpid());
    *err = slurp(path, &el);
    unlink(path);
    return WEXITSTATUS(rc);
}

Test(sim_cli, hostile_corpus) {
    find_cli();
    FILE *f = fopen(CORPUS "/cases.txt", "r");
    cr_assert(f);
    char line[1024];
    int ncases = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *p1 = strchr(line, '|'), *p2 = p1 ? strchr(p1 + 1, '|') : NULL;
        cr_assert(p1 && p2, "bad line: %s", line);
        *p1 = *p2 = 0;
        int want = atoi(line);
        const char *msg = p1 + 1;
        char args[2048];
        size_t k = 0;
        for (const char *a = p2 + 1; *a && k + sizeof CORPUS < sizeof args; a++) {
            if (*a == '@') {
                memcpy(args + k, CORPUS, sizeof CORPUS - 1);
                k += sizeof CORPUS - 1;
            } else {
                args[k++] = *a;
            }
        }
        args[k] = 0;
        char *err;
        long out_len;
        int rc = run_cli(args, &err, &out_len);
        cr_expect_eq(rc, want, "%s: exit %d, expected %d (stderr: %s)", args, rc, want, err);
        cr_expect(strstr(err, msg), "%s: stderr lacks '%s': %s", args, msg, err);
        cr_expect(out_len < 4096, "%s: %ld bytes of output", args, out_len);
        free(err);
        ncases++;
    }
    fclose(f);
    cr_assert_geq(ncases, 10);
}

/* An image over 4 GiB (sparse: no disk space used) is refused before reading. */
Test(sim_cli, image_over_4_gib) {
    find_cli();
    char path[128];
    snprintf(path, sizeof path, "/tmp/embedsyn_sim_cli_big.%d.bin", (int)getpid());
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(ftruncate(fileno(f), (off_t)((1ll << 32) + 1)), 0);
    fclose(f);
    const char *cmds[2] = {"sim", "disasm"};
    for (int c = 0; c < 2; c++) {
        char args[512];
        snprintf(args, sizeof args, "%s --dram %s --insn-addr 0 --insn-count 1", cmds[c], path);
        char *err;
        long out_len;
        cr_expect_eq(run_cli(args, &err, &out_len), 2, "%s: %s", cmds[c], err);
        cr_expect(strstr(err, "4294967297 bytes, larger than the 4 GiB"), "%s: %s", cmds[c], err);
        free(err);
    }
    unlink(path);
}
