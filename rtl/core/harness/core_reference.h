// Reference side of the rtl/core harness: the configuration of a Verilated core, its memories, random legal WCFG and
// GEMM instructions, and the ISA interpreter (Machine::execute) run on the same memories for comparison.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"

namespace lutsim::rtlcore {

// Parameters of a Verilated lutsim_core_tb. SRAM sizes are the full address spaces: 2^ACT_AW bytes, ...,
// 2^ACC_AW accumulator entries.
struct CoreConfig {
  int rows = 4, cols = 4, acc_bits = 32;
  int act_aw = 14, wgt_aw = 14, par_aw = 12, acc_aw = 8;

  int v() const { return rows > cols ? rows : cols; }
  std::int64_t act_bytes() const { return std::int64_t{1} << act_aw; }
  std::int64_t wgt_bytes() const { return std::int64_t{1} << wgt_aw; }
  std::int64_t par_bytes() const { return std::int64_t{1} << par_aw; }
  std::int64_t acc_entries() const { return std::int64_t{1} << acc_aw; }
  // The machine the interpreter models: same array, A and SRAM sizes, both LUT modes.
  HwConfig hw() const;
  std::string name() const;  // "R x C, A = .., AW act/wgt/par/acc = ../../../.."
  bool operator==(const CoreConfig&) const = default;
};

struct Memories {
  Memories() = default;
  explicit Memories(const CoreConfig& cfg);
  std::vector<std::uint8_t> act, wgt, par;
  std::vector<std::int32_t> acc;  // entry e lane c at [e * C + c]
};

// Every byte random; accumulator lanes random 32-bit values.
void fill_random(Memories& m, std::mt19937_64& rng);

// Knobs of the random instructions.
struct TileOptions {
  int max_out = 5;       // out_h, out_w in 1..max_out
  int max_taps = 3;      // taps_y, taps_x in 1..max_taps
  int max_span_rows = 3; // span in 1..max_span_rows * R
  double mask_prob = 0.3;
};

// A random WCFG (mode, bits, LUT address, group mask) legal for the config.
isa::Instruction random_wcfg(std::mt19937_64& rng, const CoreConfig& cfg, const TileOptions& opt = {});
// A random GEMM legal for the config and the weight width `bits` of the last WCFG: every read inside the SRAMs.
isa::Instruction random_gemm(std::mt19937_64& rng, const CoreConfig& cfg, int bits, const TileOptions& opt = {});

// Runs the instructions with the ISA interpreter on a machine holding `init` and returns the memories after them.
// Throws lutsim::Error (naming the instruction) when one is illegal for the config.
Memories reference(const CoreConfig& cfg, const Memories& init, const std::vector<isa::Instruction>& code);

// "" when the accumulator SRAMs are equal, else the first mismatch: entry, lane, both values.
std::string compare_acc(const CoreConfig& cfg, const std::vector<std::int32_t>& want, const std::vector<std::int32_t>& got);

std::vector<isa::Word> encode_all(const std::vector<isa::Instruction>& code);

}  // namespace lutsim::rtlcore
