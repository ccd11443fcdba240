// The RTL as an engine: the network compiled for the hardware config and run image by image on the Verilated
// lutsim_top (rtl/top/harness), with the DRAM timed by the shared DRAM model. report() gives the cycles of the
// whole run and of each layer (the windows of the SystemC model's report: from the previous layer's last completion
// to this layer's last completion, rtl::layer_bounds).
//
// Test hook (engine.h): LUTSIM_FAULT="rtl:BYTE:BIT" flips bit BIT of DRAM byte BYTE of the memory image (after the
// input is written, so any byte of the DRAM) before every run.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lutsim/engines/engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/image_runner.h"
#include "lutsim/firmware/program.h"
#include "lutsim/model/error.h"
#include "lutsim/rtl/top_sim.h"

namespace lutsim {

namespace {

class RtlEngine final : public Engine {
 public:
  RtlEngine(const Network& net, const HwConfig& hw, const EngineOptions& opt)
      : prog_(validated(compile(net, hw), net)), runner_(prog_, false, opt.check_hazards ? HazardCheck::On : HazardCheck::Off), sim_(rtl::make_top_sim(hw)), opt_(opt),
        fault_(fault_hook("rtl")), dram_(prog_.dram_bytes), layer_cycles_(prog_.layers.size(), 0) {}

  Tensor run(const Tensor& batch) override {
    BatchOutputs out = runner_.run(batch, dram_, opt_.keep_values ? KeepValues::EveryImage : KeepValues::None,
                                   [&](std::int64_t n) { run_image(batch, n); });
    values_ = std::move(out.values);
    return std::move(out.output);
  }

  std::vector<Tensor> last_values() const override { return values_; }

  nlohmann::ordered_json report() const override {
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (std::size_t l = 0; l < prog_.layers.size(); ++l)
      layers.push_back({{"name", prog_.layers[l].name},
                        {"instructions", prog_.layers[l].end - prog_.layers[l].first},
                        {"cycles", layer_cycles_[l]}});
    return {{"images", images_},
            {"cycles", total_cycles_},
            {"program_instructions", prog_.code.size()},
            {"dram_read_bytes", dram_read_},
            {"dram_write_bytes", dram_write_},
            {"layers", std::move(layers)},
            {"last_image_complete_by_pc", last_.complete}};
  }

  const Program* program() const override { return &prog_; }
  bool records_dram_writes() const override { return true; }
  std::optional<DramWrite> last_write(std::uint64_t addr) const override {
    if (addr >= last_.write_cycle.size() || last_.write_cycle[addr] < 0) return std::nullopt;
    return DramWrite{last_.write_cycle[addr], last_.write_pc[addr]};
  }
  bool wave_window(const std::string& path, std::int64_t from, std::int64_t to) override {
    if (last_image_.empty()) return false;
    runner_.load_image(dram_, last_image_, 0);
    flip_fault();
    rtl::TopRunOptions o;
    o.wave_path = path;
    o.wave_from = from;
    o.wave_to = to;
    o.record_writes = false;
    sim_->run(prog_, dram_, o);
    return true;
  }

 private:
  static Program validated(Program p, const Network& net) {
    validate_program(p, "RTL program for '" + net.name + "'");
    return p;
  }

  // Image n of `batch` on the RTL, its DRAM image written by the runner.
  void run_image(const Tensor& batch, std::int64_t n) {
    last_image_ = batch_slice(batch, n, 1);
    flip_fault();
    last_ = sim_->run(prog_, dram_, rtl::TopRunOptions{});
    total_cycles_ += last_.cycles;
    dram_read_ += last_.dram_read_bytes;
    dram_write_ += last_.dram_write_bytes;
    ++images_;
    const std::vector<std::int64_t> b = rtl::layer_bounds(last_, prog_.layers);
    for (std::size_t l = 0; l < prog_.layers.size(); ++l) layer_cycles_[l] += b[l + 1] - b[l];
  }

  // The fault hook's bit, flipped in the DRAM image after the input is written (so any byte of the DRAM).
  void flip_fault() {
    if (!fault_) return;
    if (fault_->byte >= dram_.size())
      throw Error("LUTSIM_FAULT: DRAM byte " + std::to_string(fault_->byte) + " is outside the DRAM of " +
                  std::to_string(dram_.size()) + " bytes");
    dram_[fault_->byte] ^= static_cast<std::uint8_t>(1u << fault_->bit);
  }

  Program prog_;
  ImageRunner runner_;  // the whole image written for every run: the RTL may write anywhere, the fault hook flips
  std::unique_ptr<rtl::TopSim> sim_;
  EngineOptions opt_;
  std::optional<Fault> fault_;
  std::vector<std::uint8_t> dram_;
  std::vector<std::int64_t> layer_cycles_;
  std::vector<Tensor> values_;
  Tensor last_image_;  // [1, h, w, c]: the last image run, for wave_window
  rtl::TopRunResult last_;
  std::int64_t total_cycles_ = 0, dram_read_ = 0, dram_write_ = 0, images_ = 0;
};

}  // namespace

std::unique_ptr<Engine> make_rtl_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<RtlEngine>(net, hw, opt);
}

}  // namespace lutsim
