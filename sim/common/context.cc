#include "context.h"

#include <algorithm>

namespace lutsim::sim {

const char* token_name(int t) {
  static const char* const kNames[4] = {"l2c", "c2l", "c2s", "s2c"};
  return t >= 0 && t < 4 ? kNames[t] : "?";
}

TokenFlags token_flags(const isa::Instruction& in) {
  const isa::Queue q = isa::queue_of(in);
  TokenFlags f;
  const int pop_prev = q == isa::Queue::Compute ? kL2C : q == isa::Queue::Store ? kC2S : -1;
  const int pop_next = q == isa::Queue::Load ? kC2L : q == isa::Queue::Compute ? kS2C : -1;
  const int push_prev = q == isa::Queue::Compute ? kC2L : q == isa::Queue::Store ? kS2C : -1;
  const int push_next = q == isa::Queue::Load ? kL2C : q == isa::Queue::Compute ? kC2S : -1;
  if (in.deps.pop_prev) f.pops[0] = pop_prev;
  if (in.deps.pop_next) f.pops[1] = pop_next;
  if (in.deps.push_prev) f.pushes[0] = push_prev;
  if (in.deps.push_next) f.pushes[1] = push_next;
  return f;
}

void RunContext::record(Unit u, std::int64_t start, std::int64_t end, int kind, std::int32_t pc, int phase) {
  auto& v = activity[static_cast<std::size_t>(u)];
  if (!v.empty() && v.back().end > start) {
    if (kind != kBusy) {
      start = v.back().end;  // the unit was still busy (a drain): the stall begins after it
    } else {
      v.back().end = std::max(v.back().start, start);  // a new instruction cuts the previous one's drain short
      if (v.back().end == v.back().start) v.pop_back();
    }
  }
  if (end <= start) return;
  if (!v.empty() && v.back().end == start && v.back().kind == kind && v.back().pc == pc && v.back().phase == phase) {
    v.back().end = end;
    return;
  }
  v.push_back({start, end, kind, pc, phase});
}

void RunContext::progress(std::uint32_t pc, bool started) {
  last_progress = now_cycles();
  if (!started) return;
  insn_start[pc] = last_progress;
  last_issued.push_back({pc, last_progress});
  if (last_issued.size() > 8) last_issued.pop_front();
}

Counters RunContext::execute(std::uint32_t pc) {
  const Counters before = machine->stats();
  machine->execute(prog->code[pc], pc);
  const Counters d = machine->stats() - before;
  counters_of(pc) += d;
  return d;
}

void RunContext::fail(const std::string& msg) {
  if (failed) return;
  failed = true;
  error = msg;
}

std::string RunContext::with_layer(std::uint32_t pc, const std::string& msg) const {
  const std::string plain = "pc " + std::to_string(pc) + ":";
  if (msg.compare(0, plain.size(), plain) == 0) return where(pc) + ":" + msg.substr(plain.size());
  return msg;
}

std::string RunContext::where(std::uint32_t pc) const {
  std::string w = "pc " + std::to_string(pc);
  const int l = pc < layer_of.size() ? layer_of[pc] : -1;
  if (l >= 0) w += " (layer '" + prog->layers[static_cast<std::size_t>(l)].name + "')";
  return w;
}

std::string RunContext::state_dump() const {
  std::string s = "  tokens: l2c=" + std::to_string(tokens[0]) + " c2l=" + std::to_string(tokens[1]) +
                  " c2s=" + std::to_string(tokens[2]) + " s2c=" + std::to_string(tokens[3]) + "\n";
  for (int q = 0; q < isa::kNumQueues; ++q) {
    const InsnQueue& iq = queues[static_cast<std::size_t>(q)];
    s += "  " + std::string(isa::queue_name(static_cast<isa::Queue>(q))) + " queue: " +
         std::to_string(iq.entries.size()) + "/" + std::to_string(hw.queue_depth) + " entries";
    if (!iq.entries.empty()) {
      const std::uint32_t pc = iq.entries.front().pc;
      const TokenFlags f = token_flags(prog->code[pc]);
      std::string waits;
      for (int t : f.pops)
        if (t >= 0 && tokens[static_cast<std::size_t>(t)] == 0) waits += std::string(waits.empty() ? "" : ", ") + token_name(t);
      s += ", head " + where(pc) + (waits.empty() ? "" : " waiting for token " + waits) + ": " +
           isa::to_string(prog->code[pc]);
    }
    s += "\n";
  }
  std::string running;
  for (std::size_t pc = 0; pc < insn_start.size(); ++pc)
    if (insn_start[pc] >= 0 && (insn_done[pc] < 0 || insn_done[pc] > now_cycles()))
      running += "    " + where(static_cast<std::uint32_t>(pc)) + "\n";
  if (!running.empty()) s += "  started and not completed:\n" + running;
  s += "  last instructions issued (newest last):\n";
  for (const LastIssued& li : last_issued)
    s += "    cycle " + std::to_string(li.cycle - image_start) + ": " + where(li.pc) + ": " +
         isa::to_string(prog->code[li.pc]) + "\n";
  return s;
}

}  // namespace lutsim::sim
