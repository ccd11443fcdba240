// The AVX-512 kernels: the VNNI GEMM and the PPU's 8-bit path. Everything below the target pragma is compiled for AVX-512 F/BW and VNNI; the
// interpreter calls in only after have_vnni() (which checks AVX-512 F/BW/VL and VNNI). The pragma (rather than flags on the whole file) keeps inline
// functions of the headers above it compiled for the baseline ISA.
//
// A tile is MR output pixels x one group of 16 lanes, held in MR zmm accumulators across every weight block: per row
// quad it loads one weight vector (16 lanes x 4 rows) and issues MR vpdpbusd (u8 x s8 -> s32, wrapping), each with
// 4 input bytes of one pixel broadcast. s8 inputs are fed as x ^ 0x80 = x + 128 and 128 * sum(w) is subtracted.
// GCC 12.2 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstring>

#include "gemm_kernel.h"

namespace lutsim::interp {

bool have_vnni() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") &&
                         __builtin_cpu_supports("avx512vnni");
  return ok;
#else
  return false;
#endif
}

}  // namespace lutsim::interp

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")

namespace lutsim::interp {
namespace {

template <int MR>
void tile(const GemmWork& g, const std::uint8_t* act, const std::int64_t* base, int grp, std::int32_t* accmem,
          bool accumulate, int A) {
  __m512i acc[MR];
  for (int m = 0; m < MR; ++m) acc[m] = _mm512_setzero_si512();
  const __m512i flip = _mm512_set1_epi32(g.act_signed ? static_cast<std::int32_t>(0x80808080u) : 0);
  for (int b = 0; b < g.nblocks; ++b) {
    const std::uint8_t* p[MR];
    for (int m = 0; m < MR; ++m) p[m] = act + base[m] + g.blk_off[static_cast<std::size_t>(b)];
    const std::int8_t* w = &g.w[(static_cast<std::size_t>(b) * g.ngroups + grp) * g.quads * 64];
    const int nq = g.blk_rows4[static_cast<std::size_t>(b)] / 4;
    for (int q = 0; q < nq; ++q) {
      const __m512i wv = _mm512_loadu_si512(w + 64 * q);
      for (int m = 0; m < MR; ++m) {
        std::int32_t v;
        std::memcpy(&v, p[m] + 4 * q, 4);
        acc[m] = _mm512_dpbusd_epi32(acc[m], _mm512_xor_si512(_mm512_set1_epi32(v), flip), wv);
      }
    }
  }
  const __m512i corr = _mm512_loadu_si512(g.wsum + grp * 16);
  const int left = g.n_cols - grp * 16;
  const __mmask16 mask = left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
  for (int m = 0; m < MR; ++m) {
    __m512i v = acc[m];
    if (g.act_signed) v = _mm512_sub_epi32(v, corr);
    std::int32_t* a = accmem + m * g.C + grp * 16;
    if (accumulate) v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(mask, a));
    if (A < 32) v = _mm512_srai_epi32(_mm512_slli_epi32(v, static_cast<unsigned>(32 - A)), static_cast<unsigned>(32 - A));
    _mm512_mask_storeu_epi32(a, mask, v);
  }
}

}  // namespace

void gemm_vnni(const GemmWork& g, const std::uint8_t* act, std::int32_t* accmem, bool accumulate, int A, int threads) {
  constexpr int kMR = 8;
  const std::int64_t P = static_cast<std::int64_t>(g.pix_base.size());
  const std::int64_t full = P / kMR, jobs = full * g.ngroups;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && jobs >= 8)
  for (std::int64_t j = 0; j < jobs; ++j) {
    const int grp = static_cast<int>(j % g.ngroups);
    const std::int64_t p = (j / g.ngroups) * kMR;
    tile<kMR>(g, act, g.pix_base.data() + p, grp, accmem + p * g.C, accumulate, A);
  }
  for (int grp = 0; grp < g.ngroups; ++grp)
    for (std::int64_t p = full * kMR; p < P; ++p) tile<1>(g, act, g.pix_base.data() + p, grp, accmem + p * g.C, accumulate, A);
}

void ppu8_avx512(const PpuArgs& a) {
  const __m512i lo = _mm512_set1_epi64(a.lo), hi = _mm512_set1_epi64(a.hi), one = _mm512_set1_epi64(1);
  const __m512i zero = _mm512_setzero_si512();
  const unsigned wl = static_cast<unsigned>(64 - a.A);
#pragma omp parallel for num_threads(a.threads) schedule(static) if (a.threads > 1 && a.n_pix >= 256)
  for (std::int64_t i = 0; i < a.n_pix; ++i) {
    const std::int32_t* acc = a.acc + i * a.C;
    std::uint8_t* out = a.out + i * a.stride;
    for (std::int64_t c = 0; c < a.n_cols; c += 8) {
      const std::int64_t left = a.n_cols - c;
      const __mmask8 m = left >= 8 ? __mmask8(0xff) : static_cast<__mmask8>((1u << left) - 1u);
      __m512i v = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, acc + c));
      v = _mm512_add_epi64(v, _mm512_maskz_loadu_epi64(m, a.bias + c));
      if (a.wrap_en) v = _mm512_srai_epi64(_mm512_slli_epi64(v, wl), wl);
      const __m512i x = _mm512_sllv_epi64(v, _mm512_maskz_loadu_epi64(m, a.lsh + c));
      const __m512i sh = _mm512_maskz_loadu_epi64(m, a.sh + c), half = _mm512_maskz_loadu_epi64(m, a.half + c);
      __m512i y;
      if (a.rounding == 0) {  // half_up
        y = _mm512_srav_epi64(_mm512_add_epi64(x, half), sh);
      } else if (a.rounding == 2) {  // floor
        y = _mm512_srav_epi64(x, sh);
      } else {  // half_even
        const __m512i q = _mm512_srav_epi64(x, sh);
        const __m512i r = _mm512_sub_epi64(x, _mm512_sllv_epi64(q, sh));
        const __mmask8 up = _mm512_cmpgt_epi64_mask(r, half) |
                            (_mm512_cmpeq_epi64_mask(r, half) & _mm512_cmpgt_epi64_mask(sh, zero) &
                             _mm512_test_epi64_mask(q, one));
        y = _mm512_mask_add_epi64(q, up, q, one);
      }
      y = _mm512_max_epi64(lo, _mm512_min_epi64(hi, y));
      _mm512_mask_cvtepi64_storeu_epi8(out + c, m, y);
    }
  }
}

}  // namespace lutsim::interp

#pragma GCC pop_options
#else
namespace lutsim::interp {
void gemm_vnni(const GemmWork& g, const std::uint8_t* act, std::int32_t* acc, bool accumulate, int A, int threads) {
  gemm_portable(g, act, acc, accumulate, A, threads);
}
void ppu8_avx512(const PpuArgs&) {}
}  // namespace lutsim::interp
#endif
