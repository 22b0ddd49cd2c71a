/* cost_sim: the figure the cost model is validated against: the schedule lowered to its
 * VTA program (vta/codegen) and run on the cycle simulator in timing-only mode.
 * Invariant: the program is exactly the one the driver would run for (o, e, n, s). */
#include "vta/cost.h"

#include "vta/lower.h"
#include "vta/prog.h"

bool cost_sim(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s, sim_report *rep,
              status *st) {
    vta_prog *p;
    lower_stats ls;
    if (!lower_codegen(o, hw, e, n, s, &p, &ls, st)) return false;
    bool ok = vta_prog_finalize(p, st);
    if (ok) {
        uint64_t bytes;
        uint8_t *dram = vta_prog_dram(p, &bytes);
        sim_options so = {.timing_only = true};
        ok = sim_run(hw, dram, bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p), &so, rep, st);
    }
    vta_prog_destroy(p);
    return ok;
}
