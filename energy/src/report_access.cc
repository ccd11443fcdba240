#include "lutsim/energy/report_access.h"

#include <cmath>

#include "lutsim/model/error.h"

namespace lutsim::energy {

using ojson = nlohmann::ordered_json;

namespace {
std::string join(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }
}  // namespace

ReportReader::ReportReader(const ojson& report, std::string source, bool allow_missing)
    : report_(report), source_(std::move(source)), allow_missing_(allow_missing) {
  if (!report_.is_object()) fail("(top level)", "expected a JSON object (a lutsim sim report)");
  if (!report_.contains("format") || report_["format"] != "lutsim-sim-report")
    fail("format", "expected \"lutsim-sim-report\" (write reports with lutsim sim --report)");
  if (!report_.contains("version") || !report_["version"].is_number_integer() || report_["version"] != 1)
    fail("version", "expected 1");
}

void ReportReader::fail(const std::string& where, const std::string& msg) const {
  throw Error(source_ + ": " + where + ": " + msg);
}

HwConfig ReportReader::hw() const {
  ojson h = object(report_, "", "hw");
  h.erase("fingerprint");
  return parse_hw_config(h.dump(), source_ + ": hw");
}

double ReportReader::number(const ojson& j, const std::string& where, const std::string& key) const {
  if (!j.contains(key)) fail(join(where, key), "missing");
  const ojson& v = j.at(key);
  if (!v.is_number()) fail(join(where, key), "expected a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < 0) fail(join(where, key), "expected a non-negative number");
  return x;
}

const ojson& ReportReader::object(const ojson& j, const std::string& where, const std::string& key) const {
  if (!j.contains(key)) fail(join(where, key), "missing");
  if (!j.at(key).is_object()) fail(join(where, key), "expected an object");
  return j.at(key);
}

const ojson& ReportReader::array(const ojson& j, const std::string& where, const std::string& key) const {
  if (!j.contains(key)) fail(join(where, key), "missing");
  if (!j.at(key).is_array()) fail(join(where, key), "expected an array");
  return j.at(key);
}

double ReportReader::counter(const ojson& counters, const std::string& where, const std::string& path) {
  const ojson* j = &counters;
  std::string at = where;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!j->is_object() || !j->contains(key)) {
      if (allow_missing_) {
        missing_.insert(path);
        return 0.0;
      }
      fail(join(at, key), "missing counter (the report must carry every counter of docs/energy.md)");
    }
    j = &j->at(key);
    at = join(at, key);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!j->is_number()) fail(at, "expected a number");
  const double x = j->get<double>();
  if (!std::isfinite(x) || x < 0) fail(at, "expected a non-negative count");
  return x;
}

std::string ReportReader::layer_where(const ojson& layer, std::size_t i) {
  std::string s = "layers[" + std::to_string(i) + "]";
  if (layer.is_object() && layer.contains("name") && layer["name"].is_string())
    s += " ('" + layer["name"].get<std::string>() + "')";
  return s;
}

ojson ReportReader::missing() const {
  ojson a = ojson::array();
  for (const std::string& m : missing_) a.push_back(m);
  return a;
}

}  // namespace lutsim::energy
