/* Tests of the target seam: the intrinsic (core/hw.h) a VTA config hands to core/ and
 * encoders/ (vta/hw.h: hw_intrinsic_of, HW_INTRINSIC) and the shapes the embedding code
 * accepts (core/emb.h: emb_check_intrinsic), against the definitions written out here. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/emb.h"
#include "core/status.h"
#include "vta/hw.h"

/* Every lane/width combination of a small grid: the intrinsic is the config's lanes and
 * element bytes (bits / 8 per lane), HW_INTRINSIC gives the same record, and the
 * embedding code accepts exactly int8/int32 with BATCH 1..16 and BLOCK 2..64. */
Test(hw, intrinsic_of_config_and_accepted_shapes) {
    int tried = 0, accepted = 0;
    for (int lb = 0; lb <= 6; lb++)
        for (int li = 0; li <= 8; li++)
            for (int lo = 0; lo <= 8; lo += 2)
                for (int w = 0; w < 3; w++) {
                    hw_config h = hw_default();
                    h.log_batch = lb;
                    h.log_block_in = li;
                    h.log_block_out = lo;
                    h.log_inp_width = w == 1 ? 4 : 3;
                    h.log_acc_width = w == 2 ? 4 : 5;
                    int64_t b = 1 << lb, bi = 1 << li, bo = 1 << lo;
                    int64_t ib = (1 << h.log_inp_width) / 8, ab = (1 << h.log_acc_width) / 8;
                    hw_intrinsic in = hw_intrinsic_of(&h);
                    cr_assert(in.batch == b && in.block_in == bi && in.block_out == bo);
                    cr_assert_eq(in.inp_bytes, b * bi * ib);
                    cr_assert_eq(in.wgt_bytes, bo * bi);
                    cr_assert_eq(in.acc_bytes, b * bo * ab);
                    cr_assert_eq(in.out_bytes, b * bo * ib);
                    cr_assert(!memcmp(HW_INTRINSIC(&h), &in, sizeof in));
                    bool want = lb <= 4 && li >= 1 && li <= 6 && lo >= 1 && lo <= 6 && w == 0;
                    status st;
                    status_init(&st);
                    bool got = emb_check_intrinsic(&in, &st);
                    cr_assert_eq(got, want, "B %lld BI %lld BO %lld width case %d: %s", (long long)b,
                                 (long long)bi, (long long)bo, w, st.msg);
                    /* a config hw_check accepts is always one the embedding code takes */
                    status hs;
                    status_init(&hs);
                    if (hw_check(&h, &hs)) cr_assert(got, "%s", st.msg);
                    tried++;
                    accepted += got;
                }
    cr_assert_eq(tried, 7 * 9 * 5 * 3);
    cr_assert_eq(accepted, 5 * 6 * 3); /* lb 0..4, li 1..6, lo 2,4,6 */
}
