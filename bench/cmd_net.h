/* cmd_net: whole networks on VTA (issue 15, back end). A flow takes a checked network
 * (core/net.h), places its nodes (CONV/DENSE on VTA, the rest on the host; the
 * reference flow also keeps the first conv and the final dense on the host, as TVM's
 * graph_pack does), lists per VTA layer a few layout alternatives (embeddings, each
 * simulated timing-only through the one-layer pipeline of bench/driver), prices every
 * activation's transition between the producer's output layout and the consumer's input
 * layout (core/netlayout_map.h; host nodes read and write the canonical channel-packed
 * layout), chooses the alternatives jointly (core/netlayout.h) and runs the network:
 * each VTA layer's program on the simulator with the real activations and weights, the
 * host nodes on the host (net_ref_node), every tensor compared bit for bit with the C
 * reference of the network (net_ref_run) when checked.
 * The layer programs run one after the other on the simulator, each with its own DRAM
 * image; the transitions between them are priced, not simulated. One program per
 * network (one image, one stream, simulated end to end) is netrun_prog below. */
#ifndef EMBEDSYN_BENCH_CMD_NET_H
#define EMBEDSYN_BENCH_CMD_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/driver.h"
#include "core/net.h"
#include "core/netlayout.h"
#include "core/netlayout_map.h"
#include "core/status.h"
#include "vta/hw.h"

#define NETRUN_FLOWS(X) X(NETRUN_EMBEDSYN, "embedsyn") X(NETRUN_REFERENCE, "reference")
typedef enum { NETRUN_FLOWS(ES_ID2) NETRUN_NFLOWS } netrun_flow;
const char *netrun_flow_name(netrun_flow f);
/* A flow's name -> the flow; false for an unknown name. */
bool netrun_flow_parse(const char *s, netrun_flow *f);

/* Which conv/dense layers go to VTA. graph-pack: the reference flow's placement (the
 * first conv and the final dense on the host, and any layer the reference embedding
 * does not fit), so that both flows offload the same layers and their totals compare;
 * all: every conv and dense layer an embedding fits. The reference flow always uses
 * graph-pack. */
#define NETRUN_PLACEMENTS(X) X(NETRUN_PLACE_GRAPH_PACK, "graph-pack") X(NETRUN_PLACE_ALL, "all")
typedef enum { NETRUN_PLACEMENTS(ES_ID2) NETRUN_NPLACEMENTS } netrun_placement;
const char *netrun_placement_name(netrun_placement p);
bool netrun_placement_parse(const char *s, netrun_placement *p);

/* Alternatives that are not the solver's: the reference (channel packing with TVM's
 * schedule template), channel packing with the searched schedule, full im2col, and for
 * depthwise convs the group band (emb_group_band: channel-packed input and output). */
#define NETRUN_FIXED_ALTS 4
#define NETRUN_MAX_SOLVER_ALTS 5 /* --alts */
/* Two variants of each (the input's zero bands left to the DMA or kept in DRAM). */
#define NETRUN_MAX_ALTS (2 * (NETRUN_FIXED_ALTS + NETRUN_MAX_SOLVER_ALTS))
/* Default solver budget per query (a depthwise layer: ~5 s CPU at most). */
#define NETRUN_RLIMIT 10000000ull

typedef struct netrun_opts {
    netrun_flow flow;
    netrun_placement placement; /* embedsyn flow (the reference flow: graph-pack) */
    hw_config hw;
    int32_t max_alts;   /* solver alternatives per distinct layer: the optimum under the
                         * cycles objective, then up to max_alts - 1 points of the Pareto
                         * front (0: no solver) */
    uint64_t rlimit;    /* solver budget per query (the optimum; the front): Z3 rlimit */
    double timeout_s;   /* solver wall clock per query: a hang guard only */
    bool timing_only;   /* no values: cycles only */
    bool check;         /* every tensor vs net_ref_run */
    uint64_t seed;      /* the input tensor's values */
    bool progress;      /* one line per layer on stderr */
    void (*stage)(const char *what); /* told what the flow is doing (progress lines), or NULL */
    const char *cache;  /* alternatives file to reuse and extend (NULL: none) */
    int jobs;           /* worker processes computing the distinct layers' alternatives
                         * (bench/pool.h; the result does not depend on it) */
    const char *bundle; /* the one program's run (with data): each segment written there
                         * as a bundle just before it runs, and the steps in order
                         * (NULL: none) */
} netrun_opts;

void netrun_opts_init(netrun_opts *o);

typedef struct netrun_alt {
    emb e;
    driver_choice src;     /* where it came from: reference, solver, channel packing, im2col */
    target_act act;        /* its input's DRAM layout: COMPACT (zero bands by the DMA) or
                            * PADDED (zero bands in DRAM: faster on small maps) */
    uint64_t cycles;       /* simulated (timing-only; the functional run takes the same) */
    char sched[TARGET_SCHED_TEXT]; /* the schedule its simulation chose, saved (driver_result
                            * sched_saved): later runs take it without searching
                            * (driver_opts.sched_text) */
    char layout_class[64];
    char layout[160];
} netrun_alt;

typedef struct netrun_layer {
    int32_t node;
    net_engine engine;     /* where this flow runs it */
    int32_t nalts;
    netrun_alt alt[NETRUN_MAX_ALTS];
    int32_t chosen, alone; /* joint choice; the layer-alone choice */
    double trans_in;       /* cycles of the transitions into this layer's input (chosen) */
    double trans_out;      /* to the canonical layout for host consumers (chosen) */
    nl_trans_kind trans_kind_in;
    nl_trans_kind trans_kind_out;
    net_host_work host;    /* when on the host */
    driver_check check;    /* the layer's own output vs ref_run on the same input */
    bool key_first;        /* the first layer of its shape (distinct layers) */
    bool cached;           /* its alternatives came from the cache */
    double solve_cpu_ms;   /* CPU time of the solver queries (first of its shape only) */
    uint64_t solve_rlimit; /* their Z3 rlimit count (deterministic effort) */
    int64_t floor_cycles;  /* the layer's hardware floor (cost_vta_floor), on VTA */
} netrun_layer;

/* The figures of one program per network (netrun_prog_run below). */
typedef struct netrun_prog_result {
    int32_t nlayers;         /* VTA layers in the program */
    int32_t nsegments;       /* FINISH-terminated segments */
    int32_t nhost;           /* host nodes run at hand-offs */
    int32_t ndirect;         /* layer inputs read in place (the `same` transition) */
    int32_t nstored;         /* layer inputs written by the producer's extra STOREs */
    int64_t store_vectors;   /* vectors those STOREs write */
    int32_t nrelayout;       /* layer inputs re-laid out by the host at a hand-off */
    uint64_t cycles;         /* simulated: the sum over the segments */
    uint64_t layer_cycles;   /* the same layers each simulated alone (the flow's figures) */
    int64_t relayout_bytes;  /* bytes the host wrote in re-layouts */
    double relayout_cycles;  /* their price as the flow prices the transition
                              * (nl_transition_of: a host producer writes the extra
                              * vectors of a `store`; else a copy), not simulated */
    int64_t insns;
    uint64_t image_bytes;
    driver_check check;
    char check_msg[256];
} netrun_prog_result;

typedef struct netrun_result {
    netrun_flow flow;
    netrun_placement placement;
    int32_t nlayers;
    netrun_layer *layer;   /* one per node, node order */
    uint64_t vta_cycles;   /* sum of the chosen layers' simulated cycles */
    uint64_t vta_floor;    /* sum of their hardware floors: no program of them is faster */
    double trans_cycles;   /* sum of the priced transitions */
    double total_cycles;   /* vta + transitions (= the joint objective) */
    double alone_total;    /* the layer-alone choice, transitions paid */
    nl_result solve;
    net_host_work host;    /* sum over the host nodes of this flow */
    int32_t nvta, nhost, ndistinct;
    driver_check check;    /* whole network vs net_ref_run */
    char check_msg[256];
    double compile_ms, run_ms;
    double solve_cpu_ms;   /* solver CPU time over the distinct layers */
    uint64_t solve_rlimit; /* their Z3 rlimit count */
    bool one_program;      /* prog holds the one-program run (--one-program) */
    netrun_prog_result prog;
} netrun_result;

/* The flow on network g (checked by net_check first). False + status on bad input or an
 * error of a stage (naming the node); a failed check is a result. */
bool netrun_run(const net *g, const netrun_opts *o, netrun_result *r, status *st);
/* o->stage(printf(fmt, ...)) when o->stage is set. */
void netrun_stage(const netrun_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void netrun_result_free(netrun_result *r);

/* The alternatives cache (bench/cmd_net_cache.c, `--cache FILE`): per distinct layer
 * its alternatives, keyed by netrun_cache_key (layer shape and requantization text,
 * hardware config, flow, solver options, and the cost model's version, which chose the
 * cached alternatives' schedules and so their cycles). open reads the file (malformed
 * lines are skipped) and appends to it (path NULL: a cache in memory only, as the
 * network flow uses to read back its worker processes' lines); get copies a complete
 * entry whose embeddings all build for o into l (false: a miss); put adds l's
 * alternatives (and appends them to the file); write prints them as cache lines to f;
 * add_line adds one such line (false: malformed). */
typedef struct netrun_cache netrun_cache;
uint64_t netrun_cache_key(const char *layer_key, const netrun_opts *o);
/* The same key for a given cost-model version (netrun_cache_key: COST_MODEL_VERSION). */
uint64_t netrun_cache_key_at(const char *layer_key, const netrun_opts *o, int model_version);
netrun_cache *netrun_cache_open(const char *path, status *st);
bool netrun_cache_get(const netrun_cache *c, uint64_t key, const op *o, const hw_config *hw, netrun_layer *l);
void netrun_cache_put(netrun_cache *c, uint64_t key, const netrun_layer *l);
void netrun_cache_write(FILE *f, uint64_t key, const netrun_layer *l);
bool netrun_cache_add_line(netrun_cache *c, const char *line);
void netrun_cache_close(netrun_cache *c);

/* Stage 3 (bench/cmd_net_price.c): per VTA layer the layout problem's pieces, from the
 * layout maps of its alternatives, its producer's and the canonical layout of host
 * producers and consumers (core/netlayout_map). */
typedef struct netrun_lvar {
    int32_t var;                        /* index in the problem, -1 off VTA (set by the choice) */
    double bin[NETRUN_MAX_ALTS];        /* boundary cost of the input (host producer) */
    nl_trans_kind kin[NETRUN_MAX_ALTS];
    double bout[NETRUN_MAX_ALTS];       /* boundary cost of the output (host consumers) */
    nl_trans_kind kout[NETRUN_MAX_ALTS];
    int32_t prod;                       /* VTA producer node of in[0], or -1 */
    double *em;                         /* edge matrix prod -> this, [a_prod * nalts + a] (malloc'd) */
    nl_trans_kind *ek;
} netrun_lvar;
/* Prices every VTA layer of L into V[node] on opt->jobs worker processes (the figures
 * come back as text, exactly: the same with any number of jobs). False + status on an
 * error of a layer's maps or a stop request. */
bool netrun_price(const net *g, const netrun_opts *opt, const netrun_layer *L, netrun_lvar *V, status *st);

/* op Out natural index -> the node's output tensor index (-1: cropped away), or NULL
 * when they are the same (malloc'd; bench/cmd_net_run.c). */
int32_t *netrun_out_remap(const net *g, const net_node *n);

/* One program per network (bench/cmd_net_prog.c, vta/netprog.h): the layers a flow
 * chose (r from netrun_run), their weights, biases and micro-ops and every activation
 * in one DRAM image, their code in one instruction stream split into segments at the
 * host hand-offs (host nodes; re-layouts into a consumer's own input region when the
 * region holding the tensor is not already in the consumer's layout), simulated in
 * order on that image; checked: every tensor read back from the image vs net_ref_run. */

typedef struct netrun_prog netrun_prog;
netrun_prog *netrun_prog_build(const net *g, const netrun_opts *o, const netrun_result *r, status *st);
/* Runs it (o: timing_only, check, seed); res gets the figures. */
bool netrun_prog_run(netrun_prog *q, const netrun_opts *o, netrun_prog_result *res, status *st);
void netrun_prog_destroy(netrun_prog *q);
struct netprog;
struct netprog *netrun_prog_image(netrun_prog *q);
/* The netprog layer of a node, or -1 (not on VTA). */
int32_t netrun_prog_layer(const netrun_prog *q, int32_t node);
/* build + run + destroy. */
bool netrun_one_program(const net *g, const netrun_opts *o, const netrun_result *r, netrun_prog_result *res,
                        status *st);

/* Small networks built in C (bench/cmd_net_builtin.c), for tests and for trying the
 * command without an ONNX file: "tiny" (conv, depthwise, 1x1 conv, residual add, max
 * pool, global average pool, flatten, dense), "chain" (three convs in a row) and
 * "down" (a 3x3 conv, then a stride-2 1x1 conv reading every other pixel, then a 3x3).
 * Random weights from seed. NULL + status for an unknown name. */
net *netrun_builtin(const char *name, uint64_t seed, status *st);
#define NETRUN_BUILTINS "tiny, chain, down, block"

/* Output (bench/net_report.c): the per-layer table, JSON, Markdown report, SVG of the
 * per-layer cycles of two flows (b may be NULL), and the suite of distinct VTA layers. */
void net_report_table(FILE *f, const net *g, const netrun_result *r);
void net_report_json(FILE *f, const net *g, const netrun_result *r);
void net_report_md(FILE *f, const net *g, const netrun_result *a, const netrun_result *b);
void net_report_svg(FILE *f, const net *g, const netrun_result *a, const netrun_result *b);
bool net_report_suite(const char *path, const net *g, const netrun_result *r, status *st);

#endif
