// The energy and area models against hand calculations from the published figures (docs/energy.md), and their
// errors. The fixture tests/energy/data/tiny_report.json is a hand-written report of three layers following the
// schema of docs/energy.md; cell_counts.json is a hand-written Yosys cell count file.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "lutsim/energy/area.h"
#include "lutsim/energy/energy.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"

namespace lutsim::energy {
namespace {

using ojson = nlohmann::ordered_json;

std::string data(const std::string& name) { return std::string(LUTSIM_SOURCE_DIR) + "/tests/energy/data/" + name; }

ojson load(const std::string& name) {
  std::ifstream f(data(name));
  std::stringstream ss;
  ss << f.rdbuf();
  return ojson::parse(ss.str());
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Horowitz (ISSCC 2014) at 45 nm, written out here independently of the preset file: a 64-bit read of an SRAM of
// S KiB on the log-log line through (8 KiB, 10 pJ), (32 KiB, 20 pJ), (1 MiB, 100 pJ).
double sram64(double kib) {
  if (kib <= 32) return 10.0 * std::pow(kib / 8.0, std::log(2.0) / std::log(4.0));
  return 20.0 * std::pow(kib / 32.0, std::log(5.0) / std::log(32.0));
}

TEST(EnergyModel, SramEnergyPassesThroughThePublishedPoints) {
  const EnergyModel m = load_energy_model("45nm");
  EXPECT_NEAR(m.sram_pj_per_byte(8 * 1024, false), 10.0 / 8, 1e-9);
  EXPECT_NEAR(m.sram_pj_per_byte(32 * 1024, false), 20.0 / 8, 1e-9);
  EXPECT_NEAR(m.sram_pj_per_byte(1024 * 1024, false), 100.0 / 8, 1e-9);
  EXPECT_NEAR(m.sram_pj_per_byte(256 * 1024, false), sram64(256) / 8, 1e-9);
  EXPECT_NEAR(m.sram_pj_per_byte(16 * 1024, false), sram64(16) / 8, 1e-9);
  // Below the smallest anchor the first segment's slope continues: 2 KiB is half of 8 KiB's energy.
  EXPECT_NEAR(m.sram_pj_per_byte(2 * 1024, false), 5.0 / 8, 1e-9);
  // Bigger SRAMs cost more per byte.
  EXPECT_LT(m.sram_pj_per_byte(64 * 1024, false), m.sram_pj_per_byte(128 * 1024, false));
}

TEST(EnergyModel, AddEnergyScalesLinearlyWithWidth) {
  const EnergyModel m = load_energy_model("45nm");
  EXPECT_NEAR(m.add_pj(8), 0.03, 1e-12);
  EXPECT_NEAR(m.add_pj(32), 0.1, 1e-12);
  EXPECT_NEAR(m.add_pj(16), 0.03 + 0.07 / 3, 1e-12);
  EXPECT_NEAR(m.add_pj(24), 0.03 + 0.07 * 2 / 3, 1e-12);
}

// The 7 nm preset's energy factor is the ratio of the Stillmaker-Baas (2017) energy polynomials
// a V^2 + b V + c at 7 nm, 0.7 V and 45 nm, 0.9 V.
TEST(EnergyModel, SevenNanometrePresetScalesByStillmakerBaas) {
  const double e45 = 1.103 * 0.9 * 0.9 - 0.362 * 0.9 + 0.2767;
  const double e7 = 0.1776 * 0.7 * 0.7 - 0.09097 * 0.7 + 0.02447;
  const double f = e7 / e45;
  const EnergyModel a = load_energy_model("45nm"), b = load_energy_model("7nm");
  EXPECT_NEAR(b.mult_8x8 / a.mult_8x8, f, 1e-5);
  EXPECT_NEAR(b.add_32 / a.add_32, f, 1e-5);
  EXPECT_NEAR(b.sram_pj_per_byte(64 * 1024, false) / a.sram_pj_per_byte(64 * 1024, false), f, 1e-5);
  EXPECT_DOUBLE_EQ(b.dram_per_byte, a.dram_per_byte);  // off-chip DRAM does not follow the logic node
  EXPECT_NEAR(b.cell_area.at("dff") / a.cell_area.at("dff"), 0.059, 1e-12);
  EXPECT_DOUBLE_EQ(b.sram_bitcell, 0.027);
  EXPECT_EQ(b.name, "7nm");
}

// Counts x table for layer conv1 of the fixture, by hand: every term from the published 45 nm figures.
TEST(EnergySection, HandCalculationForOneLayer) {
  const ojson rep = load("tiny_report.json");
  const ojson e = energy_section(rep, load_energy_model("45nm"), "tiny_report.json");
  const ojson& c = e["layers"][0]["components"];
  ASSERT_EQ(e["layers"][0]["name"], "conv1");
  const double reg = 0.0027;  // pJ per flip-flop written (docs/energy.md)
  // 4608 MACs: 8x8 multiply 0.2 pJ + 32-bit add 0.1 pJ + 8 + 32 pipeline register bits.
  EXPECT_NEAR(c["mac"].get<double>(), 4608 * (0.2 + 0.1 + 40 * reg), 1e-6);
  EXPECT_NEAR(c["lut"].get<double>(), 4608 * 0.035, 1e-6);
  EXPECT_NEAR(c["pe_regs"].get<double>(), (768 + 256) * 8 * reg, 1e-9);
  // Activation SRAM 256 KiB: 704 bytes read, 272 written; weight 128 KiB: 384 + 384; param 16 KiB: 80 + 48;
  // accumulator 64 KiB: 3072 + 3072. Writes cost as much as reads in the 45 nm preset.
  EXPECT_NEAR(c["sram_act"].get<double>(), (704 + 272) * sram64(256) / 8, 1e-6);
  EXPECT_NEAR(c["sram_wgt"].get<double>(), (384 + 384) * sram64(128) / 8, 1e-6);
  EXPECT_NEAR(c["sram_param"].get<double>(), (80 + 48) * sram64(16) / 8, 1e-6);
  EXPECT_NEAR(c["sram_acc"].get<double>(), (3072 + 3072) * sram64(64) / 8, 1e-6);
  // DRAM: 1.3-2.6 nJ per 64 bits, the midpoint 1.95 nJ / 8 bytes.
  EXPECT_NEAR(c["dram"].get<double>(), (576 + 128) * 1950.0 / 8, 1e-6);
  EXPECT_NEAR(c["ppu"].get<double>(), 128 * 0.4, 1e-9);
  EXPECT_NEAR(c["vector"].get<double>(), 0.0, 1e-12);
  // 8 instructions (1 SYNC, 3 LOAD, 1 STORE, WCFG, GEMM, PPU), each 256 bits into a queue register.
  EXPECT_NEAR(c["control"].get<double>(), 8 * 256 * reg, 1e-9);
  // Leakage over 400 cycles: 256 PEs x 0.01 + 464 KiB x 0.01 + 0.5 pJ per cycle.
  EXPECT_NEAR(c["leakage"].get<double>(), 400 * (256 * 0.01 + 464 * 0.01 + 0.5), 1e-6);
  double sum = 0;
  for (const auto& [k, v] : c.items()) sum += v.get<double>();
  EXPECT_NEAR(e["layers"][0]["pj"].get<double>(), sum, 1e-6);
  EXPECT_NEAR(e["layers"][0]["pj_per_mac"].get<double>(), sum / 4608, 1e-9);
}

TEST(EnergySection, TotalsAreTheSumOfLayersAndTheRatiosFollow) {
  // The fixture's total counters and cycles are the sums of its layers', so the energies must add up too.
  const ojson rep = load("tiny_report.json");
  const ojson e = energy_section(rep, load_energy_model("45nm"));
  double sum = 0;
  for (const auto& l : e["layers"]) sum += l["pj"].get<double>();
  const ojson& t = e["total"];
  EXPECT_NEAR(t["pj"].get<double>(), sum, 1e-6 * sum);
  EXPECT_EQ(t["macs"].get<double>(), 4608 + 320);
  EXPECT_NEAR(t["pj_per_mac"].get<double>(), sum / 4928, 1e-9 * sum);
  EXPECT_NEAR(t["tops_per_w"].get<double>(), 2.0 * 4928 / sum, 1e-12);
  EXPECT_NEAR(t["inferences_per_joule"].get<double>(), 1.0 / (sum * 1e-12), 1e-6 / (sum * 1e-12));
  EXPECT_NEAR(t["seconds"].get<double>(), 700 / 500e6, 1e-18);
  // 7 nm spends less on everything on chip; DRAM stays.
  const ojson e7 = energy_section(rep, load_energy_model("7nm"));
  EXPECT_LT(e7["total"]["components"]["mac"].get<double>(), t["components"]["mac"].get<double>() * 0.1);
  EXPECT_DOUBLE_EQ(e7["total"]["components"]["dram"].get<double>(), t["components"]["dram"].get<double>());
}

TEST(EnergySection, AccumulatorWidthChangesTheAddAndRegisterEnergy) {
  ojson rep = load("tiny_report.json");
  rep["hw"]["acc_bits"] = 16;
  const ojson e = energy_section(rep, load_energy_model("45nm"));
  EXPECT_NEAR(e["layers"][0]["components"]["mac"].get<double>(), 4608 * (0.2 + (0.03 + 0.07 / 3) + 24 * 0.0027), 1e-6);
}

TEST(EnergySection, MissingCountersAreErrorsNamingTheField) {
  ojson rep = load("tiny_report.json");
  rep["layers"][1]["counters"]["sram"]["act"].erase("read_bytes");
  EXPECT_EQ(error_of([&] { energy_section(rep, load_energy_model("45nm"), "R.json"); }),
            "R.json: layers[1] ('pool1').counters.sram.act.read_bytes: missing counter (the report must carry every "
            "counter of docs/energy.md)");
  // With allow_missing they read as zero and are listed.
  const ojson e = energy_section(rep, load_energy_model("45nm"), "R.json", EnergyOptions{.allow_missing = true});
  EXPECT_EQ(e["missing_counters"], ojson::array({"sram.act.read_bytes"}));

  ojson r2 = load("tiny_report.json");
  r2["total"]["counters"]["macs"] = -3;
  EXPECT_EQ(error_of([&] { energy_section(r2, load_energy_model("45nm"), "R.json"); }),
            "R.json: total.counters.macs: expected a non-negative count");
  ojson r3 = load("tiny_report.json");
  r3["format"] = "lutsim-stats";
  EXPECT_NE(error_of([&] { energy_section(r3, load_energy_model("45nm"), "R.json"); }).find("R.json: format: expected"),
            std::string::npos);
  ojson r4 = load("tiny_report.json");
  r4["total"].erase("cycles");
  EXPECT_EQ(error_of([&] { energy_section(r4, load_energy_model("45nm"), "R.json"); }), "R.json: total.cycles: missing");
  ojson r5 = load("tiny_report.json");
  r5["hw"]["array"]["rows"] = 0;
  EXPECT_NE(error_of([&] { energy_section(r5, load_energy_model("45nm"), "R.json"); }).find("R.json: hw"),
            std::string::npos);
}

TEST(EnergyModel, UnknownPresetsAndBadFilesAreClearErrors) {
  EXPECT_EQ(error_of([] { load_energy_model("3nm"); }),
            "energy model '3nm': neither a preset (45nm, 7nm) nor a readable file");
  EXPECT_EQ(error_of([] { parse_energy_model("{", "m.json"); }).rfind("m.json: not valid JSON", 0), 0u);
  std::ifstream f(std::string(LUTSIM_SOURCE_DIR) + "/energy/presets/45nm.json");
  std::stringstream ss;
  ss << f.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str());
  j["energy_pj"]["mult_8x8"] = -1;
  EXPECT_EQ(error_of([&] { parse_energy_model(j.dump(), "m.json"); }).rfind("m.json: energy_pj.mult_8x8: ", 0), 0u);
  j["energy_pj"]["mult_8x8"] = 0.2;
  j["energy_pj"]["mult_16x16"] = 1;
  EXPECT_EQ(error_of([&] { parse_energy_model(j.dump(), "m.json"); }).rfind("m.json: energy_pj.mult_16x16: unknown field", 0), 0u);
  j["energy_pj"].erase("mult_16x16");
  j["energy_pj"]["sram_read_64bit"] = {{32, 20}, {8, 10}};
  EXPECT_EQ(error_of([&] { parse_energy_model(j.dump(), "m.json"); }),
            "m.json: energy_pj.sram_read_64bit[1]: sizes must increase");
  nlohmann::json d = {{"name", "x"}, {"node_nm", 5}, {"vdd", 0.7}, {"derive_from", "2nm"},
                      {"scale", {{"logic_energy", 1}, {"sram_energy", 1}, {"dram_energy", 1}, {"leakage", 1}, {"logic_area", 1}}}};
  EXPECT_EQ(error_of([&] { parse_energy_model(d.dump(), "d.json"); }), "d.json: derive_from: unknown preset '2nm'");
}

// Area: the fixture's cells times NanGate FreePDK45 areas, by hand.
TEST(Area, CellCountsTimesCellAreasAndSramBits) {
  const EnergyModel m = load_energy_model("45nm");
  const nlohmann::json counts = load_cell_counts(data("cell_counts.json"));
  const double pe = 70 * 1.064 + 60 * 1.596 + 40 * 1.862 + 48 * 4.522 + 10 * 0.532;
  const double array4 = 16 * pe + 64 * (4.522 + 1.862);  // $_DFFE_PP_: a flip-flop and an enable mux
  HwConfig hw = load_hw_config("default");
  hw.rows = hw.cols = 4;
  const AreaEstimate a4 = estimate_area(hw, m, &counts, "cell_counts.json");
  ASSERT_TRUE(a4.have_logic);
  EXPECT_EQ(a4.units[0].unit, "pe_array");
  EXPECT_NEAR(a4.units[0].um2, array4, 1e-6);
  EXPECT_TRUE(a4.notes.empty()) << a4.notes[0];
  // ppu at 4 columns: 400 AND2 + 100 flip-flops with a synchronous reset (DFF + AND2).
  EXPECT_EQ(a4.units[1].unit, "ppu");
  EXPECT_NEAR(a4.units[1].um2, 400 * 1.064 + 100 * (4.522 + 1.064), 1e-6);
  // Three instruction queues: DFF with asynchronous reset (DFFR_X1 5.32) and MUX2.
  EXPECT_EQ(a4.units[2].unit, "queues");
  EXPECT_NEAR(a4.units[2].um2, 3 * (300 * 5.32 + 200 * 1.862), 1e-6);
  // SRAM: 256 KiB of 0.346 um^2 cells at 70% array efficiency.
  EXPECT_EQ(a4.units[3].unit, "sram_act");
  EXPECT_NEAR(a4.units[3].um2, 256 * 1024 * 8 * 0.346 / 0.7, 1e-3);
  // A 16 x 16 array from counts of a 4 x 4 one: x16, and a note says so.
  const AreaEstimate a16 = estimate_area(load_hw_config("default"), m, &counts, "cell_counts.json");
  EXPECT_NEAR(a16.units[0].um2, 16 * array4, 1e-6);
  EXPECT_FALSE(a16.notes.empty());
  // Without counts: SRAM, and the PE array and LUT registers from gates. A full adder is 2 XOR2 + 2 AND2 + OR2;
  // a PE is a 9x8 multiplier (72 AND2, 64 full adders), a 32-bit adder, 8 + 32 + 16 flip-flops and 8 16:1 muxes.
  const AreaEstimate s = estimate_area(load_hw_config("default"), m, nullptr);
  EXPECT_FALSE(s.have_logic);
  const double fa = 2 * 1.596 + 2 * 1.064 + 1.064;
  const double pe_est = 72 * 1.064 + 64 * fa + 32 * fa + 56 * 4.522 + 120 * 1.862;
  EXPECT_NEAR(s.units[0].um2, 256 * pe_est, 1e-6);
  EXPECT_NEAR(s.units[1].um2, 16 * 128 * 4.522, 1e-6);
  EXPECT_NEAR(s.total_um2, 256 * pe_est + 16 * 128 * 4.522 + (256 + 128 + 64 + 16) * 1024 * 8 * 0.346 / 0.7, 1e-3);
}

TEST(Area, GemmControllerIsCountedWithoutThePeArrayItInstantiates) {
  // lutsim_gemm_ctrl at 2x2 flattens 10 AND2 of which 4 are its 2x2 PE array; the 8x8 array has its own entry.
  // The controller's own area is 6 AND2 (1.064 um^2 each) at any array size; without a 2x2 array entry to take
  // away it is left out with a note rather than counting the array twice.
  const EnergyModel m = load_energy_model("45nm");
  nlohmann::json counts = {{"modules",
                            {{{"module", "lutsim_gemm_ctrl"}, {"params", {{"ROWS", 2}, {"COLS", 2}}},
                              {"cells_by_type", {{"$_AND_", 10}}}},
                             {{"module", "lutsim_pe_array"}, {"params", {{"ROWS", 2}, {"COLS", 2}}},
                              {"cells_by_type", {{"$_AND_", 4}}}},
                             {{"module", "lutsim_pe_array"}, {"params", {{"ROWS", 8}, {"COLS", 8}}},
                              {"cells_by_type", {{"$_AND_", 64}}}}}}};
  HwConfig hw = load_hw_config("default");
  hw.rows = hw.cols = 8;
  auto unit = [](const AreaEstimate& a, const std::string& name) {
    for (const auto& u : a.units)
      if (u.unit == name) return u.um2;
    return -1.0;
  };
  const AreaEstimate a = estimate_area(hw, m, &counts, "c.json");
  EXPECT_NEAR(unit(a, "pe_array"), 64 * 1.064, 1e-9);
  EXPECT_NEAR(unit(a, "gemm_ctrl"), 6 * 1.064, 1e-9);
  counts["modules"].erase(1);
  const AreaEstimate b = estimate_area(hw, m, &counts, "c.json");
  EXPECT_EQ(unit(b, "gemm_ctrl"), -1.0);
  bool noted = false;
  for (const auto& n : b.notes) noted |= n.find("gemm_ctrl: left out") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Area, UnknownCellTypesAndBadFilesAreErrors) {
  const EnergyModel m = load_energy_model("45nm");
  nlohmann::json counts = {{"modules", {{{"module", "lutsim_ppu"}, {"cells_by_type", {{"$_FOO_", 3}}}}}}};
  EXPECT_EQ(error_of([&] { estimate_area(load_hw_config("default"), m, &counts, "c.json"); }),
            "c.json: modules[0] (lutsim_ppu).cells_by_type.$_FOO_: unknown cell type '$_FOO_' (expected a Yosys internal gate "
            "such as $_AND_ or $_DFF_P_, or a cell of the preset's area table)");
  counts = {{"modules", {{{"module", "lutsim_ppu"}, {"cells_by_type", {{"$_AND_", -1}}}}}}};
  EXPECT_EQ(error_of([&] { estimate_area(load_hw_config("default"), m, &counts, "c.json"); }),
            "c.json: modules[0] (lutsim_ppu).cells_by_type.$_AND_: expected a non-negative integer count");
  counts = {{"mods", 1}};
  EXPECT_EQ(error_of([&] { estimate_area(load_hw_config("default"), m, &counts, "c.json"); }),
            "c.json: modules: missing or not an array");
  EXPECT_EQ(error_of([] { load_cell_counts("/nonexistent/cells.json"); }).rfind("/nonexistent/cells.json: cannot read", 0), 0u);
}

}  // namespace
}  // namespace lutsim::energy
