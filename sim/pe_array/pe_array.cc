#include "pe_array.h"

#include <algorithm>

namespace lutsim::sim {

GemmTiming gemm_timing(const isa::Gemm& g, const HwConfig& hw) {
  GemmTiming t;
  const std::int64_t R = hw.rows, C = hw.cols;
  t.pixels = g.out_h * g.out_w;
  t.nblocks = g.taps_y * g.taps_x * ((g.span + R - 1) / R);
  t.weight_load = std::max<std::int64_t>(R, 2);
  t.stream = (t.nblocks - 1) * std::max({t.pixels, R, std::int64_t{2}}) + t.pixels;
  t.drain = R + C - 1 + 2;
  return t;
}

std::int64_t wcfg_cycles(const isa::Wcfg& w, const HwConfig& hw) {
  switch (static_cast<isa::WeightMode>(w.mode)) {
    case isa::WeightMode::PerLayer: return 1 + ((std::int64_t{1} << w.bits) + hw.cols - 1) / hw.cols;
    case isa::WeightMode::PerChannel: return 1 + (std::int64_t{1} << w.bits);
    default: return 1;
  }
}

std::int64_t wcfg_param_reads(const isa::Wcfg& w, const HwConfig& hw) {
  switch (static_cast<isa::WeightMode>(w.mode)) {
    case isa::WeightMode::PerLayer: return ((std::int64_t{1} << w.bits) + hw.cols - 1) / hw.cols;
    case isa::WeightMode::PerChannel: return std::int64_t{1} << w.bits;
    default: return 0;
  }
}

}  // namespace lutsim::sim
