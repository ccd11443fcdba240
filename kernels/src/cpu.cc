#include "lutsim/kernels/cpu.h"

namespace lutsim::kernels {

bool have_avx512_vnni() {
#if defined(LUTSIM_HAVE_AVX512)
  static const bool ok = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  }();
  return ok;
#else
  return false;
#endif
}

}  // namespace lutsim::kernels
