#include "ppu.h"

#include "../sram/sram.h"

namespace lutsim::sim {

PpuTiming ppu_timing(const isa::Ppu& p, const HwConfig& hw) {
  PpuTiming t;
  t.setup = 1 + (p.bias_en ? 4 : 0) + (p.shift_per_channel ? 1 : 0);
  t.per_entry = p.out_s32 ? port_accesses(4 * std::int64_t{hw.cols}, act_port_bytes(hw)) : 1;
  t.issue = t.setup + p.n_pix * t.per_entry;
  t.total = t.issue + 4;
  return t;
}

}  // namespace lutsim::sim
