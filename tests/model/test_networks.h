// Small hand-built networks for tests, and a field-by-field network comparison.
//
// Every network here is built directly from the IR (no file, no zoo), with deterministic random parameters,
// and passes validate().
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lutsim/model/network.h"

namespace lutsim::testnet {

// A tensor of `dt` and `shape` with values drawn uniformly from [lo, hi].
inline Tensor random_tensor(std::mt19937& rng, DType dt, const Shape& shape, std::int64_t lo, std::int64_t hi) {
  Tensor t(dt, shape);
  std::uniform_int_distribution<std::int64_t> d(lo, hi);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.set(i, d(rng));
  return t;
}

// Builds a Network value by value and layer by layer; shapes are the caller's to get right (validate() checks).
class NetBuilder {
 public:
  NetBuilder(std::string name, std::uint32_t seed) : rng_(seed) { net_.name = std::move(name); }

  int value(const std::string& name, DType dt, int h, int w, int c, int exponent) {
    net_.values.push_back(ValueInfo{name, dt, h, w, c, exponent});
    return static_cast<int>(net_.values.size()) - 1;
  }
  Layer& layer(const std::string& name, OpKind op, std::vector<int> inputs, int output) {
    Layer l;
    l.name = name;
    l.op = op;
    l.inputs = std::move(inputs);
    l.output = output;
    net_.layers.push_back(std::move(l));
    return net_.layers.back();
  }
  // Random parameters for a conv2d/dense layer whose op, inputs, output, groups and window are set: codes
  // (every code value used when there are enough weights), LUT, bias over the whole s32 range, shifts over
  // the whole [-15, 31] range.
  void params(Layer& l, int kh, int kw, int bits, LutMode mode, bool per_channel_shift) {
    const ValueInfo& x = net_.value(l.inputs.at(0));
    const ValueInfo& y = net_.value(l.output);
    ConvParams& p = l.conv;
    const std::int64_t O = y.c, I = x.c / p.groups;
    p.win.kh = kh;
    p.win.kw = kw;
    p.weight_bits = bits;
    p.lut_mode = mode;
    if (bits == 8) {
      p.weights = random_tensor(rng_, DType::S8, {O, kh, kw, I}, -128, 127);
      p.lut = Tensor();
    } else {
      p.weights = random_tensor(rng_, DType::U8, {O, kh, kw, I}, 0, (1 << bits) - 1);
      p.lut = random_tensor(rng_, DType::S8, {mode == LutMode::PerChannel ? O : 1, 1 << bits}, -128, 127);
    }
    p.bias = random_tensor(rng_, DType::S32, {O}, INT32_MIN, INT32_MAX);
    if (y.dtype == DType::S32) {
      p.shift = Tensor();
    } else {
      p.shift = random_tensor(rng_, DType::S8, {per_channel_shift ? O : 1}, -15, 31);
    }
  }
  std::mt19937& rng() { return rng_; }
  Network& net() { return net_; }
  Network finish(int input, int output) {
    net_.input = input;
    net_.output = output;
    validate(net_);
    return net_;
  }

 private:
  Network net_;
  std::mt19937 rng_;
};

inline Window window(int kh, int kw, int sh, int sw, int dh, int dw, int top, int left, int bottom, int right) {
  return Window{kh, kw, sh, sw, dh, dw, top, left, bottom, right};
}

// A network that uses every op kind and most options: grouped, depthwise and dilated convolutions with
// asymmetric padding; weight_bits 1, 2, 3, 4 and 8; per-layer and per-channel LUTs and shifts, negative shifts;
// u8, s8 and s32 outputs; every pool; add with left shifts; two concats; a reshape; a dense layer.
inline Network all_ops_net(std::uint32_t seed = 1) {
  NetBuilder b("all_ops", seed);
  const int x = b.value("x", DType::U8, 9, 7, 4, -7);
  const int c1 = b.value("c1", DType::U8, 9, 7, 8, -5);
  const int d1 = b.value("d1", DType::U8, 9, 7, 8, -5);
  const int g1 = b.value("g1", DType::S8, 9, 7, 8, -6);
  const int a1 = b.value("a1", DType::U8, 9, 7, 8, -4);
  const int m1 = b.value("m1", DType::U8, 5, 4, 8, -4);
  const int p1 = b.value("p1", DType::U8, 5, 4, 8, -4);
  const int cat = b.value("cat", DType::U8, 5, 4, 16, -4);
  const int c2 = b.value("c2", DType::S8, 4, 2, 6, -3);
  const int gap = b.value("gap", DType::S8, 1, 1, 6, -3);
  const int flat = b.value("flat", DType::S8, 1, 1, 48, -3);
  const int cat2 = b.value("cat2", DType::S8, 1, 1, 54, -3);
  const int logits = b.value("logits", DType::S32, 1, 1, 10, -9);

  Layer& l1 = b.layer("conv1", OpKind::Conv2D, {x}, c1);  // 3x3, pad 1: 9x7 -> 9x7
  l1.conv.win = window(3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
  b.params(l1, 3, 3, 4, LutMode::PerChannel, true);
  l1.conv.clamp = {0, 255};

  Layer& l2 = b.layer("dw1", OpKind::Conv2D, {c1}, d1);  // depthwise 3x3 dilation 2, pad 2: 9x7 -> 9x7
  l2.conv.groups = 8;
  l2.conv.win = window(3, 3, 1, 1, 2, 2, 2, 2, 2, 2);
  b.params(l2, 3, 3, 2, LutMode::PerLayer, false);
  l2.conv.clamp = {0, 200};

  Layer& l3 = b.layer("grouped", OpKind::Conv2D, {x}, g1);  // groups 2, 1x3, pads left 1 right 1
  l3.conv.groups = 2;
  l3.conv.win = window(1, 3, 1, 1, 1, 1, 0, 1, 0, 1);
  b.params(l3, 1, 3, 3, LutMode::PerChannel, false);
  l3.conv.shift.set(0, -2);  // a left shift
  l3.conv.clamp = {-100, 100};

  Layer& l4 = b.layer("add1", OpKind::Add, {d1, g1}, a1);
  l4.add = AddParams{1, 0, 1, Clamp{0, 250}};

  Layer& l5 = b.layer("max1", OpKind::MaxPool, {a1}, m1);  // 2x2 stride 2, pads bottom/right 1: 9x7 -> 5x4
  l5.pool.win = window(2, 2, 2, 2, 1, 1, 0, 0, 1, 1);

  Layer& l6 = b.layer("avg1", OpKind::AvgPool, {a1}, p1);  // 3x3 stride 2, pad 1: 9x7 -> 5x4
  l6.pool.win = window(3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
  l6.pool.shift = 3;
  l6.pool.clamp = {0, 255};

  b.layer("cat", OpKind::Concat, {m1, p1}, cat);

  Layer& l8 = b.layer("conv2", OpKind::Conv2D, {cat}, c2);  // 2x2, dilation [1, 2], stride [1, 1]: 5x4 -> 4x2
  l8.conv.win = window(2, 2, 1, 1, 1, 2, 0, 0, 0, 0);
  b.params(l8, 2, 2, 8, LutMode::PerLayer, true);
  l8.conv.clamp = {-128, 127};

  Layer& l9 = b.layer("gap", OpKind::GlobalAvgPool, {c2}, gap);
  l9.pool.shift = 2;
  l9.pool.clamp = {-50, 50};

  b.layer("flatten", OpKind::Reshape, {c2}, flat);
  b.layer("cat2", OpKind::Concat, {gap, flat}, cat2);

  Layer& l12 = b.layer("fc", OpKind::Dense, {cat2}, logits);
  b.params(l12, 1, 1, 1, LutMode::PerChannel, false);
  return b.finish(x, logits);
}

// One conv2d or dense layer between an input and an output, for sweeping the layer's options.
struct ConvCase {
  OpKind op = OpKind::Conv2D;
  int bits = 4;
  LutMode mode = LutMode::PerLayer;
  DType in = DType::U8, out = DType::U8;
  bool per_channel_shift = false;
  int groups = 1;
  std::string describe() const {
    return std::string(op_name(op)) + " b=" + std::to_string(bits) + " " + std::string(lut_mode_name(mode)) + " " +
           std::string(dtype_name(in)) + "->" + std::string(dtype_name(out)) +
           (per_channel_shift ? " shift/channel" : " shift/layer") + " groups=" + std::to_string(groups);
  }
};

inline Network conv_net(const ConvCase& c, std::uint32_t seed) {
  NetBuilder b("conv_case", seed);
  const bool dense = c.op == OpKind::Dense;
  const int cin = 4 * c.groups, cout = 2 * c.groups;
  const int x = dense ? b.value("in", c.in, 1, 1, cin, -3) : b.value("in", c.in, 6, 5, cin, -3);
  // Conv: 3x2 kernel, stride [2, 1], dilation [1, 2], pads [1, 0, 2, 1]: h (6+3-3)/2+1 = 4, w (5+1-3)/1+1 = 4.
  const int y = dense ? b.value("out", c.out, 1, 1, cout, 2) : b.value("out", c.out, 4, 4, cout, 2);
  Layer& l = b.layer("layer", c.op, {x}, y);
  l.conv.groups = c.groups;
  if (!dense) l.conv.win = window(3, 2, 2, 1, 1, 2, 1, 0, 2, 1);
  b.params(l, dense ? 1 : 3, dense ? 1 : 2, c.bits, c.mode, c.per_channel_shift);
  l.conv.clamp = c.out == DType::S8 ? Clamp{-7, 99} : Clamp{3, 200};
  return b.finish(x, y);
}

// Every field that a network file stores is equal. Fields a layer does not use (the window of a dense layer,
// the LUT mode of 8-bit weights, the shift and clamp of an s32 output) are not compared.
inline void expect_same_network(const Network& a, const Network& b) {
  EXPECT_EQ(a.name, b.name);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const ValueInfo &u = a.values[i], &v = b.values[i];
    SCOPED_TRACE("value " + u.name);
    EXPECT_EQ(u.name, v.name);
    EXPECT_EQ(u.dtype, v.dtype);
    EXPECT_EQ(u.h, v.h);
    EXPECT_EQ(u.w, v.w);
    EXPECT_EQ(u.c, v.c);
    EXPECT_EQ(u.exponent, v.exponent);
  }
  EXPECT_EQ(a.input, b.input);
  EXPECT_EQ(a.output, b.output);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  auto same_window = [](const Window& p, const Window& q) {
    EXPECT_EQ(p.kh, q.kh);
    EXPECT_EQ(p.kw, q.kw);
    EXPECT_EQ(p.sh, q.sh);
    EXPECT_EQ(p.sw, q.sw);
    EXPECT_EQ(p.dh, q.dh);
    EXPECT_EQ(p.dw, q.dw);
    EXPECT_EQ(p.pad_top, q.pad_top);
    EXPECT_EQ(p.pad_left, q.pad_left);
    EXPECT_EQ(p.pad_bottom, q.pad_bottom);
    EXPECT_EQ(p.pad_right, q.pad_right);
  };
  auto same_clamp = [](const Clamp& p, const Clamp& q) {
    EXPECT_EQ(p.act_min, q.act_min);
    EXPECT_EQ(p.act_max, q.act_max);
  };
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const Layer &l = a.layers[i], &m = b.layers[i];
    SCOPED_TRACE("layer " + l.name);
    EXPECT_EQ(l.name, m.name);
    ASSERT_EQ(l.op, m.op);
    EXPECT_EQ(l.inputs, m.inputs);
    EXPECT_EQ(l.output, m.output);
    const bool clamped = a.value(l.output).dtype != DType::S32;
    switch (l.op) {
      case OpKind::Conv2D:
      case OpKind::Dense: {
        const ConvParams &p = l.conv, &q = m.conv;
        EXPECT_EQ(p.groups, q.groups);
        if (l.op == OpKind::Conv2D) same_window(p.win, q.win);
        EXPECT_EQ(p.weight_bits, q.weight_bits);
        EXPECT_TRUE(p.weights.same_values(q.weights));
        if (p.weight_bits <= 4) {
          EXPECT_EQ(p.lut_mode, q.lut_mode);
          EXPECT_TRUE(p.lut.same_values(q.lut));
        }
        EXPECT_TRUE(p.bias.same_values(q.bias));
        if (clamped) {
          EXPECT_TRUE(p.shift.same_values(q.shift));
          same_clamp(p.clamp, q.clamp);
        }
        break;
      }
      case OpKind::MaxPool: same_window(l.pool.win, m.pool.win); break;
      case OpKind::AvgPool:
      case OpKind::GlobalAvgPool:
        if (l.op == OpKind::AvgPool) same_window(l.pool.win, m.pool.win);
        EXPECT_EQ(l.pool.shift, m.pool.shift);
        same_clamp(l.pool.clamp, m.pool.clamp);
        break;
      case OpKind::Add:
        EXPECT_EQ(l.add.la, m.add.la);
        EXPECT_EQ(l.add.lb, m.add.lb);
        EXPECT_EQ(l.add.shift, m.add.shift);
        same_clamp(l.add.clamp, m.add.clamp);
        break;
      case OpKind::Concat:
      case OpKind::Reshape: break;
    }
  }
}

}  // namespace lutsim::testnet
