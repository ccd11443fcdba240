#include "lutsim/kernels/vnni_gemm.h"

#include <algorithm>

namespace lutsim::kernels {

TilePlan::Chunk TilePlan::chunk_of(std::int64_t P, int nv) {
  Chunk c;
  c.nv = nv;
  if (nv == 0 || P == 0) return c;
  const std::int64_t full = tile_pixels(nv);
  const std::int64_t ntiles = (P + full - 1) / full;
  c.size = (P + ntiles - 1) / ntiles;
  c.tiles = (P + c.size - 1) / c.size;
  return c;
}

TilePlan::TilePlan(std::int64_t P, int ngroups, int batches)
    : P_(P),
      full_chunks_(ngroups / kMaxNV),
      full_(chunk_of(P, kMaxNV)),
      last_(chunk_of(P, ngroups % kMaxNV)),
      batches_(batches),
      in_full_(full_chunks_ * full_.tiles),
      per_batch_(in_full_ + last_.tiles),
      jobs_(per_batch_ * batches) {}

void vnni_pixel_sums(const VnniGemm& g, int b, std::int64_t p, std::uint32_t* s) {
  std::fill(s, s + g.ngroups * 16, 0u);
  const std::uint8_t* xp = g.act + b * g.act_batch + g.pix[p];
  const std::int8_t* wb = g.w + b * g.w_batch;
  const bool sgn = g.code == ActCode::S8;
  const std::int32_t bias = g.code == ActCode::S8Biased ? 128 : 0;  // the stored byte is x + 128
  for (int k = 0; k < g.K; ++k) {
    const std::uint8_t* xq = xp + g.qoff[k];
    std::int32_t x[4];
    for (int i = 0; i < 4; ++i) x[i] = (sgn ? std::int32_t{static_cast<std::int8_t>(xq[i])} : std::int32_t{xq[i]}) - bias;
    if ((x[0] | x[1] | x[2] | x[3]) == 0) continue;
    for (int j = 0; j < g.ngroups; ++j) {
      const std::int8_t* w = wb + (std::int64_t{j} * g.K + k) * 64;
      std::uint32_t* sj = s + j * 16;
      for (int l = 0; l < 16; ++l)
        sj[l] += static_cast<std::uint32_t>(x[0] * w[4 * l] + x[1] * w[4 * l + 1] + x[2] * w[4 * l + 2] +
                                            x[3] * w[4 * l + 3]);
    }
  }
}

}  // namespace lutsim::kernels
