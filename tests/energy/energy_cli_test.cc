// lutsim report, area and sweep end to end: the real binary on the fixtures of tests/energy/data, the HTML page
// rendered by headless Chromium and read back, sweeps run locally and point by point, and every error path.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "../cli/cli_helpers.h"

namespace lutsim::testing {
namespace {

using ojson = nlohmann::ordered_json;

std::string data(const std::string& name) { return std::string(LUTSIM_SOURCE_DIR) + "/tests/energy/data/" + name; }

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

// The DOM of an HTML page after its scripts ran, from headless Chromium; empty when Chromium is not installed.
std::string rendered_dom(const ScratchDir& dir, const std::string& html) {
  const char* candidates[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"};
  std::string exe;
  for (const char* c : candidates)
    if (std::filesystem::exists(c)) exe = c;
  if (exe.empty()) return "";
  const std::string out = dir / "dom.html";
  const std::string cmd = q(exe) + " --headless --no-sandbox --disable-gpu --user-data-dir=" + q(dir / "chrome") +
                          " --dump-dom " + q("file://" + html) + " >" + q(out) + " 2>" + q(dir / "chrome.log");
  if (std::system(cmd.c_str()) != 0) return "";
  return read_file(out);
}

// Values of attribute `attr` of the elements carrying every attribute of `match` (attributes in document order).
std::string attr_of(const std::string& dom, const std::string& match, const std::string& attr) {
  const std::size_t at = dom.find(match);
  if (at == std::string::npos) return "(no element with " + match + ")";
  const std::size_t start = dom.rfind('<', at), end = dom.find('>', at);
  const std::string tag = dom.substr(start, end - start);
  const std::regex re(attr + "=\"([^\"]*)\"");
  std::smatch m;
  if (!std::regex_search(tag, m, re)) return "(no " + attr + ")";
  return m[1];
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(ReportCli, HtmlChartsHoldTheReportsNumbersWhenRendered) {
  ScratchDir dir;
  const CliResult r = run_lutsim(dir, "report " + q(data("tiny_report.json")) + " -o " + q(dir / "r.html") +
                                          " --json " + q(dir / "r.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("tiny: 700 cycles"), std::string::npos) << r.out;
  const ojson rep = ojson::parse(read_file(dir / "r.json"));
  ASSERT_TRUE(rep.contains("energy"));
  const std::string html = read_file(dir / "r.html");
  // Self-contained: nothing fetched from anywhere.
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);

  const std::string dom = rendered_dom(dir, dir / "r.html");
  if (dom.empty()) GTEST_SKIP() << "headless Chromium is not installed (Debian package chromium)";
  EXPECT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << "the page's script did not finish";
  for (const char* id : {"id=\"cycles\"", "id=\"util\"", "id=\"energy-components\"", "id=\"energy-layers\"",
                         "id=\"roofline\"", "id=\"roof-dram\"", "id=\"roof-array\""})
    EXPECT_NE(dom.find(id), std::string::npos) << id;
  // Cycles: conv1's PE array was busy 160 and the PPU 20 cycles (compute 180); stalled on DRAM 90, on tokens 30.
  EXPECT_EQ(attr_of(dom, "data-layer=\"conv1\" data-key=\"compute\"", "data-value"), "180");
  EXPECT_EQ(attr_of(dom, "data-layer=\"conv1\" data-key=\"dma_stall\"", "data-value"), "90");
  EXPECT_EQ(attr_of(dom, "data-layer=\"conv1\" data-key=\"token_stall\"", "data-value"), "30");
  EXPECT_EQ(attr_of(dom, "data-layer=\"pool1\" data-key=\"compute\"", "data-value"), "26");
  // 3 layers x 4 cycle segments + 3 layers x 12 energy components.
  EXPECT_EQ(count(dom, "class=\"seg\""), 3u * 4 + 3u * 12);
  // Utilization bars and the energy per component are the report's numbers.
  EXPECT_EQ(attr_of(dom, "class=\"bar\" data-layer=\"conv1\"", "data-value"), "0.45");
  const double dram = rep["energy"]["total"]["components"]["dram"].get<double>();
  EXPECT_DOUBLE_EQ(std::stod(attr_of(dom, "data-component=\"dram\"", "data-value")), dram);
  // Roofline: the array roof is 16 x 16 x 500 MHz MAC/s, the DRAM roof 16 B/cycle x 500 MHz; conv1's point sits at
  // 4608 MACs / 704 DRAM bytes and 4608 MACs in 400 cycles.
  EXPECT_DOUBLE_EQ(std::stod(attr_of(dom, "id=\"roof-array\"", "data-macs-per-s")), 256 * 500e6);
  EXPECT_DOUBLE_EQ(std::stod(attr_of(dom, "id=\"roof-dram\"", "data-bytes-per-s")), 16 * 500e6);
  EXPECT_DOUBLE_EQ(std::stod(attr_of(dom, "class=\"pt\" data-layer=\"conv1\"", "data-intensity")), 4608.0 / 704);
  EXPECT_DOUBLE_EQ(std::stod(attr_of(dom, "class=\"pt\" data-layer=\"conv1\"", "data-value")), 4608 / (400 / 500e6));
  // The layer table has a row per layer.
  EXPECT_EQ(count(dom, "<tr data-layer="), 3u);
}

// A real report of the SystemC model (when this binary has it) goes through lutsim report: the schema the energy
// model reads is the one lutsim sim writes.
TEST(ReportCli, RealSimulationReport) {
  ScratchDir dir;
  if (run_lutsim(dir, "sim --help").code != 0) GTEST_SKIP() << "this lutsim has no SystemC model";
  CliResult r = run_lutsim(dir, "gen --arch lenet5 -o " + q(dir / "n.npz"));
  ASSERT_EQ(r.code, 0) << r.err;
  // One random image of the network input's shape, written by lutsim sweep's own input generator is not reachable
  // from here; an all-zero u8 image in .npy format is enough for counters.
  const std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 32, 32, 1), }";
  std::string h = header;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  npy += static_cast<char>(h.size() & 0xff);
  npy += static_cast<char>(h.size() >> 8);
  npy += h + std::string(32 * 32, '\0');
  write(dir / "x.npy", npy);
  r = run_lutsim(dir, "sim " + q(dir / "n.npz") + " --input " + q(dir / "x.npy") + " --report " + q(dir / "r.json") + " -q");
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_lutsim(dir, "report " + q(dir / "r.json") + " -o " + q(dir / "r.html") + " --json " + q(dir / "re.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  const ojson rep = ojson::parse(read_file(dir / "re.json"));
  const ojson& e = rep["energy"];
  EXPECT_EQ(e["layers"].size(), rep["layers"].size());
  EXPECT_EQ(e["total"]["macs"].get<double>(), rep["total"]["counters"]["macs"].get<double>());
  EXPECT_GT(e["total"]["pj"].get<double>(), 0);
  // Layer energies add up to the total up to what runs outside layers (leakage of cycles between them).
  double sum = 0;
  for (const auto& l : e["layers"]) sum += l["pj"].get<double>();
  EXPECT_LE(sum, e["total"]["pj"].get<double>() * (1 + 1e-9));
  EXPECT_GT(sum, e["total"]["pj"].get<double>() * 0.9);
}

TEST(ReportCli, EnergyPresetsAndErrors) {
  ScratchDir dir;
  CliResult r = run_lutsim(dir, "report " + q(data("tiny_report.json")) + " --energy 7nm --json " + q(dir / "r7.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ojson::parse(read_file(dir / "r7.json"))["energy"]["model"], "7nm");
  r = run_lutsim(dir, "report " + q(data("tiny_report.json")) + " --energy 9nm");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("energy model '9nm': neither a preset (45nm, 7nm) nor a readable file"), std::string::npos) << r.err;
  ojson rep = ojson::parse(read_file(data("tiny_report.json")));
  rep["layers"][2]["counters"].erase("ppu_lane_ops");
  write(dir / "bad.json", rep.dump());
  r = run_lutsim(dir, "report " + q(dir / "bad.json") + " -o " + q(dir / "x.html"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.json: layers[2] ('fc').counters.ppu_lane_ops: missing counter"), std::string::npos) << r.err;
  r = run_lutsim(dir, "report " + q(dir / "none.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("none.json: cannot read the report"), std::string::npos) << r.err;
  r = run_lutsim(dir, "report");
  EXPECT_EQ(r.code, 2);
}

TEST(AreaCli, TableAndJson) {
  ScratchDir dir;
  CliResult r = run_lutsim(dir, "area --hw default --cells " + q(data("cell_counts.json")) + " --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  const ojson a = ojson::parse(r.out);
  EXPECT_EQ(a["preset"], "45nm");
  double sum = 0;
  for (const auto& u : a["units"]) sum += u["um2"].get<double>();
  EXPECT_NEAR(a["total_um2"].get<double>(), sum, 1e-6 * sum);
  EXPECT_EQ(a["units"][0]["unit"], "pe_array");
  r = run_lutsim(dir, "area --hw small");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("sram_act"), std::string::npos);
  EXPECT_NE(r.out.find("total"), std::string::npos);
  r = run_lutsim(dir, "area --cells " + q(dir / "none.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("none.json: cannot read the cell counts"), std::string::npos) << r.err;
  r = run_lutsim(dir, "area --energy 2nm");
  EXPECT_EQ(r.code, 1);
}

TEST(SweepCli, BadSweepFilesAreClearErrors) {
  ScratchDir dir;
  const std::string net = "networks:\n  - name: n\n    gen: {arch: lenet5}\n";
  const std::pair<std::string, std::string> cases[] = {
      {"nets: []\n", "s.yaml: nets (line 1): unknown key (expected one of: name, hw, energy"},
      {"name: x\n", "s.yaml: networks: missing or empty"},
      {net + "grid:\n  array.rowz: [4]\n", "s.yaml: config array.rowz=4: unknown hardware parameter 'array.rowz'"},
      {net + "grid:\n  array.rows: [4, 0]\n", "s.yaml: config array.rows=0: hardware config: 'array.rows': 0 is outside the allowed range [1, 256]"},
      {net + "grid:\n  acc_bits: 16\n", "s.yaml: grid.acc_bits (line 5): expected a non-empty list of values"},
      {net + "grid:\n  acc_bits: [16]\npoints:\n  - {acc_bits: 16}\n", "s.yaml: points: give either grid or points"},
      {"networks:\n  - name: n\n", "s.yaml: networks[0]: a network needs path (a network file) or gen"},
      {"networks: [\n", "s.yaml: not valid YAML"},
      {net + "engine: fpga\n", "s.yaml: engine: 'fpga' is not one of auto, sim, isa"},
      {net + "energy: 9nm\n", "s.yaml: energy model '9nm': neither a preset (45nm, 7nm) nor a readable file"},
      {net + "cell_counts: none.json\n", "none.json: cannot read the cell counts"},
      // Found by fuzz_sweep: a byte that is not UTF-8 in a name reached the JSON writer, whose exception escaped.
      {"name: a\xe4\n" + net, "s.yaml: not valid UTF-8 (byte 7)"},
      // 10^9 points: refused before the product is built.
      {net + "grid:\n" + [] {
         std::string g;
         for (int i = 0; i < 9; ++i) g += "  p" + std::to_string(i) + ": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n";
         return g;
       }(),
       "s.yaml: grid: more than a million points"},
      // Found by fuzz_sweep (6 GB and 28 s before the error): a key repeated in the grid multiplied its points.
      {net + "grid:\n  acc_bits: [16, 24]\n  acc_bits: [32]\n", "s.yaml: grid.acc_bits (line 6): appears twice"},
      // 200,000 points with a 400-byte value each: refused before they are built.
      {net + "grid:\n  p: [" + [] {
         std::string v;
         for (int i = 0; i < 2000; ++i) v += (i ? ", " : "") + std::to_string(i);
         return v;
       }() + "]\n  name: [" + [] {
         std::string v;
         for (int i = 0; i < 100; ++i) v += (i ? ", " : "") + std::string(400, static_cast<char>('a' + i % 26));
         return v;
       }() + "]\n",
       "s.yaml: grid: its points would take more than 64 MiB"},
  };
  for (const auto& [text, msg] : cases) {
    write(dir / "s.yaml", text);
    const CliResult r = run_lutsim(dir, "sweep " + q(dir / "s.yaml") + " --count");
    EXPECT_EQ(r.code, 1) << text;
    EXPECT_NE(r.err.find(msg), std::string::npos) << "file:\n" << text << "\nmessage: " << r.err;
  }
  const CliResult r = run_lutsim(dir, "sweep " + q(dir / "missing.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.yaml: cannot read the sweep file"), std::string::npos) << r.err;
}

// A small sweep on the ISA engine (fast): run locally, resumed, and point by point with --gather (as a Slurm
// array does) with the same CSV.
TEST(SweepCli, LocalRunResumesAndEqualsPointByPointGather) {
  ScratchDir dir;
  write(dir / "s.yaml",
        "name: t\nengine: isa\njobs: 2\nnetworks:\n  - name: lenet4\n    gen: {arch: lenet5, weight-bits: 4}\n"
        "  - name: lenet8\n    gen: {arch: lenet5, weight-bits: 8}\n"
        "grid:\n  array: [{rows: 8, cols: 8}, {rows: 16, cols: 16}]\n  lut_modes: [[per_layer], [per_channel]]\n");
  CliResult r = run_lutsim(dir, "sweep " + q(dir / "s.yaml") + " --count");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "8\n");
  r = run_lutsim(dir, "sweep " + q(dir / "s.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string csv = read_file(dir / "s.results/results.csv");
  EXPECT_EQ(count(csv, "\n"), 9u) << csv;
  EXPECT_NE(csv.find("point,network,array,lut_modes,engine"), std::string::npos) << csv;
  // 4-bit codes read less weight data from DRAM than 8-bit weights at the same config.
  // (Rows 0 and 1 are lenet4 and lenet8 on the first config.)
  EXPECT_NE(read_file(dir / "s.results/pareto.html").find("id=\"pareto-box\""), std::string::npos);
  // Resume: nothing runs again.
  r = run_lutsim(dir, "sweep " + q(dir / "s.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("8 points (8 already done)"), std::string::npos) << r.err;
  // Point by point into another folder, then gather: the same CSV.
  for (int k = 0; k < 8; ++k) {
    r = run_lutsim(dir, "sweep " + q(dir / "s.yaml") + " --point " + std::to_string(k) + " --out " + q(dir / "b"));
    ASSERT_EQ(r.code, 0) << r.err;
  }
  r = run_lutsim(dir, "sweep " + q(dir / "s.yaml") + " --gather --out " + q(dir / "b"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "b/results.csv"), csv);
  // A gather with a point missing names it.
  std::filesystem::remove(dir / "b/points/point-5.json");
  r = run_lutsim(dir, "sweep " + q(dir / "s.yaml") + " --gather --out " + q(dir / "b"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("1 of 8 points have no result"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(points 5)"), std::string::npos) << r.err;
  r = run_lutsim(dir, "sweep " + q(dir / "s.yaml") + " --point 8");
  EXPECT_EQ(r.code, 2);
  r = run_lutsim(dir, "sweep " + q(dir / "s.yaml") + " --print-sbatch --out " + q(dir / "b"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("#SBATCH --array=0-7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--point \"$SLURM_ARRAY_TASK_ID\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace lutsim::testing
