// The SystemC model as an engine: the network compiled for the hardware config, run image after image on one
// elaborated model (lutsim eval runs thousands of images in one process).
#include "engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/sim/simulator.h"

namespace lutsim::cli {
namespace {

class SystemcEngine final : public Engine {
 public:
  SystemcEngine(const Network& net, const HwConfig& hw, const EngineOptions& opt)
      : sim_(compile(net, hw), sim::SimOptions{.keep_values = opt.keep_values}) {}

  Tensor run(const Tensor& batch) override { return sim_.run(batch); }
  std::vector<Tensor> last_values() const override { return sim_.values(); }
  nlohmann::ordered_json report() const override { return sim_.report().to_json(); }

 private:
  sim::Simulator sim_;
};

}  // namespace

std::unique_ptr<Engine> make_systemc_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<SystemcEngine>(net, hw, opt);
}

}  // namespace lutsim::cli
