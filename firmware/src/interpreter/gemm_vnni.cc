// The AVX-512 kernels: the VNNI GEMM, the PPU's 8-bit path and the vector unit. Everything below the target pragma is
// compiled for AVX-512 F/BW/VL and VNNI; the interpreter calls in only after have_vnni() (which checks AVX-512
// F/BW/VL and VNNI). The pragma (rather than flags on the whole file) keeps inline functions of the headers above it
// compiled for the baseline ISA.
//
// GEMM: a tile is MR output pixels x NV column groups of 16 lanes, held in MR * NV zmm accumulators across every row
// quad of every weight block: per quad it loads NV weight vectors (16 lanes x 4 rows) and issues MR * NV vpdpbusd
// (u8 x s8 -> s32, wrapping), each pixel's 4 input bytes broadcast once. s8 inputs are fed as x ^ 0x80 = x + 128 and
// 128 * sum(w) is subtracted. Tiles with few pixels (the tails, and GEMMs of one or two pixels) keep KS partial sums
// per accumulator over alternate quads, so that vpdpbusd's latency is hidden; their sum modulo 2^32 is the same.
// GCC 12.2 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

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

constexpr int kMaxMR = 12;
// Pixels per full tile for NV column groups: MR * NV accumulators plus NV weights within the 32 zmm registers, and
// MR base addresses within the general registers.
constexpr int tile_pixels(int nv) { return nv >= 4 ? 6 : nv == 3 ? 8 : nv == 2 ? 10 : kMaxMR; }
// Partial sums per accumulator: enough independent vpdpbusd chains (about 8) to hide the latency.
constexpr int tile_ks(int mr, int nv) { return mr * nv >= 6 ? 1 : mr * nv >= 3 ? 2 : 4; }

using TileFn = void (*)(const GemmWork& g, const std::uint8_t* act, const std::int64_t* base, int grp0,
                        std::int32_t* accmem, bool accumulate, int A);

template <int MR, int NV, bool SIGNED>
void tile(const GemmWork& g, const std::uint8_t* act, const std::int64_t* base, int grp0, std::int32_t* accmem,
          bool accumulate, int A) {
  constexpr int KS = tile_ks(MR, NV);
  __m512i acc[KS][MR][NV];
  for (int s = 0; s < KS; ++s)
    for (int m = 0; m < MR; ++m)
      for (int j = 0; j < NV; ++j) acc[s][m][j] = _mm512_setzero_si512();
  const std::uint8_t* p[MR];
  for (int m = 0; m < MR; ++m) p[m] = act + base[m];
  const std::int64_t* qoff = g.qoff.data();
  const std::size_t gstride = static_cast<std::size_t>(g.K) * 64;
  const std::int8_t* w = g.w + static_cast<std::size_t>(grp0) * gstride;
  const __m512i flip = _mm512_set1_epi32(static_cast<std::int32_t>(0x80808080u));
  auto step = [&](int s, int k) {
    __m512i wv[NV];
    for (int j = 0; j < NV; ++j) wv[j] = _mm512_loadu_si512(w + j * gstride + 64 * static_cast<std::size_t>(k));
    const std::int64_t o = qoff[k];
    for (int m = 0; m < MR; ++m) {
      std::int32_t v;
      std::memcpy(&v, p[m] + o, 4);
      __m512i b = _mm512_set1_epi32(v);
      if constexpr (SIGNED) b = _mm512_xor_si512(b, flip);
      for (int j = 0; j < NV; ++j) acc[s][m][j] = _mm512_dpbusd_epi32(acc[s][m][j], b, wv[j]);
    }
  };
  int k = 0;
  if constexpr (KS > 1)
    for (; k + KS <= g.K; k += KS)
      for (int s = 0; s < KS; ++s) step(s, k + s);
  for (; k < g.K; ++k) step(0, k);
  for (int j = 0; j < NV; ++j) {
    const int grp = grp0 + j;
    const __m512i corr = _mm512_loadu_si512(g.wsum + grp * 16);
    const int left = g.n_cols - grp * 16;
    const __mmask16 mask = left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
    for (int m = 0; m < MR; ++m) {
      __m512i v = acc[0][m][j];
      for (int s = 1; s < KS; ++s) v = _mm512_add_epi32(v, acc[s][m][j]);
      if constexpr (SIGNED) v = _mm512_sub_epi32(v, corr);
      std::int32_t* a = accmem + m * g.C + grp * 16;
      if (accumulate) v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(mask, a));
      if (A < 32) v = _mm512_srai_epi32(_mm512_slli_epi32(v, static_cast<unsigned>(32 - A)), static_cast<unsigned>(32 - A));
      _mm512_mask_storeu_epi32(a, mask, v);
    }
  }
}

template <int NV, bool SIGNED, int... I>
constexpr std::array<TileFn, kMaxMR + 1> tile_table(std::integer_sequence<int, I...>) {
  // Entry mr (1 <= mr <= tile_pixels(NV)) is tile<mr, NV, SIGNED>; larger entries are never used.
  return {nullptr, (I + 1 <= tile_pixels(NV) ? &tile<(I + 1 <= tile_pixels(NV) ? I + 1 : 1), NV, SIGNED> : nullptr)...};
}
template <bool SIGNED>
constexpr std::array<std::array<TileFn, kMaxMR + 1>, 5> tiles() {
  return {{{},
           tile_table<1, SIGNED>(std::make_integer_sequence<int, kMaxMR>{}),
           tile_table<2, SIGNED>(std::make_integer_sequence<int, kMaxMR>{}),
           tile_table<3, SIGNED>(std::make_integer_sequence<int, kMaxMR>{}),
           tile_table<4, SIGNED>(std::make_integer_sequence<int, kMaxMR>{})}};
}
const std::array<std::array<TileFn, kMaxMR + 1>, 5> kTilesU8 = tiles<false>(), kTilesS8 = tiles<true>();

}  // namespace

void gemm_vnni(const GemmWork& g, const std::uint8_t* act, std::int32_t* accmem, bool accumulate, int A, int threads) {
  const auto& table = g.act_signed ? kTilesS8 : kTilesU8;
  const std::int64_t P = static_cast<std::int64_t>(g.pix_base.size());
  // Column chunks of up to 4 groups; in each, pixel tiles of one size (the last may be smaller) as close to the
  // full tile as P allows, so that no tile but the last is short.
  struct Chunk {
    int grp0, nv;
    std::int64_t size, first_job;
  };
  std::array<Chunk, 5> chunks{};  // C <= 256: at most 16 groups, 4 chunks
  const int nchunks = (g.ngroups + 3) / 4;
  std::int64_t jobs = 0;
  for (int ci = 0; ci < nchunks; ++ci) {
    Chunk& c = chunks[static_cast<std::size_t>(ci)];
    c.grp0 = 4 * ci;
    c.nv = std::min(4, g.ngroups - c.grp0);
    const std::int64_t ntiles = (P + tile_pixels(c.nv) - 1) / tile_pixels(c.nv);
    c.size = (P + ntiles - 1) / ntiles;
    c.first_job = jobs;
    jobs += (P + c.size - 1) / c.size;
  }
  chunks[static_cast<std::size_t>(nchunks)].first_job = jobs;
  auto run_job = [&](std::int64_t j) {
    std::size_t ci = 0;
    while (chunks[ci + 1].first_job <= j) ++ci;
    const Chunk& c = chunks[ci];
    const std::int64_t p0 = (j - c.first_job) * c.size;
    const std::int64_t n = std::min(c.size, P - p0);
    table[static_cast<std::size_t>(c.nv)][static_cast<std::size_t>(n)](g, act, g.pix_base.data() + p0, c.grp0,
                                                                      accmem + p0 * g.C, accumulate, A);
  };
  if (threads <= 1 || jobs < 8) {
    for (std::int64_t j = 0; j < jobs; ++j) run_job(j);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t j = 0; j < jobs; ++j) run_job(j);
}

// PPU: 16 lanes of s32 per vector, after arith.h's rshift_round with
//  - v = acc + bias computed modulo 2^32; a lane whose add overflowed (|v| >= 2^31, only possible without wrap_en)
//    sends the whole vector to the exact 64-bit scalar formula;
//  - with wrap_en, wrap(v, A) = (sum << (32 - A)) >> (32 - A) (arithmetic), because sum = v mod 2^32 and A <= 32;
//  - s > 0 without any add that could overflow: floor q = v >> s; half_up q + bit s-1 of v; half_even q + 1 when
//    the remainder v & (2^s - 1) exceeds 2^(s-1) or equals it with q odd;
//  - s <= 0: v * 2^-s after clamping v to [-2^15, 2^15], which keeps the product inside s32 and does not change the
//    result, since lo and hi lie in [-2^15, 2^15) and any |v| > 2^15 is clamped to the same bound either way.
namespace {

template <int RND>
inline std::int64_t shift_round_scalar(std::int64_t v, int s) {
  if (s == 0) return v;
  if (s < 0) return v * (std::int64_t{1} << -s);
  const std::int64_t half = std::int64_t{1} << (s - 1);
  if (RND == 0) return (v + half) >> s;
  if (RND == 2) return v >> s;
  const std::int64_t q = v >> s, r = v - (q << s);
  return q + static_cast<std::int64_t>(r > half || (r == half && (q & 1)));
}

template <int RND, bool WRAP>
void ppu_rows(const PpuArgs& a, std::int64_t i0, std::int64_t i1) {
  const int ngrp = static_cast<int>((a.n_cols + 15) / 16);
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i lo = _mm512_set1_epi32(a.lo), hi = _mm512_set1_epi32(a.hi);
  const __m512i lim = _mm512_set1_epi32(1 << 15), nlim = _mm512_set1_epi32(-(1 << 15));
  const __m128i wsh = _mm_cvtsi32_si128(32 - a.A);
  for (int gi = 0; gi < ngrp; ++gi) {
    const std::int64_t c0 = 16 * gi;
    const std::int64_t left = a.n_cols - c0;
    const __mmask16 m = left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
    const __m512i bias = _mm512_maskz_loadu_epi32(m, a.bias + c0);
    const __m512i s = _mm512_maskz_loadu_epi32(m, a.shift + c0);
    const __mmask16 right = _mm512_cmpgt_epi32_mask(s, zero);
    const bool any_left = static_cast<__mmask16>(right | ~m) != 0xffff;
    const __m512i rs = _mm512_max_epi32(s, zero), ls = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
    // For s > 0: s - 1 and 2^s - 1, 2^(s-1); elsewhere values that give q unchanged (shift 32 yields 0).
    const __m512i rs1 = _mm512_mask_sub_epi32(_mm512_set1_epi32(32), right, s, one);
    const __m512i half = _mm512_maskz_sllv_epi32(right, one, rs1);
    const __m512i rmask = _mm512_maskz_sub_epi32(right, _mm512_sllv_epi32(one, rs), one);
    for (std::int64_t i = i0; i < i1; ++i) {
      const std::int32_t* acc = a.acc + i * a.C + c0;
      std::uint8_t* out = a.out + i * a.stride + c0;
      const __m512i x = _mm512_maskz_loadu_epi32(m, acc);
      __m512i v = _mm512_add_epi32(x, bias);
      if constexpr (WRAP) {
        v = _mm512_sra_epi32(_mm512_sll_epi32(v, wsh), wsh);
      } else {
        const __m512i ovf = _mm512_and_si512(_mm512_xor_si512(x, v), _mm512_xor_si512(bias, v));
        if (_mm512_cmplt_epi32_mask(ovf, zero)) {  // exact 64-bit formula for this entry
          for (std::int64_t c = 0; c < left && c < 16; ++c) {
            const std::int64_t e = std::int64_t{acc[c]} + a.bias[c0 + c];
            const std::int64_t y = shift_round_scalar<RND>(e, a.shift[c0 + c]);
            out[c] = static_cast<std::uint8_t>(y < a.lo ? a.lo : y > a.hi ? a.hi : y);
          }
          continue;
        }
      }
      const __m512i q = _mm512_srav_epi32(v, rs);
      __m512i y = q;
      if constexpr (RND == 0) {
        y = _mm512_add_epi32(q, _mm512_and_si512(_mm512_srlv_epi32(v, rs1), one));
      } else if constexpr (RND == 1) {
        const __m512i r = _mm512_and_si512(v, rmask);
        const __mmask16 up = static_cast<__mmask16>(_mm512_cmpgt_epi32_mask(r, half) |
                                                    (_mm512_cmpeq_epi32_mask(r, half) & _mm512_test_epi32_mask(q, one)));
        y = _mm512_mask_add_epi32(q, static_cast<__mmask16>(up & right), q, one);
      }
      if (any_left) {
        const __m512i l = _mm512_sllv_epi32(_mm512_min_epi32(_mm512_max_epi32(v, nlim), lim), ls);
        y = _mm512_mask_blend_epi32(right, l, y);
      }
      y = _mm512_min_epi32(_mm512_max_epi32(y, lo), hi);
      _mm512_mask_cvtepi32_storeu_epi8(out, m, y);
    }
  }
}

template <int RND>
void ppu_dispatch(const PpuArgs& a, std::int64_t i0, std::int64_t i1) {
  if (a.wrap_en) ppu_rows<RND, true>(a, i0, i1);
  else ppu_rows<RND, false>(a, i0, i1);
}

void ppu_range(const PpuArgs& a, std::int64_t i0, std::int64_t i1) {
  switch (a.rounding) {
    case 0: return ppu_dispatch<0>(a, i0, i1);
    case 1: return ppu_dispatch<1>(a, i0, i1);
    default: return ppu_dispatch<2>(a, i0, i1);
  }
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
    const std::int64_t left = v.n_lanes - c0;
    const __mmask16 m = left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
    for (std::int64_t p = 0; p < P; ++p) {
      const std::uint8_t* xa = v.a + v.pix_off[static_cast<std::size_t>(p)] + c0;
      std::int32_t* acc = v.acc + p * v.C + c0;
      __m512i r;
      if (v.op == 2) {
        const std::uint8_t* xb = v.b + v.pix_off[static_cast<std::size_t>(p)] + c0;
        r = _mm512_add_epi32(_mm512_sll_epi32(widen(xa, m, v.a_signed), sa), _mm512_sll_epi32(widen(xb, m, v.b_signed), sb));
      } else if (v.op == 0) {
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
        r = v.op == 0 ? _mm512_max_epi32(old, r) : _mm512_add_epi32(old, r);
      }
      _mm512_mask_storeu_epi32(acc, m, r);
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
void ppu8_avx512(const PpuArgs& a) { ppu8_portable(a); }
void vec_avx512(const VecArgs& v) { vec_portable(v); }
}  // namespace lutsim::interp
#endif
