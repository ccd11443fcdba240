// The AVX-512 VNNI GEMM kernel. Everything below the target pragma is compiled for AVX-512 F/BW and VNNI; the
// interpreter calls in only after have_vnni(). The pragma (rather than flags on the whole file) keeps inline
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
                         __builtin_cpu_supports("avx512vnni");
  return ok;
#else
  return false;
#endif
}

}  // namespace lutsim::interp

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vnni")

namespace lutsim::interp {
namespace {

template <int MR>
void tile(const GemmWork& g, const std::uint8_t* act, const std::int64_t* base, int grp, std::int32_t* out, int L) {
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
  const __m512i corr = _mm512_loadu_si512(g.wsum.data() + grp * 16);
  for (int m = 0; m < MR; ++m) {
    __m512i v = acc[m];
    if (g.act_signed) v = _mm512_sub_epi32(v, corr);
    _mm512_storeu_si512(out + m * L + grp * 16, v);
  }
}

}  // namespace

void gemm_vnni(const GemmWork& g, const std::uint8_t* act, std::int32_t* sums) {
  constexpr int kMR = 8;
  const int L = g.ngroups * 16;
  const std::int64_t P = static_cast<std::int64_t>(g.pix_base.size());
  for (int grp = 0; grp < g.ngroups; ++grp) {
    std::int64_t p = 0;
    for (; p + kMR <= P; p += kMR) tile<kMR>(g, act, g.pix_base.data() + p, grp, sums + p * L, L);
    for (; p < P; ++p) tile<1>(g, act, g.pix_base.data() + p, grp, sums + p * L, L);
  }
}

}  // namespace lutsim::interp

#pragma GCC pop_options
#else
namespace lutsim::interp {
void gemm_vnni(const GemmWork& g, const std::uint8_t* act, std::int32_t* sums) { gemm_portable(g, act, sums); }
}  // namespace lutsim::interp
#endif
