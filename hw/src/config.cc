#include "lutsim/hw/config.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "lutsim/model/error.h"
#include "lutsim/model/library_errors.h"

namespace lutsim {
namespace detail {
const std::vector<std::pair<std::string_view, std::string_view>>& hw_preset_texts();
}

namespace {

using json = nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw Error(source_ + ": hardware config: '" + field + "': " + msg);
  }

  // Rejects keys other than `allowed`, so that a misspelt parameter is an error rather than a silent default.
  void only_keys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed) const {
    if (!obj.is_object()) fail(where.empty() ? "(top level)" : where, "must be a JSON object");
    for (const auto& [k, v] : obj.items()) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || k == a;
      if (!ok) {
        std::string list;
        for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
        fail(where.empty() ? k : where + "." + k, "unknown parameter (expected one of: " + list + ")");
      }
    }
  }

  std::int64_t integer(const json& obj, const char* key, const std::string& field, std::int64_t lo,
                       std::int64_t hi, std::int64_t dflt) const {
    if (!obj.contains(key)) return dflt;
    const json& v = obj.at(key);
    if (!v.is_number_integer())
      fail(field, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    const std::int64_t x = v.get<std::int64_t>();
    if (x < lo || x > hi)
      fail(field, std::to_string(x) + " is outside the allowed range [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
    return x;
  }

  double number(const json& obj, const char* key, const std::string& field, double lo, double hi,
                double dflt) const {
    if (!obj.contains(key)) return dflt;
    const json& v = obj.at(key);
    std::ostringstream range;
    range << "[" << lo << ", " << hi << "]";
    if (!v.is_number()) fail(field, "must be a number in " + range.str());
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) {
      std::ostringstream s;
      s << x << " is outside the allowed range " << range.str();
      fail(field, s.str());
    }
    return x;
  }

 private:
  std::string source_;
};

}  // namespace

HwConfig parse_hw_config(std::string_view text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw Error(source + ": hardware config is not valid JSON: " + library_message(e.what()));
  }
  Reader r(source);
  r.only_keys(j, "", {"name", "array", "acc_bits", "rounding", "lut_modes", "sram_kib", "dram", "queue_depth",
                     "clock_mhz"});
  HwConfig c;
  if (j.contains("name")) {
    if (!j["name"].is_string() || j["name"].get<std::string>().empty()) r.fail("name", "must be a non-empty string");
    c.name = j["name"].get<std::string>();
  }
  if (j.contains("array")) {
    const json& a = j["array"];
    r.only_keys(a, "array", {"rows", "cols"});
    c.rows = static_cast<int>(r.integer(a, "rows", "array.rows", 1, 256, c.rows));
    c.cols = static_cast<int>(r.integer(a, "cols", "array.cols", 1, 256, c.cols));
  }
  c.acc_bits = static_cast<int>(r.integer(j, "acc_bits", "acc_bits", kMinAccBits, kMaxAccBits, c.acc_bits));
  if (j.contains("rounding")) {
    const json& v = j["rounding"];
    if (!v.is_string() || !parse_rounding(v.get<std::string>(), &c.rounding))
      r.fail("rounding", "must be one of \"half_up\", \"half_even\", \"floor\"");
  }
  if (j.contains("lut_modes")) {
    const json& v = j["lut_modes"];
    if (!v.is_array() || v.empty()) r.fail("lut_modes", "must be a non-empty list of \"per_layer\", \"per_channel\"");
    c.lut_per_layer = c.lut_per_channel = false;
    for (const json& m : v) {
      if (m == "per_layer") c.lut_per_layer = true;
      else if (m == "per_channel") c.lut_per_channel = true;
      else r.fail("lut_modes", m.dump() + " is not a LUT mode (expected \"per_layer\" or \"per_channel\")");
    }
  }
  if (j.contains("sram_kib")) {
    const json& s = j["sram_kib"];
    r.only_keys(s, "sram_kib", {"activation", "weight", "accumulator", "parameter"});
    constexpr std::int64_t kMaxKib = 64 * 1024;  // 64 MiB per buffer
    c.act_sram_bytes = 1024 * r.integer(s, "activation", "sram_kib.activation", 1, kMaxKib, c.act_sram_bytes / 1024);
    c.weight_sram_bytes = 1024 * r.integer(s, "weight", "sram_kib.weight", 1, kMaxKib, c.weight_sram_bytes / 1024);
    c.acc_sram_bytes = 1024 * r.integer(s, "accumulator", "sram_kib.accumulator", 1, kMaxKib, c.acc_sram_bytes / 1024);
    c.param_sram_bytes = 1024 * r.integer(s, "parameter", "sram_kib.parameter", 1, kMaxKib, c.param_sram_bytes / 1024);
  }
  if (j.contains("dram")) {
    const json& d = j["dram"];
    r.only_keys(d, "dram", {"bytes_per_cycle", "latency_cycles", "max_outstanding", "burst_bytes"});
    c.dram_bytes_per_cycle = r.number(d, "bytes_per_cycle", "dram.bytes_per_cycle", 0.125, 1024, c.dram_bytes_per_cycle);
    c.dram_latency_cycles = static_cast<int>(r.integer(d, "latency_cycles", "dram.latency_cycles", 0, 100000, c.dram_latency_cycles));
    c.dram_max_outstanding = static_cast<int>(r.integer(d, "max_outstanding", "dram.max_outstanding", 1, 1024, c.dram_max_outstanding));
    c.dram_burst_bytes = static_cast<int>(r.integer(d, "burst_bytes", "dram.burst_bytes", 16, 4096, c.dram_burst_bytes));
    if (c.dram_burst_bytes & (c.dram_burst_bytes - 1))
      r.fail("dram.burst_bytes", std::to_string(c.dram_burst_bytes) + " is not a power of two in [16, 4096]");
  }
  c.queue_depth = static_cast<int>(r.integer(j, "queue_depth", "queue_depth", 1, 1024, c.queue_depth));
  c.clock_mhz = r.number(j, "clock_mhz", "clock_mhz", 1, 10000, c.clock_mhz);
  return c;
}

HwConfig load_hw_config(const std::string& preset_or_path) {
  for (const auto& [name, text] : detail::hw_preset_texts())
    if (name == preset_or_path) return parse_hw_config(text, "preset '" + preset_or_path + "'");
  std::ifstream f(preset_or_path, std::ios::binary);
  if (!f) {
    std::string names;
    for (const std::string& n : hw_presets()) names += (names.empty() ? "" : ", ") + n;
    throw Error(preset_or_path + ": no such hardware config file or preset (presets: " + names + ")");
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_hw_config(ss.str(), preset_or_path);
}

std::vector<std::string> hw_presets() {
  std::vector<std::string> out;
  for (const auto& [name, text] : detail::hw_preset_texts()) out.emplace_back(name);
  return out;
}

std::string HwConfig::to_json() const {
  json j;
  j["name"] = name;
  j["array"] = {{"rows", rows}, {"cols", cols}};
  j["acc_bits"] = acc_bits;
  j["rounding"] = std::string(rounding_name(rounding));
  json modes = json::array();
  if (lut_per_layer) modes.push_back("per_layer");
  if (lut_per_channel) modes.push_back("per_channel");
  j["lut_modes"] = modes;
  j["sram_kib"] = {{"activation", act_sram_bytes / 1024}, {"weight", weight_sram_bytes / 1024},
                   {"accumulator", acc_sram_bytes / 1024}, {"parameter", param_sram_bytes / 1024}};
  j["dram"] = {{"bytes_per_cycle", dram_bytes_per_cycle}, {"latency_cycles", dram_latency_cycles},
               {"max_outstanding", dram_max_outstanding}, {"burst_bytes", dram_burst_bytes}};
  j["queue_depth"] = queue_depth;
  j["clock_mhz"] = clock_mhz;
  return j.dump();  // nlohmann::json objects keep keys sorted: the text is canonical
}

std::uint64_t HwConfig::fingerprint() const {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bit
  for (unsigned char ch : to_json()) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace lutsim
