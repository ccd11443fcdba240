// Program files: parse_program (which validates), then a run of one zero image on the ISA interpreter when the
// program is small enough for a fuzzing iteration.
#include "fuzz_common.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/firmware/program.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  fuzz::expect_errors_only([&] {
    const Program p = parse_program(fuzz::bytes(data, size), "fuzz.lsp");
    if (p.dram_bytes > (std::uint64_t{64} << 20) || p.code.size() > 4096) return;
    const ValueRegion& in = p.values.at(static_cast<std::size_t>(p.input));
    (void)interpret(p, Tensor(in.dtype, {1, in.h, in.w, in.c}));
  });
  return 0;
}
