// Bit-exact equality of the ISA interpreter with the golden model on the zoo's generated networks (LeNet-5, and
// ResNet-18 and MobileNetV2 at reduced input sizes and widths), both LUT modes, several arrays.
#include "fw_test_util.h"
#include "lutsim/zoo/zoo.h"

namespace lutsim::fwtest {
namespace {

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
  o.seed = 3;
  return zoo::build(o);
}

TEST(Zoo, LeNet5EveryPresetBothLutModes) {
  for (LutMode lut : {LutMode::PerLayer, LutMode::PerChannel})
    for (const char* preset : {"small", "default", "large"}) {
      const HwConfig hw = load_hw_config(preset);
      const Network net = zoo_net(zoo::Arch::LeNet5, 0, 1.0, 4, lut, lut == LutMode::PerChannel, hw.acc_bits);
      const Tensor in = zoo::random_input(net, 2, 11);
      EXPECT_TRUE(expect_isa_equals_golden(net, hw, in));
    }
}

TEST(Zoo, ResNet18Reduced) {
  const Network net = zoo_net(zoo::Arch::ResNet18, 48, 0.25, 4, LutMode::PerChannel, true, 32);
  const Tensor in = zoo::random_input(net, 1, 12);
  EXPECT_TRUE(expect_isa_equals_golden(net, load_hw_config("default"), in));
  EXPECT_TRUE(expect_isa_equals_golden(net, make_hw("r8c32", 8, 32, 32, Rounding::Floor, 48, 24, 16, 4), in));
}

TEST(Zoo, ThreadsDoNotChangeTheBits) {
  const Network net = zoo_net(zoo::Arch::ResNet18, 64, 0.25, 4, LutMode::PerLayer, true, 32);
  const Tensor in = zoo::random_input(net, 1, 15);
  const Program p = compile(net, load_hw_config("default"));
  const IsaResult one = interpret(p, in);
  for (bool portable : {false, true}) {
    const IsaResult two = interpret(p, in, IsaOptions{Schedule::ProgramOrder, false, portable, 2});
    EXPECT_TRUE(two.output.same_values(one.output));
    EXPECT_EQ(two.stats, one.stats);
  }
}

TEST(Zoo, ResNet18EightBitPerLayerOnSmall) {
  const Network net = zoo_net(zoo::Arch::ResNet18, 32, 0.125, 8, LutMode::PerLayer, false, 24);
  const Tensor in = zoo::random_input(net, 1, 13);
  EXPECT_TRUE(expect_isa_equals_golden(net, load_hw_config("small"), in));
}

TEST(Zoo, MobileNetV2Reduced) {
  const Network net = zoo_net(zoo::Arch::MobileNetV2, 48, 0.35, 3, LutMode::PerLayer, false, 32);
  const Tensor in = zoo::random_input(net, 1, 14);
  EXPECT_TRUE(expect_isa_equals_golden(net, load_hw_config("default"), in));
  EXPECT_TRUE(expect_isa_equals_golden(net, make_hw("r32c16_pc", 32, 16, 32, Rounding::HalfEven, 40, 16, 8, 4, false, true), in,
                                       Schedule::LoadFirst));
}

}  // namespace
}  // namespace lutsim::fwtest
