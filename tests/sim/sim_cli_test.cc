// lutsim sim and the systemc engine through the real binary: outputs equal to the golden engine's, the report
// and timeline files, program files with their config fingerprint, and a clear error (exit 1 or 2, never a crash)
// for a bad config, a corrupt program, a program for another config and bad options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_helpers.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/firmware/program.h"

namespace lutsim::testing {
namespace {

// LeNet-5 and a sample input image, written once per test.
struct Files {
  ScratchDir dir;
  std::string net = dir / "lenet.npz", x = dir / "x.npy";
  Files() {
    EXPECT_EQ(run_lutsim(dir, "gen --arch lenet5 --sample-input " + q(x) + " -o " + q(net)).code, 0);
  }
};

TEST(SimCli, SimMatchesTheGoldenEngineAndWritesReportAndTimeline) {
  Files f;
  const std::string y = f.dir / "y.npy", yg = f.dir / "yg.npy", r = f.dir / "r.json", t = f.dir / "t.json";
  const CliResult res = run_lutsim(f.dir, "sim " + q(f.net) + " --hw small --input " + q(f.x) + " -o " + q(y) +
                                              " --report " + q(r) + " --timeline " + q(t));
  ASSERT_EQ(res.code, 0) << res.err;
  EXPECT_NE(res.out.find("network lenet5 on hw small"), std::string::npos) << res.out;
  EXPECT_NE(res.out.find("pe_array"), std::string::npos);
  ASSERT_EQ(run_lutsim(f.dir, "run " + q(f.net) + " --hw small -q --input " + q(f.x) + " -o " + q(yg)).code, 0);
  EXPECT_EQ(read_file(y), read_file(yg));
  const auto rep = nlohmann::json::parse(read_file(r));
  EXPECT_EQ(rep["format"], "lutsim-sim-report");
  EXPECT_EQ(rep["hw"]["name"], "small");
  EXPECT_EQ(rep["images"], 1);  // gen --sample-input writes one image
  EXPECT_GT(rep["total"]["cycles"].get<long>(), 0);
  const auto tl = nlohmann::json::parse(read_file(t));
  EXPECT_GT(tl["traceEvents"].size(), 10u);
  // Another process, the same inputs: the same report and timeline, byte for byte.
  const std::string r2 = f.dir / "r2.json", t2 = f.dir / "t2.json";
  ASSERT_EQ(run_lutsim(f.dir, "sim " + q(f.net) + " --hw small -q --input " + q(f.x) + " --report " + q(r2) +
                                  " --timeline " + q(t2)).code, 0);
  EXPECT_EQ(read_file(r), read_file(r2));
  EXPECT_EQ(read_file(t), read_file(t2));
}

// The VCD's 32-bit signals by name: every (time, value) change, values as signed 32-bit integers.
std::map<std::string, std::vector<std::pair<long, std::int32_t>>> read_vcd(const std::string& text) {
  std::map<std::string, std::string> name_of;  // VCD id -> signal name
  std::map<std::string, std::vector<std::pair<long, std::int32_t>>> sig;
  std::istringstream in(text);
  std::string line;
  long t = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string w;
    ls >> w;
    if (w == "$var") {
      std::string kind, width, id, name;
      ls >> kind >> width >> id >> name;
      name_of[id] = name;
    } else if (!w.empty() && w[0] == '#') {
      t = std::stol(w.substr(1));
    } else if (!w.empty() && w[0] == 'b') {
      std::string id;
      ls >> id;
      const std::string bits = w.substr(1);
      // Sign-extend from the top bit of 32 (VCD drops leading zeros only).
      std::uint32_t v = static_cast<std::uint32_t>(std::stoul(bits, nullptr, 2));
      sig[name_of.at(id)].emplace_back(t, static_cast<std::int32_t>(v));
    }
  }
  return sig;
}

TEST(SimCli, VcdShowsEveryInstructionOfEachQueueInProgramOrder) {
  Files f;
  const std::string prog = f.dir / "p.lsp", vcd = f.dir / "w.vcd", r = f.dir / "r.json";
  ASSERT_EQ(run_lutsim(f.dir, "compile " + q(f.net) + " --hw small -o " + q(prog)).code, 0);
  const CliResult res =
      run_lutsim(f.dir, "sim " + q(prog) + " -q --input " + q(f.x) + " --vcd " + q(vcd) + " --report " + q(r));
  ASSERT_EQ(res.code, 0) << res.err;
  const Program p = load_program(prog);
  const auto sig = read_vcd(read_file(vcd));
  const long cycles = nlohmann::json::parse(read_file(r))["total"]["cycles"].get<long>();
  const char* names[isa::kNumQueues] = {"load_pc", "compute_pc", "store_pc"};
  for (int qi = 0; qi < isa::kNumQueues; ++qi) {
    SCOPED_TRACE(names[qi]);
    std::vector<std::int32_t> want, got;
    for (std::uint32_t pc = 0; pc < p.code.size(); ++pc)
      if (static_cast<int>(isa::queue_of(p.code[pc])) == qi) want.push_back(static_cast<std::int32_t>(pc));
    ASSERT_TRUE(sig.count(names[qi]));
    for (const auto& [time, v] : sig.at(names[qi])) {
      EXPECT_LE(time, cycles);
      if (v >= 0) got.push_back(v);
    }
    EXPECT_EQ(got, want);  // each instruction of the queue starts once, in program order
    EXPECT_EQ(sig.at(names[qi]).back().second, -1);  // and the queue is idle at the end
  }
  for (const char* t : {"tokens_l2c", "tokens_c2l", "tokens_c2s", "tokens_s2c"}) {
    ASSERT_TRUE(sig.count(t)) << t;
    for (const auto& [time, v] : sig.at(t)) EXPECT_TRUE(v >= 0 && v <= isa::kTokenMax) << t << " at " << time;
  }
  // The layer signal walks the layers that have instructions, in order.
  std::vector<std::int32_t> layers;
  for (const auto& [time, v] : sig.at("layer"))
    if (v >= 0 && (layers.empty() || layers.back() != v)) layers.push_back(v);
  EXPECT_TRUE(std::is_sorted(layers.begin(), layers.end()));
  EXPECT_EQ(layers.back(), static_cast<std::int32_t>(p.layers.size() - 1));

  const CliResult bad = run_lutsim(f.dir, "sim " + q(prog) + " -q --input " + q(f.x) + " --vcd " +
                                              q(f.dir / "no/such/dir/w.vcd"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("cannot write the VCD"), std::string::npos) << bad.err;
}

TEST(SimCli, RunEngineSystemc) {
  Files f;
  const std::string y = f.dir / "y.npy", yg = f.dir / "yg.npy", st = f.dir / "s.json";
  const CliResult res =
      run_lutsim(f.dir, "run " + q(f.net) + " --engine systemc -q --input " + q(f.x) + " -o " + q(y) + " --stats " + q(st));
  ASSERT_EQ(res.code, 0) << res.err;
  ASSERT_EQ(run_lutsim(f.dir, "run " + q(f.net) + " -q --input " + q(f.x) + " -o " + q(yg)).code, 0);
  EXPECT_EQ(read_file(y), read_file(yg));
  const auto s = nlohmann::json::parse(read_file(st));
  EXPECT_EQ(s["engine_report"]["format"], "lutsim-sim-report");
  EXPECT_EQ(s["engine_report"]["images"], 1);
}

TEST(SimCli, ProgramFilesCarryTheirConfig) {
  Files f;
  const std::string prog = f.dir / "p.lsp", y = f.dir / "y.npy", yg = f.dir / "yg.npy";
  ASSERT_EQ(run_lutsim(f.dir, "compile " + q(f.net) + " --hw small -q -o " + q(prog)).code, 0);
  // Without --hw the program's own config; with the same config it runs; with another one it is an error.
  CliResult r = run_lutsim(f.dir, "sim " + q(prog) + " -q --input " + q(f.x) + " -o " + q(y));
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(run_lutsim(f.dir, "run " + q(f.net) + " --hw small -q --input " + q(f.x) + " -o " + q(yg)).code, 0);
  EXPECT_EQ(read_file(y), read_file(yg));
  EXPECT_EQ(run_lutsim(f.dir, "sim " + q(prog) + " --hw small -q --input " + q(f.x)).code, 0);
  r = run_lutsim(f.dir, "sim " + q(prog) + " --hw default -q --input " + q(f.x));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("fingerprint"), std::string::npos) << r.err;
  // A corrupt program: one payload byte flipped.
  std::string bytes = read_file(prog);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
  const std::string bad = f.dir / "bad.lsp";
  std::ofstream(bad, std::ios::binary) << bytes;
  r = run_lutsim(f.dir, "sim " + q(bad) + " -q --input " + q(f.x));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.lsp"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

TEST(SimCli, BadInputIsAClearError) {
  Files f;
  // A config value out of range names the field.
  const std::string hw = f.dir / "hw.json";
  std::ofstream(hw) << R"({"name": "bad", "array": {"rows": 16, "cols": 16}, "dram": {"burst_bytes": 48}})";
  CliResult r = run_lutsim(f.dir, "sim " + q(f.net) + " --hw " + q(hw) + " --input " + q(f.x));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("burst_bytes"), std::string::npos) << r.err;
  r = run_lutsim(f.dir, "sim " + q(f.net) + " --input " + q(f.x) + " --watchdog 0");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--watchdog"), std::string::npos) << r.err;
  r = run_lutsim(f.dir, "sim " + q(f.net));
  EXPECT_EQ(r.code, 2);
  r = run_lutsim(f.dir, "sim " + q(f.net) + " --input " + q(f.net));
  EXPECT_EQ(r.code, 1);
  r = run_lutsim(f.dir, "sim " + q(f.dir / "missing.npz") + " --input " + q(f.x));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.npz"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lutsim::testing
