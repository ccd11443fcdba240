#include "controller.h"

#include <algorithm>
#include <string>

namespace lutsim::sim {

using sc_core::sc_time;
using sc_core::wait;

Controller::Controller(const sc_core::sc_module_name& name, RunContext& ctx) : sc_module(name), ctx_(ctx) {
  SC_METHOD(trace_method);
  sensitive << trace_changed_;
  SC_THREAD(fetch_thread);
  SC_METHOD(retire_method);
  sensitive << retire_eq_;
  dont_initialize();
  SC_THREAD(watchdog_thread);
}

// Fetch: one instruction per cycle, visible in its queue 2 cycles after fetch; stalls while the queue is full
// (an entry is reserved from dispatch until its unit takes it).
void Controller::fetch_thread() {
  for (;;) {
    wait(start);
    const Program& p = *ctx_.prog;
    const auto Q = static_cast<std::size_t>(ctx_.hw.queue_depth);
    for (std::uint32_t pc = 0; pc < p.code.size() && !ctx_.failed; ++pc) {
      InsnQueue& q = ctx_.queues[static_cast<std::size_t>(isa::queue_of(p.code[pc]))];
      if (q.entries.size() >= Q) {
        const std::int64_t s = now_cycles();
        while (q.entries.size() >= Q && !ctx_.failed) wait(q.popped);
        ctx_.record(Unit::Fetch, s, now_cycles(), stall_kind(Stall::QueueFull));
      }
      if (ctx_.failed) break;
      const std::int64_t t = now_cycles();
      ctx_.record(Unit::Fetch, t, t + 1, kBusy, static_cast<std::int32_t>(pc));
      q.entries.push_back({pc, t + 2});
      q.pushed.notify(cycles(2));
      wait(cycle_time());
    }
  }
}

std::uint32_t Controller::take(int queue, const std::function<Unit(std::uint32_t)>& unit,
                               const std::function<std::int64_t(std::uint32_t)>& ready,
                               const std::function<Stall(int)>& reason) {
  InsnQueue& q = ctx_.queues[static_cast<std::size_t>(queue)];
  for (;;) {
    while (q.entries.empty()) wait(q.pushed);
    const InsnQueue::Entry e = q.entries.front();
    if (e.arrival > now_cycles()) {
      wait(cycles(e.arrival - now_cycles()));
      continue;
    }
    const Unit u = unit(e.pc);
    const std::int64_t r = ready(e.pc);
    if (r > now_cycles()) {
      const std::int64_t s = now_cycles();
      wait(cycles(r - s));
      ctx_.record(u, s, now_cycles(), stall_kind(Stall::Compute), static_cast<std::int32_t>(e.pc));
    }
    const TokenFlags f = token_flags(ctx_.prog->code[e.pc]);
    auto missing = [&]() {
      for (int t : f.pops)
        if (t >= 0 && ctx_.tokens[static_cast<std::size_t>(t)] == 0) return t;
      return -1;
    };
    for (int t = missing(); t >= 0; t = missing()) {
      const std::int64_t s = now_cycles();
      const Stall why = reason(t);
      wait(ctx_.tokens_changed);
      ctx_.record(u, s, now_cycles(), stall_kind(why), static_cast<std::int32_t>(e.pc));
      if (ctx_.failed) wait(ctx_.never);  // parked for good: the run is over
    }
    for (int t : f.pops)
      if (t >= 0) --ctx_.tokens[static_cast<std::size_t>(t)];
    q.entries.pop_front();
    q.popped.notify(sc_core::SC_ZERO_TIME);
    ctx_.progress(e.pc, true);
    in_flight_[queue] = static_cast<std::int32_t>(e.pc);
    last_layer_ = ctx_.layer_of[e.pc];
    trace_changed_.notify(sc_core::SC_ZERO_TIME);
    return e.pc;
  }
}

void Controller::complete(std::uint32_t pc, std::int64_t done_cycle) {
  const std::int64_t now = now_cycles();
  ctx_.insn_done[pc] = done_cycle;
  pending_.emplace(done_cycle, Action{pc, false});
  retire_eq_.notify(cycles(done_cycle - now));
  pending_.emplace(done_cycle + 1, Action{pc, true});
  retire_eq_.notify(cycles(done_cycle + 1 - now));
}

// Retires instructions and makes their pushes visible. A push into a token queue holding 255 tokens waits a cycle
// and tries again (the pusher's queue keeps running: the model's one simplification of section 4's rule).
void Controller::retire_method() {
  const std::int64_t now = now_cycles();
  bool changed = false;
  while (!pending_.empty() && pending_.begin()->first <= now) {
    const Action a = pending_.begin()->second;
    pending_.erase(pending_.begin());
    if (!a.push) {
      ++ctx_.completed;
      ctx_.progress(a.pc, false);
      const auto q = static_cast<std::size_t>(isa::queue_of(ctx_.prog->code[a.pc]));
      if (in_flight_[q] == static_cast<std::int32_t>(a.pc)) in_flight_[q] = -1;
      trace_changed_.notify(sc_core::SC_ZERO_TIME);
      if (ctx_.completed == ctx_.prog->code.size()) {
        ctx_.end_cycle = now;
        ctx_.image_done = true;
        done.notify(sc_core::SC_ZERO_TIME);
      }
      continue;
    }
    const TokenFlags f = token_flags(ctx_.prog->code[a.pc]);
    bool full = false;
    for (int t : f.pushes)
      if (t >= 0 && ctx_.tokens[static_cast<std::size_t>(t)] >= isa::kTokenMax) full = true;
    if (full) {
      pending_.emplace(now + 1, a);
      retire_eq_.notify(cycle_time());
      continue;
    }
    for (int t : f.pushes)
      if (t >= 0) ++ctx_.tokens[static_cast<std::size_t>(t)];
    changed = true;
  }
  if (changed) {
    ctx_.tokens_changed.notify(sc_core::SC_ZERO_TIME);
    trace_changed_.notify(sc_core::SC_ZERO_TIME);
  }
}

void Controller::trace_method() {
  for (int q = 0; q < isa::kNumQueues; ++q) queue_pc[q].write(in_flight_[q]);
  for (std::size_t t = 0; t < 4; ++t) token_count[t].write(ctx_.tokens[t]);
  layer.write(last_layer_);
}

void Controller::trace(sc_core::sc_trace_file* tf) const {
  static const char* const kQueue[isa::kNumQueues] = {"load_pc", "compute_pc", "store_pc"};
  for (int q = 0; q < isa::kNumQueues; ++q) sc_core::sc_trace(tf, queue_pc[q], kQueue[q]);
  for (int t = 0; t < 4; ++t) sc_core::sc_trace(tf, token_count[t], std::string("tokens_") + token_name(t));
  sc_core::sc_trace(tf, layer, "layer");
}

// Wakes `watchdog` cycles after the last progress while an image runs; no instruction started or completed since
// then stops the run with the machine's state.
void Controller::watchdog_thread() {
  for (;;) {
    wait(start);
    while (!ctx_.image_done && !ctx_.failed) {
      wait(cycles(std::max<std::int64_t>(1, ctx_.last_progress + ctx_.watchdog - now_cycles())), done);
      if (ctx_.image_done || ctx_.failed) break;
      if (now_cycles() - ctx_.last_progress >= ctx_.watchdog) {
        ctx_.fail("watchdog: no instruction started or completed for " + std::to_string(ctx_.watchdog) +
                  " cycles (cycle " + std::to_string(now_cycles() - ctx_.image_start) + " of the image)\n" +
                  ctx_.state_dump());
        done.notify(sc_core::SC_ZERO_TIME);
      }
    }
  }
}

}  // namespace lutsim::sim
