// The PE array and its weight path (docs/architecture.md sections 6 and 11): WCFG loads the column LUTs, GEMM
// streams pixels through the weight-stationary array. The timing is a function of the instruction and the config;
// the SystemC compute queue (controller/) waits for it. The data is computed by Machine::execute.
#pragma once

#include <cstdint>

#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"

namespace lutsim::sim {

// A GEMM's phases, in cycles from its start (section 11, measured on the RTL): block 0 loads in L0 = max(R, 2)
// cycles (one weight row per cycle); each further block takes Q = max(P, R, 2) cycles (P pixels, one per cycle,
// while the next block loads into the shadow registers), the last block only its P pixels; then the array drains
// (R + C - 1) and the accumulators are written back (2). The next compute instruction may start after issue(); the
// GEMM completes (pushes its tokens) after total() = L0 + (nblocks - 1) Q + P + R + C + 1.
struct GemmTiming {
  std::int64_t pixels = 0;       // P = out_h x out_w
  std::int64_t nblocks = 0;      // taps_y x taps_x x ceil(span / R)
  std::int64_t weight_load = 0;  // L0 = max(R, 2)
  std::int64_t stream = 0;       // (nblocks - 1) x max(P, R, 2) + P
  std::int64_t drain = 0;        // R + C - 1 + 2
  std::int64_t issue() const { return weight_load + stream; }
  std::int64_t total() const { return weight_load + stream + drain; }
};
GemmTiming gemm_timing(const isa::Gemm& g, const HwConfig& hw);

// WCFG: 1 cycle, plus ceil(2^b / C) reads of C bytes to broadcast a per-layer LUT or 2^b to load per-channel LUTs.
std::int64_t wcfg_cycles(const isa::Wcfg& w, const HwConfig& hw);
// Param SRAM port accesses of a WCFG: ceil(2^b / C) (per-layer LUT), 2^b (per-channel), 0 (raw).
std::int64_t wcfg_param_reads(const isa::Wcfg& w, const HwConfig& hw);

}  // namespace lutsim::sim
