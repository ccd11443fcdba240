// The SystemC model as an engine: the network compiled for the hardware config, run image after image on one
// elaborated model (lutsim eval runs thousands of images in one process).
#include "lutsim/engines/engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/sim/simulator.h"

namespace lutsim {
namespace {

class SystemcEngine final : public Engine {
 public:
  SystemcEngine(const Network& net, const HwConfig& hw, const EngineOptions& opt)
      : sim_(with_fault_hook(compile(net, hw), "systemc"), sim::SimOptions{.keep_values = opt.keep_values,
                                                                      .hazard_check = opt.check_hazards ? HazardCheck::On : HazardCheck::Off}) {}

  Tensor run(const Tensor& batch) override { return sim_.run(batch); }
  std::vector<Tensor> last_values() const override { return sim_.values(); }
  // The simulator's report, plus the completion cycle of every instruction of the last image (by pc), which
  // lutsim verify compares with the RTL's.
  nlohmann::ordered_json report() const override {
    nlohmann::ordered_json j = sim_.report().to_json();
    std::vector<std::int64_t> done;
    done.reserve(sim_.insn_times().size());
    for (const sim::Simulator::InsnTime& t : sim_.insn_times()) done.push_back(t.done);
    j["last_image_complete_by_pc"] = std::move(done);
    return j;
  }

 private:
  sim::Simulator sim_;
};

}  // namespace

std::unique_ptr<Engine> make_systemc_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<SystemcEngine>(net, hw, opt);
}

}  // namespace lutsim
