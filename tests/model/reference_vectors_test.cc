// Hand-computed vectors for the reference kernels, run through lutsim::Executor with Backend::Reference.
//
// Every expected value below is worked out by hand in the comment beside it from the contract in
// docs/arithmetic.md, never taken from the code's output. The first tests check rshift_round and wrap from
// arith.h against formulas written independently of it (exact rational arithmetic, long double, i128).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lutsim/hw/config.h"
#include "lutsim/model/arith.h"
#include "lutsim/model/executor.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {
namespace {

using V = std::vector<std::int64_t>;

constexpr Rounding kModes[] = {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor};

// ---------------------------------------------------------------------------------------------------------------
// Building and running small networks.

Tensor tensor(DType dt, Shape shape, const V& v, int exponent = 0) {
  Tensor t(dt, std::move(shape), exponent);
  EXPECT_EQ(static_cast<std::size_t>(t.numel()), v.size()) << "test vector has the wrong length";
  for (std::size_t i = 0; i < v.size() && static_cast<std::int64_t>(i) < t.numel(); ++i)
    t.set(static_cast<std::int64_t>(i), v[i]);
  return t;
}

V values(const Tensor& t) {
  V v(static_cast<std::size_t>(t.numel()));
  for (std::int64_t i = 0; i < t.numel(); ++i) v[static_cast<std::size_t>(i)] = t.get(i);
  return v;
}

struct NetBuilder {
  Network net;

  int value(const std::string& name, DType dt, int h, int w, int c, int exponent = 0) {
    net.values.push_back(ValueInfo{name, dt, h, w, c, exponent});
    return static_cast<int>(net.values.size()) - 1;
  }
  Layer& layer(const std::string& name, OpKind op, std::vector<int> inputs, int output) {
    Layer l;
    l.name = name;
    l.op = op;
    l.inputs = std::move(inputs);
    l.output = output;
    net.layers.push_back(std::move(l));
    return net.layers.back();
  }
};

// A conv/dense layer's parameters, written as flat lists.
struct ConvSpec {
  Shape wshape{};     // [O, KH, KW, I]
  V w{};              // LUT codes (bits <= 4) or s8 weights (bits == 8), flat in [O, KH, KW, I] order
  int bits = 8;
  LutMode lut_mode = LutMode::PerLayer;
  V lut{};            // flat [L, 2^bits]
  V bias{};           // [O]
  V shift = {0};      // [1] or [O]
  Clamp clamp{-128, 127};
  Window win{};       // kh, kw are taken from wshape
  int groups = 1;
};

ConvParams conv_params(const ConvSpec& s) {
  ConvParams p;
  p.groups = s.groups;
  p.win = s.win;
  p.win.kh = static_cast<int>(s.wshape[1]);
  p.win.kw = static_cast<int>(s.wshape[2]);
  p.weight_bits = s.bits;
  p.lut_mode = s.lut_mode;
  p.weights = tensor(s.bits == 8 ? DType::S8 : DType::U8, s.wshape, s.w);
  if (s.bits != 8) {
    const std::int64_t rows = s.lut_mode == LutMode::PerChannel ? s.wshape[0] : 1;
    p.lut = tensor(DType::S8, {rows, std::int64_t{1} << s.bits}, s.lut);
  }
  p.bias = tensor(DType::S32, {s.wshape[0]}, s.bias);
  p.shift = tensor(DType::S8, {static_cast<std::int64_t>(s.shift.size())}, s.shift);
  p.clamp = s.clamp;
  return p;
}

// input [h, w, c] of in_dt -> one conv (or dense) layer -> output of out_dt.
Network conv_net(DType in_dt, int h, int w, int c, DType out_dt, const ConvSpec& s, OpKind op = OpKind::Conv2D) {
  NetBuilder b;
  b.net.name = "conv_net";
  const int x = b.value("x", in_dt, h, w, c);
  const ConvParams p = conv_params(s);
  const int oh = window_out(h, p.win.kh, p.win.sh, p.win.dh, p.win.pad_top, p.win.pad_bottom);
  const int ow = window_out(w, p.win.kw, p.win.sw, p.win.dw, p.win.pad_left, p.win.pad_right);
  const int y = b.value("y", out_dt, oh, ow, static_cast<int>(s.wshape[0]));
  b.layer("conv", op, {x}, y).conv = p;
  b.net.input = x;
  b.net.output = y;
  return b.net;
}

// A depthwise 1x1 conv with raw weights all 1: acc[c] = bias[c] + x[c]. It turns an input vector into
// accumulators of our choosing, so that rshift_round, wrap and clamp can be driven one channel at a time.
Network identity_net(DType in_dt, DType out_dt, const V& bias, const V& shift, Clamp clamp = {-128, 127}) {
  const int C = static_cast<int>(bias.size());
  ConvSpec s{.wshape = {C, 1, 1, 1}, .w = V(static_cast<std::size_t>(C), 1), .bias = bias, .shift = shift,
             .clamp = clamp, .groups = C};
  return conv_net(in_dt, 1, 1, C, out_dt, s);
}

RunResult run_ref(const Network& net, const Tensor& x, ArithConfig cfg = {}) {
  Executor ex(net, cfg, ExecOptions{.backend = Backend::Reference, .keep_values = true});
  return ex.run(x);
}

ArithConfig arith(int acc_bits, Rounding r = Rounding::HalfUp) { return ArithConfig{acc_bits, r}; }

// ---------------------------------------------------------------------------------------------------------------
// rshift_round and wrap against independent formulas.

// floor(a / b) for b > 0, built from C++'s truncating division and remainder.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

std::int64_t pow2(int k) {
  std::int64_t p = 1;
  for (int i = 0; i < k; ++i) p *= 2;
  return p;
}

// v / 2^s as the exact rational q + r / d (0 <= r < d), then rounded by comparing 2r with d.
std::int64_t rshift_rational(std::int64_t v, int s, Rounding m) {
  if (s <= 0) return v * pow2(-s);
  const std::int64_t d = pow2(s);
  const std::int64_t q = floor_div(v, d);
  const std::int64_t r = v - q * d;
  switch (m) {
    case Rounding::Floor: return q;
    case Rounding::HalfUp: return 2 * r >= d ? q + 1 : q;
    case Rounding::HalfEven:
      if (2 * r > d) return q + 1;
      if (2 * r < d) return q;
      return q % 2 == 0 ? q : q + 1;
  }
  return 0;
}

// The same in long double, where v * 2^-s, x + 1/2, floor and nearbyint (ties to even in the default rounding
// mode) are all exact for |v| < 2^63: the 64-bit significand holds every bit of v wherever the binary point is.
static_assert(std::numeric_limits<long double>::digits >= 64, "the long double check needs a 64-bit significand");
std::int64_t rshift_long_double(std::int64_t v, int s, Rounding m) {
  const long double x = std::ldexp(static_cast<long double>(v), -s);
  switch (m) {
    case Rounding::Floor: return static_cast<std::int64_t>(std::floor(x));
    case Rounding::HalfUp: return static_cast<std::int64_t>(std::floor(x + 0.5L));
    case Rounding::HalfEven: return static_cast<std::int64_t>(std::nearbyint(x));
  }
  return 0;
}

void check_rshift(std::int64_t v, int s) {
  for (Rounding m : kModes) {
    const std::int64_t got = rshift_round(v, s, m);
    ASSERT_EQ(got, rshift_rational(v, s, m)) << "v=" << v << " s=" << s << " mode=" << rounding_name(m);
    ASSERT_EQ(got, rshift_long_double(v, s, m)) << "v=" << v << " s=" << s << " mode=" << rounding_name(m);
  }
}

TEST(RshiftRound, AllSmallValuesAndShiftsMatchIndependentFormulas) {
  for (int s = kMinShift; s <= kMaxShift; ++s)
    for (std::int64_t v = -4200; v <= 4200; ++v) check_rshift(v, s);
}

TEST(RshiftRound, ValuesNearPowersOfTwoAndTheBoundMatch) {
  // Around +-2^k and +-2^k * 1.5 for every k up to the bound |v| < 2^47, where ties and carries happen.
  for (int s = kMinShift; s <= kMaxShift; ++s)
    for (int k = 0; k <= 46; ++k)
      for (std::int64_t base : {pow2(k), pow2(k) + pow2(k) / 2})
        for (std::int64_t d = -3; d <= 3; ++d)
          for (std::int64_t v : {base + d, -base + d})
            if (v > -pow2(47) && v < pow2(47)) check_rshift(v, s);
  for (int s = kMinShift; s <= kMaxShift; ++s)
    for (std::int64_t v : {pow2(47) - 1, -pow2(47) + 1, pow2(31) - 1, -pow2(31)}) check_rshift(v, s);
}

TEST(RshiftRound, RandomValuesInsideTheBoundMatch) {
  std::mt19937_64 rng(20261123);
  std::uniform_int_distribution<std::int64_t> val(-pow2(47) + 1, pow2(47) - 1);
  std::uniform_int_distribution<int> sh(kMinShift, kMaxShift);
  for (int i = 0; i < 200000; ++i) check_rshift(val(rng), sh(rng));
}

TEST(RshiftRound, TieTableByHand) {
  // v / 2^s         exact   half_up  half_even  floor
  //  5 >> 1          2.5      3        2         2
  // -5 >> 1         -2.5     -2       -2        -3
  //  3 >> 1          1.5      2        2         1
  // -3 >> 1         -1.5     -1       -2        -2
  //  6 >> 2          1.5      2        2         1
  // -6 >> 2         -1.5     -1       -2        -2
  // -1 >> 1         -0.5      0        0        -1
  // -7 >> 2         -1.75    -2       -2        -2     (not a tie: nearest in both modes)
  struct Row { std::int64_t v; int s; std::int64_t up, even, floor; };
  const Row rows[] = {{5, 1, 3, 2, 2},   {-5, 1, -2, -2, -3}, {3, 1, 2, 2, 1},    {-3, 1, -1, -2, -2},
                      {6, 2, 2, 2, 1},   {-6, 2, -1, -2, -2}, {-1, 1, 0, 0, -1},  {-7, 2, -2, -2, -2}};
  for (const Row& r : rows) {
    EXPECT_EQ(rshift_round(r.v, r.s, Rounding::HalfUp), r.up) << r.v << " >> " << r.s;
    EXPECT_EQ(rshift_round(r.v, r.s, Rounding::HalfEven), r.even) << r.v << " >> " << r.s;
    EXPECT_EQ(rshift_round(r.v, r.s, Rounding::Floor), r.floor) << r.v << " >> " << r.s;
  }
  // A left shift is exact and the same in every mode: -3 * 2^4 = -48, 7 * 2^3 = 56.
  for (Rounding m : kModes) {
    EXPECT_EQ(rshift_round(-3, -4, m), -48);
    EXPECT_EQ(rshift_round(7, -3, m), 56);
  }
}

__extension__ typedef __int128 i128;  // GCC and Clang; -Wpedantic would otherwise reject it

// wrap(v, A) by the textbook formula in 128-bit integers: r = v mod 2^A in [0, 2^A), minus 2^A if r >= 2^(A-1).
std::int64_t wrap_modular(std::int64_t v, int a) {
  const i128 m = static_cast<i128>(1) << a;
  i128 r = static_cast<i128>(v) % m;
  if (r < 0) r += m;
  if (r >= m / 2) r -= m;
  return static_cast<std::int64_t>(r);
}

void check_wrap(std::int64_t v, int a) {
  const std::int64_t w = wrap(v, a);
  ASSERT_EQ(w, wrap_modular(v, a)) << "v=" << v << " A=" << a;
  const i128 lim = static_cast<i128>(1) << (a - 1);
  ASSERT_EQ(fits_bits(v, a), v >= -lim && v < lim) << "v=" << v << " A=" << a;
  ASSERT_EQ(fits_bits(v, a), w == v) << "v=" << v << " A=" << a;
}

TEST(Wrap, AllValuesAroundA16MatchTheModularFormula) {
  for (std::int64_t v = -(std::int64_t{1} << 18); v <= (std::int64_t{1} << 18); ++v) check_wrap(v, 16);
}

TEST(Wrap, BoundariesOfEveryWidthMatchTheModularFormula) {
  // Every A the header allows (2..63), at the multiples of 2^(A-1) where the result jumps, and at the int64 ends.
  for (int a = 2; a <= 63; ++a) {
    for (std::int64_t k = -8; k <= 8; ++k)
      for (std::int64_t d = -2; d <= 2; ++d) {
        const i128 v = static_cast<i128>(k) * (static_cast<i128>(1) << (a - 1)) + d;
        if (v >= std::numeric_limits<std::int64_t>::min() && v <= std::numeric_limits<std::int64_t>::max())
          check_wrap(static_cast<std::int64_t>(v), a);
      }
    check_wrap(std::numeric_limits<std::int64_t>::min(), a);
    check_wrap(std::numeric_limits<std::int64_t>::max(), a);
  }
}

TEST(Wrap, RandomValuesMatchTheModularFormula) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const std::int64_t v = static_cast<std::int64_t>(rng());
    for (int a : {16, 17, 23, 24, 25, 31, 32}) check_wrap(v, a);
  }
}

TEST(Wrap, AccumulationOrderAndIntermediateWrapsDoNotMatter) {
  // Sums of products of s8 weights and u8 activations, wrapped only at the end, wrapped after every step, and
  // accumulated in a shuffled order: all three give the same A-bit accumulator.
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> wd(-128, 127), xd(0, 255);
  for (int a : {16, 24, 32}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<std::int64_t> terms(2000);
      for (auto& t : terms) t = std::int64_t{wd(rng)} * xd(rng);
      std::int64_t exact = 0, stepwise = 0, shuffled = 0;
      for (std::int64_t t : terms) exact += t;
      for (std::int64_t t : terms) stepwise = wrap(stepwise + t, a);
      std::shuffle(terms.begin(), terms.end(), rng);
      for (std::int64_t t : terms) shuffled = wrap(shuffled + t, a);
      ASSERT_EQ(wrap(exact, a), stepwise);
      ASSERT_EQ(wrap(exact, a), shuffled);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conv with LUT codes of 1 to 4 bits, both LUT modes, and raw 8-bit weights.

// Input u8 [1,1,1,4] x = [1, 2, 4, 8]; a 1x1 conv with O = 2, bias [100, -100], raw s32 output.
// In per-channel mode row 0 of the LUT equals the per-layer LUT, so output 0 is the same in both modes and
// output 1 shows that channel 1 decodes through row 1.
struct LutCase {
  int bits;
  LutMode mode;
  V codes;  // [2, 1, 1, 4]
  V lut;
  V expected;
};

TEST(ConvLut, CodesOfOneToFourBitsInBothModes) {
  const LutCase cases[] = {
      // b=1, LUT [-3, 5]. o0 codes [0,1,1,0] -> w [-3,5,5,-3]: -3*1 + 5*2 + 5*4 - 3*8 = -3+10+20-24 = 3; +100 = 103.
      //                   o1 codes [1,1,1,1] -> w [5,5,5,5]: 5*15 = 75; -100 -> -25.
      {1, LutMode::PerLayer, {0, 1, 1, 0, 1, 1, 1, 1}, {-3, 5}, {103, -25}},
      // Row 1 = [7, -1]: o1 -> -1*15 = -15; -100 -> -115.
      {1, LutMode::PerChannel, {0, 1, 1, 0, 1, 1, 1, 1}, {-3, 5, 7, -1}, {103, -115}},
      // b=2, LUT [-2,-1,1,2]. o0 codes [0,1,2,3] -> -2*1 - 1*2 + 1*4 + 2*8 = -2-2+4+16 = 16 -> 116.
      //                      o1 codes [3,3,0,0] -> 2*1 + 2*2 - 2*4 - 2*8 = 2+4-8-16 = -18 -> -118.
      {2, LutMode::PerLayer, {0, 1, 2, 3, 3, 3, 0, 0}, {-2, -1, 1, 2}, {116, -118}},
      // Row 1 = [10,20,30,40]: o1 -> 40*1 + 40*2 + 10*4 + 10*8 = 40+80+40+80 = 240 -> 140.
      {2, LutMode::PerChannel, {0, 1, 2, 3, 3, 3, 0, 0}, {-2, -1, 1, 2, 10, 20, 30, 40}, {116, 140}},
      // b=3, LUT [-128,-64,-8,-1,0,1,8,127]. o0 codes [7,0,4,5] -> 127*1 - 128*2 + 0*4 + 1*8 = 127-256+8 = -121
      //   -> -21. o1 codes [6,6,2,3] -> 8*1 + 8*2 - 8*4 - 1*8 = 8+16-32-8 = -16 -> -116.
      {3, LutMode::PerLayer, {7, 0, 4, 5, 6, 6, 2, 3}, {-128, -64, -8, -1, 0, 1, 8, 127}, {-21, -116}},
      // Row 1 = [0..7]: o1 -> 6*1 + 6*2 + 2*4 + 3*8 = 6+12+8+24 = 50 -> -50.
      {3, LutMode::PerChannel, {7, 0, 4, 5, 6, 6, 2, 3},
       {-128, -64, -8, -1, 0, 1, 8, 127, 0, 1, 2, 3, 4, 5, 6, 7}, {-21, -50}},
      // b=4, LUT[c] = c - 8. o0 codes [15,0,8,9] -> 7*1 - 8*2 + 0*4 + 1*8 = 7-16+8 = -1 -> 99.
      //   o1 codes [1,2,3,4] -> -7*1 - 6*2 - 5*4 - 4*8 = -7-12-20-32 = -71 -> -171.
      {4, LutMode::PerLayer, {15, 0, 8, 9, 1, 2, 3, 4},
       {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, {99, -171}},
      // Row 1 [c] = 8c - 60: codes 1,2,3,4 -> -52, -44, -36, -28;
      //   o1 -> -52*1 - 44*2 - 36*4 - 28*8 = -52-88-144-224 = -508 -> -608.
      {4, LutMode::PerChannel, {15, 0, 8, 9, 1, 2, 3, 4},
       {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7,
        -60, -52, -44, -36, -28, -20, -12, -4, 4, 12, 20, 28, 36, 44, 52, 60}, {99, -608}},
  };
  for (const LutCase& c : cases) {
    SCOPED_TRACE("bits " + std::to_string(c.bits) + " " + std::string(lut_mode_name(c.mode)));
    ConvSpec s{.wshape = {2, 1, 1, 4}, .w = c.codes, .bits = c.bits, .lut_mode = c.mode, .lut = c.lut,
               .bias = {100, -100}};
    const RunResult r = run_ref(conv_net(DType::U8, 1, 1, 4, DType::S32, s), tensor(DType::U8, {1, 1, 1, 4}, {1, 2, 4, 8}));
    EXPECT_EQ(values(r.output), c.expected);
    EXPECT_EQ(r.stats[0].macs, 8);  // 2 outputs x 4 taps
    EXPECT_EQ(r.stats[0].wraps, 0);
  }
}

// Input s8 [1,1,1,2] x = [-128, 127] (both ends of s8); 4-bit codes, per-channel LUT, O = 3, bias 0.
//   row 0 [c] = c - 8:          o0 codes [15, 0] -> w [7, -8]
//   row 1 [c] = c*c - 100:      o1 codes [8, 8]  -> w [-36, -36]
//   row 2 [c] = c odd ? -c : c: o2 codes [1, 14] -> w [-1, 14]
//   acc0 = 7*(-128) + (-8)*127  = -896 - 1016 = -1912
//   acc1 = -36*(-128) - 36*127  = 4608 - 4572 = 36
//   acc2 = -1*(-128) + 14*127   = 128 + 1778 = 1906
ConvSpec s8_lut_spec() {
  V lut;
  for (int c = 0; c < 16; ++c) lut.push_back(c - 8);
  for (int c = 0; c < 16; ++c) lut.push_back(c * c - 100);
  for (int c = 0; c < 16; ++c) lut.push_back(c % 2 ? -c : c);
  return ConvSpec{.wshape = {3, 1, 1, 2}, .w = {15, 0, 8, 8, 1, 14}, .bits = 4, .lut_mode = LutMode::PerChannel,
                  .lut = lut, .bias = {0, 0, 0}};
}

TEST(ConvLut, S8ActivationsRawOutput) {
  const RunResult r = run_ref(conv_net(DType::S8, 1, 1, 2, DType::S32, s8_lut_spec()),
                              tensor(DType::S8, {1, 1, 1, 2}, {-128, 127}));
  EXPECT_EQ(values(r.output), (V{-1912, 36, 1906}));
}

TEST(ConvLut, S8ActivationsPerChannelShiftEachMode) {
  // Per-channel shifts [4, 0, 5]:
  //   -1912 / 16 = -119.5 (a negative tie): half_up -119, half_even -120, floor -120
  //   36 / 1 = 36
  //   1906 / 32 = 59.5625 (1906 = 32*59 + 18): nearest 60, floor 59
  ConvSpec s = s8_lut_spec();
  s.shift = {4, 0, 5};
  const Network net = conv_net(DType::S8, 1, 1, 2, DType::S8, s);
  const Tensor x = tensor(DType::S8, {1, 1, 1, 2}, {-128, 127});
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::HalfUp)).output), (V{-119, 36, 60}));
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::HalfEven)).output), (V{-120, 36, 60}));
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::Floor)).output), (V{-120, 36, 59}));
}

TEST(ConvLut, PerLayerModeIgnoresOutputChannel) {
  // The s8 case above with one per-layer LUT (row 0, c - 8): o1 codes [8, 8] -> w [0, 0] -> 0;
  // o2 codes [1, 14] -> w [-7, 6] -> -7*(-128) + 6*127 = 896 + 762 = 1658; o0 unchanged at -1912.
  ConvSpec s = s8_lut_spec();
  s.lut_mode = LutMode::PerLayer;
  s.lut.resize(16);
  const RunResult r = run_ref(conv_net(DType::S8, 1, 1, 2, DType::S32, s), tensor(DType::S8, {1, 1, 1, 2}, {-128, 127}));
  EXPECT_EQ(values(r.output), (V{-1912, 0, 1658}));
}

TEST(ConvRaw, EightBitWeightsU8Input) {
  // x = [255, 0, 1]; w o0 = [127, -128, -1], o1 = [-128, 5, 127]; bias [-5, 100].
  //   acc0 = 127*255 + 0 - 1 - 5 = 32385 - 6 = 32379
  //   acc1 = -128*255 + 0 + 127 + 100 = -32640 + 227 = -32413
  ConvSpec s{.wshape = {2, 1, 1, 3}, .w = {127, -128, -1, -128, 5, 127}, .bias = {-5, 100}};
  const Tensor x = tensor(DType::U8, {1, 1, 1, 3}, {255, 0, 1});
  EXPECT_EQ(values(run_ref(conv_net(DType::U8, 1, 1, 3, DType::S32, s), x).output), (V{32379, -32413}));

  // u8 output, s = 8, clamp [0, 255]:
  //   32379 / 256 = 126.48 (32379 = 256*126 + 123): 126 in every mode
  //   -32413 / 256 = -126.61: -127 in every mode, below act_min 0 -> 0, one clamp at act_min
  s.shift = {8};
  s.clamp = {0, 255};
  for (Rounding m : kModes) {
    const RunResult r = run_ref(conv_net(DType::U8, 1, 1, 3, DType::U8, s), x, arith(32, m));
    EXPECT_EQ(values(r.output), (V{126, 0})) << rounding_name(m);
    EXPECT_EQ(r.stats[0].clamped_low, 1);
    EXPECT_EQ(r.stats[0].clamped_high, 0);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rounding: ties, positive and negative, in each mode, through a conv.

TEST(ConvRounding, TiesAndNearTiesEachMode) {
  // acc[c] = x[c] (bias 0, weight 1), per-channel shift s[c]:
  //  ch  v     s  v/2^s   half_up half_even floor
  //   0   5    1   2.5      3       2        2
  //   1  -5    1  -2.5     -2      -2       -3
  //   2   3    1   1.5      2       2        1
  //   3  -3    1  -1.5     -1      -2       -2
  //   4   6    2   1.5      2       2        1
  //   5  -6    2  -1.5     -1      -2       -2
  //   6  10    2   2.5      3       2        2
  //   7 -10    2  -2.5     -2      -2       -3
  //   8   7    1   3.5      4       4        3
  //   9  -7    1  -3.5     -3      -4       -4
  //  10   1    1   0.5      1       0        0
  //  11  -1    1  -0.5      0       0       -1
  //  12   7    2   1.75     2       2        1
  //  13  -7    2  -1.75    -2      -2       -2
  //  14 100    3  12.5     13      12       12
  //  15 -100   3 -12.5    -12     -12      -13
  const V x = {5, -5, 3, -3, 6, -6, 10, -10, 7, -7, 1, -1, 7, -7, 100, -100};
  const V s = {1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 3, 3};
  const Network net = identity_net(DType::S8, DType::S8, V(16, 0), s);
  const Tensor in = tensor(DType::S8, {1, 1, 1, 16}, x);
  EXPECT_EQ(values(run_ref(net, in, arith(32, Rounding::HalfUp)).output),
            (V{3, -2, 2, -1, 2, -1, 3, -2, 4, -3, 1, 0, 2, -2, 13, -12}));
  EXPECT_EQ(values(run_ref(net, in, arith(32, Rounding::HalfEven)).output),
            (V{2, -2, 2, -2, 2, -2, 2, -2, 4, -4, 0, 0, 2, -2, 12, -12}));
  EXPECT_EQ(values(run_ref(net, in, arith(32, Rounding::Floor)).output),
            (V{2, -3, 1, -2, 1, -2, 2, -3, 3, -4, 0, -1, 1, -2, 12, -13}));
}

TEST(ConvRounding, TiesOfLargeAccumulatorsEachMode) {
  //  ch  bias          x    acc            s   acc/2^s          half_up half_even floor
  //   0  -1572864      0    -1.5 * 2^20    20  -1.5               -1      -2       -2
  //   1  -1073741824   0    -2^30          31  -0.5                0       0       -1
  //   2  1610612736    0    3 * 2^29       30   1.5                2       2        1
  //   3  2147483520  127    2^31 - 1       31   0.99999999953      1       1        0
  //   4  -2147483648   0    -2^31          31  -1                 -1      -1       -1
  //   5  -671088640    0    -5 * 2^27      28  -2.5               -2      -2       -3
  // Every acc lies inside the 32-bit range (ch 3 and 4 are its two ends), so nothing wraps.
  const Network net = identity_net(DType::S8, DType::S8,
                                   {-1572864, -1073741824, 1610612736, 2147483520, -2147483648LL, -671088640},
                                   {20, 31, 30, 31, 31, 28});
  const Tensor in = tensor(DType::S8, {1, 1, 1, 6}, {0, 0, 0, 127, 0, 0});
  const RunResult up = run_ref(net, in, arith(32, Rounding::HalfUp));
  EXPECT_EQ(values(up.output), (V{-1, 0, 2, 1, -1, -2}));
  EXPECT_EQ(up.stats[0].wraps, 0);
  EXPECT_EQ(values(run_ref(net, in, arith(32, Rounding::HalfEven)).output), (V{-2, 0, 2, 1, -1, -2}));
  EXPECT_EQ(values(run_ref(net, in, arith(32, Rounding::Floor)).output), (V{-2, -1, 1, 0, -1, -3}));
}

// ---------------------------------------------------------------------------------------------------------------
// Accumulator wrap at A = 16, 24 and 32.

TEST(ConvWrap, AtA16) {
  // A = 16: the range is [-32768, 32767] and a wrap adds or subtracts 65536.
  //  ch  bias     x    exact     A=16
  //   0  32757   10    32767     32767    (top of the range: no wrap)
  //   1  32757   11    32768    -32768    (32768 - 65536)
  //   2 -32763   -5   -32768    -32768    (bottom of the range: no wrap)
  //   3 -32763   -6   -32769     32767    (-32769 + 65536)
  //   4  40000    0    40000    -25536    (40000 - 65536: the bias alone is out of range)
  //   5 100000    0   100000    -31072    (100000 - 65536 = 34464, still >= 32768: 34464 - 65536)
  //   6 -100000   0  -100000     31072    (-100000 + 2*65536)
  const Network net = identity_net(DType::S8, DType::S32, {32757, 32757, -32763, -32763, 40000, 100000, -100000}, {0});
  const Tensor in = tensor(DType::S8, {1, 1, 1, 7}, {10, 11, -5, -6, 0, 0, 0});
  const RunResult r16 = run_ref(net, in, arith(16));
  EXPECT_EQ(values(r16.output), (V{32767, -32768, -32768, 32767, -25536, -31072, 31072}));
  EXPECT_EQ(r16.stats[0].wraps, 5);
  EXPECT_EQ(r16.stats[0].outputs, 7);
  // The same network at A = 32 (and A = 24) keeps every exact value.
  for (int a : {24, 32}) {
    const RunResult r = run_ref(net, in, arith(a));
    EXPECT_EQ(values(r.output), (V{32767, 32768, -32768, -32769, 40000, 100000, -100000})) << "A=" << a;
    EXPECT_EQ(r.stats[0].wraps, 0);
  }
}

TEST(ConvWrap, AtA24) {
  // A = 24: the range is [-8388608, 8388607] and a wrap adds or subtracts 16777216.
  //  ch  bias       x    exact       A=24
  //   0  8388600    7    8388607     8388607   (no wrap)
  //   1  8388600    8    8388608    -8388608   (wrap)
  //   2 -8388600   -8   -8388608    -8388608   (no wrap)
  //   3 -8388600   -9   -8388609     8388607   (wrap)
  //   4 10000000    0   10000000    -6777216   (10000000 - 16777216, wrap)
  const Network net = identity_net(DType::S8, DType::S32, {8388600, 8388600, -8388600, -8388600, 10000000}, {0});
  const Tensor in = tensor(DType::S8, {1, 1, 1, 5}, {7, 8, -8, -9, 0});
  const RunResult r = run_ref(net, in, arith(24));
  EXPECT_EQ(values(r.output), (V{8388607, -8388608, -8388608, 8388607, -6777216}));
  EXPECT_EQ(r.stats[0].wraps, 3);
}

TEST(ConvWrap, AtA32) {
  // A = 32: the range is [-2147483648, 2147483647] and a wrap adds or subtracts 4294967296.
  //  ch  bias          x     exact          A=32
  //   0  2147483640    7     2147483647     2147483647   (no wrap)
  //   1  2147483640    8     2147483648    -2147483648   (wrap)
  //   2 -2147483640   -8    -2147483648    -2147483648   (no wrap)
  //   3 -2147483640   -9    -2147483649     2147483647   (wrap)
  //   4  2147483647  127     2147483774    -2147483522   (2147483774 - 4294967296, wrap)
  const Network net =
      identity_net(DType::S8, DType::S32, {2147483640, 2147483640, -2147483640, -2147483640, 2147483647}, {0});
  const Tensor in = tensor(DType::S8, {1, 1, 1, 5}, {7, 8, -8, -9, 127});
  const RunResult r = run_ref(net, in, arith(32));
  EXPECT_EQ(values(r.output), (V{2147483647, -2147483648LL, -2147483648LL, 2147483647, -2147483522LL}));
  EXPECT_EQ(r.stats[0].wraps, 3);
}

TEST(ConvWrap, ProductsWrapAtA16BeforeTheShift) {
  // u8 x = [255, 255]; raw weights o0 = [127, 127], o1 = [127, 1]; bias 0.
  //   o0: 127*255 + 127*255 = 32385 + 32385 = 64770 > 32767 -> A=16: 64770 - 65536 = -766 (a wrap)
  //   o1: 127*255 + 1*255 = 32385 + 255 = 32640 <= 32767 -> no wrap
  ConvSpec s{.wshape = {2, 1, 1, 2}, .w = {127, 127, 127, 1}, .bias = {0, 0}};
  const Tensor x = tensor(DType::U8, {1, 1, 1, 2}, {255, 255});
  const RunResult raw = run_ref(conv_net(DType::U8, 1, 1, 2, DType::S32, s), x, arith(16));
  EXPECT_EQ(values(raw.output), (V{-766, 32640}));
  EXPECT_EQ(raw.stats[0].wraps, 1);

  // s8 output, s = 4, half_up. The shift sees the wrapped accumulator:
  //   -766 / 16 = -47.875 -> -48
  //   32640 / 16 = 2040 -> above 127 -> 127 (clamp at act_max)
  s.shift = {4};
  const RunResult q16 = run_ref(conv_net(DType::U8, 1, 1, 2, DType::S8, s), x, arith(16));
  EXPECT_EQ(values(q16.output), (V{-48, 127}));
  EXPECT_EQ(q16.stats[0].wraps, 1);
  EXPECT_EQ(q16.stats[0].clamped_high, 1);
  // At A = 32 nothing wraps: 64770 / 16 = 4048.125 -> 4048 -> 127; both outputs clamp high.
  const RunResult q32 = run_ref(conv_net(DType::U8, 1, 1, 2, DType::S8, s), x, arith(32));
  EXPECT_EQ(values(q32.output), (V{127, 127}));
  EXPECT_EQ(q32.stats[0].wraps, 0);
  EXPECT_EQ(q32.stats[0].clamped_high, 2);
}

TEST(ConvWrap, ArithmeticComesFromTheHardwareConfig) {
  // The "small" preset (configs/small.json) has A = 24 and half_even rounding; "default" has A = 32, half_up.
  //  ch  bias      x   exact      s    small (A=24, half_even)              default (A=32, half_up)
  //   0  8388600   8   8388608    16   wraps to -8388608; /65536 = -128     128 -> clamp 127
  //   1  8388600   7   8388607    16   127.99998 -> 128 -> clamp 127        same -> 127
  //   2  -7        0   -7          1   -3.5 -> -4 (even)                    -3.5 -> -3
  //   3   3        0    3          1    1.5 -> 2                             1.5 -> 2
  const ArithConfig small = load_hw_config("small").arith();
  const ArithConfig dflt = load_hw_config("default").arith();
  ASSERT_EQ(small.acc_bits, 24);
  ASSERT_EQ(small.rounding, Rounding::HalfEven);
  ASSERT_EQ(dflt.acc_bits, 32);
  ASSERT_EQ(dflt.rounding, Rounding::HalfUp);
  const Network net = identity_net(DType::S8, DType::S8, {8388600, 8388600, -7, 3}, {16, 16, 1, 1});
  const Tensor in = tensor(DType::S8, {1, 1, 1, 4}, {8, 7, 0, 0});
  const RunResult rs = run_ref(net, in, small);
  EXPECT_EQ(values(rs.output), (V{-128, 127, -4, 2}));
  EXPECT_EQ(rs.stats[0].wraps, 1);
  EXPECT_EQ(rs.stats[0].clamped_high, 1);
  EXPECT_EQ(rs.stats[0].clamped_low, 0);  // -128 equals act_min: not strictly below it
  const RunResult rd = run_ref(net, in, dflt);
  EXPECT_EQ(values(rd.output), (V{127, 127, -3, 2}));
  EXPECT_EQ(rd.stats[0].wraps, 0);
  EXPECT_EQ(rd.stats[0].clamped_high, 2);
}

TEST(ConvWrap, BiasFirstOrLastGivesTheSameWrappedSum) {
  // docs/arithmetic.md section 4: u8 x = [255, 255], raw weights [127, 127], bias -1000, A = 16.
  //   bias first: -1000 + 32385 = 31385; + 32385 = 63770 -> 63770 - 65536 = -1766
  //   bias last:  32385 + 32385 = 64770 -> -766; -766 - 1000 = -1766
  //   exact:      63770 -> wrapped once -> -1766. The exact sum is outside 16 bits: one wrap.
  ConvSpec s{.wshape = {1, 1, 1, 2}, .w = {127, 127}, .bias = {-1000}};
  const RunResult r =
      run_ref(conv_net(DType::U8, 1, 1, 2, DType::S32, s), tensor(DType::U8, {1, 1, 1, 2}, {255, 255}), arith(16));
  EXPECT_EQ(values(r.output), (V{-1766}));
  EXPECT_EQ(r.stats[0].wraps, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Left shifts (negative s) and clamps.

TEST(ConvShift, NegativeShiftsAreExactLeftShifts) {
  //  ch  bias          x    s     acc * 2^-s                       s8 out
  //   0  0             3   -1     6                                 6
  //   1  0            -3   -2    -12                               -12
  //   2  0             1  -15     32768                             127  (clamp high)
  //   3  0            -1  -15    -32768                            -128  (clamp low)
  //   4  0             0  -15     0                                 0
  //   5  0             2   -3     16                                16
  //   6  2147483647    0  -15     (2^31 - 1) * 2^15 = 2^46 - 2^15  127  (clamp high; exact in 64 bits)
  //   7 -2147483648    0  -15    -2^31 * 2^15 = -2^46              -128  (clamp low)
  //   8  0           -16   -3    -128                              -128  (equals act_min: no clamp)
  //   9  0            15   -3     120                               120
  const Network net = identity_net(DType::S8, DType::S8, {0, 0, 0, 0, 0, 0, 2147483647, -2147483648LL, 0, 0},
                                   {-1, -2, -15, -15, -15, -3, -15, -15, -3, -3});
  const Tensor in = tensor(DType::S8, {1, 1, 1, 10}, {3, -3, 1, -1, 0, 2, 0, 0, -16, 15});
  for (Rounding m : kModes) {
    const RunResult r = run_ref(net, in, arith(32, m));
    EXPECT_EQ(values(r.output), (V{6, -12, 127, -128, 0, 16, 127, -128, -128, 120})) << rounding_name(m);
    EXPECT_EQ(r.stats[0].clamped_high, 2);
    EXPECT_EQ(r.stats[0].clamped_low, 2);
  }
}

TEST(ConvClamp, ActMinActMaxAndTheirStatisticsEachMode) {
  // u8 output, clamp [10, 200]; acc = bias + x.
  //  ch  bias  x  s  value before the clamp            out (half_up / half_even / floor)
  //   0    0   9  0  9                     < 10: low   10
  //   1    0  10  0  10                    = act_min   10 (not counted)
  //   2    0  11  0  11                                11
  //   3  199   0  0  199                               199
  //   4  200   0  0  200                   = act_max   200 (not counted)
  //   5  201   0  0  201                   > 200: high 200
  //   6  -50   0  0  -50                   low         10
  //   7 1000   0  0  1000                  high        200
  //   8  401   0  1  200.5 -> 201 / 200 / 200          200; high only in half_up
  //   9  399   0  1  199.5 -> 200 / 200 / 199          200 / 200 / 199
  //  10   19   0  1  9.5   -> 10 / 10 / 9              10; low only in floor
  //  11   21   0  1  10.5  -> 11 / 10 / 10             11 / 10 / 10
  // clamped_low:  half_up 2 (ch 0, 6), half_even 2, floor 3 (ch 0, 6, 10)
  // clamped_high: half_up 3 (ch 5, 7, 8), half_even 2 (ch 5, 7), floor 2
  const Network net = identity_net(DType::S8, DType::U8, {0, 0, 0, 199, 200, 201, -50, 1000, 401, 399, 19, 21},
                                   {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, Clamp{10, 200});
  const Tensor in = tensor(DType::S8, {1, 1, 1, 12}, {9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const RunResult up = run_ref(net, in, arith(32, Rounding::HalfUp));
  EXPECT_EQ(values(up.output), (V{10, 10, 11, 199, 200, 200, 10, 200, 200, 200, 10, 11}));
  EXPECT_EQ(up.stats[0].clamped_low, 2);
  EXPECT_EQ(up.stats[0].clamped_high, 3);
  const RunResult even = run_ref(net, in, arith(32, Rounding::HalfEven));
  EXPECT_EQ(values(even.output), (V{10, 10, 11, 199, 200, 200, 10, 200, 200, 200, 10, 10}));
  EXPECT_EQ(even.stats[0].clamped_low, 2);
  EXPECT_EQ(even.stats[0].clamped_high, 2);
  const RunResult fl = run_ref(net, in, arith(32, Rounding::Floor));
  EXPECT_EQ(values(fl.output), (V{10, 10, 11, 199, 200, 200, 10, 200, 200, 199, 10, 10}));
  EXPECT_EQ(fl.stats[0].clamped_low, 3);
  EXPECT_EQ(fl.stats[0].clamped_high, 2);
  EXPECT_EQ(fl.stats[0].outputs, 12);
}

TEST(ConvClamp, NegativeS8Range) {
  // s8 output, clamp [-100, -20]: -101 -> -100 (low), -100, -20, -19 -> -20 (high), -60.
  const Network net = identity_net(DType::S8, DType::S8, {0, 0, 0, 0, 0}, {0}, Clamp{-100, -20});
  const RunResult r = run_ref(net, tensor(DType::S8, {1, 1, 1, 5}, {-101, -100, -20, -19, -60}));
  EXPECT_EQ(values(r.output), (V{-100, -100, -20, -20, -60}));
  EXPECT_EQ(r.stats[0].clamped_low, 1);
  EXPECT_EQ(r.stats[0].clamped_high, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Conv geometry: depthwise, groups, dilation, padding, stride; dense.

TEST(ConvGeometry, Depthwise3x3WithPaddingAndMacsOfPaddedPositions) {
  // Input u8 2x2x2: channel 0 = [[1, 2], [3, 4]], channel 1 = [[10, 20], [30, 40]].
  // Depthwise (groups = 2), 3x3 kernel, pad 1 on every side -> 2x2x2 output; ih = oh + kh - 1, iw = ow + kw - 1.
  // Channel 0 weights [[1,2,3],[4,5,6],[7,8,9]]:
  //   (0,0) taps kh,kw in {1,2}: 5*1 + 6*2 + 8*3 + 9*4 = 5+12+24+36 = 77
  //   (0,1) kh in {1,2}, kw in {0,1}: 4*1 + 5*2 + 7*3 + 8*4 = 4+10+21+32 = 67
  //   (1,0) kh in {0,1}, kw in {1,2}: 2*1 + 3*2 + 5*3 + 6*4 = 2+6+15+24 = 47
  //   (1,1) kh, kw in {0,1}: 1*1 + 2*2 + 4*3 + 5*4 = 1+4+12+20 = 37
  // Channel 1 weights all -1, bias 1000: every window covers all four inputs: 1000 - 100 = 900.
  // MACs: 2x2 positions x 2 channels x 9 taps = 72, padded taps included.
  ConvSpec s{.wshape = {2, 3, 3, 1},
             .w = {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1, -1, -1, -1},
             .bias = {0, 1000},
             .win = Window{.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1},
             .groups = 2};
  const Network net = conv_net(DType::U8, 2, 2, 2, DType::S32, s);
  const RunResult r = run_ref(net, tensor(DType::U8, {1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40}));
  EXPECT_EQ(r.output.shape(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(values(r.output), (V{77, 900, 67, 900, 47, 900, 37, 900}));
  EXPECT_EQ(r.stats[0].macs, 72);
  EXPECT_EQ(layer_macs(net, net.layers[0]), 72);
}

TEST(ConvGeometry, GroupedConvTwoGroupsSixOutputs) {
  // Cin = 4, G = 2: I = 2, three outputs per group. x = [1, 2, 3, 4].
  //   group 0 reads x0, x1 = 1, 2: o0 [1,0] -> 1, o1 [0,1] -> 2, o2 [1,1] -> 3
  //   group 1 reads x2, x3 = 3, 4: o3 [1,0] -> 3, o4 [0,1] -> 4, o5 [-1,-1] -> -7
  ConvSpec s{.wshape = {6, 1, 1, 2}, .w = {1, 0, 0, 1, 1, 1, 1, 0, 0, 1, -1, -1}, .bias = {0, 0, 0, 0, 0, 0}, .groups = 2};
  const RunResult r = run_ref(conv_net(DType::U8, 1, 1, 4, DType::S32, s), tensor(DType::U8, {1, 1, 1, 4}, {1, 2, 3, 4}));
  EXPECT_EQ(values(r.output), (V{1, 2, 3, 3, 4, -7}));
  EXPECT_EQ(r.stats[0].macs, 12);  // 6 outputs x 2 taps
}

TEST(ConvGeometry, DilationAlongWidth) {
  // x = [1, 2, 3, 4, 5] (1x5), kernel 1x2 with dw = 3: span 4, two outputs.
  //   ow 0: 10*x0 + 1*x3 = 10 + 4 = 14;  ow 1: 10*x1 + 1*x4 = 20 + 5 = 25
  ConvSpec s{.wshape = {1, 1, 2, 1}, .w = {10, 1}, .bias = {0}, .win = Window{.dw = 3}};
  const RunResult r = run_ref(conv_net(DType::U8, 1, 5, 1, DType::S32, s), tensor(DType::U8, {1, 1, 5, 1}, {1, 2, 3, 4, 5}));
  EXPECT_EQ(values(r.output), (V{14, 25}));
}

TEST(ConvGeometry, DilationInBothDimensions) {
  // x[h][w] = 3h + w + 1 on 3x3 (1..9); kernel 2x2, dilation 2 -> one output reading the corners
  //   x00 = 1, x02 = 3, x20 = 7, x22 = 9 with w [1, 10, 100, -100]: 1 + 30 + 700 - 900 = -169.
  // (Without dilation the taps would be 1, 2, 4, 5 -> -79.)
  ConvSpec s{.wshape = {1, 2, 2, 1}, .w = {1, 10, 100, -100}, .bias = {0}, .win = Window{.dh = 2, .dw = 2}};
  const RunResult r = run_ref(conv_net(DType::U8, 3, 3, 1, DType::S32, s),
                              tensor(DType::U8, {1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(values(r.output), (V{-169}));
}

TEST(ConvGeometry, DilationStrideAndAsymmetricPadding) {
  // x = [1..6] (1x6), kernel 1x3, dw = 2, sw = 2, pad_left 2, pad_right 1: padded 9, span 5, (9-5)/2+1 = 3 outputs.
  // iw = 2*ow + 2*kw - 2; w = [1, 10, 100]:
  //   ow 0: iw -2 (pad), 0, 2 -> 10*1 + 100*3 = 310
  //   ow 1: iw 0, 2, 4       -> 1*1 + 10*3 + 100*5 = 531
  //   ow 2: iw 2, 4, 6 (pad) -> 1*3 + 10*5 = 53
  ConvSpec s{.wshape = {1, 1, 3, 1}, .w = {1, 10, 100}, .bias = {0},
             .win = Window{.sw = 2, .dw = 2, .pad_left = 2, .pad_right = 1}};
  const RunResult r = run_ref(conv_net(DType::U8, 1, 6, 1, DType::S32, s),
                              tensor(DType::U8, {1, 1, 6, 1}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(values(r.output), (V{310, 531, 53}));
  EXPECT_EQ(r.stats[0].macs, 9);  // 3 outputs x 3 taps, two of them padding
}

TEST(ConvGeometry, AsymmetricPadding) {
  // x = [[1, 2], [3, 4]], kernel 2x2 w = [[1, 2], [3, 4]], pad_top 1, pad_right 1 (others 0) -> 2x2 output.
  // ih = oh + kh - 1, iw = ow + kw:
  //   (0,0): kh 1 only: 3*x00 + 4*x01 = 3 + 8 = 11
  //   (0,1): kh 1, kw 0 only: 3*x01 = 6
  //   (1,0): all four: 1*1 + 2*2 + 3*3 + 4*4 = 30
  //   (1,1): kw 0 only: 1*x01 + 3*x11 = 2 + 12 = 14
  ConvSpec s{.wshape = {1, 2, 2, 1}, .w = {1, 2, 3, 4}, .bias = {0}, .win = Window{.pad_top = 1, .pad_right = 1}};
  const RunResult r = run_ref(conv_net(DType::U8, 2, 2, 1, DType::S32, s), tensor(DType::U8, {1, 2, 2, 1}, {1, 2, 3, 4}));
  EXPECT_EQ(r.output.shape(), (Shape{1, 2, 2, 1}));
  EXPECT_EQ(values(r.output), (V{11, 6, 30, 14}));
  EXPECT_EQ(r.stats[0].macs, 16);  // 4 outputs x 4 taps
}

TEST(ConvGeometry, WorkedExampleOfTheDocs) {
  // docs/arithmetic.md section 12: x = [[1, 2], [3, 4]]; 2-bit codes [[3, 0], [1, 2]], per-layer LUT [-2, -1, 1, 2]
  // -> w = [[2, -2], [-1, 1]]; bias 5, s = 1, pad_top 1, pad_right 1; u8 output.
  //   (0,0): -1*1 + 1*2 = 1;  +5 = 6 -> 3             (0,1): -1*2 = -2;  +5 = 3 -> 1.5
  //   (1,0): 2 - 4 - 3 + 4 = -1;  +5 = 4 -> 2          (1,1): 2*2 - 1*4 = 0;  +5 = 5 -> 2.5
  //   half_up [3, 2, 2, 3], half_even [3, 2, 2, 2], floor [3, 1, 2, 2]; 16 MACs.
  ConvSpec s{.wshape = {1, 2, 2, 1}, .w = {3, 0, 1, 2}, .bits = 2, .lut = {-2, -1, 1, 2}, .bias = {5}, .shift = {1},
             .clamp = {0, 255}, .win = Window{.pad_top = 1, .pad_right = 1}};
  const Network net = conv_net(DType::U8, 2, 2, 1, DType::U8, s);
  const Tensor x = tensor(DType::U8, {1, 2, 2, 1}, {1, 2, 3, 4});
  const RunResult up = run_ref(net, x, arith(32, Rounding::HalfUp));
  EXPECT_EQ(values(up.output), (V{3, 2, 2, 3}));
  EXPECT_EQ(up.stats[0].macs, 16);
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::HalfEven)).output), (V{3, 2, 2, 2}));
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::Floor)).output), (V{3, 1, 2, 2}));
}

TEST(ConvGeometry, StrideInBothDimensions) {
  // x[h][w] = 10h + w on 4x4; kernel 2x1 w = [1, 100] (kh 0, kh 1), sh = 2, sw = 3 -> 2x2 output.
  //   (0,0): x[0][0] + 100*x[1][0] = 0 + 1000 = 1000     (0,1): x[0][3] + 100*x[1][3] = 3 + 1300 = 1303
  //   (1,0): x[2][0] + 100*x[3][0] = 20 + 3000 = 3020    (1,1): x[2][3] + 100*x[3][3] = 23 + 3300 = 3323
  ConvSpec s{.wshape = {1, 2, 1, 1}, .w = {1, 100}, .bias = {0}, .win = Window{.sh = 2, .sw = 3}};
  V x;
  for (int h = 0; h < 4; ++h)
    for (int w = 0; w < 4; ++w) x.push_back(10 * h + w);
  const RunResult r = run_ref(conv_net(DType::U8, 4, 4, 1, DType::S32, s), tensor(DType::U8, {1, 4, 4, 1}, x));
  EXPECT_EQ(values(r.output), (V{1000, 1303, 3020, 3323}));
}

TEST(Dense, FourBitLutBatchOfTwo) {
  // Dense on s8 [N,1,1,3]; codes o0 [0,1,2], o1 [15,15,15]; per-layer LUT[c] = c - 8 -> w0 [-8,-7,-6], w1 [7,7,7];
  // bias [2, -14]; s8 output, s = 1, half_up.
  //  image 0, x = [1, -2, 3]:
  //   o0: -8*1 - 7*(-2) - 6*3 = -8 + 14 - 18 = -12; +2 = -10; /2 = -5
  //   o1: 7*(1 - 2 + 3) = 14; -14 = 0; /2 = 0
  //  image 1, x = [-128, 127, 0]:
  //   o0: -8*(-128) - 7*127 = 1024 - 889 = 135; +2 = 137; /2 = 68.5 -> 69
  //   o1: 7*(-128 + 127) = -7; -14 = -21; /2 = -10.5 -> -10
  // MACs: 2 images x 2 outputs x 3 = 12.
  V lut;
  for (int c = 0; c < 16; ++c) lut.push_back(c - 8);
  ConvSpec s{.wshape = {2, 1, 1, 3}, .w = {0, 1, 2, 15, 15, 15}, .bits = 4, .lut = lut, .bias = {2, -14}, .shift = {1}};
  const Network net = conv_net(DType::S8, 1, 1, 3, DType::S8, s, OpKind::Dense);
  const RunResult r = run_ref(net, tensor(DType::S8, {2, 1, 1, 3}, {1, -2, 3, -128, 127, 0}));
  EXPECT_EQ(values(r.output), (V{-5, 0, 69, -10}));
  EXPECT_EQ(r.stats[0].macs, 12);
  EXPECT_EQ(r.stats[0].outputs, 4);
  EXPECT_EQ(layer_macs(net, net.layers[0]), 6);  // per image
}

// ---------------------------------------------------------------------------------------------------------------
// Pools.

Network pool_net(OpKind op, DType in_dt, int h, int w, int c, DType out_dt, const PoolParams& p) {
  NetBuilder b;
  b.net.name = "pool_net";
  const int x = b.value("x", in_dt, h, w, c);
  int oh = 1, ow = 1;
  if (op != OpKind::GlobalAvgPool) {
    oh = window_out(h, p.win.kh, p.win.sh, p.win.dh, p.win.pad_top, p.win.pad_bottom);
    ow = window_out(w, p.win.kw, p.win.sw, p.win.dw, p.win.pad_left, p.win.pad_right);
  }
  const int y = b.value("y", out_dt, oh, ow, c);
  b.layer("pool", op, {x}, y).pool = p;
  b.net.input = x;
  b.net.output = y;
  return b.net;
}

TEST(MaxPool, PadPositionsAreIgnored) {
  // s8 x = [[-5, -3, -8], [-7, -1, -9]] (2x3); 2x2 window, stride 2, pad_left 1 -> 1x2 output.
  //   ow 0: iw -1 (pad), 0 -> {-5, -7} -> -5   (a pad read as 0 would give 0)
  //   ow 1: iw 1, 2        -> {-3, -8, -1, -9} -> -1
  PoolParams p{.win = Window{.kh = 2, .kw = 2, .sh = 2, .sw = 2, .pad_left = 1}, .clamp = {}};
  const RunResult r = run_ref(pool_net(OpKind::MaxPool, DType::S8, 2, 3, 1, DType::S8, p),
                              tensor(DType::S8, {1, 2, 3, 1}, {-5, -3, -8, -7, -1, -9}));
  EXPECT_EQ(values(r.output), (V{-5, -1}));
  EXPECT_EQ(r.stats[0].macs, 0);
}

TEST(MaxPool, PaddingOnEverySide) {
  // s8 x = [[-5, -3], [-7, -1]]; 2x2 window, stride 1, pad 1 everywhere -> 3x3; window rows oh-1..oh, cols ow-1..ow.
  //   row 0: {x00} = -5,        {x00, x01} = -3,             {x01} = -3
  //   row 1: {x00, x10} = -5,   all = -1,                    {x01, x11} = -1
  //   row 2: {x10} = -7,        {x10, x11} = -1,             {x11} = -1
  PoolParams p{.win = Window{.kh = 2, .kw = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1},
               .clamp = {}};
  const RunResult r = run_ref(pool_net(OpKind::MaxPool, DType::S8, 2, 2, 1, DType::S8, p),
                              tensor(DType::S8, {1, 2, 2, 1}, {-5, -3, -7, -1}));
  EXPECT_EQ(values(r.output), (V{-5, -3, -3, -5, -1, -1, -7, -1, -1}));
}

TEST(MaxPool, DilatedWindowU8) {
  // u8 x = [9, 1, 4, 7, 3]; kernel 1x2, dw = 2 -> 3 outputs: max(x0,x2) = 9, max(x1,x3) = 7, max(x2,x4) = 4.
  PoolParams p{.win = Window{.kh = 1, .kw = 2, .dw = 2}, .clamp = {}};
  const RunResult r = run_ref(pool_net(OpKind::MaxPool, DType::U8, 1, 5, 1, DType::U8, p),
                              tensor(DType::U8, {1, 1, 5, 1}, {9, 1, 4, 7, 3}));
  EXPECT_EQ(values(r.output), (V{9, 7, 4}));
}

TEST(AvgPool, PadPositionsContributeZeroThenShiftEachMode) {
  // u8 x = [[10, 20], [30, 41]]; 2x2 window, stride 1, pad 1 everywhere, s = 2 (always / 4, whatever the count).
  //   sums: row 0: 10, 10+20 = 30, 20;  row 1: 10+30 = 40, 101, 20+41 = 61;  row 2: 30, 30+41 = 71, 41
  //   / 4:  2.5, 7.5, 5, 10, 25.25, 15.25, 7.5, 17.75, 10.25
  //   half_up   3, 8, 5, 10, 25, 15, 8, 18, 10
  //   half_even 2, 8, 5, 10, 25, 15, 8, 18, 10
  //   floor     2, 7, 5, 10, 25, 15, 7, 17, 10
  PoolParams p{.win = Window{.kh = 2, .kw = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1},
               .shift = 2,
               .clamp = {0, 255}};
  const Network net = pool_net(OpKind::AvgPool, DType::U8, 2, 2, 1, DType::U8, p);
  const Tensor x = tensor(DType::U8, {1, 2, 2, 1}, {10, 20, 30, 41});
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::HalfUp)).output), (V{3, 8, 5, 10, 25, 15, 8, 18, 10}));
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::HalfEven)).output), (V{2, 8, 5, 10, 25, 15, 8, 18, 10}));
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::Floor)).output), (V{2, 7, 5, 10, 25, 15, 7, 17, 10}));
}

TEST(AvgPool, ClampAtActMax) {
  // The case above, half_up, with act_max = 20: 25 -> 20 (one clamp high); everything else is <= 20.
  PoolParams p{.win = Window{.kh = 2, .kw = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1},
               .shift = 2,
               .clamp = {0, 20}};
  const RunResult r = run_ref(pool_net(OpKind::AvgPool, DType::U8, 2, 2, 1, DType::U8, p),
                              tensor(DType::U8, {1, 2, 2, 1}, {10, 20, 30, 41}));
  EXPECT_EQ(values(r.output), (V{3, 8, 5, 10, 20, 15, 8, 18, 10}));
  EXPECT_EQ(r.stats[0].clamped_high, 1);
  EXPECT_EQ(r.stats[0].clamped_low, 0);
}

TEST(AvgPool, NegativeTiesWithStrideAndRightPad) {
  // s8 x = [-3, -4, 5]; kernel 1x2, stride 2, pad_right 1 -> 2 outputs; s = 1.
  //   ow 0: -3 - 4 = -7 -> -3.5: half_up -3, half_even -4, floor -4
  //   ow 1: 5 + pad 0 = 5 -> 2.5: half_up 3, half_even 2, floor 2
  PoolParams p{.win = Window{.kh = 1, .kw = 2, .sw = 2, .pad_right = 1}, .shift = 1, .clamp = {-128, 127}};
  const Network net = pool_net(OpKind::AvgPool, DType::S8, 1, 3, 1, DType::S8, p);
  const Tensor x = tensor(DType::S8, {1, 1, 3, 1}, {-3, -4, 5});
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::HalfUp)).output), (V{-3, 3}));
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::HalfEven)).output), (V{-4, 2}));
  EXPECT_EQ(values(run_ref(net, x, arith(32, Rounding::Floor)).output), (V{-4, 2}));
}

TEST(GlobalAvgPool, SumShiftClampEachMode) {
  // s8 2x2x2: channel 0 = [-1, -2, -3, -4] (sum -10), channel 1 = [127] x 4 (sum 508). s = 2, clamp [-2, 127].
  //   ch 0: -10/4 = -2.5: half_up -2, half_even -2, floor -3 -> below act_min -> -2 (clamp low in floor only)
  //   ch 1: 508/4 = 127 exactly in every mode (= act_max, not a clamp)
  PoolParams p{.win = {}, .shift = 2, .clamp = {-2, 127}};
  const Network net = pool_net(OpKind::GlobalAvgPool, DType::S8, 2, 2, 2, DType::S8, p);
  const Tensor x = tensor(DType::S8, {1, 2, 2, 2}, {-1, 127, -2, 127, -3, 127, -4, 127});
  for (Rounding m : kModes) {
    const RunResult r = run_ref(net, x, arith(32, m));
    EXPECT_EQ(r.output.shape(), (Shape{1, 1, 1, 2}));
    EXPECT_EQ(values(r.output), (V{-2, 127})) << rounding_name(m);
    EXPECT_EQ(r.stats[0].clamped_low, m == Rounding::Floor ? 1 : 0) << rounding_name(m);
    EXPECT_EQ(r.stats[0].clamped_high, 0);
    EXPECT_EQ(r.stats[0].macs, 0);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Add, concat, reshape.

TEST(Add, LeftShiftsOfEachInputThenShiftEachMode) {
  // x s8 = [3, -3, 100, -128]; a = identity conv of x with bias [4, 10, -120, 127] -> a = [7, 7, -20, -1].
  // add(a, x), la = 2 (applies to a), lb = 1 (applies to x), s = 3, clamp [-128, 10]:
  //  ch  (a<<2) + (x<<1)       /8      half_up half_even floor
  //   0  28 + 6 = 34            4.25    4       4         4
  //   1  28 - 6 = 22            2.75    3       3         2
  //   2  -80 + 200 = 120       15       10      10        10    (clamp at act_max 10)
  //   3  -4 - 256 = -260      -32.5    -32     -32       -33
  NetBuilder b;
  b.net.name = "add_net";
  const int x = b.value("x", DType::S8, 1, 1, 4);
  const int a = b.value("a", DType::S8, 1, 1, 4);
  const int y = b.value("y", DType::S8, 1, 1, 4);
  b.layer("bias", OpKind::Conv2D, {x}, a).conv =
      conv_params(ConvSpec{.wshape = {4, 1, 1, 1}, .w = {1, 1, 1, 1}, .bias = {4, 10, -120, 127}, .groups = 4});
  b.layer("add", OpKind::Add, {a, x}, y).add = AddParams{.la = 2, .lb = 1, .shift = 3, .clamp = {-128, 10}};
  b.net.input = x;
  b.net.output = y;
  const Tensor in = tensor(DType::S8, {1, 1, 1, 4}, {3, -3, 100, -128});
  const RunResult up = run_ref(b.net, in, arith(32, Rounding::HalfUp));
  EXPECT_EQ(values(up.values[static_cast<std::size_t>(a)]), (V{7, 7, -20, -1}));
  EXPECT_EQ(values(up.output), (V{4, 3, 10, -32}));
  EXPECT_EQ(up.stats[1].clamped_high, 1);
  EXPECT_EQ(up.stats[1].clamped_low, 0);
  EXPECT_EQ(up.stats[1].outputs, 4);
  EXPECT_EQ(up.stats[1].macs, 0);
  EXPECT_EQ(values(run_ref(b.net, in, arith(32, Rounding::HalfEven)).output), (V{4, 3, 10, -32}));
  EXPECT_EQ(values(run_ref(b.net, in, arith(32, Rounding::Floor)).output), (V{4, 2, 10, -33}));
}

TEST(Add, LargestLeftShiftsAreExact) {
  // la = lb = 15, s = 15 on u8 inputs a = b = x: (x*2^15 + x*2^15) / 2^15 = 2x exactly; x = [0, 1, 100, 127, 128]
  // -> [0, 2, 200, 254, 256 -> 255 (clamp high)].
  NetBuilder b;
  b.net.name = "add_net";
  const int x = b.value("x", DType::U8, 1, 1, 5);
  const int y = b.value("y", DType::U8, 1, 1, 5);
  b.layer("add", OpKind::Add, {x, x}, y).add = AddParams{.la = 15, .lb = 15, .shift = 15, .clamp = {0, 255}};
  b.net.input = x;
  b.net.output = y;
  const RunResult r = run_ref(b.net, tensor(DType::U8, {1, 1, 1, 5}, {0, 1, 100, 127, 128}));
  EXPECT_EQ(values(r.output), (V{0, 2, 200, 254, 255}));
  EXPECT_EQ(r.stats[0].clamped_high, 1);
}

TEST(Concat, ChannelOrderFollowsTheInputs) {
  // x s8 1x2x2: pixel 0 = [1, 2], pixel 1 = [3, 4]; a = x + [10, 20] -> pixel 0 [11, 22], pixel 1 [13, 24].
  // concat(x, a, x) -> per pixel [x, a, x]: [1, 2, 11, 22, 1, 2], [3, 4, 13, 24, 3, 4].
  NetBuilder b;
  b.net.name = "concat_net";
  const int x = b.value("x", DType::S8, 1, 2, 2);
  const int a = b.value("a", DType::S8, 1, 2, 2);
  const int y = b.value("y", DType::S8, 1, 2, 6);
  b.layer("bias", OpKind::Conv2D, {x}, a).conv =
      conv_params(ConvSpec{.wshape = {2, 1, 1, 1}, .w = {1, 1}, .bias = {10, 20}, .groups = 2});
  b.layer("cat", OpKind::Concat, {x, a, x}, y);
  b.net.input = x;
  b.net.output = y;
  const RunResult r = run_ref(b.net, tensor(DType::S8, {1, 1, 2, 2}, {1, 2, 3, 4}));
  EXPECT_EQ(values(r.output), (V{1, 2, 11, 22, 1, 2, 3, 4, 13, 24, 3, 4}));
  EXPECT_EQ(r.stats[1].outputs, 12);
}

TEST(Concat, RawAccumulators) {
  // u8 x = [2]. p: w 100, bias 1000000 -> 1000200. q: w [-1, 3], bias [-5, 2000000000] -> [-7, 2000000006].
  // concat(q, p) (s32) -> [-7, 2000000006, 1000200].
  NetBuilder b;
  b.net.name = "concat_s32";
  const int x = b.value("x", DType::U8, 1, 1, 1);
  const int p = b.value("p", DType::S32, 1, 1, 1);
  const int q = b.value("q", DType::S32, 1, 1, 2);
  const int y = b.value("y", DType::S32, 1, 1, 3);
  b.layer("p", OpKind::Conv2D, {x}, p).conv = conv_params(ConvSpec{.wshape = {1, 1, 1, 1}, .w = {100}, .bias = {1000000}});
  b.layer("q", OpKind::Conv2D, {x}, q).conv =
      conv_params(ConvSpec{.wshape = {2, 1, 1, 1}, .w = {-1, 3}, .bias = {-5, 2000000000}});
  b.layer("cat", OpKind::Concat, {q, p}, y);
  b.net.input = x;
  b.net.output = y;
  const RunResult r = run_ref(b.net, tensor(DType::U8, {1, 1, 1, 1}, {2}));
  EXPECT_EQ(values(r.output), (V{-7, 2000000006, 1000200}));
}

// x u8 2x2x3 with x(h, w, c) = 100h + 10w + c; NHWC flat index = 6h + 3w + c.
V hwc_input() {
  V x;
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 2; ++w)
      for (int c = 0; c < 3; ++c) x.push_back(100 * h + 10 * w + c);
  return x;  // [0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]
}

TEST(Reshape, FlattenKeepsNhwcOrderAndDensePicksElements) {
  // flatten to 1x1x12, then dense with one-hot weights at flat index 5 (h0 w1 c2 -> 12) and 7 (h1 w0 c1 -> 101).
  NetBuilder b;
  b.net.name = "flatten_net";
  const int x = b.value("x", DType::U8, 2, 2, 3);
  const int f = b.value("flat", DType::U8, 1, 1, 12);
  const int y = b.value("y", DType::S32, 1, 1, 2);
  b.layer("flatten", OpKind::Reshape, {x}, f);
  V w(24, 0);
  w[5] = 1;
  w[12 + 7] = 1;
  b.layer("fc", OpKind::Dense, {f}, y).conv = conv_params(ConvSpec{.wshape = {2, 1, 1, 12}, .w = w, .bias = {0, 0}});
  b.net.input = x;
  b.net.output = y;
  const RunResult r = run_ref(b.net, tensor(DType::U8, {1, 2, 2, 3}, hwc_input()));
  EXPECT_EQ(values(r.values[static_cast<std::size_t>(f)]), (V{0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112}));
  EXPECT_EQ(r.values[static_cast<std::size_t>(f)].shape(), (Shape{1, 1, 1, 12}));
  EXPECT_EQ(values(r.output), (V{12, 101}));
}

TEST(Reshape, ReshapedChannelsSeenByAGlobalPool) {
  // Reshape 2x2x3 -> 3x2x2: the flat order is kept, so new channel c' holds the flat indices i with i % 2 == c'.
  //   c' 0: indices 0,2,4,6,8,10 -> 0 + 2 + 11 + 100 + 102 + 111 = 326
  //   c' 1: indices 1,3,5,7,9,11 -> 1 + 10 + 12 + 101 + 110 + 112 = 346
  // Global average pool with s = 1: 163, 173 (both exact).
  NetBuilder b;
  b.net.name = "reshape_net";
  const int x = b.value("x", DType::U8, 2, 2, 3);
  const int r3 = b.value("r", DType::U8, 3, 2, 2);
  const int y = b.value("y", DType::U8, 1, 1, 2);
  b.layer("reshape", OpKind::Reshape, {x}, r3);
  b.layer("gap", OpKind::GlobalAvgPool, {r3}, y).pool = PoolParams{.win = {}, .shift = 1, .clamp = {0, 255}};
  b.net.input = x;
  b.net.output = y;
  const RunResult r = run_ref(b.net, tensor(DType::U8, {1, 2, 2, 3}, hwc_input()));
  EXPECT_EQ(values(r.output), (V{163, 173}));
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics over a whole network.

TEST(Stats, PerLayerOverABatch) {
  // conv (3x3, pad 1, 1 -> 1 channel, u8 2x2 in, 2x2 out): MACs 4 x 9 = 36 per image -> 72 for N = 2;
  // maxpool 2x2 -> 1x1: no MACs; 4 + 1 outputs per image.
  // Weights all 1, bias -10, s = 0, clamp [0, 255] (u8):
  //   image 0 x = [[1, 2], [3, 4]]: every 3x3 window covers all four: 10 - 10 = 0 -> four zeros, none clamped
  //   image 1 x = [[0, 0], [0, 5]]: 5 - 10 = -5 -> 0, clamp low x 4
  NetBuilder b;
  b.net.name = "stats_net";
  const int x = b.value("x", DType::U8, 2, 2, 1);
  const int c = b.value("c", DType::U8, 2, 2, 1);
  const int y = b.value("y", DType::U8, 1, 1, 1);
  b.layer("conv", OpKind::Conv2D, {x}, c).conv = conv_params(
      ConvSpec{.wshape = {1, 3, 3, 1}, .w = V(9, 1), .bias = {-10}, .clamp = {0, 255},
               .win = Window{.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1}});
  b.layer("pool", OpKind::MaxPool, {c}, y).pool = PoolParams{.win = Window{.kh = 2, .kw = 2}, .clamp = {}};
  b.net.input = x;
  b.net.output = y;
  const RunResult r = run_ref(b.net, tensor(DType::U8, {2, 2, 2, 1}, {1, 2, 3, 4, 0, 0, 0, 5}));
  EXPECT_EQ(values(r.output), (V{0, 0}));
  EXPECT_EQ(r.stats[0], (LayerStats{.macs = 72, .outputs = 8, .wraps = 0, .clamped_low = 4, .clamped_high = 0}));
  EXPECT_EQ(r.stats[1], (LayerStats{.macs = 0, .outputs = 2, .wraps = 0, .clamped_low = 0, .clamped_high = 0}));
}

}  // namespace
}  // namespace lutsim
