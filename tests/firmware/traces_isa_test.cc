// The golden regression traces (traces/) on the ISA interpreter: each trace's network, compiled for its hardware
// config (and for the small and large presets with the trace's arithmetic), must reproduce expected_output.npy.
#include <gtest/gtest.h>

#include <filesystem>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/model/format.h"

namespace lutsim {
namespace {

namespace fs = std::filesystem;

TEST(Traces, EveryTraceBitExactOnTheIsa) {
  const fs::path root = fs::path(LUTSIM_SOURCE_DIR) / "traces";
  int n = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "net.npz")) continue;
    SCOPED_TRACE(entry.path().filename().string());
    const Network net = load_network((entry.path() / "net.npz").string());
    const Tensor input = load_npy((entry.path() / "input.npy").string());
    const Tensor expected = load_npy((entry.path() / "expected_output.npy").string());
    const fs::path hw_file = entry.path() / "hw.json";
    const HwConfig trace_hw = fs::exists(hw_file) ? load_hw_config(hw_file.string()) : load_hw_config("default");
    for (const char* preset : {"", "small", "large"}) {
      HwConfig hw = trace_hw;
      if (*preset) {  // another array and SRAM sizes with the trace's arithmetic
        hw = load_hw_config(preset);
        hw.acc_bits = trace_hw.acc_bits;
        hw.rounding = trace_hw.rounding;
      }
      SCOPED_TRACE(std::string("hw ") + (*preset ? preset : hw.name.c_str()));
      const Program p = compile(net, hw);
      const IsaResult r = interpret(p, input);
      EXPECT_TRUE(r.output.same_values(expected));
    }
    ++n;
  }
  EXPECT_GE(n, 5);
}

}  // namespace
}  // namespace lutsim
