/* cmd_disasm: `embedsyn disasm` prints the instructions of a program bundle or of a raw
 * DRAM image, one line each, optionally with the micro-ops every LOAD UOP brings in.
 * Exit status: 0 all instructions decode, 1 some are invalid (printed as <invalid>),
 * 2 bad input or usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/commands.h"
#include "core/spec.h"
#include "core/text.h"
#include "vta/isa.h"
#include "vta/prog.h"

static const char disasm_help[] =
    "usage: embedsyn disasm BUNDLE_DIR [--uops] [--json]\n"
    "       embedsyn disasm --dram IMAGE --insn-addr A --insn-count N [--hw FILE] [--uops] [--json]\n\n"
    "Disassembles a VTA program: the bundle's instruction stream (program.xml says where it\n"
    "is and which hardware it targets), or N instructions at byte address A of a flat DRAM\n"
    "image (A and N decimal or 0x-hex; hardware: the built-in default or --hw FILE).\n\n"
    "  --uops        after each LOAD UOP, list the micro-ops it loads (SRAM row, DRAM\n"
    "                address, acc/inp/wgt indices)\n"
    "  --json        one JSON object per instruction instead of text\n"
    "  -h, --help    this text\n\n"
    "Exit status: 0 ok, 1 some instruction does not decode, 2 bad input or usage.\n";

static void json_insn(FILE *f, uint64_t i, uint64_t addr, const vta_insn *in, const char *text) {
    fprintf(f, "{\"index\":%llu,\"address\":%llu,\"text\":", (unsigned long long)i,
            (unsigned long long)addr);
    text_json_str(f, text);
    fprintf(f, ",\"opcode\":\"%s\",\"pop_prev\":%d,\"pop_next\":%d,\"push_prev\":%d,"
               "\"push_next\":%d", vta_opcode_name(in->opcode), in->pop_prev, in->pop_next,
            in->push_prev, in->push_next);
    switch (in->opcode) {
    case VTA_OP_LOAD:
    case VTA_OP_STORE:
        fprintf(f, ",\"memory_type\":\"%s\",\"sram_base\":%u,\"dram_base\":%u,\"y_size\":%u,"
                   "\"x_size\":%u,\"x_stride\":%u,\"y_pad_0\":%u,\"y_pad_1\":%u,\"x_pad_0\":%u,"
                   "\"x_pad_1\":%u", vta_mem_name(in->mem_type), in->sram_base, in->dram_base,
                in->y_size, in->x_size, in->x_stride, in->y_pad_0, in->y_pad_1, in->x_pad_0,
                in->x_pad_1);
        break;
    case VTA_OP_GEMM:
    case VTA_OP_ALU:
        fprintf(f, ",\"reset\":%d,\"uop_bgn\":%u,\"uop_end\":%u,\"iter_out\":%u,\"iter_in\":%u,"
                   "\"dst_factor_out\":%u,\"dst_factor_in\":%u,\"src_factor_out\":%u,"
                   "\"src_factor_in\":%u", in->reset, in->uop_bgn, in->uop_end, in->iter_out,
                in->iter_in, in->dst_factor_out, in->dst_factor_in, in->src_factor_out,
                in->src_factor_in);
        if (in->opcode == VTA_OP_GEMM)
            fprintf(f, ",\"wgt_factor_out\":%u,\"wgt_factor_in\":%u", in->wgt_factor_out,
                    in->wgt_factor_in);
        else
            fprintf(f, ",\"alu_opcode\":\"%s\",\"use_imm\":%d,\"imm\":%d",
                    vta_alu_name(in->alu_opcode), in->use_imm, in->imm);
        break;
    default: break;
    }
    fprintf(f, "}\n");
}

/* --json: one object per instruction; invalid ones carry "error". Returns #invalid. */
static int64_t disasm_json(const hw_config *hw, const uint8_t *img, uint64_t bytes,
                           uint64_t addr, uint64_t count) {
    int64_t bad = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t a = addr + 16 * i;
        if (a < addr || a > bytes || bytes - a < 16) {
            printf("{\"index\":%llu,\"address\":%llu,\"error\":\"outside the DRAM image\"}\n",
                   (unsigned long long)i, (unsigned long long)a);
            bad++;
            continue;
        }
        vta_insn in;
        status st;
        status_init(&st);
        if (!vta_insn_decode(hw, vta_word128_load(img + a), &in, &st)) {
            printf("{\"index\":%llu,\"address\":%llu,\"error\":", (unsigned long long)i,
                   (unsigned long long)a);
            text_json_str(stdout, st.msg);
            printf("}\n");
            bad++;
            continue;
        }
        char text[256];
        vta_insn_format(&in, text, sizeof text);
        json_insn(stdout, i, a, &in, text);
    }
    return bad;
}


int cmd_disasm(int argc, char **argv) {
    const char *bundle = NULL, *dram = NULL, *hw_path = NULL, *addr_s = NULL, *count_s = NULL;
    bool uops = false, json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(disasm_help, stdout);
            return 0;
        }
        const char **slot = !strcmp(a, "--dram")         ? &dram
                            : !strcmp(a, "--insn-addr")  ? &addr_s
                            : !strcmp(a, "--insn-count") ? &count_s
                            : !strcmp(a, "--hw")         ? &hw_path
                                                         : NULL;
        if (slot) {
            if (i + 1 >= argc)
                return cli_usage_error("disasm", "%s needs a value", a);
            *slot = argv[++i];
        } else if (!strcmp(a, "--uops")) {
            uops = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (a[0] == '-') {
            return cli_usage_error("disasm", "unknown option '%s'", a);
        } else if (!bundle) {
            bundle = a;
        } else {
            return cli_usage_error("disasm", "more than one bundle directory ('%s')", a);
        }
    }
    if (!bundle == !dram)
        return cli_usage_error("disasm", "%s", "give either a BUNDLE_DIR or --dram IMAGE");
    if (bundle && (addr_s || count_s || hw_path))
        return cli_usage_error("disasm", "%s", "--insn-addr/--insn-count/--hw go with --dram, not with a bundle");
    status st;
    status_init(&st);
    int64_t bad;
    if (bundle) {
        vta_prog *p = vta_bundle_read(bundle, &st);
        if (!p)
            return cli_fail("disasm", &st);
        uint64_t bytes;
        uint8_t *img = vta_prog_dram(p, &bytes);
        const hw_config *hw = vta_prog_hw(p);
        if (json) {
            bad = disasm_json(hw, img, bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p));
        } else {
            printf("# %s: %llu instructions at 0x%llx, hardware %s\n", bundle,
                   (unsigned long long)vta_prog_insn_count(p),
                   (unsigned long long)vta_prog_insn_addr(p), hw->name);
            bad = vta_disasm_image(stdout, hw, img, bytes, vta_prog_insn_addr(p),
                                   vta_prog_insn_count(p), uops);
        }
        vta_prog_destroy(p);
    } else {
        uint64_t addr, count;
        if (!addr_s || !count_s)
            return cli_usage_error("disasm", "%s", "--dram needs --insn-addr A and --insn-count N");
        if (!cli_parse_u64(addr_s, &addr))
            return cli_usage_error("disasm", "--insn-addr: '%s' is not a decimal or 0x-hex number", addr_s);
        if (!cli_parse_u64(count_s, &count))
            return cli_usage_error("disasm", "--insn-count: '%s' is not a decimal or 0x-hex number", count_s);
        hw_config hw = hw_default();
        if (hw_path && !hw_load(hw_path, &hw, &st))
            return cli_fail("disasm", &st);
        if (!vta_isa_check(&hw, &st))
            return cli_fail("disasm", &st);
        uint64_t bytes = 0;
        uint8_t *img = vta_image_read(dram, &bytes, &st);
        if (!img)
            return cli_fail("disasm", &st);
        if (addr > bytes || (bytes - addr) / 16 < count) {
            fprintf(stderr, "embedsyn disasm: %s: %llu instructions at 0x%llx do not fit in the "
                            "image of %llu bytes\n", dram, (unsigned long long)count,
                    (unsigned long long)addr, (unsigned long long)bytes);
            free(img);
            return 2;
        }
        bad = json ? disasm_json(&hw, img, bytes, addr, count)
                   : vta_disasm_image(stdout, &hw, img, bytes, addr, count, uops);
        free(img);
    }
    if (bad) {
        fprintf(stderr, "embedsyn disasm: %lld invalid instruction(s) or micro-op read(s)\n",
                (long long)bad);
        return 1;
    }
    return 0;
}
