/* Tests of core/status (first failure wins, FILE:LINE format, overflow helpers) and
 * core/arena (zeroed, aligned, survives many blocks) and vta/hw (derived sizes). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/status.h"
#include "vta/hw.h"

Test(status, first_failure_wins_and_has_location) {
    status st;
    status_init(&st);
    cr_assert(status_ok(&st));
    cr_assert_not(status_fail_at(&st, "a.xml", 12, "bad %s", "thing"));
    status_fail(&st, "second");
    cr_assert_not(status_ok(&st));
    cr_assert_str_eq(st.msg, "a.xml:12: bad thing");
}

/* status_context: "CONTEXT: message" on a failure, nothing on a clean status; a long
 * message is cut, never overflowed. */
Test(status, context_names_where) {
    status st;
    status_init(&st);
    cr_assert_not(status_context(&st, "node '%s'", "c1"));
    cr_assert(status_ok(&st), "a clean status stays clean");
    status_fail(&st, "tile %d too large", 9);
    status_context(&st, "node '%s'", "c1");
    status_context(&st, "segment %d", 2);
    cr_assert_str_eq(st.msg, "segment 2: node 'c1': tile 9 too large");
    char big[2 * STATUS_MSG_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    status_context(&st, "%s", big);
    cr_assert_eq(strlen(st.msg), STATUS_MSG_MAX - 1);
}

Test(status, overflow_helpers) {
    int64_t r;
    cr_assert(es_mul_i64(1 << 20, 1 << 20, &r));
    cr_assert_eq(r, (int64_t)1 << 40);
    cr_assert_not(es_mul_i64(INT64_MAX / 2 + 1, 2, &r));
    cr_assert_not(es_add_i64(INT64_MAX, 1, &r));
    cr_assert_eq(es_ceil_div(100, 16), 7);
    cr_assert_eq(es_ceil_div(96, 16), 6);
}

Test(arena, zeroed_aligned_many_blocks) {
    arena *a = arena_create();
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(i * 37 % 5000 + 1);
        unsigned char *p = arena_alloc(a, n);
        cr_assert_eq((uintptr_t)p % 16, 0);
        for (size_t j = 0; j < n; j++)
            cr_assert_eq(p[j], 0);
        memset(p, 0xab, n);
    }
    char *s = arena_strdup(a, "hello");
    cr_assert_str_eq(s, "hello");
    arena_destroy(a);
}

Test(hw, default_matches_tvm_vta) {
    hw_config h = hw_default();
    status st;
    status_init(&st);
    cr_assert(hw_check(&h, &st), "%s", st.msg);
    cr_assert_eq(hw_batch(&h), 1);
    cr_assert_eq(hw_block_in(&h), 16);
    cr_assert_eq(hw_block_out(&h), 16);
    cr_assert_eq(hw_depth(&h, HW_MEM_UOP), 8192);
    cr_assert_eq(hw_depth(&h, HW_MEM_INP), 2048);
    cr_assert_eq(hw_depth(&h, HW_MEM_WGT), 1024);
    cr_assert_eq(hw_depth(&h, HW_MEM_ACC), 2048);
    cr_assert_eq(hw_depth(&h, HW_MEM_OUT), 2048);
    cr_assert_eq(hw_elem_bytes(&h, HW_MEM_WGT), 256);
    cr_assert_eq(hw_elem_bytes(&h, HW_MEM_ACC), 64);
    cr_assert_eq(hw_bus_bytes(&h), 8);
}

Test(hw, rejects_unsupported_widths) {
    hw_config h = hw_default();
    h.log_acc_width = 4;
    status st;
    status_init(&st);
    cr_assert_not(hw_check(&h, &st));
    cr_assert(strstr(st.msg, "int32") != NULL);
}
