// lutsim: the command line. Dispatches to one subcommand per file (cmd_*.cc) and turns every failure into a
// one-line message and an exit status: 1 for bad input (lutsim::Error), 2 for bad usage.
#include <csignal>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"

namespace {

using lutsim::cli::kExitError;
using lutsim::cli::kExitOk;
using lutsim::cli::kExitUsage;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

constexpr Command kCommands[] = {
    {"info", "print a network's layers, shapes, bit-widths, MACs and weight bytes", lutsim::cli::cmd_info},
    {"run", "run a network on a batch of inputs on one engine (golden model by default)", lutsim::cli::cmd_run},
    {"gen", "generate a network with the layer shapes of a known architecture", lutsim::cli::cmd_gen},
#ifdef LUTSIM_HAVE_FIRMWARE
    {"compile", "compile a network for a hardware config into a program file", lutsim::cli::cmd_compile},
    {"disasm", "print a program file as a listing annotated with layers", lutsim::cli::cmd_disasm},
#endif
#ifdef LUTSIM_HAVE_SIM
    {"sim", "run a network on the SystemC model: cycles, stalls, utilization, traffic, timeline", lutsim::cli::cmd_sim},
#endif
#ifdef LUTSIM_HAVE_VERIFY
    {"verify", "run a network on several engines and name the first place their bits differ", lutsim::cli::cmd_verify},
#endif
#ifdef LUTSIM_HAVE_ENERGY
    {"report", "turn a simulation report into a self-contained HTML page with charts", lutsim::cli::cmd_report},
    {"area", "estimate the accelerator's area for a hardware config", lutsim::cli::cmd_area},
    {"sweep", "run a design-space sweep over hardware parameters and networks", lutsim::cli::cmd_sweep},
#endif
#ifdef LUTSIM_HAVE_QUANT
    {"quantize", "quantize a float ONNX model into a network file", lutsim::cli::cmd_quantize},
    {"eval", "evaluate a network's accuracy on a labelled data set", lutsim::cli::cmd_eval},
#endif
};

std::string command_list() {
  std::string s;
  for (const Command& c : kCommands) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}

void usage(std::ostream& os) {
  os << "usage: lutsim <command> [options]\n\n"
        "lutsim: a bit-accurate simulator of a LUT-based quantized CNN accelerator.\n\ncommands:\n";
  for (const Command& c : kCommands) os << "  " << c.name << std::string(10 - std::string(c.name).size(), ' ') << c.summary << "\n";
  os << "\n'lutsim <command> --help' describes a command's options.\n";
}

// Messages are printed on one line, whatever the exception carried.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

int usage_error(const std::string& cmd, const std::string& msg) {
  std::cerr << "lutsim" << (cmd.empty() ? "" : " " + cmd) << ": error: " << one_line(msg) << "\n"
            << "Try 'lutsim" << (cmd.empty() ? "" : " " + cmd) << " --help' for more information.\n";
  return kExitUsage;
}

int dispatch(int argc, char** argv, std::string& cmd) {
  if (argc < 2) {
    usage(std::cerr);
    return kExitUsage;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    if (first == "help" && argc > 2) {
      cmd = argv[2];
      for (const Command& c : kCommands)
        if (cmd == c.name) return c.run({"--help"});
      return usage_error("", "unknown command '" + cmd + "'");
    }
    usage(std::cout);
    return kExitOk;
  }
  if (first == "--version") {
    std::cout << "lutsim " << LUTSIM_VERSION << "\n";
    return kExitOk;
  }
  for (const Command& c : kCommands)
    if (first == c.name) {
      cmd = c.name;
      return c.run(std::vector<std::string>(argv + 2, argv + argc));
    }
  if (!first.empty() && first[0] == '-') return usage_error("", "unrecognised option '" + first + "' (expected a command first)");
  return usage_error("", "unknown command '" + first + "' (expected one of " + command_list() + ")");
}

// SIGINT and SIGTERM remove the temporary files of the writes in progress before the process dies of the signal,
// so that an interrupted command leaves no partial output (every output is written to a temporary file and renamed
// into place: lutsim::write_file).
void on_terminating_signal(int sig) {
  lutsim::remove_partial_outputs();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_terminating_signal);
  std::signal(SIGTERM, on_terminating_signal);
  std::string cmd;
  try {
    return dispatch(argc, argv, cmd);
  } catch (const lutsim::cli::UsageError& e) {
    return usage_error(cmd, e.what());
  } catch (const boost::program_options::error& e) {
    return usage_error(cmd, e.what());
  } catch (const lutsim::Error& e) {
    std::cerr << "lutsim: error: " << one_line(e.what()) << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "lutsim: error: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "lutsim: error: " << one_line(e.what()) << "\n";
  } catch (...) {
    std::cerr << "lutsim: error: unknown failure\n";
  }
  return kExitError;
}
