#include "lutsim/firmware/counters.h"

#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

#include "lutsim/firmware/program.h"

namespace lutsim {

namespace {

template <std::size_t Op>
std::int64_t& insn_field(Counters& c) {
  return c.insns[Op];
}
template <std::int64_t Counters::*F>
std::int64_t& scalar_field(Counters& c) {
  return c.*F;
}
template <SramCounters Counters::*S, std::int64_t SramCounters::*F>
std::int64_t& sram_field(Counters& c) {
  return (c.*S).*F;
}

template <std::size_t... Op>
void add_insns(std::vector<CounterInfo>& v, std::index_sequence<Op...>) {
  (v.push_back({"instructions." + std::string(isa::opcode_name(static_cast<isa::Opcode>(Op))), CounterKind::Functional,
                &insn_field<Op>}),
   ...);
}

template <SramCounters Counters::*S>
void add_sram(std::vector<CounterInfo>& v, const std::string& mem) {
  v.push_back({"sram." + mem + ".read_bytes", CounterKind::Functional, &sram_field<S, &SramCounters::read_bytes>});
  v.push_back({"sram." + mem + ".write_bytes", CounterKind::Functional, &sram_field<S, &SramCounters::write_bytes>});
  v.push_back({"sram." + mem + ".reads", CounterKind::Timed, &sram_field<S, &SramCounters::reads>});
  v.push_back({"sram." + mem + ".writes", CounterKind::Timed, &sram_field<S, &SramCounters::writes>});
}

std::vector<CounterInfo> make_infos() {
  using K = CounterKind;
  std::vector<CounterInfo> v;
  add_insns(v, std::make_index_sequence<isa::kNumOpcodes>{});
  v.push_back({"macs", K::Functional, &scalar_field<&Counters::macs>});
  v.push_back({"lut_reads", K::Functional, &scalar_field<&Counters::lut_reads>});
  v.push_back({"lut_writes", K::Functional, &scalar_field<&Counters::lut_writes>});
  v.push_back({"pe_code_writes", K::Functional, &scalar_field<&Counters::pe_code_writes>});
  v.push_back({"pe_cycles.weight_load", K::Timed, &scalar_field<&Counters::pe_weight_load>});
  v.push_back({"pe_cycles.stream", K::Timed, &scalar_field<&Counters::pe_stream>});
  v.push_back({"pe_cycles.drain", K::Timed, &scalar_field<&Counters::pe_drain>});
  v.push_back({"pe_cycles.idle", K::Timed, &scalar_field<&Counters::pe_idle>});
  v.push_back({"acc_reads", K::Functional, &scalar_field<&Counters::acc_reads>});
  v.push_back({"acc_writes", K::Functional, &scalar_field<&Counters::acc_writes>});
  add_sram<&Counters::act>(v, "act");
  add_sram<&Counters::wgt>(v, "wgt");
  add_sram<&Counters::param>(v, "param");
  add_sram<&Counters::acc>(v, "acc");
  v.push_back({"dram.read_bytes", K::Functional, &scalar_field<&Counters::dram_read_bytes>});
  v.push_back({"dram.write_bytes", K::Functional, &scalar_field<&Counters::dram_write_bytes>});
  v.push_back({"dram.read_bursts", K::Timed, &scalar_field<&Counters::dram_read_bursts>});
  v.push_back({"dram.write_bursts", K::Timed, &scalar_field<&Counters::dram_write_bursts>});
  v.push_back({"ppu_lane_ops", K::Functional, &scalar_field<&Counters::ppu_lane_ops>});
  v.push_back({"vec_lane_ops", K::Functional, &scalar_field<&Counters::vec_lane_ops>});
  return v;
}

// The path of the counter whose field is `f` of `probe`.
std::string_view path_of(const Counters& probe, const std::int64_t& f) {
  for (const CounterInfo& i : counter_infos())
    if (&i.field(const_cast<Counters&>(probe)) == &f) return i.path;
  throw std::logic_error("counter_path: a field of Counters without a report name");
}

}  // namespace

std::span<const CounterInfo> counter_infos() {
  static const std::vector<CounterInfo> infos = make_infos();
  static_assert(sizeof(Counters) == (isa::kNumOpcodes + 32) * sizeof(std::int64_t),
                "a field of Counters is missing from make_infos()");
  return infos;
}

std::string_view counter_path(std::int64_t Counters::*field) {
  static const Counters probe{};
  return path_of(probe, probe.*field);
}

std::string_view counter_path(SramCounters Counters::*sram, std::int64_t SramCounters::*field) {
  static const Counters probe{};
  return path_of(probe, (probe.*sram).*field);
}

std::string_view counter_path(isa::Opcode op) {
  static const Counters probe{};
  return path_of(probe, probe.insns[static_cast<std::size_t>(op)]);
}

std::int64_t Counters::instructions() const {
  std::int64_t n = 0;
  for (std::int64_t v : insns) n += v;
  return n;
}

Counters& Counters::operator+=(const Counters& o) {
  for (const CounterInfo& i : counter_infos()) i.field(*this) += i.value(o);
  return *this;
}

Counters& Counters::operator-=(const Counters& o) {
  for (const CounterInfo& i : counter_infos()) i.field(*this) -= i.value(o);
  return *this;
}

Counters operator-(Counters a, const Counters& b) { return a -= b; }

nlohmann::ordered_json counters_json(const Counters& c, bool timed) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const CounterInfo& i : counter_infos()) {
    if (i.kind == CounterKind::Timed && !timed) continue;
    nlohmann::ordered_json* o = &j;
    std::string_view p = i.path;
    for (std::size_t dot; (dot = p.find('.')) != std::string_view::npos; p = p.substr(dot + 1))
      o = &(*o)[std::string(p.substr(0, dot))];
    (*o)[std::string(p)] = i.value(c);
  }
  return j;
}

Counters counters_from_json(const nlohmann::ordered_json& j) {
  Counters c;
  for (const CounterInfo& i : counter_infos()) {
    const nlohmann::ordered_json* o = &j;
    std::string_view p = i.path;
    for (std::size_t dot; o && (dot = p.find('.')) != std::string_view::npos; p = p.substr(dot + 1)) {
      const std::string key(p.substr(0, dot));
      o = o->is_object() && o->contains(key) ? &o->at(key) : nullptr;
    }
    const std::string key(p);
    if (o && o->is_object() && o->contains(key) && o->at(key).is_number()) i.field(c) = o->at(key).get<std::int64_t>();
  }
  return c;
}

nlohmann::ordered_json report_head_json(const std::string& network, const HwConfig& hw, std::int64_t images) {
  nlohmann::ordered_json j;
  j["format"] = "lutsim-sim-report";
  j["version"] = 1;
  j["network"] = network;
  nlohmann::ordered_json h = nlohmann::ordered_json::parse(hw.to_json());
  char fp[32];
  std::snprintf(fp, sizeof fp, "0x%016llx", static_cast<unsigned long long>(hw.fingerprint()));
  h["fingerprint"] = fp;
  j["hw"] = h;
  j["clock_mhz"] = hw.clock_mhz;
  j["images"] = images;
  return j;
}

nlohmann::ordered_json untimed_report_json(const Program& p, std::int64_t images, const Counters& total,
                                           std::span<const Counters> layers) {
  nlohmann::ordered_json j = report_head_json(p.network, p.hw, images);
  j["total"] = {{"cycles", 0}, {"counters", counters_json(total, false)}};
  nlohmann::ordered_json ls = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < p.layers.size(); ++i) {
    const LayerRange& l = p.layers[i];
    ls.push_back({{"name", l.name},
                  {"op", std::string(op_name(l.op))},
                  {"first_pc", l.first},
                  {"end_pc", l.end},
                  {"cycles", 0},
                  {"counters", counters_json(i < layers.size() ? layers[i] : Counters{}, false)}});
  }
  j["layers"] = std::move(ls);
  return j;
}

}  // namespace lutsim
