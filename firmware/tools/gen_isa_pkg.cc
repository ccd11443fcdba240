// Writes the SystemVerilog package of the ISA (lutsim::isa::sv_package()) to the file named by its argument.
// The RTL build runs it, so the decoder's field positions always come from firmware/include/lutsim/firmware/isa.h.
#include <fstream>
#include <iostream>

#include "lutsim/firmware/isa.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gen_isa_pkg OUT.sv\n";
    return 2;
  }
  std::ofstream f(argv[1], std::ios::binary);
  f << lutsim::isa::sv_package();
  f.close();
  if (!f) {
    std::cerr << "gen_isa_pkg: error: " << argv[1] << ": cannot write\n";
    return 1;
  }
  return 0;
}
