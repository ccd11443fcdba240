// The ISA interpreter as an engine: the network compiled for the hardware config, run image by image. Its report is
// the SystemC model's format without timing (counters.h, untimed_report_json), so the energy model reads it alike.
#include "lutsim/engines/engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/counters.h"
#include "lutsim/firmware/interpreter.h"

namespace lutsim {
namespace {

class IsaEngine final : public Engine {
 public:
  IsaEngine(const Network& net, const HwConfig& hw, const EngineOptions& opt)
      : prog_(with_fault_hook(compile(net, hw), "isa")), interp_(prog_, opt.check_hazards ? HazardCheck::On : HazardCheck::Off), opt_(opt), layer_stats_(prog_.layers.size()) {}

  Tensor run(const Tensor& batch) override {
    IsaResult r = interp_.run(batch, IsaOptions{.keep_values = opt_.keep_values, .threads = opt_.threads});
    values_ = std::move(r.values);
    total_ += r.stats;
    images_ += batch.dim(0);
    for (std::size_t i = 0; i < layer_stats_.size() && i < r.layer_stats.size(); ++i) layer_stats_[i] += r.layer_stats[i];
    return std::move(r.output);
  }

  std::vector<Tensor> last_values() const override { return values_; }
  const Program* program() const override { return &prog_; }

  nlohmann::ordered_json report() const override { return untimed_report_json(prog_, images_, total_, layer_stats_); }

 private:
  Program prog_;
  Interpreter interp_;
  EngineOptions opt_;
  Counters total_;
  std::int64_t images_ = 0;
  std::vector<Tensor> values_;
  std::vector<Counters> layer_stats_;
};

}  // namespace

std::unique_ptr<Engine> make_isa_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<IsaEngine>(net, hw, opt);
}

}  // namespace lutsim
