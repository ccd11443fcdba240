// lutsim verify NET --input X.npy: one image on several engines, every layer's output compared bit for bit in layer
// order, the first divergence named (layer, coordinate, each engine's value; for the RTL the cycle and program
// counter of the STORE that wrote it, and a waveform around that cycle), and the per-layer cycles of the SystemC
// model and the RTL side by side. Exit status 1 when any bits differ or a cycle difference exceeds the tolerance.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common.h"
#include "engine.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/model/network.h"

namespace lutsim::cli {

#ifdef LUTSIM_HAVE_RTL
// engine_rtl.cc: the RTL engine's program, where and when its last run wrote a DRAM byte, and a waveform re-run.
const Program* rtl_program(const Engine& e);
bool rtl_last_write(const Engine& e, std::uint64_t addr, std::int64_t* cycle, std::int32_t* pc);
void rtl_wave_window(Engine& e, const std::string& path, std::int64_t from, std::int64_t to);
#endif

namespace {

using nlohmann::ordered_json;

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> v;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) v.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) v.push_back(cur);
  return v;
}

// Image `k` of the input as [1, h, w, c]; errors name the file.
Tensor one_image(const Tensor& x, const Network& net, const std::string& path, std::int64_t k) {
  const ValueInfo& v = net.value(net.input);
  if (x.dtype() != v.dtype)
    throw Error(path + ": input dtype " + std::string(dtype_name(x.dtype())) + " does not match the network input '" +
                v.name + "' (" + std::string(dtype_name(v.dtype)) + ")");
  const bool hwc = x.rank() == 3;
  const std::size_t o = hwc ? 0 : 1;
  if ((x.rank() != 3 && x.rank() != 4) || x.dim(o) != v.h || x.dim(o + 1) != v.w || x.dim(o + 2) != v.c)
    throw Error(path + ": input shape " + shape_str(x.shape()) + " does not match the network input '" + v.name +
                "' ([N, " + std::to_string(v.h) + ", " + std::to_string(v.w) + ", " + std::to_string(v.c) + "])");
  const std::int64_t n = hwc ? 1 : x.dim(0);
  if (k >= n)
    throw Error(path + ": --image " + std::to_string(k) + " is outside the batch of " + std::to_string(n) + " images");
  Tensor t(x.dtype(), {1, v.h, v.w, v.c}, x.exponent());
  std::memcpy(t.raw(), x.raw() + static_cast<std::size_t>(k) * t.nbytes(), t.nbytes());
  return t;
}

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

}  // namespace

int cmd_verify(const std::vector<std::string>& args) {
  std::string defaults;
  for (const std::string& e : engine_names())
    if (e != "reference") defaults += (defaults.empty() ? "" : ",") + e;
  po::options_description opts("options");
  opts.add_options()
      ("input,i", po::value<std::string>()->required()->value_name("X.npy"),
       "input: NHWC (or HWC) u8/s8 .npy matching the network input; one image is run (--image)")
      ("image", po::value<std::string>()->default_value("0")->value_name("K"), "which image of the batch to run")
      ("engines", po::value<std::string>()->default_value(defaults)->value_name("E1,E2,..."),
       ("engines to compare, the first being the reference; built: " + engine_list()).c_str())
      ("hw", po::value<std::string>()->default_value("default")->value_name("HW"),
       "hardware config: a preset name or a JSON file")
      ("cycle-tolerance", po::value<std::string>()->default_value("5")->value_name("P"),
       "largest per-layer difference between SystemC and RTL cycles, in percent")
      ("report", po::value<std::string>()->value_name("V.json"), "write the comparison as JSON")
      ("wave-window", po::value<std::string>()->value_name("W.fst"),
       "on a mismatch, write the RTL's waveform around the cycle the first wrong value was written")
      ("wave-cycles", po::value<std::string>()->default_value("500")->value_name("N"),
       "cycles of waveform before and after that cycle")
      ("quiet,q", "print only the verdict and the first mismatch");
  po::options_description hidden;
  hidden.add_options()("network", po::value<std::string>(), "network file");
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse_args("verify", "NET --input X.npy [options]",
                  "Runs one image of X.npy through network file NET on every engine of --engines and compares\n"
                  "every layer's output bit for bit, in layer order. On a difference it names the first layer and\n"
                  "tensor coordinate (n, y, x, c) with each engine's value and, for the RTL, the cycle and program\n"
                  "counter of the STORE that wrote it. With systemc and rtl it tabulates their cycles per layer.\n"
                  "Exits 1 when bits differ or a layer's cycles differ by more than --cycle-tolerance percent.",
                  opts, hidden, pos, args, vm, "network", "the network file NET"))
    return kExitOk;
  const std::vector<std::string> engines = split_list(vm["engines"].as<std::string>());
  if (engines.size() < 2) throw UsageError("--engines: name at least two engines (built: " + engine_list() + ")");
  for (const std::string& e : engines) {
    bool known = false;
    for (const std::string& b : engine_names()) known |= b == e;
    if (!known) throw UsageError("--engines: '" + e + "' is not one of " + engine_list());
  }
  const std::int64_t image = int_in_range(vm, "image", 0, INT32_MAX);
  const std::string tol_s = vm["cycle-tolerance"].as<std::string>();
  double tolerance = 0;
  try {
    std::size_t used = 0;
    tolerance = std::stod(tol_s, &used);
    if (used != tol_s.size() || !(tolerance >= 0)) throw std::invalid_argument("tolerance");
  } catch (const std::exception&) {
    throw UsageError("--cycle-tolerance: '" + tol_s + "' is not a non-negative number");
  }
  [[maybe_unused]] const std::int64_t wave_cycles = int_in_range(vm, "wave-cycles", 0, INT32_MAX);
  const bool quiet = vm.count("quiet") > 0;
  const std::string in_path = vm["input"].as<std::string>();

  const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
  const Network net = load_network(vm["network"].as<std::string>());
  const Tensor x = one_image(load_npy(in_path), net, in_path, image);

  // Run every engine, keeping every value.
  std::vector<std::unique_ptr<Engine>> eng;
  std::vector<std::vector<Tensor>> vals;
  for (const std::string& name : engines) {
    if (!quiet) std::cerr << "verify: running " << name << "\n";
    eng.push_back(make_engine(name, net, hw, EngineOptions{.quiet = true, .keep_values = true}));
    eng.back()->run(x);
    vals.push_back(eng.back()->last_values());
    if (vals.back().size() != net.values.size())
      throw Error("verify: engine " + name + " returned " + std::to_string(vals.back().size()) +
                  " values, the network has " + std::to_string(net.values.size()));
  }

  // Every layer's output in layer order, against the first engine.
  ordered_json j;
  j["format"] = "lutsim-verify";
  j["version"] = 1;
  j["network"] = net.name;
  j["hw"] = hw.name;
  j["engines"] = engines;
  j["reference"] = engines[0];
  ordered_json layers = ordered_json::array();
  ordered_json first = nullptr;
  std::size_t differing_layers = 0;
  for (std::size_t li = 0; li < net.layers.size(); ++li) {
    const Layer& L = net.layers[li];
    const Tensor& ref = vals[0][static_cast<std::size_t>(L.output)];
    ordered_json row = {{"name", L.name}, {"op", std::string(op_name(L.op))}};
    ordered_json diff = ordered_json::object();
    bool any = false;
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
      if (nd == 0) continue;
      any = true;
      if (!first.is_null()) continue;
      // The first divergence: layer, coordinate, each engine's value.
      const ValueInfo& v = net.value(L.output);
      const std::int64_t c = at % v.c, xx = at / v.c % v.w, y = at / (static_cast<std::int64_t>(v.c) * v.w) % v.h;
      first = {{"layer", L.name}, {"layer_index", li}, {"op", std::string(op_name(L.op))}, {"value", v.name},
               {"coordinate", {{"n", 0}, {"y", y}, {"x", xx}, {"c", c}}}, {"index", at}, {"first_engine", engines[e]}};
      ordered_json values = ordered_json::object();
      for (std::size_t k = 0; k < engines.size(); ++k) {
        const Tensor& tk = vals[k][static_cast<std::size_t>(L.output)];
        values[engines[k]] = at < tk.numel() ? ordered_json(tk.get(at)) : ordered_json(nullptr);
      }
      first["values"] = values;
#ifdef LUTSIM_HAVE_RTL
      for (std::size_t k = 0; k < engines.size(); ++k) {
        const Program* p = rtl_program(*eng[k]);
        if (!p) continue;
        const ValueRegion& r = p->values.at(static_cast<std::size_t>(L.output));
        const std::uint64_t addr = r.addr + static_cast<std::uint64_t>(at) * dtype_size(r.dtype);
        std::int64_t cyc = -1;
        std::int32_t pc = -1;
        ordered_json w = {{"dram_addr", addr}};
        if (rtl_last_write(*eng[k], addr, &cyc, &pc)) {
          w["cycle"] = cyc;
          w["pc"] = pc;
          w["instruction"] = isa::to_string(p->code.at(static_cast<std::size_t>(pc)));
          if (vm.count("wave-window")) {
            const std::string wave = vm["wave-window"].as<std::string>();
            rtl_wave_window(*eng[k], wave, std::max<std::int64_t>(0, cyc - wave_cycles), cyc + wave_cycles);
            w["waveform"] = wave;
            w["waveform_cycles"] = {std::max<std::int64_t>(0, cyc - wave_cycles), cyc + wave_cycles};
          }
        } else {
          w["cycle"] = nullptr;  // never written by a STORE
        }
        first["rtl_write"] = w;
      }
#endif
    }
    if (any) ++differing_layers;
    row["differing_elements"] = diff;
    layers.push_back(std::move(row));
  }

  // SystemC against RTL cycles.
  std::optional<std::vector<std::int64_t>> sc, rt, sc_done, rt_done;
  const Program* prog = nullptr;
  for (std::size_t e = 0; e < engines.size(); ++e) {
    if (engines[e] != "systemc" && engines[e] != "rtl") continue;
    const ordered_json r = eng[e]->report();
    (engines[e] == "systemc" ? sc : rt) = report_cycles(r, net.layers.size());
    (engines[e] == "systemc" ? sc_done : rt_done) = report_completions(r);
#ifdef LUTSIM_HAVE_RTL
    if (engines[e] == "rtl") prog = rtl_program(*eng[e]);
#endif
  }
  std::vector<std::string> insn_notes;
  bool cycles_ok = true;
  std::ostringstream table;
  if (sc && rt) {
    std::int64_t ts = 0, tr = 0;
    table << std::left << std::setw(28) << "layer" << std::right << std::setw(14) << "systemc" << std::setw(14)
          << "rtl" << std::setw(12) << "diff" << "\n";
    for (std::size_t li = 0; li < net.layers.size(); ++li) {
      const std::int64_t s = (*sc)[li], r = (*rt)[li];
      ts += s;
      tr += r;
      const double d = s > 0 ? 100.0 * static_cast<double>(r - s) / static_cast<double>(s) : (r > 0 ? 100.0 : 0.0);
      const bool ok = std::fabs(d) <= tolerance;
      cycles_ok &= ok;
      layers[li]["systemc_cycles"] = s;
      layers[li]["rtl_cycles"] = r;
      layers[li]["cycle_diff_percent"] = d;
      table << std::left << std::setw(28) << net.layers[li].name << std::right << std::setw(14) << s << std::setw(14)
            << r << std::setw(12) << pct(d) << (ok ? "" : "  > tolerance") << "\n";
      if (ok || !prog || !sc_done || !rt_done || sc_done->size() != prog->code.size() ||
          rt_done->size() != prog->code.size())
        continue;
      const InsnDiff w = widest_insn_diff(*prog, li, *sc_done, *rt_done);
      if (w.pc < 0) continue;
      const std::string insn = isa::to_string(prog->code.at(static_cast<std::size_t>(w.pc)));
      layers[li]["widest_instruction_diff"] = {
          {"pc", w.pc}, {"instruction", insn}, {"systemc_cycles", w.sc}, {"rtl_cycles", w.rtl}};
      insn_notes.push_back("verify: " + net.layers[li].name + ": the instruction whose time differs most is pc " +
                           std::to_string(w.pc) + " (" + std::to_string(w.sc) + " cycles on systemc, " +
                           std::to_string(w.rtl) + " on rtl, from the previous completion in its queue): " + insn);
    }
    const double d = ts > 0 ? 100.0 * static_cast<double>(tr - ts) / static_cast<double>(ts) : 0.0;
    table << std::left << std::setw(28) << "total" << std::right << std::setw(14) << ts << std::setw(14) << tr
          << std::setw(12) << pct(d) << "\n";
    j["cycles"] = {{"systemc", ts}, {"rtl", tr}, {"diff_percent", d}, {"tolerance_percent", tolerance}};
    // Every instruction's completion cycle on both, by pc, for finding where their timing parts.
    if (sc_done && rt_done) j["instruction_complete"] = {{"systemc", *sc_done}, {"rtl", *rt_done}};
  }
  j["layers"] = layers;
  j["first_mismatch"] = first;
  j["bit_exact"] = first.is_null();
  j["cycles_within_tolerance"] = cycles_ok;
  j["pass"] = first.is_null() && cycles_ok;

  if (vm.count("report")) {
    const std::string path = vm["report"].as<std::string>();
    std::ofstream f(path, std::ios::binary);
    f << j.dump(2) << "\n";
    f.close();
    if (!f) throw Error(path + ": cannot write the verify report");
  }

  std::ostream& out = std::cout;
  if (!quiet && sc && rt) out << table.str();
  if (first.is_null()) {
    out << "verify: " << net.layers.size() << " layers bit-exact on " << engines.size() << " engines (";
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
    out << "verify: " << differing_layers << " of " << net.layers.size() << " layers differ\n";
  }
  if (!cycles_ok) {
    if (!quiet)
      for (const std::string& n : insn_notes) out << n << "\n";
    out << "verify: a layer's SystemC and RTL cycles differ by more than " << tolerance << "%\n";
  }
  return j["pass"].get<bool>() ? kExitOk : kExitError;
}

}  // namespace lutsim::cli
