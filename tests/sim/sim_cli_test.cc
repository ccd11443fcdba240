// lutsim sim and the systemc engine through the real binary: outputs equal to the golden engine's, the report
// and timeline files, program files with their config fingerprint, and a clear error (exit 1 or 2, never a crash)
// for a bad config, a corrupt program, a program for another config and bad options.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_helpers.h"

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
