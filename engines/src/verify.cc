// verify(): every engine on one image, every layer compared in layer order, SystemC and RTL cycles side by side.
#include "lutsim/engines/verify.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <memory>
#include <optional>
#include <sstream>

#include "lutsim/engines/engine.h"
#include "lutsim/firmware/hazards.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/firmware/program.h"
#include "lutsim/model/error.h"

namespace lutsim {
namespace {

using nlohmann::ordered_json;

// The per-layer cycles of an engine's report ("layers": [{"cycles": ...}]), or none.
std::optional<std::vector<std::int64_t>> report_cycles(const ordered_json& r, std::size_t nlayers) {
  if (!r.is_object() || !r.contains("layers") || !r["layers"].is_array() || r["layers"].size() != nlayers)
    return std::nullopt;
  std::vector<std::int64_t> v;
  for (const auto& l : r["layers"]) {
    if (!l.contains("cycles") || !l["cycles"].is_number()) return std::nullopt;
    v.push_back(l["cycles"].get<std::int64_t>());
  }
  return v;
}

// The completion cycle of each instruction of the last image, by pc ("last_image_complete_by_pc"), or none.
std::optional<std::vector<std::int64_t>> report_completions(const ordered_json& r) {
  if (!r.is_object() || !r.contains("last_image_complete_by_pc") || !r["last_image_complete_by_pc"].is_array())
    return std::nullopt;
  std::vector<std::int64_t> v;
  for (const auto& c : r["last_image_complete_by_pc"]) {
    if (!c.is_number_integer()) return std::nullopt;
    v.push_back(c.get<std::int64_t>());
  }
  return v;
}

struct InsnDiff {
  std::int32_t pc = -1;
  std::int64_t sc = 0, rtl = 0;
};

// Of the instructions of the program's layer `li`, the one whose time differs most between SystemC and RTL. An
// instruction's time is from the previous completion in its own queue (or the layer's first completion of any
// queue before it) to its own completion: the span in which that queue worked on it or waited for it.
InsnDiff widest_insn_diff(const Program& p, std::size_t li, const std::vector<std::int64_t>& sc,
                          const std::vector<std::int64_t>& rtl) {
  const LayerRange& L = p.layers.at(li);
  std::int64_t prev_sc[isa::kNumQueues], prev_rtl[isa::kNumQueues];
  // The queues start the layer where the previous layer's instructions left them.
  for (int q = 0; q < isa::kNumQueues; ++q) prev_sc[q] = prev_rtl[q] = -1;
  for (std::uint32_t pc = 0; pc < L.first; ++pc) {
    const int q = static_cast<int>(isa::queue_of(p.code[pc]));
    prev_sc[q] = std::max(prev_sc[q], sc[pc]);
    prev_rtl[q] = std::max(prev_rtl[q], rtl[pc]);
  }
  InsnDiff best;
  std::int64_t widest = -1;
  for (std::uint32_t pc = L.first; pc < L.end; ++pc) {
    const int q = static_cast<int>(isa::queue_of(p.code[pc]));
    if (sc[pc] < 0 || rtl[pc] < 0) continue;
    const std::int64_t ts = sc[pc] - std::max<std::int64_t>(prev_sc[q], 0);
    const std::int64_t tr = rtl[pc] - std::max<std::int64_t>(prev_rtl[q], 0);
    prev_sc[q] = sc[pc];
    prev_rtl[q] = rtl[pc];
    if (std::llabs(tr - ts) > widest) {
      widest = std::llabs(tr - ts);
      best = {static_cast<std::int32_t>(pc), ts, tr};
    }
  }
  return best;
}

std::string pct(double x) {
  std::ostringstream s;
  s << std::showpos << std::fixed << std::setprecision(2) << x << "%";
  return s.str();
}

void check_options(const VerifyOptions& opt) {
  if (opt.engines.size() < 2) throw Error("verify: name at least two engines (built: " + engine_list() + ")");
  for (const std::string& e : opt.engines)
    if (!has_engine(e)) throw Error("verify: engine '" + e + "' is not one of " + engine_list());
  if (!(opt.cycle_tolerance >= 0) || !std::isfinite(opt.cycle_tolerance))
    throw Error("verify: the cycle tolerance " + std::to_string(opt.cycle_tolerance) + " is not a non-negative number");
  if (opt.wave_cycles < 0) throw Error("verify: wave_cycles " + std::to_string(opt.wave_cycles) + " is negative");
}

// Where the engine that records DRAM writes wrote element `at` of `L`'s output, and the waveform around it.
ordered_json rtl_write(Engine& e, const Program& p, const Layer& L, std::int64_t at, const VerifyOptions& opt) {
  const ValueRegion& r = p.values.at(static_cast<std::size_t>(L.output));
  const std::uint64_t addr = r.addr + static_cast<std::uint64_t>(at) * dtype_size(r.dtype);
  ordered_json w = {{"dram_addr", addr}};
  const std::optional<DramWrite> dw = e.last_write(addr);
  if (!dw) {
    w["cycle"] = nullptr;  // never written by a STORE
    return w;
  }
  w["cycle"] = dw->cycle;
  w["pc"] = dw->pc;
  w["instruction"] = isa::to_string(p.code.at(static_cast<std::size_t>(dw->pc)));
  if (!opt.wave_window.empty()) {
    const std::int64_t from = std::max<std::int64_t>(0, dw->cycle - opt.wave_cycles), to = dw->cycle + opt.wave_cycles;
    if (e.wave_window(opt.wave_window, from, to)) {
      w["waveform"] = opt.wave_window;
      w["waveform_cycles"] = {from, to};
    }
  }
  return w;
}

// Every layer's output in layer order against the first engine: the rows of the report and its first mismatch.
ordered_json compare_layers(const Network& net, const VerifyOptions& opt, std::vector<std::unique_ptr<Engine>>& eng,
                            const std::vector<std::vector<Tensor>>& vals, ordered_json* first) {
  const std::vector<std::string>& engines = opt.engines;
  ordered_json layers = ordered_json::array();
  for (std::size_t li = 0; li < net.layers.size(); ++li) {
    const Layer& L = net.layers[li];
    const Tensor& ref = vals[0][static_cast<std::size_t>(L.output)];
    ordered_json row = {{"name", L.name}, {"op", std::string(op_name(L.op))}};
    ordered_json diff = ordered_json::object();
    for (std::size_t e = 1; e < engines.size(); ++e) {
      const Tensor& t = vals[e][static_cast<std::size_t>(L.output)];
      std::int64_t nd = 0, at = -1;
      if (t.dtype() != ref.dtype() || t.shape() != ref.shape()) {
        nd = ref.numel();
        at = 0;
      } else {
        for (std::int64_t i = 0; i < ref.numel(); ++i)
          if (t.get(i) != ref.get(i)) {
            if (at < 0) at = i;
            ++nd;
          }
      }
      diff[engines[e]] = nd;
      if (nd == 0 || !first->is_null()) continue;
      // The first divergence: layer, coordinate, each engine's value.
      const ValueInfo& v = net.value(L.output);
      const std::int64_t c = at % v.c, xx = at / v.c % v.w, y = at / (static_cast<std::int64_t>(v.c) * v.w) % v.h;
      *first = {{"layer", L.name}, {"layer_index", li}, {"op", std::string(op_name(L.op))}, {"value", v.name},
                {"coordinate", {{"n", 0}, {"y", y}, {"x", xx}, {"c", c}}}, {"index", at},
                {"first_engine", engines[e]}};
      ordered_json values = ordered_json::object();
      for (std::size_t k = 0; k < engines.size(); ++k) {
        const Tensor& tk = vals[k][static_cast<std::size_t>(L.output)];
        values[engines[k]] = at < tk.numel() ? ordered_json(tk.get(at)) : ordered_json(nullptr);
      }
      (*first)["values"] = values;
      for (std::size_t k = 0; k < engines.size(); ++k)
        if (eng[k]->records_dram_writes() && eng[k]->program()) (*first)["rtl_write"] = rtl_write(*eng[k], *eng[k]->program(), L, at, opt);
    }
    row["differing_elements"] = diff;
    layers.push_back(std::move(row));
  }
  return layers;
}

// SystemC against RTL cycles, per layer into `layers` and in total into the report `j`; false when a layer's
// difference exceeds the tolerance.
bool compare_cycles(const Network& net, const VerifyOptions& opt, std::vector<std::unique_ptr<Engine>>& eng,
                    ordered_json& layers, ordered_json& j) {
  std::optional<std::vector<std::int64_t>> sc, rt, sc_done, rt_done;
  const Program* prog = nullptr;
  for (std::size_t e = 0; e < opt.engines.size(); ++e) {
    const bool is_sc = opt.engines[e] == "systemc";
    if (!is_sc && opt.engines[e] != "rtl") continue;
    const ordered_json r = eng[e]->report();
    (is_sc ? sc : rt) = report_cycles(r, net.layers.size());
    (is_sc ? sc_done : rt_done) = report_completions(r);
    if (!is_sc) prog = eng[e]->program();
  }
  if (!sc || !rt) return true;
  bool ok_all = true;
  std::int64_t ts = 0, tr = 0;
  for (std::size_t li = 0; li < net.layers.size(); ++li) {
    const std::int64_t s = (*sc)[li], r = (*rt)[li];
    ts += s;
    tr += r;
    const double d = s > 0 ? 100.0 * static_cast<double>(r - s) / static_cast<double>(s) : (r > 0 ? 100.0 : 0.0);
    const bool ok = std::fabs(d) <= opt.cycle_tolerance;
    ok_all &= ok;
    layers[li]["systemc_cycles"] = s;
    layers[li]["rtl_cycles"] = r;
    layers[li]["cycle_diff_percent"] = d;
    if (ok || !prog || !sc_done || !rt_done || sc_done->size() != prog->code.size() ||
        rt_done->size() != prog->code.size())
      continue;
    const InsnDiff w = widest_insn_diff(*prog, li, *sc_done, *rt_done);
    if (w.pc < 0) continue;
    layers[li]["widest_instruction_diff"] = {{"pc", w.pc},
                                             {"instruction", isa::to_string(prog->code.at(static_cast<std::size_t>(w.pc)))},
                                             {"systemc_cycles", w.sc},
                                             {"rtl_cycles", w.rtl}};
  }
  const double d = ts > 0 ? 100.0 * static_cast<double>(tr - ts) / static_cast<double>(ts) : 0.0;
  j["cycles"] = {{"systemc", ts}, {"rtl", tr}, {"diff_percent", d}, {"tolerance_percent", opt.cycle_tolerance}};
  // Every instruction's completion cycle on both, by pc, for finding where their timing parts.
  if (sc_done && rt_done) j["instruction_complete"] = {{"systemc", *sc_done}, {"rtl", *rt_done}};
  return ok_all;
}

}  // namespace

std::vector<std::string> default_verify_engines() {
  std::vector<std::string> v;
  for (const std::string& e : engine_names())
    if (e != "reference") v.push_back(e);
  return v;
}

ordered_json verify(const Network& net, const HwConfig& hw, const Tensor& image, const VerifyOptions& opt) {
  check_options(opt);
  // Run every engine, keeping every value.
  std::vector<std::unique_ptr<Engine>> eng;
  std::vector<std::vector<Tensor>> vals;
  for (const std::string& name : opt.engines) {
    if (opt.on_engine) opt.on_engine(name);
    eng.push_back(make_engine(name, net, hw, EngineOptions{.quiet = true, .keep_values = true, .check_hazards = false}));
    eng.back()->run(image);
    vals.push_back(eng.back()->last_values());
    if (vals.back().size() != net.values.size())
      throw Error("verify: engine " + name + " returned " + std::to_string(vals.back().size()) +
                  " values, the network has " + std::to_string(net.values.size()));
  }
  ordered_json j;
  j["format"] = "lutsim-verify";
  j["version"] = 1;
  j["network"] = net.name;
  j["hw"] = hw.name;
  j["engines"] = opt.engines;
  j["reference"] = opt.engines[0];
  ordered_json first = nullptr;
  ordered_json layers = compare_layers(net, opt, eng, vals, &first);
  const bool cycles_ok = compare_cycles(net, opt, eng, layers, j);
  // The program the program engines ran, checked for reads and writes that no dependency token orders: such a
  // program can be bit-exact on the interpreter and the SystemC model and still differ on the RTL (hazards.h).
  ordered_json hazards = ordered_json::array();
  for (const auto& e : eng)
    if (const Program* p = e->program()) {
      for (const Hazard& h : find_hazards(*p)) hazards.push_back(h.describe(*p));
      j["hazards_checked"] = true;
      break;
    }
  j["layers"] = layers;
  j["first_mismatch"] = first;
  j["hazards"] = hazards;
  j["bit_exact"] = first.is_null();
  j["cycles_within_tolerance"] = cycles_ok;
  j["pass"] = first.is_null() && cycles_ok && hazards.empty();
  return j;
}

std::string verify_text(const ordered_json& j, bool quiet) {
  std::ostringstream out;
  const ordered_json& layers = j["layers"];
  if (!quiet && j.contains("cycles")) {
    // The name column fits the longest layer name (torchvision's run past 28 characters).
    std::size_t w = 28;
    for (const auto& l : layers) w = std::max(w, l["name"].get<std::string>().size() + 2);
    const int nw = static_cast<int>(w);
    out << std::left << std::setw(nw) << "layer" << std::right << std::setw(14) << "systemc" << std::setw(14) << "rtl"
        << std::setw(12) << "diff" << "\n";
    const double tol = j["cycles"]["tolerance_percent"].get<double>();
    for (const auto& l : layers) {
      const double d = l["cycle_diff_percent"].get<double>();
      out << std::left << std::setw(nw) << l["name"].get<std::string>() << std::right << std::setw(14)
          << l["systemc_cycles"].get<std::int64_t>() << std::setw(14) << l["rtl_cycles"].get<std::int64_t>()
          << std::setw(12) << pct(d) << (std::fabs(d) <= tol ? "" : "  > tolerance") << "\n";
    }
    const auto& c = j["cycles"];
    out << std::left << std::setw(nw) << "total" << std::right << std::setw(14) << c["systemc"].get<std::int64_t>()
        << std::setw(14) << c["rtl"].get<std::int64_t>() << std::setw(12) << pct(c["diff_percent"].get<double>())
        << "\n";
  }
  const ordered_json& first = j["first_mismatch"];
  const std::vector<std::string> engines = j["engines"].get<std::vector<std::string>>();
  if (first.is_null()) {
    out << "verify: " << layers.size() << " layers bit-exact on " << engines.size() << " engines (";
    for (std::size_t e = 0; e < engines.size(); ++e) out << (e ? ", " : "") << engines[e];
    out << ")\n";
  } else {
    const auto& c = first["coordinate"];
    out << "verify: MISMATCH at layer " << first["layer"].get<std::string>() << " (" << first["op"].get<std::string>()
        << ", layer " << first["layer_index"].get<std::size_t>() << "), coordinate (n, y, x, c) = (" << c["n"] << ", "
        << c["y"] << ", " << c["x"] << ", " << c["c"] << "):";
    for (const auto& [name, value] : first["values"].items()) out << " " << name << "=" << value.dump();
    out << "\n";
    if (first.contains("rtl_write")) {
      const auto& w = first["rtl_write"];
      if (w["cycle"].is_null()) {
        out << "verify: the RTL never wrote DRAM byte " << w["dram_addr"] << "\n";
      } else {
        out << "verify: the RTL wrote it at cycle " << w["cycle"] << " by the STORE at pc " << w["pc"] << ": "
            << w["instruction"].get<std::string>() << "\n";
        if (w.contains("waveform"))
          out << "verify: waveform of cycles " << w["waveform_cycles"][0] << ".." << w["waveform_cycles"][1]
              << " in " << w["waveform"].get<std::string>() << "\n";
      }
    }
    std::size_t differing = 0;
    for (const auto& l : layers) {
      bool any = false;
      for (const auto& [name, n] : l["differing_elements"].items()) any |= n.get<std::int64_t>() != 0;
      differing += any;
    }
    out << "verify: " << differing << " of " << layers.size() << " layers differ\n";
  }
  for (const auto& h : j["hazards"]) out << "verify: hazard: " << h.get<std::string>() << "\n";
  if (!j["cycles_within_tolerance"].get<bool>()) {
    if (!quiet)
      for (const auto& l : layers) {
        if (!l.contains("widest_instruction_diff")) continue;
        const auto& w = l["widest_instruction_diff"];
        out << "verify: " << l["name"].get<std::string>() << ": the instruction whose time differs most is pc "
            << w["pc"] << " (" << w["systemc_cycles"] << " cycles on systemc, " << w["rtl_cycles"]
            << " on rtl, from the previous completion in its queue): " << w["instruction"].get<std::string>() << "\n";
      }
    out << "verify: a layer's SystemC and RTL cycles differ by more than " << j["cycles"]["tolerance_percent"].get<double>()
        << "%\n";
  }
  return out.str();
}

}  // namespace lutsim
