// The engine registry: which engines this binary has, by name.
#include "engine.h"

#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "common.h"
#include "lutsim/model/error.h"
#ifdef LUTSIM_HAVE_FIRMWARE
#include "lutsim/firmware/program.h"
#endif

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

std::optional<Fault> fault_hook(const std::string& engine) {
  const char* env = std::getenv("LUTSIM_FAULT");
  if (!env || !*env) return std::nullopt;
  const std::string s = env;
  const auto a = s.find(':'), b = s.rfind(':');
  if (a == std::string::npos || b == a) throw Error("LUTSIM_FAULT='" + s + "' is not ENGINE:DRAM_BYTE:BIT");
  if (s.substr(0, a) != engine) return std::nullopt;
  try {
    std::size_t used = 0;
    const std::string byte = s.substr(a + 1, b - a - 1), bit = s.substr(b + 1);
    Fault f;
    f.byte = std::stoull(byte, &used, 0);
    if (used != byte.size()) throw std::invalid_argument("byte");
    f.bit = std::stoi(bit, &used);
    if (used != bit.size() || f.bit < 0 || f.bit > 7) throw std::invalid_argument("bit");
    return f;
  } catch (const std::exception&) {
    throw Error("LUTSIM_FAULT='" + s + "' is not ENGINE:DRAM_BYTE:BIT (BIT 0..7)");
  }
}

#ifdef LUTSIM_HAVE_FIRMWARE
Program with_fault_hook(Program p, const std::string& engine) {
  const std::optional<Fault> f = fault_hook(engine);
  if (!f) return p;
  if (f->byte >= p.dram_init.size())
    throw Error("LUTSIM_FAULT: the " + engine + " engine can flip a byte of the parameter image [0, " +
                std::to_string(p.dram_init.size()) + "), not DRAM byte " + std::to_string(f->byte));
  p.dram_init[f->byte] ^= static_cast<std::uint8_t>(1u << f->bit);
  return p;
}
#endif

}  // namespace lutsim::cli
