// The ISA reference: the semantics of each opcode as plain loops, written exactly as docs/isa.md section 3 states
// them (block by block, pixel by pixel, lane by lane, with arith.h), with no caching, no reordering and no SIMD.
// It is what the ISA interpreter (interpreter.h) is tested equal to, bit for bit, over random instructions and
// programs (tests/firmware/isa_reference_test.cc), as the golden fast kernels are tested equal to model/reference.
//
// It executes one instruction's data semantics at a time and ignores the token flags (the token rules are the
// interpreter's, tested on their own). An instruction illegal for the machine, or an access outside a memory, throws
// lutsim::Error starting with "ISA reference:".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"

namespace lutsim {

struct IsaReference {
  // Zero-filled memories of the config's sizes, a DRAM of dram_bytes, and the reset weight-path state.
  IsaReference(const HwConfig& hw, std::uint64_t dram_bytes);

  void execute(const isa::Instruction& in);
  // Every instruction in program order.
  void run(std::span<const isa::Instruction> code);

  HwConfig hw;
  std::vector<std::uint8_t> dram, act, wgt, param;
  std::vector<std::int32_t> acc;  // entry e, lane c at [e * cols + c]
  // Weight-path state (WCFG): the last WCFG and the column LUTs it loaded, lut[c * kLutEntriesMax + k].
  isa::Wcfg wcfg;
  std::vector<std::int8_t> lut;

 private:
  std::int32_t& acc_at(std::int64_t entry, std::int64_t lane);
  void load(const isa::Load& l);
  void store(const isa::Store& s);
  void weight_config(const isa::Wcfg& w);
  void gemm(const isa::Gemm& g);
  void vec(const isa::Vec& v);
  void ppu(const isa::Ppu& p);
};

}  // namespace lutsim
