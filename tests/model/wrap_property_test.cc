// Property tests of the accumulator wrap (arith.h) that the fast kernels rely on:
//  - wrap_A of a sum does not depend on the order of accumulation, nor on how often partial sums are wrapped
//    (to A bits, or to any width >= A);
//  - in particular an s32 accumulator that wraps modulo 2^32 (as vpdpbusd does) gives wrap_A of the exact sum
//    for every A <= 32;
//  - the s8 -> u8 input offset used with vpdpbusd, sum (x + 128) * w - 128 * sum w, equals sum x * w modulo 2^32.
// LUTSIM_TEST_SEED=<n> changes the seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

#include "lutsim/model/arith.h"

namespace lutsim {
namespace {

using Rng = std::mt19937_64;

std::uint64_t test_seed() {
  const char* s = std::getenv("LUTSIM_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20261123u;
}

std::int64_t uni(Rng& r, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(r);
}

// Terms of a sum: products of 8-bit values like a convolution's (of mixed signs, or all of one sign so that the
// sum runs far from 0), or large terms up to 2^34 so that the sum leaves the s32 range; sometimes a bias.
std::vector<std::int64_t> random_terms(Rng& r) {
  const std::int64_t n = uni(r, 1, 2000);
  std::vector<std::int64_t> t(static_cast<std::size_t>(n));
  const std::int64_t mode = uni(r, 0, 2);
  for (auto& v : t) {
    if (mode == 0) v = uni(r, -128, 127) * uni(r, -128, 255);
    if (mode == 1) v = -128 * uni(r, 200, 255);
    if (mode == 2) v = uni(r, -(std::int64_t{1} << 34), std::int64_t{1} << 34);
  }
  if (uni(r, 0, 1)) t.push_back(uni(r, INT32_MIN, INT32_MAX));  // a bias
  return t;
}

TEST(WrapProperty, OrderAndIntermediateWrapsDoNotMatter) {
  Rng r(test_seed());
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<std::int64_t> t = random_terms(r);
    const std::int64_t exact = std::accumulate(t.begin(), t.end(), std::int64_t{0});
    const int A = static_cast<int>(uni(r, kMinAccBits, kMaxAccBits));
    const std::int64_t want = wrap(exact, A);
    ASSERT_TRUE(fits_bits(want, A));
    std::shuffle(t.begin(), t.end(), r);
    // Accumulate in a random order, wrapping partial sums at random moments to A bits or to a wider width.
    std::int64_t acc = 0;
    for (std::int64_t v : t) {
      acc += v;
      const std::int64_t dice = uni(r, 0, 3);
      if (dice == 0) acc = wrap(acc, A);
      if (dice == 1) acc = wrap(acc, static_cast<int>(uni(r, A, 62)));
    }
    EXPECT_EQ(wrap(acc, A), want) << "A " << A << ", " << t.size() << " terms, exact " << exact;
    // Wrapping after every term (a hardware accumulator of exactly A bits).
    std::int64_t hw = 0;
    for (std::int64_t v : t) hw = wrap(hw + v, A);
    EXPECT_EQ(hw, want);
  }
}

TEST(WrapProperty, S32ModularAccumulatorGivesWrapOfExactSum) {
  Rng r(test_seed() + 1);
  int beyond_s32 = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<std::int64_t> t = random_terms(r);
    std::shuffle(t.begin(), t.end(), r);
    const std::int64_t exact = std::accumulate(t.begin(), t.end(), std::int64_t{0});
    beyond_s32 += !fits_bits(exact, 32);
    std::uint32_t acc = 0;  // two's complement s32 with wrapping adds
    for (std::int64_t v : t) acc += static_cast<std::uint32_t>(v);
    const std::int64_t s32 = static_cast<std::int32_t>(acc);
    for (int A = kMinAccBits; A <= kMaxAccBits; ++A) EXPECT_EQ(wrap(s32, A), wrap(exact, A)) << "A " << A;
  }
  EXPECT_GT(beyond_s32, 100) << "too few sums left the s32 range to test the property";
}

TEST(WrapProperty, OffsetInputsWithWeightSumCompensation) {
  Rng r(test_seed() + 2);
  for (int iter = 0; iter < 2000; ++iter) {
    const std::int64_t n = uni(r, 1, 5000);
    std::int64_t exact = 0;
    std::uint32_t offset_sum = 0, weight_sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t x = uni(r, -128, 127), w = uni(r, -128, 127);
      exact += x * w;
      offset_sum += static_cast<std::uint32_t>((x ^ 0x80) & 0xFF) * static_cast<std::uint32_t>(w);  // (x + 128) * w
      weight_sum += static_cast<std::uint32_t>(w);
    }
    const std::uint32_t s = offset_sum - 128u * weight_sum;
    EXPECT_EQ(wrap(static_cast<std::int32_t>(s), 32), wrap(exact, 32));
    if (fits_bits(exact, 32)) {
      EXPECT_EQ(static_cast<std::int32_t>(s), exact);
    }
  }
}

}  // namespace
}  // namespace lutsim
