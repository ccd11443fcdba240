// lutsim verify NET --input X.npy: one image on several engines, every layer's output compared bit for bit in layer
// order, the first divergence named (layer, coordinate, each engine's value; for the RTL the cycle and program
// counter of the STORE that wrote it, and a waveform around that cycle), and the per-layer cycles of the SystemC
// model and the RTL side by side. Exit status 1 when any bits differ or a cycle difference exceeds the tolerance.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common.h"
#include "lutsim/engines/verify.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"

namespace lutsim::cli {
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

}  // namespace

int cmd_verify(const std::vector<std::string>& args) {
  std::string defaults;
  for (const std::string& e : default_verify_engines()) defaults += (defaults.empty() ? "" : ",") + e;
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
  VerifyOptions o;
  o.engines = split_list(vm["engines"].as<std::string>());
  if (o.engines.size() < 2) throw UsageError("--engines: name at least two engines (built: " + engine_list() + ")");
  for (const std::string& e : o.engines) checked_engine_name(e, "engines");
  const std::int64_t image = int_in_range(vm, "image", 0, INT32_MAX);
  const std::string tol_s = vm["cycle-tolerance"].as<std::string>();
  try {
    std::size_t used = 0;
    o.cycle_tolerance = std::stod(tol_s, &used);
    if (used != tol_s.size() || !(o.cycle_tolerance >= 0)) throw std::invalid_argument("tolerance");
  } catch (const std::exception&) {
    throw UsageError("--cycle-tolerance: '" + tol_s + "' is not a non-negative number");
  }
  o.wave_cycles = int_in_range(vm, "wave-cycles", 0, INT32_MAX);
  if (vm.count("wave-window")) o.wave_window = vm["wave-window"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0;
  if (!quiet) o.on_engine = [](const std::string& name) { std::cerr << "verify: running " << name << "\n"; };
  const std::string in_path = vm["input"].as<std::string>();

  const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
  const Network net = load_network(vm["network"].as<std::string>());
  const Tensor x = input_batch(load_npy(in_path), net.value(net.input), in_path);
  if (image >= x.dim(0))
    throw Error(in_path + ": --image " + std::to_string(image) + " is outside the batch of " +
                std::to_string(x.dim(0)) + " images");
  const ordered_json j = verify(net, hw, batch_slice(x, image, 1), o);
  if (vm.count("report")) {
    write_file(vm["report"].as<std::string>(), j.dump(2) + "\n");
  }
  std::cout << verify_text(j, quiet);
  return j["pass"].get<bool>() ? kExitOk : kExitError;
}

}  // namespace lutsim::cli
