// lutsim info NET: the layers of a network as a table, then totals.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/engines/summary.h"
#include "lutsim/model/format.h"
#include "lutsim/model/network.h"

namespace lutsim::cli {
namespace {

// "u8 28x28x1" for a value of network_summary().
std::string value_str(const nlohmann::ordered_json& v) {
  return v["dtype"].get<std::string>() + " " + v["h"].dump() + "x" + v["w"].dump() + "x" + v["c"].dump();
}

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

  const nlohmann::ordered_json sum = network_summary(load_network(vm["network"].as<std::string>()));
  const auto& in = sum["input"];
  const auto& out = sum["output"];
  std::cout << "network '" << sum["name"].get<std::string>() << "': " << sum["layers"].size() << " layers, input '"
            << in["name"].get<std::string>() << "' " << value_str(in) << " (exponent " << in["exponent"]
            << "), output '" << out["name"].get<std::string>() << "' " << value_str(out) << " (exponent "
            << out["exponent"] << ")\n\n";

  Table t({"#", "layer", "op", "input", "output", "bits", "lut", "shift", "MACs", "weight bytes"},
          {true, false, false, false, false, true, false, false, true, true});
  auto cell = [](const nlohmann::ordered_json& v) {
    return v.is_null() ? std::string("-") : v.is_string() ? v.get<std::string>() : v.dump();
  };
  for (const auto& l : sum["layers"]) {
    std::string ins;
    for (const auto& v : l["inputs"]) ins += (ins.empty() ? "" : " + ") + value_str(v);
    t.add({l["index"].dump(), l["name"].get<std::string>(), l["op"].get<std::string>(), ins, value_str(l["output"]),
           cell(l["bits"]), cell(l["lut"]), cell(l["shift"]), cell(l["macs"]), cell(l["weight_bytes"])});
  }
  t.print(std::cout);
  const std::int64_t macs = sum["macs"].get<std::int64_t>();
  std::cout << "\ntotal: " << macs << " MACs per image (" << static_cast<double>(macs) / 1e6 << " M), "
            << sum["weight_bytes"].get<std::int64_t>() << " weight bytes, " << sum["parameters"].get<std::int64_t>()
            << " weights and biases\n";
  return kExitOk;
}

}  // namespace lutsim::cli
