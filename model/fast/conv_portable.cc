// Portable convolution back ends: plain C++ for any CPU, written so that the compiler vectorises the inner
// loop over 16 output channels (GEMM) or over channels (depthwise). Sums are s32, exact because the front end
// checked sum|w| * max|x| < 2^31 per channel; conv_exact sums in 64 bits for the layers that fail that check.
#include <algorithm>

#include "fast_internal.h"

namespace lutsim::fast {
namespace {

constexpr int kPortableTile = 4;  // output pixels per GEMM tile

template <class TX>
void gemm_portable_t(const GemmPlan& P, const std::uint8_t* x, std::int64_t N, void* out, int threads,
                     Counts& total) {
  const ConvGeom& g = P.g;
  const std::int64_t M = N * g.pixels_per_image();
  const std::int64_t tiles = (M + kPortableTile - 1) / kPortableTile;
  const std::int64_t blocks = std::int64_t{g.G} * P.OB;
  const std::int64_t block_elems = std::int64_t{P.T} * P.L * 16;
  const std::int16_t* const w_all = P.w16.data();
  const std::int64_t chunk = work_chunk(blocks * tiles, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Counts c;
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t it = 0; it < blocks * tiles; ++it) {
      const std::int64_t blk = it / tiles;  // g * OB + ob
      const std::int64_t p0 = (it % tiles) * kPortableTile;
      const int grp = static_cast<int>(blk / P.OB), ob = static_cast<int>(blk % P.OB);
      const int mr = static_cast<int>(std::min<std::int64_t>(kPortableTile, M - p0));
      const TX* base[kPortableTile];
      for (int m = 0; m < kPortableTile; ++m)  // a short tile repeats its last pixel; the copy is not stored
        base[m] = reinterpret_cast<const TX*>(x + g.base_offset(p0 + std::min(m, mr - 1)) +
                                              std::int64_t{grp} * g.I);
      std::int32_t acc[kPortableTile][16] = {};
      const std::int16_t* wb = w_all + blk * block_elems;
      for (int t = 0; t < P.T; ++t) {
        const TX* xp[kPortableTile];
        for (int m = 0; m < kPortableTile; ++m) xp[m] = base[m] + P.tap_off[static_cast<std::size_t>(t)];
        const std::int16_t* wt = wb + std::int64_t{t} * P.L * 16;
        for (int i = 0; i < P.L; ++i) {
          const std::int16_t* wr = wt + i * 16;
          for (int m = 0; m < kPortableTile; ++m) {
            const std::int32_t xv = xp[m][i];
            for (int j = 0; j < 16; ++j) acc[m][j] += xv * wr[j];
          }
        }
      }
      const int lanes = std::min(16, g.Og - ob * 16);
      for (int m = 0; m < mr; ++m) {
        const std::int64_t o0 = (p0 + m) * g.O + std::int64_t{grp} * g.Og + ob * 16;
        for (int j = 0; j < lanes; ++j) post_scalar(acc[m][j], blk * 16 + j, P.post, out, o0 + j, c);
      }
    }
#pragma omp critical
    total += c;
  }
}

template <class TX>
void depthwise_portable_t(const DwPlan& P, const std::uint8_t* x, std::int64_t N, void* out, int threads,
                          Counts& total) {
  const ConvGeom& g = P.g;
  const std::int64_t M = N * g.pixels_per_image();
  const int C = g.C;
  const int T = static_cast<int>(P.tap_off.size());
  const std::int64_t chunk = work_chunk(M, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Counts c;
    std::vector<std::int32_t> acc(static_cast<std::size_t>(C));
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t p = 0; p < M; ++p) {
      const std::uint8_t* base = x + g.base_offset(p);
      std::fill(acc.begin(), acc.end(), 0);
      std::int32_t* a = acc.data();
      for (int t = 0; t < T; ++t) {
        const TX* xp = reinterpret_cast<const TX*>(base + P.tap_off[static_cast<std::size_t>(t)]);
        const std::int16_t* wt = P.w16.data() + std::int64_t{t} * C;
        for (int ch = 0; ch < C; ++ch) a[ch] += std::int32_t{xp[ch]} * wt[ch];
      }
      for (int ch = 0; ch < C; ++ch) post_scalar(a[ch], ch, P.post, out, p * C + ch, c);
    }
#pragma omp critical
    total += c;
  }
}

template <class TX>
void conv_exact_t(const ExactPlan& P, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& total) {
  const ConvGeom& g = P.g;
  const std::int64_t M = N * g.pixels_per_image();
  const std::int64_t K = std::int64_t{g.KH} * g.KW * g.I;
  const std::int64_t chunk = work_chunk(M, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Counts c;
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t p = 0; p < M; ++p) {
      const std::uint8_t* base = x + g.base_offset(p);
      for (int o = 0; o < g.O; ++o) {
        const std::int64_t grp = o / g.Og;
        const std::int8_t* wo = P.w.data() + o * K;
        std::int64_t s = 0;
        for (int kh = 0; kh < g.KH; ++kh)
          for (int kw = 0; kw < g.KW; ++kw) {
            const TX* xp = reinterpret_cast<const TX*>(
                base + ((std::int64_t{kh} * g.dh * g.Wp + std::int64_t{kw} * g.dw) * g.C + grp * g.I));
            const std::int8_t* wk = wo + (std::int64_t{kh} * g.KW + kw) * g.I;
            for (int i = 0; i < g.I; ++i) s += std::int64_t{wk[i]} * xp[i];
          }
        post_scalar(s, o, P.post, out, p * g.O + o, c);
      }
    }
#pragma omp critical
    total += c;
  }
}

}  // namespace

void gemm_portable(const GemmPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c) {
  if (p.s8_input)
    gemm_portable_t<std::int8_t>(p, x, N, out, threads, c);
  else
    gemm_portable_t<std::uint8_t>(p, x, N, out, threads, c);
}

void depthwise_portable(const DwPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c) {
  if (p.s8_input)
    depthwise_portable_t<std::int8_t>(p, x, N, out, threads, c);
  else
    depthwise_portable_t<std::uint8_t>(p, x, N, out, threads, c);
}

void conv_exact(const ExactPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c) {
  if (p.s8_input)
    conv_exact_t<std::int8_t>(p, x, N, out, threads, c);
  else
    conv_exact_t<std::uint8_t>(p, x, N, out, threads, c);
}

}  // namespace lutsim::fast
