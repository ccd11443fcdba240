// The float (dequantized) executor and the per-layer quantization error it measures.
//
// The float executor evaluates the same network in double precision "in the integer domain": every value is a
// real number q~ with real value = q~ * 2^exponent, exactly as the integer q is. It follows the integer contract
// (docs/arithmetic.md) step for step but leaves out the three lossy steps:
//   conv/dense   q~ = clamp((bias + sum w * x~) * 2^-s, act_min, act_max)   no wrap, no rounding, a real clamp;
//                s32 output: q~ = bias + sum w * x~                         no wrap, no shift, no clamp;
//   avg pools    q~ = clamp(window sum * 2^-s, act_min, act_max)            pad positions contribute 0;
//   add          q~ = clamp((a~ * 2^la + b~ * 2^lb) * 2^-s, act_min, act_max);
//   maxpool, concat, reshape: exact, as in the integer model.
// It takes the same integer input as the integer executor, so every difference between the two runs comes from
// rounding, wrapping and clamping along the way. Sums are accumulated in double in the reference kernels'
// loop order; they are exact while every partial sum stays below 2^53 in magnitude.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lutsim/model/executor.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

// One value of the float run: [N, h, w, c] in C order, in integer-domain units.
struct FloatValue {
  Shape shape;
  int exponent = 0;        // real value = q[i] * 2^exponent
  std::vector<double> q;   // q~ per element

  std::int64_t numel() const { return static_cast<std::int64_t>(q.size()); }
  double real(std::int64_t i) const;  // q[i] * 2^exponent
};

struct FloatRunResult {
  FloatValue output;               // the network output value
  std::vector<FloatValue> values;  // every value, by value id
};

class FloatExecutor {
 public:
  // Validates the network (throws lutsim::Error like Executor).
  explicit FloatExecutor(const Network& net);

  // input: the integer input tensor [N, h, w, c] the integer Executor takes, of the input value's dtype and shape;
  // throws lutsim::Error naming the expected shape and dtype on a mismatch.
  FloatRunResult run(const Tensor& input) const;

  const Network& network() const { return net_; }

 private:
  Network net_;  // a shallow copy: parameter tensors share storage with the caller's
};

// Quantization error of one layer's output value, over the whole batch, in real units (times 2^exponent):
// q is the integer run's value, f the float run's.
struct LayerError {
  std::string layer;       // layer name
  std::string value;       // name of its output value
  std::int64_t count = 0;  // elements compared
  double max_abs = 0;      // max |q - f| * 2^exponent
  double mean_abs = 0;     // mean |q - f| * 2^exponent
  double snr_db = 0;       // 10 log10(sum f^2 / sum (q - f)^2); +inf when q == f everywhere
};

// The error table, one row per layer in network order, from an integer run made with keep_values and a float
// run of the same network on the same input. Throws lutsim::Error when the integer run did not keep its values
// or a value's shape differs between the runs.
std::vector<LayerError> quantization_error(const Network& net, const RunResult& int_run,
                                           const FloatRunResult& float_run);
// The same, running the float executor on `input`, the input of the integer run.
std::vector<LayerError> quantization_error(const Network& net, const Tensor& input, const RunResult& int_run);

// The table as aligned text: layer, value, max abs, mean abs, SNR dB; one line per layer.
std::string format_error_table(const std::vector<LayerError>& rows);

}  // namespace lutsim
