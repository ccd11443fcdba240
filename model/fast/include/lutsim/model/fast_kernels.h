// The fast kernels of the golden model, with the choice of instruction set made explicit.
//
// make_fast_kernel(net, layer, cfg, threads) (kernels.h) picks the best instruction set of the running CPU. The
// overload below lets tests and benchmarks force one, so that every path is checked against the reference
// kernels on a machine that could run the faster one.
#pragma once

#include <memory>
#include <string_view>

#include "lutsim/model/kernels.h"

namespace lutsim {

enum class FastIsa : std::uint8_t {
  Auto,        // AVX-512 VNNI when the CPU has it, else Portable; the environment variable
               // LUTSIM_FAST_ISA=portable forces Portable
  Portable,    // plain blocked C++ that any x86-64 or other 64-bit CPU runs (the compiler vectorises it)
  Avx512Vnni,  // AVX-512 F/BW/VL + VNNI (vpdpbusd); make_fast_kernel throws lutsim::Error when the CPU lacks it
};
std::string_view fast_isa_name(FastIsa isa);  // "auto", "portable", "avx512_vnni"
// True when the running CPU (and OS) can execute `isa`.
bool fast_isa_available(FastIsa isa);

// A fast kernel that can name the code path it chose at construction, e.g. "avx512_vnni/gemm",
// "portable/depthwise", "exact64" (the 64-bit path taken when an s32 accumulator could overflow).
class FastKernel : public LayerKernel {
 public:
  virtual std::string_view path() const = 0;
};

// A layer runs on more than one thread only when a run has at least min_parallel_work units of work, so that
// small layers do not pay the fork/join of a parallel region (which costs milliseconds when the OS is slow to
// schedule the other thread on a busy machine). A unit is about a nanosecond of one core's time: 256 MACs of a
// conv or dense layer, one window tap of a pool, one element of an add. 0 parallelises every layer (tests).
inline constexpr std::int64_t kDefaultMinParallelWork = 16384;

std::unique_ptr<LayerKernel> make_fast_kernel(const Network& net, const Layer& layer, const ArithConfig& cfg,
                                              int threads, FastIsa isa,
                                              std::int64_t min_parallel_work = kDefaultMinParallelWork);

}  // namespace lutsim
