// lutsim area --hw HW: the accelerator's area per unit, from Yosys cell counts (scripts/synth.sh) and an SRAM
// model, both with the cell areas of an energy preset.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/energy/area.h"
#include "lutsim/energy/energy.h"
#include "lutsim/model/format.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"

namespace lutsim::cli {

int cmd_area(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("hw", po::value<std::string>()->default_value("default")->value_name("HW"), "hardware config: preset or JSON file")
      ("energy", po::value<std::string>()->default_value("45nm")->value_name("PRESET|FILE"),
       "cell and SRAM bit-cell areas: an energy preset (45nm, 7nm) or a JSON file")
      ("cells", po::value<std::string>()->value_name("FILE"),
       "Yosys cell counts (default: rtl/synth/cell_counts.json when it exists; without any, only SRAM is estimated)")
      ("json", po::value<std::string>()->value_name("OUT.json"), "also write the estimate as JSON ('-' for stdout)");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_args("area", "[--hw HW] [--energy PRESET|FILE] [--cells FILE] [--json OUT.json]",
                  "Estimates the area of each unit: logic from Yosys cell counts times the preset's cell areas,\n"
                  "SRAMs as bits x bit-cell area / array efficiency (docs/energy.md). Prints a table in um^2.",
                  opts, hidden, pos, args, vm))
    return kExitOk;
  const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
  const energy::EnergyModel m = energy::load_energy_model(vm["energy"].as<std::string>());
  std::string cells;
  if (vm.count("cells")) cells = vm["cells"].as<std::string>();
  else if (std::filesystem::exists("rtl/synth/cell_counts.json")) cells = "rtl/synth/cell_counts.json";
  nlohmann::json counts;
  if (!cells.empty()) counts = energy::load_cell_counts(cells);
  const energy::AreaEstimate a = energy::estimate_area(hw, m, cells.empty() ? nullptr : &counts, cells);
  const bool json_stdout = vm.count("json") && vm["json"].as<std::string>() == "-";
  if (!json_stdout) {
    std::cout << "area of '" << hw.name << "' (" << hw.rows << " x " << hw.cols << " PEs) with cell preset " << m.name
              << (cells.empty() ? "" : ", cell counts " + cells) << ":\n";
    std::cout << std::left << std::setw(13) << "unit" << std::right << std::setw(14) << "um^2" << std::setw(8) << "%"
              << "  basis\n";
    for (const energy::AreaUnit& u : a.units)
      std::cout << std::left << std::setw(13) << u.unit << std::right << std::fixed << std::setprecision(1)
                << std::setw(14) << u.um2 << std::setw(8) << 100.0 * u.um2 / a.total_um2 << "  " << u.basis << "\n";
    std::cout << std::left << std::setw(13) << "total" << std::right << std::setw(14) << a.total_um2 << "  ("
              << std::setprecision(4) << a.total_um2 * 1e-6 << " mm^2)\n";
    for (const std::string& n : a.notes) std::cout << "note: " << n << "\n";
  }
  if (vm.count("json")) {
    nlohmann::ordered_json j = {{"hw", nlohmann::ordered_json::parse(hw.to_json())}, {"preset", m.name}};
    j.update(a.to_json());
    if (json_stdout) {
      std::cout << j.dump(2) << "\n";
    } else {
      write_file(vm["json"].as<std::string>(), j.dump(2) + "\n");
    }
  }
  return kExitOk;
}

}  // namespace lutsim::cli
