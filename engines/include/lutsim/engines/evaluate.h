// lutsim eval as a library: top-1 accuracy of a classifier network on labelled images on one engine, with the
// confusion matrix. The command line (cli/cmd_eval.cc) and the Python package both call evaluate().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lutsim/hw/config.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

struct EvalOptions {
  std::string engine = "golden";
  std::int64_t batch = 64;  // images per engine run, >= 1
  int threads = 1;
  // Called after each batch with the images done and the total; returning false stops the evaluation with an
  // Error ("interrupted").
  std::function<bool(std::int64_t done, std::int64_t total)> progress{};
  std::string data_what = "data", labels_what = "labels";  // name the inputs in error messages
};

struct EvalResult {
  std::int64_t images = 0, correct = 0, classes = 0;
  Tensor predictions;                 // s32 [N]: the top-1 class of each image (the first on a tie)
  std::vector<std::int64_t> confusion;  // [label * classes + prediction] counts
  double seconds = 0;
  double accuracy() const { return images ? static_cast<double>(correct) / static_cast<double>(images) : 0.0; }
};

// Runs every image of `x` (NHWC [N, h, w, c] of the network input) and compares the top-1 class with `labels` (s32
// or u8 [N]). Throws Error naming data_what or labels_what on a wrong dtype, shape or label, or when the network's
// output is not a vector of class scores.
EvalResult evaluate(const Network& net, const HwConfig& hw, const Tensor& x, const Tensor& labels,
                    const EvalOptions& opt);

}  // namespace lutsim
