// Fast kernels: placeholder dispatch to the reference kernels until the vectorised kernels land.
#include "lutsim/model/kernels.h"

namespace lutsim {

std::unique_ptr<LayerKernel> make_fast_kernel(const Network& net, const Layer& l, const ArithConfig& cfg, int) {
  return make_reference_kernel(net, l, cfg);
}

}  // namespace lutsim
