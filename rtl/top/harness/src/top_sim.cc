// The configurations of lutsim_top this library was built with (rtl/top/CMakeLists.txt: one Verilated model each).
#include "lutsim/rtl/top_sim.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "lutsim/firmware/image_runner.h"
#include "lutsim/model/error.h"
#include "top_sim_impl.h"
#ifdef LUTSIM_RTL_TOP_DEFAULT
#include "Vlutsim_top_default.h"
#endif
#ifdef LUTSIM_RTL_TOP_SMALL
#include "Vlutsim_top_small.h"
#endif

namespace lutsim::rtl {

std::vector<std::int64_t> layer_bounds(const TopRunResult& r, const std::vector<LayerRange>& layers) {
  return layer_windows(layers, r.complete, 0);
}

namespace {

struct Built {
  const char* preset;                                        // the configs/ preset it was built from
  std::unique_ptr<TopSim> (*make)(const HwConfig& hw);
};

// What the RTL fixes at build time (the DRAM bandwidth and latency belong to the harness's DRAM model).
bool same_machine(const HwConfig& a, const HwConfig& b) {
  return a.rows == b.rows && a.cols == b.cols && a.acc_bits == b.acc_bits && a.rounding == b.rounding &&
         a.act_sram_bytes == b.act_sram_bytes && a.weight_sram_bytes == b.weight_sram_bytes &&
         a.acc_sram_bytes == b.acc_sram_bytes && a.param_sram_bytes == b.param_sram_bytes &&
         a.queue_depth == b.queue_depth && a.dram_burst_bytes == b.dram_burst_bytes &&
         a.dram_max_outstanding == b.dram_max_outstanding &&
         std::max(64, static_cast<int>(std::bit_ceil(static_cast<unsigned>(std::ceil(a.dram_bytes_per_cycle))))) ==
             std::max(64, static_cast<int>(std::bit_ceil(static_cast<unsigned>(std::ceil(b.dram_bytes_per_cycle)))));
}

template <class Model>
std::unique_ptr<TopSim> make(const HwConfig& hw) {
  return std::make_unique<TopSimImpl<Model>>(hw, hw.dram_burst_bytes);
}

const std::vector<Built>& built() {
  static const std::vector<Built> b = {
#ifdef LUTSIM_RTL_TOP_DEFAULT
      {"default", make<Vlutsim_top_default>},
#endif
#ifdef LUTSIM_RTL_TOP_SMALL
      {"small", make<Vlutsim_top_small>},
#endif
  };
  return b;
}

}  // namespace

std::vector<std::string> top_sim_configs() {
  std::vector<std::string> v;
  for (const Built& b : built()) v.emplace_back(b.preset);
  return v;
}

std::unique_ptr<TopSim> make_top_sim(const HwConfig& hw) {
  std::string names;
  for (const Built& b : built()) {
    if (same_machine(hw, load_hw_config(b.preset))) return b.make(hw);
    names += (names.empty() ? "" : ", ") + std::string(b.preset);
  }
  throw Error("RTL: no Verilated lutsim_top for hardware config '" + hw.name + "' (" + std::to_string(hw.rows) + "x" +
              std::to_string(hw.cols) + ", A = " + std::to_string(hw.acc_bits) +
              "); this build has the presets " + names +
              " (array size, accumulator width, rounding, SRAM sizes, queue depth, DRAM burst and outstanding "
              "bursts must match; add a configuration in rtl/top/CMakeLists.txt)");
}

}  // namespace lutsim::rtl
