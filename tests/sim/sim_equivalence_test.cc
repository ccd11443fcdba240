// Bit-exact equality of the SystemC model with the golden model and the ISA interpreter: the zoo's networks and
// the golden traces over several configs (a small, fast sweep; scripts/regress_sim.sh runs a bigger one). The
// functional counters must equal the interpreter's statistics layer by layer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fw_test_util.h"
#include "lutsim/model/format.h"
#include "lutsim/sim/simulator.h"
#include "lutsim/zoo/zoo.h"
#include "net_builder.h"

namespace lutsim::sim {
namespace {

using fwtest::make_hw;

// Runs `net` on the golden model, the ISA interpreter and the SystemC model; every value must agree, and the
// SystemC counters must equal the interpreter's statistics per layer. Returns false when the config's SRAMs are
// too small for the network.
bool expect_sim_equals_golden(const Network& net, const HwConfig& hw, const Tensor& in) {
  SCOPED_TRACE("network '" + net.name + "' on hw '" + hw.name + "'");
  Program p;
  try {
    p = compile(net, hw);
  } catch (const Error& e) {
    if (std::string(e.what()).find("is too small") != std::string::npos) return false;
    ADD_FAILURE() << e.what();
    return false;
  }
  Executor ex(net, hw.arith(), ExecOptions{Backend::Fast, 1, true});
  const RunResult g = ex.run(in);
  const IsaResult isa = interpret(p, in, IsaOptions{.keep_values = true});
  Simulator s(p, SimOptions{.keep_values = true});
  const Tensor out = s.run(in);
  EXPECT_TRUE(out.same_values(g.output)) << "output differs from the golden model";
  EXPECT_TRUE(out.same_values(isa.output)) << "output differs from the ISA interpreter";
  // Every value of the last image against the golden model's.
  const std::int64_t last = in.dim(0) - 1;
  for (std::size_t id = 0; id < net.values.size(); ++id) {
    const Tensor& gv = g.values[id];
    const Tensor& sv = s.values()[id];
    const std::size_t per = sv.nbytes();
    if (std::memcmp(gv.raw() + per * static_cast<std::size_t>(last), sv.raw(), per) != 0) {
      std::size_t i = 0;
      while (gv.raw()[per * static_cast<std::size_t>(last) + i] == sv.raw()[i]) ++i;
      ADD_FAILURE() << "value '" << net.values[id].name << "' differs first at byte " << i;
    }
  }
  const SimReport& r = s.report();
  EXPECT_EQ(r.images, in.dim(0));
  for (std::size_t l = 0; l < p.layers.size(); ++l) {
    SCOPED_TRACE("layer " + p.layers[l].name);
    const Counters& c = r.layers[l].counters;
    const Counters& st = isa.layer_stats[l];
    EXPECT_EQ(c.insns, st.insns);
    EXPECT_EQ(c.macs, st.macs);
    EXPECT_EQ(c.dram_read_bytes, st.dram_read_bytes);
    EXPECT_EQ(c.dram_write_bytes, st.dram_write_bytes);
    EXPECT_EQ(c.act.read_bytes, st.act.read_bytes);
    EXPECT_EQ(c.act.write_bytes, st.act.write_bytes);
    EXPECT_EQ(c.wgt.read_bytes, st.wgt.read_bytes);
    EXPECT_EQ(c.wgt.write_bytes, st.wgt.write_bytes);
    EXPECT_EQ(c.param.read_bytes, st.param.read_bytes);
    EXPECT_EQ(c.param.write_bytes, st.param.write_bytes);
    EXPECT_EQ(c.acc.read_bytes, st.acc.read_bytes);
    EXPECT_EQ(c.acc.write_bytes, st.acc.write_bytes);
  }
  return true;
}

Network zoo_net(zoo::Arch arch, int size, double width, int bits, LutMode lut, bool shift_pc, int acc_bits) {
  zoo::ZooOptions o;
  o.arch = arch;
  o.input_size = size;
  o.width = width;
  o.weight_bits = bits;
  o.lut_mode = lut;
  o.shift_per_channel = shift_pc;
  o.classes = 10;
  o.acc_bits = acc_bits;
  o.seed = 5;
  return zoo::build(o);
}

TEST(SimEquivalence, LeNet5OnEveryPreset) {
  for (const char* preset : {"small", "default", "large"}) {
    const HwConfig hw = load_hw_config(preset);
    const LutMode lut = std::string(preset) == "default" ? LutMode::PerChannel : LutMode::PerLayer;
    const Network net = zoo_net(zoo::Arch::LeNet5, 0, 1.0, 4, lut, lut == LutMode::PerChannel, hw.acc_bits);
    EXPECT_TRUE(expect_sim_equals_golden(net, hw, zoo::random_input(net, 2, 21)));
  }
}

TEST(SimEquivalence, ResNet18ReducedOnTwoArrays) {
  const Network net = zoo_net(zoo::Arch::ResNet18, 48, 0.25, 4, LutMode::PerChannel, true, 32);
  const Tensor in = zoo::random_input(net, 1, 22);
  EXPECT_TRUE(expect_sim_equals_golden(net, load_hw_config("default"), in));
  EXPECT_TRUE(expect_sim_equals_golden(net, make_hw("r8c32", 8, 32, 32, Rounding::Floor, 48, 24, 16, 4), in));
}

TEST(SimEquivalence, MobileNetV2ReducedAndEightBit) {
  const Network mb = zoo_net(zoo::Arch::MobileNetV2, 32, 0.35, 3, LutMode::PerLayer, false, 32);
  EXPECT_TRUE(expect_sim_equals_golden(mb, load_hw_config("default"), zoo::random_input(mb, 1, 23)));
  const Network r8 = zoo_net(zoo::Arch::ResNet18, 32, 0.125, 8, LutMode::PerLayer, false, 24);
  EXPECT_TRUE(expect_sim_equals_golden(r8, load_hw_config("small"), zoo::random_input(r8, 1, 24)));
}

// Odd shapes: groups, strides, dilation, padding, s8/s32 outputs, pools, add and concat on a config with an
// odd array, A = 16 and tight SRAMs (tiling and single buffering).
TEST(SimEquivalence, HandBuiltNetworkOnOddConfigs) {
  fwtest::NetBuilder b("odd", 13, 11, 6, DType::U8, 77);
  fwtest::ConvOpt c1;
  c1.out_c = 12;
  c1.kh = 3;
  c1.kw = 2;
  c1.sh = 2;
  c1.dw = 2;
  c1.pt = c1.pl = 1;
  c1.groups = 3;
  c1.bits = 3;
  c1.lut = LutMode::PerChannel;
  c1.shift_per_channel = true;
  int x = b.conv(b.input(), c1);
  const int p = b.pool(x, OpKind::MaxPool, 2, 1, 1);
  fwtest::ConvOpt c2;
  c2.out_c = 12;
  c2.kh = c2.kw = 1;
  c2.bits = 2;
  const int y = b.conv(p, c2);
  const int a = b.add(p, y, 0, 1, 1, DType::U8);
  const int cat = b.concat({a, p});
  const int g = b.pool(cat, OpKind::GlobalAvgPool, 0, 0, 0, 2);
  fwtest::ConvOpt d;
  d.out_c = 7;
  d.kh = d.kw = 1;
  d.dense = true;
  d.bits = 8;
  d.out = DType::S32;
  const Network net = b.done(b.conv(g, d));
  const Tensor in = b.random_input(2);
  int ran = 0;
  for (const HwConfig& hw : {make_hw("r3c5_a16_floor", 3, 5, 16, Rounding::Floor, 19, 7, 3, 1),
                             make_hw("r32c8_a24_tiny", 32, 8, 24, Rounding::HalfUp, 9, 5, 1, 1, true, false),
                             make_hw("r16c64_pc_only", 16, 64, 32, Rounding::HalfEven, 64, 33, 17, 5, false, true)})
    ran += expect_sim_equals_golden(net, hw, in);
  EXPECT_GE(ran, 2);
}

// The golden regression traces (traces/): the model reproduces each expected output.
TEST(SimEquivalence, GoldenTraces) {
  const std::filesystem::path dir = std::filesystem::path(LUTSIM_SOURCE_DIR) / "traces";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_directory()) continue;
    SCOPED_TRACE(e.path().string());
    const Network net = load_network((e.path() / "net.npz").string());
    const Tensor in = load_npy((e.path() / "input.npy").string());
    const Tensor expect = load_npy((e.path() / "expected_output.npy").string());
    const HwConfig hw = std::filesystem::exists(e.path() / "hw.json") ? load_hw_config((e.path() / "hw.json").string())
                                                                       : load_hw_config("default");
    const Program p = compile(net, hw);
    Simulator s(p);
    const Tensor out = s.run(in);
    EXPECT_TRUE(out.same_values(expect));
    ++n;
  }
  EXPECT_GE(n, 5);
}

}  // namespace
}  // namespace lutsim::sim
