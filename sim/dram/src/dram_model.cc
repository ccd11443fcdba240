#include "lutsim/sim/dram_model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "lutsim/model/error.h"

namespace lutsim::sim {

namespace {
// Bus positions are sums of burst lengths bytes / B; a tolerance keeps a position that is an integer in exact
// arithmetic from rounding up to the next cycle.
constexpr double kEps = 1e-9;
std::int64_t floor_cycle(double x) { return static_cast<std::int64_t>(std::floor(x + kEps)); }
std::int64_t ceil_cycle(double x) { return static_cast<std::int64_t>(std::ceil(x - kEps)); }
}  // namespace

DramParams DramParams::from(const HwConfig& hw) {
  DramParams p;
  p.bytes_per_cycle = hw.dram_bytes_per_cycle;
  p.latency = hw.dram_latency_cycles;
  p.max_outstanding = hw.dram_max_outstanding;
  p.burst_bytes = hw.dram_burst_bytes;
  return p;
}

void DramParams::validate() const {
  auto bad = [](const std::string& field, const std::string& value, const std::string& range) {
    throw Error("DRAM model: parameter " + field + " = " + value + " is outside " + range);
  };
  if (!(bytes_per_cycle > 0.0) || !(bytes_per_cycle <= 4096.0) || !std::isfinite(bytes_per_cycle))
    bad("dram.bytes_per_cycle (B)", std::to_string(bytes_per_cycle), "(0, 4096]");
  if (latency < 0 || latency > 1'000'000) bad("dram.latency_cycles (L)", std::to_string(latency), "0..1000000");
  if (max_outstanding < 1 || max_outstanding > 1024)
    bad("dram.max_outstanding (M)", std::to_string(max_outstanding), "1..1024");
  if (burst_bytes < 1 || burst_bytes > 4096 || (burst_bytes & (burst_bytes - 1)) != 0)
    bad("dram.burst_bytes (Z)", std::to_string(burst_bytes), "powers of two in 1..4096");
}

DramModel::DramModel(const DramParams& p) : p_(p) { p_.validate(); }

void DramModel::reset() {
  done_.clear();
  last_issue_ = -1;
  bus_free_ = 0.0;
  drained_ = 0;
  last_ = DramBurst{};
  stats_ = DramStats{};
}

std::int64_t DramModel::earliest_issue(std::int64_t now) const {
  std::int64_t t = std::max(now, last_issue_ + 1);
  // Done cycles are non-decreasing: the bursts still in flight at t are a suffix; when M or more are, the
  // (count - M + 1) oldest of them must finish first.
  const auto first = std::upper_bound(done_.begin(), done_.end(), t,
                                      [](std::int64_t v, const auto& e) { return v < e.second; });
  const auto live = static_cast<std::size_t>(done_.end() - first);
  const auto m = static_cast<std::size_t>(p_.max_outstanding);
  if (live >= m) t = std::max(t, done_[done_.size() - m].second);
  return t;
}

std::int64_t DramModel::issue(std::int64_t now, std::int64_t bytes, bool write) {
  if (bytes < 1 || bytes > p_.burst_bytes)
    throw Error("DRAM model: a burst of " + std::to_string(bytes) + " bytes at cycle " + std::to_string(now) +
                " is outside 1.." + std::to_string(p_.burst_bytes) + " (dram.burst_bytes)");
  if (now <= last_issue_)
    throw Error("DRAM model: a burst issued at cycle " + std::to_string(now) + " after one issued at cycle " +
                std::to_string(last_issue_) + " (one issue per cycle, in time order)");
  const std::int64_t ok = earliest_issue(now);
  if (ok != now)
    throw Error("DRAM model: a burst issued at cycle " + std::to_string(now) + " while " +
                std::to_string(p_.max_outstanding) + " bursts are in flight (dram.max_outstanding); the earliest "
                "issue is cycle " + std::to_string(ok));
  while (!done_.empty() && done_.front().second <= now) done_.pop_front();
  const double start = std::max(static_cast<double>(now + p_.latency), bus_free_);
  const double end = start + static_cast<double>(bytes) / p_.bytes_per_cycle;
  bus_free_ = end;
  last_.issue = now;
  last_.first_data = floor_cycle(start);
  last_.last_data = std::max(last_.first_data, ceil_cycle(end) - 1);
  last_.bytes = bytes;
  last_.write = write;
  last_issue_ = now;
  done_.emplace_back(now, last_.done());
  drained_ = std::max(drained_, last_.done());
  (write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  ++(write ? stats_.write_bursts : stats_.read_bursts);
  stats_.bus_busy_bytes += bytes;
  return last_.last_data;
}

int DramModel::in_flight(std::int64_t now) const {
  int n = 0;
  for (const auto& [issued, done] : done_)
    if (issued <= now && now < done) ++n;
  return n;
}

std::int64_t DramModel::split(std::uint64_t addr, std::uint64_t n, int z, std::vector<std::int64_t>* out) {
  std::int64_t count = 0;
  const auto zz = static_cast<std::uint64_t>(z);
  while (n > 0) {
    const std::uint64_t len = std::min<std::uint64_t>(n, zz - addr % zz);
    if (out) out->push_back(static_cast<std::int64_t>(len));
    addr += len;
    n -= len;
    ++count;
  }
  return count;
}

}  // namespace lutsim::sim
