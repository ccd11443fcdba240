// Shared helpers of the firmware tests: hardware configs for the sweep and a bit-exact comparison of the ISA
// interpreter with the golden model that names the first mismatch.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/executor.h"

namespace lutsim::fwtest {

inline HwConfig make_hw(std::string name, int rows, int cols, int acc_bits, Rounding r, std::int64_t act_kib,
                        std::int64_t wgt_kib, std::int64_t acc_kib, std::int64_t par_kib, bool per_layer = true,
                        bool per_channel = true) {
  HwConfig h;
  h.name = std::move(name);
  h.rows = rows;
  h.cols = cols;
  h.acc_bits = acc_bits;
  h.rounding = r;
  h.act_sram_bytes = act_kib * 1024;
  h.weight_sram_bytes = wgt_kib * 1024;
  h.acc_sram_bytes = acc_kib * 1024;
  h.param_sram_bytes = par_kib * 1024;
  h.lut_per_layer = per_layer;
  h.lut_per_channel = per_channel;
  return h;
}

// The configs of the sweep: arrays from 3x5 to 64x64 (square and not), every rounding mode, A = 16, 24, 32, odd
// SRAM sizes (tiling and single buffering), both LUT modes and machines with only one of them.
inline std::vector<HwConfig> sweep_configs() {
  return {
      load_hw_config("small"),    // 4x4, A 24, half_even
      load_hw_config("default"),  // 16x16, A 32, half_up
      make_hw("r8c32_a16_floor_odd", 8, 32, 16, Rounding::Floor, 37, 3, 5, 1, true, false),
      make_hw("r64c64_pc_only", 64, 64, 32, Rounding::HalfEven, 512, 256, 128, 64, false, true),
      make_hw("r3c5_a32_floor", 3, 5, 32, Rounding::Floor, 19, 7, 3, 1),
      make_hw("r32c8_a24_tiny", 32, 8, 24, Rounding::HalfUp, 9, 5, 1, 1),
      make_hw("r16c64_a16", 16, 64, 16, Rounding::HalfEven, 64, 33, 17, 5),
  };
}

// Compiles `net` for `hw`, runs it on the interpreter and the golden model and expects every value bit-exact, the
// MAC counts equal and no token left. Returns false (without failing) when the compiler reports that an SRAM is
// too small, so a sweep can skip configs that cannot hold a layer.
inline bool expect_isa_equals_golden(const Network& net, const HwConfig& hw, const Tensor& input,
                                     Schedule sched = Schedule::ProgramOrder, bool double_buffer = true,
                                     bool portable = false) {
  SCOPED_TRACE("network '" + net.name + "' on hw '" + hw.name + "', schedule " + std::string(schedule_name(sched)));
  Program p;
  try {
    p = compile(net, hw, CompileOptions{double_buffer});
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find("is too small") != std::string::npos) return false;
    ADD_FAILURE() << "compile failed: " << msg;
    return false;
  }
  Executor ex(net, hw.arith(), ExecOptions{Backend::Fast, 1, true});
  const RunResult g = ex.run(input);
  IsaResult r;
  try {
    r = interpret(p, input, IsaOptions{sched, true, portable});
  } catch (const Error& e) {
    ADD_FAILURE() << "interpret failed: " << e.what();
    return true;
  }
  for (std::size_t id = 0; id < net.values.size(); ++id) {
    const Tensor& a = g.values[id];
    const Tensor& b = r.values[id];
    if (a.same_values(b)) continue;
    std::int64_t i = 0;
    while (i < a.numel() && a.get(i) == b.get(i)) ++i;
    const int prod = net.producer(static_cast<int>(id));
    ADD_FAILURE() << "value '" << net.values[id].name << "' (layer '" << (prod >= 0 ? net.layers[static_cast<std::size_t>(prod)].name : "input")
                  << "') differs first at flat index " << i << " (c = " << i % net.values[id].c << "): golden "
                  << (i < a.numel() ? a.get(i) : 0) << ", isa " << (i < b.numel() ? b.get(i) : 0);
    return true;
  }
  std::int64_t golden_macs = 0;
  for (const LayerStats& s : g.stats) golden_macs += s.macs;
  EXPECT_EQ(r.stats.macs, golden_macs);
  EXPECT_EQ(r.tokens_left, (std::array<int, 4>{0, 0, 0, 0}));
  return true;
}

}  // namespace lutsim::fwtest
