#include "ppu.h"

#include "../sram/sram.h"

namespace lutsim::sim {

PpuTiming ppu_timing(const isa::Ppu& p, const HwConfig& hw) {
  PpuTiming t;
  t.bias_reads = p.bias_en ? port_accesses(4 * p.n_cols, hw.cols) : 0;
  t.shift_reads = p.shift_per_channel && !p.out_s32 ? 1 : 0;
  t.setup = 1 + t.bias_reads + t.shift_reads;
  t.per_entry = p.out_s32 ? port_accesses(4 * p.n_cols, act_port_bytes(hw)) : 1;
  t.issue = t.setup + p.n_pix * t.per_entry;
  t.total = t.issue + 4;
  return t;
}

}  // namespace lutsim::sim
