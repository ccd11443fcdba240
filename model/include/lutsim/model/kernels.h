// Layer kernels: one interface, two implementations.
//
// The reference kernels (model/reference/) are the contract in code: plain loops in output order, 64-bit exact
// sums, one call to wrap/rshift_round/clamp from arith.h per output. They are slow on purpose.
// The fast kernels (model/fast/) are blocked, vectorised and multithreaded, and are tested equal to the
// reference kernels bit for bit, statistics included.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "lutsim/model/arith.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

// Per-layer statistics, summed over the batch. Definitions (docs/arithmetic.md):
//  macs     nominal multiply-accumulates, padded positions included;
//  wraps    outputs whose exact bias + sum lies outside the A-bit range (conv and dense only);
//  clamped_low / clamped_high  outputs whose value before the clamp lies strictly below act_min / above act_max.
struct LayerStats {
  std::int64_t macs = 0;
  std::int64_t outputs = 0;
  std::int64_t wraps = 0;
  std::int64_t clamped_low = 0;
  std::int64_t clamped_high = 0;

  LayerStats& operator+=(const LayerStats& o) {
    macs += o.macs; outputs += o.outputs; wraps += o.wraps;
    clamped_low += o.clamped_low; clamped_high += o.clamped_high;
    return *this;
  }
  bool operator==(const LayerStats&) const = default;
};

// One layer, prepared for execution (weights decoded and packed as the implementation likes).
class LayerKernel {
 public:
  virtual ~LayerKernel() = default;
  // ins: the layer's input tensors, [N,H,W,C] each, in the order of Layer::inputs. out: a tensor already
  // allocated with the output value's dtype and [N,OH,OW,OC] shape; run() writes every element and must not
  // reallocate it. Statistics are added to st.
  virtual void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const = 0;
};

std::unique_ptr<LayerKernel> make_reference_kernel(const Network& net, const Layer& layer, const ArithConfig& cfg);
// threads: worker threads the kernel may use (1 = single-threaded).
std::unique_ptr<LayerKernel> make_fast_kernel(const Network& net, const Layer& layer, const ArithConfig& cfg,
                                              int threads);

}  // namespace lutsim
