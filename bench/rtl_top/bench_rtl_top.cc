// Times the Verilated lutsim_top on a whole generated network (default: LeNet-5, 4-bit per-layer LUTs, the
// default 16x16 config): wall time of one inference and simulated cycles per second. See README.md.
//
//   bench_rtl_top [--arch lenet5|resnet18|mobilenetv2] [--size N] [--width W] [--hw PRESET] [--reps N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lutsim/firmware/compiler.h"
#include "lutsim/rtl/top_sim.h"
#include "lutsim/zoo/zoo.h"

using namespace lutsim;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  zoo::ZooOptions zo;
  std::string hw_name = "default";
  int reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--arch") {
      if (!zoo::parse_arch(v, &zo.arch)) return std::fprintf(stderr, "unknown --arch %s\n", v.c_str()), 2;
    } else if (k == "--size") {
      zo.input_size = std::atoi(v.c_str());
    } else if (k == "--width") {
      zo.width = std::atof(v.c_str());
    } else if (k == "--hw") {
      hw_name = v;
    } else if (k == "--reps") {
      reps = std::max(1, std::atoi(v.c_str()));
    } else {
      return std::fprintf(stderr, "unknown option %s\n", k.c_str()), 2;
    }
  }
  try {
    const HwConfig hw = load_hw_config(hw_name);
    zo.acc_bits = hw.acc_bits;
    const Network net = zoo::build(zo);
    const Program p = compile(net, hw);
    const Tensor x = zoo::random_input(net, 1, 7);
    const ValueRegion& iv = p.values.at(static_cast<std::size_t>(p.input));
    auto sim = rtl::make_top_sim(hw);
    std::vector<double> wall;
    std::int64_t cycles = 0;
    for (int r = 0; r < reps; ++r) {
      std::vector<std::uint8_t> dram(p.dram_bytes, 0);
      std::memcpy(dram.data(), p.dram_init.data(), p.dram_init.size());
      std::memcpy(dram.data() + iv.addr, x.raw(), iv.bytes());
      rtl::TopRunOptions o;
      o.record_writes = false;
      const auto t0 = Clock::now();
      cycles = sim->run(p, dram, o).cycles;
      wall.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::sort(wall.begin(), wall.end());
    const double med = wall[wall.size() / 2];
    std::printf("network %s (%zu layers, %zu instructions), hw %s (%dx%d)\n", net.name.c_str(), net.layers.size(),
                p.code.size(), hw.name.c_str(), hw.rows, hw.cols);
    std::printf("cycles per inference: %lld\n", static_cast<long long>(cycles));
    std::printf("wall time per inference: median %.2f s, best %.2f s over %d runs\n", med, wall.front(), reps);
    std::printf("simulation speed: %.0f cycles/s (median), %.0f cycles/s (best)\n", static_cast<double>(cycles) / med,
                static_cast<double>(cycles) / wall.front());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rtl_top: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
