/* netlayout: the joint layout choice over a network's layers (issue 15). A problem is
 * a set of variables (one per VTA layer), each with a few alternatives (an embedding
 * and the layouts it implies) of known cost (simulated cycles), and edges (producer,
 * consumer) whose cost matrix prices the transition between the producer's output
 * layout and the consumer's input layout. nl_solve minimizes the sum of alternative
 * and edge costs exactly by variable elimination (dynamic programming over the
 * elimination order's tree decomposition: on a chain it is the plain DP, on a DAG with
 * residual edges its tables span the order's induced width). When a table would pass
 * NL_MAX_TABLE entries it falls back to coordinate descent from the layer-alone
 * choice and says so (NL_HEURISTIC).
 * Invariant: nl_eval(p, choice) of the returned choice equals the returned total, and
 * with NL_OPTIMAL no other assignment has a smaller nl_eval. */
#ifndef EMBEDSYN_NETLAYOUT_H
#define EMBEDSYN_NETLAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/es.h"
#include "core/status.h"

#define NL_STATUSES(X) X(NL_OPTIMAL, "optimal") X(NL_HEURISTIC, "heuristic")
typedef enum { NL_STATUSES(ES_ID2) } nl_status;
const char *nl_status_name(nl_status s);

/* Largest table (entries) of one eliminated factor before the heuristic fallback. */
#define NL_MAX_TABLE (1 << 22)
#define NL_MAX_ALTS 64

typedef struct nl_problem nl_problem;

nl_problem *nl_create(int32_t nvars);
void nl_destroy(nl_problem *p);
int32_t nl_nvars(const nl_problem *p);
/* Alternatives of variable v and their costs (nalt 1..NL_MAX_ALTS, costs finite). */
bool nl_set_alts(nl_problem *p, int32_t v, int32_t nalt, const double *cost, status *st);
int32_t nl_nalts(const nl_problem *p, int32_t v);
/* Edge u -> v (u != v, both with alternatives set): cost[a_u * nalt(v) + a_v]. */
bool nl_add_edge(nl_problem *p, int32_t u, int32_t v, const double *cost, status *st);

/* Total cost of an assignment (choice[v] < nalt(v)). */
double nl_eval(const nl_problem *p, const int32_t *choice);
/* Each variable's cheapest alternative alone (ties: the lowest index). */
void nl_choose_alone(const nl_problem *p, int32_t *choice);

typedef struct nl_result {
    nl_status status;
    double total;      /* nl_eval of choice */
    int64_t max_table; /* largest factor table built (the width's measure) */
    double solve_ms;
} nl_result;

/* Minimizes nl_eval; choice has nvars entries. False + status only on bad input
 * (a variable without alternatives) or out of memory. */
bool nl_solve(const nl_problem *p, int32_t *choice, nl_result *r, status *st);

#endif
