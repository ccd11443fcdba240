// The ISA interpreter: the functional semantics of the ISA (docs/isa.md), with no timing.
//
// It executes each instruction whole, with the arithmetic of model/include/lutsim/model/arith.h, and stops with a
// lutsim::Error naming the program counter (and layer) and printing the instruction on: an SRAM or DRAM access
// outside its memory, an instruction illegal for the machine, a token underflow (program-order schedule), a
// deadlock (decoupled schedules), a token queue overflow.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lutsim/firmware/counters.h"
#include "lutsim/firmware/image_runner.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

// The order in which the interpreter runs the three queues (docs/isa.md section 5).
enum class Schedule : std::uint8_t {
  ProgramOrder,  // one instruction at a time in program order; a pop of an empty token queue is a token underflow
  LoadFirst,     // decoupled: the load queue runs as far ahead as its tokens allow
  ComputeFirst,  // decoupled: compute, then store, then load: consumers run as early as allowed
};
std::string_view schedule_name(Schedule s);  // "program_order", "load_first", "compute_first"

struct DecodedWeights;

// The machine state: DRAM, the four SRAMs, the token counters and the weight-path state.
class Machine {
 public:
  // Zero-filled memories of the config's sizes and a DRAM of dram_bytes.
  Machine(const HwConfig& hw, std::uint64_t dram_bytes);
  ~Machine();
  Machine(Machine&&) noexcept;
  Machine& operator=(Machine&&) noexcept;

  const HwConfig& hw() const { return hw_; }
  std::span<std::uint8_t> dram() { return {dram_.data(), dram_size_}; }
  std::span<std::uint8_t> act() { return {act_.data(), static_cast<std::size_t>(act_size_)}; }
  std::span<std::uint8_t> wgt() { return {wgt_.data(), static_cast<std::size_t>(wgt_size_)}; }
  std::span<std::uint8_t> param() { return {param_.data(), static_cast<std::size_t>(param_size_)}; }
  // Accumulator entries, entry e lane c at [e * C + c].
  std::span<std::int32_t> acc() { return acc_; }
  std::int64_t acc_entries() const { return acc_entries_; }
  // Token counters: l2c, c2l, c2s, s2c.
  std::array<int, 4> tokens() const { return tokens_; }

  // Runs the instructions to completion, starting from reset token counters and weight-path state (the memories
  // keep their contents). `layers`, when given, names the layer of a failing instruction and
  // attributes statistics per layer (per_layer_stats()); `layer_of`, when given, is their map by pc (layer_of_pcs).
  void run(std::span<const isa::Instruction> code, Schedule schedule = Schedule::ProgramOrder,
           std::span<const LayerRange> layers = {}, std::span<const int> layer_of = {});

  // Executes one instruction's data semantics (its SRAM/DRAM/accumulator effects and weight-path state), ignoring
  // its token flags; statistics are added to stats(). For timing models that schedule instructions themselves and
  // reuse these semantics. Throws lutsim::Error naming `pc` like run().
  void execute(const isa::Instruction& in, std::uint32_t pc = 0);

  // Use the portable kernels even on a CPU with AVX-512 VNNI (tests compare both paths).
  void set_portable_kernels(bool on) { portable_ = on; }
  // Worker threads of the GEMM and PPU kernels (OpenMP); results do not depend on it.
  void set_threads(int n) { threads_ = n < 1 ? 1 : n; }

  // The functional counters (counters.h) of the last run(), or of the execute() calls since.
  const Counters& stats() const { return stats_; }
  const std::vector<Counters>& per_layer_stats() const { return layer_stats_; }

 private:
  struct Ctx;
  void exec(const isa::Instruction& in, Counters& st, const Ctx& ctx);
  void exec_load(const isa::Load& l, Counters& st, const Ctx& ctx);
  void exec_store(const isa::Store& s, Counters& st, const Ctx& ctx);
  void exec_wcfg(const isa::Wcfg& w, Counters& st, const Ctx& ctx);
  void exec_gemm(const isa::Gemm& g, Counters& st, const Ctx& ctx);
  void exec_vec(const isa::Vec& v, Counters& st, const Ctx& ctx);
  void exec_ppu(const isa::Ppu& p, Counters& st, const Ctx& ctx);
  void decode_weights(const isa::Gemm& g, std::int64_t nch, std::int64_t nblocks, std::int64_t wrow, std::int64_t wblk,
                      DecodedWeights& out) const;

  HwConfig hw_;
  std::uint64_t dram_size_;
  std::int64_t act_size_, wgt_size_, param_size_, acc_entries_;
  std::vector<std::uint8_t> dram_, act_, wgt_, param_;  // each with slack past its size for vector over-reads
  std::vector<std::int32_t> acc_;
  std::array<int, 4> tokens_{};
  // Weight-path state (WCFG).
  int wmode_ = 0, wbits_ = 8;
  std::vector<std::int8_t> luts_;  // C x 16
  std::int64_t in_group_ = 0, out_group_ = 0, out_offset_ = 0;
  struct Scratch;  // decoded-weight cache and kernel buffers (interpreter.cc)
  std::unique_ptr<Scratch> scratch_;
  Counters stats_;
  std::vector<Counters> layer_stats_;
  bool portable_ = false;
  int threads_ = 1;
};

struct IsaOptions {
  Schedule schedule = Schedule::ProgramOrder;
  bool keep_values = false;  // return every value's tensor (read from its DRAM region after the run)
  bool portable_kernels = false;  // the portable kernels even where AVX-512 VNNI is available
  int threads = 1;                // worker threads of the GEMM and PPU kernels
};

struct IsaResult {
  Tensor output;                      // [N, h, w, c] of the output value's dtype
  std::vector<Tensor> values;         // by value id when keep_values, else empty
  Counters stats;                     // summed over the batch (the functional counters)
  std::vector<Counters> layer_stats;  // by layer index, summed over the batch
  std::array<int, 4> tokens_left{};   // l2c, c2l, c2s, s2c after the last image (0 for compiled programs)
};

// A program prepared for repeated runs: one machine, whose cache of decoded weights persists from run to run (as the
// golden Executor prepares its kernels once). The program must outlive the interpreter.
class Interpreter {
 public:
  // Validates the program (validate_program), checks it for hazards unless told not to (ImageRunner) and allocates
  // the machine.
  explicit Interpreter(const Program& p, HazardCheck check = HazardCheck::On);
  // Runs every image of `input` ([N, h, w, c] of the input value's dtype and shape); see interpret().
  IsaResult run(const Tensor& input, const IsaOptions& opt = {});

 private:
  const Program& p_;
  Machine m_;
  ImageRunner runner_;
};

// Runs the program on each image of `input` ([N, h, w, c] of the input value's dtype and shape) with an ImageRunner
// (image_runner.h): the memory image and the input image in DRAM, the run, the output region read back. Throws
// lutsim::Error.
IsaResult interpret(const Program& p, const Tensor& input, const IsaOptions& opt = {});

}  // namespace lutsim
