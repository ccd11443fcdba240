#include "vector_unit.h"

namespace lutsim::sim {

VecTiming vec_timing(const isa::Vec& v) {
  VecTiming t;
  t.pixels = v.out_h * v.out_w;
  t.taps = v.taps_y * v.taps_x;
  const bool add = static_cast<isa::VecOp>(v.op) == isa::VecOp::Add;
  t.issue = 1 + (add ? 2 * t.pixels : t.pixels * t.taps);
  t.total = t.issue + 3;
  return t;
}

}  // namespace lutsim::sim
