// Random networks on random hardware configs: each seed draws a chain of layers (convolutions with random groups,
// strides, dilations, paddings, weight widths, LUT and shift modes and output dtypes; pools; adds; concats; a
// classifier head) and an array, accumulator width, rounding mode, SRAM sizes and LUT modes, then checks the ISA
// interpreter against the golden model bit for bit under a random schedule.
#include <random>

#include "fw_test_util.h"
#include "net_builder.h"

namespace lutsim::fwtest {
namespace {

class Rng {
 public:
  explicit Rng(std::uint64_t s) : g_(s) {}
  int uni(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_); }
  bool coin(int pct) { return uni(0, 99) < pct; }

 private:
  std::mt19937_64 g_;
};

// A convolution that keeps the map at least 1x1; returns -1 when the draw does not fit.
int random_conv(NetBuilder& b, Rng& r, int x) {
  const ValueInfo v = b.v(x);
  ConvOpt o;
  std::vector<int> divs;
  for (int g = 1; g <= v.c; ++g)
    if (v.c % g == 0) divs.push_back(g);
  o.groups = r.coin(35) ? divs[static_cast<std::size_t>(r.uni(0, static_cast<int>(divs.size()) - 1))] : 1;
  const int mult = r.uni(1, 3);
  o.out_c = r.coin(30) && o.groups > 1 ? o.groups * mult : o.groups * r.uni(1, std::max(1, 24 / o.groups));
  o.kh = r.uni(1, 5);
  o.kw = r.uni(1, 5);
  o.sh = r.uni(1, 3);
  o.sw = r.uni(1, 3);
  o.dh = r.coin(20) ? 2 : 1;
  o.dw = r.coin(20) ? 2 : 1;
  o.pt = r.uni(0, 2);
  o.pb = r.uni(0, 2);
  o.pl = r.uni(0, 2);
  o.pr = r.uni(0, 2);
  const int bits[] = {1, 2, 3, 4, 8};
  o.bits = bits[r.uni(0, 4)];
  o.lut = r.coin(50) ? LutMode::PerChannel : LutMode::PerLayer;
  o.shift_per_channel = r.coin(40);
  o.out = r.coin(60) ? DType::U8 : DType::S8;
  o.shift_bias = r.uni(-2, 2);
  if (window_out(v.h, o.kh, o.sh, o.dh, o.pt, o.pb) < 1 || window_out(v.w, o.kw, o.sw, o.dw, o.pl, o.pr) < 1) return -1;
  return b.conv(x, o);
}

Network random_network(std::uint64_t seed, Tensor* in) {
  for (std::uint64_t attempt = 0;; ++attempt) {
    Rng r(seed * 1000 + attempt);
    NetBuilder b("random_" + std::to_string(seed), r.uni(4, 18), r.uni(4, 18), r.uni(1, 20), r.coin(70) ? DType::U8 : DType::S8,
                 seed * 31 + attempt);
    int x = b.input();
    bool ok = true;
    const int n = r.uni(2, 6);
    for (int i = 0; i < n && ok; ++i) {
      const ValueInfo v = b.v(x);
      const int kind = r.uni(0, 9);
      if (kind <= 4) {
        const int y = random_conv(b, r, x);
        ok = y >= 0;
        x = ok ? y : x;
      } else if (kind == 5 && v.h >= 2 && v.w >= 2) {
        const int k = r.uni(2, 3), s = r.uni(1, 2);
        if (window_out(v.h, k, s, 1, 0, s > 1 ? 1 : 0) >= 1 && window_out(v.w, k, s, 1, 0, 0) >= 1)
          x = b.pool(x, r.coin(50) ? OpKind::MaxPool : OpKind::AvgPool, k, s, 0, r.uni(0, 3));
      } else if (kind == 6) {  // a residual add of x and a same-shape convolution of x
        ConvOpt o;
        o.out_c = v.c;
        o.pt = o.pl = o.pb = o.pr = 1;
        o.out = r.coin(50) ? DType::U8 : DType::S8;
        o.bits = r.uni(1, 4);
        const int y = b.conv(x, o);
        x = b.add(x, y, r.uni(0, 3), r.uni(0, 3), r.uni(0, 4), r.coin(50) ? DType::U8 : DType::S8);
      } else if (kind == 7) {  // concat x with a 1x1 convolution of x of x's dtype
        ConvOpt o;
        o.out_c = r.uni(1, 9);
        o.kh = o.kw = 1;
        o.out = v.dtype;
        const int y = b.conv(x, o);
        x = b.concat({x, y});
      } else if (kind == 8) {
        x = b.pool(x, OpKind::GlobalAvgPool, 0, 0, 0, r.uni(0, 8));
      }
    }
    if (!ok) continue;
    if (r.coin(60)) {  // classifier head
      const ValueInfo v = b.v(x);
      const int flat = b.reshape(x, 1, 1, v.h * v.w * v.c);
      ConvOpt d;
      d.dense = true;
      d.kh = d.kw = 1;
      d.out_c = r.uni(1, 12);
      d.bits = r.coin(30) ? 8 : r.uni(1, 4);
      d.lut = r.coin(50) ? LutMode::PerChannel : LutMode::PerLayer;
      d.out = r.coin(50) ? DType::S32 : DType::S8;
      x = b.conv(flat, d);
    }
    Network net = b.done(x);
    try {
      validate(net);
    } catch (const Error&) {
      continue;  // e.g. a max-pool window entirely in the padding: draw again
    }
    *in = b.random_input(r.uni(1, 2));
    return net;
  }
}

HwConfig random_config(std::uint64_t seed) {
  Rng r(seed * 7919 + 3);
  const int dims[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 24, 32, 48, 64};
  const bool pl = r.coin(75), pc = !pl || r.coin(70);
  const Rounding rs[] = {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor};
  return make_hw("rand" + std::to_string(seed), dims[r.uni(0, 12)], dims[r.uni(0, 12)], r.uni(16, 32), rs[r.uni(0, 2)],
                 r.uni(4, 96), r.uni(2, 48), r.uni(1, 24), r.uni(1, 12), pl, pc);
}

class RandomNets : public ::testing::TestWithParam<int> {};

TEST_P(RandomNets, BitExact) {
  const auto seed = static_cast<std::uint64_t>(GetParam());
  Tensor in;
  const Network net = random_network(seed, &in);
  const Schedule sched[] = {Schedule::ProgramOrder, Schedule::LoadFirst, Schedule::ComputeFirst};
  int ran = 0;
  for (std::uint64_t k = 0; k < 3; ++k) {
    const HwConfig hw = random_config(seed * 3 + k);
    ran += expect_isa_equals_golden(net, hw, in, sched[(seed + k) % 3], (seed + k) % 4 != 0, (seed + k) % 5 == 0) ? 1 : 0;
  }
  RecordProperty("configs_run", ran);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomNets, ::testing::Range(1, 401));

}  // namespace
}  // namespace lutsim::fwtest
