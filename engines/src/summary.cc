// network_summary(): the layers of a network and their totals.
#include "lutsim/engines/summary.h"

#include <string>

namespace lutsim {
namespace {

using nlohmann::ordered_json;

ordered_json value_json(const ValueInfo& v) {
  return {{"name", v.name}, {"dtype", std::string(dtype_name(v.dtype))}, {"h", v.h}, {"w", v.w}, {"c", v.c},
          {"exponent", v.exponent}};
}

}  // namespace

ordered_json network_summary(const Network& net) {
  ordered_json layers = ordered_json::array();
  std::int64_t macs = 0, bytes = 0, params = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    ordered_json ins = ordered_json::array();
    for (int id : l.inputs) ins.push_back(value_json(net.value(id)));
    ordered_json row = {{"index", i}, {"name", l.name}, {"op", std::string(op_name(l.op))}, {"inputs", ins},
                        {"output", value_json(net.value(l.output))}, {"bits", nullptr}, {"lut", nullptr},
                        {"shift", nullptr}, {"macs", nullptr}, {"weight_bytes", nullptr}};
    if (l.op == OpKind::Conv2D || l.op == OpKind::Dense) {
      const ConvParams& p = l.conv;
      const std::int64_t m = layer_macs(net, l), b = layer_weight_bytes(l);
      macs += m;
      bytes += b;
      params += p.weights.numel() + p.bias.numel();
      row["bits"] = p.weight_bits;
      row["lut"] = p.weight_bits == 8 ? "none" : std::string(lut_mode_name(p.lut_mode));
      row["shift"] = net.value(l.output).dtype == DType::S32 ? "none" : p.per_channel_shift() ? "per_channel" : "per_layer";
      row["macs"] = m;
      row["weight_bytes"] = b;
    }
    layers.push_back(std::move(row));
  }
  return {{"name", net.name},           {"input", value_json(net.value(net.input))},
          {"output", value_json(net.value(net.output))}, {"layers", std::move(layers)},
          {"macs", macs},               {"weight_bytes", bytes},
          {"parameters", params}};
}

}  // namespace lutsim
