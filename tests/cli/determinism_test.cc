// The same inputs give the same bytes: outputs, statistics, reports, quantized networks and sweep results do not
// depend on the thread count, the number of sweep jobs, or the run; and a sweep killed at any point resumes to
// exactly the results of a run that was never interrupted.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "cli_helpers.h"

namespace lutsim::testing {
namespace {

namespace fs = std::filesystem;

const std::string kTraces = std::string(LUTSIM_SOURCE_DIR) + "/traces/";

TEST(Determinism, RunGivesTheSameBytesOnAnyThreadCount) {
  ScratchDir d;
  for (const std::string t : {"lenet5_per_layer", "resnet18_32x32", "mobilenetv2_32x32_acc24_floor"}) {
    const std::string hw = fs::exists(kTraces + t + "/hw.json") ? kTraces + t + "/hw.json" : "default";
    for (const std::string engine : {"golden", "isa"}) {
      SCOPED_TRACE(t + " on " + engine);
      std::string first_y, first_stats;
      for (int threads : {1, 2, 7}) {
        const CliResult r = run_lutsim(d, "run " + q(kTraces + t + "/net.npz") + " --input " +
                                              q(kTraces + t + "/input.npy") + " --hw " + q(hw) + " --engine " +
                                              engine + " --threads " + std::to_string(threads) + " --output " +
                                              q(d / "y.npy") + " --stats " + q(d / "s.json") + " --no-timing -q");
        ASSERT_EQ(r.code, 0) << r.err;
        const std::string y = read_file(d / "y.npy"), s = read_file(d / "s.json");
        if (threads == 1) {
          first_y = y;
          first_stats = s;
          // And the bytes the trace recorded when it was made.
          EXPECT_EQ(y, read_file(kTraces + t + "/expected_output.npy"));
        } else {
          EXPECT_EQ(y, first_y) << threads << " threads";
          EXPECT_EQ(s, first_stats) << threads << " threads";
        }
      }
    }
  }
}

TEST(Determinism, SimulationAndVerifyReportsAreTheSameBytesEveryRun) {
  ScratchDir d;
  const std::string t = kTraces + "lenet5_per_layer/";
  std::string rep, tl, ver;
  for (int run = 0; run < 2; ++run) {
    CliResult r = run_lutsim(d, "sim " + q(t + "net.npz") + " --input " + q(t + "input.npy") + " --hw small" +
                                    " --energy 45nm --report " + q(d / "r.json") + " --timeline " + q(d / "t.json") +
                                    " -q");
    ASSERT_EQ(r.code, 0) << r.err;
    r = run_lutsim(d, "verify " + q(t + "net.npz") + " --input " + q(t + "input.npy") + " --engines golden,isa,systemc" +
                          " --report " + q(d / "v.json") + " -q");
    ASSERT_EQ(r.code, 0) << r.err;
    if (run == 0) {
      rep = read_file(d / "r.json");
      tl = read_file(d / "t.json");
      ver = read_file(d / "v.json");
      ASSERT_FALSE(rep.empty());
    } else {
      EXPECT_EQ(read_file(d / "r.json"), rep);
      EXPECT_EQ(read_file(d / "t.json"), tl);
      EXPECT_EQ(read_file(d / "v.json"), ver);
    }
  }
}

TEST(Determinism, QuantizeGivesTheSameNetworkOnAnyThreadCount) {
  ScratchDir d;
  const std::string calib = std::string(LUTSIM_SOURCE_DIR) + "/tests/quant/data/mnist_input_u8_16x28x28x1.npy";
  const std::string model = std::string(LUTSIM_SOURCE_DIR) + "/models/lenet5.onnx";
  if (!fs::exists(calib)) GTEST_SKIP() << calib << " is missing";
  for (const std::string method : {"mmse", "lapq"}) {
    SCOPED_TRACE(method);
    std::string first;
    for (int threads : {1, 2, 7}) {
      const CliResult r = run_lutsim(d, "quantize " + q(model) + " --calib " + q(calib) + " -o " + q(d / "q.npz") +
                                            " --method " + method + " --lapq-evals 6 --calib-images 16 --threads " +
                                            std::to_string(threads) + " -q");
      ASSERT_EQ(r.code, 0) << r.err;
      if (threads == 1) first = read_file(d / "q.npz");
      else EXPECT_EQ(read_file(d / "q.npz"), first) << threads << " threads";
    }
  }
}

const char* kSweep =
    "name: det\nengine: isa\nnetworks:\n  - name: lenet4\n    gen: {arch: lenet5, weight-bits: 4}\n"
    "  - name: lenet2\n    gen: {arch: lenet5, weight-bits: 2, lut: per-channel}\n"
    "grid:\n  array: [{rows: 4, cols: 4}, {rows: 8, cols: 8}, {rows: 16, cols: 16}]\n  acc_bits: [24, 32]\n";

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

TEST(Determinism, SweepResultsDoNotDependOnTheJobs) {
  ScratchDir d;
  write_text(d / "s.yaml", kSweep);
  std::string csv;
  for (int jobs : {1, 3}) {
    const std::string out = d / ("jobs" + std::to_string(jobs));
    const CliResult r = run_lutsim(d, "sweep " + q(d / "s.yaml") + " --jobs " + std::to_string(jobs) + " --out " + q(out));
    ASSERT_EQ(r.code, 0) << r.err;
    if (jobs == 1) csv = read_file(out + "/results.csv");
    else EXPECT_EQ(read_file(out + "/results.csv"), csv);
  }
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 13) << csv;  // header and 12 points
}

// SIGKILL at seeded random times, then a resumed run: the results equal those of an uninterrupted run, and every
// point file is whole (the resume would fail to parse a partial one).
TEST(Determinism, ASweepKilledAtAnyPointResumesToTheSameResults) {
  ScratchDir d;
  write_text(d / "s.yaml", kSweep);
  CliResult r = run_lutsim(d, "sweep " + q(d / "s.yaml") + " --jobs 2 --out " + q(d / "whole"));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string want = read_file(d / "whole/results.csv");
  std::mt19937 rng(12345);
  int killed = 0;
  for (int k = 0; k < 8; ++k) {
    const std::string out = d / ("killed" + std::to_string(k));
    const std::string yaml = d / "s.yaml";
    const int after_ms = std::uniform_int_distribution<int>(20, 1500)(rng);
    SCOPED_TRACE("killed after " + std::to_string(after_ms) + " ms");
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Its own process group, so that the kill reaches the point workers too.
      setpgid(0, 0);
      freopen("/dev/null", "w", stderr);
      execl(LUTSIM_BIN, LUTSIM_BIN, "sweep", yaml.c_str(), "--jobs", "2", "--out", out.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
    killed += ::kill(-pid, SIGKILL) == 0;
    int st = 0;
    waitpid(pid, &st, 0);
    r = run_lutsim(d, "sweep " + q(yaml) + " --jobs 2 --out " + q(out));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(read_file(out + "/results.csv"), want);
  }
  EXPECT_GT(killed, 0);
}

}  // namespace
}  // namespace lutsim::testing
