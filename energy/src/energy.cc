#include "lutsim/energy/energy.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "lutsim/energy/report_access.h"
#include "lutsim/firmware/counters.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/library_errors.h"

namespace lutsim::energy {
namespace detail {
const std::vector<std::pair<std::string_view, std::string_view>>& energy_preset_texts();
}

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

double EnergyModel::add_pj(int bits) const { return add_8 + (add_32 - add_8) * (bits - 8) / 24.0; }

double EnergyModel::sram_pj_per_byte(std::int64_t bytes, bool write) const {
  const auto& t = sram_read_64bit;
  const double kib = std::max(static_cast<double>(bytes), 1.0) / 1024.0;
  double e = t.front().second;
  if (t.size() > 1) {
    // The segment holding kib (or the first/last one, extrapolated).
    std::size_t i = 0;
    while (i + 2 < t.size() && kib > t[i + 1].first) ++i;
    const double x0 = std::log(t[i].first), x1 = std::log(t[i + 1].first);
    const double y0 = std::log(t[i].second), y1 = std::log(t[i + 1].second);
    e = std::exp(y0 + (y1 - y0) * (std::log(kib) - x0) / (x1 - x0));
  }
  return e / 8.0 * (write ? sram_write_factor : 1.0);
}

double EnergyModel::mac_pj(int acc_bits) const {
  return mult_8x8 + add_pj(acc_bits) + reg_write_per_bit * (8 + acc_bits);
}

ojson EnergyModel::to_json() const {
  ojson sram = ojson::array();
  for (const auto& [kib, pj] : sram_read_64bit) sram.push_back({kib, pj});
  ojson cells = ojson::object();
  for (const auto& [k, v] : cell_area) cells[k] = v;
  return {{"name", name},
          {"node_nm", node_nm},
          {"vdd", vdd},
          {"description", description},
          {"energy_pj",
           {{"add_8", add_8},
            {"add_32", add_32},
            {"mult_8x8", mult_8x8},
            {"lut_read", lut_read},
            {"reg_write_per_bit", reg_write_per_bit},
            {"ppu_lane_op", ppu_lane_op},
            {"vec_lane_op", vec_lane_op},
            {"instruction", instruction},
            {"sram_read_64bit", sram},
            {"sram_write_factor", sram_write_factor},
            {"dram_per_byte", dram_per_byte}}},
          {"leakage_pj_per_cycle", {{"pe", leak_pe}, {"sram_per_kib", leak_sram_per_kib}, {"control", leak_control}}},
          {"area_um2",
           {{"cells", cells}, {"sram_bitcell", sram_bitcell}, {"sram_array_efficiency", sram_array_efficiency}}}};
}

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& msg) {
  throw Error(source + ": " + field + ": " + msg);
}

void check_keys(const json& j, const std::string& source, const std::string& where,
                std::initializer_list<const char*> allowed) {
  if (!j.is_object()) fail(source, where.empty() ? "(top level)" : where, "expected an object");
  for (const auto& [k, v] : j.items()) {
    bool ok = false;
    std::string list;
    for (const char* a : allowed) {
      ok = ok || k == a;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    if (!ok) fail(source, where.empty() ? k : where + "." + k, "unknown field (expected one of: " + list + ")");
  }
}

double number(const json& j, const std::string& source, const std::string& where, const char* key, double lo,
              double hi) {
  const std::string f = where.empty() ? key : where + "." + key;
  if (!j.contains(key)) fail(source, f, "missing");
  const json& v = j.at(key);
  if (!v.is_number()) fail(source, f, "expected a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi)
    fail(source, f, std::to_string(x) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

const json* find_preset(const std::string& name) {
  static std::map<std::string, json> parsed;
  for (const auto& [n, text] : detail::energy_preset_texts())
    if (n == name) {
      auto it = parsed.find(name);
      if (it == parsed.end()) it = parsed.emplace(name, json::parse(text)).first;
      return &it->second;
    }
  return nullptr;
}

// The optional free-text "description".
std::string description(const json& j, const std::string& src) {
  if (!j.contains("description")) return "";
  if (!j["description"].is_string()) fail(src, "description", "expected a string");
  return j["description"].get<std::string>();
}

EnergyModel parse_full(const json& j, const std::string& src) {
  EnergyModel m;
  check_keys(j, src, "", {"name", "node_nm", "vdd", "description", "energy_pj", "leakage_pj_per_cycle", "area_um2"});
  if (!j.contains("name") || !j["name"].is_string()) fail(src, "name", "missing or not a string");
  m.name = j["name"].get<std::string>();
  m.node_nm = number(j, src, "", "node_nm", 1, 1000);
  m.vdd = number(j, src, "", "vdd", 0.1, 5);
  m.description = description(j, src);
  if (!j.contains("energy_pj")) fail(src, "energy_pj", "missing");
  const json& e = j["energy_pj"];
  check_keys(e, src, "energy_pj",
             {"add_8", "add_32", "mult_8x8", "lut_read", "reg_write_per_bit", "ppu_lane_op", "vec_lane_op",
              "instruction", "sram_read_64bit", "sram_write_factor", "dram_per_byte"});
  const double big = 1e6;
  m.add_8 = number(e, src, "energy_pj", "add_8", 0, big);
  m.add_32 = number(e, src, "energy_pj", "add_32", 0, big);
  m.mult_8x8 = number(e, src, "energy_pj", "mult_8x8", 0, big);
  m.lut_read = number(e, src, "energy_pj", "lut_read", 0, big);
  m.reg_write_per_bit = number(e, src, "energy_pj", "reg_write_per_bit", 0, big);
  m.ppu_lane_op = number(e, src, "energy_pj", "ppu_lane_op", 0, big);
  m.vec_lane_op = number(e, src, "energy_pj", "vec_lane_op", 0, big);
  m.instruction = number(e, src, "energy_pj", "instruction", 0, big);
  m.sram_write_factor = number(e, src, "energy_pj", "sram_write_factor", 0, 100);
  m.dram_per_byte = number(e, src, "energy_pj", "dram_per_byte", 0, big);
  if (!e.contains("sram_read_64bit") || !e["sram_read_64bit"].is_array() || e["sram_read_64bit"].empty())
    fail(src, "energy_pj.sram_read_64bit", "expected a non-empty array of [KiB, pJ] pairs");
  for (std::size_t i = 0; i < e["sram_read_64bit"].size(); ++i) {
    const json& p = e["sram_read_64bit"][i];
    const std::string f = "energy_pj.sram_read_64bit[" + std::to_string(i) + "]";
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number() || p[0].get<double>() <= 0 ||
        p[1].get<double>() <= 0)
      fail(src, f, "expected [KiB, pJ] with both positive");
    if (!m.sram_read_64bit.empty() && p[0].get<double>() <= m.sram_read_64bit.back().first)
      fail(src, f, "sizes must increase");
    m.sram_read_64bit.emplace_back(p[0].get<double>(), p[1].get<double>());
  }
  if (!j.contains("leakage_pj_per_cycle")) fail(src, "leakage_pj_per_cycle", "missing");
  const json& l = j["leakage_pj_per_cycle"];
  check_keys(l, src, "leakage_pj_per_cycle", {"pe", "sram_per_kib", "control"});
  m.leak_pe = number(l, src, "leakage_pj_per_cycle", "pe", 0, big);
  m.leak_sram_per_kib = number(l, src, "leakage_pj_per_cycle", "sram_per_kib", 0, big);
  m.leak_control = number(l, src, "leakage_pj_per_cycle", "control", 0, big);
  if (!j.contains("area_um2")) fail(src, "area_um2", "missing");
  const json& a = j["area_um2"];
  check_keys(a, src, "area_um2", {"cells", "sram_bitcell", "sram_array_efficiency"});
  if (!a.contains("cells") || !a["cells"].is_object()) fail(src, "area_um2.cells", "missing or not an object");
  for (const auto& [k, v] : a["cells"].items()) {
    if (!v.is_number() || v.get<double>() <= 0) fail(src, "area_um2.cells." + k, "expected a positive number");
    m.cell_area[k] = v.get<double>();
  }
  for (const char* need : {"inv", "nand2", "and2", "or2", "xor2", "mux2", "dff"})
    if (!m.cell_area.count(need)) fail(src, std::string("area_um2.cells.") + need, "missing");
  m.sram_bitcell = number(a, src, "area_um2", "sram_bitcell", 1e-6, 100);
  m.sram_array_efficiency = number(a, src, "area_um2", "sram_array_efficiency", 0.01, 1);
  return m;
}

// A preset derived from another one: {"name", "node_nm", "vdd", "description", "derive_from", "scale": {...},
// "area_um2": {"sram_bitcell"}}.
EnergyModel parse_derived(const json& j, const std::string& src, int depth) {
  check_keys(j, src, "", {"name", "node_nm", "vdd", "description", "derive_from", "scale", "area_um2"});
  if (!j["derive_from"].is_string()) fail(src, "derive_from", "expected a preset name");
  const std::string base_name = j["derive_from"].get<std::string>();
  const json* base = find_preset(base_name);
  if (!base) fail(src, "derive_from", "unknown preset '" + base_name + "'");
  if (depth > 4) fail(src, "derive_from", "presets derive from each other in a loop");
  EnergyModel m = base->contains("derive_from") ? parse_derived(*base, "preset " + base_name, depth + 1)
                                                 : parse_full(*base, "preset " + base_name);
  if (!j.contains("name") || !j["name"].is_string()) fail(src, "name", "missing or not a string");
  m.name = j["name"].get<std::string>();
  m.node_nm = number(j, src, "", "node_nm", 1, 1000);
  m.vdd = number(j, src, "", "vdd", 0.1, 5);
  m.description = description(j, src);
  if (!j.contains("scale")) fail(src, "scale", "missing");
  const json& s = j["scale"];
  check_keys(s, src, "scale", {"logic_energy", "sram_energy", "dram_energy", "leakage", "logic_area"});
  const double le = number(s, src, "scale", "logic_energy", 1e-4, 100);
  const double se = number(s, src, "scale", "sram_energy", 1e-4, 100);
  const double de = number(s, src, "scale", "dram_energy", 1e-4, 100);
  const double lk = number(s, src, "scale", "leakage", 0, 100);
  const double la = number(s, src, "scale", "logic_area", 1e-4, 100);
  for (double* p : {&m.add_8, &m.add_32, &m.mult_8x8, &m.lut_read, &m.reg_write_per_bit, &m.ppu_lane_op,
                    &m.vec_lane_op, &m.instruction})
    *p *= le;
  for (auto& [kib, pj] : m.sram_read_64bit) pj *= se;
  m.dram_per_byte *= de;
  m.leak_pe *= lk;
  m.leak_sram_per_kib *= lk;
  m.leak_control *= lk;
  for (auto& [k, v] : m.cell_area) v *= la;
  if (j.contains("area_um2")) {
    check_keys(j["area_um2"], src, "area_um2", {"sram_bitcell", "sram_array_efficiency"});
    if (j["area_um2"].contains("sram_bitcell")) m.sram_bitcell = number(j["area_um2"], src, "area_um2", "sram_bitcell", 1e-6, 100);
    if (j["area_um2"].contains("sram_array_efficiency"))
      m.sram_array_efficiency = number(j["area_um2"], src, "area_um2", "sram_array_efficiency", 0.01, 1);
  }
  return m;
}

EnergyModel parse_json(const json& j, const std::string& src) {
  if (!j.is_object()) fail(src, "(top level)", "expected an object");
  return j.contains("derive_from") ? parse_derived(j, src, 0) : parse_full(j, src);
}

}  // namespace

EnergyModel parse_energy_model(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw Error(source + ": not valid JSON (" + library_message(e.what()) + ")");
  }
  return parse_json(j, source);
}

std::vector<std::string> energy_presets() {
  std::vector<std::string> out;
  for (const auto& [n, text] : detail::energy_preset_texts()) out.emplace_back(n);
  return out;
}

EnergyModel load_energy_model(const std::string& preset_or_path) {
  if (const json* p = find_preset(preset_or_path)) return parse_json(*p, "energy preset " + preset_or_path);
  std::ifstream f(preset_or_path, std::ios::binary);
  if (!f) {
    std::string list;
    for (const std::string& n : energy_presets()) list += (list.empty() ? "" : ", ") + n;
    throw Error("energy model '" + preset_or_path + "': neither a preset (" + list + ") nor a readable file");
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_energy_model(ss.str(), preset_or_path);
}

const std::vector<std::string>& energy_components() {
  static const std::vector<std::string> c = {"mac",        "lut",       "pe_regs",   "sram_act", "sram_wgt",
                                             "sram_param", "sram_acc",  "dram",      "ppu",      "vector",
                                             "control",    "leakage"};
  return c;
}

namespace {

// A counters object of the report, read by the fields of lutsim::Counters (their report names: counters.h).
struct Counts {
  ReportReader& r;
  const ojson& counters;
  std::string where;
  double get(std::string_view path) const { return r.counter(counters, where + ".counters", std::string(path)); }
  double get(std::int64_t Counters::*field) const { return get(counter_path(field)); }
  double get(SramCounters Counters::*sram, std::int64_t SramCounters::*field) const {
    return get(counter_path(sram, field));
  }
};

ojson components_json(const std::vector<double>& pj) {
  ojson c = ojson::object();
  for (std::size_t i = 0; i < pj.size(); ++i) c[energy_components()[i]] = pj[i];
  return c;
}

// Energy of one counters block (a layer or the total) over `cycles` cycles.
std::vector<double> component_energy(const Counts& k, double cycles, const HwConfig& hw, const EnergyModel& m) {
  std::vector<double> e(energy_components().size(), 0.0);
  const double reg8 = 8 * m.reg_write_per_bit;
  e[0] = k.get(&Counters::macs) * m.mac_pj(hw.acc_bits);
  e[1] = k.get(&Counters::lut_reads) * m.lut_read;
  e[2] = (k.get(&Counters::pe_code_writes) + k.get(&Counters::lut_writes)) * reg8;
  const std::pair<SramCounters Counters::*, std::int64_t> srams[] = {{&Counters::act, hw.act_sram_bytes},
                                                                     {&Counters::wgt, hw.weight_sram_bytes},
                                                                     {&Counters::param, hw.param_sram_bytes},
                                                                     {&Counters::acc, hw.acc_sram_bytes}};
  for (std::size_t i = 0; i < 4; ++i)
    e[3 + i] = k.get(srams[i].first, &SramCounters::read_bytes) * m.sram_pj_per_byte(srams[i].second, false) +
               k.get(srams[i].first, &SramCounters::write_bytes) * m.sram_pj_per_byte(srams[i].second, true);
  e[7] = (k.get(&Counters::dram_read_bytes) + k.get(&Counters::dram_write_bytes)) * m.dram_per_byte;
  e[8] = k.get(&Counters::ppu_lane_ops) * m.ppu_lane_op;
  e[9] = k.get(&Counters::vec_lane_ops) * m.vec_lane_op;
  double insns = 0;
  for (int op = 0; op < isa::kNumOpcodes; ++op) insns += k.get(counter_path(static_cast<isa::Opcode>(op)));
  e[10] = insns * m.instruction;
  const double sram_kib =
      static_cast<double>(hw.act_sram_bytes + hw.weight_sram_bytes + hw.acc_sram_bytes + hw.param_sram_bytes) / 1024.0;
  e[11] = cycles * (static_cast<double>(hw.rows) * hw.cols * m.leak_pe + sram_kib * m.leak_sram_per_kib + m.leak_control);
  return e;
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

}  // namespace

ojson energy_section(const ojson& rep, const EnergyModel& m, const std::string& source, const EnergyOptions& opt) {
  ReportReader r(rep, source, opt.allow_missing);
  const HwConfig hw = r.hw();
  const double clock_mhz = r.number(rep, "", "clock_mhz");
  const double images = r.number(rep, "", "images");
  const ojson& total = r.object(rep, "", "total");
  const double cycles = r.number(total, "total", "cycles");
  const Counts tk{r, r.object(total, "total", "counters"), "total"};
  const std::vector<double> te = component_energy(tk, cycles, hw, m);
  const double macs = tk.get(&Counters::macs);
  const double pj = sum(te);
  const double seconds = clock_mhz > 0 ? cycles / (clock_mhz * 1e6) : 0.0;

  ojson layers = ojson::array();
  const ojson& ls = r.array(rep, "", "layers");
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const ojson& l = ls[i];
    const std::string where = r.layer_where(l, i);
    const Counts lk{r, r.object(l, where, "counters"), where};
    const std::vector<double> le = component_energy(lk, r.number(l, where, "cycles"), hw, m);
    const double lmacs = lk.get(&Counters::macs), lpj = sum(le);
    layers.push_back({{"name", l.value("name", "")},
                      {"op", l.value("op", "")},
                      {"pj", lpj},
                      {"pj_per_mac", lmacs > 0 ? ojson(lpj / lmacs) : ojson(nullptr)},
                      {"components", components_json(le)}});
  }

  ojson per_action = {{"mac_pj", m.mac_pj(hw.acc_bits)},
                      {"add_pj", m.add_pj(hw.acc_bits)},
                      {"lut_read_pj", m.lut_read},
                      {"sram_read_pj_per_byte",
                       {{"act", m.sram_pj_per_byte(hw.act_sram_bytes, false)},
                        {"wgt", m.sram_pj_per_byte(hw.weight_sram_bytes, false)},
                        {"param", m.sram_pj_per_byte(hw.param_sram_bytes, false)},
                        {"acc", m.sram_pj_per_byte(hw.acc_sram_bytes, false)}}},
                      {"dram_pj_per_byte", m.dram_per_byte}};
  ojson out = {{"model", m.name},
               {"node_nm", m.node_nm},
               {"per_action", per_action},
               {"total",
                {{"pj", pj},
                 {"macs", macs},
                 {"pj_per_mac", macs > 0 ? ojson(pj / macs) : ojson(nullptr)},
                 // TOPS/W = ops per pJ, counting a MAC as two operations.
                 {"tops_per_w", pj > 0 ? 2.0 * macs / pj : 0.0},
                 {"inferences_per_joule", pj > 0 ? images / (pj * 1e-12) : 0.0},
                 {"seconds", seconds},
                 {"average_power_mw", seconds > 0 ? pj * 1e-12 / seconds * 1e3 : 0.0},
                 {"components", components_json(te)}}},
               {"layers", std::move(layers)}};
  if (opt.allow_missing) out["missing_counters"] = r.missing();
  return out;
}

}  // namespace lutsim::energy
