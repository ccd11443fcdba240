// AVX-512 VNNI convolution back ends. Everything below the target pragma is compiled for AVX-512 F/BW/VL and
// VNNI; the front end calls in only after cpu_has_avx512_vnni(). The pragma (rather than -mavx512* on the whole
// file) keeps the inline functions of the headers included above it compiled for the baseline ISA, so the
// linker can never pick an AVX-512 copy of a shared inline function for code that runs on any CPU.
//
// GEMM: a tile is MR output pixels x NV blocks of 16 output channels, held in MR * NV zmm accumulators. Per
// step of 4 input bytes it loads NV weight vectors (16 channels x 4 bytes, packed that way at construction),
// broadcasts 4 input bytes of each pixel and issues MR * NV vpdpbusd (u8 x s8 -> s32, 4 products per lane,
// wrapping, no saturation).
//
// Post-processing (post16) works on 16 s32 lanes and equals post_scalar (arith.h) for every input allowed
// here (|S| < 2^31); fast_kernels_test checks it against the reference kernels on edge values of every shift,
// rounding mode and accumulator width.
// GCC 12.2 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics, whose masked forms start from
// _mm512_undefined_epi32() (GCC bug 105593, fixed in 12.3 / 13); the warning is located in the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <utility>

#include "fast_internal.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")

namespace lutsim::fast {
namespace {

constexpr int kMaxTile = 12;  // the largest MR below
constexpr int tile_pixels(int nv) { return nv >= 4 ? 6 : nv == 3 ? 8 : nv == 2 ? 10 : 12; }

using MicroFn = void (*)(const std::uint8_t* const* base, const std::int64_t* tap_off, int T, int kq,
                         const std::int8_t* w, std::int64_t block_bytes, std::int32_t* acc_out);

// acc_out[m][j][16] = sum over taps t and k < 4 * kq of x(base[m] + tap_off[t] + k) * w(block j, t, k), with the
// input bytes as u8, the weights as s8 and the sums wrapping modulo 2^32.
template <int MR, int NV>
void micro(const std::uint8_t* const* base, const std::int64_t* tap_off, int T, int kq, const std::int8_t* w,
           std::int64_t block_bytes, std::int32_t* acc_out) {
  __m512i acc[MR][NV];
  for (int m = 0; m < MR; ++m)
    for (int j = 0; j < NV; ++j) acc[m][j] = _mm512_setzero_si512();
  const std::int8_t* wp = w;
  for (int t = 0; t < T; ++t) {
    const std::uint8_t* p[MR];
    for (int m = 0; m < MR; ++m) p[m] = base[m] + tap_off[t];
    for (int k = 0; k < kq; ++k) {
      __m512i wv[NV];
      for (int j = 0; j < NV; ++j) wv[j] = _mm512_load_si512(wp + j * block_bytes);
      wp += 64;
      for (int m = 0; m < MR; ++m) {
        std::int32_t v;
        std::memcpy(&v, p[m] + 4 * k, 4);
        const __m512i b = _mm512_set1_epi32(v);
        for (int j = 0; j < NV; ++j) acc[m][j] = _mm512_dpbusd_epi32(acc[m][j], b, wv[j]);
      }
    }
  }
  for (int m = 0; m < MR; ++m)
    for (int j = 0; j < NV; ++j) _mm512_store_si512(acc_out + (m * NV + j) * 16, acc[m][j]);
}

template <int NV, int... I>
constexpr std::array<MicroFn, kMaxTile + 1> micro_table(std::integer_sequence<int, I...>) {
  // Entry mr (1 <= mr <= tile_pixels(NV)) is micro<mr, NV>; larger entries are never used.
  return {nullptr, (I + 1 <= tile_pixels(NV) ? &micro<(I + 1 <= tile_pixels(NV) ? I + 1 : 1), NV> : nullptr)...};
}
const std::array<std::array<MicroFn, kMaxTile + 1>, 5> kMicro = {{
    {},
    micro_table<1>(std::make_integer_sequence<int, kMaxTile>{}),
    micro_table<2>(std::make_integer_sequence<int, kMaxTile>{}),
    micro_table<3>(std::make_integer_sequence<int, kMaxTile>{}),
    micro_table<4>(std::make_integer_sequence<int, kMaxTile>{}),
}};

// Statistics of one worker in 16 s32 lanes, folded into Counts after each work item (an item adds at most a few
// thousand to a lane).
struct VecCounts {
  // A user-provided constructor, so that it is compiled for the target of this file.
  VecCounts() : wraps(_mm512_setzero_si512()), low(_mm512_setzero_si512()), high(_mm512_setzero_si512()) {}
  __m512i wraps, low, high;
  void flush(Counts& c) {
    c.wraps += _mm512_reduce_add_epi32(wraps);
    c.low += _mm512_reduce_add_epi32(low);
    c.high += _mm512_reduce_add_epi32(high);
    wraps = low = high = _mm512_setzero_si512();
  }
};

// Constants of the post-processing shared by every block of a layer.
struct PostConst {
  bool narrow;      // acc_bits < 32
  __m128i wrap_sh;  // 32 - acc_bits
  __m512i act_min, act_max;
};

PostConst post_const(const Post& p) {
  return {p.acc_bits < 32, _mm_cvtsi32_si128(32 - p.acc_bits), _mm512_set1_epi32(p.act_min),
          _mm512_set1_epi32(p.act_max)};
}

// The contract's post-processing of 16 outputs (slots slot..slot+15, the lanes in `lanes`) with exact sums S:
//  - v = bias + S may leave the s32 range; that is detected as signed overflow of the 32-bit add
//    ((S ^ sum) & (bias ^ sum) < 0), and then v certainly does not fit A <= 32 bits. Without overflow the
//    32-bit sum is v, and v fits A bits iff wrap_A(v) == v. kMayWrap = false when the front end proved
//    |bias + S| < 2^(A-1) for every channel: then acc = v and there is nothing to test.
//  - wrap_A(v) = (sum << (32 - A)) >> (32 - A) (arithmetic), because sum = v mod 2^32 and A <= 32.
//  - rshift_round for s > 0 on |acc| <= 2^31, without any add that could overflow:
//      floor     acc >> s
//      half_up   (acc >> s) + bit s-1 of acc     (= floor((acc + 2^(s-1)) / 2^s))
//      half_even q = acc >> s, r = acc & (2^s - 1): q + 1 when r > 2^(s-1) or (r == 2^(s-1) and q is odd)
//  - s <= 0 (absent when kRightOnly): acc * 2^-s after clamping acc to [-2^15, 2^15]; that pre-clamp keeps the
//    product inside s32 and does not change the result, since act_min/act_max lie in [-128, 255] and any
//    |acc| > 2^15 is clamped to the same bound (and counted the same way) either way.
template <bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>
inline void post16(__m512i S, const Post& P, const PostConst& k, std::size_t slot, __mmask16 lanes, void* dst,
                   VecCounts& c) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i bias = _mm512_load_si512(P.bias.data() + slot);
  const __m512i sum = _mm512_add_epi32(S, bias);
  __m512i acc = sum;
  if constexpr (kMayWrap) {
    const __m512i ovf = _mm512_and_si512(_mm512_xor_si512(S, sum), _mm512_xor_si512(bias, sum));
    __mmask16 wrapped = _mm512_cmplt_epi32_mask(ovf, zero);
    if (k.narrow) {
      acc = _mm512_sra_epi32(_mm512_sll_epi32(sum, k.wrap_sh), k.wrap_sh);
      wrapped = static_cast<__mmask16>(wrapped | _mm512_cmpneq_epi32_mask(acc, sum));
    }
    c.wraps = _mm512_mask_add_epi32(c.wraps, static_cast<__mmask16>(wrapped & lanes), c.wraps, one);
  }
  if constexpr (kS32) {
    _mm512_mask_storeu_epi32(dst, lanes, acc);
  } else {
    const __m512i rs = _mm512_load_si512(P.rs.data() + slot);
    const __m512i q = _mm512_srav_epi32(acc, rs);
    __m512i v = q;
    if constexpr (R == Rounding::HalfUp) {
      v = _mm512_add_epi32(q, _mm512_and_si512(_mm512_srlv_epi32(acc, _mm512_load_si512(P.rs1.data() + slot)), one));
    } else if constexpr (R == Rounding::HalfEven) {
      const __m512i half = _mm512_load_si512(P.half.data() + slot);
      const __m512i rem = _mm512_and_si512(acc, _mm512_load_si512(P.rmask.data() + slot));
      const __mmask16 up = static_cast<__mmask16>(
          _mm512_cmpgt_epi32_mask(rem, half) |
          (_mm512_cmpeq_epi32_mask(rem, half) & _mm512_test_epi32_mask(q, one)));
      v = _mm512_mask_add_epi32(q, up, q, one);
    }
    if constexpr (!kRightOnly) {
      const __m512i lim = _mm512_set1_epi32(1 << 15);
      const __m512i left = _mm512_sllv_epi32(
          _mm512_min_epi32(_mm512_max_epi32(acc, _mm512_sub_epi32(zero, lim)), lim),
          _mm512_load_si512(P.ls.data() + slot));
      v = _mm512_mask_blend_epi32(_mm512_cmpgt_epi32_mask(rs, zero), left, v);
    }
    c.low = _mm512_mask_add_epi32(c.low, static_cast<__mmask16>(_mm512_cmplt_epi32_mask(v, k.act_min) & lanes), c.low, one);
    c.high = _mm512_mask_add_epi32(c.high, static_cast<__mmask16>(_mm512_cmpgt_epi32_mask(v, k.act_max) & lanes), c.high, one);
    v = _mm512_min_epi32(_mm512_max_epi32(v, k.act_min), k.act_max);
    _mm512_mask_cvtepi32_storeu_epi8(dst, lanes, v);
  }
}

// Calls f.template operator()<kS32, R, kRightOnly, kMayWrap>() with the post-processing variant of p.
template <class F>
void with_post_variant(const Post& p, F&& f) {
  auto by_wrap = [&]<bool kS32, Rounding R, bool kRightOnly>() {
    if (p.may_wrap)
      f.template operator()<kS32, R, kRightOnly, true>();
    else
      f.template operator()<kS32, R, kRightOnly, false>();
  };
  auto by_shift = [&]<Rounding R>() {
    if (p.right_only)
      by_wrap.template operator()<false, R, true>();
    else
      by_wrap.template operator()<false, R, false>();
  };
  if (p.out == DType::S32) return by_wrap.template operator()<true, Rounding::Floor, true>();
  switch (p.rounding) {
    case Rounding::HalfUp: return by_shift.template operator()<Rounding::HalfUp>();
    case Rounding::HalfEven: return by_shift.template operator()<Rounding::HalfEven>();
    case Rounding::Floor: return by_shift.template operator()<Rounding::Floor>();
  }
}

inline __mmask16 lane_mask(int n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// Base addresses of mr consecutive output pixels from p0, plus a per-group byte offset.
inline void pixel_bases(const ConvGeom& g, const std::uint8_t* x, std::int64_t p0, int mr, std::int64_t goff,
                        const std::uint8_t** base) {
  const std::int64_t hw = g.pixels_per_image();
  std::int64_t n = p0 / hw;
  std::int64_t r = p0 % hw;
  int oh = static_cast<int>(r / g.OW), ow = static_cast<int>(r % g.OW);
  for (int m = 0; m < mr; ++m) {
    base[m] = x + ((n * g.Hp + std::int64_t{oh} * g.sh) * g.Wp + std::int64_t{ow} * g.sw) * g.C + goff;
    if (++ow == g.OW) {
      ow = 0;
      if (++oh == g.OH) { oh = 0; ++n; }
    }
  }
}

template <bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>
void gemm_run(const GemmPlan& P, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& total) {
  const ConvGeom& g = P.g;
  const std::int64_t M = N * g.pixels_per_image();
  const int nv_full = std::min(4, P.OB);
  const int mr_tile = tile_pixels(nv_full);
  const std::int64_t tiles = (M + mr_tile - 1) / mr_tile;
  const int panels = (P.OB + 3) / 4;
  const std::int64_t items = std::int64_t{g.G} * panels * tiles;
  const std::int64_t block_bytes = std::int64_t{P.T} * P.L * 16;
  const int kq = P.L / 4;
  const std::size_t esz = kS32 ? 4 : 1;
  const PostConst pc = post_const(P.post);
  const std::int64_t chunk = work_chunk(items, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Counts c;
    VecCounts vc;
    alignas(64) std::int32_t acc[kMaxTile * 4 * 16];
    const std::uint8_t* base[kMaxTile];
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t it = 0; it < items; ++it) {
      const std::int64_t gp = it / tiles;
      const int grp = static_cast<int>(gp / panels);
      const int ob0 = static_cast<int>(gp % panels) * 4;
      const int nv = std::min(4, P.OB - ob0);
      const std::int64_t p0 = (it % tiles) * mr_tile;
      const int mr = static_cast<int>(std::min<std::int64_t>(mr_tile, M - p0));
      pixel_bases(g, x, p0, mr, std::int64_t{grp} * g.I, base);
      const std::int64_t blk0 = std::int64_t{grp} * P.OB + ob0;
      kMicro[static_cast<std::size_t>(nv)][static_cast<std::size_t>(mr)](
          base, P.tap_off.data(), P.T, kq, P.w8.data() + blk0 * block_bytes, block_bytes, acc);
      for (int j = 0; j < nv; ++j) {
        const int ob = ob0 + j;
        const __mmask16 lanes = lane_mask(g.Og - ob * 16);
        const std::size_t slot = static_cast<std::size_t>((blk0 + j) * 16);
        const __m512i comp = _mm512_load_si512(P.comp.data() + slot);
        for (int m = 0; m < mr; ++m) {
          const __m512i S = _mm512_sub_epi32(_mm512_load_si512(acc + (m * nv + j) * 16), comp);
          const std::int64_t o = (p0 + m) * g.O + std::int64_t{grp} * g.Og + ob * 16;
          post16<kS32, R, kRightOnly, kMayWrap>(S, P.post, pc, slot, lanes, static_cast<char*>(out) + o * static_cast<std::int64_t>(esz), vc);
        }
      }
      vc.flush(c);
    }
#pragma omp critical
    total += c;
  }
}

// One output row of a depthwise conv: channels in lanes, 16 at a time; for each block of channels the kernel
// walks the row's pixels with the block's weights held in registers when the kernel has kT taps (kT = 0:
// any number, weights loaded per tap).
template <int kT, bool kS8, bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>
void depthwise_row(const DwPlan& P, const PostConst& pc, const std::uint8_t* row_base, void* row_out,
                   VecCounts& vc) {
  const ConvGeom& g = P.g;
  const int C = g.C;
  const int T = kT ? kT : static_cast<int>(P.tap_off.size());
  const std::int64_t* off = P.tap_off.data();
  const std::int64_t step = std::int64_t{g.sw} * C;
  const std::int64_t esz = kS32 ? 4 : 1;
  for (int cb = 0; cb < C; cb += 16) {
    const __mmask16 lanes = lane_mask(C - cb);
    const std::int32_t* wb = P.w32.data() + cb;
    __m512i wv[kT ? kT : 1];
    if constexpr (kT > 0)
      for (int t = 0; t < kT; ++t) wv[t] = _mm512_load_si512(wb + std::int64_t{t} * P.Cp);
    const std::uint8_t* base = row_base + cb;
    char* dst = static_cast<char*>(row_out) + cb * esz;
    for (int ow = 0; ow < g.OW; ++ow, base += step, dst += std::int64_t{C} * esz) {
      __m512i acc = _mm512_setzero_si512();
      for (int t = 0; t < T; ++t) {
        const __m128i xb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + off[t]));
        const __m512i xv = kS8 ? _mm512_cvtepi8_epi32(xb) : _mm512_cvtepu8_epi32(xb);
        const __m512i w = kT > 0 ? wv[kT > 0 ? t : 0] : _mm512_load_si512(wb + std::int64_t{t} * P.Cp);
        // x (s16 in the low half, its sign extension or 0 in the high half) times w (low half; high half 0),
        // summed in pairs: exactly x * w.
        acc = _mm512_dpwssd_epi32(acc, xv, w);
      }
      post16<kS32, R, kRightOnly, kMayWrap>(acc, P.post, pc, static_cast<std::size_t>(cb), lanes, dst, vc);
    }
  }
}

template <bool kS8, bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>
void depthwise_run(const DwPlan& P, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& total) {
  const ConvGeom& g = P.g;
  const std::int64_t rows = N * g.OH;
  const std::int64_t esz = kS32 ? 4 : 1;
  const PostConst pc = post_const(P.post);
  const std::int64_t chunk = work_chunk(rows, threads);
  const bool three_by_three = P.tap_off.size() == 9;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Counts c;
    VecCounts vc;
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::int64_t n = row / g.OH, oh = row % g.OH;
      const std::uint8_t* base = x + (n * g.Hp + oh * g.sh) * g.Wp * g.C;
      void* dst = static_cast<char*>(out) + row * g.OW * g.C * esz;
      if (three_by_three)
        depthwise_row<9, kS8, kS32, R, kRightOnly, kMayWrap>(P, pc, base, dst, vc);
      else
        depthwise_row<0, kS8, kS32, R, kRightOnly, kMayWrap>(P, pc, base, dst, vc);
      vc.flush(c);
    }
#pragma omp critical
    total += c;
  }
}

}  // namespace

void gemm_avx512_vnni(const GemmPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c) {
  with_post_variant(p.post, [&]<bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>() {
    gemm_run<kS32, R, kRightOnly, kMayWrap>(p, x, N, out, threads, c);
  });
}

void depthwise_avx512(const DwPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c) {
  with_post_variant(p.post, [&]<bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>() {
    if (p.s8_input)
      depthwise_run<true, kS32, R, kRightOnly, kMayWrap>(p, x, N, out, threads, c);
    else
      depthwise_run<false, kS32, R, kRightOnly, kMayWrap>(p, x, N, out, threads, c);
  });
}

}  // namespace lutsim::fast

#pragma GCC pop_options
