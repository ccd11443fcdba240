// The engine registry: which engines this binary has, by name.
#include "engine.h"

#include <utility>

#include "common.h"

namespace lutsim::cli {
namespace {

struct Entry {
  const char* name;
  EngineFactory make;
};

constexpr Entry kEngines[] = {
    {"golden", make_golden_engine},
    {"reference", make_reference_engine},
#ifdef LUTSIM_HAVE_FIRMWARE
    {"isa", make_isa_engine},
#endif
#ifdef LUTSIM_HAVE_SIM
    {"systemc", make_systemc_engine},
#endif
#ifdef LUTSIM_HAVE_RTL
    {"rtl", make_rtl_engine},
#endif
};

}  // namespace

std::vector<std::string> engine_names() {
  std::vector<std::string> v;
  for (const Entry& e : kEngines) v.emplace_back(e.name);
  return v;
}

std::string engine_list() {
  std::string s;
  for (const Entry& e : kEngines) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

std::string checked_engine_name(const std::string& name, const std::string& option) {
  for (const Entry& e : kEngines)
    if (name == e.name) return name;
  throw UsageError("--" + option + ": '" + name + "' is not one of " + engine_list());
}

std::unique_ptr<Engine> make_engine(const std::string& name, const Network& net, const HwConfig& hw,
                                    const EngineOptions& opt) {
  for (const Entry& e : kEngines)
    if (name == e.name) return e.make(net, hw, opt);
  throw UsageError("--engine: '" + name + "' is not one of " + engine_list());
}

}  // namespace lutsim::cli
