// Checked access to a simulation report (format lutsim-sim-report, version 1; docs/energy.md): every missing or
// mistyped field is a lutsim::Error naming the report and the field's path, e.g.
//   R.json: layers[2] ('conv1').counters.sram.act.read_bytes: missing
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "lutsim/hw/config.h"

namespace lutsim::energy {

class ReportReader {
 public:
  // Checks "format" and "version". With allow_missing, missing counters read as 0 and are remembered.
  ReportReader(const nlohmann::ordered_json& report, std::string source, bool allow_missing = false);

  // The hardware config of the report's "hw" (its "fingerprint" ignored), validated like a config file.
  HwConfig hw() const;
  // A number, object or array field `key` of `j`, where `where` is j's path ("" for the top level).
  double number(const nlohmann::ordered_json& j, const std::string& where, const std::string& key) const;
  const nlohmann::ordered_json& object(const nlohmann::ordered_json& j, const std::string& where,
                                       const std::string& key) const;
  const nlohmann::ordered_json& array(const nlohmann::ordered_json& j, const std::string& where,
                                      const std::string& key) const;
  // A non-negative counter at a dotted path ("sram.act.read_bytes") inside a counters object at `where`.
  double counter(const nlohmann::ordered_json& counters, const std::string& where, const std::string& path);
  // "layers[i] ('name')" for messages.
  static std::string layer_where(const nlohmann::ordered_json& layer, std::size_t i);
  // Counter paths that were missing (allow_missing only), sorted.
  nlohmann::ordered_json missing() const;
  const std::string& source() const { return source_; }

 private:
  [[noreturn]] void fail(const std::string& where, const std::string& msg) const;
  const nlohmann::ordered_json& report_;
  std::string source_;
  bool allow_missing_;
  std::set<std::string> missing_;
};

}  // namespace lutsim::energy
