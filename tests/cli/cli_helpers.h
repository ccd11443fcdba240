// Running the real lutsim binary from tests: exit status, stdout and stderr, in a scratch directory per test.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lutsim::testing {

struct CliResult {
  int code = -1;  // exit status; -1 when the process did not exit normally (a crash)
  std::string out, err;
};

// A fresh directory for the current test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("lutsim_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Single-quotes a shell word.
inline std::string q(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

// Runs the shell command `cmd` with its output captured in `dir`.
inline CliResult run_shell(const ScratchDir& dir, const std::string& cmd) {
  const std::string out = dir / "stdout.txt", err = dir / "stderr.txt";
  const int st = std::system((cmd + " >" + q(out) + " 2>" + q(err)).c_str());
  CliResult r;
  r.code = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// Runs `lutsim ARGS` (ARGS already shell-quoted where needed) with its output captured in `dir`.
inline CliResult run_lutsim(const ScratchDir& dir, const std::string& args) {
  return run_shell(dir, q(LUTSIM_BIN) + " " + args);
}

}  // namespace lutsim::testing
