// Requantisation, portable form: clamp(rshift_round(v, s, R), lo, hi) of arith.h on 32-bit values, written so that
// loops over elements vectorise (no 64-bit arithmetic, no branch once R and the sign class of s are fixed); and
// the dispatch from a runtime lutsim::Rounding to a template argument, which every kernel that is templated on the
// rounding mode uses. The AVX-512 form is in avx512.h.
#pragma once

#include <algorithm>
#include <cstdint>

#include "lutsim/model/arith.h"

namespace lutsim::kernels {

// Calls f.template operator()<R>() with R = r.
template <class F>
decltype(auto) with_rounding(Rounding r, F&& f) {
  switch (r) {
    case Rounding::HalfUp: return f.template operator()<Rounding::HalfUp>();
    case Rounding::HalfEven: return f.template operator()<Rounding::HalfEven>();
    case Rounding::Floor: break;
  }
  return f.template operator()<Rounding::Floor>();
}

// The constants of one shift s in [kMinShift, kMaxShift] and one clamp range [lo, hi], lo and hi within
// [-2^15, 2^15].
struct Requant32 {
  Requant32(int s, std::int32_t lo_, std::int32_t hi_) : lo(lo_), hi(hi_) {
    if (s > 0) {
      rs = s;
      half = static_cast<std::int32_t>(std::int64_t{1} << (s - 1));
      mask = static_cast<std::int32_t>((std::int64_t{1} << s) - 1);
    } else {
      ls = -s;
    }
  }
  bool left() const { return rs == 0; }  // s <= 0: requant32<R, true>
  int rs = 0, ls = 0;
  std::int32_t half = 0, mask = 0;
  std::int32_t lo, hi;
};

// rshift_round(v, s, R) for |v| < 2^24 (pool window sums, add operands) in 32-bit arithmetic, kLeft = (s <= 0).
// Returns a value r with clamp(r, lo, hi) == clamp(rshift_round(v, s, R), lo, hi) for every lo <= hi within
// [-2^15, 2^15], and r < lo (r > hi) exactly when the exact value is, for every such lo > -2^15 (the golden model's
// bounds lie in [-128, 255]):
//  - s > 0: half_up adds 2^(s-1) <= 2^30 to |v| < 2^24, no overflow; floor is v >> s; half_even takes the floor
//    q = v >> s and the remainder v & (2^s - 1), and adds 1 when the remainder is above 2^(s-1), or equal with q odd;
//  - s <= 0: v * 2^-s is taken after clamping v to [-2^15, 2^15]: any v beyond 2^15 in magnitude then yields a value
//    of at least 2^15 in magnitude with the same sign, which clamps and compares like the exact one.
// kernels_test checks it against arith.h for every shift and mode on edge values.
template <Rounding R, bool kLeft>
inline std::int32_t requant32(std::int32_t v, const Requant32& q) {
  if constexpr (kLeft) {
    v = std::min(std::max(v, -(1 << 15)), 1 << 15);
    return v * (1 << q.ls);
  } else if constexpr (R == Rounding::Floor) {
    return v >> q.rs;
  } else if constexpr (R == Rounding::HalfUp) {
    return (v + q.half) >> q.rs;
  } else {
    const std::int32_t f = v >> q.rs, r = v & q.mask;
    return f + static_cast<std::int32_t>((r > q.half) | ((r == q.half) & ((f & 1) != 0)));
  }
}

// Calls f.template operator()<R, kLeft>() for rounding mode r and the sign class of q's shift.
template <class F>
void with_requant(Rounding r, const Requant32& q, F&& f) {
  with_rounding(r, [&]<Rounding R>() {
    if (q.left())
      f.template operator()<R, true>();
    else
      f.template operator()<R, false>();
  });
}

// out[i] = clamp(requant32(v[i])) for i < n; adds the values clamped below and above to low and high.
template <Rounding R, bool kLeft, class TY>
inline void requant_row(const std::int32_t* __restrict v, std::int64_t n, const Requant32& q, TY* __restrict out,
                        std::int64_t& low, std::int64_t& high) {
  std::int32_t lo_n = 0, hi_n = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t r = requant32<R, kLeft>(v[i], q);
    lo_n += r < q.lo;
    hi_n += r > q.hi;
    out[i] = static_cast<TY>(std::min(std::max(r, q.lo), q.hi));
  }
  low += lo_n;
  high += hi_n;
}

}  // namespace lutsim::kernels
