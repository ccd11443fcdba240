#include "lutsim/energy/sweep.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/library_errors.h"

namespace lutsim::energy {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& where, const std::string& msg) {
  throw Error(file + ": " + where + ": " + msg);
}

std::string line_of(const YAML::Node& n) {
  return n.Mark().line >= 0 ? " (line " + std::to_string(n.Mark().line + 1) + ")" : "";
}

// YAML scalars become JSON integers, numbers, booleans or strings, in that order of preference.
json to_json(const YAML::Node& n) {
  if (n.IsSequence()) {
    json a = json::array();
    for (const YAML::Node& e : n) a.push_back(to_json(e));
    return a;
  }
  if (n.IsMap()) {
    json o = json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
    return o;
  }
  if (n.IsNull()) return nullptr;
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: a string
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && p == s.data() + s.size())
    return i;
  double d = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d); ec == std::errc() && p == s.data() + s.size())
    return d;
  if (s == "true") return true;
  if (s == "false") return false;
  return s;
}

std::string scalar(const YAML::Node& n, const std::string& file, const std::string& where) {
  if (!n.IsScalar()) fail(file, where + line_of(n), "expected a single value");
  return n.Scalar();
}

int integer(const YAML::Node& n, const std::string& file, const std::string& where, int lo, int hi) {
  const json j = to_json(n);
  if (!j.is_number_integer() || j.get<std::int64_t>() < lo || j.get<std::int64_t>() > hi)
    fail(file, where + line_of(n), "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(j.get<std::int64_t>());
}

void check_keys(const YAML::Node& n, const std::string& file, const std::string& where,
                std::initializer_list<const char*> allowed) {
  if (!n.IsMap()) fail(file, where + line_of(n), "expected a mapping");
  for (const auto& kv : n) {
    const std::string k = kv.first.as<std::string>();
    std::string list;
    bool ok = false;
    for (const char* a : allowed) {
      ok = ok || k == a;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    if (!ok)
      fail(file, (where.empty() ? k : where + "." + k) + line_of(kv.first), "unknown key (expected one of: " + list + ")");
  }
}

std::string resolve(const std::string& dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(dir) / p).lexically_normal().string();
}

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

SweepNetwork parse_network(const YAML::Node& n, const Sweep& s, const std::string& where) {
  check_keys(n, s.file, where, {"name", "path", "gen", "input", "images", "eval"});
  SweepNetwork net;
  if (!n["name"]) fail(s.file, where + ".name", "missing");
  net.name = scalar(n["name"], s.file, where + ".name");
  if (net.name.empty() || net.name.find_first_of(" ,/\"'") != std::string::npos)
    fail(s.file, where + ".name", "'" + net.name + "' must be non-empty without spaces, commas, quotes or slashes");
  if (n["path"] && n["gen"]) fail(s.file, where, "give either path or gen, not both");
  if (n["path"]) {
    net.path = resolve(s.dir, scalar(n["path"], s.file, where + ".path"));
  } else if (n["gen"]) {
    const YAML::Node g = n["gen"];
    check_keys(g, s.file, where + ".gen",
               {"arch", "input-size", "weight-bits", "lut", "shift", "seed", "width", "classes", "logits"});
    if (!g["arch"]) fail(s.file, where + ".gen.arch", "missing");
    for (const auto& kv : g) {
      net.gen_args.push_back("--" + kv.first.as<std::string>());
      net.gen_args.push_back(scalar(kv.second, s.file, where + ".gen." + kv.first.as<std::string>()));
    }
  } else {
    fail(s.file, where, "a network needs path (a network file) or gen (lutsim gen options)");
  }
  if (n["input"]) net.input = resolve(s.dir, scalar(n["input"], s.file, where + ".input"));
  if (n["images"]) net.images = integer(n["images"], s.file, where + ".images", 1, 1024);
  if (n["eval"]) {
    const YAML::Node e = n["eval"];
    check_keys(e, s.file, where + ".eval", {"data", "labels"});
    if (!e["data"] || !e["labels"]) fail(s.file, where + ".eval", "needs both data and labels");
    net.eval_data = resolve(s.dir, scalar(e["data"], s.file, where + ".eval.data"));
    net.eval_labels = resolve(s.dir, scalar(e["labels"], s.file, where + ".eval.labels"));
  }
  return net;
}

}  // namespace

std::string apply_overrides(const std::string& base_json, const std::vector<std::pair<std::string, json>>& overrides,
                            const std::string& where) {
  json cfg = json::parse(base_json);
  for (const auto& [path, value] : overrides) {
    json* at = &cfg;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = path.find('.', start);
      const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!at->is_object() || !at->contains(key)) {
        std::string known;
        if (at->is_object())
          for (const auto& [k, v] : at->items()) known += (known.empty() ? "" : ", ") + k;
        throw Error(where + ": unknown hardware parameter '" + path + "' (expected one of: " + known + ")");
      }
      at = &(*at)[key];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (value.is_object() && at->is_object()) at->merge_patch(value);
    else *at = value;
  }
  return parse_hw_config(cfg.dump(), where).to_json();
}

// The most points a sweep may have.
constexpr std::size_t kMaxPoints = 1'000'000;
// The overrides of every point of a grid, as JSON text, at most (before the points are built).
constexpr std::size_t kMaxGridBytes = std::size_t{64} << 20;

// The offset of the first byte of `s` that is not part of a well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, at most U+10FFFF), or npos. YAML files are UTF-8, and their strings end up in JSON.
std::size_t invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0, min = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07, min = 0x10000;
    else return i;
    if (s.size() - i <= n) return i;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

namespace {

Sweep read_sweep(const std::string& path) {
  Sweep s;
  s.file = path;
  s.dir = fs::path(path).parent_path().string();
  std::string text;
  {
    std::ifstream f(path, std::ios::binary);
    if (!f || fs::is_directory(path)) throw Error(path + ": cannot read the sweep file");
    std::ostringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  if (const std::size_t bad = invalid_utf8(text); bad != std::string_view::npos)
    throw Error(path + ": not valid UTF-8 (byte " + std::to_string(bad) + ")");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(path + ": not valid YAML: " + library_message(e.what()));
  }
  if (!root.IsMap()) throw Error(path + ": expected a mapping at the top level (see docs/energy.md)");
  check_keys(root, path, "",
             {"name", "hw", "energy", "cell_counts", "output", "jobs", "engine", "networks", "grid", "points"});
  s.name = root["name"] ? scalar(root["name"], path, "name") : fs::path(path).stem().string();
  if (root["hw"]) {
    s.base_hw = scalar(root["hw"], path, "hw");
    if (s.base_hw.find(".json") != std::string::npos) s.base_hw = resolve(s.dir, s.base_hw);
  }
  if (root["energy"]) {
    s.energy = scalar(root["energy"], path, "energy");
    if (s.energy.find(".json") != std::string::npos) s.energy = resolve(s.dir, s.energy);
  }
  if (root["cell_counts"]) s.cell_counts = resolve(s.dir, scalar(root["cell_counts"], path, "cell_counts"));
  s.output = root["output"] ? resolve(s.dir, scalar(root["output"], path, "output"))
                            : resolve(s.dir, fs::path(path).stem().string() + ".results");
  if (root["jobs"]) s.jobs = integer(root["jobs"], path, "jobs", 1, 256);
  if (root["engine"]) {
    s.engine = scalar(root["engine"], path, "engine");
    if (s.engine != "auto" && s.engine != "sim" && s.engine != "isa")
      fail(path, "engine", "'" + s.engine + "' is not one of auto, sim, isa");
  }
  if (!root["networks"] || !root["networks"].IsSequence() || root["networks"].size() == 0)
    fail(path, "networks", "missing or empty: list at least one network");
  std::set<std::string> names;
  for (std::size_t i = 0; i < root["networks"].size(); ++i) {
    s.networks.push_back(parse_network(root["networks"][i], s, "networks[" + std::to_string(i) + "]"));
    if (!names.insert(s.networks.back().name).second)
      fail(path, "networks[" + std::to_string(i) + "].name", "'" + s.networks.back().name + "' appears twice");
  }
  if (root["grid"] && root["points"]) fail(path, "points", "give either grid or points, not both");

  // The hardware configs: the grid's cartesian product (first key outermost) or the list of points.
  std::vector<std::vector<std::pair<std::string, json>>> configs;
  if (root["grid"]) {
    const YAML::Node g = root["grid"];
    if (!g.IsMap() || g.size() == 0) fail(path, "grid" + line_of(g), "expected a mapping of parameter: [values]");
    configs.emplace_back();
    std::size_t point_bytes = 0;  // the largest overrides of one point so far, as JSON text
    for (const auto& kv : g) {
      const std::string key = kv.first.as<std::string>();
      if (!kv.second.IsSequence() || kv.second.size() == 0)
        fail(path, "grid." + key + line_of(kv.second), "expected a non-empty list of values");
      // YAML keys are unique, though yaml-cpp keeps repeats: a repeated key would multiply the grid for nothing.
      if (std::find(s.params.begin(), s.params.end(), key) != s.params.end())
        fail(path, "grid." + key + line_of(kv.first), "appears twice");
      s.params.push_back(key);
      // The product is bounded before it is built: a grid of 10^9 points is an error, not hours of expansion, and
      // so is one whose points would fill the memory with long values.
      if (configs.size() * kv.second.size() * std::max<std::size_t>(1, s.networks.size()) > kMaxPoints)
        fail(path, "grid", "more than a million points");
      std::size_t widest = 0;
      for (const YAML::Node& v : kv.second) widest = std::max(widest, to_json(v).dump().size());
      point_bytes += key.size() + widest;
      if (configs.size() * kv.second.size() * point_bytes > kMaxGridBytes)
        fail(path, "grid", "its points would take more than " + std::to_string(kMaxGridBytes >> 20) + " MiB");
      std::vector<std::vector<std::pair<std::string, json>>> next;
      for (const auto& c : configs)
        for (const YAML::Node& v : kv.second) {
          auto o = c;
          o.emplace_back(key, to_json(v));
          next.push_back(std::move(o));
        }
      configs = std::move(next);
    }
  } else if (root["points"]) {
    const YAML::Node p = root["points"];
    if (!p.IsSequence() || p.size() == 0) fail(path, "points" + line_of(p), "expected a non-empty list of mappings");
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (!p[i].IsMap()) fail(path, "points[" + std::to_string(i) + "]" + line_of(p[i]), "expected a mapping");
      std::vector<std::pair<std::string, json>> o;
      for (const auto& kv : p[i]) {
        const std::string key = kv.first.as<std::string>();
        if (std::find(s.params.begin(), s.params.end(), key) == s.params.end()) s.params.push_back(key);
        o.emplace_back(key, to_json(kv.second));
      }
      configs.push_back(std::move(o));
    }
  } else {
    configs.emplace_back();
  }
  if (configs.size() * s.networks.size() > kMaxPoints) fail(path, "grid", "more than a million points");

  const std::string base = load_hw_config(s.base_hw).to_json();
  for (std::size_t c = 0; c < configs.size(); ++c) {
    // Validate each config once, then pair it with every network (index = config * networks + network).
    std::string label;
    for (const auto& [k, v] : configs[c]) label += " " + k + "=" + value_text(v);
    const std::string hw = apply_overrides(base, configs[c], path + ": config" + label);
    for (std::size_t n = 0; n < s.networks.size(); ++n) {
      SweepPoint pt;
      pt.index = static_cast<int>(s.points.size());
      pt.network = static_cast<int>(n);
      pt.overrides = configs[c];
      pt.hw_json = hw;
      pt.label = s.networks[n].name + label;
      s.points.push_back(std::move(pt));
    }
  }
  return s;
}

}  // namespace

Sweep load_sweep(const std::string& path) {
  try {
    return read_sweep(path);
  } catch (const YAML::Exception& e) {
    // A node of an unexpected kind (a mapping as a key, a sequence where a scalar belongs) met by a conversion.
    throw Error(path + ": not a valid sweep file: " + library_message(e.what()));
  } catch (const nlohmann::json::exception& e) {
    // A value that the point's JSON cannot hold (fuzz_sweep: bytes that are not UTF-8 once YAML has decoded them).
    throw Error(path + ": not a valid sweep file: " + library_message(e.what()));
  }
}

void mark_pareto(ojson& results) {
  auto num = [](const ojson& r, const char* k, double* v) {
    if (!r.contains(k) || !r[k].is_number()) return false;
    *v = r[k].get<double>();
    return true;
  };
  for (ojson& r : results) {
    double lr = 0, er = 0;
    bool on = num(r, "latency_s", &lr) && num(r, "energy_pj", &er);
    for (const ojson& o : results) {
      double lo = 0, eo = 0;
      if (!on) break;
      if (&o == &r || o.value("network", "") != r.value("network", "") || !num(o, "latency_s", &lo) ||
          !num(o, "energy_pj", &eo))
        continue;
      if (lo <= lr && eo <= er && (lo < lr || eo < er)) on = false;
    }
    r["pareto"] = on;
  }
}

std::string results_csv(const Sweep& s, const ojson& results) {
  static const char* kMetrics[] = {"engine",     "images",     "cycles",     "latency_s",  "energy_pj",
                                   "pj_per_mac", "tops_per_w", "inferences_per_joule", "macs",
                                   "dram_bytes", "sram_bytes", "area_mm2",   "accuracy",   "pareto",
                                   "missing_counters"};
  auto cell = [](const ojson& v) -> std::string {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    if (v.is_number()) {
      char b[64];
      std::snprintf(b, sizeof b, "%.9g", v.get<double>());
      return b;
    }
    if (v.is_array()) {
      std::string o;
      for (const auto& e : v) o += (o.empty() ? "" : " ") + (e.is_string() ? e.get<std::string>() : e.dump());
      return o;
    }
    return v.dump();
  };
  auto quote = [](const std::string& x) {
    if (x.find_first_of(",\"\n") == std::string::npos) return x;
    std::string o = "\"";
    for (char c : x) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
  };
  std::ostringstream o;
  o << "point,network";
  for (const std::string& p : s.params) o << "," << quote(p);
  for (const char* m : kMetrics) o << "," << m;
  o << "\n";
  for (const ojson& r : results) {
    o << r.value("point", -1) << "," << quote(r.value("network", ""));
    const ojson params = r.value("params", ojson::object());
    for (const std::string& p : s.params) o << "," << quote(params.contains(p) ? cell(params[p]) : "");
    for (const char* m : kMetrics) o << "," << quote(r.contains(m) ? cell(r[m]) : "");
    o << "\n";
  }
  return o.str();
}

}  // namespace lutsim::energy
