// The compiler: SRAM-too-small errors naming the layer, the SRAM and the bytes needed; no DRAM inflation for
// convolution windows; double-buffered input slots; the layer map and the disassembly; the compile time of a
// ResNet-50-shaped network.
#include "lutsim/firmware/compiler.h"

#include <gtest/gtest.h>

#include <set>

#include "fw_test_util.h"
#include "lutsim/model/error.h"
#include "net_builder.h"

namespace lutsim {
namespace {

using fwtest::ConvOpt;
using fwtest::make_hw;
using fwtest::NetBuilder;

std::string compile_error(const Network& net, const HwConfig& hw) {
  try {
    compile(net, hw);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Compiler, SramTooSmallNamesTheLayerSramAndSize) {
  {  // a 40x40 window cannot fit a 1 KiB activation SRAM even for one pixel of one channel
    NetBuilder b("big_window", 40, 40, 1, DType::U8, 1);
    ConvOpt o;
    o.out_c = 4;
    o.kh = o.kw = 40;
    const Network net = b.done(b.conv(b.input(), o));
    const std::string e = compile_error(net, make_hw("tiny", 4, 4, 32, Rounding::HalfUp, 1, 8, 4, 2));
    EXPECT_NE(e.find("layer 'L0_conv' (conv2d): the activation SRAM (1024 bytes) is too small: the smallest tile "
                     "(1x1 output pixel, 4 output channels, 1 input channel, single-buffered) needs at least 1604 bytes"),
              std::string::npos)
        << e;
  }
  {  // 7 weight blocks of 64 x 64 4-bit codes (2 KiB each) for one input channel of a 7x7 kernel
    NetBuilder b("big_kernel", 16, 16, 3, DType::U8, 2);
    ConvOpt o;
    o.out_c = 64;
    o.kh = o.kw = 7;
    const Network net = b.done(b.conv(b.input(), o));
    const std::string e = compile_error(net, make_hw("w8k", 64, 64, 32, Rounding::HalfUp, 256, 8, 64, 16));
    EXPECT_NE(e.find("layer 'L0_conv' (conv2d): the weight SRAM (8192 bytes) is too small"), std::string::npos) << e;
    EXPECT_NE(e.find("needs at least 14336 bytes"), std::string::npos) << e;
  }
  {  // per-channel LUTs of 256 columns: 256 * 16 + 4 * 256 + 256 bytes of parameters per column block
    NetBuilder b("big_params", 4, 4, 8, DType::U8, 3);
    ConvOpt o;
    o.out_c = 8;
    o.lut = LutMode::PerChannel;
    o.shift_per_channel = true;
    const Network net = b.done(b.conv(b.input(), o));
    const std::string e = compile_error(net, make_hw("p1k", 4, 256, 32, Rounding::HalfUp, 64, 64, 64, 1));
    EXPECT_NE(e.find("layer 'L0_conv' (conv2d): the parameter SRAM (1024 bytes) is too small: the smallest tile"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find("needs at least 5376 bytes"), std::string::npos) << e;
  }
}

// The network's validation (which compile() runs first) keeps every pool sum inside the vector unit's 32 bits.
TEST(Compiler, GlobalPoolSumBound) {
  NetBuilder b("huge_pool", 4096, 4096, 1, DType::U8, 4);
  const Network net = b.done(b.pool(b.input(), OpKind::GlobalAvgPool, 0, 0, 0, 24));
  const std::string e = compile_error(net, load_hw_config("default"));
  EXPECT_NE(e.find("layer 'L0_global_avgpool' (global_avgpool): input: a global pool over 16777216 positions could "
                   "exceed 32 bits (at most 8421504)"),
            std::string::npos)
      << e;
}

TEST(Compiler, WindowsAreReadInPlaceWithoutDramInflation) {
  // One tile holds the whole layer: DRAM reads are exactly the input, the weight blocks and the parameters.
  NetBuilder b("one_tile", 12, 12, 16, DType::U8, 5);
  ConvOpt o;
  o.out_c = 16;
  o.pt = o.pl = o.pb = o.pr = 1;
  const Network net = b.done(b.conv(b.input(), o));
  const HwConfig hw = load_hw_config("default");
  const Program p = compile(net, hw);
  const IsaResult r = interpret(p, b.random_input(1));
  const std::int64_t in_bytes = 12 * 12 * 16, params = static_cast<std::int64_t>(p.dram_init.size());
  // Weights: 3 kernel rows x ceil(3 * 16 / 16) chunks of 16 x 16 4-bit codes; parameters: 16 LUT bytes + 16 biases.
  EXPECT_EQ(r.stats.dram_read_bytes, in_bytes + 9 * 16 * 8 + 16 + 64);
  EXPECT_LE(9 * 16 * 8 + 16 + 64, params);
  EXPECT_EQ(r.stats.dram_write_bytes, 12 * 12 * 16);
  EXPECT_EQ(r.stats.macs, 12 * 12 * 16 * 9 * 16);
}

TEST(Compiler, DoubleBufferedInputsAlternateSlots) {
  NetBuilder b("tiled", 40, 40, 8, DType::U8, 6);
  ConvOpt o;
  o.out_c = 8;
  o.pt = o.pl = o.pb = o.pr = 1;
  const Network net = b.done(b.conv(b.input(), o));
  const HwConfig hw = make_hw("t", 8, 8, 32, Rounding::HalfUp, 8, 8, 8, 2);
  for (bool db : {true, false}) {
    const Program p = compile(net, hw, CompileOptions{db});
    std::set<std::int64_t> in_slots;
    int loads = 0;
    for (const auto& in : p.code)
      if (const auto* l = std::get_if<isa::Load>(&in.body); l && l->buf == 0) {
        in_slots.insert(l->sram_addr);
        ++loads;
      }
    EXPECT_GT(loads, 4) << "the layer must be tiled";
    EXPECT_EQ(in_slots.size(), db ? 2u : 1u);
    EXPECT_TRUE(fwtest::expect_isa_equals_golden(net, hw, b.random_input(1), Schedule::LoadFirst, db));
  }
}

TEST(Compiler, LayerMapAndDisassembly) {
  NetBuilder b("mapped", 8, 8, 4, DType::U8, 7);
  ConvOpt o;
  o.out_c = 4;
  o.pt = o.pl = o.pb = o.pr = 1;
  const int y = b.conv(b.input(), o);
  const int z = b.pool(y, OpKind::AvgPool, 2, 2, 0, 2);
  const int r = b.reshape(z, 1, 1, 64);
  ConvOpt d;
  d.dense = true;
  d.kh = d.kw = 1;
  d.out_c = 3;
  d.out = DType::S32;
  const int out = b.conv(r, d);
  const Network net = b.done(out);
  const Program p = compile(net, load_hw_config("small"));
  ASSERT_EQ(p.layers.size(), 4u);
  std::uint32_t at = 0;
  for (const LayerRange& l : p.layers) {
    EXPECT_EQ(l.first, at) << l.name;
    at = l.end;
  }
  EXPECT_EQ(at, p.code.size());
  EXPECT_EQ(p.layers[2].first, p.layers[2].end) << "a reshape has no instructions";
  EXPECT_EQ(p.values[static_cast<std::size_t>(r)].addr, p.values[static_cast<std::size_t>(z)].addr) << "a reshape aliases its input";
  EXPECT_EQ(p.layer_of(p.layers[1].first), 1);
  EXPECT_EQ(p.layer_of(p.layers[3].end - 1), 3);
  const std::string text = disassemble(p);
  EXPECT_NE(text.find("; layer 0 'L0_conv' (conv2d) -> value 'v1': instructions [0, " + std::to_string(p.layers[0].end) + ")"),
            std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(text.find("; layer 2 'L2_reshape' (reshape)"), std::string::npos);
  EXPECT_NE(text.find("(input)"), std::string::npos);
  EXPECT_NE(text.find("(output)"), std::string::npos);
  EXPECT_NE(text.find("     0  LOAD"), std::string::npos);
  EXPECT_NE(text.find(std::to_string(p.code.size() - 1) + "  STORE"), std::string::npos);
  EXPECT_NE(text.find("hardware config 'small'"), std::string::npos);
}

// ResNet-50's layer shapes (bottleneck blocks [3, 4, 6, 3] at 224x224), random 4-bit weights.
Network resnet50_shaped() {
  NetBuilder b("resnet50_shaped", 224, 224, 3, DType::U8, 11);
  ConvOpt stem;
  stem.out_c = 64;
  stem.kh = stem.kw = 7;
  stem.sh = stem.sw = 2;
  stem.pt = stem.pl = stem.pb = stem.pr = 3;
  int x = b.pool(b.conv(b.input(), stem), OpKind::MaxPool, 3, 2, 1);
  const int blocks[4] = {3, 4, 6, 3};
  int in_c = 64;
  for (int s = 0; s < 4; ++s) {
    const int w = 64 << s;
    for (int i = 0; i < blocks[s]; ++i) {
      const int stride = (i == 0 && s > 0) ? 2 : 1;
      ConvOpt a;
      a.out_c = w;
      a.kh = a.kw = 1;
      const int y1 = b.conv(x, a);
      ConvOpt c;
      c.out_c = w;
      c.sh = c.sw = stride;
      c.pt = c.pl = 1;
      c.pb = c.pr = 1;
      const int y2 = b.conv(y1, c);
      ConvOpt e;
      e.out_c = 4 * w;
      e.kh = e.kw = 1;
      e.out = DType::S8;
      const int y3 = b.conv(y2, e);
      int sc = x;
      if (i == 0) {
        ConvOpt dn;
        dn.out_c = 4 * w;
        dn.kh = dn.kw = 1;
        dn.sh = dn.sw = stride;
        dn.out = DType::S8;
        sc = b.conv(x, dn);
      }
      x = b.add(y3, sc, 0, 0, 0, DType::U8);
      in_c = 4 * w;
    }
  }
  (void)in_c;
  const int g = b.pool(x, OpKind::GlobalAvgPool, 0, 0, 0, 6);
  ConvOpt fc;
  fc.dense = true;
  fc.kh = fc.kw = 1;
  fc.out_c = 1000;
  fc.out = DType::S32;
  return b.done(b.conv(g, fc));
}

// Compile time is measured by bench/firmware (bench_isa --arch resnet50); here every preset must compile it into a
// valid program.
TEST(Compiler, ResNet50ShapedCompilesOnEveryPreset) {
  const Network net = resnet50_shaped();
  for (const char* preset : {"default", "small", "large"}) {
    const Program p = compile(net, load_hw_config(preset));
    EXPECT_NO_THROW(validate_program(p, preset));
    EXPECT_EQ(p.layers.size(), net.layers.size()) << preset;
    EXPECT_GT(p.code.size(), net.layers.size()) << preset;
  }
}

}  // namespace
}  // namespace lutsim
