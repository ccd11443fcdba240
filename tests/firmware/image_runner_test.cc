// The image runner that the ISA interpreter, the SystemC model and the RTL engine share: each image's DRAM (the
// program's stored bytes, zeros, the input image), the output and values read back, the restoring of only what
// the STOREs wrote, the one input check and its message, the pc-to-layer map and the layer windows.
#include "lutsim/firmware/image_runner.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "fw_test_util.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/model/error.h"
#include "lutsim/model/executor.h"
#include "net_builder.h"

namespace lutsim {
namespace {

using namespace isa;

template <class T>
Instruction I(const T& body) {
  return Instruction{Deps{}, body};
}

// A hand-built program on a 4x4 machine with a DRAM of 256 bytes: 16 stored bytes (a pattern), the input u8 [1, 2,
// 2, 3] at 64, copied to the output at 128 (layer 'copy'), and the first 4 stored bytes copied to a value 'params'
// at 200 (layer 'params').
Program copy_program() {
  Program p;
  p.hw = fwtest::make_hw("t", 4, 4, 32, Rounding::HalfUp, 4, 4, 4, 1);
  p.network = "copy";
  p.dram_bytes = 256;
  for (int i = 0; i < 16; ++i) p.dram_init.push_back(static_cast<std::uint8_t>(0xA0 + i));
  p.values = {ValueRegion{"in", DType::U8, 2, 2, 3, 0, 64}, ValueRegion{"out", DType::U8, 2, 2, 3, 0, 128},
              ValueRegion{"params", DType::U8, 1, 1, 4, 0, 200}};
  p.input = 0;
  p.output = 1;
  Load in;
  in.dram_addr = 64;
  in.x_size = 12;
  in.y_size = in.z_size = 1;
  in.y_stride = in.z_stride = 12;
  Store out;
  out.dram_addr = 128;
  out.x_size = 12;
  out.y_stride = out.z_stride = 12;
  Load par = in;
  par.dram_addr = 0;
  par.sram_addr = 16;
  par.x_size = par.y_stride = par.z_stride = 4;
  Store pout = out;
  pout.sram_addr = 16;
  pout.dram_addr = 200;
  pout.x_size = pout.y_stride = pout.z_stride = 4;
  p.code = {I(in), I(out), I(par), I(pout)};
  p.layers = {LayerRange{"copy", OpKind::Reshape, 0, 2, 1}, LayerRange{"params", OpKind::Reshape, 2, 4, 2}};
  validate_program(p, "test program");
  return p;
}

// copy_program's STOREs read what its LOADs wrote with no token between them (the load and store queues are not
// adjacent; a real program relays the token through the compute queue), a hazard the runner would refuse. What these
// tests check is the runner's DRAM, output and input handling, so they run it unchecked.
constexpr HazardCheck kUnchecked = HazardCheck::Off;

Tensor images(std::int64_t n, std::uint8_t seed) {
  Tensor t(DType::U8, {n, 2, 2, 3});
  for (std::size_t i = 0; i < t.nbytes(); ++i) t.raw()[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return t;
}

// Image n's DRAM as docs/isa.md section 6 says it: the stored bytes, zeros, the input image.
std::vector<std::uint8_t> expected_image(const Program& p, const Tensor& batch, std::int64_t n) {
  std::vector<std::uint8_t> d(p.dram_bytes, 0);
  std::copy(p.dram_init.begin(), p.dram_init.end(), d.begin());
  std::memcpy(d.data() + 64, batch.raw() + n * 12, 12);
  return d;
}

std::string input_error(const ImageRunner& r, const Tensor& x) {
  try {
    r.check_input(x);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageRunner, EachImageSeesTheProgramsDramAndTheOutputIsReadBack) {
  const Program p = copy_program();
  for (bool reuse : {true, false}) {
    SCOPED_TRACE(reuse ? "reusing DRAM" : "rebuilding DRAM");
    ImageRunner r(p, reuse, kUnchecked);
    Machine m(p.hw, p.dram_bytes);
    const Tensor x = images(3, 5);
    std::vector<std::int64_t> seen;
    const BatchOutputs out = r.run(x, m.dram(), KeepValues::EveryImage, [&](std::int64_t n) {
      seen.push_back(n);
      const std::vector<std::uint8_t> want = expected_image(p, x, n);
      EXPECT_TRUE(std::equal(want.begin(), want.end(), m.dram().begin())) << "image " << n;
      m.run(p.code, Schedule::ProgramOrder, p.layers, r.layer_of());
    });
    EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 1, 2}));
    EXPECT_TRUE(out.output.same_values(x.reshaped({3, 2, 2, 3})));
    ASSERT_EQ(out.values.size(), 3u);
    EXPECT_TRUE(out.values[0].same_values(x));
    EXPECT_TRUE(out.values[1].same_values(x));
    ASSERT_EQ(out.values[2].shape(), (Shape{3, 1, 1, 4}));
    for (int n = 0; n < 3; ++n)
      for (int i = 0; i < 4; ++i) EXPECT_EQ(out.values[2].raw()[n * 4 + i], 0xA0 + i);
  }
}

TEST(ImageRunner, ReuseRestoresWhatTheStoresWroteAndRebuildRestoresEverything) {
  const Program p = copy_program();
  const Tensor x = images(2, 1);
  // The step scribbles over every STORE'd byte (the output and 'params' regions) and, without reuse, over bytes no
  // STORE writes (the stored image and the free space): the next image must not see any of it.
  for (bool reuse : {true, false}) {
    SCOPED_TRACE(reuse ? "reusing DRAM" : "rebuilding DRAM");
    ImageRunner r(p, reuse, kUnchecked);
    std::vector<std::uint8_t> dram(p.dram_bytes, 0x55);
    r.run(x, dram, KeepValues::None, [&](std::int64_t n) {
      const std::vector<std::uint8_t> want = expected_image(p, x, n);
      EXPECT_EQ(dram, want) << "image " << n;
      std::fill(dram.begin() + 128, dram.begin() + 140, std::uint8_t{0xEE});
      std::fill(dram.begin() + 200, dram.begin() + 204, std::uint8_t{0xEE});
      if (!reuse) {
        dram[3] ^= 1;
        dram[100] = 9;
      }
    });
  }
}

TEST(ImageRunner, ValuesOfTheLastImageOnly) {
  const Program p = copy_program();
  ImageRunner r(p, true, kUnchecked);
  Machine m(p.hw, p.dram_bytes);
  const Tensor x = images(3, 9);
  const BatchOutputs out =
      r.run(x, m.dram(), KeepValues::LastImage, [&](std::int64_t) { m.run(p.code); });
  ASSERT_EQ(out.values.size(), 3u);
  ASSERT_EQ(out.values[1].shape(), (Shape{1, 2, 2, 3}));
  EXPECT_EQ(std::memcmp(out.values[1].raw(), x.raw() + 2 * 12, 12), 0);
  EXPECT_EQ(out.output.shape(), (Shape{3, 2, 2, 3}));
  EXPECT_TRUE(r.run(x, m.dram(), KeepValues::None, [&](std::int64_t) { m.run(p.code); }).values.empty());
}

TEST(ImageRunner, TheOneInputCheckAndItsMessage) {
  const Program p = copy_program();
  const ImageRunner r(p, true, kUnchecked);
  const std::string expects = ", program for 'copy' expects u8 [N, 2, 2, 3]";
  EXPECT_EQ(input_error(r, Tensor(DType::S8, {1, 2, 2, 3})), "input is s8 [1, 2, 2, 3]" + expects);
  EXPECT_EQ(input_error(r, Tensor(DType::U8, {2, 2, 3})), "input is u8 [2, 2, 3]" + expects);
  EXPECT_EQ(input_error(r, Tensor(DType::U8, {0, 2, 2, 3})), "input is u8 [0, 2, 2, 3]" + expects);
  EXPECT_EQ(input_error(r, Tensor(DType::U8, {1, 2, 3, 3})), "input is u8 [1, 2, 3, 3]" + expects);
  EXPECT_EQ(input_error(r, Tensor(DType::U8, {1, 2, 2, 4})), "input is u8 [1, 2, 2, 4]" + expects);
  EXPECT_EQ(input_error(r, Tensor(DType::U8, {4, 2, 2, 3})), "");
  // run() checks before it calls the step, and the interpreter says the same.
  Machine m(p.hw, p.dram_bytes);
  ImageRunner r2(p, true, kUnchecked);
  bool ran = false;
  EXPECT_THROW(r2.run(Tensor(DType::S8, {1, 2, 2, 3}), m.dram(), KeepValues::None, [&](std::int64_t) { ran = true; }),
               Error);
  EXPECT_FALSE(ran);
  try {
    Interpreter(p, kUnchecked).run(Tensor(DType::U8, {1, 2, 2, 4}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "input is u8 [1, 2, 2, 4]" + expects);
  }
}

TEST(ImageRunner, ADramOfAnotherSizeIsAnError) {
  const Program p = copy_program();
  ImageRunner r(p, true, kUnchecked);
  std::vector<std::uint8_t> small(100);
  try {
    r.load_image(small, images(1, 0), 0);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "program for 'copy': a DRAM of 100 bytes, expected 256");
  }
}

// A compiled network: every value read back through the runner equals the golden model's, image by image.
TEST(ImageRunner, CompiledValuesEqualTheGoldenModels) {
  fwtest::NetBuilder b("runner_net", 9, 7, 5, DType::U8, 11);
  fwtest::ConvOpt o;
  o.out_c = 6;
  o.pt = o.pl = o.pb = o.pr = 1;
  const int c1 = b.conv(b.input(), o);
  fwtest::ConvOpt o2;
  o2.out_c = 4;
  o2.lut = LutMode::PerChannel;
  o2.bits = 2;
  const Network net = b.done(b.pool(b.conv(c1, o2), OpKind::MaxPool, 2, 2));
  for (const HwConfig& hw : {load_hw_config("small"), load_hw_config("default")}) {
    SCOPED_TRACE(hw.name);
    const Program p = compile(net, hw);
    const Tensor x = b.random_input(3);
    Executor ex(net, hw.arith(), ExecOptions{Backend::Fast, 1, true});
    const RunResult g = ex.run(x);
    ImageRunner r(p, true);
    Machine m(p.hw, p.dram_bytes);
    const BatchOutputs out = r.run(x, m.dram(), KeepValues::EveryImage,
                                   [&](std::int64_t) { m.run(p.code, Schedule::ProgramOrder, p.layers, r.layer_of()); });
    EXPECT_TRUE(out.output.same_values(g.output));
    ASSERT_EQ(out.values.size(), net.values.size());
    for (std::size_t id = 0; id < net.values.size(); ++id)
      EXPECT_TRUE(out.values[id].same_values(g.values[id])) << "value " << net.values[id].name;
    // The interpreter is the same runner around the same machine.
    const IsaResult isa = interpret(p, x, IsaOptions{.keep_values = true});
    EXPECT_TRUE(isa.output.same_values(out.output));
    for (std::size_t id = 0; id < net.values.size(); ++id) EXPECT_TRUE(isa.values[id].same_values(out.values[id]));
  }
}

TEST(ImageRunner, LayerOfEachPc) {
  const Program p = copy_program();
  EXPECT_EQ(ImageRunner(p, true, kUnchecked).layer_of(), (std::vector<int>{0, 0, 1, 1}));
  const std::vector<LayerRange> layers = {LayerRange{"a", OpKind::Conv2D, 1, 3, 0},
                                          LayerRange{"r", OpKind::Reshape, 3, 3, 1},
                                          LayerRange{"b", OpKind::Conv2D, 3, 5, 2}};
  const std::vector<int> of = layer_of_pcs(layers, 6);
  EXPECT_EQ(of, (std::vector<int>{-1, 0, 0, 2, 2, -1}));
  Program q = p;
  q.layers = layers;
  for (std::uint32_t pc = 0; pc < 6; ++pc) EXPECT_EQ(of[pc], q.layer_of(pc)) << pc;
  EXPECT_EQ(layer_of_pcs(layers, 4), (std::vector<int>{-1, 0, 0, 2}));
}

TEST(ImageRunner, LayerWindowsPartitionTheRun) {
  const std::vector<LayerRange> layers = {LayerRange{"a", OpKind::Conv2D, 0, 2, 0},
                                          LayerRange{"r", OpKind::Reshape, 2, 2, 1},
                                          LayerRange{"b", OpKind::Conv2D, 2, 4, 2},
                                          LayerRange{"c", OpKind::Conv2D, 4, 5, 3}};
  // Layer b's first instruction completes before layer a's last: the windows still follow each other.
  const std::vector<std::int64_t> done = {110, 150, 130, 170, 120};
  EXPECT_EQ(layer_windows(layers, done, 100), (std::vector<std::int64_t>{100, 150, 150, 170, 170}));
  EXPECT_EQ(layer_windows(layers, std::vector<std::int64_t>{5, 9}, 0), (std::vector<std::int64_t>{0, 9, 9, 9, 9}));
}

}  // namespace
}  // namespace lutsim
