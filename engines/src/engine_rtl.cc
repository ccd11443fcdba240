// The RTL as an engine: the network compiled for the hardware config and run image by image on the Verilated
// lutsim_top (rtl/top/harness), with the DRAM timed by the shared DRAM model. report() gives the cycles of the
// whole run and of each layer (the windows of the SystemC model's report: from the previous layer's last completion
// to this layer's last completion, rtl::layer_bounds).
//
// Test hook (engine.h): LUTSIM_FAULT="rtl:BYTE:BIT" flips bit BIT of DRAM byte BYTE of the memory image (after the
// input is written, so any byte of the DRAM) before every run.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lutsim/engines/engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/program.h"
#include "lutsim/model/error.h"
#include "lutsim/rtl/top_sim.h"

namespace lutsim {

namespace {

class RtlEngine final : public Engine {
 public:
  RtlEngine(const Network& net, const HwConfig& hw, const EngineOptions& opt)
      : net_(net), prog_(compile(net, hw)), sim_(rtl::make_top_sim(hw)), opt_(opt), fault_(fault_hook("rtl")),
        layer_cycles_(prog_.layers.size(), 0) {
    validate_program(prog_, "RTL program for '" + net.name + "'");
  }

  Tensor run(const Tensor& batch) override {
    const ValueRegion& iv = prog_.values.at(static_cast<std::size_t>(prog_.input));
    const ValueRegion& ov = prog_.values.at(static_cast<std::size_t>(prog_.output));
    if (batch.dtype() != iv.dtype || batch.rank() != 4 || batch.dim(1) != iv.h || batch.dim(2) != iv.w ||
        batch.dim(3) != iv.c)
      throw Error("rtl engine: input is " + std::string(dtype_name(batch.dtype())) + " " + shape_str(batch.shape()) +
                  ", the program expects [N, " + std::to_string(iv.h) + ", " + std::to_string(iv.w) + ", " +
                  std::to_string(iv.c) + "]");
    const std::int64_t N = batch.dim(0);
    Tensor out(ov.dtype, {N, ov.h, ov.w, ov.c}, ov.exponent);
    values_.clear();
    if (opt_.keep_values)
      for (const ValueRegion& v : prog_.values) values_.emplace_back(v.dtype, Shape{N, v.h, v.w, v.c}, v.exponent);
    for (std::int64_t n = 0; n < N; ++n) {
      last_input_ = std::vector<std::uint8_t>(batch.raw() + n * static_cast<std::int64_t>(iv.bytes()),
                                              batch.raw() + (n + 1) * static_cast<std::int64_t>(iv.bytes()));
      std::vector<std::uint8_t> dram = image(last_input_);
      last_ = sim_->run(prog_, dram, rtl::TopRunOptions{});
      total_cycles_ += last_.cycles;
      dram_read_ += last_.dram_read_bytes;
      dram_write_ += last_.dram_write_bytes;
      ++images_;
      const std::vector<std::int64_t> b = rtl::layer_bounds(last_, prog_.layers);
      for (std::size_t l = 0; l < prog_.layers.size(); ++l) layer_cycles_[l] += b[l + 1] - b[l];
      std::memcpy(out.raw() + n * static_cast<std::int64_t>(ov.bytes()), dram.data() + ov.addr, ov.bytes());
      if (opt_.keep_values)
        for (std::size_t id = 0; id < prog_.values.size(); ++id) {
          const ValueRegion& v = prog_.values[id];
          std::memcpy(values_[id].raw() + n * static_cast<std::int64_t>(v.bytes()), dram.data() + v.addr, v.bytes());
        }
    }
    return out;
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
    std::vector<std::uint8_t> dram = image(last_input_);
    rtl::TopRunOptions o;
    o.wave_path = path;
    o.wave_from = from;
    o.wave_to = to;
    o.record_writes = false;
    sim_->run(prog_, dram, o);
    return true;
  }

 private:
  // The DRAM image of one run: the program's bytes, zeros, the input image, and the fault hook's flipped bit.
  std::vector<std::uint8_t> image(const std::vector<std::uint8_t>& input) const {
    std::vector<std::uint8_t> dram(prog_.dram_bytes, 0);
    std::memcpy(dram.data(), prog_.dram_init.data(), prog_.dram_init.size());
    const ValueRegion& iv = prog_.values.at(static_cast<std::size_t>(prog_.input));
    std::memcpy(dram.data() + iv.addr, input.data(), input.size());
    if (fault_) {
      if (fault_->byte >= dram.size())
        throw Error("LUTSIM_FAULT: DRAM byte " + std::to_string(fault_->byte) + " is outside the DRAM of " +
                    std::to_string(dram.size()) + " bytes");
      dram[fault_->byte] ^= static_cast<std::uint8_t>(1u << fault_->bit);
    }
    return dram;
  }

  const Network& net_;
  Program prog_;
  std::unique_ptr<rtl::TopSim> sim_;
  EngineOptions opt_;
  std::optional<Fault> fault_;
  std::vector<std::int64_t> layer_cycles_;
  std::vector<Tensor> values_;
  std::vector<std::uint8_t> last_input_;
  rtl::TopRunResult last_;
  std::int64_t total_cycles_ = 0, dram_read_ = 0, dram_write_ = 0, images_ = 0;
};

}  // namespace

std::unique_ptr<Engine> make_rtl_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt) {
  return std::make_unique<RtlEngine>(net, hw, opt);
}

}  // namespace lutsim
