// The float (dequantized) executor and the per-layer quantization error, on tiny networks worked by hand.
#include "lutsim/model/float_exec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lutsim/model/executor.h"
#include "lutsim/model/network.h"

namespace lutsim {
namespace {

using V = std::vector<std::int64_t>;
using D = std::vector<double>;

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor tensor(DType dt, Shape shape, const V& v) {
  Tensor t(dt, std::move(shape));
  for (std::size_t i = 0; i < v.size(); ++i) t.set(static_cast<std::int64_t>(i), v[i]);
  return t;
}

int value(Network& n, const std::string& name, DType dt, int h, int w, int c, int exponent) {
  n.values.push_back(ValueInfo{name, dt, h, w, c, exponent});
  return static_cast<int>(n.values.size()) - 1;
}

Layer& layer(Network& n, const std::string& name, OpKind op, std::vector<int> inputs, int output) {
  Layer l;
  l.name = name;
  l.op = op;
  l.inputs = std::move(inputs);
  l.output = output;
  n.layers.push_back(std::move(l));
  return n.layers.back();
}

// Raw 8-bit weights [O, kh, kw, I], bias, one shift for the layer.
ConvParams raw_conv(Shape wshape, const V& w, const V& bias, int shift, Clamp clamp = {-128, 127}) {
  ConvParams p;
  p.win.kh = static_cast<int>(wshape[1]);
  p.win.kw = static_cast<int>(wshape[2]);
  p.weight_bits = 8;
  const std::int64_t O = wshape[0];
  p.weights = tensor(DType::S8, std::move(wshape), w);
  p.bias = tensor(DType::S32, {O}, bias);
  p.shift = tensor(DType::S8, {1}, {shift});
  p.clamp = clamp;
  return p;
}

RunResult run_int(const Network& net, const Tensor& x, ArithConfig cfg = {}) {
  return Executor(net, cfg, ExecOptions{.backend = Backend::Reference, .keep_values = true}).run(x);
}

D reals(const FloatValue& v) {
  D r;
  for (std::int64_t i = 0; i < v.numel(); ++i) r.push_back(v.real(i));
  return r;
}

// x u8 1x1x2, exponent -2, x = [5, 3] (real 1.25, 0.75)
//   -> conv "c": raw w o0 [1, 1], o1 [3, -2], o2 [-1, -2]; bias [0, 1, 0]; s = 2 -> y s8 1x1x3, exponent -1
//   -> global average pool "gap": s = 1 -> g s8 1x1x3, exponent 0
Network chain_net() {
  Network n;
  n.name = "chain";
  const int x = value(n, "x", DType::U8, 1, 1, 2, -2);
  const int y = value(n, "y", DType::S8, 1, 1, 3, -1);
  const int g = value(n, "g", DType::S8, 1, 1, 3, 0);
  layer(n, "c", OpKind::Conv2D, {x}, y).conv = raw_conv({3, 1, 1, 2}, {1, 1, 3, -2, -1, -2}, {0, 1, 0}, 2);
  Layer& gap = layer(n, "gap", OpKind::GlobalAvgPool, {y}, g);
  gap.pool.shift = 1;
  gap.pool.clamp = {-128, 127};
  n.input = x;
  n.output = g;
  return n;
}

TEST(FloatExec, ConvAndPoolByHand) {
  // conv, exact accumulators: o0 = 5 + 3 = 8; o1 = 1 + 3*5 - 2*3 = 10; o2 = -5 - 6 = -11.
  //   float q~ = acc / 4 = [2, 2.5, -2.75]          real (x 2^-1) = [1, 1.25, -1.375]
  //   integer (half_up) = [2, 3, -3]                real          = [1, 1.5, -1.5]
  // gap over a 1x1 map, s = 1: the float run halves the float y, the integer run rounds the integer y.
  //   float q~ = [1, 1.25, -1.375]                   real (x 2^0)  = the same
  //   integer  = [2/2, 3/2, -3/2] = [1, 1.5 -> 2, -1.5 -> -1]
  const Network net = chain_net();
  const Tensor x = tensor(DType::U8, {1, 1, 1, 2}, {5, 3});
  const FloatRunResult f = FloatExecutor(net).run(x);
  EXPECT_EQ(f.values[0].q, (D{5, 3}));
  EXPECT_EQ(reals(f.values[0]), (D{1.25, 0.75}));
  EXPECT_EQ(f.values[1].q, (D{2, 2.5, -2.75}));
  EXPECT_EQ(f.values[1].exponent, -1);
  EXPECT_EQ(reals(f.values[1]), (D{1, 1.25, -1.375}));
  EXPECT_EQ(f.output.q, (D{1, 1.25, -1.375}));
  EXPECT_EQ(f.output.shape, (Shape{1, 1, 1, 3}));

  const RunResult q = run_int(net, x);
  ASSERT_EQ(q.values[1].get(1), 3);
  ASSERT_EQ(q.output.get(1), 2);
  ASSERT_EQ(q.output.get(2), -1);

  const std::vector<LayerError> e = quantization_error(net, x, q);
  ASSERT_EQ(e.size(), 2u);
  // Layer c, real units: q - f = [1 - 1, 1.5 - 1.25, -1.5 + 1.375] = [0, 0.25, -0.125].
  //   max 0.25, mean 0.375 / 3 = 0.125
  //   sum f^2 = 1 + 1.5625 + 1.890625 = 4.453125; sum d^2 = 0.0625 + 0.015625 = 0.078125; ratio 57
  EXPECT_EQ(e[0].layer, "c");
  EXPECT_EQ(e[0].value, "y");
  EXPECT_EQ(e[0].count, 3);
  EXPECT_DOUBLE_EQ(e[0].max_abs, 0.25);
  EXPECT_DOUBLE_EQ(e[0].mean_abs, 0.125);
  EXPECT_DOUBLE_EQ(e[0].snr_db, 10 * std::log10(57.0));
  // Layer gap: q - f = [1 - 1, 2 - 1.25, -1 + 1.375] = [0, 0.75, 0.375].
  //   max 0.75, mean 1.125 / 3 = 0.375
  //   sum f^2 = 4.453125 (the same reals); sum d^2 = 0.5625 + 0.140625 = 0.703125; ratio 19/3
  EXPECT_EQ(e[1].layer, "gap");
  EXPECT_DOUBLE_EQ(e[1].max_abs, 0.75);
  EXPECT_DOUBLE_EQ(e[1].mean_abs, 0.375);
  EXPECT_DOUBLE_EQ(e[1].snr_db, 10 * std::log10(19.0 / 3.0));
}

TEST(FloatExec, WrapIsLeftOutOfTheFloatRun) {
  // x s8 [100], exponent 0 -> conv "acc": w o0 = 127, o1 = -100; bias [30000, 0]; raw s32 output, exponent -4.
  //   o0 exact = 12700 + 30000 = 42700: outside 16 bits, the integer run wraps it to 42700 - 65536 = -22836
  //   o1 exact = -10000 (no wrap)
  // Reals (x 2^-4): float [2668.75, -625]; integer [-1427.25, -625]; q - f = [-4096, 0] (= -65536 / 16).
  //   max 4096, mean 2048; sum f^2 = 2668.75^2 + 625^2 = 7122226.5625 + 390625 = 7512851.5625; sum d^2 = 4096^2
  Network n;
  n.name = "wrap";
  const int x = value(n, "x", DType::S8, 1, 1, 1, 0);
  const int a = value(n, "a", DType::S32, 1, 1, 2, -4);
  layer(n, "acc", OpKind::Conv2D, {x}, a).conv = raw_conv({2, 1, 1, 1}, {127, -100}, {30000, 0}, 0);
  n.input = x;
  n.output = a;
  const Tensor in = tensor(DType::S8, {1, 1, 1, 1}, {100});
  const FloatRunResult f = FloatExecutor(n).run(in);
  EXPECT_EQ(f.output.q, (D{42700, -10000}));
  EXPECT_EQ(reals(f.output), (D{2668.75, -625}));

  const RunResult q = run_int(n, in, ArithConfig{16, Rounding::HalfUp});
  EXPECT_EQ(q.output.get(0), -22836);
  EXPECT_EQ(q.stats[0].wraps, 1);
  const std::vector<LayerError> e = quantization_error(n, in, q);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_DOUBLE_EQ(e[0].max_abs, 4096);
  EXPECT_DOUBLE_EQ(e[0].mean_abs, 2048);
  EXPECT_DOUBLE_EQ(e[0].snr_db, 10 * std::log10(7512851.5625 / 16777216.0));

  // At A = 32 nothing wraps and the raw output carries no error at all.
  const std::vector<LayerError> e32 = quantization_error(n, in, run_int(n, in));
  EXPECT_EQ(e32[0].max_abs, 0);
  EXPECT_EQ(e32[0].snr_db, kInf);
}

TEST(FloatExec, RealClampAndLeftShift) {
  // x s8 [-3, 7], exponent 0 -> depthwise conv, weights 1, bias [0, 0], s = -4 (a left shift), clamp [0, 100]
  // (ReLU with a lowered top), u8 output, exponent -4.
  //   ch 0: -3 * 16 = -48 -> clamped to 0 in both runs
  //   ch 1:  7 * 16 = 112 -> clamped to 100 in both runs
  // The clamp is the same real clamp in the float run, so it adds no error here.
  Network n;
  n.name = "clamp";
  const int x = value(n, "x", DType::S8, 1, 1, 2, 0);
  const int y = value(n, "y", DType::U8, 1, 1, 2, -4);
  ConvParams p = raw_conv({2, 1, 1, 1}, {1, 1}, {0, 0}, -4, Clamp{0, 100});
  p.groups = 2;
  layer(n, "relu", OpKind::Conv2D, {x}, y).conv = p;
  n.input = x;
  n.output = y;
  const Tensor in = tensor(DType::S8, {1, 1, 1, 2}, {-3, 7});
  const FloatRunResult f = FloatExecutor(n).run(in);
  EXPECT_EQ(f.output.q, (D{0, 100}));
  EXPECT_EQ(reals(f.output), (D{0, 6.25}));
  const std::vector<LayerError> e = quantization_error(n, in, run_int(n, in));
  EXPECT_EQ(e[0].max_abs, 0);
  EXPECT_EQ(e[0].snr_db, kInf);
}

TEST(FloatExec, AddAndMaxPoolByHand) {
  // x s8 [3, -5], exponent -3 -> m = maxpool 1x1 (exact copy) -> add(m, x), la 0, lb 1, s 2 -> y s8, exponent -3.
  //   float q~ = (m + 2x) / 4 = [(3 + 6) / 4, (-5 - 10) / 4] = [2.25, -3.75]
  //   integer half_up = [2, -4] (-3.75 + 0.5 = -3.25 -> -4)
  //   q - f (x 2^-3) = [-0.25, -0.25] / 8 = [-0.03125, -0.03125]
  //   sum f^2 / sum d^2 = (2.25^2 + 3.75^2) / (2 * 0.25^2) = (5.0625 + 14.0625) / 0.125 = 153 (scale cancels)
  Network n;
  n.name = "add";
  const int x = value(n, "x", DType::S8, 1, 1, 2, -3);
  const int m = value(n, "m", DType::S8, 1, 1, 2, -3);
  const int y = value(n, "y", DType::S8, 1, 1, 2, -3);
  layer(n, "mp", OpKind::MaxPool, {x}, m).pool.win = Window{};
  layer(n, "sum", OpKind::Add, {m, x}, y).add = AddParams{.la = 0, .lb = 1, .shift = 2, .clamp = {-128, 127}};
  n.input = x;
  n.output = y;
  const Tensor in = tensor(DType::S8, {1, 1, 1, 2}, {3, -5});
  const FloatRunResult f = FloatExecutor(n).run(in);
  EXPECT_EQ(f.values[static_cast<std::size_t>(m)].q, (D{3, -5}));
  EXPECT_EQ(f.output.q, (D{2.25, -3.75}));
  const std::vector<LayerError> e = quantization_error(n, in, run_int(n, in));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].max_abs, 0);  // maxpool is exact
  EXPECT_EQ(e[0].mean_abs, 0);
  EXPECT_EQ(e[0].snr_db, kInf);
  EXPECT_DOUBLE_EQ(e[1].max_abs, 0.03125);
  EXPECT_DOUBLE_EQ(e[1].mean_abs, 0.03125);
  EXPECT_DOUBLE_EQ(e[1].snr_db, 10 * std::log10(153.0));
}

TEST(FloatExec, AvgPoolWithPaddingByHand) {
  // u8 x = [[10, 20], [30, 41]], exponent 0; 2x2 window, stride 1, pad 1 everywhere, s = 2; u8 out, exponent 0.
  //   float = sums / 4 = [2.5, 7.5, 5, 10, 25.25, 15.25, 7.5, 17.75, 10.25]
  //   integer half_up  = [3,   8,   5, 10, 25,    15,    8,   18,    10]
  //   |q - f|          = [.5,  .5,  0, 0,  .25,   .25,   .5,  .25,   .25]: max 0.5, mean 2.5 / 9
  Network n;
  n.name = "avg";
  const int x = value(n, "x", DType::U8, 2, 2, 1, 0);
  const int y = value(n, "y", DType::U8, 3, 3, 1, 0);
  PoolParams& p = layer(n, "avg", OpKind::AvgPool, {x}, y).pool;
  p.win = Window{.kh = 2, .kw = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1};
  p.shift = 2;
  p.clamp = {0, 255};
  n.input = x;
  n.output = y;
  const Tensor in = tensor(DType::U8, {1, 2, 2, 1}, {10, 20, 30, 41});
  const FloatRunResult f = FloatExecutor(n).run(in);
  EXPECT_EQ(f.output.q, (D{2.5, 7.5, 5, 10, 25.25, 15.25, 7.5, 17.75, 10.25}));
  const std::vector<LayerError> e = quantization_error(n, in, run_int(n, in));
  EXPECT_DOUBLE_EQ(e[0].max_abs, 0.5);
  EXPECT_DOUBLE_EQ(e[0].mean_abs, 2.5 / 9);
}

TEST(FloatExec, ConcatAndReshapeAreExactCopies) {
  // x s8 1x2x1 [4, -6] -> c = conv (w 1, bias 1, s = 1, half_up) -> [2.5, -2.5] float, [3, -2] integer
  // (concat needs equal exponents: all 0 here.) cat per pixel: [x, c] -> float [4, 2.5, -6, -2.5]; flatten to 1x1x4 keeps that order.
  Network n;
  n.name = "cat";
  const int x = value(n, "x", DType::S8, 1, 2, 1, 0);
  const int c = value(n, "c", DType::S8, 1, 2, 1, 0);
  const int k = value(n, "k", DType::S8, 1, 2, 2, 0);
  const int r = value(n, "r", DType::S8, 1, 1, 4, 0);
  layer(n, "conv", OpKind::Conv2D, {x}, c).conv = raw_conv({1, 1, 1, 1}, {1}, {1}, 1);
  layer(n, "cat", OpKind::Concat, {x, c}, k);
  layer(n, "flat", OpKind::Reshape, {k}, r);
  n.input = x;
  n.output = r;
  const Tensor in = tensor(DType::S8, {1, 1, 2, 1}, {4, -6});
  const FloatRunResult f = FloatExecutor(n).run(in);
  EXPECT_EQ(f.values[static_cast<std::size_t>(k)].q, (D{4, 2.5, -6, -2.5}));
  EXPECT_EQ(f.output.q, (D{4, 2.5, -6, -2.5}));
  EXPECT_EQ(f.output.shape, (Shape{1, 1, 1, 4}));
  // Integer: c = [(4 + 1) / 2 = 2.5 -> 3, (-6 + 1) / 2 = -2.5 -> -2]; the copies carry c's error unchanged:
  // |q - f| = [0, 0.5, 0, 0.5] in cat and flat, max 0.5, mean 0.25.
  const std::vector<LayerError> e = quantization_error(n, in, run_int(n, in));
  ASSERT_EQ(e.size(), 3u);
  for (const LayerError& row : e) EXPECT_DOUBLE_EQ(row.max_abs, 0.5) << row.layer;
  EXPECT_DOUBLE_EQ(e[1].mean_abs, 0.25);
  EXPECT_DOUBLE_EQ(e[2].mean_abs, 0.25);
  EXPECT_DOUBLE_EQ(e[1].snr_db, e[2].snr_db);
}

// Every op, every shift <= 0, no clamping (by the bounds below), A = 32 so nothing wraps: both runs are exact,
// so the error is exactly 0 and the SNR +inf on every layer, in every rounding mode.
//   x s8 4x4x3 in {-1, 0, 1}
//   c1   conv 3x3 pad 1, 1-bit LUT [-1, 1] per channel ([1, -1] for channel 2), bias [0, 1, -1],
//        per-channel shifts [-1, 0, -1]: |acc| <= 27 + 1, |c1| <= 56
//   m    maxpool 2x2 stride 2 -> 2x2x3, |m| <= 56
//   a    add(m, m) la 0 lb 0 s 0 -> |a| <= 112
//   g    avgpool 1x2 stride (1, 2), s 0 -> 2x1x3, |g| <= 112
//   cat  concat(m, a) -> 2x2x6; flat reshape -> 1x1x24; gf reshape g -> 1x1x6; cat2 concat(flat, gf) -> 1x1x30
//   fc   dense on cat2, 4-bit LUT [-8..7] per layer, s32 output: |acc| <= 30 * 112 * 8 + 10^6, inside 32 bits
//   fc2  dense on cat2 picking element 24 (g's first) with weight 1, s 0, s8 output: |fc2| <= 112
//   fc2raw  dense on fc2, weight -3, bias 5, s32 output;  out  concat(fc, fc2raw), s32
Network exact_net(std::mt19937& rng) {
  Network n;
  n.name = "exact";
  const int x = value(n, "x", DType::S8, 4, 4, 3, -1);
  const int c1 = value(n, "c1", DType::S8, 4, 4, 3, -2);
  const int m = value(n, "m", DType::S8, 2, 2, 3, -2);
  const int a = value(n, "a", DType::S8, 2, 2, 3, -2);
  const int g = value(n, "g", DType::S8, 2, 1, 3, -2);
  const int cat = value(n, "cat", DType::S8, 2, 2, 6, -2);
  const int flat = value(n, "flat", DType::S8, 1, 1, 24, -2);
  const int gf = value(n, "gf", DType::S8, 1, 1, 6, -2);
  const int cat2 = value(n, "cat2", DType::S8, 1, 1, 30, -2);
  const int fc = value(n, "fc", DType::S32, 1, 1, 5, -7);
  const int fc2 = value(n, "fc2", DType::S8, 1, 1, 1, -3);
  const int out = value(n, "out", DType::S32, 1, 1, 6, -7);

  ConvParams& p1 = layer(n, "c1", OpKind::Conv2D, {x}, c1).conv;
  p1.win = Window{.kh = 3, .kw = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1};
  p1.weight_bits = 1;
  p1.lut_mode = LutMode::PerChannel;
  p1.weights = Tensor(DType::U8, {3, 3, 3, 3});
  std::uniform_int_distribution<int> bit(0, 1);
  for (std::int64_t i = 0; i < p1.weights.numel(); ++i) p1.weights.set(i, bit(rng));
  p1.lut = tensor(DType::S8, {3, 2}, {-1, 1, -1, 1, 1, -1});
  p1.bias = tensor(DType::S32, {3}, {0, 1, -1});
  p1.shift = tensor(DType::S8, {3}, {-1, 0, -1});
  p1.clamp = {-128, 127};

  layer(n, "m", OpKind::MaxPool, {c1}, m).pool.win = Window{.kh = 2, .kw = 2, .sh = 2, .sw = 2};
  layer(n, "a", OpKind::Add, {m, m}, a).add = AddParams{.la = 0, .lb = 0, .shift = 0, .clamp = {-128, 127}};
  PoolParams& pg = layer(n, "g", OpKind::AvgPool, {m}, g).pool;
  pg.win = Window{.kh = 1, .kw = 2, .sh = 1, .sw = 2};
  pg.shift = 0;
  pg.clamp = {-128, 127};
  layer(n, "cat", OpKind::Concat, {m, a}, cat);
  layer(n, "flat", OpKind::Reshape, {cat}, flat);
  layer(n, "gf", OpKind::Reshape, {g}, gf);
  layer(n, "cat2", OpKind::Concat, {flat, gf}, cat2);

  ConvParams& pf = layer(n, "fc", OpKind::Dense, {cat2}, fc).conv;
  pf.weight_bits = 4;
  pf.weights = Tensor(DType::U8, {5, 1, 1, 30});
  std::uniform_int_distribution<int> code(0, 15);
  for (std::int64_t i = 0; i < pf.weights.numel(); ++i) pf.weights.set(i, code(rng));
  pf.lut = tensor(DType::S8, {1, 16}, {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7});
  pf.bias = tensor(DType::S32, {5}, {-1000000, 17, 0, 99, 123456});

  ConvParams& p2 = layer(n, "fc2", OpKind::Dense, {cat2}, fc2).conv;
  V w2(30, 0);
  w2[24] = 1;
  p2 = raw_conv({1, 1, 1, 30}, w2, {0}, 0);

  const int fc2raw = value(n, "fc2raw", DType::S32, 1, 1, 1, -7);
  layer(n, "fc2raw", OpKind::Dense, {fc2}, fc2raw).conv = raw_conv({1, 1, 1, 1}, {-3}, {5}, 0);
  layer(n, "out", OpKind::Concat, {fc, fc2raw}, out);
  n.input = x;
  n.output = out;
  return n;
}

TEST(FloatExec, NoRightShiftNoClampMeansNoError) {
  std::mt19937 rng(5);
  const Network net = exact_net(rng);
  validate(net);
  std::uniform_int_distribution<int> tri(-1, 1);
  Tensor x(DType::S8, {3, 4, 4, 3});
  for (std::int64_t i = 0; i < x.numel(); ++i) x.set(i, tri(rng));
  for (Rounding mode : {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor}) {
    const RunResult q = run_int(net, x, ArithConfig{32, mode});
    for (const LayerStats& s : q.stats) {
      ASSERT_EQ(s.clamped_low, 0);
      ASSERT_EQ(s.clamped_high, 0);
      ASSERT_EQ(s.wraps, 0);
    }
    const std::vector<LayerError> e = quantization_error(net, x, q);
    ASSERT_EQ(e.size(), net.layers.size());
    for (const LayerError& row : e) {
      EXPECT_EQ(row.max_abs, 0) << row.layer;
      EXPECT_EQ(row.mean_abs, 0) << row.layer;
      EXPECT_EQ(row.snr_db, kInf) << row.layer;
    }
    // Float and integer values agree element for element.
    const FloatRunResult f = FloatExecutor(net).run(x);
    for (std::size_t id = 0; id < net.values.size(); ++id)
      for (std::int64_t i = 0; i < q.values[id].numel(); ++i)
        ASSERT_EQ(f.values[id].q[static_cast<std::size_t>(i)], static_cast<double>(q.values[id].get(i)))
            << net.values[id].name << "[" << i << "]";
  }
}

TEST(FloatExec, ErrorTableNeedsKeptValues) {
  const Network net = chain_net();
  const Tensor x = tensor(DType::U8, {1, 1, 1, 2}, {5, 3});
  const RunResult q = Executor(net, {}, ExecOptions{.backend = Backend::Reference}).run(x);
  try {
    quantization_error(net, x, q);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("keep_values"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'chain'"), std::string::npos) << e.what();
  }
}

TEST(FloatExec, ErrorTableText) {
  const Network net = chain_net();
  const Tensor x = tensor(DType::U8, {1, 1, 1, 2}, {5, 3});
  const std::string t = format_error_table(quantization_error(net, x, run_int(net, x)));
  EXPECT_NE(t.find("layer"), std::string::npos) << t;
  EXPECT_NE(t.find("snr_db"), std::string::npos) << t;
  EXPECT_NE(t.find("gap"), std::string::npos) << t;
  EXPECT_NE(t.find("0.25"), std::string::npos) << t;  // layer c's max error
  EXPECT_NE(t.find("17.56"), std::string::npos) << t;  // 10 log10(57) = 17.558...
  EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 3);
}

}  // namespace
}  // namespace lutsim
