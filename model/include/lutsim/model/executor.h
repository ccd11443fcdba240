// The graph executor of the golden model: runs a validated Network on a batch, layer by layer.
#pragma once

#include <memory>
#include <vector>

#include "lutsim/model/arith.h"
#include "lutsim/model/kernels.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

enum class Backend { Reference, Fast };

struct ExecOptions {
  Backend backend = Backend::Fast;
  int threads = 1;           // worker threads for the fast kernels
  bool keep_values = false;  // keep every intermediate value in RunResult::values
};

struct RunResult {
  Tensor output;                  // the network output value, [N, h, w, c]
  std::vector<Tensor> values;     // by value id when keep_values, else empty
  std::vector<LayerStats> stats;  // by layer index
};

class Executor {
 public:
  // Validates the network and prepares every layer's kernel. Throws lutsim::Error.
  Executor(const Network& net, const ArithConfig& cfg, const ExecOptions& opt = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // input: [N, h, w, c] of the input value's dtype and shape. Throws lutsim::Error naming the expected shape
  // and dtype on a mismatch.
  RunResult run(const Tensor& input) const;

  const Network& network() const { return net_; }

 private:
  Network net_;  // a shallow copy: parameter tensors share storage with the caller's
  ArithConfig cfg_;
  ExecOptions opt_;
  std::vector<std::unique_ptr<LayerKernel>> kernels_;
};

}  // namespace lutsim
