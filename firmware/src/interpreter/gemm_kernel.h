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
  std::vector<std::int8_t> w;
  int quads = 0;                        // row quads per block: ceil(R / 4)
  // Per block-independent lane: 128 * sum of the lane's weights over every block (the s8 input correction).
  std::vector<std::int32_t> wsum;       // ngroups * 16
};

// sums[p * ngroups * 16 + lane] = sum over blocks and rows of w * x for output pixel p (wrapping mod 2^32).
// act must be readable 64 bytes past every row a block reads.
void gemm_portable(const GemmWork& g, const std::uint8_t* act, std::int32_t* sums);
// The same with AVX-512 VNNI; only call when have_vnni().
void gemm_vnni(const GemmWork& g, const std::uint8_t* act, std::int32_t* sums);
bool have_vnni();

}  // namespace lutsim::interp
