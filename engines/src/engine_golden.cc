// The golden model as an engine: fast kernels (golden) or reference kernels (reference).
#include "lutsim/engines/engine.h"
#include "lutsim/model/executor.h"

namespace lutsim {
namespace {

class GoldenEngine final : public Engine {
 public:
  GoldenEngine(const Network& net, const HwConfig& hw, Backend backend, const EngineOptions& opt)
      : ex_(net, hw.arith(), ExecOptions{.backend = backend, .threads = opt.threads, .keep_values = opt.keep_values}),
        stats_(net.layers.size()) {}

  Tensor run(const Tensor& batch) override {
    RunResult r = ex_.run(batch);
    for (std::size_t i = 0; i < stats_.size(); ++i) stats_[i] += r.stats[i];
    values_ = std::move(r.values);
    return std::move(r.output);
  }
  std::vector<LayerStats> layer_stats() const override { return stats_; }
  std::vector<Tensor> last_values() const override { return values_; }

 private:
  Executor ex_;
  std::vector<LayerStats> stats_;
  std::vector<Tensor> values_;
};

}  // namespace

std::unique_ptr<Engine> make_golden_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<GoldenEngine>(net, hw, Backend::Fast, opt);
}

std::unique_ptr<Engine> make_reference_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<GoldenEngine>(net, hw, Backend::Reference, opt);
}

}  // namespace lutsim
