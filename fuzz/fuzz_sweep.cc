// Sweep files (YAML): load_sweep reads a path, so the bytes go to a private file first.
#include <unistd.h>

#include <fstream>

#include "fuzz_common.h"
#include "lutsim/energy/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  static const std::string path = "/tmp/lutsim-fuzz-sweep-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  fuzz::expect_errors_only([&] { (void)energy::load_sweep(path); });
  return 0;
}
