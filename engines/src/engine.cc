// The engine registry: which engines this binary has, by name.
#include "lutsim/engines/engine.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "lutsim/model/error.h"
#ifdef LUTSIM_HAVE_FIRMWARE
#include "lutsim/firmware/program.h"
#endif

namespace lutsim {
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

bool has_engine(const std::string& name) {
  for (const Entry& e : kEngines)
    if (name == e.name) return true;
  return false;
}

std::unique_ptr<Engine> make_engine(const std::string& name, const Network& net, const HwConfig& hw,
                                    const EngineOptions& opt) {
  for (const Entry& e : kEngines)
    if (name == e.name) return e.make(net, hw, opt);
  throw Error("engine '" + name + "' is not one of " + engine_list());
}

Tensor input_batch(const Tensor& x, const ValueInfo& in, const std::string& what, bool* batched) {
  const std::string dims = std::to_string(in.h) + ", " + std::to_string(in.w) + ", " + std::to_string(in.c);
  if (x.dtype() != in.dtype)
    throw Error(what + ": input dtype " + std::string(dtype_name(x.dtype())) + " does not match the network input '" +
                in.name + "' (" + std::string(dtype_name(in.dtype)) + ")");
  const bool hwc = x.rank() == 3;
  const std::size_t o = hwc ? 0 : 1;
  if ((x.rank() != 3 && x.rank() != 4) || x.dim(o) != in.h || x.dim(o + 1) != in.w || x.dim(o + 2) != in.c)
    throw Error(what + ": input shape " + shape_str(x.shape()) + " does not match the network input '" + in.name +
                "' (expected [N, " + dims + "] or [" + dims + "])");
  if (!hwc && x.dim(0) < 1) throw Error(what + ": the input batch is empty (shape " + shape_str(x.shape()) + ")");
  if (batched) *batched = !hwc;
  return hwc ? x.reshaped({1, in.h, in.w, in.c}) : x;
}

Tensor batch_slice(const Tensor& x, std::int64_t first, std::int64_t n) {
  if (x.rank() < 1 || first < 0 || n < 0 || first + n > x.dim(0))
    throw Error("images [" + std::to_string(first) + ", " + std::to_string(first + n) + ") are outside the batch " +
                shape_str(x.shape()));
  Shape s = x.shape();
  s[0] = n;
  Tensor t(x.dtype(), s, x.exponent());
  const std::size_t per = x.dim(0) ? x.nbytes() / static_cast<std::size_t>(x.dim(0)) : 0;
  if (per > 0 && n > 0)
    std::memcpy(t.raw(), x.raw() + per * static_cast<std::size_t>(first), per * static_cast<std::size_t>(n));
  return t;
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

}  // namespace lutsim
