// The compute kernels of the ISA interpreter: the arithmetic of one GEMM instruction over all its weight blocks, the
// PPU's 8-bit path and the vector unit. The GEMM and the PPU are adapters over the kernel library (kernels/):
// gemm_vnni.cc over its AVX-512 forms, gemm_portable.cc over its portable forms and arith.h.
//
// The interpreter may compute a GEMM in any order: the result is wrap(sum of all products, A), which does not
// depend on the order (arith.h). The kernels therefore keep a group of output pixels' sums in registers across every
// weight block and write each accumulator once, instead of following the hardware's block-by-block order.
#pragma once

#include <cstdint>
#include <vector>

#include "lutsim/firmware/isa.h"
#include "lutsim/kernels/vnni_gemm.h"
#include "lutsim/model/arith.h"

namespace lutsim::interp {

// One GEMM, prepared: a kernels::VnniGemm of one batch whose column groups are the array's lanes in groups of 16.
// The weight blocks' valid rows are cut into quads of 4 rows (the last quad of a block padded with zero weights),
// numbered k = 0..K-1 over all blocks in order: quad k reads the 4 activation bytes at pixel base + qoff[k].
// Weights are zero for masked PEs, rows past the block's valid rows and lanes past n_cols.
struct GemmWork {
  int C = 0;                            // array columns: accumulator entry e lane c is at e * C + c
  int n_cols = 0;                       // lanes computed
  std::vector<std::int64_t> qoff;       // per quad: activation offset from the pixel's base
  std::vector<std::int64_t> pix_base;   // per output pixel, in accumulator order: activation address of tap 0
  kernels::VnniGemm vnni;               // over qoff, pix_base, the activation SRAM and the decoded weights
};

// For output pixel p and lane c < n_cols, with S = the sum over quads of w * x (modulo 2^32):
//   acc[p * C + c] = wrap((accumulate ? acc[p * C + c] : 0) + S, A)
// act must be readable 3 bytes past every quad's last valid row.
// `threads` > 1 splits the output pixels over OpenMP threads (each pixel's lanes are written by one thread).
void gemm_portable(const GemmWork& g, std::int32_t* acc, bool accumulate, int A, int threads);
// The same with AVX-512 VNNI; only call when kernels::have_avx512_vnni().
void gemm_vnni(const GemmWork& g, std::int32_t* acc, bool accumulate, int A, int threads);

// The PPU's 8-bit path: for entry i < n_pix and lane c < n_cols,
//   v = acc[i * C + c] + bias[c] (exact), wrapped to A bits when wrap_en,
//   out[i * stride + c] = low byte of clamp(rshift_round(v, shift[c], rounding), lo, hi)
// with shift[c] in [kMinShift, kMaxShift] and -2^15 <= lo <= hi < 2^15.
struct PpuArgs {
  const std::int32_t* acc = nullptr;
  std::int64_t C = 0, n_pix = 0, n_cols = 0, stride = 0;
  const std::int32_t* bias = nullptr;   // n_cols
  const std::int32_t* shift = nullptr;  // n_cols
  bool wrap_en = false;
  int A = 32;
  Rounding rounding = Rounding::HalfUp;
  std::int32_t lo = 0, hi = 0;
  std::uint8_t* out = nullptr;
  int threads = 1;
};
void ppu8_portable(const PpuArgs& a);
void ppu8_avx512(const PpuArgs& a);  // only call when kernels::have_avx512_vnni()
// The formula of entry i, lane c with arith.h in 64 bits (R = a.rounding): the scalar path of both forms.
template <Rounding R>
inline std::uint8_t ppu8_scalar(const PpuArgs& a, std::int64_t i, std::int64_t c) {
  std::int64_t v = std::int64_t{a.acc[i * a.C + c]} + a.bias[c];
  if (a.wrap_en) v = wrap(v, a.A);
  return static_cast<std::uint8_t>(clamp(rshift_round(v, a.shift[c], R), a.lo, a.hi));
}

// The vector unit (isa::Vec), with the operands resolved to addresses: for output pixel p and lane l < n_lanes,
//   MAX: m = max over taps of x;  SUM: m = sum over taps of x;  ADD: m = (x << la) + (xb << lb)
//   acc[p * C + l] = wrap(accumulate ? (MAX ? max(acc, m) : acc + m) : m, 32)
// where x is read at a + pix_off[p] + tap_off[t] + l (xb at b + ...), u8 or s8.
struct VecArgs {
  isa::VecOp op = isa::VecOp::Max;
  bool accumulate = false, a_signed = false, b_signed = false;
  int la = 0, lb = 0;
  std::int64_t n_lanes = 0, C = 0;
  const std::uint8_t* a = nullptr;
  const std::uint8_t* b = nullptr;
  std::vector<std::int64_t> pix_off, tap_off;
  std::int32_t* acc = nullptr;
};
void vec_portable(const VecArgs& v);
void vec_avx512(const VecArgs& v);  // only call when kernels::have_avx512_vnni()

}  // namespace lutsim::interp
