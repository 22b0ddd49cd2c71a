#!/usr/bin/env python3
"""Writes the hostile DRAM images of this corpus (default VTA field layout, DESIGN
section 5). cases.txt holds the command, exit status and message expected of each."""
import os

def word(fields):
    w = 0
    for lo, width, v in fields:
        assert 0 <= v < (1 << width)
        w |= v << lo
    return w.to_bytes(16, "little")

def load(mem, sram, dram, y, x, stride):
    return word([(0, 3, 0), (7, 3, mem), (10, 16, sram), (26, 32, dram), (64, 16, y), (80, 16, x), (96, 16, stride)])

def gemm(bgn, end, it_out, it_in):
    return word([(0, 3, 2), (8, 13, bgn), (21, 14, end), (35, 14, it_out), (49, 14, it_in)])

FINISH = word([(0, 3, 3)])
here = os.path.dirname(os.path.abspath(__file__))

def image(name, insns, size):
    data = bytearray(size)
    for i, w in enumerate(insns):
        data[16 * i:16 * i + 16] = w
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)

# one LOAD UOP of 65535 x 65535 micro-ops (disasm --uops listed all of them)
image("uop_flood.bin", [load(0, 0, 1, 65535, 65535, 65535), FINISH], 4096)
# LOAD UOP of 8191 zero micro-ops, one GEMM over them x 16383 x 16383, FINISH (hours
# of functional simulation without a work limit)
image("huge_gemm.bin", [load(0, 0, 1024, 1, 8191, 8191), gemm(0, 8191, 16383, 16383), FINISH], 4096 + 8191 * 4)
# a small valid image for the argument errors (one FINISH)
image("finish_only.bin", [FINISH], 64)
image("empty.bin", [], 0)
