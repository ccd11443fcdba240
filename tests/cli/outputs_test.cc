// Every file a command writes, written as a whole or not at all: a full disk (/dev/full), a missing folder, a
// directory in the way, a read-only folder, and an interrupted command (SIGINT, SIGTERM) each give a one-line error (or the signal) and
// leave neither a partial output nor a temporary file; a device is written in place, never replaced.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_helpers.h"

namespace lutsim::testing {
namespace {

namespace fs = std::filesystem;

const std::string kTrace = std::string(LUTSIM_SOURCE_DIR) + "/traces/lenet5_per_layer/";

bool is_char_device(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

// Files in `dir` whose name holds ".tmp": what an interrupted or failed write would leave.
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) v.push_back(e.path().string());
  return v;
}

// Each command line with OUT where its output goes.
struct Writer {
  const char* name;
  std::string args;
};

std::vector<Writer> writers(const ScratchDir& d, const std::string& trace = kTrace) {
  const std::string net = q(trace + "net.npz"), x = q(trace + "input.npy");
  const std::string rep = q(d / "report.json");
  return {
      {"gen", "gen --arch lenet5 -o OUT"},
      {"compile", "compile " + net + " --hw small -o OUT"},
      {"run --output", "run " + net + " --input " + x + " --output OUT -q"},
      {"run --stats", "run " + net + " --input " + x + " --output " + q(d / "y.npy") + " --stats OUT -q"},
      {"sim --report", "sim " + net + " --input " + x + " --report OUT -q"},
      {"sim --timeline", "sim " + net + " --input " + x + " --timeline OUT -q"},
      {"verify --report", "verify " + net + " --input " + x + " --engines golden,isa --report OUT -q"},
      {"area --json", "area --json OUT"},
      {"report -o", "report " + rep + " -o OUT"},
      {"report --json", "report " + rep + " --json OUT"},
  };
}

void make_report(const ScratchDir& d) {
  const CliResult r =
      run_lutsim(d, "sim " + q(kTrace + "net.npz") + " --input " + q(kTrace + "input.npy") + " --report " +
                        q(d / "report.json") + " -q");
  ASSERT_EQ(r.code, 0) << r.err;
}

std::string with_out(std::string args, const std::string& out) {
  return args.replace(args.find("OUT"), 3, q(out));
}

// Under AddressSanitizer an exception thrown after a SystemC simulation in the same process can be reported as a
// false stack-buffer-overflow (SystemC switches stacks behind ASan's back, google/sanitizers#189; docs/sim.md), so
// the sanitizer build leaves out the writers that run after `lutsim sim` simulated; every other writer, and the one
// write_file they all use, is checked there too.
bool skip_under_asan(const Writer& w) {
#if defined(__SANITIZE_ADDRESS__)
  return std::string(w.name).rfind("sim ", 0) == 0;
#else
  (void)w;
  return false;
#endif
}

TEST(Outputs, FullDiskIsAnErrorAndTheDeviceStays) {
  ScratchDir d;
  make_report(d);
  ASSERT_TRUE(is_char_device("/dev/full"));
  for (const Writer& w : writers(d)) {
    if (skip_under_asan(w)) continue;
    SCOPED_TRACE(w.name);
    const CliResult r = run_lutsim(d, with_out(w.args, "/dev/full"));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("/dev/full: cannot write: No space left on device"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("wrote"), std::string::npos) << "claims success: " << r.out;
    EXPECT_EQ(r.out.find("wrote"), std::string::npos) << "claims success: " << r.out;
    EXPECT_TRUE(is_char_device("/dev/full")) << "the command replaced /dev/full";
  }
}

TEST(Outputs, MissingFolderOrDirectoryInTheWayLeavesNothing) {
  ScratchDir d;
  make_report(d);
  fs::create_directories(d / "adir");
  for (const Writer& w : writers(d)) {
    if (skip_under_asan(w)) continue;
    SCOPED_TRACE(w.name);
    CliResult r = run_lutsim(d, with_out(w.args, d / "no/such/folder/out"));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("no/such/folder/out: cannot write: No such file or directory"), std::string::npos) << r.err;
    r = run_lutsim(d, with_out(w.args, d / "adir"));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("adir: cannot write: it is a directory"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_directory(d / "adir"));
  }
  EXPECT_EQ(temporaries(d.path()), std::vector<std::string>{});
}

// A folder the user may not write (mode 0555): a one-line error naming the output, exit 1, and the folder's old
// file untouched. Root writes anywhere, so as root the command runs as 'nobody' (setpriv), as a user would.
TEST(Outputs, AReadOnlyFolderIsAnErrorAndKeepsItsFile) {
  ScratchDir d;
  make_report(d);
  fs::permissions(d.path(), fs::perms::all);  // 'nobody' writes the other outputs (run --stats's y.npy) here
  fs::create_directories(d / "ro");
  const std::string old = d / "ro/out";
  {
    std::ofstream(old) << "old";
  }
  fs::permissions(d / "ro", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  // The binary and the trace are copied here, where 'nobody' may read them wherever the build lives.
  std::string bin = LUTSIM_BIN, as_user, trace = kTrace;
  if (::geteuid() == 0) {
    as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    bin = d / "lutsim";
    fs::copy_file(LUTSIM_BIN, bin);
    fs::create_directories(d / "trace");
    for (const char* f : {"net.npz", "input.npy"}) fs::copy_file(kTrace + f, d / (std::string("trace/") + f));
    trace = d / "trace/";
  }
  for (const Writer& w : writers(d, trace)) {
    if (skip_under_asan(w)) continue;
    SCOPED_TRACE(w.name);
    const CliResult r = run_shell(d, as_user + q(bin) + " " + with_out(w.args, old));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("ro/out: cannot write: Permission denied"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("wrote"), std::string::npos) << "claims success: " << r.out;
    EXPECT_EQ(read_file(old), "old");
  }
  EXPECT_EQ(temporaries(d.path()), std::vector<std::string>{});
  fs::permissions(d / "ro", fs::perms::owner_all);
}

TEST(Outputs, DevicesAreWrittenInPlace) {
  ScratchDir d;
  const CliResult r = run_lutsim(d, "gen --arch lenet5 -o /dev/null");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(is_char_device("/dev/null"));
}

TEST(Outputs, ASymbolicLinkKeepsPointingAtTheNewFile) {
  ScratchDir d;
  ASSERT_EQ(run_lutsim(d, "gen --arch lenet5 --seed 1 -o " + q(d / "a.npz")).code, 0);
  fs::create_symlink(d / "a.npz", d / "link.npz");
  ASSERT_EQ(run_lutsim(d, "gen --arch lenet5 --seed 2 -o " + q(d / "link.npz")).code, 0);
  EXPECT_TRUE(fs::is_symlink(d / "link.npz"));
  ASSERT_EQ(run_lutsim(d, "gen --arch lenet5 --seed 2 -o " + q(d / "b.npz")).code, 0);
  EXPECT_EQ(read_file(d / "a.npz"), read_file(d / "b.npz"));
}

// A failed command leaves an existing output as it was.
TEST(Outputs, AFailedRunLeavesTheOldOutput) {
  ScratchDir d;
  ASSERT_EQ(run_lutsim(d, "run " + q(kTrace + "net.npz") + " --input " + q(kTrace + "input.npy") + " --output " +
                              q(d / "y.npy") + " -q")
                .code,
            0);
  const std::string before = read_file(d / "y.npy");
  // An input of the wrong shape: the command fails after opening nothing.
  ASSERT_EQ(run_lutsim(d, "gen --arch resnet18 --input-size 32 -o " + q(d / "r.npz") + " --sample-input " +
                              q(d / "r.npy"))
                .code,
            0);
  const CliResult r = run_lutsim(d, "run " + q(kTrace + "net.npz") + " --input " + q(d / "r.npy") + " --output " +
                                        q(d / "y.npy") + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(read_file(d / "y.npy"), before);
}

// SIGINT or SIGTERM in the middle of a long simulation: the process dies of the signal and leaves no output and
// no temporary file.
TEST(Outputs, AnInterruptedCommandLeavesNoPartialOutput) {
  ScratchDir d;
  ASSERT_EQ(run_lutsim(d, "gen --arch resnet18 --input-size 64 -o " + q(d / "r.npz") + " --sample-input " +
                              q(d / "x.npy") + " --batch 256")
                .code,
            0);
  for (int sig : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(sig);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string net = d / "r.npz", x = d / "x.npy", y = d / "y.npy", rep = d / "rep.json";
      execl(LUTSIM_BIN, LUTSIM_BIN, "sim", net.c_str(), "--input", x.c_str(), "--output", y.c_str(), "--report",
            rep.c_str(), "-q", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    ASSERT_EQ(kill(pid, sig), 0);
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(st)) << "the simulation finished before the signal; make it longer";
    EXPECT_EQ(WTERMSIG(st), sig);
    EXPECT_FALSE(fs::exists(d / "y.npy"));
    EXPECT_FALSE(fs::exists(d / "rep.json"));
    EXPECT_EQ(temporaries(d.path()), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace lutsim::testing
