/* embedsyn.h: the stable C API of libembedsyn (installed with the library; see the
 * README section "Install and the C API"). Load an operator and a hardware
 * configuration, synthesize the optimal embedding of the operator into VTA's GEMM
 * instruction with Z3, lower an embedding to a VTA program, and simulate it (with a
 * check of the output against the reference implementation).
 *
 * Conventions: objects are opaque handles with a create/free pair; a function that can
 * fail on bad input returns NULL or false and writes a message ("FILE:LINE: ..." for
 * files) into err[0..errlen) when err is not NULL. Nothing here prints. The functions
 * are not thread-safe on the same handle; different handles are independent. */
#ifndef EMBEDSYN_H
#define EMBEDSYN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMBEDSYN_API_VERSION 1

/* "VERSION (git REVISION, Z3 X.Y.Z)", e.g. "0.1.0 (git 1a2b3c4, Z3 4.8.12)". */
const char *embedsyn_version(void);

/* ---- specs -------------------------------------------------------------------------- */

typedef struct embedsyn_hw embedsyn_hw;   /* a VTA hardware configuration */
typedef struct embedsyn_op embedsyn_op;   /* an operator (conv2d, depthwise, GEMM, affine) */

/* TVM's default VTA (1x16x16 GEMM, int8 operands). */
embedsyn_hw *embedsyn_hw_default(void);
/* A <hardware> XML file (core/schemas/hardware.xsd). */
embedsyn_hw *embedsyn_hw_load(const char *path, char *err, size_t errlen);
void embedsyn_hw_free(embedsyn_hw *hw);

/* An <operator> XML file (core/schemas/operator.xsd). */
embedsyn_op *embedsyn_op_load(const char *path, char *err, size_t errlen);
/* Inline shapes as on the command line: "N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3"
 * (embedsyn_op_conv) or "M=35,N=700,K=2048" (embedsyn_op_gemm). */
embedsyn_op *embedsyn_op_conv(const char *shape, char *err, size_t errlen);
embedsyn_op *embedsyn_op_gemm(const char *shape, char *err, size_t errlen);
void embedsyn_op_free(embedsyn_op *op);
const char *embedsyn_op_name(const embedsyn_op *op);
/* Multiply-accumulates of the operator. */
int64_t embedsyn_op_macs(const embedsyn_op *op);
/* One-line description, e.g. "conv2d N=1 C=3 ... -> 112x112, 118013952 MACs". */
void embedsyn_op_describe(const embedsyn_op *op, char *buf, size_t len);

/* ---- embeddings and synthesis --------------------------------------------------------- */

typedef struct embedsyn_emb embedsyn_emb; /* an embedding of an operator into GEMM */

typedef enum {
    EMBEDSYN_OBJ_UTILIZATION = 0, /* fewest GEMM micro-op iterations */
    EMBEDSYN_OBJ_LAYOUT = 1,      /* fewest DRAM bytes of the packed operands */
    EMBEDSYN_OBJ_LEX = 2          /* utilization, then layout bytes (the CLI's default) */
} embedsyn_objective;

typedef struct embedsyn_solve_info {
    int64_t instances;            /* GEMM micro-op iterations */
    int64_t lower_bound;          /* scalar lower bound on instances */
    double utilization;           /* MACs / (instances x lanes) */
    int64_t dram_bytes;           /* bytes of the packed inp, wgt and out layouts */
    bool proven;                  /* optimal over the search space, proven */
    bool global;                  /* the optimum meets the scalar lower bound */
    bool complete;                /* false: the resource limit cut the search short (the
                                     embedding is the best found, not proven) */
    double solve_ms;
    char layout[160];             /* e.g. "im2col over (c,r,s), ... utilization 91.9%" */
} embedsyn_solve_info;

/* The optimal embedding with Z3 under a deterministic resource limit (rlimit 0 = the
 * default, enough for every DeepBench layer); info may be NULL. NULL if no embedding
 * was found or the input is bad. */
embedsyn_emb *embedsyn_solve(const embedsyn_op *op, const embedsyn_hw *hw,
                             embedsyn_objective objective, uint64_t rlimit,
                             embedsyn_solve_info *info, char *err, size_t errlen);
/* The reference embedding (TVM's channel packing). */
embedsyn_emb *embedsyn_emb_reference(const embedsyn_op *op, const embedsyn_hw *hw, char *err,
                                     size_t errlen);
/* An <embedding> XML file for op (core/schemas/embedding.xsd). */
embedsyn_emb *embedsyn_emb_load(const char *path, const embedsyn_op *op, char *err,
                                size_t errlen);
/* Writes e as embedding XML (loads back with embedsyn_emb_load). */
void embedsyn_emb_write(FILE *f, const embedsyn_op *op, const embedsyn_emb *e);
void embedsyn_emb_free(embedsyn_emb *e);

/* ---- lowering and simulation ------------------------------------------------------------ */

typedef struct embedsyn_run_opts {
    bool check;                   /* functional simulation, compare every output */
    int64_t check_sample;         /* > 0 (and !check): compare this many sampled outputs */
    uint64_t seed;                /* operand data seed (0 = 1) */
    const char *bundle_dir;       /* also write the program bundle here (created), or NULL */
} embedsyn_run_opts;

typedef struct embedsyn_run_info {
    uint64_t cycles;              /* simulated cycles */
    double utilization;
    int64_t dram_bytes;
    bool checked;                 /* a check ran */
    bool check_passed;            /* ... and every compared output matched */
    char schedule[320];           /* the chosen tiling / loop order */
} embedsyn_run_info;

/* Lowers e (NULL: TVM's reference strategy) to a VTA program and simulates it; opts
 * may be NULL (timing only, no check). False on bad input or a lowering error; a
 * failed check is a result (check_passed false). */
bool embedsyn_run(const embedsyn_op *op, const embedsyn_hw *hw, const embedsyn_emb *e,
                  const embedsyn_run_opts *opts, embedsyn_run_info *info, char *err,
                  size_t errlen);
/* Lowers e (NULL: the reference strategy) and writes the bundle (dram.bin,
 * program.xml, listing.txt) to dir without simulating. */
bool embedsyn_compile(const embedsyn_op *op, const embedsyn_hw *hw, const embedsyn_emb *e,
                      const char *dir, uint64_t seed, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
