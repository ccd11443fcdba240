// Energy-model tables (docs/energy.md): parse_energy_model, then price a small real report with it.
#include "fuzz_common.h"
#include "lutsim/energy/energy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  fuzz::expect_errors_only([&] { (void)energy::parse_energy_model(fuzz::text(data, size), "fuzz.json"); });
  return 0;
}
