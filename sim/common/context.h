// The state the SystemC modules share during a run: the program, the machine holding the data, the dependency
// tokens, the instruction queues, the activity record and the counters. Internal to lutsim_sim.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "lutsim/firmware/interpreter.h"
#include "lutsim/firmware/program.h"
#include "lutsim/sim/dram_model.h"
#include "lutsim/sim/simulator.h"

namespace lutsim::sim {

// One cycle of simulated time. Cycles are abstract: clock_mhz only scales reports.
inline const sc_core::sc_time& cycle_time() {
  static const sc_core::sc_time t(1, sc_core::SC_NS);
  return t;
}
inline std::int64_t now_cycles() {
  return static_cast<std::int64_t>(sc_core::sc_time_stamp().value() / cycle_time().value());
}
inline sc_core::sc_time cycles(std::int64_t n) { return cycle_time() * static_cast<double>(n); }

// What a unit does in a segment of time: busy, or stalled for a reason (Stall + 1).
inline constexpr int kBusy = 0;
inline constexpr int stall_kind(Stall s) { return 1 + static_cast<int>(s); }

struct Segment {
  std::int64_t start = 0, end = 0;  // absolute cycles [start, end)
  int kind = kBusy;
  std::int32_t pc = -1;             // instruction, or -1
  int phase = 0;                    // GEMM: 0 weight load, 1 stream, 2 drain (PE-array states)
};

// Token queues l2c, c2l, c2s, s2c (docs/architecture.md section 4).
enum TokenId { kL2C = 0, kC2L = 1, kC2S = 2, kS2C = 3 };
const char* token_name(int t);

// The token queues an instruction pops and pushes (-1: none).
struct TokenFlags {
  std::array<int, 2> pops{-1, -1};
  std::array<int, 2> pushes{-1, -1};
};
TokenFlags token_flags(const isa::Instruction& in);

// One instruction queue of depth Q. The fetch unit reserves an entry when it dispatches an instruction, which
// arrives (is visible to the queue's unit) 2 cycles later.
struct InsnQueue {
  struct Entry {
    std::uint32_t pc;
    std::int64_t arrival;
  };
  std::deque<Entry> entries;
  sc_core::sc_event pushed, popped;
};

struct LastIssued {
  std::uint32_t pc;
  std::int64_t cycle;
};

struct RunContext {
  const Program* prog = nullptr;
  HwConfig hw;
  Machine* machine = nullptr;
  std::vector<int> layer_of;  // layer index by pc, -1 outside layers
  std::int64_t watchdog = 1'000'000;
  bool record_timeline = false;

  // Per image.
  std::int64_t image_start = 0;
  std::vector<Counters> layer_counters;  // by layer, then one more for instructions outside every layer
  std::array<std::vector<Segment>, kNumUnits> activity;
  std::vector<std::int64_t> insn_start, insn_done;  // absolute cycles by pc, -1 before
  std::size_t completed = 0;
  std::int64_t last_progress = 0;
  std::deque<LastIssued> last_issued;  // the most recent instruction starts, newest last
  std::array<InsnQueue, isa::kNumQueues> queues;
  std::array<int, 4> tokens{};
  sc_core::sc_event tokens_changed;
  // Busy flags for stall attribution: a channel moving data, the compute queue with work in flight.
  bool load_busy = false, store_busy = false;
  std::int64_t compute_busy_until = 0;
  bool failed = false;
  sc_core::sc_event never;  // threads park on it after a failure
  bool image_done = false;
  std::string error;
  std::int64_t end_cycle = 0;

  // Executes instruction pc's data semantics on the machine (Machine::execute) and adds its functional counters to
  // its layer's; returns them. Throws lutsim::Error like Machine::execute.
  Counters execute(std::uint32_t pc);
  Counters& counters_of(std::uint32_t pc) {
    const int l = pc < layer_of.size() ? layer_of[pc] : -1;
    return layer_counters[l >= 0 ? static_cast<std::size_t>(l) : layer_counters.size() - 1];
  }
  // Adds a segment to a unit's record; a segment overlapping the unit's previous one cuts the previous one short
  // (a GEMM's drain overlaps the next instruction's start).
  void record(Unit u, std::int64_t start, std::int64_t end, int kind, std::int32_t pc = -1, int phase = 0);
  void progress(std::uint32_t pc, bool started);
  void fail(const std::string& msg);
  // An instruction's error ("pc N: ...") with the layer named: "pc N (layer 'L'): ...".
  std::string with_layer(std::uint32_t pc, const std::string& msg) const;
  // A readable dump of each queue's state, the tokens and the last instructions issued (watchdog errors).
  std::string state_dump() const;
  std::string where(std::uint32_t pc) const;
};

}  // namespace lutsim::sim
