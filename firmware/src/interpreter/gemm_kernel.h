// The GEMM kernels of the ISA interpreter: the arithmetic of one GEMM instruction over all its weight blocks.
//
// The interpreter may compute a GEMM in any order: the result is wrap(sum of all products, A), which does not
// depend on the order (arith.h). The kernels therefore keep a group of output pixels' sums in registers across every
// weight block and write each accumulator once, instead of following the hardware's block-by-block order.
#pragma once

#include <cstdint>
#include <vector>

namespace lutsim::interp {

// One GEMM, prepared: the activation offsets of each weight block and of each output pixel, and the decoded weights.
struct GemmWork {
  int R = 0, C = 0;         // array
  int n_cols = 0;           // lanes computed
  int ngroups = 0;          // column groups of 16 lanes: ceil(n_cols / 16)
  bool act_signed = false;
  int nblocks = 0;
  std::vector<std::int64_t> blk_off;   // per block: activation offset of row 0 from the pixel's base
  std::vector<int> blk_rows4;          // per block: valid rows rounded up to a multiple of 4
  std::vector<std::int64_t> pix_base;  // per output pixel, in accumulator order: activation address of tap 0
  // Weights, for block b, column group g, row quad q: 64 bytes = 16 lanes x 4 rows (lane-major), s8, zero for
  // masked PEs, rows past the block's valid rows and lanes past n_cols.
  const std::int8_t* w = nullptr;
  int quads = 0;                        // row quads per block: ceil(R / 4)
  // Per lane: 128 * sum of the lane's weights over every block (the correction for s8 inputs), ngroups * 16.
  const std::int32_t* wsum = nullptr;
};

// For output pixel p and lane c < n_cols, with S = the sum over blocks and rows of w * x (modulo 2^32):
//   acc[p * C + c] = wrap((accumulate ? acc[p * C + c] : 0) + S, A)
// act must be readable 64 bytes past every row a block reads.
// `threads` > 1 splits the output pixels over OpenMP threads (each pixel's lanes are written by one thread).
void gemm_portable(const GemmWork& g, const std::uint8_t* act, std::int32_t* acc, bool accumulate, int A, int threads);
// The same with AVX-512 VNNI; only call when have_vnni().
void gemm_vnni(const GemmWork& g, const std::uint8_t* act, std::int32_t* acc, bool accumulate, int A, int threads);
bool have_vnni();

// The PPU's 8-bit path: for entry i < n_pix and lane c < n_cols,
//   v = acc[i * C + c] + bias[c], wrapped to A bits when wrap_en,
//   out[i * stride + c] = clamp(rshift_round(v, s[c], rounding), lo, hi)
// with s[c] given as lsh[c] = max(-s, 0), sh[c] = max(s, 0), half[c] = sh ? 2^(sh-1) : 0.
struct PpuArgs {
  const std::int32_t* acc = nullptr;
  std::int64_t C = 0, n_pix = 0, n_cols = 0, stride = 0;
  const std::int64_t* bias = nullptr;
  const std::int64_t* lsh = nullptr;
  const std::int64_t* sh = nullptr;
  const std::int64_t* half = nullptr;
  bool wrap_en = false;
  int A = 32;
  int rounding = 0;  // lutsim::Rounding
  std::int64_t lo = 0, hi = 0;
  std::uint8_t* out = nullptr;
  int threads = 1;
};
void ppu8_avx512(const PpuArgs& a);  // only call when have_vnni()

}  // namespace lutsim::interp
