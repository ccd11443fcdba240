// The model zoo: networks with the real layer shapes of known architectures, random integer parameters and
// shifts chosen so that activations stay in range. They give tests and benchmarks real shapes before trained
// networks exist (`lutsim gen`).
//
// Parameters, for every conv and dense layer:
//  - codes: uniform in [0, 2^b); LUTs: 2^b sorted, non-uniform s8 values (sorted Gaussian samples, nearly zero
//    mean, a random scale per layer, and per channel when the LUT is per channel); b = 8: Gaussian s8 weights.
//  - bias: folds the expected value of the weighted sum away (as a folded batch norm does) and adds a random
//    offset of up to one accumulator standard deviation, so that a ReLU keeps about half of its outputs.
//  - shift: the smallest shift for which the predicted fraction of saturated outputs stays below
//    ZooOptions::saturation. The prediction propagates a per-channel mean and variance from a uniform random
//    input through the network (Gaussian accumulators, exact moments of the clamp); it needs no execution.
//  - exponents: the input is u8 with exponent -8 (pixel / 256). A conv output has exponent
//    e_out = e_in + e_w + s, where e_w, the weight exponent, gives the real weights a He-like scale
//    sqrt(2 / fan_in). ReLU6 layers fix e_out = -5 instead (6.0 = 192 = act_max) and e_w follows. With
//    per-channel shifts, channel o has the weight exponent e_out - e_in - s[o]. Pools: e_out = e_in + s (the
//    output is the window sum). Add: la, lb align both inputs to the finer exponent, e_out = that + s.
// Activations: u8 with ReLU (act_min 0) after conv layers; s8 (linear) where the architecture has no
// activation (ResNet's second conv of a block and its downsample conv, MobileNetV2's projections and their
// adds); the last dense layer has an s32 (raw accumulator) or s8 output.
// Everything is a pure function of the options: the same options give the same network, bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim::zoo {

enum class Arch : std::uint8_t {
  LeNet5,       // 32x32x1 (or 28x28x1, padded): conv5-avgpool-conv5-avgpool-fc120-fc84-fc10
  ResNet18,     // 224x224x3: He et al. 2016, basic blocks [2, 2, 2, 2]
  MobileNetV2,  // 224x224x3: Sandler et al. 2018, width 1.0
  ResNet50,     // 224x224x3: He et al. 2016, bottleneck blocks [3, 4, 6, 3]
};
std::string_view arch_name(Arch a);  // "lenet5", "resnet18", "mobilenetv2", "resnet50"
bool parse_arch(std::string_view s, Arch* out);
std::vector<std::string> arch_names();

struct ZooOptions {
  Arch arch = Arch::LeNet5;
  int input_size = 0;     // square input side; 0 = the architecture's own (32 for LeNet-5, 224 otherwise)
  int weight_bits = 4;    // 1..4: LUT codes; 8: raw s8 weights
  LutMode lut_mode = LutMode::PerLayer;
  bool shift_per_channel = false;
  std::uint64_t seed = 1;
  double width = 1.0;     // channel multiplier (reduced variants); ResNet/MobileNetV2 round to multiples of 8
  int classes = 0;        // 0 = the architecture's own (10 for LeNet-5, 1000 otherwise)
  DType logits = DType::S32;  // dtype of the last dense layer's output: s32 (raw) or s8 (shifted, clamped)
  // The accumulator width the parameters are sized for: weight magnitudes are limited so that accumulators
  // stay well inside A bits (about 6 standard deviations). 32 leaves them unlimited in practice.
  int acc_bits = 32;
  // Target fraction of saturated outputs per layer (above act_max, or below act_min for linear s8 layers).
  double saturation = 1e-3;
};

// Builds the network. Throws lutsim::Error on options out of range (naming the option and the allowed range).
Network build(const ZooOptions& opt);

// The input size an architecture uses when ZooOptions::input_size is 0.
int default_input_size(Arch a);

// A random input batch [n, h, w, c] for `net`, uniform over the input dtype, deterministic in `seed`.
Tensor random_input(const Network& net, std::int64_t n, std::uint64_t seed);

}  // namespace lutsim::zoo
