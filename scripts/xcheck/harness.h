// The command line shared by fsim_run.cc and hls_run.cc (scripts/xcheck-vta builds
// both): X DRAM.bin INSN_ADDR INSN_COUNT OUT.bin runs the INSN_COUNT instructions at
// byte INSN_ADDR of the flat DRAM image (byte offset = VTA physical address) and
// writes the final image to OUT.bin. Bad arguments or files: a message, exit 2.
#ifndef XCHECK_HARNESS_H_
#define XCHECK_HARNESS_H_
#include <cstdio>
#include <cstdlib>
#include <vector>

struct HarnessArgs {
  std::vector<unsigned char> dram;
  unsigned long long insn_addr;
  unsigned long insn_count;
  const char* out;
};

static HarnessArgs HarnessParse(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DRAM.bin INSN_ADDR INSN_COUNT OUT.bin\n", argv[0]);
    std::exit(2);
  }
  HarnessArgs a;
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); std::exit(2); }
  unsigned char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) a.dram.insert(a.dram.end(), buf, buf + n);
  std::fclose(f);
  a.insn_addr = std::strtoull(argv[2], nullptr, 0);
  a.insn_count = std::strtoul(argv[3], nullptr, 0);
  a.out = argv[4];
  if (a.insn_addr % 16 || a.insn_count == 0 || a.insn_addr + 16ull * a.insn_count > a.dram.size()) {
    std::fprintf(stderr, "%s: instructions [%llu, +%lu x 16) outside the image of %zu bytes\n", argv[1],
                 a.insn_addr, a.insn_count, a.dram.size());
    std::exit(2);
  }
  return a;
}

static void HarnessWrite(const char* path, const unsigned char* p, size_t n) {
  FILE* f = std::fopen(path, "wb");
  if (!f || std::fwrite(p, 1, n, f) != n || std::fclose(f) != 0) {
    std::perror(path);
    std::exit(2);
  }
}
#endif  // XCHECK_HARNESS_H_
