// lutsim-quant: the quantize and eval subcommands as a binary of their own, built with the quant library so that
// they can be used before (and besides) the main `lutsim` binary lists them. Same options, same exit statuses.
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/model/error.h"

namespace lutsim::cli {
int cmd_quantize(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);
}  // namespace lutsim::cli

int main(int argc, char** argv) {
  using namespace lutsim::cli;
  const std::string cmd = argc > 1 ? argv[1] : "";
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  try {
    if (cmd == "quantize") return cmd_quantize(args);
    if (cmd == "eval") return cmd_eval(args);
    std::cerr << "usage: lutsim-quant quantize|eval [options] (--help for each)\n";
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "lutsim " << cmd << ": error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const boost::program_options::error& e) {
    std::cerr << "lutsim " << cmd << ": error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "lutsim: error: " << e.what() << "\n";
    return kExitError;
  }
}
