// The float graph: what the ONNX importer produces and the quantizer consumes.
//
// It has the shape of a lutsim::Network (NHWC values, the same ops, an activation clamp on the layer that computes
// a value) but float weights and no exponents. The importer has already folded BatchNorm, merged zero Pads into
// windows, turned Relu/Clip into clamps and permuted dense weights for NHWC flattening, so a node maps one to one
// onto a lutsim layer.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "lutsim/model/network.h"

namespace lutsim::quant {

enum class FOp : std::uint8_t { Conv, Dense, MaxPool, AvgPool, GlobalAvgPool, Add, Concat, Reshape };
const char* fop_name(FOp op);

// The clamp applied to a node's output: ReLU is [0, inf), ReLU6 [0, 6], none (-inf, inf).
struct Act {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  bool none() const { return lo == -std::numeric_limits<float>::infinity() && hi == std::numeric_limits<float>::infinity(); }
  bool nonneg() const { return lo >= 0; }
};

struct FValue {
  std::string name;
  int h = 1, w = 1, c = 1;
  std::int64_t numel() const { return static_cast<std::int64_t>(h) * w * c; }
};

struct FNode {
  std::string name;  // the ONNX node's name (or its output's name when the node has none)
  FOp op = FOp::Conv;
  std::vector<int> inputs;
  int output = -1;
  // Conv, Dense: weights [O, KH, KW, I] (I = Cin / groups), bias [O]. Dense: KH = KW = 1, I = input numel.
  int O = 0, KH = 1, KW = 1, I = 0, groups = 1;
  std::vector<float> w, b;
  // Conv, MaxPool, AvgPool. AvgPool divides by KH * KW whatever the padding (merged zero pads count).
  Window win;
  Act act;  // Conv, Dense, AvgPool, GlobalAvgPool, Add

  float& wt(int o, std::int64_t i) { return w[static_cast<std::size_t>(o) * static_cast<std::size_t>(KH * KW * I) + static_cast<std::size_t>(i)]; }
  std::int64_t per_out() const { return static_cast<std::int64_t>(KH) * KW * I; }
};

struct FloatGraph {
  std::string name;
  std::vector<FValue> values;
  std::vector<FNode> nodes;  // topological order
  int input = 0, output = 0;

  int producer(int value) const;            // node index or -1 for the input
  std::vector<int> consumers(int value) const;  // node indices
};

// A batch of NHWC float activations.
struct FTensor {
  int n = 0, h = 1, w = 1, c = 1;
  std::vector<float> d;
  std::int64_t per_image() const { return static_cast<std::int64_t>(h) * w * c; }
};

// Evaluates the float graph on x ([n, h, w, c] of the input value's shape). Returns every value when keep_all,
// else only the output (index graph.output; the other entries empty). threads: OpenMP threads over the batch.
std::vector<FTensor> run_float(const FloatGraph& g, const FTensor& x, bool keep_all, int threads = 1);

// Checks shapes and connectivity; throws lutsim::Error naming the node.
void check_graph(const FloatGraph& g);

}  // namespace lutsim::quant
