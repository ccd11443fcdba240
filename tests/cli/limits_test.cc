// Memory ceilings (docs/reliability.md): each command runs a full-size ResNet-18 within 512 MB of address space
// (ulimit -v), and below what it needs it stops with "out of memory", exit 1, never a signal. The sanitizers reserve
// terabytes of address space for their shadow memory, so these tests run in the Release build only.
#include <gtest/gtest.h>

#include <string>

#include "cli_helpers.h"

#if defined(__SANITIZE_ADDRESS__)
#define LUTSIM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LUTSIM_UNDER_ASAN 1
#endif
#endif

namespace lutsim::testing {
namespace {

// `lutsim ARGS` under `ulimit -v KB`.
CliResult run_limited(const ScratchDir& d, long kb, const std::string& args) {
  return run_shell(d, "bash -c " + q("ulimit -v " + std::to_string(kb) + " && exec " + q(LUTSIM_BIN) + " " + args));
}

class Limits : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef LUTSIM_UNDER_ASAN
    GTEST_SKIP() << "address space limits do not apply under AddressSanitizer";
#endif
    ASSERT_EQ(run_lutsim(d_, "gen --arch resnet18 -o " + q(d_ / "r18.npz") + " --sample-input " + q(d_ / "x.npy")).code, 0);
  }
  std::string commands(int i) const {
    const std::string net = q(d_ / "r18.npz"), x = q(d_ / "x.npy");
    switch (i) {
      case 0: return "info " + net;
      case 1: return "run " + net + " --input " + x + " --output " + q(d_ / "y.npy") + " -q";
      case 2: return "compile " + net + " -o " + q(d_ / "p.lsp");
      case 3: return "sim " + net + " --input " + x + " -q";
      case 4: return "verify " + net + " --input " + x + " --engines golden,isa,systemc -q";
      default: return "";
    }
  }
  ScratchDir d_;
};

TEST_F(Limits, ResNet18WithinTheCeiling) {
  for (int i = 0; i < 5; ++i) {
    const CliResult r = run_limited(d_, 512 * 1024, commands(i));
    EXPECT_EQ(r.code, 0) << commands(i) << "\n" << r.err;
  }
}

TEST_F(Limits, BelowTheCeilingIsACleanError) {
  for (int i = 1; i < 5; ++i) {
    const CliResult r = run_limited(d_, 40 * 1024, commands(i));
    EXPECT_EQ(r.code, 1) << commands(i) << " ended by a signal or succeeded\n" << r.err;
    EXPECT_EQ(r.err, "lutsim: error: out of memory\n") << commands(i);
  }
}

}  // namespace
}  // namespace lutsim::testing
