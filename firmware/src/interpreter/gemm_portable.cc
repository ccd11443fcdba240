// The portable kernels: plain loops, exact modulo 2^32, for CPUs without AVX-512 VNNI (and as a second opinion in
// the tests).
#include <algorithm>
#include <cstring>

#include "gemm_kernel.h"
#include "lutsim/model/arith.h"

namespace lutsim::interp {
namespace {

// Output pixel p: its sums over every quad into s (ngroups * 16 lanes), then the accumulator update.
void one_pixel(const GemmWork& g, const std::uint8_t* act, std::int32_t* acc, bool accumulate, int A, std::int64_t p,
               std::vector<std::uint32_t>& s) {
  std::fill(s.begin(), s.end(), 0u);
  const std::uint8_t* xp = act + g.pix_base[static_cast<std::size_t>(p)];
  for (int k = 0; k < g.K; ++k) {
    const std::uint8_t* xb = xp + g.qoff[static_cast<std::size_t>(k)];
    std::int32_t x[4];
    for (int i = 0; i < 4; ++i) x[i] = g.act_signed ? static_cast<std::int8_t>(xb[i]) : static_cast<std::int32_t>(xb[i]);
    if ((x[0] | x[1] | x[2] | x[3]) == 0) continue;
    for (int grp = 0; grp < g.ngroups; ++grp) {
      const std::int8_t* w = g.w + (static_cast<std::size_t>(grp) * static_cast<std::size_t>(g.K) + static_cast<std::size_t>(k)) * 64;
      std::uint32_t* sg = s.data() + grp * 16;
      for (int l = 0; l < 16; ++l)
        sg[l] += static_cast<std::uint32_t>(x[0] * w[4 * l] + x[1] * w[4 * l + 1] + x[2] * w[4 * l + 2] + x[3] * w[4 * l + 3]);
    }
  }
  std::int32_t* a = acc + p * g.C;
  for (int c = 0; c < g.n_cols; ++c) {
    const std::uint32_t v = (accumulate ? static_cast<std::uint32_t>(a[c]) : 0u) + s[static_cast<std::size_t>(c)];
    a[c] = static_cast<std::int32_t>(wrap(static_cast<std::int32_t>(v), A));
  }
}

template <Rounding RND>
std::int64_t round_shift(std::int64_t v, int s) {
  return rshift_round(v, s, RND);
}

template <Rounding RND>
void ppu8_rows(const PpuArgs& a) {
  for (std::int64_t i = 0; i < a.n_pix; ++i) {
    const std::int32_t* acc = a.acc + i * a.C;
    std::uint8_t* o = a.out + i * a.stride;
    for (std::int64_t c = 0; c < a.n_cols; ++c) {
      std::int64_t v = std::int64_t{acc[c]} + a.bias[c];
      if (a.wrap_en) v = wrap(v, a.A);
      const std::int64_t y = round_shift<RND>(v, a.shift[c]);
      o[c] = static_cast<std::uint8_t>(std::max<std::int64_t>(a.lo, std::min<std::int64_t>(a.hi, y)));
    }
  }
}

}  // namespace

void gemm_portable(const GemmWork& g, const std::uint8_t* act, std::int32_t* acc, bool accumulate, int A, int threads) {
  const std::int64_t P = static_cast<std::int64_t>(g.pix_base.size());
  if (threads <= 1 || P < 64) {
    std::vector<std::uint32_t> s(static_cast<std::size_t>(g.ngroups) * 16);
    for (std::int64_t p = 0; p < P; ++p) one_pixel(g, act, acc, accumulate, A, p, s);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::uint32_t> s(static_cast<std::size_t>(g.ngroups) * 16);
#pragma omp for schedule(static)
    for (std::int64_t p = 0; p < P; ++p) one_pixel(g, act, acc, accumulate, A, p, s);
  }
}

void ppu8_portable(const PpuArgs& a) {
  switch (static_cast<Rounding>(a.rounding)) {
    case Rounding::HalfUp: return ppu8_rows<Rounding::HalfUp>(a);
    case Rounding::HalfEven: return ppu8_rows<Rounding::HalfEven>(a);
    case Rounding::Floor: return ppu8_rows<Rounding::Floor>(a);
  }
}

void vec_portable(const VecArgs& v) {
  const std::int64_t n = v.n_lanes, P = static_cast<std::int64_t>(v.pix_off.size());
  std::vector<std::int32_t> m(static_cast<std::size_t>(n));
  auto val = [](const std::uint8_t* p, bool sgn) -> std::int32_t {
    return sgn ? std::int32_t{static_cast<std::int8_t>(*p)} : std::int32_t{*p};
  };
  for (std::int64_t p = 0; p < P; ++p) {
    std::int32_t* acc = v.acc + p * v.C;
    const std::uint8_t* xa = v.a + v.pix_off[static_cast<std::size_t>(p)];
    if (v.op == 2) {  // ADD: |x << 15| < 2^23, no overflow
      const std::uint8_t* xb = v.b + v.pix_off[static_cast<std::size_t>(p)];
      for (std::int64_t l = 0; l < n; ++l) m[l] = val(xa + l, v.a_signed) * (1 << v.la) + val(xb + l, v.b_signed) * (1 << v.lb);
    } else if (v.op == 0) {  // MAX
      std::fill(m.begin(), m.end(), -256);
      for (const std::int64_t t : v.tap_off)
        for (std::int64_t l = 0; l < n; ++l) m[l] = std::max(m[l], val(xa + t + l, v.a_signed));
    } else {  // SUM, modulo 2^32
      std::fill(m.begin(), m.end(), 0);
      for (const std::int64_t t : v.tap_off)
        for (std::int64_t l = 0; l < n; ++l)
          m[l] = static_cast<std::int32_t>(static_cast<std::uint32_t>(m[l]) + static_cast<std::uint32_t>(val(xa + t + l, v.a_signed)));
    }
    for (std::int64_t l = 0; l < n; ++l) {
      if (!v.accumulate) acc[l] = m[l];
      else if (v.op == 0) acc[l] = std::max(acc[l], m[l]);
      else acc[l] = static_cast<std::int32_t>(static_cast<std::uint32_t>(acc[l]) + static_cast<std::uint32_t>(m[l]));
    }
  }
}

}  // namespace lutsim::interp
