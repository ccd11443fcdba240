// The energy model: per-action energies (a table file, docs/energy.md) times the activity counters of a simulation
// report (the SystemC model's `lutsim sim --report`, schema in docs/energy.md), plus leakage per cycle.
//
// Presets live in energy/presets/*.json and are compiled into the library, so `--energy 45nm` works anywhere; a
// path to a JSON file of the same format works too. A preset may derive from another one by scale factors (the
// 7 nm preset scales the 45 nm one).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lutsim::energy {

struct EnergyModel {
  std::string name;
  double node_nm = 0;
  double vdd = 0;
  std::string description;
  // Dynamic energy per action, pJ.
  double add_8 = 0, add_32 = 0;       // 8-bit and 32-bit integer add; A-bit adds interpolate linearly
  double mult_8x8 = 0;                // 8 x 8 bit multiply
  double lut_read = 0;                // one read of a column LUT (16:1 mux of 8-bit entries)
  double reg_write_per_bit = 0;       // one flip-flop written
  double ppu_lane_op = 0;             // one PPU lane: bias add, rounding shift, clamp
  double vec_lane_op = 0;             // one vector-unit lane operation: a 32-bit add or max
  double instruction = 0;             // fetch, decode and queue one 256-bit instruction
  std::vector<std::pair<double, double>> sram_read_64bit;  // (SRAM KiB, pJ per 64-bit read), sizes increasing
  double sram_write_factor = 1;       // write energy / read energy
  double dram_per_byte = 0;
  // Leakage, pJ per cycle.
  double leak_pe = 0;                 // per PE
  double leak_sram_per_kib = 0;       // per KiB of on-chip SRAM
  double leak_control = 0;            // controller, queues, DMA, PPU, vector unit together
  // Area, um^2.
  std::map<std::string, double> cell_area;  // generic cells: inv, nand2, ..., dff (see docs/energy.md)
  double sram_bitcell = 0;
  double sram_array_efficiency = 1;   // bit-cell area / macro area

  // Energy of one A-bit add: linear in A through (8, add_8) and (32, add_32).
  double add_pj(int bits) const;
  // Energy per byte of an SRAM of `bytes` bytes: the 64-bit read energy interpolated log-log over size between
  // the table's anchors (extrapolated with the nearest segment's slope), divided by 8; writes x sram_write_factor.
  double sram_pj_per_byte(std::int64_t bytes, bool write) const;
  // Energy of one MAC in the PE: multiply, A-bit add, and the activation (8 bit) and partial-sum (A bit)
  // pipeline registers. The LUT read is counted separately (lut_reads).
  double mac_pj(int acc_bits) const;
  nlohmann::ordered_json to_json() const;
};

// A preset name (energy_presets()) or a path to a JSON file. Throws lutsim::Error naming the file and field.
EnergyModel load_energy_model(const std::string& preset_or_path);
// Parses preset JSON text; `source` names it in error messages.
EnergyModel parse_energy_model(const std::string& json_text, const std::string& source);
std::vector<std::string> energy_presets();

// The energy components of a report, in report order.
const std::vector<std::string>& energy_components();

struct EnergyOptions {
  // Counters absent from the report count as zero and are listed under "missing_counters" instead of being an
  // error: for reports of engines that count only a subset (the ISA interpreter).
  bool allow_missing = false;
};

// The "energy" section for a simulation report (format lutsim-sim-report, version 1): pJ per component and per
// layer, pJ per MAC, TOPS/W, inferences per joule, average power. `source` names the report in error messages.
// Throws lutsim::Error naming the field when a counter, the cycle count or the hardware config is missing or bad.
//
// cmd_sim adds it with:  report["energy"] = lutsim::energy::energy_section(report, lutsim::energy::load_energy_model(name));
nlohmann::ordered_json energy_section(const nlohmann::ordered_json& sim_report, const EnergyModel& model,
                                      const std::string& source = "report", const EnergyOptions& opt = {});

}  // namespace lutsim::energy
