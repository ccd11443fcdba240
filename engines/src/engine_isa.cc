// The ISA interpreter as an engine: the network compiled for the hardware config, run image by image.
#include "lutsim/engines/engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"

namespace lutsim {
namespace {

nlohmann::ordered_json stats_json(const Counters& s) {
  nlohmann::ordered_json insns;
  for (int op = 0; op < isa::kNumOpcodes; ++op)
    insns[std::string(isa::opcode_name(static_cast<isa::Opcode>(op)))] = s.insns[static_cast<std::size_t>(op)];
  return {{"instructions", insns},
          {"macs", s.macs},
          {"dram_read_bytes", s.dram_read_bytes},
          {"dram_write_bytes", s.dram_write_bytes},
          {"sram_bytes",
           {{"act", {{"read", s.act.read_bytes}, {"write", s.act.write_bytes}}},
            {"wgt", {{"read", s.wgt.read_bytes}, {"write", s.wgt.write_bytes}}},
            {"param", {{"read", s.param.read_bytes}, {"write", s.param.write_bytes}}},
            {"acc", {{"read", s.acc.read_bytes}, {"write", s.acc.write_bytes}}}}}};
}

class IsaEngine final : public Engine {
 public:
  IsaEngine(const Network& net, const HwConfig& hw, const EngineOptions& opt)
      : net_(net), prog_(with_fault_hook(compile(net, hw), "isa")), interp_(prog_), opt_(opt), layer_stats_(net.layers.size()) {}

  Tensor run(const Tensor& batch) override {
    IsaResult r = interp_.run(batch, IsaOptions{.keep_values = opt_.keep_values, .threads = opt_.threads});
    values_ = std::move(r.values);
    total_ += r.stats;
    for (std::size_t i = 0; i < layer_stats_.size() && i < r.layer_stats.size(); ++i) layer_stats_[i] += r.layer_stats[i];
    return std::move(r.output);
  }

  std::vector<Tensor> last_values() const override { return values_; }
  const Program* program() const override { return &prog_; }

  nlohmann::ordered_json report() const override {
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < layer_stats_.size(); ++i) {
      nlohmann::ordered_json l = {{"name", net_.layers[i].name}};
      l.update(stats_json(layer_stats_[i]));
      layers.push_back(std::move(l));
    }
    return {{"program_instructions", prog_.code.size()}, {"totals", stats_json(total_)}, {"layers", std::move(layers)}};
  }

 private:
  const Network& net_;
  Program prog_;
  Interpreter interp_;
  EngineOptions opt_;
  Counters total_;
  std::vector<Tensor> values_;
  std::vector<Counters> layer_stats_;
};

}  // namespace

std::unique_ptr<Engine> make_isa_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<IsaEngine>(net, hw, opt);
}

}  // namespace lutsim
