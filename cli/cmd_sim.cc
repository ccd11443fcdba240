// lutsim sim NET --hw HW --input X.npy: a network (compiled on the fly) or a program file on the SystemC model,
// with the cycle report (table and JSON) and the timeline.
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/engines/engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/sim/simulator.h"
#ifdef LUTSIM_HAVE_ENERGY
#include <iomanip>
#include <optional>

#include "lutsim/energy/energy.h"
#endif

namespace lutsim::cli {
namespace {

bool is_program_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[8] = {};
  f.read(magic, sizeof magic);
  return f.gcount() == 8 && std::string(magic, 8) == "LUTSIMPG";
}

void write_json(const std::string& path, const nlohmann::ordered_json& j) { write_file(path, j.dump(1) + "\n"); }

}  // namespace

int cmd_sim(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("hw", po::value<std::string>()->value_name("HW"),
       "hardware config: a preset name or a JSON file (default: 'default' for a network, the program's own config "
       "for a program file, which must then match it)")
      ("input,i", po::value<std::string>()->required()->value_name("X.npy"),
       "input batch: NHWC (or HWC for one image) u8/s8 .npy matching the network input")
      ("output,o", po::value<std::string>()->value_name("Y.npy"), "where to write the network output")
      ("report", po::value<std::string>()->value_name("R.json"),
       "write the simulation report (cycles, unit stalls, utilization, traffic, counters per layer; docs/sim.md)")
      ("timeline", po::value<std::string>()->value_name("T.json"),
       "write the first image's timeline as Chrome trace-event JSON (Perfetto, chrome://tracing)")
      ("vcd", po::value<std::string>()->value_name("W.vcd"),
       "write a VCD waveform of each queue's instruction in flight, the token counts and the layer, one time unit "
       "(1 ns) per cycle, over every image")
      ("watchdog", po::value<std::string>()->default_value("1000000")->value_name("CYCLES"),
       "stop with the machine's state when no instruction starts or completes for this many cycles")
#ifdef LUTSIM_HAVE_ENERGY
      ("energy", po::value<std::string>()->value_name("PRESET|FILE"),
       "add an energy section to the report and the summary: a preset (45nm, 7nm) or an energy-model JSON file "
       "(docs/energy.md)")
#endif
      ("quiet,q", "print no report table");
  po::options_description hidden;
  hidden.add_options()("network", po::value<std::string>(), "network or program file");
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse_args("sim", "NET|PROG --input X.npy [--hw HW] [--output Y.npy] [--report R.json] [--timeline T.json] [--vcd W.vcd]",
                  "Runs a network file NET (compiled for the hardware config) or a program file PROG (from\n"
                  "'lutsim compile') on the SystemC cycle-approximate model, image by image. The outputs are\n"
                  "bit-exact with the golden model; prints cycles per layer, unit busy/stall time, PE-array\n"
                  "utilization and DRAM traffic.",
                  opts, hidden, pos, args, vm, "network", "the network or program file"))
    return kExitOk;
  const std::int64_t watchdog = int_in_range(vm, "watchdog", 1, std::int64_t{1} << 40);
#ifdef LUTSIM_HAVE_ENERGY
  // Loaded before the simulation, so that an unknown preset fails at once.
  std::optional<energy::EnergyModel> energy_model;
  if (vm.count("energy")) energy_model = energy::load_energy_model(vm["energy"].as<std::string>());
#endif
  const std::string path = vm["network"].as<std::string>();
  Program prog;
  if (is_program_file(path)) {
    if (vm.count("hw")) {
      const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
      prog = load_program(path, &hw);
    } else {
      prog = load_program(path);
    }
  } else {
    const HwConfig hw = load_hw_config(vm.count("hw") ? vm["hw"].as<std::string>() : "default");
    prog = compile(load_network(path), hw);
  }
  const std::string in_path = vm["input"].as<std::string>();
  bool batched = true;
  const ValueRegion& iv = prog.values.at(static_cast<std::size_t>(prog.input));
  const Tensor x = input_batch(load_npy(in_path), ValueInfo{iv.name, iv.dtype, iv.h, iv.w, iv.c, iv.exponent}, in_path,
                               &batched);
  const ValueRegion ov = prog.values.at(static_cast<std::size_t>(prog.output));

  sim::Simulator s(std::move(prog), sim::SimOptions{.watchdog_cycles = watchdog,
                                                    .timeline = vm.count("timeline") > 0,
                                                    .vcd = vm.count("vcd") ? vm["vcd"].as<std::string>() : ""});
  const auto t0 = std::chrono::steady_clock::now();
  Tensor y;
  try {
    y = s.run(x);
  } catch (const Error& e) {
    // Multi-line errors (the watchdog's machine state) keep their lines on stderr; main() prints the first.
    const std::string msg = e.what();
    const std::size_t nl = msg.find('\n');
    if (nl == std::string::npos) throw;
    std::cerr << "lutsim sim: machine state:\n" << msg.substr(nl + 1) << (msg.back() == '\n' ? "" : "\n");
    throw Error(msg.substr(0, nl));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (vm.count("output")) save_npy(batched ? y : y.reshaped({ov.h, ov.w, ov.c}), vm["output"].as<std::string>());
  nlohmann::ordered_json rep = s.report().to_json();
#ifdef LUTSIM_HAVE_ENERGY
  if (energy_model) rep["energy"] = energy::energy_section(rep, *energy_model, "lutsim sim");
#endif
  if (vm.count("report")) write_json(vm["report"].as<std::string>(), rep);
  if (vm.count("timeline")) write_json(vm["timeline"].as<std::string>(), s.timeline_json());
  if (!vm.count("quiet")) {
    std::cout << s.report().table();
    const double cps = secs > 0 ? static_cast<double>(s.report().cycles) / secs : 0.0;
#ifdef LUTSIM_HAVE_ENERGY
    if (rep.contains("energy")) {
      const auto& t = rep["energy"]["total"];
      std::cout << std::setprecision(4) << "energy (" << rep["energy"]["model"].get<std::string>() << "): "
                << t["pj"].get<double>() / 1e6 << " uJ, " << t["pj_per_mac"].get<double>() << " pJ/MAC, "
                << t["tops_per_w"].get<double>() << " TOPS/W, " << t["inferences_per_joule"].get<double>()
                << " inferences/J\n";
    }
#endif
    std::cerr << "lutsim sim: " << s.report().cycles << " simulated cycles in " << secs << " s ("
              << static_cast<std::int64_t>(cps) << " cycles per second)\n";
  }
  return kExitOk;
}

}  // namespace lutsim::cli
