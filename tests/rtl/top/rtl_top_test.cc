// lutsim_top through its harness (rtl/top/harness) against the ISA interpreter: hand-built programs and compiled
// networks leave the same DRAM; the watchdog names each queue's state when a program cannot finish.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/rtl/top_sim.h"

namespace lutsim {
namespace {

const std::string kTraces = std::string(LUTSIM_SOURCE_DIR) + "/traces/";

std::vector<std::uint8_t> image(const Program& p, const Tensor& x) {
  std::vector<std::uint8_t> dram(p.dram_bytes, 0);
  std::memcpy(dram.data(), p.dram_init.data(), p.dram_init.size());
  const ValueRegion& iv = p.values.at(static_cast<std::size_t>(p.input));
  std::memcpy(dram.data() + iv.addr, x.raw(), iv.bytes());
  return dram;
}

// Runs image 0 of `input` on the RTL and on the interpreter and compares every value region, naming the first
// differing value, element and channel counts.
void expect_same_values(const Program& p, const Tensor& input) {
  Tensor x(input.dtype(), {1, input.dim(1), input.dim(2), input.dim(3)}, input.exponent());
  std::memcpy(x.raw(), input.raw(), x.nbytes());
  const IsaResult ref = interpret(p, x, IsaOptions{.keep_values = true});
  std::vector<std::uint8_t> dram = image(p, x);
  const rtl::TopRunResult r = rtl::make_top_sim(p.hw)->run(p, dram, {});
  EXPECT_GT(r.cycles, 0);
  for (std::size_t id = 0; id < p.values.size(); ++id) {
    const ValueRegion& v = p.values[id];
    const std::uint8_t* want = ref.values[id].raw();
    const std::uint8_t* got = dram.data() + v.addr;
    std::vector<int> per_channel(static_cast<std::size_t>(v.c), 0);
    std::int64_t first = -1, n = 0;
    const std::size_t es = dtype_size(v.dtype);
    for (std::size_t i = 0; i < v.bytes(); ++i)
      if (want[i] != got[i]) {
        if (first < 0) first = static_cast<std::int64_t>(i);
        ++n;
        ++per_channel[i / es % static_cast<std::size_t>(v.c)];
      }
    if (n) {
      std::string pc;
      for (std::size_t c = 0; c < per_channel.size(); ++c)
        if (per_channel[c]) pc += " c" + std::to_string(c) + ":" + std::to_string(per_channel[c]);
      ADD_FAILURE() << "value " << v.name << ": " << n << " of " << v.bytes() << " bytes differ, first at byte "
                    << first << " (rtl " << int{got[first]} << ", isa " << int{want[first]} << "); by channel" << pc;
      return;
    }
  }
}

TEST(RtlTop, LoadStoreCopyWithPadding) {
  const HwConfig hw = load_hw_config("default");
  Program p;
  p.hw = hw;
  p.network = "copy";
  p.dram_bytes = 8192;
  p.dram_init.resize(2048);
  std::mt19937_64 rng(3);
  for (auto& b : p.dram_init) b = static_cast<std::uint8_t>(rng());
  p.values = {{"in", DType::U8, 8, 8, 16, 0, 0}, {"out", DType::U8, 10, 10, 16, 0, 4096}};
  isa::Load l;
  l.buf = 0;
  l.pad_value = 0x5a;
  l.pad_top = l.pad_bottom = l.pad_left = l.pad_right = 1;
  l.x_size = 16;
  l.y_size = 8;
  l.z_size = 8;
  l.y_stride = 16;
  l.z_stride = 128;
  l.sram_addr = 100;
  isa::Store s;
  s.sram_addr = 100;
  s.dram_addr = 4096;
  s.x_size = 16;
  s.y_size = 10;
  s.z_size = 10;
  s.y_stride = 16;
  s.z_stride = 160;
  p.code = {{{.push_next = true}, l}, {{.pop_prev = true, .push_next = true}, isa::Sync{1}}, {{.pop_prev = true}, s}};
  p.layers = {{"copy", OpKind::Concat, 0, 3, 1}};
  validate_program(p, "copy");
  Machine m(hw, p.dram_bytes);
  std::copy(p.dram_init.begin(), p.dram_init.end(), m.dram().begin());
  m.run(p.code);
  std::vector<std::uint8_t> dram = image(p, Tensor(DType::U8, {1, 8, 8, 16}));
  std::memcpy(dram.data(), p.dram_init.data(), 2048);
  const rtl::TopRunResult r = rtl::make_top_sim(hw)->run(p, dram, {});
  EXPECT_TRUE(std::equal(dram.begin(), dram.end(), m.dram().begin()));
  // Dispatch and completion in program order per queue, each STORE byte attributed to pc 2.
  for (std::uint32_t pc = 0; pc < 3; ++pc) EXPECT_LT(r.dispatch[pc], r.complete[pc]);
  EXPECT_LT(r.complete[0], r.complete[1]);
  EXPECT_LT(r.complete[1], r.complete[2]);
  EXPECT_EQ(r.write_pc[4096], 2);
  EXPECT_EQ(r.write_pc[4096 + 1599], 2);
  EXPECT_EQ(r.write_cycle[4095], -1);
}

TEST(RtlTop, LeNet5ConvLayerMatchesTheInterpreter) {
  const std::string t = kTraces + "lenet5_per_layer/";
  const Network net = load_network(t + "net.npz");
  expect_same_values(compile(net, load_hw_config("default")), load_npy(t + "input.npy"));
}

// A compute SYNC that pops a token nobody pushes: the watchdog stops the run and says who waits for what.
TEST(RtlTop, WatchdogNamesTheQueues) {
  const HwConfig hw = load_hw_config("default");
  Program p;
  p.hw = hw;
  p.network = "stuck";
  p.dram_bytes = 64;
  p.values = {{"x", DType::U8, 1, 1, 1, 0, 0}};
  p.code = {{{.pop_prev = true}, isa::Sync{1}}};
  p.layers = {{"stuck", OpKind::Concat, 0, 1, 0}};
  std::vector<std::uint8_t> dram(64, 0);
  rtl::TopRunOptions o;
  o.watchdog_cycles = 200;
  try {
    rtl::make_top_sim(hw)->run(p, dram, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("no progress for 200 cycles"), std::string::npos) << m;
    EXPECT_NE(m.find("compute queue: idle, 1 waiting"), std::string::npos) << m;
    EXPECT_NE(m.find("l2c=0"), std::string::npos) << m;
  }
}

TEST(RtlTop, UnbuiltConfigIsAClearError) {
  HwConfig hw = load_hw_config("default");
  hw.rows = 8;
  try {
    rtl::make_top_sim(hw);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no Verilated lutsim_top for hardware config"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("default"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lutsim
