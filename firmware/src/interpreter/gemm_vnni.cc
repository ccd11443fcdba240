// The AVX-512 kernels of the interpreter: the GEMM and the PPU's 8-bit path as adapters over the kernel library's
// AVX-512 forms (lutsim/kernels/avx512.h), and the vector unit. Everything below the target pragma is compiled for
// AVX-512 F/BW/VL and VNNI; the interpreter calls in only after kernels::have_avx512_vnni().
#include "gemm_kernel.h"

#if defined(LUTSIM_HAVE_AVX512)
#include <algorithm>

#include "lutsim/kernels/requant.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
#include "lutsim/kernels/avx512.h"

namespace lutsim::interp {
namespace {

namespace k5 = kernels::avx512;

// The GEMM's epilogue: each column of a tile's sums (the library's tile generator) updates its accumulators,
// acc = wrap((accumulate ? acc : 0) + S, A), lanes past n_cols untouched.
struct AccSink {
  const GemmWork& g;
  std::int32_t* accmem;
  bool accumulate;
  int A;
  // The fields are read into locals first: the stores below are of int32, which could alias them otherwise.
  template <int MR>
  void column(const kernels::TileJob& job, int j, const __m512i* v) {
    const int grp = job.grp0 + j;
    const std::int64_t C = g.C;
    const bool add = accumulate;
    const bool narrow = A < 32;
    const __mmask16 mask = k5::lane_mask(g.n_cols - grp * 16);
    const __m128i wsh = _mm_cvtsi32_si128(32 - A);
    std::int32_t* const a0 = accmem + job.p0 * C + grp * 16;
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) {
      std::int32_t* a = a0 + m * C;
      __m512i s = v[m];
      if (add) s = _mm512_add_epi32(s, _mm512_maskz_loadu_epi32(mask, a));
      if (narrow) s = k5::wrap16(s, wsh);
      _mm512_mask_storeu_epi32(a, mask, s);
    }
  }
};

}  // namespace

void gemm_vnni(const GemmWork& g, std::int32_t* accmem, bool accumulate, int A, int threads) {
  const kernels::TilePlan plan(g.vnni.P, g.vnni.ngroups, 1);
  const std::int64_t jobs = plan.jobs();
  auto run_job = [&](std::int64_t j) {
    AccSink sink{g, accmem, accumulate, A};
    if (g.vnni.code == kernels::ActCode::S8)
      k5::run_tile<kernels::ActCode::S8>(g.vnni, plan.job(j), sink);
    else
      k5::run_tile<kernels::ActCode::U8>(g.vnni, plan.job(j), sink);
  };
  if (threads <= 1 || jobs < 8) {
    for (std::int64_t j = 0; j < jobs; ++j) run_job(j);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t j = 0; j < jobs; ++j) run_job(j);
}

// PPU: 16 lanes of s32 per vector, by the library's requantisation. v = acc + bias is computed modulo 2^32: with
// wrap_en the wrap to A bits makes that exact; without it, a vector in which a lane's add overflowed (|v| >= 2^31)
// takes arith.h's exact 64-bit formula instead.
namespace {

template <Rounding R, bool WRAP>
void ppu_rows(const PpuArgs& a, std::int64_t i0, std::int64_t i1) {
  const __m512i lo = _mm512_set1_epi32(a.lo), hi = _mm512_set1_epi32(a.hi);
  const __m128i wsh = _mm_cvtsi32_si128(32 - a.A);
  for (std::int64_t c0 = 0; c0 < a.n_cols; c0 += 16) {
    const std::int64_t left = std::min<std::int64_t>(16, a.n_cols - c0);
    const __mmask16 m = k5::lane_mask(left);
    const __m512i bias = _mm512_maskz_loadu_epi32(m, a.bias + c0);
    const k5::Shift16 sh = k5::shift16(_mm512_maskz_loadu_epi32(m, a.shift + c0));
    const bool right_only = static_cast<__mmask16>(sh.right | ~m) == 0xffff;
    for (std::int64_t i = i0; i < i1; ++i) {
      std::uint8_t* out = a.out + i * a.stride + c0;
      const __m512i x = _mm512_maskz_loadu_epi32(m, a.acc + i * a.C + c0);
      __m512i v = _mm512_add_epi32(x, bias);
      if constexpr (WRAP) {
        v = k5::wrap16(v, wsh);
      } else if (k5::add_overflow16(x, bias, v)) {
        for (std::int64_t c = 0; c < left; ++c) out[c] = ppu8_scalar<R>(a, i, c0 + c);
        continue;
      }
      const __m512i y = right_only ? k5::rshift_round16<R, true>(v, sh) : k5::rshift_round16<R, false>(v, sh);
      _mm512_mask_cvtepi32_storeu_epi8(out, m, k5::clamp16(y, lo, hi));
    }
  }
}

void ppu_range(const PpuArgs& a, std::int64_t i0, std::int64_t i1) {
  kernels::with_rounding(a.rounding, [&]<Rounding R>() {
    if (a.wrap_en) ppu_rows<R, true>(a, i0, i1);
    else ppu_rows<R, false>(a, i0, i1);
  });
}

}  // namespace

void ppu8_avx512(const PpuArgs& a) {
  if (a.threads <= 1 || a.n_pix < 1024) return ppu_range(a, 0, a.n_pix);
  const std::int64_t chunks = 4 * std::int64_t{a.threads};
#pragma omp parallel for num_threads(a.threads) schedule(static)
  for (std::int64_t t = 0; t < chunks; ++t) ppu_range(a, a.n_pix * t / chunks, a.n_pix * (t + 1) / chunks);
}

// VEC: 16 lanes per vector. MAX and SUM over 8-bit inputs never overflow s32 before the final add (SUM wraps modulo
// 2^32 like the formula's wrap(., 32)); ADD's shifted operands are below 2^23 in magnitude.
namespace {

inline __m512i widen(const std::uint8_t* p, __mmask16 m, bool sgn) {
  const __m128i b = _mm_maskz_loadu_epi8(m, p);
  return sgn ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
}

}  // namespace

void vec_avx512(const VecArgs& v) {
  const std::int64_t P = static_cast<std::int64_t>(v.pix_off.size());
  const std::int64_t T = static_cast<std::int64_t>(v.tap_off.size());
  const std::int64_t* toff = v.tap_off.data();
  const __m128i sa = _mm_cvtsi32_si128(v.la), sb = _mm_cvtsi32_si128(v.lb);
  for (std::int64_t c0 = 0; c0 < v.n_lanes; c0 += 16) {
    const __mmask16 m = k5::lane_mask(v.n_lanes - c0);
    for (std::int64_t p = 0; p < P; ++p) {
      const std::uint8_t* xa = v.a + v.pix_off[static_cast<std::size_t>(p)] + c0;
      std::int32_t* acc = v.acc + p * v.C + c0;
      __m512i r;
      if (v.op == isa::VecOp::Add) {
        const std::uint8_t* xb = v.b + v.pix_off[static_cast<std::size_t>(p)] + c0;
        r = _mm512_add_epi32(_mm512_sll_epi32(widen(xa, m, v.a_signed), sa), _mm512_sll_epi32(widen(xb, m, v.b_signed), sb));
      } else if (v.op == isa::VecOp::Max) {
        __m128i mx = _mm_maskz_loadu_epi8(m, xa + toff[0]);
        if (v.a_signed)
          for (std::int64_t t = 1; t < T; ++t) mx = _mm_max_epi8(mx, _mm_maskz_loadu_epi8(m, xa + toff[t]));
        else
          for (std::int64_t t = 1; t < T; ++t) mx = _mm_max_epu8(mx, _mm_maskz_loadu_epi8(m, xa + toff[t]));
        r = v.a_signed ? _mm512_cvtepi8_epi32(mx) : _mm512_cvtepu8_epi32(mx);
      } else {
        r = _mm512_setzero_si512();
        for (std::int64_t t = 0; t < T; ++t) r = _mm512_add_epi32(r, widen(xa + toff[t], m, v.a_signed));
      }
      if (v.accumulate) {
        const __m512i old = _mm512_maskz_loadu_epi32(m, acc);
        r = v.op == isa::VecOp::Max ? _mm512_max_epi32(old, r) : _mm512_add_epi32(old, r);
      }
      _mm512_mask_storeu_epi32(acc, m, r);
    }
  }
}

}  // namespace lutsim::interp

#pragma GCC pop_options
#else
namespace lutsim::interp {
void gemm_vnni(const GemmWork& g, std::int32_t* acc, bool accumulate, int A, int threads) {
  gemm_portable(g, acc, accumulate, A, threads);
}
void ppu8_avx512(const PpuArgs& a) { ppu8_portable(a); }
void vec_avx512(const VecArgs& v) { vec_portable(v); }
}  // namespace lutsim::interp
#endif
