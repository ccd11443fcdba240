// The arithmetic contract of lutsim, in one place.
//
// Every engine (golden model, ISA interpreter, SystemC model, RTL testbench) computes rounding, wrapping and
// clamping through these functions or is tested bit for bit against them. docs/arithmetic.md states the same
// contract in prose with worked examples.
#pragma once

#include <cstdint>
#include <string_view>

namespace lutsim {

// Rounding of a right shift, chosen per hardware config.
enum class Rounding : std::uint8_t {
  HalfUp,    // floor((v + 2^(s-1)) / 2^s): ties go towards +infinity.
  HalfEven,  // nearest; ties go to the even quotient.
  Floor,     // floor(v / 2^s): truncation towards -infinity.
};

std::string_view rounding_name(Rounding r);  // "half_up", "half_even", "floor"
bool parse_rounding(std::string_view s, Rounding* out);

// The arithmetic parameters that the golden model takes from the hardware config.
struct ArithConfig {
  int acc_bits = 32;  // A: accumulator width, 16..32.
  Rounding rounding = Rounding::HalfUp;
};

inline constexpr int kMinAccBits = 16;
inline constexpr int kMaxAccBits = 32;
inline constexpr int kMinShift = -15;  // rshift_round with s < 0 is an exact left shift by -s.
inline constexpr int kMaxShift = 31;

// wrap(v, A): v reduced modulo 2^A into [-2^(A-1), 2^(A-1)).
// Valid for 2 <= A <= 63 and any int64 v. Because it is a ring homomorphism from Z to Z/2^A, wrapping a sum
// gives the same result whatever the order of accumulation and however often partial sums are wrapped.
constexpr std::int64_t wrap(std::int64_t v, int bits) {
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  const std::uint64_t sign = std::uint64_t{1} << (bits - 1);
  const std::uint64_t u = static_cast<std::uint64_t>(v) & mask;
  // u in [0, 2^A): (u ^ sign) - sign maps [0, 2^(A-1)) to itself and [2^(A-1), 2^A) to [-2^(A-1), 0).
  return static_cast<std::int64_t>(u ^ sign) - static_cast<std::int64_t>(sign);
}

// True when v lies inside the A-bit two's complement range, i.e. wrap(v, A) == v.
constexpr bool fits_bits(std::int64_t v, int bits) {
  const std::int64_t lim = std::int64_t{1} << (bits - 1);
  return v >= -lim && v < lim;
}

// rshift_round(v, s): v / 2^s rounded by `mode`, computed exactly in 64 bits.
//   s == 0:            v
//   -15 <= s < 0:      v * 2^(-s)                      (exact; |v| < 2^47 keeps it inside int64)
//   0 < s <= 31:       half_up   floor((v + 2^(s-1)) / 2^s)
//                      half_even nearest, ties to even
//                      floor     floor(v / 2^s)
// Bound: |v| < 2^47, which holds for every A-bit accumulator (A <= 32) and every 32-bit pool or add sum.
// C++20 defines >> on negative values as an arithmetic shift, i.e. floor division by 2^s.
constexpr std::int64_t rshift_round(std::int64_t v, int s, Rounding mode) {
  if (s == 0) return v;
  if (s < 0) return v * (std::int64_t{1} << -s);
  const std::int64_t half = std::int64_t{1} << (s - 1);
  switch (mode) {
    case Rounding::HalfUp:
      return (v + half) >> s;
    case Rounding::HalfEven: {
      const std::int64_t q = v >> s;          // floor
      const std::int64_t r = v - (q << s);    // remainder in [0, 2^s)
      if (r > half) return q + 1;
      if (r < half) return q;
      return q + (q & 1);                     // tie: to the even one of q, q + 1
    }
    case Rounding::Floor:
      return v >> s;
  }
  return v >> s;  // unreachable: every Rounding is handled above
}

// clamp(v, lo, hi) with lo <= hi.
constexpr std::int64_t clamp(std::int64_t v, std::int64_t lo, std::int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace lutsim
