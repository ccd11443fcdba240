// The AVX-512 forms of the kernel library: the VNNI GEMM tile generator over a VnniGemm (vnni_gemm.h) and the
// requantisation of 16 s32 lanes, templated on lutsim::Rounding.
//
// Include this header inside an AVX-512 target region and call into it only when have_avx512_vnni() (cpu.h):
//
//     #pragma GCC push_options
//     #pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
//     #include "lutsim/kernels/avx512.h"
//     ... code of the adapter ...
//     #pragma GCC pop_options
//
// The pragma (rather than -mavx512* on a whole file) keeps the inline functions of the headers included above it
// compiled for the baseline ISA, so the linker can never pick an AVX-512 copy of a shared inline function for code
// that runs on any CPU. Being templates and inline functions, these kernels are compiled into each adapter with
// the adapter's epilogue (the Sink), so nothing is called through a pointer inside a tile.
#pragma once

// GCC 12.2 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics, whose masked forms start from
// _mm512_undefined_epi32() (GCC bug 105593, fixed in 12.3 / 13); the warning is located in the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "lutsim/kernels/vnni_gemm.h"
#include "lutsim/model/arith.h"

#if !defined(LUTSIM_HAVE_AVX512)
#error "lutsim/kernels/avx512.h: this target builds no AVX-512 kernels (LUTSIM_HAVE_AVX512 is not defined)"
#endif

namespace lutsim::kernels::avx512 {

// The lanes below n (all 16 when n >= 16).
inline __mmask16 lane_mask(std::int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

// ---------------------------------------------------------------------------------------------------------------
// GEMM tile generator.
//
// A tile is MR output pixels x NV column groups of 16 lanes, held in KS * MR * NV zmm accumulators across every quad:
// per quad it loads NV weight vectors (16 lanes x 4 bytes) and issues MR * NV vpdpbusd (u8 x s8 -> s32, 4 products
// per lane, wrapping, no saturation), each pixel's 4 input bytes broadcast once. An S8 input is fed as x ^ 0x80 =
// x + 128, as an S8Biased one already is, and the sums start from -128 * sum(w). With KS > 1 (short tiles) quad
// k goes to partial sum k % KS, so that vpdpbusd's latency is hidden; the partial sums add up to the same value
// modulo 2^32.
//
// After the quads, for each group j < NV the tile calls sink.template column<MR>(job, j, v) with v[m] the 16 sums of
// pixel job.p0 + m, group job.grp0 + j, batch job.batch: sum over quads of x * w modulo 2^32.
template <int MR, int NV, ActCode kCode, class Sink>
void tile(const VnniGemm& g, const TileJob& job, Sink& sink) {
  // Every loop over s, m and j is unrolled, so that acc is indexed by constants only and lives in registers (a
  // loop left rolled, e.g. around the sink call, would send acc to the stack).
  // The first partial sum starts at -128 * sum(w) for S8 and S8Biased inputs (the correction of the x + 128 fed to
  // vpdpbusd), the others at 0.
  constexpr int KS = tile_ks(MR, NV);
  __m512i acc[KS][MR][NV];
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) {
    const __m512i init = kCode == ActCode::U8 ? _mm512_setzero_si512()
                                              : _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(
                                                    g.wsum128 + (std::int64_t{job.batch} * g.ngroups + job.grp0 + j) * 16));
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) {
      acc[0][m][j] = init;
#pragma GCC unroll 16
      for (int s = 1; s < KS; ++s) acc[s][m][j] = _mm512_setzero_si512();
    }
  }
  const std::uint8_t* const act = g.act + job.batch * g.act_batch;
  const std::uint8_t* p[MR];
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m) p[m] = act + g.pix[job.p0 + m];
  const std::int64_t* const qoff = g.qoff;
  const std::size_t gstride = static_cast<std::size_t>(g.K) * 64;
  const std::int8_t* const w = g.w + job.batch * g.w_batch + static_cast<std::size_t>(job.grp0) * gstride;
  const __m512i flip = _mm512_set1_epi32(static_cast<std::int32_t>(0x80808080u));
  auto step = [&](int s, int k) {
    __m512i wv[NV];
#pragma GCC unroll 16
    for (int j = 0; j < NV; ++j) wv[j] = _mm512_loadu_si512(w + j * gstride + 64 * static_cast<std::size_t>(k));
    const std::int64_t o = qoff[k];
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) {
      std::int32_t x4;
      std::memcpy(&x4, p[m] + o, 4);
      __m512i b = _mm512_set1_epi32(x4);
      if constexpr (kCode == ActCode::S8) b = _mm512_xor_si512(b, flip);
#pragma GCC unroll 16
      for (int j = 0; j < NV; ++j) acc[s][m][j] = _mm512_dpbusd_epi32(acc[s][m][j], b, wv[j]);
    }
  };
  int k = 0;
  if constexpr (KS > 1)
    for (; k + KS <= g.K; k += KS)
#pragma GCC unroll 16
      for (int s = 0; s < KS; ++s) step(s, k + s);
  for (; k < g.K; ++k) step(0, k);
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) {
    __m512i v[MR];
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) {
      v[m] = acc[0][m][j];
#pragma GCC unroll 16
      for (int s = 1; s < KS; ++s) v[m] = _mm512_add_epi32(v[m], acc[s][m][j]);
    }
    sink.template column<MR>(job, j, v);
  }
}

template <ActCode kCode, class Sink>
using TileFn = void (*)(const VnniGemm&, const TileJob&, Sink&);

template <ActCode kCode, class Sink, int NV, int... I>
constexpr std::array<TileFn<kCode, Sink>, kMaxMR + 1> tile_row(std::integer_sequence<int, I...>) {
  // Entry mr (1 <= mr <= tile_pixels(NV)) is tile<mr, NV>; larger entries are never used.
  return {nullptr,
          (I + 1 <= tile_pixels(NV) ? &tile<(I + 1 <= tile_pixels(NV) ? I + 1 : 1), NV, kCode, Sink> : nullptr)...};
}

template <ActCode kCode, class Sink>
inline constexpr std::array<std::array<TileFn<kCode, Sink>, kMaxMR + 1>, kMaxNV + 1> kTiles = {{
    {},
    tile_row<kCode, Sink, 1>(std::make_integer_sequence<int, kMaxMR>{}),
    tile_row<kCode, Sink, 2>(std::make_integer_sequence<int, kMaxMR>{}),
    tile_row<kCode, Sink, 3>(std::make_integer_sequence<int, kMaxMR>{}),
    tile_row<kCode, Sink, 4>(std::make_integer_sequence<int, kMaxMR>{}),
}};

// Computes one job of a TilePlan over g (whose code must be kCode) into the sink.
template <ActCode kCode, class Sink>
inline void run_tile(const VnniGemm& g, const TileJob& job, Sink& sink) {
  kTiles<kCode, Sink>[static_cast<std::size_t>(job.nv)][static_cast<std::size_t>(job.n)](g, job, sink);
}

// ---------------------------------------------------------------------------------------------------------------
// Requantisation of 16 s32 lanes: arith.h's rshift_round and clamp, and the wrap to A bits.

// wrap(v, A) lane-wise for a sum v known modulo 2^32, with sh = 32 - A (A <= 32): (v << sh) >> sh, arithmetic.
inline __m512i wrap16(__m512i v, __m128i sh) { return _mm512_sra_epi32(_mm512_sll_epi32(v, sh), sh); }

// The lanes where sum = a + b (32-bit) overflowed, i.e. the exact a + b lies outside s32.
inline __mmask16 add_overflow16(__m512i a, __m512i b, __m512i sum) {
  return _mm512_cmplt_epi32_mask(_mm512_and_si512(_mm512_xor_si512(a, sum), _mm512_xor_si512(b, sum)),
                                 _mm512_setzero_si512());
}

// The per-lane constants of rshift_round for shifts s in [kMinShift, kMaxShift]: for s > 0, s, s - 1, 2^(s-1) and
// 2^s - 1; elsewhere values that leave the right-shift path's q unchanged (a shift count of 32 yields 0).
struct Shift16 {
  __m512i rs, rs1, ls, half, rmask;
  __mmask16 right;  // s > 0
};

inline Shift16 shift16(__m512i s) {
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  Shift16 k;
  k.right = _mm512_cmpgt_epi32_mask(s, zero);
  k.rs = _mm512_max_epi32(s, zero);
  k.ls = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
  k.rs1 = _mm512_mask_sub_epi32(_mm512_set1_epi32(32), k.right, s, one);
  k.half = _mm512_maskz_sllv_epi32(k.right, one, k.rs1);
  k.rmask = _mm512_maskz_sub_epi32(k.right, _mm512_sllv_epi32(one, k.rs), one);
  return k;
}

// rshift_round(v, s, R) lane-wise for any s32 v, without an add that could overflow:
//   floor     q = v >> s
//   half_up   q + bit s-1 of v                (= floor((v + 2^(s-1)) / 2^s))
//   half_even q + 1 when the remainder r = v & (2^s - 1) exceeds 2^(s-1), or equals it with q odd
//   s <= 0    v * 2^-s taken after clamping v to [-2^15, 2^15], which keeps the product inside s32; the result is
//             then exact when |v * 2^-s| <= 2^15, and otherwise at least 2^15 in magnitude with the exact one's
//             sign, so that it clamps like the exact one to any bounds within [-2^15, 2^15], and compares like it
//             with any bound strictly between -2^15 and 2^15.
// kRightOnly: every lane that matters has s > 0 (the s <= 0 path is left out).
template <Rounding R, bool kRightOnly>
inline __m512i rshift_round16(__m512i v, const Shift16& k) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i q = _mm512_srav_epi32(v, k.rs);
  __m512i y = q;
  if constexpr (R == Rounding::HalfUp) {
    y = _mm512_add_epi32(q, _mm512_and_si512(_mm512_srlv_epi32(v, k.rs1), one));
  } else if constexpr (R == Rounding::HalfEven) {
    const __m512i r = _mm512_and_si512(v, k.rmask);
    const __mmask16 up = static_cast<__mmask16>(
        _mm512_cmpgt_epi32_mask(r, k.half) | (_mm512_cmpeq_epi32_mask(r, k.half) & _mm512_test_epi32_mask(q, one)));
    y = _mm512_mask_add_epi32(q, static_cast<__mmask16>(up & k.right), q, one);
  }
  if constexpr (!kRightOnly) {
    const __m512i lim = _mm512_set1_epi32(1 << 15), nlim = _mm512_set1_epi32(-(1 << 15));
    const __m512i l = _mm512_sllv_epi32(_mm512_min_epi32(_mm512_max_epi32(v, nlim), lim), k.ls);
    y = _mm512_mask_blend_epi32(k.right, l, y);
  }
  return y;
}

inline __m512i clamp16(__m512i v, __m512i lo, __m512i hi) { return _mm512_min_epi32(_mm512_max_epi32(v, lo), hi); }

}  // namespace lutsim::kernels::avx512
