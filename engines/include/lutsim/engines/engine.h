// The engines a network runs on, behind one interface, so that the command line (run, eval, verify) and the Python
// package treat them alike.
//
// Each engine lives in its own file (src/engine_<name>.cc) and is registered in src/engine.cc when its library is
// built:
//   golden     the golden model's fast kernels (model/)
//   reference  the golden model's plain reference kernels (model/)
//   isa        the compiled program on the ISA interpreter (firmware/)
//   systemc    the compiled program on the SystemC model (sim/)
//   rtl        the compiled program on the Verilated RTL (rtl/), when the RTL is built
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lutsim/hw/config.h"
#include "lutsim/model/kernels.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

struct Program;

struct EngineOptions {
  int threads = 1;     // host worker threads, where the engine uses them
  bool quiet = false;  // no progress output on stderr
  bool keep_values = false;  // keep every value of the last run for last_values()
  // The engines that run a compiled program check it for hazards (ImageRunner); lutsim verify, which lists every
  // hazard in its report, turns this off.
  bool check_hazards = true;
};

// Where and when a run of a compiled program last wrote one DRAM byte.
struct DramWrite {
  std::int64_t cycle = -1;
  std::int32_t pc = -1;
};

// A network prepared for one engine (compiled, kernels prepared); run() may be called many times. An engine keeps a
// reference to the network it was made for: the network must outlive it.
class Engine {
 public:
  virtual ~Engine() = default;
  // Runs every image of `batch` ([N, h, w, c] of the network input's dtype and shape) and returns [N, h, w, c] of
  // the output's. Throws lutsim::Error.
  virtual Tensor run(const Tensor& batch) = 0;
  // Per-layer statistics of the golden model (MACs, wraps, clamps), summed over every run so far; empty for
  // engines that do not compute them.
  virtual std::vector<LayerStats> layer_stats() const { return {}; }
  // With EngineOptions::keep_values: every value of the network (by value id) as the last run() computed it, for
  // layer-by-layer comparison (lutsim verify runs one image, so each is [1, h, w, c]). Engines that run a compiled
  // program read each value's DRAM region after the run. Empty without keep_values or when the engine cannot.
  virtual std::vector<Tensor> last_values() const { return {}; }
  // The engine's own report of everything run so far (instruction counts, cycles, traffic ...), as JSON; null when
  // it has none.
  virtual nlohmann::ordered_json report() const { return nullptr; }

  // Capabilities of the engines that run a compiled program, for lutsim verify.
  // The program this engine runs; null for the golden engines.
  virtual const Program* program() const { return nullptr; }
  // Whether last_write() knows where and when each DRAM byte was written (the RTL engine).
  virtual bool records_dram_writes() const { return false; }
  // Where and when the last image's run wrote DRAM byte `addr`; none when the engine does not record writes or no
  // STORE wrote that byte.
  virtual std::optional<DramWrite> last_write(std::uint64_t /*addr*/) const { return std::nullopt; }
  // Re-runs the last image writing a waveform of cycles [from, to] to `path`; false when the engine cannot.
  virtual bool wave_window(const std::string& /*path*/, std::int64_t /*from*/, std::int64_t /*to*/) { return false; }
};

using EngineFactory = std::unique_ptr<Engine> (*)(const Network& net, const HwConfig& hw, const EngineOptions& opt);

// The engines built into this binary, in the order above.
std::vector<std::string> engine_names();
// "golden, reference, isa" for messages and help texts.
std::string engine_list();
bool has_engine(const std::string& name);
// The engine called `name`; an Error listing the built engines when there is none.
std::unique_ptr<Engine> make_engine(const std::string& name, const Network& net, const HwConfig& hw,
                                    const EngineOptions& opt);

// The input of a run as a batch [N, h, w, c]: `x` is either that or one image [h, w, c] (then *batched is false).
// The network input is `in`; `what` names the source of `x` (a file, a Python argument) at the start of each
// message. Throws Error on another dtype or shape, or an empty batch.
Tensor input_batch(const Tensor& x, const ValueInfo& in, const std::string& what, bool* batched = nullptr);

// Images [first, first + n) of a batch [N, ...], as a tensor of their own (tensors do not share sub-ranges).
Tensor batch_slice(const Tensor& x, std::int64_t first, std::int64_t n);

// Test hook of the engines that run a compiled program: the environment variable LUTSIM_FAULT="ENGINE:BYTE:BIT"
// flips bit BIT of DRAM byte BYTE of the memory image seen by engine ENGINE (isa, systemc or rtl) only, so that
// lutsim verify's tests can prove that a divergence in one engine is caught and located (docs/verify.md).
struct Fault {
  std::uint64_t byte = 0;
  int bit = 0;
};
// The hook for `engine`, if LUTSIM_FAULT names it; a malformed value is an Error naming the variable.
std::optional<Fault> fault_hook(const std::string& engine);
// `p` with the hook's bit flipped in its parameter image (its dram_init bytes) when LUTSIM_FAULT names `engine`, for
// the engines that build each run's DRAM from it (isa, systemc); a byte outside that image is an Error giving its
// size.
Program with_fault_hook(Program p, const std::string& engine);

// The factories, one per engine_<name>.cc.
std::unique_ptr<Engine> make_golden_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt);
std::unique_ptr<Engine> make_reference_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt);
std::unique_ptr<Engine> make_isa_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt);
std::unique_ptr<Engine> make_systemc_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt);
std::unique_ptr<Engine> make_rtl_engine(const Network& net, const HwConfig& hw, const EngineOptions& opt);

}  // namespace lutsim
