// lutsim info NET: the layers of a network as a table, then totals.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/model/format.h"
#include "lutsim/model/network.h"

namespace lutsim::cli {
namespace {

std::string value_str(const ValueInfo& v) {
  return std::string(dtype_name(v.dtype)) + " " + std::to_string(v.h) + "x" + std::to_string(v.w) + "x" +
         std::to_string(v.c);
}

bool is_conv(const Layer& l) { return l.op == OpKind::Conv2D || l.op == OpKind::Dense; }

// A table printed with columns as wide as their widest cell; numeric columns align right.
class Table {
 public:
  explicit Table(std::vector<std::string> header, std::vector<bool> right) : right_(std::move(right)) {
    rows_.push_back(std::move(header));
  }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& os) const {
    std::vector<std::size_t> w(rows_[0].size(), 0);
    for (const auto& r : rows_)
      for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
    for (const auto& r : rows_) {
      std::string line;
      for (std::size_t i = 0; i < r.size(); ++i) {
        const std::string pad(w[i] - r[i].size(), ' ');
        line += (i ? "  " : "") + (right_[i] ? pad + r[i] : r[i] + (i + 1 < r.size() ? pad : ""));
      }
      os << line << "\n";
    }
  }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

int cmd_info(const std::vector<std::string>& args) {
  po::options_description opts("options");
  po::options_description hidden;
  hidden.add_options()("network", po::value<std::string>(), "network file");
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse_args("info", "NET",
                  "Prints the layers of the network file NET: operation, input and output values (dtype and\n"
                  "HxWxC), weight bit-width, LUT and shift granularity, MACs per image and parameter bytes as\n"
                  "stored on the accelerator (codes packed at b bits, LUT, bias, shifts), then the totals.",
                  opts, hidden, pos, args, vm, "network", "the network file NET"))
    return kExitOk;

  const Network net = load_network(vm["network"].as<std::string>());
  const ValueInfo& in = net.value(net.input);
  const ValueInfo& out = net.value(net.output);
  std::cout << "network '" << net.name << "': " << net.layers.size() << " layers, input '" << in.name << "' "
            << value_str(in) << " (exponent " << in.exponent << "), output '" << out.name << "' " << value_str(out)
            << " (exponent " << out.exponent << ")\n\n";

  Table t({"#", "layer", "op", "input", "output", "bits", "lut", "shift", "MACs", "weight bytes"},
          {true, false, false, false, false, true, false, false, true, true});
  std::int64_t macs = 0, bytes = 0, params = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    std::string ins;
    for (int id : l.inputs) ins += (ins.empty() ? "" : " + ") + value_str(net.value(id));
    const std::int64_t m = layer_macs(net, l), b = layer_weight_bytes(l);
    macs += m;
    bytes += b;
    std::string bits = "-", lut = "-", shift = "-";
    if (is_conv(l)) {
      const ConvParams& p = l.conv;
      params += p.weights.numel() + p.bias.numel();
      bits = std::to_string(p.weight_bits);
      lut = p.weight_bits == 8 ? "none" : std::string(lut_mode_name(p.lut_mode));
      shift = net.value(l.output).dtype == DType::S32 ? "none" : p.per_channel_shift() ? "per_channel" : "per_layer";
    }
    t.add({std::to_string(i), l.name, std::string(op_name(l.op)), ins, value_str(net.value(l.output)), bits, lut,
           shift, is_conv(l) ? std::to_string(m) : "-", is_conv(l) ? std::to_string(b) : "-"});
  }
  t.print(std::cout);
  std::cout << "\ntotal: " << macs << " MACs per image (" << static_cast<double>(macs) / 1e6 << " M), " << bytes
            << " weight bytes, " << params << " weights and biases\n";
  return kExitOk;
}

}  // namespace lutsim::cli
