// The kernel library against the arithmetic contract and against itself: the portable requantisation (requant32)
// and the AVX-512 one (rshift_round16) against arith.h's rshift_round and clamp on edge values of every shift and
// rounding mode; the tile plan covering each output once; the AVX-512 tile generator against the portable sums.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "lutsim/kernels/cpu.h"
#include "lutsim/kernels/requant.h"
#include "lutsim/kernels/vnni_gemm.h"
#include "lutsim/model/arith.h"

namespace lutsim::kernels {
namespace {

constexpr Rounding kModes[] = {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor};

// Edge values of |v| < 2^limit_bits: around 0, around each power of two and each half of a power of two for every
// shift, the extremes, and random values.
std::vector<std::int64_t> edge_values(int limit_bits, std::uint64_t seed) {
  std::vector<std::int64_t> v;
  const std::int64_t lim = (std::int64_t{1} << limit_bits) - 1;
  auto add = [&](std::int64_t x) {
    if (x >= -lim && x <= lim) v.push_back(x);
  };
  for (int d = -3; d <= 3; ++d) add(d);
  for (int k = 0; k <= limit_bits; ++k)
    for (std::int64_t m : {1, 3, 5})
      for (int d = -2; d <= 2; ++d) {
        add((m << k) + d);
        add(-(m << k) + d);
      }
  add(lim);
  add(-lim);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) add(static_cast<std::int64_t>(rng() % (2 * static_cast<std::uint64_t>(lim) + 1)) - lim);
  return v;
}

constexpr std::pair<std::int32_t, std::int32_t> kClamps[] = {{0, 255}, {-128, 127}, {-32768, 32767}, {5, 5}, {-7, 300}};

TEST(Requant32, EqualsArithForEveryShiftAndMode) {
  const std::vector<std::int64_t> vals = edge_values(23, 1);
  for (Rounding r : kModes)
    for (int s = kMinShift; s <= kMaxShift; ++s)
      for (auto [lo, hi] : kClamps) {
        const Requant32 q(s, lo, hi);
        for (std::int64_t v : vals) {
          const std::int64_t exact = rshift_round(v, s, r);
          const std::int32_t got = with_rounding(r, [&]<Rounding R>() {
            return q.left() ? requant32<R, true>(static_cast<std::int32_t>(v), q)
                            : requant32<R, false>(static_cast<std::int32_t>(v), q);
          });
          ASSERT_EQ(clamp(got, lo, hi), clamp(exact, lo, hi))
              << rounding_name(r) << " s " << s << " v " << v << " [" << lo << ", " << hi << "]";
          if (lo > -(1 << 15)) {  // the counts' bound (requant.h)
            ASSERT_EQ(got < lo, exact < lo) << rounding_name(r) << " s " << s << " v " << v;
            ASSERT_EQ(got > hi, exact > hi) << rounding_name(r) << " s " << s << " v " << v;
          }
        }
      }
}

TEST(Requant32, RowCountsTheClamps) {
  const std::int32_t v[] = {-1000, -3, 0, 7, 1000, 64};
  std::uint8_t out[6];
  std::int64_t low = 0, high = 0;
  requant_row<Rounding::HalfUp, false>(v, 6, Requant32(2, 0, 200), out, low, high);
  const std::uint8_t want[] = {0, 0, 0, 2, 200, 16};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], want[i]) << i;
  EXPECT_EQ(low, 2);   // -250 and -1 (-3 rounds half up to -1)
  EXPECT_EQ(high, 1);  // 250
}

TEST(TilePlan, CoversEachOutputOnce) {
  for (std::int64_t P : {1, 2, 5, 6, 7, 12, 13, 49, 100, 3136})
    for (int ngroups : {1, 2, 3, 4, 5, 8, 9, 63})
      for (int batches : {1, 3}) {
        const TilePlan plan(P, ngroups, batches);
        std::vector<int> seen(static_cast<std::size_t>(P * ngroups * batches), 0);
        for (std::int64_t j = 0; j < plan.jobs(); ++j) {
          const TileJob t = plan.job(j);
          ASSERT_GE(t.n, 1);
          ASSERT_LE(t.n, tile_pixels(t.nv));
          ASSERT_GE(t.nv, 1);
          ASSERT_LE(t.nv, kMaxNV);
          for (std::int64_t p = t.p0; p < t.p0 + t.n; ++p)
            for (int g = t.grp0; g < t.grp0 + t.nv; ++g)
              ++seen[static_cast<std::size_t>((t.batch * P + p) * ngroups + g)];
        }
        for (std::size_t i = 0; i < seen.size(); ++i)
          ASSERT_EQ(seen[i], 1) << "P " << P << " groups " << ngroups << " batches " << batches << " output " << i;
      }
}

}  // namespace
}  // namespace lutsim::kernels

// The AVX-512 tests alone are compiled for AVX-512 (and skip on a CPU without it).
#if defined(LUTSIM_HAVE_AVX512)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
#include "lutsim/kernels/avx512.h"

namespace lutsim::kernels {
namespace {

TEST(Avx512, RshiftRound16EqualsArith) {
  if (!have_avx512_vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::vector<std::int64_t> vals = edge_values(31, 2);
  vals.push_back(-(std::int64_t{1} << 31));
  while (vals.size() % 16) vals.push_back(0);
  for (Rounding r : kModes)
    for (int s = kMinShift; s <= kMaxShift; ++s) {
      const avx512::Shift16 sh = avx512::shift16(_mm512_set1_epi32(s));
      for (std::size_t i = 0; i < vals.size(); i += 16) {
        alignas(64) std::int32_t in[16], out[16];
        for (int l = 0; l < 16; ++l) in[l] = static_cast<std::int32_t>(vals[i + static_cast<std::size_t>(l)]);
        const __m512i v = _mm512_load_si512(in);
        with_rounding(r, [&]<Rounding R>() {
          _mm512_store_si512(out, s > 0 ? avx512::rshift_round16<R, true>(v, sh) : avx512::rshift_round16<R, false>(v, sh));
        });
        for (int l = 0; l < 16; ++l) {
          const std::int64_t exact = rshift_round(in[l], s, r);
          if (exact >= -(1 << 15) && exact <= (1 << 15)) {
            ASSERT_EQ(out[l], exact) << rounding_name(r) << " s " << s << " v " << in[l];
          }
          for (auto [lo, hi] : kClamps)
            ASSERT_EQ(clamp(out[l], lo, hi), clamp(exact, lo, hi)) << rounding_name(r) << " s " << s << " v " << in[l];
        }
      }
    }
}

// Collects each column of a tile's sums: sums[((batch * P + p) * ngroups + group) * 16 + lane].
struct CollectSink {
  std::int64_t P;
  int ngroups;
  std::vector<std::uint32_t>& sums;
  template <int MR>
  void column(const TileJob& job, int j, const __m512i* v) {
    for (int m = 0; m < MR; ++m)
      _mm512_storeu_si512(sums.data() + ((job.batch * P + job.p0 + m) * ngroups + job.grp0 + j) * 16, v[m]);
  }
};

TEST(Avx512, TileGeneratorEqualsPortableSums) {
  if (!have_avx512_vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937_64 rng(3);
  auto uni = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  for (int trial = 0; trial < 200; ++trial) {
    VnniGemm g;
    g.P = uni(1, 40);
    g.K = static_cast<int>(uni(1, 30));
    g.ngroups = static_cast<int>(uni(1, 9));
    g.batches = static_cast<int>(uni(1, 3));
    g.code = static_cast<ActCode>(uni(0, 2));
    std::vector<std::uint8_t> act(4096);
    for (auto& b : act) b = static_cast<std::uint8_t>(rng());
    std::vector<std::int64_t> pix(static_cast<std::size_t>(g.P)), qoff(static_cast<std::size_t>(g.K));
    for (auto& p : pix) p = uni(0, 1000);
    for (auto& q : qoff) q = uni(0, 1000);
    g.act_batch = uni(0, 1000);
    g.w_batch = std::int64_t{g.ngroups} * g.K * 64;
    std::vector<std::int8_t> w(static_cast<std::size_t>(g.w_batch * g.batches));
    for (auto& x : w) x = static_cast<std::int8_t>(rng());
    std::vector<std::int32_t> wsum(static_cast<std::size_t>(g.batches * g.ngroups * 16), 0);
    for (int b = 0; b < g.batches; ++b)
      for (int j = 0; j < g.ngroups; ++j)
        for (int k = 0; k < g.K; ++k)
          for (int l = 0; l < 16; ++l)
            for (int i = 0; i < 4; ++i)
              wsum[static_cast<std::size_t>((b * g.ngroups + j) * 16 + l)] +=
                  128 * w[static_cast<std::size_t>(b * g.w_batch + (j * g.K + k) * 64 + l * 4 + i)];
    g.act = act.data();
    g.pix = pix.data();
    g.qoff = qoff.data();
    g.w = w.data();
    g.wsum128 = wsum.data();
    std::vector<std::uint32_t> got(static_cast<std::size_t>(g.batches * g.P * g.ngroups * 16), 0xdeadbeef);
    CollectSink sink{g.P, g.ngroups, got};
    const TilePlan plan(g.P, g.ngroups, g.batches);
    for (std::int64_t j = 0; j < plan.jobs(); ++j) {
      const TileJob t = plan.job(j);
      switch (g.code) {
        case ActCode::U8: avx512::run_tile<ActCode::U8>(g, t, sink); break;
        case ActCode::S8: avx512::run_tile<ActCode::S8>(g, t, sink); break;
        case ActCode::S8Biased: avx512::run_tile<ActCode::S8Biased>(g, t, sink); break;
      }
    }
    std::vector<std::uint32_t> want(static_cast<std::size_t>(g.ngroups * 16));
    for (int b = 0; b < g.batches; ++b)
      for (std::int64_t p = 0; p < g.P; ++p) {
        vnni_pixel_sums(g, b, p, want.data());
        for (int i = 0; i < g.ngroups * 16; ++i)
          ASSERT_EQ(got[static_cast<std::size_t>((b * g.P + p) * g.ngroups * 16 + i)], want[static_cast<std::size_t>(i)])
              << "trial " << trial << " batch " << b << " pixel " << p << " group " << i / 16 << " lane " << i % 16
              << " P " << g.P << " K " << g.K << " code " << static_cast<int>(g.code);
      }
  }
}

}  // namespace
}  // namespace lutsim::kernels

#pragma GCC pop_options
#endif
