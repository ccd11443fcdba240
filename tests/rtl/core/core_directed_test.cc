// Directed tests of the RTL core: extreme products and accumulator wrap boundaries at each A, LUT and group-mask
// selection against hand-computed sums, and every latency at its edge (not done at N - 1, done at N) with the
// formulas of docs/rtl_core.md (architecture.md section 11).
#include <algorithm>
#include <vector>

#include "core_test_util.h"
#include "lutsim/model/arith.h"

namespace lutsim::rtlcore {
namespace {

using Models = ::testing::Types<Vrtl_core_r4c4_a16, Vrtl_core_r8c4_a24, Vrtl_core_r3c5_a20, Vrtl_core_r16c16_a32>;

isa::Instruction wcfg(int mode, int bits, std::int64_t lut_addr = 0, std::int64_t in_group = 0,
                      std::int64_t out_group = 0, std::int64_t out_offset = 0) {
  isa::Wcfg w;
  w.mode = mode;
  w.bits = bits;
  w.lut_addr = lut_addr;
  w.in_group = in_group;
  w.out_group = out_group;
  w.out_offset = out_offset;
  return isa::Instruction{{}, w};
}

// One pixel, one tap of `span` rows: act bytes at 0.., weight rows at wgt 0.., the result in entry `entry`.
isa::Gemm one_pixel(const CoreConfig& cfg, std::int64_t span, std::int64_t entry, bool act_signed, bool accumulate) {
  isa::Gemm g;
  g.accumulate = accumulate;
  g.act_signed = act_signed;
  g.n_cols = cfg.cols;
  g.span = span;
  g.pix_stride = span;
  g.row_stride = span;
  g.acc_addr = entry;
  return g;
}

template <class M>
class CoreDirectedTest : public CoreFixture<M> {
 protected:
  // Raw weights: every code of rows 0..rows-1 of block 0 = w.
  static void fill_raw(Memories& m, std::int64_t rows, std::int8_t w) {
    for (std::int64_t i = 0; i < rows * ModelConfig<M>::get().cols; ++i) m.wgt[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(w);
  }
};
TYPED_TEST_SUITE(CoreDirectedTest, Models);

// The largest products: -128 * 255 (u8), -128 * -128 and 127 * 255, summed over R rows and wrapped to A bits.
TYPED_TEST(CoreDirectedTest, ExtremeProducts) {
  auto h = this->make();
  const CoreConfig cfg = ModelConfig<TypeParam>::get();
  const std::int64_t R = cfg.rows, C = cfg.cols;
  struct Case { std::int8_t w; std::uint8_t x; bool s; std::int64_t prod; };
  const Case cases[] = {{-128, 255, false, -32640}, {-128, 0x80, true, 16384}, {127, 255, false, 32385},
                        {127, 0x80, true, -16256}, {-1, 255, false, -255}};
  for (const Case& k : cases) {
    Memories& m = h->mem();
    std::fill(m.act.begin(), m.act.end(), k.x);
    this->fill_raw(m, 2 * R, k.w);
    std::fill(m.acc.begin(), m.acc.end(), 0x5a5a5a5a);
    // Two chunks (span 2R): every partial sum passes through the A-bit accumulator twice.
    isa::Gemm g = one_pixel(cfg, 2 * R, 3, k.s, false);
    g.n_cols = C > 1 ? C - 1 : 1;
    h->run(encode_all({wcfg(0, 8), isa::Instruction{{}, g}}));
    const std::int32_t want = static_cast<std::int32_t>(wrap(2 * R * k.prod, cfg.acc_bits));
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int32_t got = m.acc[static_cast<std::size_t>(3 * C + c)];
      if (c < g.n_cols) EXPECT_EQ(got, want) << "w " << int{k.w} << " x " << int{k.x} << " lane " << c;
      else EXPECT_EQ(got, 0x5a5a5a5a) << "lane " << c << " is past n_cols and must keep its value";
    }
  }
}

// Accumulating across the A-bit boundary: max + 1 wraps to min, min - 1 to max; bits above A of the stored value
// do not matter.
TYPED_TEST(CoreDirectedTest, WrapBoundaries) {
  auto h = this->make();
  const CoreConfig cfg = ModelConfig<TypeParam>::get();
  const std::int64_t C = cfg.cols, A = cfg.acc_bits;
  const std::int64_t maxv = (std::int64_t{1} << (A - 1)) - 1, minv = -(std::int64_t{1} << (A - 1));
  struct Case { std::int64_t old; std::int8_t w; std::int64_t want; };
  const Case cases[] = {{maxv, 1, minv}, {minv, -1, maxv}, {maxv - 1, 1, maxv}, {minv + 1, -1, minv},
                        {static_cast<std::int32_t>(0x7fffffff), 1, wrap(std::int64_t{0x7fffffff} + 1, static_cast<int>(A))}};
  for (const Case& k : cases) {
    Memories& m = h->mem();
    std::fill(m.act.begin(), m.act.end(), std::uint8_t{1});
    this->fill_raw(m, cfg.rows, k.w);
    for (std::int64_t c = 0; c < C; ++c) m.acc[static_cast<std::size_t>(5 * C + c)] = static_cast<std::int32_t>(k.old);
    h->run(encode_all({wcfg(0, 8), isa::Instruction{{}, one_pixel(cfg, 1, 5, false, true)}}));
    for (std::int64_t c = 0; c < C; ++c)
      EXPECT_EQ(m.acc[static_cast<std::size_t>(5 * C + c)], k.want) << "old " << k.old << " + " << int{k.w} << " lane " << c;
  }
}

// Per-channel LUTs: column c reads its own LUT through 2-bit codes; per-layer: one 3-bit LUT in every column.
TYPED_TEST(CoreDirectedTest, LutSelection) {
  auto h = this->make();
  const CoreConfig cfg = ModelConfig<TypeParam>::get();
  const std::int64_t R = cfg.rows, C = cfg.cols;
  Memories& m = h->mem();
  for (std::int64_t r = 0; r < R; ++r) m.act[static_cast<std::size_t>(r)] = static_cast<std::uint8_t>(r + 1);
  // Per channel, b = 2: LUT_c = {c, -c, 10 + c, -128}; code of (r, c) = (r + c) % 4, 4 codes per byte.
  auto lut2 = [](std::int64_t c, std::int64_t code) -> std::int64_t {
    const std::int64_t v[4] = {c, -c, 10 + c, -128};
    return v[code];
  };
  for (std::int64_t c = 0; c < C; ++c)
    for (std::int64_t e = 0; e < 4; ++e) m.par[static_cast<std::size_t>(64 + c * 4 + e)] = static_cast<std::uint8_t>(lut2(c, e));
  const std::int64_t wrow2 = (C * 2 + 7) / 8;
  std::fill(m.wgt.begin(), m.wgt.end(), std::uint8_t{0});
  for (std::int64_t r = 0; r < R; ++r)
    for (std::int64_t c = 0; c < C; ++c)
      m.wgt[static_cast<std::size_t>(r * wrow2 + c / 4)] |= static_cast<std::uint8_t>(((r + c) % 4) << (2 * (c % 4)));
  h->run(encode_all({wcfg(2, 2, 64), isa::Instruction{{}, one_pixel(cfg, R, 0, false, false)}}));
  for (std::int64_t c = 0; c < C; ++c) {
    std::int64_t want = 0;
    for (std::int64_t r = 0; r < R; ++r) want += lut2(c, (r + c) % 4) * (r + 1);
    EXPECT_EQ(m.acc[static_cast<std::size_t>(c)], wrap(want, cfg.acc_bits)) << "per-channel lane " << c;
  }
  // Per layer, b = 3: LUT = {-4, -3, ..., 3}; code of (r, c) = (r + 2c) % 8, packed across byte boundaries.
  for (std::int64_t e = 0; e < 8; ++e) m.par[static_cast<std::size_t>(200 + e)] = static_cast<std::uint8_t>(e - 4);
  const std::int64_t wrow3 = (C * 3 + 7) / 8;
  std::fill(m.wgt.begin(), m.wgt.end(), std::uint8_t{0});
  for (std::int64_t r = 0; r < R; ++r)
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int64_t bit = r * wrow3 * 8 + c * 3, code = (r + 2 * c) % 8;
      for (int k = 0; k < 3; ++k)
        if ((code >> k) & 1) m.wgt[static_cast<std::size_t>((bit + k) / 8)] |= static_cast<std::uint8_t>(1u << ((bit + k) % 8));
    }
  h->run(encode_all({wcfg(1, 3, 200), isa::Instruction{{}, one_pixel(cfg, R, 1, false, false)}}));
  for (std::int64_t c = 0; c < C; ++c) {
    std::int64_t want = 0;
    for (std::int64_t r = 0; r < R; ++r) want += ((r + 2 * c) % 8 - 4) * (r + 1);
    EXPECT_EQ(m.acc[static_cast<std::size_t>(C + c)], wrap(want, cfg.acc_bits)) << "per-layer lane " << c;
  }
}

// Depthwise mask (in_group = out_group = 1): PE (r, c) contributes only when in_offset + r == out_offset + c.
TYPED_TEST(CoreDirectedTest, DepthwiseMask) {
  auto h = this->make();
  const CoreConfig cfg = ModelConfig<TypeParam>::get();
  const std::int64_t R = cfg.rows, C = cfg.cols;
  Memories& m = h->mem();
  for (std::int64_t r = 0; r < 2 * R; ++r) m.act[static_cast<std::size_t>(r)] = static_cast<std::uint8_t>(r + 1);
  this->fill_raw(m, 2 * R, 1);
  for (std::int64_t in_off : {0, 1}) {
    isa::Gemm g = one_pixel(cfg, 2 * R, 2 + in_off, false, false);
    g.in_offset = in_off;
    h->run(encode_all({wcfg(0, 8, 0, 1, 1, 2), isa::Instruction{{}, g}}));
    for (std::int64_t c = 0; c < C; ++c) {
      // Row r (input channel in_off + r, r < 2R) meets column c (output channel 2 + c) when in_off + r == 2 + c.
      const std::int64_t r = 2 + c - in_off;
      const std::int64_t want = r >= 0 && r < 2 * R ? r + 1 : 0;
      EXPECT_EQ(m.acc[static_cast<std::size_t>((2 + in_off) * C + c)], want) << "in_offset " << in_off << " lane " << c;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Latencies. Each cycle from acceptance (index 0) to the done pulse is recorded.
struct Trace {
  std::vector<CycleEvents> ev;       // ev[i]: cycle accept + i
  std::vector<std::int32_t> watch;   // the watched accumulator lane after cycle accept + i
  std::int64_t first(bool CycleEvents::*f) const {
    for (std::size_t i = 0; i < ev.size(); ++i)
      if (ev[i].*f) return static_cast<std::int64_t>(i);
    return -1;
  }
  std::int64_t last(bool CycleEvents::*f) const {
    for (std::size_t i = ev.size(); i-- > 0;)
      if (ev[i].*f) return static_cast<std::int64_t>(i);
    return -1;
  }
  std::int64_t count(bool CycleEvents::*f) const {
    return std::count_if(ev.begin(), ev.end(), [&](const CycleEvents& e) { return e.*f; });
  }
  std::int64_t done() const {
    for (std::size_t i = 1; i < ev.size(); ++i)
      if (ev[i].done) return static_cast<std::int64_t>(i);
    return -1;
  }
};

template <class H>
Trace run_traced(H& h, const isa::Instruction& in, std::size_t watch = 0) {
  const isa::Word w = isa::encode(in);
  h.offer(&w);
  Trace t;
  for (int guard = 0; guard < 100000; ++guard) {
    h.step();
    if (!t.ev.empty() || h.last().accept) {
      if (h.last().accept) h.offer(nullptr);
      t.ev.push_back(h.last());
      t.watch.push_back(h.mem().acc[watch]);
      if (t.ev.size() > 1 && h.last().done) return t;
    }
  }
  ADD_FAILURE() << "instruction never completed: " << isa::to_string(in);
  return t;
}

TYPED_TEST(CoreDirectedTest, WcfgLatency) {
  auto h = this->make();
  const std::int64_t C = ModelConfig<TypeParam>::get().cols;
  struct Case { int mode, bits; std::int64_t n; };
  std::vector<Case> cases = {{0, 8, 1}};
  for (int b = 1; b <= 4; ++b) {
    cases.push_back({1, b, 1 + ((std::int64_t{1} << b) + C - 1) / C});  // per-layer: ceil(2^b / C) reads
    cases.push_back({2, b, 1 + (std::int64_t{1} << b)});                // per-channel: 2^b reads
  }
  for (const Case& k : cases) {
    const Trace t = run_traced(*h, wcfg(k.mode, k.bits));
    // Not done at N - 1 (no done pulse before N), done at N.
    EXPECT_EQ(t.done(), k.n) << "mode " << k.mode << " bits " << k.bits;
    EXPECT_EQ(t.count(&CycleEvents::par_rd), k.n - 1) << "mode " << k.mode << " bits " << k.bits;
    EXPECT_TRUE(t.ev[0].accept);
  }
}

// GEMM: weight load of block 0 in cycles 1..R, first pixel read at L0 + 1, first write-back (fill) at
// L0 + R + C + 1, drain R + C cycles from the last pixel read to its write, write-back one cycle after the read of
// the same entry, done at L0 + (nblocks - 1) * Q + P + R + C + 1.
TYPED_TEST(CoreDirectedTest, GemmLatency) {
  auto h = this->make();
  const CoreConfig cfg = ModelConfig<TypeParam>::get();
  const std::int64_t R = cfg.rows, C = cfg.cols;
  const std::int64_t L0 = std::max<std::int64_t>(R, 2);
  struct Shape { std::int64_t oh, ow, ty, tx, span; bool acc; };
  const Shape shapes[] = {{1, 1, 1, 1, R, false}, {1, 1, 1, 1, 1, true},      {2, 3, 2, 1, 2 * R, true},
                          {3, 7, 1, 2, R + 1, false}, {4, 5, 1, 1, 3 * R, true}, {1, R, 1, 1, R, true},
                          {2, 9, 3, 1, R, false}};
  std::mt19937_64 rng(9);
  for (const Shape& s : shapes) {
    Memories& m = h->mem();
    fill_random(m, rng);
    isa::Gemm g;
    g.accumulate = s.acc;
    g.n_cols = C;
    g.out_h = s.oh;
    g.out_w = s.ow;
    g.taps_y = s.ty;
    g.taps_x = s.tx;
    g.span = s.span;
    g.pix_stride = s.span;
    g.row_stride = s.span * s.ow;
    g.acc_addr = 7;
    const std::int64_t P = s.oh * s.ow, nch = (s.span + R - 1) / R, nb = s.ty * s.tx * nch;
    const std::int64_t Q = std::max({P, R, std::int64_t{2}});
    const std::int64_t N = L0 + (nb - 1) * Q + P + R + C + 1;
    const std::size_t last_lane = static_cast<std::size_t>((7 + P - 1) * C + C - 1);
    const std::vector<isa::Instruction> code = {wcfg(0, 8), isa::Instruction{{}, g}};
    const Memories want = reference(cfg, m, code);
    h->run(encode_all({code[0]}));
    const std::int32_t before = m.acc[last_lane];
    const Trace t = run_traced(*h, code[1], last_lane);
    const std::string what = isa::to_string(code[1]);
    EXPECT_EQ(compare_acc(cfg, want.acc, m.acc), "") << what;
    // Total: not done at N - 1, done at N; the last entry is written in cycle N - 1, not before.
    EXPECT_EQ(t.done(), N) << what;
    ASSERT_EQ(static_cast<std::int64_t>(t.ev.size()), N + 1) << what;
    if (nb == 1 && want.acc[last_lane] != before) {
      EXPECT_EQ(t.watch[static_cast<std::size_t>(N - 2)], before) << what;
      EXPECT_EQ(t.watch[static_cast<std::size_t>(N - 1)], want.acc[last_lane]) << what;
    }
    // Weight load of block 0: rows 0..R-1 read in cycles 1..R (span >= R: every row valid).
    if (s.span >= R) {
      EXPECT_EQ(t.first(&CycleEvents::wgt_rd), 1) << what;
      for (std::int64_t i = 1; i <= R; ++i) EXPECT_TRUE(t.ev[static_cast<std::size_t>(i)].wgt_rd) << what << " row " << i - 1;
    }
    // First pixel: not at L0, at L0 + 1.
    EXPECT_FALSE(t.ev[static_cast<std::size_t>(L0)].act_req) << what;
    EXPECT_EQ(t.first(&CycleEvents::act_rd), L0 + 1) << what;
    // Fill: the first result is written at L0 + R + C + 1.
    EXPECT_EQ(t.first(&CycleEvents::acc_wr), L0 + R + C + 1) << what;
    // Drain: R + C cycles from the last pixel's read to its write; write-back: done one cycle after it.
    EXPECT_EQ(t.last(&CycleEvents::acc_wr) - t.last(&CycleEvents::act_rd), R + C) << what;
    EXPECT_EQ(t.last(&CycleEvents::acc_wr), N - 1) << what;
    // Read-modify-write: each write one cycle after the read of its entry; writes = nblocks * P.
    EXPECT_EQ(t.count(&CycleEvents::acc_wr), nb * P) << what;
    EXPECT_EQ(t.count(&CycleEvents::acc_rd), nb * P - (s.acc ? 0 : P)) << what;
    for (std::size_t i = 1; i < t.ev.size(); ++i)
      if (t.ev[i].acc_rd) {
        EXPECT_TRUE(t.ev[i + 1].acc_wr) << what << " read at " << i;
      }
    // docs/architecture.md section 11: R + nblocks * max(P, R) + R + C + 1 when P >= R (R >= 2).
    if (P >= R && R >= 2) {
      EXPECT_EQ(N, R + nb * std::max(P, R) + R + C + 1) << what;
    }
  }
}

// Stalls only stretch time: the same GEMM under random grants gives the same accumulators, and takes at least as
// long as with every request granted.
TYPED_TEST(CoreDirectedTest, StallsStretchOnly) {
  HarnessOptions opt;
  opt.grant_prob = 0.5;
  opt.seed = 5;
  auto h = this->make(opt);
  const CoreConfig cfg = ModelConfig<TypeParam>::get();
  std::mt19937_64 rng(11);
  fill_random(h->mem(), rng);
  isa::Gemm g;
  g.accumulate = 1;
  g.n_cols = cfg.cols;
  g.out_h = 2;
  g.out_w = 3;
  g.span = 2 * cfg.rows;
  g.pix_stride = g.span;
  g.row_stride = 3 * g.span;
  const std::vector<isa::Instruction> code = {wcfg(1, 4, 0), isa::Instruction{{}, g}};
  const Memories want = reference(cfg, h->mem(), code);
  const auto t = h->run(encode_all(code));
  EXPECT_EQ(compare_acc(cfg, want.acc, h->mem().acc), "");
  const std::int64_t R = cfg.rows, C = cfg.cols, L0 = std::max<std::int64_t>(R, 2), P = 6;
  const std::int64_t N = L0 + (2 - 1) * std::max({P, R, std::int64_t{2}}) + P + R + C + 1;
  EXPECT_GT(t[1].latency(), static_cast<std::uint64_t>(N));
  EXPECT_GT(h->stall_cycles(), 0u);
}

}  // namespace
}  // namespace lutsim::rtlcore
