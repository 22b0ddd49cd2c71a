// Runs one VTA program (flat DRAM image + instruction address/count) through the
// VTA HLS C++ model (tvm-vta hardware/xilinx/src/vta.cc, C simulation) and writes
// the final DRAM image.
//
//   hls_run DRAM.bin INSN_ADDR INSN_COUNT OUT.bin  -> prints "hls_ms=<ms>"
//
// All six DRAM pointers passed to vta() are the base of the image (physical
// address 0): VTA instructions carry DRAM addresses as element indexes from
// physical 0 (the TVM PYNQ driver programs every base-address register with 0);
// only insns is the image base + INSN_ADDR.
//
// vta()'s own stdout (it prints "waiting on ..." when its scheduler gives up) is
// captured and copied to stderr. The run counts as failed (exit 3, "DEADLOCK" on
// stdout) if any such line appears or if not every fetched instruction reached
// its stage (counted by the hls::stream shim). vta() asserts that all dependence
// queues are empty at the end; that assert aborts the process.
#include "vta.h"

#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static_assert(sizeof(bus_T) == VTA_BUS_WIDTH / 8, "bus_T must be raw bits");
static_assert(sizeof(ap_uint<64>) == 8, "ap_uint<64> must be raw bits");
static_assert(sizeof(uop_T) == VTA_UOP_WIDTH / 8, "uop_T must be raw bits");
static_assert(sizeof(insn_T) == VTA_INS_WIDTH / 8, "insn_T must be raw bits");
static_assert(sizeof(insn_T) == sizeof(VTAGenericInsn), "insn layout");
static_assert(INP_MAT_AXI_RATIO * VTA_BUS_WIDTH / 8 == VTA_INP_ELEM_BYTES, "inp ratio");
static_assert(WGT_MAT_AXI_RATIO * VTA_BUS_WIDTH / 8 == VTA_WGT_ELEM_BYTES, "wgt ratio");
static_assert(ACC_MAT_AXI_RATIO * VTA_BUS_WIDTH / 8 == VTA_ACC_ELEM_BYTES, "acc ratio");
static_assert(OUT_MAT_AXI_RATIO * VTA_BUS_WIDTH / 8 == VTA_OUT_ELEM_BYTES, "out ratio");

static int g_capture_fd = -1;

// On abort (e.g. vta()'s final assert), copy what vta() printed to stderr.
static void OnAbort(int) {
  if (g_capture_fd < 0) return;
  char buf[4096];
  off_t pos = lseek(g_capture_fd, 0, SEEK_SET);
  (void)pos;
  ssize_t n;
  static const char hdr[] = "vta() stdout before abort:\n";
  (void)!write(2, hdr, sizeof hdr - 1);
  while ((n = read(g_capture_fd, buf, sizeof buf)) > 0) (void)!write(2, buf, n);
}

// Highest DRAM byte touched by a LOAD/STORE (exclusive), or 0 for other insns.
static unsigned long long MemEnd(const VTAMemInsn& m) {
  if (m.opcode != VTA_OPCODE_LOAD && m.opcode != VTA_OPCODE_STORE) return 0;
  if (m.y_size == 0 || m.x_size == 0) return 0;
  unsigned long long eb;
  if (m.opcode == VTA_OPCODE_STORE) eb = VTA_OUT_ELEM_BYTES;
  else if (m.memory_type == VTA_MEM_ID_UOP) eb = VTA_UOP_ELEM_BYTES;
  else if (m.memory_type == VTA_MEM_ID_INP) eb = VTA_INP_ELEM_BYTES;
  else if (m.memory_type == VTA_MEM_ID_WGT) eb = VTA_WGT_ELEM_BYTES;
  else if (m.memory_type == VTA_MEM_ID_ACC) eb = VTA_ACC_ELEM_BYTES;
  else return 0;
  unsigned long long y = (m.memory_type == VTA_MEM_ID_UOP && m.opcode == VTA_OPCODE_LOAD) ? 1 : m.y_size;
  return ((unsigned long long)m.dram_base + (y - 1) * m.x_stride + m.x_size) * eb;
}

int main(int argc, char** argv) {
  const HarnessArgs a = HarnessParse(argc, argv);
  const unsigned long long insn_addr = a.insn_addr;
  const unsigned long insn_count = a.insn_count;
  const size_t size = a.dram.size();
  // An 8-byte aligned copy, its length rounded up to whole 64-bit words.
  std::vector<unsigned long long> words((size + 7) / 8, 0);
  unsigned char* base = reinterpret_cast<unsigned char*>(words.data());
  std::memcpy(base, a.dram.data(), size);
  const size_t padded = words.size() * 8;

  // Refuse programs whose DMA would leave the image (vta() does no bounds checks).
  for (unsigned long i = 0; i < insn_count; i++) {
    VTAMemInsn m;
    std::memcpy(&m, base + insn_addr + VTA_INS_ELEM_BYTES * i, sizeof m);
    unsigned long long end = MemEnd(m);
    if (end > padded) {
      std::fprintf(stderr, "OUT-OF-IMAGE: instruction %lu accesses DRAM up to byte %llu > image %zu\n",
                   i, end, padded);
      std::printf("OUT-OF-IMAGE\n");
      return 2;
    }
  }

  // Capture vta()'s stdout.
  std::fflush(stdout);
  FILE* cap = std::tmpfile();
  if (!cap) { std::perror("tmpfile"); return 2; }
  int saved_stdout = dup(1);
  g_capture_fd = fileno(cap);
  dup2(g_capture_fd, 1);
  signal(SIGABRT, OnAbort);

  auto t0 = std::chrono::steady_clock::now();
  vta((uint32_t)insn_count,
      reinterpret_cast<volatile insn_T*>(base + insn_addr),
      reinterpret_cast<volatile uop_T*>(base),
      reinterpret_cast<volatile bus_T*>(base),
      reinterpret_cast<volatile bus_T*>(base),
      reinterpret_cast<volatile bus_T*>(base),
      reinterpret_cast<volatile bus_T*>(base));
  auto t1 = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();

  std::fflush(stdout);
  dup2(saved_stdout, 1);
  close(saved_stdout);
  signal(SIGABRT, SIG_DFL);
  std::string vta_out;
  {
    std::rewind(cap);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, cap)) > 0) vta_out.append(buf, n);
    std::fclose(cap);
    g_capture_fd = -1;
  }
  if (!vta_out.empty()) std::fprintf(stderr, "vta() stdout: %s", vta_out.c_str());

  // fetch() writes every instruction once into a staging queue; the scheduler
  // moves each executed one into its stage queue, and the stage reads it.
  unsigned long long w = hls::stream<insn_T>::total_writes;
  unsigned long long r = hls::stream<insn_T>::total_reads;
  unsigned long long left = hls::stream<insn_T>::left_unread;
  bool complete = (w == 2ull * insn_count && r == 2ull * insn_count && left == 0);
  bool waiting = vta_out.find("waiting on") != std::string::npos;

  HarnessWrite(a.out, base, size);
  std::printf("hls_ms=%.1f executed=%llu/%lu\n", ms, w >= insn_count ? w - insn_count : 0,
              insn_count);
  if (waiting || !complete) {
    // DEADLOCK: the scheduler gave up with a stage waiting on a token;
    // INCOMPLETE: it stopped (FINISH reached) with instructions not executed.
    std::printf("%s insn_stream writes=%llu reads=%llu unread=%llu\n",
                waiting ? "DEADLOCK" : "INCOMPLETE", w, r, left);
    return 3;
  }
  return 0;
}
