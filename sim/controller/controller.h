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
  sc_core::sc_event_queue retire_eq_;
};

}  // namespace lutsim::sim
