// lutsim report R.json -o report.html: a simulation report as a self-contained HTML page with charts. Reports
// without an energy section get one from the energy model (--energy).
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common.h"
#include "lutsim/energy/energy.h"
#include "lutsim/energy/html_report.h"
#include "lutsim/model/format.h"
#include "lutsim/model/error.h"
#include "lutsim/model/library_errors.h"

namespace lutsim::cli {

int cmd_report(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("output,o", po::value<std::string>()->value_name("report.html"), "where to write the HTML page")
      ("energy", po::value<std::string>()->value_name("PRESET|FILE"),
       "energy model: a preset (45nm, 7nm) or a JSON file; computes the energy section when the report lacks one "
       "(45nm by default) and replaces it when given")
      ("json", po::value<std::string>()->value_name("OUT.json"), "also write the report with its energy section");
  po::options_description hidden;
  hidden.add_options()("report", po::value<std::string>(), "report file");
  po::positional_options_description pos;
  pos.add("report", 1);
  po::variables_map vm;
  if (!parse_args("report", "R.json [-o report.html] [--energy PRESET|FILE] [--json OUT.json]",
                  "Reads a simulation report (lutsim sim --report R.json), adds its energy (pJ per layer and per\n"
                  "component, pJ/MAC, TOPS/W) when missing, prints a summary and writes a self-contained HTML page:\n"
                  "cycles per layer (compute, DMA stall, token stall), PE utilization, energy per component and per\n"
                  "layer, a roofline and a table of layers. Needs no network to view.",
                  opts, hidden, pos, args, vm, "report", "the report file R.json"))
    return kExitOk;
  const std::string path = vm["report"].as<std::string>();
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot read the report");
  std::stringstream ss;
  ss << f.rdbuf();
  nlohmann::ordered_json rep;
  try {
    rep = nlohmann::ordered_json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw Error(path + ": not valid JSON (" + library_message(e.what()) + ")");
  }
  if (!rep.is_object()) throw Error(path + ": expected a JSON object (a lutsim sim report)");
  if (vm.count("energy") || !rep.contains("energy")) {
    const energy::EnergyModel m = energy::load_energy_model(vm.count("energy") ? vm["energy"].as<std::string>() : "45nm");
    rep["energy"] = energy::energy_section(rep, m, path);
  }
  const nlohmann::ordered_json data = energy::report_chart_data(rep, path);
  if (vm.count("output")) {
    write_file(vm["output"].as<std::string>(), energy::html_page(data));
  }
  if (vm.count("json")) {
    write_file(vm["json"].as<std::string>(), rep.dump(2) + "\n");
  }
  const auto& t = rep["energy"]["total"];
  std::cout << std::setprecision(4) << data["network"].get<std::string>() << ": " << data["cycles"].get<double>()
            << " cycles, PE utilization " << data["pe_utilization"].get<double>() << "\n"
            << "energy (" << rep["energy"]["model"].get<std::string>() << "): " << t["pj"].get<double>() << " pJ, "
            << (t["pj_per_mac"].is_number() ? t["pj_per_mac"].get<double>() : 0.0) << " pJ/MAC, "
            << t["tops_per_w"].get<double>() << " TOPS/W, " << t["inferences_per_joule"].get<double>()
            << " inferences/J\n";
  for (const auto& [k, v] : t["components"].items())
    std::cout << "  " << std::left << std::setw(11) << k << std::right << std::setw(12) << v.get<double>() << " pJ  "
              << std::setw(6) << std::fixed << std::setprecision(2) << 100.0 * v.get<double>() / t["pj"].get<double>()
              << "%\n" << std::defaultfloat << std::setprecision(4);
  return kExitOk;
}

}  // namespace lutsim::cli
