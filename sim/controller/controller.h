// The controller (docs/architecture.md section 4): fetch, decode and dispatch into the load, compute and store
// queues; the dependency tokens; retirement of completed instructions; the watchdog.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <map>

#include "../common/context.h"

namespace lutsim::sim {

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(const sc_core::sc_module_name& name, RunContext& ctx);

  // Notified by the host to start fetching an image's program.
  sc_core::sc_event start;
  // Notified when every instruction of the image has completed, or the run failed.
  sc_core::sc_event done;

  // Called by a queue's unit in its thread: waits for the queue's head instruction to arrive, until `ready(pc)`
  // (a cycle; structural hazards of the unit), and for its tokens; then pops the tokens and the entry and returns
  // the pc. Stalls are recorded against unit(pc) with the reason reason(pc, token) for token waits.
  std::uint32_t take(int queue, const std::function<Unit(std::uint32_t)>& unit,
                     const std::function<std::int64_t(std::uint32_t)>& ready,
                     const std::function<Stall(int token)>& reason);
  // The instruction at pc completes at cycle `done_cycle` (>= now): it retires then and its pushes become visible
  // one cycle later.
  void complete(std::uint32_t pc, std::int64_t done_cycle);

  // State for a VCD waveform (SimOptions::vcd), written whenever it changes: each queue's instruction in flight
  // (its pc from the cycle it starts to the cycle it retires; -1 when none), the four token counts (l2c, c2l,
  // c2s, s2c) and the layer of the instruction started last.
  sc_core::sc_signal<std::int32_t> queue_pc[isa::kNumQueues];
  sc_core::sc_signal<std::int32_t> token_count[4];
  sc_core::sc_signal<std::int32_t> layer;
  // Adds those signals to a trace file, named load_pc, compute_pc, store_pc, tokens_l2c ..., layer.
  void trace(sc_core::sc_trace_file* tf) const;

 private:
  void fetch_thread();
  void retire_method();
  void watchdog_thread();

  RunContext& ctx_;
  struct Action {
    std::uint32_t pc;
    bool push;  // false: retire; true: make the pushes visible
  };
  std::multimap<std::int64_t, Action> pending_;
  // The traced state, kept here by take() and retire_method() and written to the signals by trace_method() alone
  // (a signal takes one writer per delta cycle).
  std::int32_t in_flight_[isa::kNumQueues] = {-1, -1, -1};
  std::int32_t last_layer_ = -1;
  sc_core::sc_event trace_changed_;
  void trace_method();
  sc_core::sc_event_queue retire_eq_;
};

}  // namespace lutsim::sim
