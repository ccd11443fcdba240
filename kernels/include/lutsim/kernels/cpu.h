// The CPU-feature check of the AVX-512 kernels, the one both the golden fast kernels and the ISA interpreter ask.
#pragma once

namespace lutsim::kernels {

// True when this build has the AVX-512 kernels (x86-64, GCC or Clang) and the CPU runs them: AVX-512 F, BW, VL and
// VNNI. Code compiled from avx512.h must run only when this is true. The answer is computed once.
bool have_avx512_vnni();

}  // namespace lutsim::kernels
