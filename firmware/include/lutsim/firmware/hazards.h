// The hazard checker: does every instruction that reads memory find there the data the program meant, whatever the
// timing? The queues run concurrently and only the dependency tokens (and each queue's own order) order an
// instruction of one queue against another's (docs/isa.md section 2). A missing token goes unseen by the ISA
// interpreter, which runs one instruction at a time, and by the SystemC model, which computes an instruction's data
// when it starts; only the RTL, if it is run, gives other bits. This checker finds it from the program alone.
//
// It walks the program in program order (a legal sequential execution), keeps for every instruction a vector
// clock over the three queues (the last instruction of each queue known to have completed before it starts: its
// own queue's predecessors and, through each popped token, the pusher and everything before the pusher), and for
// every byte range of each SRAM and of DRAM the instruction that last wrote it and the last reader of each queue.
// A read of bytes whose writer is not ordered before the reader (read after write), or a write of bytes whose
// earlier writer or readers are not ordered before the writer (write after write, write after read), is a hazard.
// Bytes written by the host before the run (the parameter image, the input) are ordered before every instruction.
//
// Access ranges follow docs/isa.md section 3: exact element runs for DRAM, and for the SRAMs the span from an
// instruction's first to its last byte (the compiler keeps concurrently used buffers apart). The accumulator SRAM is
// touched by the compute queue alone, so it cannot race.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lutsim/firmware/program.h"

namespace lutsim {

enum class HazardKind : std::uint8_t { ReadAfterWrite, WriteAfterWrite, WriteAfterRead, TokenUnderflow };
std::string_view hazard_kind_name(HazardKind k);  // "read after write", ...

struct Hazard {
  HazardKind kind = HazardKind::ReadAfterWrite;
  std::int32_t pc = -1;     // the later instruction (the reader, or the second writer)
  std::int32_t other = -1;  // the earlier one it is not ordered after (-1 for a token underflow)
  std::string space;        // "act", "wgt", "param" or "dram"
  std::uint64_t lo = 0, hi = 0;  // the bytes [lo, hi) both touch
  // One line naming both instructions, their pcs, their layers and the range.
  std::string describe(const Program& p) const;
};

// Every hazard of the program, in program order, at most `max` of them.
std::vector<Hazard> find_hazards(const Program& p, std::size_t max = 16);

// Throws Error "<what>: hazard: ..." (the first hazard's describe()) when the program has one.
void check_hazards(const Program& p, const std::string& what);

}  // namespace lutsim
