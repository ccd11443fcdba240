// AVX-512 VNNI convolution back ends: adapters over the kernel library's AVX-512 forms (lutsim/kernels/avx512.h),
// compiled inside the target region below; the front end calls in only after kernels::have_avx512_vnni().
//
// GEMM: the library's tile generator computes each register tile's exact sums S (|S| < 2^31, checked at
// construction) into a buffer; post16 then applies the contract's post-processing to each column of 16 lanes.
//
// Post-processing (post16) works on 16 s32 lanes and equals post_scalar (arith.h) for every input allowed here;
// fast_kernels_test checks it against the reference kernels on edge values of every shift, rounding mode and
// accumulator width.
#include <algorithm>
#include <vector>

#include "fast_internal.h"
#include "lutsim/kernels/requant.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
#include "lutsim/kernels/avx512.h"

namespace lutsim::fast {
namespace {

namespace k5 = kernels::avx512;

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

// Constants of the 16 slots slot..slot+15.
struct SlotConst {
  __m512i bias;
  k5::Shift16 shift;
};

SlotConst slot_const(const Post& p, std::size_t slot) {
  return {_mm512_load_si512(p.bias.data() + slot), k5::shift16(_mm512_load_si512(p.shift.data() + slot))};
}

// The contract's post-processing of 16 outputs (the lanes in `lanes`) with exact sums S:
//  - v = bias + S may leave the s32 range; that is detected as signed overflow of the 32-bit add, and then v
//    certainly does not fit A <= 32 bits. Without overflow the 32-bit sum is v, and v fits A bits iff
//    wrap_A(v) == v. kMayWrap = false when the front end proved |bias + S| < 2^(A-1) for every channel: then
//    acc = v and there is nothing to test.
//  - then the library's rshift_round16 and the clamp; its result for s <= 0 clamps and counts like the exact value,
//    since act_min and act_max lie in [-128, 255].
template <bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>
inline void post16(__m512i S, const SlotConst& sc, const PostConst& k, __mmask16 lanes, void* dst, VecCounts& c) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i sum = _mm512_add_epi32(S, sc.bias);
  __m512i acc = sum;
  if constexpr (kMayWrap) {
    __mmask16 wrapped = k5::add_overflow16(S, sc.bias, sum);
    if (k.narrow) {
      acc = k5::wrap16(sum, k.wrap_sh);
      wrapped = static_cast<__mmask16>(wrapped | _mm512_cmpneq_epi32_mask(acc, sum));
    }
    c.wraps = _mm512_mask_add_epi32(c.wraps, static_cast<__mmask16>(wrapped & lanes), c.wraps, one);
  }
  if constexpr (kS32) {
    _mm512_mask_storeu_epi32(dst, lanes, acc);
  } else {
    const __m512i v = k5::rshift_round16<R, kRightOnly>(acc, sc.shift);
    c.low = _mm512_mask_add_epi32(c.low, static_cast<__mmask16>(_mm512_cmplt_epi32_mask(v, k.act_min) & lanes), c.low, one);
    c.high = _mm512_mask_add_epi32(c.high, static_cast<__mmask16>(_mm512_cmpgt_epi32_mask(v, k.act_max) & lanes), c.high, one);
    _mm512_mask_cvtepi32_storeu_epi8(dst, lanes, k5::clamp16(v, k.act_min, k.act_max));
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
  if (p.out == DType::S32) return by_wrap.template operator()<true, Rounding::Floor, true>();
  kernels::with_rounding(p.rounding, [&]<Rounding R>() {
    if (p.right_only)
      by_wrap.template operator()<false, R, true>();
    else
      by_wrap.template operator()<false, R, false>();
  });
}

// The tile generator's epilogue: each column of sums into a buffer of kMaxMR x kMaxNV x 16 lanes.
struct BufferSink {
  alignas(64) std::int32_t acc[kernels::kMaxMR * kernels::kMaxNV * 16];
  template <int MR>
  void column(const kernels::TileJob&, int j, const __m512i* v) {
    for (int m = 0; m < MR; ++m) _mm512_store_si512(acc + (m * kernels::kMaxNV + j) * 16, v[m]);
  }
};

template <bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>
void gemm_run(const GemmPlan& P, const kernels::VnniGemm& vg, void* out, int threads, Counts& total) {
  const ConvGeom& g = P.g;
  const kernels::TilePlan plan(vg.P, vg.ngroups, vg.batches);
  const std::int64_t items = plan.jobs();
  const std::int64_t esz = kS32 ? 4 : 1;
  const PostConst pc = post_const(P.post);
  const std::int64_t chunk = work_chunk(items, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Counts c;
    VecCounts vc;
    BufferSink sink;
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t it = 0; it < items; ++it) {
      const kernels::TileJob job = plan.job(it);
      if (P.s8_input)
        k5::run_tile<kernels::ActCode::S8Biased>(vg, job, sink);
      else
        k5::run_tile<kernels::ActCode::U8>(vg, job, sink);
      for (int j = 0; j < job.nv; ++j) {
        const int ob = job.grp0 + j;
        const __mmask16 lanes = k5::lane_mask(g.Og - ob * 16);
        const SlotConst sc = slot_const(P.post, static_cast<std::size_t>((std::int64_t{job.batch} * P.OB + ob) * 16));
        for (int m = 0; m < job.n; ++m) {
          const __m512i S = _mm512_load_si512(sink.acc + (m * kernels::kMaxNV + j) * 16);
          const std::int64_t o = (job.p0 + m) * g.O + std::int64_t{job.batch} * g.Og + ob * 16;
          post16<kS32, R, kRightOnly, kMayWrap>(S, sc, pc, lanes, static_cast<char*>(out) + o * esz, vc);
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
    const __mmask16 lanes = k5::lane_mask(C - cb);
    const SlotConst sc = slot_const(P.post, static_cast<std::size_t>(cb));
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
      post16<kS32, R, kRightOnly, kMayWrap>(acc, sc, pc, lanes, dst, vc);
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
  const kernels::VnniGemm vg = vnni_gemm(p, x, N);
  with_post_variant(p.post, [&]<bool kS32, Rounding R, bool kRightOnly, bool kMayWrap>() {
    gemm_run<kS32, R, kRightOnly, kMayWrap>(p, vg, out, threads, c);
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
