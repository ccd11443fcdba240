// The reference side of the rtl/post tests: a machine configuration matching a Verilated unit, and comparison of
// the harness memories with the ISA interpreter's (Machine::execute) that names the first mismatch.
#pragma once

#include <cstdint>
#include <string>

#include "lutsim/firmware/interpreter.h"
#include "lutsim/hw/config.h"
#include "unit_harness.h"

namespace lutsim::rtl {

// The parameters a post unit was Verilated with.
struct PostParams {
  int cols = 16;      // C
  int v = 16;         // act port bytes, max(R, C)
  int acc_bits = 32;  // A
  Rounding rounding = Rounding::HalfUp;
  std::int64_t act_bytes = 4096, param_bytes = 1024, acc_bytes = 4096;
};

// A hardware config with these parameters (rows = v, so that max(R, C) = v) and small SRAMs.
HwConfig post_hw_config(const PostParams& p);

// Sizes the harness memories like the machine's and copies the machine's contents into them.
void copy_memories(Machine& m, Memories& mem);

// "" when the harness memories equal the machine's; else the first mismatching act byte, or acc entry and lane,
// with both values, prefixed by `what` (e.g. the instruction).
std::string compare_memories(Machine& m, const Memories& mem, const std::string& what);

}  // namespace lutsim::rtl
