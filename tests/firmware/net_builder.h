// Builds small random networks for the firmware tests: every layer kind and option of the arithmetic contract,
// with deterministic random parameters.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim::fwtest {

struct ConvOpt {
  int out_c = 8;
  int kh = 3, kw = 3;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
  int groups = 1;
  int bits = 4;
  LutMode lut = LutMode::PerLayer;
  bool shift_per_channel = false;
  DType out = DType::U8;  // u8 (ReLU-like clamp), s8 or s32 (raw)
  int shift_bias = 0;     // added to the chosen shift (negative: more saturation)
  bool dense = false;
};

class NetBuilder {
 public:
  NetBuilder(std::string name, int h, int w, int c, DType dt, std::uint64_t seed) : rng_(seed) {
    net_.name = std::move(name);
    net_.input = add_value(dt, h, w, c);
  }

  int input() const { return net_.input; }
  const ValueInfo& v(int id) const { return net_.value(id); }

  int conv(int x, const ConvOpt& o) {
    const ValueInfo xi = v(x);
    Layer l;
    l.name = "L" + std::to_string(net_.layers.size()) + (o.dense ? "_dense" : "_conv");
    l.op = o.dense ? OpKind::Dense : OpKind::Conv2D;
    l.inputs = {x};
    ConvParams& p = l.conv;
    p.groups = o.groups;
    p.win = Window{o.kh, o.kw, o.sh, o.sw, o.dh, o.dw, o.pt, o.pl, o.pb, o.pr};
    p.weight_bits = o.bits;
    p.lut_mode = o.lut;
    const int I = xi.c / o.groups;
    const std::int64_t per_o = std::int64_t{o.kh} * o.kw * I;
    if (o.bits == 8) {
      p.weights = Tensor(DType::S8, {o.out_c, o.kh, o.kw, I});
      for (auto& w : p.weights.span<std::int8_t>()) w = static_cast<std::int8_t>(uni(-128, 127));
    } else {
      p.weights = Tensor(DType::U8, {o.out_c, o.kh, o.kw, I});
      for (auto& w : p.weights.span<std::uint8_t>()) w = static_cast<std::uint8_t>(uni(0, (1 << o.bits) - 1));
      const int L = o.lut == LutMode::PerChannel ? o.out_c : 1;
      p.lut = Tensor(DType::S8, {L, 1 << o.bits});
      for (auto& e : p.lut.span<std::int8_t>()) e = static_cast<std::int8_t>(uni(-128, 127));
    }
    p.bias = Tensor(DType::S32, {o.out_c});
    for (auto& b : p.bias.span<std::int32_t>()) b = static_cast<std::int32_t>(uni(-20000, 20000));
    const int base = std::clamp(static_cast<int>(std::ceil(std::log2(std::sqrt(double(per_o)) * 64.0 * 128.0 / 128.0))) + o.shift_bias,
                                -15, 31);
    if (o.out != DType::S32) {
      p.shift = Tensor(DType::S8, {o.shift_per_channel ? o.out_c : 1});
      for (std::int64_t i = 0; i < p.shift.numel(); ++i)
        p.shift.set(i, std::clamp(base + (o.shift_per_channel ? uni(-2, 2) : 0), -15, 31));
      p.clamp = o.out == DType::U8 ? Clamp{0, 255} : Clamp{-128, 127};
      if (o.out == DType::U8 && uni(0, 1)) p.clamp = Clamp{0, 200};
    }
    const int oh = o.dense ? 1 : window_out(xi.h, o.kh, o.sh, o.dh, o.pt, o.pb);
    const int ow = o.dense ? 1 : window_out(xi.w, o.kw, o.sw, o.dw, o.pl, o.pr);
    return finish(std::move(l), o.out, oh, ow, o.out_c);
  }

  int pool(int x, OpKind op, int k, int s, int pad = 0, int shift = 0, int dil = 1) {
    const ValueInfo xi = v(x);
    Layer l;
    l.name = "L" + std::to_string(net_.layers.size()) + "_" + std::string(op_name(op));
    l.op = op;
    l.inputs = {x};
    if (op == OpKind::GlobalAvgPool) {
      l.pool.shift = shift;
      l.pool.clamp = xi.dtype == DType::U8 ? Clamp{0, 255} : Clamp{-128, 127};
      return finish(std::move(l), xi.dtype, 1, 1, xi.c);
    }
    l.pool.win = Window{k, k, s, s, dil, dil, pad, pad, pad + (s > 1 ? 1 : 0), pad};
    l.pool.shift = shift;
    l.pool.clamp = xi.dtype == DType::U8 ? Clamp{0, 255} : Clamp{-128, 127};
    const Window& w = l.pool.win;
    return finish(std::move(l), xi.dtype, window_out(xi.h, w.kh, w.sh, w.dh, w.pad_top, w.pad_bottom),
                  window_out(xi.w, w.kw, w.sw, w.dw, w.pad_left, w.pad_right), xi.c);
  }

  int add(int a, int b, int la, int lb, int shift, DType out) {
    const ValueInfo ai = v(a);
    Layer l;
    l.name = "L" + std::to_string(net_.layers.size()) + "_add";
    l.op = OpKind::Add;
    l.inputs = {a, b};
    l.add.la = la;
    l.add.lb = lb;
    l.add.shift = shift;
    l.add.clamp = out == DType::U8 ? Clamp{0, 255} : Clamp{-128, 127};
    return finish(std::move(l), out, ai.h, ai.w, ai.c);
  }

  int concat(std::vector<int> xs) {
    const ValueInfo x0 = v(xs[0]);
    int c = 0;
    for (int x : xs) c += v(x).c;
    Layer l;
    l.name = "L" + std::to_string(net_.layers.size()) + "_concat";
    l.op = OpKind::Concat;
    l.inputs = std::move(xs);
    const int id = finish(std::move(l), x0.dtype, x0.h, x0.w, c);
    net_.values[static_cast<std::size_t>(id)].exponent = x0.exponent;
    return id;
  }

  int reshape(int x, int h, int w, int c) {
    const ValueInfo xi = v(x);
    Layer l;
    l.name = "L" + std::to_string(net_.layers.size()) + "_reshape";
    l.op = OpKind::Reshape;
    l.inputs = {x};
    const int id = finish(std::move(l), xi.dtype, h, w, c);
    net_.values[static_cast<std::size_t>(id)].exponent = xi.exponent;
    return id;
  }

  Network done(int output) {
    net_.output = output;
    return net_;
  }

  Tensor random_input(std::int64_t n) {
    const ValueInfo& in = v(net_.input);
    Tensor t(in.dtype, {n, in.h, in.w, in.c});
    for (std::int64_t i = 0; i < t.numel(); ++i)
      t.set(i, in.dtype == DType::U8 ? uni(0, 255) : uni(-128, 127));
    return t;
  }

 private:
  int uni(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  int add_value(DType dt, int h, int w, int c) {
    ValueInfo vi;
    vi.name = "v" + std::to_string(net_.values.size());
    vi.dtype = dt;
    vi.h = h;
    vi.w = w;
    vi.c = c;
    net_.values.push_back(vi);
    return static_cast<int>(net_.values.size()) - 1;
  }
  int finish(Layer l, DType dt, int h, int w, int c) {
    l.output = add_value(dt, h, w, c);
    net_.layers.push_back(std::move(l));
    return net_.layers.back().output;
  }

  Network net_;
  std::mt19937_64 rng_;
};

}  // namespace lutsim::fwtest
