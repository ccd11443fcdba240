#include "lutsim/energy/area.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "lutsim/model/error.h"
#include "lutsim/model/library_errors.h"

namespace lutsim::energy {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

double sram_area_um2(std::int64_t bytes, const EnergyModel& m) {
  return 8.0 * static_cast<double>(bytes) * m.sram_bitcell / m.sram_array_efficiency;
}

double cell_area_um2(const std::string& type, const EnergyModel& m, const std::string& where) {
  if (auto it = m.cell_area.find(type); it != m.cell_area.end()) return it->second;
  auto a = [&](const char* c) {
    auto it = m.cell_area.find(c);
    if (it == m.cell_area.end()) throw Error(where + ": the cell preset " + m.name + " has no '" + c + "' area");
    return it->second;
  };
  // Yosys's internal gate library (techmap/abc output). Gates the generic table lacks are composed of cells it has.
  static const std::map<std::string, std::function<double(const std::function<double(const char*)>&)>> gates = {
      {"$_NOT_", [](auto& f) { return f("inv"); }},
      {"$_BUF_", [](auto& f) { return f("buf"); }},
      {"$_AND_", [](auto& f) { return f("and2"); }},
      {"$_NAND_", [](auto& f) { return f("nand2"); }},
      {"$_OR_", [](auto& f) { return f("or2"); }},
      {"$_NOR_", [](auto& f) { return f("nor2"); }},
      {"$_XOR_", [](auto& f) { return f("xor2"); }},
      {"$_XNOR_", [](auto& f) { return f("xnor2"); }},
      {"$_ANDNOT_", [](auto& f) { return f("and2") + f("inv"); }},
      {"$_ORNOT_", [](auto& f) { return f("or2") + f("inv"); }},
      {"$_MUX_", [](auto& f) { return f("mux2"); }},
      {"$_NMUX_", [](auto& f) { return f("mux2") + f("inv"); }},
      {"$_MUX4_", [](auto& f) { return 3 * f("mux2"); }},
      {"$_MUX8_", [](auto& f) { return 7 * f("mux2"); }},
      {"$_MUX16_", [](auto& f) { return 15 * f("mux2"); }},
      {"$_AOI3_", [](auto& f) { return f("aoi21"); }},
      {"$_OAI3_", [](auto& f) { return f("oai21"); }},
      {"$_AOI4_", [](auto& f) { return f("aoi22"); }},
      {"$_OAI4_", [](auto& f) { return f("oai22"); }},
  };
  const std::function<double(const char*)> f = a;
  if (auto it = gates.find(type); it != gates.end()) return it->second(f);
  // Flip-flops and latches: $_DFF_P_, $_DFF_PN0_, $_DFFE_PP_, $_DFFE_PN0P_, $_SDFF_PP0_, $_SDFFE_PP0P_,
  // $_SDFFCE_..., $_DFFSR_PNN_, $_DFFSRE_..., $_ALDFF_..., $_DLATCH_P_, $_SR_...: a D flip-flop (with an
  // asynchronous reset when the name has a reset polarity), a mux for an enable, an AND for a synchronous reset.
  auto starts = [&](const char* p) { return type.rfind(p, 0) == 0; };
  auto suffix_len = [&](const char* p) { return type.size() - std::string(p).size() - 1; };
  if (starts("$_SDFFCE_") || starts("$_SDFFE_")) return a("dff") + a("and2") + a("mux2");
  if (starts("$_SDFF_")) return a("dff") + a("and2");
  if (starts("$_DFFSRE_")) return a("dffr") + a("mux2");
  if (starts("$_DFFSR_") || starts("$_ALDFF_") || starts("$_ALDFFE_")) return a("dffr");
  if (starts("$_DFFE_")) return (suffix_len("$_DFFE_") > 2 ? a("dffr") : a("dff")) + a("mux2");
  if (starts("$_DFF_")) return suffix_len("$_DFF_") > 1 ? a("dffr") : a("dff");
  if (starts("$_DLATCH") || starts("$_SR_")) return a("dlatch");
  throw Error(where + ": unknown cell type '" + type +
              "' (expected a Yosys internal gate such as $_AND_ or $_DFF_P_, or a cell of the preset's area table)");
}

json load_cell_counts(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot read the cell counts (scripts/synth.sh writes rtl/synth/cell_counts.json)");
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw Error(path + ": not valid JSON (" + library_message(e.what()) + ")");
  }
}

namespace {

struct Module {
  std::string name;
  std::map<std::string, double> params;  // lower-case keys
  const json* cells;
  std::string where;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "$paramod\lutsim_pe\ACC_BITS=32" (Yosys's name of a parameterised instance) -> "lutsim_pe".
std::string module_of_cell(const std::string& type) {
  std::string t = type;
  if (t.rfind("$paramod", 0) == 0) {
    const std::size_t a = t.find('\\');
    if (a == std::string::npos) return t;
    const std::size_t b = t.find('\\', a + 1);
    t = t.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  }
  if (!t.empty() && t[0] == '\\') t = t.substr(1);
  return t;
}

class Counts {
 public:
  Counts(const json& j, const std::string& src) : src_(src) {
    const json* list = &j;
    std::string base = "";
    if (j.is_object()) {
      if (!j.contains("modules") || !j["modules"].is_array()) throw Error(src + ": modules: missing or not an array");
      list = &j["modules"];
      base = "modules";
    } else if (!j.is_array()) {
      throw Error(src + ": expected an object with \"modules\" or an array of modules");
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& e = (*list)[i];
      const std::string where = src + ": " + (base.empty() ? "" : base) + "[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("module") || !e["module"].is_string())
        throw Error(where + ".module: missing or not a string");
      Module m{e["module"].get<std::string>(), {}, nullptr, where + " (" + e["module"].get<std::string>() + ")"};
      // scripts/synth.sh writes the counts by cell type as "cells_by_type".
      if (!e.contains("cells_by_type") || !e["cells_by_type"].is_object())
        throw Error(m.where + ".cells_by_type: missing or not an object");
      m.cells = &e["cells_by_type"];
      if (e.contains("params") && e["params"].is_object())
        for (const auto& [k, v] : e["params"].items())
          if (v.is_number()) m.params[lower(k)] = v.get<double>();
      mods_.push_back(std::move(m));
    }
  }

  // The entry of `name` whose parameters best match `want` (every parameter both name must agree for a match).
  const Module* find(const std::string& name, const std::map<std::string, double>& want, bool* exact) const {
    const Module* best = nullptr;
    int best_score = -1;
    for (const Module& m : mods_) {
      if (m.name != name) continue;
      int score = 0;
      bool all = true;
      for (const auto& [k, v] : m.params) {
        auto it = want.find(k);
        if (it == want.end()) continue;
        if (it->second == v) ++score;
        else all = false;
      }
      score = all ? 1000 + score : score;
      if (score > best_score) best = &m, best_score = score;
    }
    if (exact) *exact = best_score >= 1000;
    return best;
  }

  double area(const Module& m, const EnergyModel& em, const std::map<std::string, double>& want, int depth) const {
    if (depth > 32) throw Error(m.where + ": modules instantiate each other in a loop");
    double s = 0;
    for (const auto& [type, n] : m.cells->items()) {
      if (!n.is_number_integer() || n.get<std::int64_t>() < 0)
        throw Error(m.where + ".cells_by_type." + type + ": expected a non-negative integer count");
      const double count = static_cast<double>(n.get<std::int64_t>());
      if (const Module* sub = find(module_of_cell(type), want, nullptr))
        s += count * area(*sub, em, want, depth + 1);
      else
        s += count * cell_area_um2(type, em, m.where + ".cells_by_type." + type);
    }
    return s;
  }

 private:
  std::string src_;
  std::vector<Module> mods_;
};

}  // namespace

AreaEstimate estimate_area(const HwConfig& hw, const EnergyModel& m, const json* cell_counts,
                           const std::string& source) {
  AreaEstimate a;
  const double R = hw.rows, C = hw.cols;
  const std::map<std::string, double> want = {{"rows", R}, {"cols", C}, {"r", R}, {"c", C},
                                              {"acc_bits", hw.acc_bits}, {"a", hw.acc_bits}};
  if (cell_counts) {
    const Counts counts(*cell_counts, source);
    a.have_logic = true;
    // A unit's area at this config from the entry synthesised for `mod`; entries for other array sizes scale with
    // what the unit replicates (R x C PEs, C lanes).
    auto unit = [&](const std::string& name, const std::string& mod, double copies, int scale_kind) -> bool {
      bool exact = false;
      const Module* e = counts.find(mod, want, &exact);
      if (!e) return false;
      double x = counts.area(*e, m, want, 0) * copies;
      std::string basis = "cells of " + mod + (copies != 1 ? " x " + std::to_string(static_cast<long long>(copies)) : "");
      if (!exact) {
        auto p = [&](const char* k1, const char* k2, double dflt) {
          if (e->params.count(k1)) return e->params.at(k1);
          if (e->params.count(k2)) return e->params.at(k2);
          return dflt;
        };
        double f = 1;
        if (scale_kind == 2) f = R * C / (p("rows", "r", R) * p("cols", "c", C));
        if (scale_kind == 1) f = C / p("cols", "c", C);
        x *= f;
        basis += ", synthesised for other parameters, scaled x" + std::to_string(f);
        a.notes.push_back(mod + ": no cell counts for this config's parameters; scaled from another entry");
      }
      a.units.push_back({name, x, basis});
      a.logic_um2 += x;
      return true;
    };
    if (!unit("pe_array", "lutsim_pe_array", 1, 2) && !unit("pe_array", "lutsim_pe", R * C, 0))
      a.notes.push_back("pe_array: no lutsim_pe_array or lutsim_pe in the cell counts");
    unit("weight_path", "lutsim_wcfg", 1, 1);
    // lutsim_gemm_ctrl instantiates the PE array, so its flattened cells include it: its own logic is its area less
    // that of lutsim_pe_array synthesised at the same array size.
    bool g_exact = false;
    if (const Module* g = counts.find("lutsim_gemm_ctrl", want, &g_exact)) {
      // The gemm_ctrl entry's own parameters (array size, accumulator width), for the PE array to take away.
      std::map<std::string, double> at = want;
      for (const auto& [k, v] : g->params) at[k] = v;
      at["r"] = at["rows"];
      at["c"] = at["cols"];
      at["a"] = at["acc_bits"];
      bool pa_exact = false;
      const Module* pa = counts.find("lutsim_pe_array", at, &pa_exact);
      if (pa && pa_exact) {
        const double x = counts.area(*g, m, at, 0) - counts.area(*pa, m, at, 0);
        const std::string size = std::to_string(static_cast<int>(at["rows"])) + "x" +
                                 std::to_string(static_cast<int>(at["cols"]));
        a.units.push_back({"gemm_ctrl", x, "cells of lutsim_gemm_ctrl less lutsim_pe_array, both at " + size});
        a.logic_um2 += x;
        if (!g_exact) a.notes.push_back("lutsim_gemm_ctrl: synthesised at " + size + ", used unscaled");
      } else {
        a.notes.push_back("gemm_ctrl: left out: its cell counts include the PE array and there is no lutsim_pe_array "
                          "entry of the same size to take away");
      }
    }
    unit("vector", "lutsim_vec", 1, 1);
    unit("ppu", "lutsim_ppu", 1, 1);
    unit("dma", "lutsim_dma", 1, 0);
    unit("fetch", "lutsim_fetch", 1, 0);
    unit("queues", "lutsim_queue", 3, 0);
    unit("tokens", "lutsim_tokens", 1, 0);
  } else {
    // No synthesis results: a gate-count estimate of the PE array and the column LUTs from the preset's cells, so
    // that sweeps over array sizes still see area grow (docs/energy.md section 3). Other logic is left out.
    auto cell = [&](const char* c) { return cell_area_um2(c, m, "analytic PE estimate"); };
    const double fa = 2 * cell("xor2") + 2 * cell("and2") + cell("or2");  // full adder from gates
    const double A = hw.acc_bits;
    const double pe = 72 * cell("and2") + 64 * fa   // 9 x 8 array multiplier: partial products and adders
                      + A * fa                      // A-bit column adder
                      + (8 + A + 16) * cell("dff")  // activation, partial-sum, active and shadow code registers
                      + 8 * 15 * cell("mux2");      // 16:1 multiplexer per weight bit reading the column's LUT
    a.units.push_back({"pe_array", R * C * pe, "gate-count estimate, " + std::to_string(pe) + " um^2 per PE"});
    a.units.push_back({"weight_path", C * 16 * 8 * cell("dff"), "gate-count estimate, 16 x 8-bit LUT registers per column"});
    a.logic_um2 = a.units[0].um2 + a.units[1].um2;
    a.notes.push_back("no cell counts: PE array and LUT registers from a gate-count estimate, other logic left out "
                      "(scripts/synth.sh writes rtl/synth/cell_counts.json)");
  }
  const std::pair<const char*, std::int64_t> srams[] = {{"sram_act", hw.act_sram_bytes},
                                                        {"sram_wgt", hw.weight_sram_bytes},
                                                        {"sram_param", hw.param_sram_bytes},
                                                        {"sram_acc", hw.acc_sram_bytes}};
  for (const auto& [name, bytes] : srams) {
    const double x = sram_area_um2(bytes, m);
    a.units.push_back({name, x, std::to_string(bytes * 8) + " bits x " + std::to_string(m.sram_bitcell) + " um^2 / " +
                                    std::to_string(m.sram_array_efficiency)});
    a.sram_um2 += x;
  }
  a.total_um2 = a.logic_um2 + a.sram_um2;
  return a;
}

ojson AreaEstimate::to_json() const {
  ojson u = ojson::array();
  for (const AreaUnit& x : units) u.push_back({{"unit", x.unit}, {"um2", x.um2}, {"basis", x.basis}});
  return {{"units", u},
          {"logic_um2", have_logic ? ojson(logic_um2) : ojson(nullptr)},
          {"sram_um2", sram_um2},
          {"total_um2", total_um2},
          {"total_mm2", total_um2 * 1e-6},
          {"notes", notes}};
}

}  // namespace lutsim::energy
