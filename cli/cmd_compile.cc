// lutsim compile NET --hw HW -o PROG and lutsim disasm PROG: program files (docs/isa.md section 6).
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/format.h"

namespace lutsim::cli {

int cmd_compile(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("output,o", po::value<std::string>()->required()->value_name("PROG"), "where to write the program file")
      ("hw", po::value<std::string>()->default_value("default")->value_name("HW"),
       "hardware config: a preset name or a JSON file")
      ("single-buffer", "one SRAM slot per buffer: every DMA waits for the compute before it (no double buffering)")
      ("quiet,q", "print nothing on success");
  po::options_description hidden;
  hidden.add_options()("network", po::value<std::string>(), "network file");
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse_args("compile", "NET -o PROG [--hw HW]",
                  "Compiles network file NET for a hardware config into a program file: the instructions, the DRAM\n"
                  "memory image (packed weight codes, LUTs, biases, shifts), the activation regions and the layer map.\n"
                  "The file records the config and its fingerprint; the engines that run it check them.",
                  opts, hidden, pos, args, vm, "network", "the network file NET"))
    return kExitOk;
  const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
  const Network net = load_network(vm["network"].as<std::string>());
  const Program p = compile(net, hw, CompileOptions{.double_buffer = vm.count("single-buffer") == 0});
  const std::string out = vm["output"].as<std::string>();
  save_program(p, out);
  if (!vm.count("quiet")) {
    std::size_t n_layers = 0;
    for (const LayerRange& l : p.layers) n_layers += l.end > l.first;
    std::cout << out << ": " << p.code.size() << " instructions for " << n_layers << " layers, DRAM image "
              << p.dram_bytes << " bytes (" << p.dram_init.size() << " of parameters), config '" << hw.name << "'\n";
  }
  return kExitOk;
}

int cmd_disasm(const std::vector<std::string>& args) {
  po::options_description opts("options");
  po::options_description hidden;
  hidden.add_options()("program", po::value<std::string>(), "program file");
  po::positional_options_description pos;
  pos.add("program", 1);
  po::variables_map vm;
  if (!parse_args("disasm", "PROG",
                  "Prints program file PROG as a readable listing: the config, the DRAM map and the activation\n"
                  "regions, then every instruction with its program counter, grouped under its layer.",
                  opts, hidden, pos, args, vm, "program", "the program file PROG"))
    return kExitOk;
  std::cout << disassemble(load_program(vm["program"].as<std::string>()));
  return kExitOk;
}

}  // namespace lutsim::cli
