#include "lutsim/zoo/zoo.h"

#include <cmath>

#include "archs.h"
#include "lutsim/model/arith.h"
#include "rng.h"

namespace lutsim::zoo {

std::string_view arch_name(Arch a) {
  switch (a) {
    case Arch::LeNet5: return "lenet5";
    case Arch::ResNet18: return "resnet18";
    case Arch::MobileNetV2: return "mobilenetv2";
    case Arch::ResNet50: return "resnet50";
  }
  return "?";
}

bool parse_arch(std::string_view s, Arch* out) {
  for (Arch a : {Arch::LeNet5, Arch::ResNet18, Arch::MobileNetV2, Arch::ResNet50})
    if (arch_name(a) == s) { *out = a; return true; }
  return false;
}

std::vector<std::string> arch_names() {
  return {std::string(arch_name(Arch::LeNet5)), std::string(arch_name(Arch::ResNet18)),
          std::string(arch_name(Arch::MobileNetV2)), std::string(arch_name(Arch::ResNet50))};
}

int default_input_size(Arch a) { return a == Arch::LeNet5 ? 32 : 224; }

Network build(const ZooOptions& opt) {
  ZooOptions o = opt;
  const std::string arch(arch_name(o.arch));
  if (o.input_size == 0) o.input_size = default_input_size(o.arch);
  // LeNet-5 needs a map of at least 2x2 after the second pool; the others shrink by 32 and pad every window.
  const int min_size = o.arch == Arch::LeNet5 ? 16 : 8;
  if (o.input_size < min_size || o.input_size > 4096)
    throw Error("zoo: " + arch + ": input size " + std::to_string(o.input_size) + " is outside [" +
                std::to_string(min_size) + ", 4096]");
  if (!((o.weight_bits >= 1 && o.weight_bits <= 4) || o.weight_bits == 8))
    throw Error("zoo: weight bits " + std::to_string(o.weight_bits) + " is not one of 1, 2, 3, 4, 8");
  if (!(o.width > 0 && o.width <= 4))
    throw Error("zoo: width multiplier " + std::to_string(o.width) + " is outside (0, 4]");
  if (o.classes == 0) o.classes = o.arch == Arch::LeNet5 ? 10 : 1000;
  if (o.classes < 1 || o.classes > 65536)
    throw Error("zoo: classes " + std::to_string(o.classes) + " is outside [1, 65536]");
  if (o.logits != DType::S32 && o.logits != DType::S8)
    throw Error("zoo: the logits dtype must be s8 or s32, got " + std::string(dtype_name(o.logits)));
  if (o.acc_bits < kMinAccBits || o.acc_bits > kMaxAccBits)
    throw Error("zoo: accumulator bits " + std::to_string(o.acc_bits) + " is outside [" +
                std::to_string(kMinAccBits) + ", " + std::to_string(kMaxAccBits) + "]");
  if (!(o.saturation > 0 && o.saturation < 0.5))
    throw Error("zoo: saturation target " + std::to_string(o.saturation) + " is outside (0, 0.5)");
  switch (o.arch) {
    case Arch::LeNet5: return build_lenet5(o, o.input_size);
    case Arch::ResNet18: return build_resnet18(o, o.input_size);
    case Arch::MobileNetV2: return build_mobilenetv2(o, o.input_size);
    case Arch::ResNet50: return build_resnet50(o, o.input_size);
  }
  throw Error("zoo: unknown architecture");
}

Tensor random_input(const Network& net, std::int64_t n, std::uint64_t seed) {
  const ValueInfo& v = net.value(net.input);
  if (n < 1) throw Error("zoo: batch size " + std::to_string(n) + " must be at least 1");
  Tensor t(v.dtype, {n, v.h, v.w, v.c}, v.exponent);
  Rng r(stream_seed(seed, net.name + "/input"));
  std::uint8_t* p = t.raw();  // u8 or s8: every byte pattern is a valid value
  for (std::size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<std::uint8_t>(r.next() >> 56);
  return t;
}

}  // namespace lutsim::zoo
