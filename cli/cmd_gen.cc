// lutsim gen --arch A -o NET: a network with the layer shapes of a known architecture and random parameters.
#include <iostream>
#include <sstream>
#include <string>

#include "common.h"
#include "lutsim/model/format.h"
#include "lutsim/zoo/zoo.h"

namespace lutsim::cli {

int cmd_gen(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("arch", po::value<std::string>()->required()->value_name("A"), "lenet5, resnet18 or mobilenetv2")
      ("output,o", po::value<std::string>()->required()->value_name("NET"), "where to write the network file")
      ("input-size", po::value<std::string>()->default_value("0")->value_name("N"),
       "square input side; 0 = the architecture's (32 for lenet5, 224 otherwise; lenet5 pads a 28 input)")
      ("weight-bits", po::value<std::string>()->default_value("4")->value_name("b"),
       "1-4: LUT codes of b bits; 8: raw s8 weights")
      ("lut", po::value<std::string>()->default_value("per-layer")->value_name("G"),
       "LUT granularity: per-layer or per-channel")
      ("shift", po::value<std::string>()->default_value("per-layer")->value_name("G"),
       "shift granularity: per-layer or per-channel")
      ("seed", po::value<std::string>()->default_value("1")->value_name("N"), "random seed (0 to 2^63-1)")
      ("width", po::value<double>()->default_value(1.0, "1")->value_name("W"),
       "channel width multiplier for reduced variants, (0, 4]")
      ("classes", po::value<std::string>()->default_value("0")->value_name("K"),
       "classes of the last layer; 0 = the architecture's (10 for lenet5, 1000 otherwise)")
      ("logits", po::value<std::string>()->default_value("s32")->value_name("T"),
       "dtype of the last layer's output: s32 (raw accumulator) or s8 (shifted and clamped)")
      ("acc-bits", po::value<std::string>()->default_value("32")->value_name("A"),
       "accumulator width to size the weights for (16-32): smaller weights keep accumulators inside A bits")
      ("sample-input", po::value<std::string>()->value_name("X.npy"),
       "also write a random input batch for the network, uniform over its dtype, from the same seed")
      ("batch", po::value<std::string>()->default_value("1")->value_name("N"), "images in --sample-input, 1-65536");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_args("gen", "--arch A -o NET [options]",
                  "Writes a valid network with the real layer shapes of architecture A: random LUT codes, sorted\n"
                  "non-uniform s8 LUTs, biases, and shifts chosen so that activations stay in range (see\n"
                  "zoo/include/lutsim/zoo/zoo.h). The same options always give the same network.",
                  opts, hidden, pos, args, vm))
    return kExitOk;

  zoo::ZooOptions o;
  const std::string arch = vm["arch"].as<std::string>();
  if (!zoo::parse_arch(arch, &o.arch)) {
    std::string names;
    for (const std::string& n : zoo::arch_names()) names += (names.empty() ? "" : ", ") + n;
    throw UsageError("--arch: unknown architecture '" + arch + "' (expected " + names + ")");
  }
  o.input_size = static_cast<int>(int_in_range(vm, "input-size", 0, 4096));
  o.weight_bits = static_cast<int>(int_in_range(vm, "weight-bits", 1, 8));
  if (o.weight_bits > 4 && o.weight_bits != 8) throw UsageError("--weight-bits: " + std::to_string(o.weight_bits) + " is not one of 1, 2, 3, 4, 8");
  const std::string lut = choice(vm, "lut", {"per-layer", "per-channel", "per_layer", "per_channel"});
  o.lut_mode = lut == "per-channel" || lut == "per_channel" ? LutMode::PerChannel : LutMode::PerLayer;
  const std::string shift = choice(vm, "shift", {"per-layer", "per-channel", "per_layer", "per_channel"});
  o.shift_per_channel = shift == "per-channel" || shift == "per_channel";
  o.seed = static_cast<std::uint64_t>(int_in_range(vm, "seed", 0, INT64_MAX));
  o.width = vm["width"].as<double>();
  if (!(o.width > 0 && o.width <= 4)) {
    std::ostringstream w;
    w << o.width;
    throw UsageError("--width: " + w.str() + " is outside (0, 4]");
  }
  o.classes = static_cast<int>(int_in_range(vm, "classes", 0, 65536));
  o.logits = choice(vm, "logits", {"s32", "s8"}) == "s8" ? DType::S8 : DType::S32;
  o.acc_bits = static_cast<int>(int_in_range(vm, "acc-bits", 16, 32));
  const std::int64_t batch = int_in_range(vm, "batch", 1, 65536);

  Network net;
  try {
    net = zoo::build(o);
  } catch (const Error& e) {
    throw UsageError(e.what());  // build() reads no file: every failure is an option out of range
  }
  const std::string path = vm["output"].as<std::string>();
  save_network(net, path);
  std::int64_t macs = 0, bytes = 0;
  for (const Layer& l : net.layers) {
    macs += layer_macs(net, l);
    bytes += layer_weight_bytes(l);
  }
  const ValueInfo& in = net.value(net.input);
  std::cout << "wrote " << path << ": " << net.name << ", input " << dtype_name(in.dtype) << " " << in.h << "x" << in.w
            << "x" << in.c << ", " << net.layers.size() << " layers, " << macs << " MACs per image, " << bytes
            << " weight bytes\n";
  if (vm.count("sample-input")) {
    const std::string xp = vm["sample-input"].as<std::string>();
    save_npy(zoo::random_input(net, batch, o.seed), xp);
    std::cout << "wrote " << xp << ": " << batch << (batch == 1 ? " random input\n" : " random inputs\n");
  }
  return kExitOk;
}

}  // namespace lutsim::cli
