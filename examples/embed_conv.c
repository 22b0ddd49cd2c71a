/* embed_conv: a small program against the installed library (include/embedsyn.h).
 * Synthesizes the optimal embedding of a conv layer with Z3, then lowers and simulates
 * both it and TVM's reference strategy on the VTA simulator, checking a sample of the
 * outputs against the reference implementation, and prints the speedup.
 *
 *   cc embed_conv.c $(pkg-config --cflags --libs embedsyn) -o embed_conv
 *   ./embed_conv [CONV_SHAPE]      (default: a 3-channel 3x3 conv on 32x32)
 *
 * Exit status 0 when both checks pass, 1 otherwise. */
#include <embedsyn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    const char *shape = argc > 1 ? argv[1] : "N=1,C=3,H=32,W=32,K=16,R=3,S=3,pad=1";
    char err[512];
    printf("embedsyn %s\n", embedsyn_version());
    embedsyn_op *op = embedsyn_op_conv(shape, err, sizeof err);
    if (!op) {
        fprintf(stderr, "embed_conv: %s\n", err);
        return 2;
    }
    embedsyn_hw *hw = embedsyn_hw_default();
    char desc[256];
    embedsyn_op_describe(op, desc, sizeof desc);
    printf("operator: %s\n", desc);

    embedsyn_solve_info si;
    embedsyn_emb *e = embedsyn_solve(op, hw, EMBEDSYN_OBJ_LEX, 0, &si, err, sizeof err);
    if (!e) {
        fprintf(stderr, "embed_conv: %s\n", err);
        return 1;
    }
    printf("embedding: %s\n", si.layout);
    printf("  instances %lld (lower bound %lld), %s%s\n", (long long)si.instances,
           (long long)si.lower_bound, si.proven ? "proven optimal" : "not proven",
           si.global ? ", globally" : "");

    embedsyn_run_opts ro = {.check_sample = 64, .seed = 1};
    embedsyn_run_info ours, ref;
    if (!embedsyn_run(op, hw, e, &ro, &ours, err, sizeof err) ||
        !embedsyn_run(op, hw, NULL, &ro, &ref, err, sizeof err)) {
        fprintf(stderr, "embed_conv: %s\n", err);
        return 1;
    }
    printf("cycles: embedsyn %llu (check %s), reference %llu (check %s), speedup %.2fx\n",
           (unsigned long long)ours.cycles, ours.check_passed ? "pass" : "FAIL",
           (unsigned long long)ref.cycles, ref.check_passed ? "pass" : "FAIL",
           (double)ref.cycles / (double)ours.cycles);
    int rc = ours.check_passed && ref.check_passed ? 0 : 1;
    embedsyn_emb_free(e);
    embedsyn_hw_free(hw);
    embedsyn_op_free(op);
    return rc;
}
