// The DRAM timing model of the lutsim accelerator (docs/architecture.md sections 5 and 11), in plain C++ with no
// SystemC dependency, so that the SystemC model (a TLM-2.0 target wraps it) and a Verilator harness of the RTL
// (which drives it cycle by cycle from a valid/ready DRAM interface) share one definition of DRAM timing.
//
// The model, with the config's B (dram.bytes_per_cycle), L (dram.latency_cycles), M (dram.max_outstanding) and
// Z (dram.burst_bytes):
//   - A burst moves 1..Z bytes, reads and writes alike. At most one burst issues per cycle, and only while fewer
//     than M bursts are in flight.
//   - A burst issued in cycle t moves its data over one data bus shared by reads and writes, at B bytes per cycle,
//     starting at cycle max(t + L, the cycle the bus frees up), in issue order. With a fractional B a burst may
//     start in the middle of a cycle, sharing that cycle with the end of the previous burst.
//   - A burst is in flight from its issue cycle until its done cycle, the cycle after its last byte moved
//     (done = last_data + 1). Writes are timed like reads: the write is acknowledged when its last byte is in.
// So a contiguous transfer of n bytes issued from cycle t, with enough bursts in flight to cover the latency,
// completes at t + L + ceil(n / B): the table's `2 + L + ceil(n / B)` for a LOAD whose 2 setup cycles precede t.
//
// Two ways to drive it, with the same results:
//   - transaction level (SystemC): for each burst, t = earliest_issue(now); last = issue(t, bytes, write); the
//     requester waits until last + 1;
//   - cycle by cycle (RTL harness): each cycle, if a request is valid and can_issue(cycle), accept it (ready) with
//     issue(cycle, ...), and return its data beats / write response from first_data to last_data of the burst
//     (last_burst()).
// Calls to issue() must come with non-decreasing `now`.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "lutsim/hw/config.h"

namespace lutsim::sim {

struct DramParams {
  double bytes_per_cycle = 16.0;  // B, shared by reads and writes, > 0 and <= 4096
  std::int64_t latency = 100;     // L, cycles from issue to the first data, 0..1'000'000
  int max_outstanding = 8;        // M, bursts in flight at once, 1..1024
  int burst_bytes = 64;           // Z, largest burst, a power of two in 1..4096

  static DramParams from(const HwConfig& hw);
  // Throws lutsim::Error naming the parameter, its value and the allowed range.
  void validate() const;
};

// One issued burst, in cycles.
struct DramBurst {
  std::int64_t issue = 0;       // cycle the request was accepted
  std::int64_t first_data = 0;  // cycle the first byte moves (>= issue + L)
  std::int64_t last_data = 0;   // cycle the last byte moves
  std::int64_t bytes = 0;
  bool write = false;
  std::int64_t done() const { return last_data + 1; }
};

struct DramStats {
  std::int64_t read_bytes = 0, write_bytes = 0;
  std::int64_t read_bursts = 0, write_bursts = 0;
  std::int64_t bus_busy_bytes = 0;  // = read_bytes + write_bytes; bus occupancy is this / B cycles
};

class DramModel {
 public:
  explicit DramModel(const DramParams& p);  // validates p
  const DramParams& params() const { return p_; }

  // The earliest cycle >= now at which a burst may issue: one issue per cycle, fewer than M in flight. Bursts
  // complete in issue order (one shared bus), so this depends only on the issued bursts, not on their sizes.
  std::int64_t earliest_issue(std::int64_t now) const;
  bool can_issue(std::int64_t now) const { return earliest_issue(now) == now; }
  // Issues a burst of `bytes` (1..Z) in cycle `now`, which must equal earliest_issue(now) or lie after it; returns
  // the cycle in which its last byte moves. Throws lutsim::Error on a burst size outside 1..Z, an issue while M
  // bursts are in flight or two issues in one cycle, or `now` earlier than a previous issue.
  std::int64_t issue(std::int64_t now, std::int64_t bytes, bool write);
  const DramBurst& last_burst() const { return last_; }

  // Bursts issued and not done at cycle `now` (issue <= now < done), for `now` at or after the latest issue.
  int in_flight(std::int64_t now) const;
  // The cycle at which every issued burst is done (0 before any issue).
  std::int64_t drained_at() const { return drained_; }

  const DramStats& stats() const { return stats_; }
  // Forgets every burst and the statistics; the next issue may be at any cycle >= 0.
  void reset();

  // Splits the contiguous range [addr, addr + n) into bursts of at most z bytes that do not cross a z-aligned
  // boundary (section 5), appending their sizes to `out`; returns the number of bursts.
  static std::int64_t split(std::uint64_t addr, std::uint64_t n, int z, std::vector<std::int64_t>* out = nullptr);

 private:
  DramParams p_;
  // (issue, done) cycles of bursts possibly still in flight, oldest first (done non-decreasing); bursts done by
  // the latest issue are dropped.
  std::deque<std::pair<std::int64_t, std::int64_t>> done_;
  std::int64_t last_issue_ = -1;
  // The bus position (in cycles, possibly fractional with a fractional B) from which it is free.
  double bus_free_ = 0.0;
  std::int64_t drained_ = 0;
  DramBurst last_;
  DramStats stats_;
};

}  // namespace lutsim::sim
