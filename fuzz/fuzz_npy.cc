// .npy tensors: parse_npy, then the writer's bytes must parse back to the same tensor.
#include "fuzz_common.h"
#include "lutsim/model/format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  fuzz::expect_errors_only([&] {
    const Tensor t = parse_npy(fuzz::bytes(data, size), "fuzz.npy");
    const std::vector<std::uint8_t> again = serialize_npy(t);
    if (!parse_npy(again, "again.npy").same_values(t)) std::abort();
  });
  return 0;
}
