// Portable convolution back ends: plain C++ for any CPU, written so that the compiler vectorises the inner
// loops: dot products over a tap's input channels (GEMM) or the loop over channels (depthwise). Sums are s32, exact because the front end
// checked sum|w| * max|x| < 2^31 per channel; conv_exact sums in 64 bits for the layers that fail that check.
#include <algorithm>

#include "fast_internal.h"

namespace lutsim::fast {
namespace {

// x . w over n values; written as a reduction over int16 operands so that compilers turn it into multiply-add
// pairs (pmaddwd on x86, smlal on Arm). |x * w| <= 255 * 128 fits s16 x s16 -> s32.
template <class TX>
inline std::int32_t dot(const TX* __restrict x, const std::int16_t* __restrict w, int n) {
  std::int32_t s = 0;
  for (int k = 0; k < n; ++k) s += std::int32_t{std::int16_t{x[k]}} * w[k];
  return s;
}

// One work item is one output pixel; each output channel is a sum of per-tap dot products.
template <class TX>
void gemm_portable_t(const GemmPlan& P, const std::uint8_t* x, std::int64_t N, void* out, int threads,
                     Counts& total) {
  const ConvGeom& g = P.g;
  const std::int64_t M = N * g.pixels_per_image();
  const std::int64_t K = std::int64_t{P.T} * P.len;
  const std::int16_t* const w_all = P.w16.data();
  const std::int64_t chunk = work_chunk(M, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Counts c;
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t p = 0; p < M; ++p) {
      const std::uint8_t* base = x + g.base_offset(p);
      for (int grp = 0; grp < g.G; ++grp) {
        const TX* xg = reinterpret_cast<const TX*>(base + std::int64_t{grp} * g.I);
        for (int oc = 0; oc < g.Og; ++oc) {
          const int o = grp * g.Og + oc;
          const std::int16_t* wo = w_all + o * K;
          std::int32_t s = 0;  // exact: |s| <= sum|w| * max|x| < 2^31
          for (int t = 0; t < P.T; ++t)
            s += dot(xg + P.tap_off[static_cast<std::size_t>(t)], wo + std::int64_t{t} * P.len, P.len);
          const std::int64_t slot = (std::int64_t{grp} * P.OB + oc / 16) * 16 + oc % 16;
          post_scalar(s, slot, P.post, out, p * g.O + o, c);
        }
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
