// The area model: logic from Yosys cell counts (rtl/synth/cell_counts.json, written by scripts/synth.sh) times the
// cell areas of an energy preset, plus SRAM macros as bits x bit-cell area / array efficiency (docs/energy.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lutsim/energy/energy.h"
#include "lutsim/hw/config.h"

namespace lutsim::energy {

struct AreaUnit {
  std::string unit;   // pe_array, weight_path, gemm_ctrl, vector, ppu, dma, control, sram_act, ...
  double um2 = 0;
  std::string basis;  // how the number was obtained, for the table
};

struct AreaEstimate {
  std::vector<AreaUnit> units;
  double logic_um2 = 0, sram_um2 = 0, total_um2 = 0;
  bool have_logic = false;         // false when no cell counts were given: PE array and LUTs estimated from gates
  std::vector<std::string> notes;  // e.g. counts synthesised for other parameters and scaled
  nlohmann::ordered_json to_json() const;
};

// The area of an SRAM of `bytes` bytes: 8 x bytes x bit cell / array efficiency.
double sram_area_um2(std::int64_t bytes, const EnergyModel& m);
// The area of one cell of a Yosys type ($_AND_, $_DFF_P_, $_SDFFE_PP0P_, ...) or of a cell named in the preset's
// table. Throws lutsim::Error naming `where` for an unknown type.
double cell_area_um2(const std::string& type, const EnergyModel& m, const std::string& where);

// Reads cell counts: {"modules": [{"module": "lutsim_pe", "params": {"ACC_BITS": 32, ...},
// "cells": {"$_AND_": 12, ...}, "total": 40}, ...]} (a bare array of modules is accepted too).
nlohmann::json load_cell_counts(const std::string& path);

// The per-unit area for `hw`. `cell_counts` may be null (SRAM only); `source` names it in error messages.
AreaEstimate estimate_area(const HwConfig& hw, const EnergyModel& m, const nlohmann::json* cell_counts,
                           const std::string& source = "cell counts");

}  // namespace lutsim::energy
