// The post-processing unit (docs/architecture.md sections 8 and 11): C lanes, accumulator SRAM -> activation
// SRAM. Timing as a function of the instruction and the config; data by Machine::execute.
#pragma once

#include <cstdint>

#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"

namespace lutsim::sim {

// Setup (section 11, measured on the RTL): 1, + ceil(4 n_cols / C) to read the biases (C bytes per cycle), + 1 to
// read per-channel shifts (8-bit outputs only); then one entry per cycle, or ceil(4 n_cols / V) cycles per entry
// for raw s32 outputs (through the V-byte port); 4 cycles of latency.
struct PpuTiming {
  std::int64_t bias_reads = 0, shift_reads = 0;  // param SRAM port accesses
  std::int64_t setup = 0;
  std::int64_t per_entry = 1;
  std::int64_t issue = 0;  // setup + n_pix x per_entry
  std::int64_t total = 0;  // issue + 4
};
PpuTiming ppu_timing(const isa::Ppu& p, const HwConfig& hw);

}  // namespace lutsim::sim
