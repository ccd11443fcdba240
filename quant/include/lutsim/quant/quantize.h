// Post-training quantization of a float graph into a lutsim::Network (docs/quantization.md).
//
//  - weights: power-of-two exponents by MSQE search (least squares rounded to a power of two, then a line search
//    over +-3 exponents); LUT entries by 1-D Lloyd / k-means on the s8 grid, per layer or per output channel; or a
//    uniform symmetric grid; 8-bit raw weights;
//  - activations: one power-of-two exponent per value from calibration data (mse, percentile or kl);
//  - optional cross-layer equalization (Nagel et al. 2019), empirical bias correction, LAPQ-style coordinate
//    refinement of the exponents against the golden model's calibration cross-entropy, and mixed precision
//    {2, 3, 4, 8} bits under an average-bits budget.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lutsim/model/arith.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"
#include "lutsim/quant/float_graph.h"

namespace lutsim::quant {

enum class Grid { LutPerLayer, LutPerChannel, Uniform };
enum class CalibMethod { Mse, Percentile, Kl };
enum class Method { Mmse, Lapq };

struct QuantOptions {
  int weight_bits = 4;             // 1-4 (LUT or uniform codes) or 8 (raw s8)
  Grid grid = Grid::LutPerChannel;
  bool shift_per_channel = false;  // one shift (weight exponent) per output channel instead of per layer
  Method method = Method::Mmse;
  CalibMethod calib = CalibMethod::Mse;
  double percentile = 99.99;       // for CalibMethod::Percentile
  bool equalize = false;           // cross-layer equalization
  bool bias_correction = false;
  double avg_bits = 0;             // > 0: mixed precision from {2, 3, 4, 8} at this average weight width
  int input_exponent = -8;         // real input = q * 2^input_exponent
  ArithConfig arith;               // accumulator width and rounding of the target machine
  int threads = 1;
  int lapq_images = 256;           // calibration images the LAPQ and mixed-precision loss uses
  int lapq_sweeps = 3;
  int lapq_max_evals = 120;        // golden-model runs LAPQ may spend, which bounds its time
  // Called with a stage name and the fraction done, for a progress bar.
  std::function<void(const std::string&, double)> progress;
};

struct QuantReport {
  std::vector<std::string> notes;   // one line per decision worth telling the user
  double loss_initial = 0;          // calibration cross-entropy against the float model, before LAPQ
  double loss_final = 0;
  std::vector<int> layer_bits;      // per conv/dense node, in graph order
};

// Turns a calibration tensor into the u8 NHWC batch the network reads: u8 [N, H, W, C] is taken as it is; f32
// [N, C, H, W] in the float model's layout is rounded to q = clamp(round(x / 2^input_exponent), 0, 255).
// Throws lutsim::Error naming `what`, the shape or dtype found and the ones accepted.
Tensor to_network_input(const Tensor& t, const FloatGraph& g, int input_exponent, const std::string& what);

// The float graph's input for a u8 batch: x = q * 2^input_exponent.
FTensor float_input(const Tensor& u8_nhwc, int input_exponent);

// Cross-layer equalization in place (only where it leaves the float function unchanged). Returns the pairs
// rescaled.
int equalize(FloatGraph& g, int iterations = 20);

// Quantizes g with calibration images calib (u8 NHWC, as from to_network_input).
Network quantize(const FloatGraph& g, const Tensor& calib, const QuantOptions& opt, QuantReport* report = nullptr);

}  // namespace lutsim::quant
