// Hardware configs: parse_hw_config, then the canonical JSON must parse back to the same fingerprint.
#include "fuzz_common.h"
#include "lutsim/hw/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  fuzz::expect_errors_only([&] {
    const HwConfig hw = parse_hw_config(fuzz::text(data, size), "fuzz.json");
    if (parse_hw_config(hw.to_json(), "again.json").fingerprint() != hw.fingerprint()) std::abort();
  });
  return 0;
}
