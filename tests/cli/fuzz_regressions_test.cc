// Every input a fuzz target found a bug with (fuzz/regressions/TARGET/) through the command that reads that format:
// each gives exit 0, or exit 1 with one line "lutsim: error: FILE: ..."; never a crash, a signal or an escaped
// library exception.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_helpers.h"

namespace lutsim::testing {
namespace {

namespace fs = std::filesystem;

const std::string kSrc = LUTSIM_SOURCE_DIR;

// The command that reads a file of each fuzz target's format, with FILE where the file goes.
std::string command(const std::string& target) {
  const std::string trace = kSrc + "/traces/lenet5_per_layer/";
  if (target == "npy") return "run " + q(trace + "net.npz") + " --input FILE --output /dev/null -q";
  if (target == "network") return "info FILE";
  if (target == "program") return "disasm FILE";
  if (target == "hw") return "area --hw FILE";
  if (target == "energy") return "area --energy FILE";
  if (target == "report") return "report FILE";
  if (target == "sweep") return "sweep FILE --count";
  if (target == "onnx") return "quantize FILE --calib " + q(kSrc + "/tests/quant/data/mnist_input_u8_16x28x28x1.npy") +
                               " -o /dev/null -q";
  return "";
}

TEST(FuzzRegressions, EveryFoundInputIsAOneLineErrorOrAccepted) {
  ScratchDir d;
  int inputs = 0;
  for (const auto& dir : fs::directory_iterator(kSrc + "/fuzz/regressions")) {
    const std::string target = dir.path().filename().string();
    ASSERT_FALSE(command(target).empty()) << "no command for fuzz target " << target;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      SCOPED_TRACE(f.path().string());
      std::string cmd = command(target);
      cmd.replace(cmd.find("FILE"), 4, q(f.path().string()));
      const CliResult r = run_lutsim(d, cmd);
      ++inputs;
      ASSERT_TRUE(r.code == 0 || r.code == 1) << "exit " << r.code << ": " << r.err;
      if (r.code == 1) {
        EXPECT_EQ(r.err.rfind("lutsim: error: " + f.path().string() + ": ", 0), 0u) << r.err;
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
        EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("yaml-cpp"), std::string::npos) << "the library's bare message: " << r.err;
      }
    }
  }
  EXPECT_GE(inputs, 3);
}

}  // namespace
}  // namespace lutsim::testing
