// The simulation report (report_schema.md, docs/sim.md): JSON and a readable table.
#include <cstdio>
#include <string>

#include "lutsim/sim/simulator.h"

namespace lutsim::sim {

UnitTime& UnitTime::operator+=(const UnitTime& o) {
  busy += o.busy;
  stalled += o.stalled;
  idle += o.idle;
  for (std::size_t i = 0; i < stall.size(); ++i) stall[i] += o.stall[i];
  return *this;
}

double pe_utilization(const Counters& c, const HwConfig& hw, std::int64_t cycles) {
  if (cycles <= 0) return 0.0;
  return static_cast<double>(c.macs) / (static_cast<double>(hw.rows) * hw.cols * static_cast<double>(cycles));
}

double dram_bandwidth(const Counters& c, std::int64_t cycles) {
  if (cycles <= 0) return 0.0;
  return static_cast<double>(c.dram_read_bytes + c.dram_write_bytes) / static_cast<double>(cycles);
}

namespace {

using nlohmann::ordered_json;

ordered_json units_json(const std::array<UnitTime, kNumUnits>& u) {
  ordered_json j = ordered_json::object();
  for (int i = 0; i < kNumUnits; ++i) {
    const UnitTime& t = u[static_cast<std::size_t>(i)];
    ordered_json r = ordered_json::object();
    for (int s = 0; s < kNumStalls; ++s) r[std::string(stall_name(static_cast<Stall>(s)))] = t.stall[static_cast<std::size_t>(s)];
    j[std::string(unit_name(static_cast<Unit>(i)))] = {
        {"busy", t.busy}, {"stalled", t.stalled}, {"idle", t.idle}, {"stall_reasons", r}};
  }
  return j;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string pad(std::string s, std::size_t w, bool right = true) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

}  // namespace

ordered_json SimReport::to_json() const {
  ordered_json j = report_head_json(network, hw, images);
  j["total"] = {{"cycles", cycles},
                {"counters", counters_json(counters, true)},
                {"units", units_json(units)},
                {"pe_utilization", pe_utilization(counters, hw, cycles)},
                {"dram_bandwidth_bytes_per_cycle", dram_bandwidth(counters, cycles)}};
  ordered_json ls = ordered_json::array();
  for (const LayerReport& l : layers) {
    // Per-layer cycles summed over the images (start/end are the last image's window).
    const std::int64_t sum = l.units[0].busy + l.units[0].stalled + l.units[0].idle;
    ls.push_back({{"name", l.name},
                  {"op", std::string(op_name(l.op))},
                  {"first_pc", l.first_pc},
                  {"end_pc", l.end_pc},
                  {"start_cycle", l.start_cycle},
                  {"end_cycle", l.end_cycle},
                  {"cycles", sum},
                  {"counters", counters_json(l.counters, true)},
                  {"units", units_json(l.units)},
                  {"pe_utilization", pe_utilization(l.counters, hw, sum)},
                  {"dram_bandwidth_bytes_per_cycle", dram_bandwidth(l.counters, sum)}});
  }
  j["layers"] = ls;
  return j;
}

std::string SimReport::table() const {
  std::string s;
  const double us = hw.clock_mhz > 0 ? static_cast<double>(cycles) / hw.clock_mhz : 0.0;
  s += "network " + network + " on hw " + hw.name + " (" + std::to_string(hw.rows) + "x" + std::to_string(hw.cols) +
       " PEs, " + fmt("%g", hw.clock_mhz) + " MHz), " + std::to_string(images) + (images == 1 ? " image" : " images") +
       ": " + std::to_string(cycles) + " cycles (" + fmt("%.1f", us) + " us)\n\n";
  s += pad("layer", 22, false) + pad("op", 15, false) + pad("cycles", 11) + pad("share", 7) + pad("PE util", 8) +
       pad("DRAM B/c", 9) + pad("DRAM rd", 11) + pad("DRAM wr", 10) + "  bound by\n";
  auto row = [&](const std::string& name, const std::string& op, const Counters& c,
                 const std::array<UnitTime, kNumUnits>& u) {
    const std::int64_t cyc = u[0].busy + u[0].stalled + u[0].idle;
    int best = 1;
    for (int i = 1; i < kNumUnits; ++i)
      if (u[static_cast<std::size_t>(i)].busy > u[static_cast<std::size_t>(best)].busy) best = i;
    std::string nm = name.size() > 21 ? name.substr(0, 21) : name;
    s += pad(nm, 22, false) + pad(op, 15, false) + pad(std::to_string(cyc), 11) +
         pad(fmt("%.1f%%", cycles ? 100.0 * static_cast<double>(cyc) / static_cast<double>(cycles) : 0.0), 7) +
         pad(fmt("%.2f", pe_utilization(c, hw, cyc)), 8) + pad(fmt("%.2f", dram_bandwidth(c, cyc)), 9) +
         pad(std::to_string(c.dram_read_bytes), 11) + pad(std::to_string(c.dram_write_bytes), 10) + "  " +
         (cyc ? std::string(unit_name(static_cast<Unit>(best))) : "-") + "\n";
  };
  for (const LayerReport& l : layers) row(l.name, std::string(op_name(l.op)), l.counters, l.units);
  row("total", "", counters, units);
  s += "\n" + pad("unit", 12, false) + pad("busy", 12) + pad("stalled", 12) + pad("idle", 12) + "   stalls: dram / token / compute / queue_full\n";
  for (int i = 0; i < kNumUnits; ++i) {
    const UnitTime& t = units[static_cast<std::size_t>(i)];
    s += pad(std::string(unit_name(static_cast<Unit>(i))), 12, false) + pad(std::to_string(t.busy), 12) +
         pad(std::to_string(t.stalled), 12) + pad(std::to_string(t.idle), 12) + "   " + std::to_string(t.stall[0]) +
         " / " + std::to_string(t.stall[1]) + " / " + std::to_string(t.stall[2]) + " / " + std::to_string(t.stall[3]) +
         "\n";
  }
  s += "\nPE-array utilization " + fmt("%.3f", pe_utilization(counters, hw, cycles)) + ", DRAM " +
       std::to_string(counters.dram_read_bytes) + " B read, " + std::to_string(counters.dram_write_bytes) +
       " B written, " + fmt("%.2f", dram_bandwidth(counters, cycles)) + " B/cycle achieved of " +
       fmt("%g", hw.dram_bytes_per_cycle) + "\n";
  return s;
}

}  // namespace lutsim::sim
