// The portable GEMM kernel: plain loops, exact modulo 2^32.
#include <algorithm>
#include <cstring>

#include "gemm_kernel.h"
#include "lutsim/model/arith.h"

namespace lutsim::interp {
namespace {

// Output pixel p: its sums over every block into s (ngroups * 16 lanes), then the accumulator update.
void one_pixel(const GemmWork& g, const std::uint8_t* act, std::int32_t* acc, bool accumulate, int A, std::int64_t p,
               std::vector<std::uint32_t>& s) {
  std::fill(s.begin(), s.end(), 0u);
  for (int b = 0; b < g.nblocks; ++b) {
    const std::uint8_t* xb = act + g.pix_base[static_cast<std::size_t>(p)] + g.blk_off[static_cast<std::size_t>(b)];
    const int nq = g.blk_rows4[static_cast<std::size_t>(b)] / 4;
    for (int q = 0; q < nq; ++q) {
      std::int32_t x[4];
      for (int k = 0; k < 4; ++k)
        x[k] = g.act_signed ? static_cast<std::int8_t>(xb[4 * q + k]) : static_cast<std::int32_t>(xb[4 * q + k]);
      if ((x[0] | x[1] | x[2] | x[3]) == 0) continue;
      for (int grp = 0; grp < g.ngroups; ++grp) {
        const std::int8_t* w = &g.w[((static_cast<std::size_t>(b) * g.ngroups + grp) * g.quads + q) * 64];
        std::uint32_t* sg = s.data() + grp * 16;
        for (int l = 0; l < 16; ++l)
          sg[l] += static_cast<std::uint32_t>(x[0] * w[4 * l] + x[1] * w[4 * l + 1] + x[2] * w[4 * l + 2] + x[3] * w[4 * l + 3]);
      }
    }
  }
  std::int32_t* a = acc + p * g.C;
  for (int c = 0; c < g.n_cols; ++c) {
    const std::uint32_t v = (accumulate ? static_cast<std::uint32_t>(a[c]) : 0u) + s[static_cast<std::size_t>(c)];
    a[c] = static_cast<std::int32_t>(wrap(static_cast<std::int32_t>(v), A));
  }
}

}  // namespace

void gemm_portable(const GemmWork& g, const std::uint8_t* act, std::int32_t* acc, bool accumulate, int A, int threads) {
  const std::int64_t P = static_cast<std::int64_t>(g.pix_base.size());
#pragma omp parallel num_threads(threads) if (threads > 1 && P >= 64)
  {
    std::vector<std::uint32_t> s(static_cast<std::size_t>(g.ngroups) * 16);
#pragma omp for schedule(static)
    for (std::int64_t p = 0; p < P; ++p) one_pixel(g, act, acc, accumulate, A, p, s);
  }
}

}  // namespace lutsim::interp
