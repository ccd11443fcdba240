#include "post_reference.h"

#include <algorithm>

namespace lutsim::rtl {

HwConfig post_hw_config(const PostParams& p) {
  HwConfig hw;
  hw.name = "rtl_post_c" + std::to_string(p.cols) + "_v" + std::to_string(p.v);
  hw.cols = p.cols;
  hw.rows = std::max(p.v, 1);
  hw.acc_bits = p.acc_bits;
  hw.rounding = p.rounding;
  hw.act_sram_bytes = p.act_bytes;
  hw.param_sram_bytes = p.param_bytes;
  hw.acc_sram_bytes = p.acc_bytes;
  return hw;
}

void copy_memories(Machine& m, Memories& mem) {
  mem.cols = m.hw().cols;
  mem.act.assign(m.act().begin(), m.act().end());
  mem.param.assign(m.param().begin(), m.param().end());
  mem.acc.assign(m.acc().begin(), m.acc().end());
}

std::string compare_memories(Machine& m, const Memories& mem, const std::string& what) {
  const auto act = m.act();
  if (act.size() != mem.act.size()) return what + ": act SRAM sizes differ";
  for (std::size_t i = 0; i < act.size(); ++i)
    if (act[i] != mem.act[i])
      return what + ": act byte " + std::to_string(i) + ": interpreter " + std::to_string(act[i]) + ", RTL " +
             std::to_string(mem.act[i]);
  const auto acc = m.acc();
  if (acc.size() != mem.acc.size()) return what + ": acc SRAM sizes differ";
  const std::size_t C = static_cast<std::size_t>(m.hw().cols);
  for (std::size_t i = 0; i < acc.size(); ++i)
    if (acc[i] != mem.acc[i])
      return what + ": acc entry " + std::to_string(i / C) + " lane " + std::to_string(i % C) + ": interpreter " +
             std::to_string(acc[i]) + ", RTL " + std::to_string(mem.acc[i]);
  return "";
}

}  // namespace lutsim::rtl
