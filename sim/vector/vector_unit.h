// The vector unit (docs/architecture.md sections 9 and 11): C lanes reading the activation SRAM's compute port
// and writing the accumulator SRAM. Timing as a function of the instruction; data by Machine::execute.
#pragma once

#include <cstdint>

#include "lutsim/firmware/isa.h"

namespace lutsim::sim {

// MAX/SUM: 1 cycle of setup, one C-lane vector per cycle (P x taps), 3 cycles of latency.
// ADD: two operand reads per pixel on the one compute port: 1 + 2P + 3.
struct VecTiming {
  std::int64_t pixels = 0, taps = 0;
  std::int64_t issue = 0;  // cycles until the last vector is read; the next compute instruction may start then
  std::int64_t total = 0;  // cycles until the last accumulator entry is written
};
VecTiming vec_timing(const isa::Vec& v);

}  // namespace lutsim::sim
