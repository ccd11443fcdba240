// Shared pieces of the lutsim command line: the subcommands, usage errors, option parsing and small helpers.
#pragma once

#include <boost/program_options.hpp>

#include <charconv>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lutsim/engines/engine.h"

namespace lutsim::cli {

namespace po = boost::program_options;

// Exit statuses: 0 success, 1 an error in the input (lutsim::Error), 2 a command-line usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// A mistake on the command line. main() prints it with a hint to --help and exits with kExitUsage.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

// A subcommand: args are the arguments after its name.
int cmd_info(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_gen(const std::vector<std::string>& args);
int cmd_quantize(const std::vector<std::string>& args);  // with the quant library only
int cmd_eval(const std::vector<std::string>& args);      // with the quant library only
int cmd_compile(const std::vector<std::string>& args);   // with the firmware library only
int cmd_disasm(const std::vector<std::string>& args);    // with the firmware library only
int cmd_sim(const std::vector<std::string>& args);       // with the SystemC model only
int cmd_verify(const std::vector<std::string>& args);    // with the firmware library only
int cmd_report(const std::vector<std::string>& args);    // with the energy library only
int cmd_area(const std::vector<std::string>& args);      // with the energy library only
int cmd_sweep(const std::vector<std::string>& args);     // with the energy library only

// Parses a subcommand's arguments. `opts` gets --help added; `positional` maps positional arguments to options in
// `hidden` (not shown in the help); `required_positional` ("network" says "the network file NET"), when not empty,
// must be given. Prints the help and returns false when --help is given; otherwise checks the required options
// and returns true. Throws po::error or UsageError on bad usage.
inline bool parse_args(std::string_view cmd, std::string_view synopsis, std::string_view description,
                       po::options_description& opts, const po::options_description& hidden,
                       const po::positional_options_description& positional, const std::vector<std::string>& args,
                       po::variables_map& vm, const std::string& required_positional = {},
                       std::string_view positional_what = {}) {
  opts.add_options()("help,h", "show this help and exit");
  po::options_description all;
  all.add(opts).add(hidden);
  // No abbreviated option names: a prefix that happens to match today may mean another option tomorrow.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  po::store(po::command_line_parser(args).options(all).positional(positional).style(style).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: lutsim " << cmd << " " << synopsis << "\n\n" << description << "\n\n" << opts;
    return false;
  }
  if (!required_positional.empty() && !vm.count(required_positional))
    throw UsageError("missing " + std::string(positional_what));
  po::notify(vm);
  return true;
}

// One of `choices`, or a UsageError naming the option and listing them.
inline std::string choice(const po::variables_map& vm, const std::string& opt,
                          std::initializer_list<std::string_view> choices) {
  const std::string v = vm[opt].as<std::string>();
  std::string list;
  for (std::string_view c : choices) {
    if (c == v) return v;
    list += (list.empty() ? "" : ", ") + std::string(c);
  }
  throw UsageError("--" + opt + ": '" + v + "' is not one of " + list);
}

// An integer option inside [lo, hi], or a UsageError naming the option and the range.
inline std::int64_t int_in_range(const po::variables_map& vm, const std::string& opt, std::int64_t lo,
                                 std::int64_t hi) {
  const std::string v = vm[opt].as<std::string>();
  std::int64_t x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size())
    throw UsageError("--" + opt + ": '" + v + "' is not an integer");
  if (x < lo || x > hi)
    throw UsageError("--" + opt + ": " + v + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

// `name` when it is one of the built engines (engine_names()); else a UsageError for `option` listing them. Commands
// call it before reading any file, so that a misspelt engine is a usage error.
inline std::string checked_engine_name(const std::string& name, const std::string& option = "engine") {
  if (!has_engine(name)) throw UsageError("--" + option + ": '" + name + "' is not one of " + engine_list());
  return name;
}

}  // namespace lutsim::cli
