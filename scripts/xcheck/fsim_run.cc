// Runs one VTA program on TVM's VTA functional simulator (src/sim/sim_driver.cc,
// sim_tlpp.cc, src/vmem/virtual_memory.cc of apache/tvm-vta, unmodified; built by
// scripts/xcheck-vta) and writes the final DRAM image. The image's first page is
// unused; its bytes from 4096 on go into the simulator's first allocation, which the
// simulator's virtual memory places at physical page 1 (checked).
//   fsim_run DRAM.bin INSN_ADDR INSN_COUNT OUT.bin    -> prints "fsim_ms=<ms>"
#include <vta/driver.h>
#include <vta/hw_spec.h>

#include <chrono>

#include "harness.h"

int main(int argc, char** argv) {
  HarnessArgs a = HarnessParse(argc, argv);
  const size_t kBase = VTA_PAGE_BYTES;
  if (a.dram.size() <= kBase || a.insn_addr < kBase) {
    std::fprintf(stderr, "%s: the program must lie after the first %zu bytes\n", argv[1], kBase);
    return 2;
  }
  VTADeviceHandle dev = VTADeviceAlloc();
  size_t bytes = a.dram.size() - kBase;
  void* buf = VTAMemAlloc(bytes, 0);
  vta_phy_addr_t phy = VTAMemGetPhyAddr(buf);
  if (phy != kBase) {
    std::fprintf(stderr, "first allocation at physical 0x%llx, expected 0x%zx\n", (unsigned long long)phy, kBase);
    return 2;
  }
  VTAMemCopyFromHost(buf, a.dram.data() + kBase, bytes);
  auto t0 = std::chrono::steady_clock::now();
  int rc = VTADeviceRun(dev, (vta_phy_addr_t)a.insn_addr, (uint32_t)a.insn_count, 1u << 31);
  auto t1 = std::chrono::steady_clock::now();
  std::vector<unsigned char> out(a.dram.size(), 0);
  VTAMemCopyToHost(out.data() + kBase, buf, bytes);
  HarnessWrite(a.out, out.data(), out.size());
  std::printf("fsim_ms=%.1f rc=%d\n", std::chrono::duration<double, std::milli>(t1 - t0).count(), rc);
  VTADeviceFree(dev);
  return rc == 0 ? 0 : 1;
}
