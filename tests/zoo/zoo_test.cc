// The model zoo: published layer shapes, MAC and parameter counts, determinism, every option, and activations
// that stay in range when the golden model runs the generated networks.
#include "lutsim/zoo/zoo.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "lutsim/model/executor.h"
#include "lutsim/model/format.h"

namespace lutsim::zoo {
namespace {

struct Counts {
  std::int64_t macs = 0;
  std::int64_t weights = 0;       // conv and dense weight elements
  std::int64_t conv_channels = 0; // output channels of the Conv2D layers (one batch norm each in the original)
  std::map<OpKind, int> ops;
};

Counts count(const Network& net) {
  Counts c;
  for (const Layer& l : net.layers) {
    c.macs += layer_macs(net, l);
    ++c.ops[l.op];
    if (l.op == OpKind::Conv2D || l.op == OpKind::Dense) c.weights += l.conv.weights.numel();
    if (l.op == OpKind::Conv2D) c.conv_channels += l.conv.out_channels();
  }
  return c;
}

const Layer& layer(const Network& net, const std::string& name) {
  for (const Layer& l : net.layers)
    if (l.name == name) return l;
  throw Error("no layer " + name);
}

Network build_arch(Arch a, int size = 0, int bits = 4, LutMode lut = LutMode::PerLayer, bool shift_pc = false,
                   std::uint64_t seed = 1) {
  ZooOptions o;
  o.arch = a;
  o.input_size = size;
  o.weight_bits = bits;
  o.lut_mode = lut;
  o.shift_per_channel = shift_pc;
  o.seed = seed;
  return build(o);
}

TEST(Zoo, ArchNames) {
  for (const std::string& n : arch_names()) {
    Arch a{};
    ASSERT_TRUE(parse_arch(n, &a)) << n;
    EXPECT_EQ(arch_name(a), n);
  }
  Arch a{};
  EXPECT_FALSE(parse_arch("vgg16", &a));
}

// LeNet-5 with full C3 connectivity: 61,706 parameters (weights + biases), 416,520 MACs:
// conv1 28*28*6*25 + conv2 10*10*16*150 + fc 400*120 + 120*84 + 84*10.
TEST(Zoo, LeNet5Shapes) {
  for (int size : {32, 28}) {
    const Network net = build_arch(Arch::LeNet5, size);
    EXPECT_NO_THROW(validate(net));
    ASSERT_EQ(net.layers.size(), 8u);
    const std::vector<OpKind> ops{OpKind::Conv2D, OpKind::AvgPool, OpKind::Conv2D, OpKind::AvgPool,
                                  OpKind::Reshape, OpKind::Dense,  OpKind::Dense,  OpKind::Dense};
    for (std::size_t i = 0; i < ops.size(); ++i) EXPECT_EQ(net.layers[i].op, ops[i]) << net.layers[i].name;
    const Counts c = count(net);
    EXPECT_EQ(c.macs, 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10);
    EXPECT_EQ(c.macs, 416520);
    EXPECT_EQ(c.weights + 6 + 16 + 120 + 84 + 10, 61706);
    const ValueInfo& in = net.value(net.input);
    EXPECT_EQ(in.h, size);
    EXPECT_EQ(in.c, 1);
    const ValueInfo& c1 = net.value(layer(net, "conv1").output);
    EXPECT_EQ(c1.h, 28);  // 32 unpadded or 28 padded by 2
    const ValueInfo& out = net.value(net.output);
    EXPECT_EQ(out.h, 1);
    EXPECT_EQ(out.c, 10);
    EXPECT_EQ(out.dtype, DType::S32);
  }
}

// ResNet-18 (He et al. 2016, table 1: 1.8 GFLOPs, counted as multiply-adds) as in torchvision.
TEST(Zoo, ResNet18Shapes) {
  const Network net = build_arch(Arch::ResNet18);
  EXPECT_NO_THROW(validate(net));
  // conv1, maxpool, 8 blocks of (conv, conv, add) plus 3 downsample convs, avgpool, flatten, fc.
  EXPECT_EQ(net.layers.size(), 32u);
  const Counts c = count(net);
  EXPECT_EQ(c.ops.at(OpKind::Conv2D), 20);
  EXPECT_EQ(c.ops.at(OpKind::Add), 8);
  EXPECT_EQ(c.ops.at(OpKind::MaxPool), 1);
  EXPECT_EQ(c.ops.at(OpKind::GlobalAvgPool), 1);
  EXPECT_EQ(c.ops.at(OpKind::Dense), 1);

  // MACs from the published shapes, stage by stage.
  const std::int64_t conv1 = 112LL * 112 * 64 * 7 * 7 * 3;
  const std::int64_t stage1 = 4 * (56LL * 56 * 64 * 9 * 64);
  auto stage = [](std::int64_t hw, std::int64_t ch) {
    return hw * hw * ch * 9 * (ch / 2)     // first conv, stride 2, from ch/2 channels
           + 3 * (hw * hw * ch * 9 * ch)   // three 3x3 convs at ch channels
           + hw * hw * ch * (ch / 2);      // 1x1 stride-2 downsample
  };
  const std::int64_t expected = conv1 + stage1 + stage(28, 128) + stage(14, 256) + stage(7, 512) + 512 * 1000;
  EXPECT_EQ(expected, 1814073344);
  EXPECT_EQ(c.macs, expected);
  EXPECT_NEAR(static_cast<double>(c.macs) / 1.814e9, 1.0, 0.001);  // the usual 1.81 GMACs
  // torchvision's resnet18 has 11,689,512 parameters: our weights plus its batch norms (scale and shift per conv
  // channel) and the fc bias.
  EXPECT_EQ(c.weights + 2 * c.conv_channels + 1000, 11689512);

  EXPECT_EQ(net.value(layer(net, "conv1").output).h, 112);
  EXPECT_EQ(net.value(layer(net, "maxpool").output).h, 56);
  EXPECT_EQ(net.value(layer(net, "layer4.1.add").output).h, 7);
  EXPECT_EQ(net.value(layer(net, "layer4.1.add").output).c, 512);
  const Layer& ds = layer(net, "layer2.0.downsample");
  EXPECT_EQ(ds.conv.win.kh, 1);
  EXPECT_EQ(ds.conv.win.sh, 2);
  const Layer& mp = layer(net, "maxpool");
  EXPECT_EQ(mp.pool.win.kh, 3);
  EXPECT_EQ(mp.pool.win.pad_top, 1);
  EXPECT_EQ(net.value(net.output).c, 1000);
}

// ResNet-50 v1.5 as in torchvision (the stride on the 3x3 conv of a bottleneck): 4.09 GMACs, 25,557,032 parameters.
TEST(Zoo, ResNet50Shapes) {
  const Network net = build_arch(Arch::ResNet50);
  EXPECT_NO_THROW(validate(net));
  const Counts c = count(net);
  // 16 bottleneck blocks of three convs, 4 downsample convs and conv1.
  EXPECT_EQ(c.ops.at(OpKind::Conv2D), 16 * 3 + 4 + 1);
  EXPECT_EQ(c.ops.at(OpKind::Add), 16);
  EXPECT_EQ(c.ops.at(OpKind::Dense), 1);
  // Stage by stage: input side hw (after the stride), width w, blocks n; the first block's 1x1 reduces from `in`
  // channels at the previous side `hw0`, its 3x3 has the stride, and the downsample maps in -> 4w at stride s.
  auto stage = [](std::int64_t hw0, std::int64_t hw, std::int64_t in, std::int64_t w, std::int64_t n) {
    const std::int64_t first = hw0 * hw0 * w * in + hw * hw * w * 9 * w + hw * hw * 4 * w * w + hw * hw * 4 * w * in;
    const std::int64_t rest = (n - 1) * (hw * hw * w * 4 * w + hw * hw * w * 9 * w + hw * hw * 4 * w * w);
    return first + rest;
  };
  const std::int64_t expected = 112LL * 112 * 64 * 147 + stage(56, 56, 64, 64, 3) + stage(56, 28, 256, 128, 4) +
                                stage(28, 14, 512, 256, 6) + stage(14, 7, 1024, 512, 3) + 2048 * 1000;
  EXPECT_EQ(c.macs, expected);
  EXPECT_NEAR(static_cast<double>(c.macs) / 4.09e9, 1.0, 0.005);  // the usual 4.09 GMACs
  // torchvision's resnet50 has 25,557,032 parameters: our weights plus its batch norms and the fc bias.
  EXPECT_EQ(c.weights + 2 * c.conv_channels + 1000, 25557032);
  EXPECT_EQ(net.value(layer(net, "layer4.2.add").output).h, 7);
  EXPECT_EQ(net.value(layer(net, "layer4.2.add").output).c, 2048);
  EXPECT_EQ(layer(net, "layer2.0.conv2").conv.win.sh, 2);
}

// MobileNetV2 (Sandler et al. 2018, table 4: 300M multiply-adds, 3.4M parameters) as in torchvision.
TEST(Zoo, MobileNetV2Shapes) {
  const Network net = build_arch(Arch::MobileNetV2);
  EXPECT_NO_THROW(validate(net));
  // stem, block 1 (dw, project), 16 blocks (expand, dw, project), 10 residual adds, conv_last, avgpool, flatten,
  // fc.
  EXPECT_EQ(net.layers.size(), 65u);
  const Counts c = count(net);
  EXPECT_EQ(c.ops.at(OpKind::Conv2D), 52);
  EXPECT_EQ(c.ops.at(OpKind::Add), 10);
  int depthwise = 0;
  for (const Layer& l : net.layers)
    if (l.op == OpKind::Conv2D && l.conv.groups > 1) {
      ++depthwise;
      EXPECT_EQ(l.conv.groups, net.value(l.inputs[0]).c) << l.name;
      EXPECT_EQ(l.conv.groups, l.conv.out_channels()) << l.name;
      EXPECT_EQ(l.conv.win.kh, 3) << l.name;
    }
  EXPECT_EQ(depthwise, 17);
  EXPECT_NEAR(static_cast<double>(c.macs) / 300e6, 1.0, 0.01);
  EXPECT_EQ(c.macs, 300774272);  // torchvision's mobilenet_v2 figure
  // torchvision's mobilenet_v2 has 3,504,872 parameters (the paper's 3.4M).
  EXPECT_EQ(c.weights + 2 * c.conv_channels + 1000, 3504872);
  EXPECT_EQ(net.value(layer(net, "conv_last").output).c, 1280);
  EXPECT_EQ(net.value(layer(net, "conv_last").output).h, 7);
  // ReLU6: u8 clamped at 192 with exponent -5 (6.0).
  const Layer& dw = layer(net, "block5.dw");
  EXPECT_EQ(dw.conv.clamp.act_min, 0);
  EXPECT_EQ(dw.conv.clamp.act_max, 192);
  EXPECT_EQ(net.value(dw.output).exponent, -5);
  // Projections are linear (s8), residual adds only where stride 1 and the channels match.
  EXPECT_EQ(net.value(layer(net, "block5.project").output).dtype, DType::S8);
  EXPECT_NO_THROW(layer(net, "block3.add"));
  EXPECT_THROW(layer(net, "block4.add"), Error);   // stride 2
  EXPECT_THROW(layer(net, "block11.add"), Error);  // 64 -> 96 channels
}

TEST(Zoo, ReducedVariants) {
  ZooOptions o;
  o.arch = Arch::ResNet18;
  o.input_size = 32;
  o.width = 0.125;
  o.classes = 10;
  const Network r = build(o);
  EXPECT_EQ(r.layers.size(), 32u);
  EXPECT_EQ(r.value(layer(r, "conv1").output).c, 8);
  EXPECT_EQ(r.value(layer(r, "layer4.1.add").output).c, 64);
  EXPECT_EQ(r.value(layer(r, "layer4.1.add").output).h, 1);
  EXPECT_EQ(r.value(r.output).c, 10);
  o.arch = Arch::MobileNetV2;
  o.width = 0.25;
  const Network m = build(o);
  // At width 0.25 the stem and block 1 both have 8 channels, so block 1 gains a residual add (as in torchvision).
  EXPECT_EQ(m.layers.size(), 66u);
  EXPECT_NO_THROW(layer(m, "block1.add"));
  EXPECT_EQ(m.value(layer(m, "conv0").output).c, 8);
  EXPECT_EQ(m.value(layer(m, "conv_last").output).c, 1280);  // torchvision keeps 1280 below width 1
}

TEST(Zoo, BadOptions) {
  ZooOptions o;
  o.weight_bits = 5;
  EXPECT_THROW(build(o), Error);
  o = ZooOptions{};
  o.input_size = 8;
  try {
    build(o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input size 8"), std::string::npos) << e.what();
  }
  o = ZooOptions{};
  o.logits = DType::U8;
  EXPECT_THROW(build(o), Error);
  o = ZooOptions{};
  o.acc_bits = 12;
  EXPECT_THROW(build(o), Error);
}

bool same_network(const Network& a, const Network& b) {
  if (a.layers.size() != b.layers.size() || a.values.size() != b.values.size()) return false;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    if (a.values[i].exponent != b.values[i].exponent || a.values[i].dtype != b.values[i].dtype) return false;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const Layer &x = a.layers[i], &y = b.layers[i];
    if (x.name != y.name || x.op != y.op || x.inputs != y.inputs || x.add.shift != y.add.shift ||
        x.pool.shift != y.pool.shift)
      return false;
    if (x.op == OpKind::Conv2D || x.op == OpKind::Dense) {
      if (!x.conv.weights.same_values(y.conv.weights) || !x.conv.bias.same_values(y.conv.bias) ||
          !x.conv.shift.same_values(y.conv.shift) || x.conv.lut.numel() != y.conv.lut.numel() ||
          (x.conv.lut.numel() && !x.conv.lut.same_values(y.conv.lut)))
        return false;
    }
  }
  return true;
}

TEST(Zoo, DeterministicInSeed) {
  for (Arch a : {Arch::LeNet5, Arch::MobileNetV2}) {
    const int size = a == Arch::LeNet5 ? 32 : 32;
    EXPECT_TRUE(same_network(build_arch(a, size, 3, LutMode::PerChannel, true, 42),
                             build_arch(a, size, 3, LutMode::PerChannel, true, 42)));
    EXPECT_FALSE(same_network(build_arch(a, size, 3, LutMode::PerChannel, true, 42),
                              build_arch(a, size, 3, LutMode::PerChannel, true, 43)));
  }
  const Network n = build_arch(Arch::LeNet5);
  EXPECT_TRUE(random_input(n, 3, 5).same_values(random_input(n, 3, 5)));
  EXPECT_FALSE(random_input(n, 3, 5).same_values(random_input(n, 3, 6)));
  EXPECT_EQ(random_input(n, 3, 5).shape(), (Shape{3, 32, 32, 1}));
}

// A generated network survives the network file unchanged (parameters, exponents, clamps and results).
TEST(Zoo, SurvivesNetworkFile) {
  const std::string path = ::testing::TempDir() + "/zoo_roundtrip_" + std::to_string(::getpid()) + ".npz";
  for (Arch a : {Arch::LeNet5, Arch::ResNet18, Arch::MobileNetV2}) {
    const Network net = build_arch(a, a == Arch::LeNet5 ? 28 : 32, 3, LutMode::PerChannel, true, 11);
    save_network(net, path);
    const Network back = load_network(path);
    EXPECT_TRUE(same_network(net, back)) << arch_name(a);
    const Tensor x = random_input(net, 1, 2);
    EXPECT_TRUE(Executor(net, ArithConfig{}).run(x).output.same_values(Executor(back, ArithConfig{}).run(x).output));
  }
  std::remove(path.c_str());
}

// Every weight width and granularity: the parameter tensors have the contract's shapes and the LUTs are sorted.
TEST(Zoo, EveryOption) {
  for (int bits : {1, 2, 3, 4, 8})
    for (LutMode lut : {LutMode::PerLayer, LutMode::PerChannel})
      for (bool shift_pc : {false, true}) {
        SCOPED_TRACE("bits " + std::to_string(bits) + " lut " + std::string(lut_mode_name(lut)) + " shift " +
                     (shift_pc ? "per_channel" : "per_layer"));
        const Network net = build_arch(Arch::MobileNetV2, 32, bits, lut, shift_pc);
        EXPECT_NO_THROW(validate(net));
        for (const Layer& l : net.layers) {
          if (l.op != OpKind::Conv2D && l.op != OpKind::Dense) continue;
          const ConvParams& p = l.conv;
          const std::int64_t O = p.out_channels();
          EXPECT_EQ(p.weight_bits, bits);
          if (bits == 8) {
            EXPECT_EQ(p.weights.dtype(), DType::S8);
            EXPECT_EQ(p.lut.numel(), 0);
          } else {
            EXPECT_EQ(p.lut_mode, lut);
            ASSERT_EQ(p.lut.shape(), (Shape{lut == LutMode::PerChannel ? O : 1, 1 << bits})) << l.name;
            const std::int8_t* t = p.lut.data<std::int8_t>();
            for (std::int64_t r = 0; r < p.lut.dim(0); ++r)
              EXPECT_TRUE(std::is_sorted(t + r * p.lut.dim(1), t + (r + 1) * p.lut.dim(1))) << l.name;
            EXPECT_NE(t[0], t[p.lut.dim(1) - 1]) << l.name << ": a constant LUT";
          }
          if (net.value(l.output).dtype != DType::S32) {
            EXPECT_EQ(p.shift.numel(), shift_pc ? O : 1) << l.name;
          }
        }
      }
}

// Exponents follow the data flow: pools and adds exactly, convs through a weight exponent of plausible size.
TEST(Zoo, ExponentsConsistent) {
  for (Arch a : {Arch::LeNet5, Arch::ResNet18, Arch::MobileNetV2}) {
    const Network net = build_arch(a, a == Arch::LeNet5 ? 32 : 64);
    EXPECT_EQ(net.value(net.input).exponent, -8);
    for (const Layer& l : net.layers) {
      SCOPED_TRACE(l.name);
      const int e_in = net.value(l.inputs[0]).exponent, e_out = net.value(l.output).exponent;
      switch (l.op) {
        case OpKind::Conv2D:
        case OpKind::Dense: {
          if (l.conv.clamp.act_max == 192) {
            EXPECT_EQ(e_out, -5);  // ReLU6
            break;
          }
          const int s = net.value(l.output).dtype == DType::S32 ? 0 : static_cast<int>(l.conv.shift.get(0));
          const int e_w = e_out - e_in - s;
          EXPECT_GE(e_w, -20);
          EXPECT_LE(e_w, 0);
          break;
        }
        case OpKind::AvgPool:
        case OpKind::GlobalAvgPool: EXPECT_EQ(e_out, e_in + l.pool.shift); break;
        case OpKind::MaxPool:
        case OpKind::Reshape: EXPECT_EQ(e_out, e_in); break;
        case OpKind::Add: {
          const int e_b = net.value(l.inputs[1]).exponent;
          EXPECT_EQ(e_in - l.add.la, e_b - l.add.lb);
          EXPECT_EQ(e_out, e_in - l.add.la + l.add.shift);
          break;
        }
        case OpKind::Concat: break;
      }
      EXPECT_GE(e_out, -40);
      EXPECT_LE(e_out, 40);
    }
  }
}

// Runs the golden model on a random batch and checks every layer's range: saturated outputs (above act_max, or
// below act_min when act_min < 0; a ReLU's low clamp is the activation working) below 2% per layer and 0.5%
// over the network, at least 20% non-zero outputs per layer, no wraps, and logits that differ.
void expect_in_range(const Network& net, int batch, int acc_bits = 32) {
  Executor ex(net, ArithConfig{acc_bits, Rounding::HalfUp}, ExecOptions{.keep_values = true});
  const RunResult r = ex.run(random_input(net, batch, 9));
  std::int64_t sat_total = 0, out_total = 0, wraps = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const LayerStats& st = r.stats[i];
    const ValueInfo& v = net.value(l.output);
    Clamp c{};
    if (l.op == OpKind::Conv2D || l.op == OpKind::Dense) c = l.conv.clamp;
    if (l.op == OpKind::AvgPool || l.op == OpKind::GlobalAvgPool) c = l.pool.clamp;
    if (l.op == OpKind::Add) c = l.add.clamp;
    const std::int64_t sat = st.clamped_high + (c.act_min < 0 ? st.clamped_low : 0);
    const double frac = static_cast<double>(sat) / static_cast<double>(st.outputs);
    EXPECT_LT(frac, 0.02) << net.name << " layer " << l.name << ": " << sat << " of " << st.outputs << " saturate";
    sat_total += sat;
    out_total += st.outputs;
    wraps += st.wraps;
    const Tensor& y = r.values[static_cast<std::size_t>(l.output)];
    std::int64_t nonzero = 0;
    for (std::int64_t k = 0; k < y.numel(); ++k) nonzero += y.get(k) != 0;
    EXPECT_GT(static_cast<double>(nonzero) / static_cast<double>(y.numel()), 0.2)
        << net.name << " layer " << l.name << " (" << dtype_name(v.dtype) << "): mostly zero";
  }
  EXPECT_LT(static_cast<double>(sat_total) / static_cast<double>(out_total), 0.005) << net.name;
  EXPECT_LE(static_cast<double>(wraps), 1e-3 * static_cast<double>(out_total)) << net.name;
  if (acc_bits == 32) {
    EXPECT_EQ(wraps, 0) << net.name;
  }
  const Tensor& y = r.output;
  const std::int64_t per_image = y.numel() / y.dim(0);
  for (std::int64_t n = 0; n < y.dim(0); ++n) {
    std::int64_t lo = y.get(n * per_image), hi = lo;
    for (std::int64_t k = 0; k < per_image; ++k) {
      lo = std::min(lo, y.get(n * per_image + k));
      hi = std::max(hi, y.get(n * per_image + k));
    }
    EXPECT_LT(lo, hi) << net.name << ": image " << n << " has constant logits";
  }
}

TEST(ZooRange, LeNet5) {
  expect_in_range(build_arch(Arch::LeNet5), 8);
  expect_in_range(build_arch(Arch::LeNet5, 28, 2, LutMode::PerChannel, true, 3), 8);
  expect_in_range(build_arch(Arch::LeNet5, 32, 8, LutMode::PerLayer, false, 4), 8);
}

TEST(ZooRange, ResNet18Reduced) {
  expect_in_range(build_arch(Arch::ResNet18, 32, 4, LutMode::PerLayer, false), 1);
  expect_in_range(build_arch(Arch::ResNet18, 32, 2, LutMode::PerChannel, true, 5), 1);
}

TEST(ZooRange, MobileNetV2Reduced) {
  expect_in_range(build_arch(Arch::MobileNetV2, 64, 4, LutMode::PerChannel, false), 1);
  expect_in_range(build_arch(Arch::MobileNetV2, 32, 1, LutMode::PerLayer, true, 6), 2);
  expect_in_range(build_arch(Arch::MobileNetV2, 32, 8, LutMode::PerLayer, false, 7), 2);
}

// Sized for a 16-bit accumulator, the weights shrink so that (almost) nothing wraps at A = 16.
TEST(ZooRange, SixteenBitAccumulator) {
  ZooOptions o;
  o.acc_bits = 16;
  o.logits = DType::S8;
  const Network lenet = build(o);
  expect_in_range(lenet, 8, 16);
  o.arch = Arch::ResNet18;
  o.input_size = 32;
  o.weight_bits = 2;
  o.lut_mode = LutMode::PerChannel;
  expect_in_range(build(o), 1, 16);
  // The same LeNet-5 sized for 32 bits has accumulators far beyond 16 bits.
  Executor ex(build_arch(Arch::LeNet5), ArithConfig{16, Rounding::HalfUp});
  const RunResult r = ex.run(random_input(lenet, 2, 1));
  EXPECT_GT(r.stats[0].wraps, 0);
}

}  // namespace
}  // namespace lutsim::zoo
