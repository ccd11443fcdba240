// The portable kernels: plain loops, exact modulo 2^32, for CPUs without AVX-512 VNNI (and as a second opinion in
// the tests). The GEMM's sums are the kernel library's portable form; every rounding, wrap and clamp is arith.h's.
#include <algorithm>
#include <cstring>

#include "gemm_kernel.h"
#include "lutsim/kernels/requant.h"

namespace lutsim::interp {
namespace {

// Output pixel p: its sums over every quad into s (ngroups * 16 lanes), then the accumulator update.
void one_pixel(const GemmWork& g, std::int32_t* acc, bool accumulate, int A, std::int64_t p,
               std::vector<std::uint32_t>& s) {
  kernels::vnni_pixel_sums(g.vnni, 0, p, s.data());
  std::int32_t* a = acc + p * g.C;
  for (int c = 0; c < g.n_cols; ++c) {
    const std::uint32_t v = (accumulate ? static_cast<std::uint32_t>(a[c]) : 0u) + s[static_cast<std::size_t>(c)];
    a[c] = static_cast<std::int32_t>(wrap(static_cast<std::int32_t>(v), A));
  }
}

}  // namespace

void gemm_portable(const GemmWork& g, std::int32_t* acc, bool accumulate, int A, int threads) {
  const std::int64_t P = static_cast<std::int64_t>(g.pix_base.size());
  const std::size_t lanes = static_cast<std::size_t>(g.vnni.ngroups) * 16;
  if (threads <= 1 || P < 64) {
    std::vector<std::uint32_t> s(lanes);
    for (std::int64_t p = 0; p < P; ++p) one_pixel(g, acc, accumulate, A, p, s);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::uint32_t> s(lanes);
#pragma omp for schedule(static)
    for (std::int64_t p = 0; p < P; ++p) one_pixel(g, acc, accumulate, A, p, s);
  }
}

void ppu8_portable(const PpuArgs& a) {
  kernels::with_rounding(a.rounding, [&]<Rounding R>() {
    for (std::int64_t i = 0; i < a.n_pix; ++i)
      for (std::int64_t c = 0; c < a.n_cols; ++c) a.out[i * a.stride + c] = ppu8_scalar<R>(a, i, c);
  });
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
    if (v.op == isa::VecOp::Add) {  // |x << 15| < 2^23, no overflow
      const std::uint8_t* xb = v.b + v.pix_off[static_cast<std::size_t>(p)];
      for (std::int64_t l = 0; l < n; ++l) m[l] = val(xa + l, v.a_signed) * (1 << v.la) + val(xb + l, v.b_signed) * (1 << v.lb);
    } else if (v.op == isa::VecOp::Max) {
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
      else if (v.op == isa::VecOp::Max) acc[l] = std::max(acc[l], m[l]);
      else acc[l] = static_cast<std::int32_t>(static_cast<std::uint32_t>(acc[l]) + static_cast<std::uint32_t>(m[l]));
    }
  }
}

}  // namespace lutsim::interp
