// Design-space sweeps (lutsim sweep SWEEP.yaml): a grid or a list of hardware-config overrides times a list of
// networks. This part parses the sweep file into points and turns point results into CSV and a Pareto page; running
// a point (subprocesses of lutsim) is cli/cmd_sweep.cc. The file format is in docs/energy.md.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lutsim::energy {

struct SweepNetwork {
  std::string name;
  std::string path;                  // a network file, or empty when generated
  std::vector<std::string> gen_args; // lutsim gen arguments (without -o) when generated
  std::string input;                 // an input .npy for the simulation, or empty: random images
  int images = 1;                    // random images when input is empty
  std::string eval_data, eval_labels;  // for accuracy, optional (both or neither)
};

struct SweepPoint {
  int index = 0;
  int network = 0;                                        // index into Sweep::networks
  std::vector<std::pair<std::string, nlohmann::json>> overrides;  // dotted config path -> value, in file order
  std::string hw_json;                                    // the full, validated config (HwConfig::to_json)
  std::string label;                                      // "lenet5 array=[8,8] sram_kib.weight=64"
};

struct Sweep {
  std::string file, name, dir;       // dir: the sweep file's folder; relative paths resolve against it
  std::string base_hw = "default";
  std::string energy = "45nm";
  std::string cell_counts;           // optional path for the area model
  std::string output;                // results folder
  std::string engine = "auto";       // auto (sim when built, else isa), sim, isa
  int jobs = 2;
  std::vector<SweepNetwork> networks;
  std::vector<std::string> params;   // override paths in column order
  std::vector<SweepPoint> points;
};

// Parses and validates a sweep file: every point's config is built and checked (an error names the file, the
// point and the parameter). Throws lutsim::Error.
Sweep load_sweep(const std::string& path);

// Applies overrides to a config's JSON text and validates it; `where` names the point in errors.
std::string apply_overrides(const std::string& base_json,
                            const std::vector<std::pair<std::string, nlohmann::json>>& overrides,
                            const std::string& where);

// Marks on every result (objects with "network", "latency_s", "energy_pj") whether it is on the Pareto front of
// its network (latency and energy both minimised; results missing either are never on it).
void mark_pareto(nlohmann::ordered_json& results);

// CSV of point results, one row per point in index order; columns: point, network, each parameter, then the
// metrics. Missing values are empty cells.
std::string results_csv(const Sweep& s, const nlohmann::ordered_json& results);

}  // namespace lutsim::energy
