// Verilator simulation speed of the RTL core: a 16x16 array (A = 32) running GEMMs back to back through the
// harness (SRAM models, every request granted), single-threaded. Prints cycles per second for each repetition, the
// median and the fastest. The first GEMM is checked against the ISA interpreter so a broken model cannot be timed.
//
// Usage: bench_rtl_core [--reps N] [--gemms N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <vector>

#include "Vrtl_core_r16c16_a32.h"
#include "core_harness.h"

using namespace lutsim;
using namespace lutsim::rtlcore;

int main(int argc, char** argv) {
  int reps = 5, gemms = 400;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--gemms")) gemms = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_rtl_core [--reps N] [--gemms N]\n");
      return 2;
    }
  }
  const CoreConfig cfg{16, 16, 32, 16, 16, 12, 10};
  VerilatedContext ctx;
  CoreHarness<Vrtl_core_r16c16_a32> h(&ctx, cfg);
  std::mt19937_64 rng(1);
  fill_random(h.mem(), rng);

  // A 3x3 convolution tile of 16 input channels: 8x8 output pixels, 9 weight blocks, 4-bit per-channel LUTs.
  isa::Wcfg w;
  w.mode = 2;
  w.bits = 4;
  isa::Gemm g;
  g.accumulate = 1;
  g.n_cols = 16;
  g.out_h = 8;
  g.out_w = 8;
  g.taps_y = 3;
  g.taps_x = 3;
  g.span = 16;
  g.pix_stride = 16;
  g.row_stride = 16 * 10;
  const std::vector<isa::Instruction> first = {isa::Instruction{{}, w}, isa::Instruction{{}, g}};
  const Memories want = reference(cfg, h.mem(), first);
  h.run(encode_all(first));
  if (const std::string d = compare_acc(cfg, want.acc, h.mem().acc); !d.empty()) {
    std::fprintf(stderr, "bench_rtl_core: the RTL disagrees with the interpreter: %s\n", d.c_str());
    return 1;
  }
  const std::vector<isa::Word> prog(static_cast<std::size_t>(gemms), isa::encode(isa::Instruction{{}, g}));
  std::vector<double> rate, cpu_rate;
  std::printf("16x16 array, A = 32, GEMM 8x8 pixels x 3x3 taps x 16 rows (%d per repetition), single thread\n", gemms);
  for (int r = 0; r < reps; ++r) {
    const std::uint64_t c0 = h.cycle();
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t p0 = std::clock();
    h.run(prog);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = static_cast<double>(std::clock() - p0) / CLOCKS_PER_SEC;
    const double cyc = static_cast<double>(h.cycle() - c0);
    rate.push_back(cyc / s);
    cpu_rate.push_back(cyc / cpu);
    std::printf("rep %d: %.0f cycles in %.3f s wall (%.0f cycles/s), %.3f s CPU (%.0f cycles/s)\n", r, cyc, s,
                cyc / s, cpu, cyc / cpu);
  }
  // Wall-clock rates fall when other processes share the cores; the CPU-time rate is this process's own speed.
  for (auto* v : {&rate, &cpu_rate}) std::sort(v->begin(), v->end());
  std::printf("wall: median %.0f cycles/s, fastest %.0f cycles/s\n", rate[rate.size() / 2], rate.back());
  std::printf("CPU:  median %.0f cycles/s, fastest %.0f cycles/s\n", cpu_rate[cpu_rate.size() / 2], cpu_rate.back());
  return 0;
}
