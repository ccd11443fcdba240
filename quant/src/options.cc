// parse_options(): the quantizer's options from their names and value texts.
#include "lutsim/quant/options.h"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <string_view>

namespace lutsim::quant {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"input-exponent", "E", "-8", "real input = q * 2^E: how the float model's input is rebuilt from the u8 images"},
    {"weight-bits", "B", "4", "weight bits: 1-4 or 8"},
    {"grid", "G", "lut-per-channel", "weight grid: lut-per-layer, lut-per-channel or uniform"},
    {"shift", "S", "per-layer", "per-layer or per-channel shifts"},
    {"method", "M", "mmse", "mmse (MSQE exponents) or lapq (then joint refinement against the golden model)"},
    {"act-calib", "C", "mse", "activation exponents: mse, percentile or kl"},
    {"percentile", "P", "99.99", "for --act-calib percentile"},
    {"equalize", nullptr, nullptr, "cross-layer equalization before quantizing"},
    {"bias-correction", nullptr, nullptr, "correct the per-channel output shift caused by weight quantization"},
    {"avg-bits", "A", nullptr, "mixed precision: per-layer bits from {2,3,4,8} with an average of at most A bits per weight"},
    {"compression", "R", nullptr,
     "mixed precision by compression ratio against float32 weights (the same as --avg-bits 32/R)"},
    {"calib-images", "N", "256", "calibration images the lapq and mixed-precision loss runs on"},
    {"lapq-evals", "N", "120", "most golden-model runs the lapq search may spend (bounds its time)"},
    {"threads", "N", "1", "worker threads, 1-256"},
};

class Reader {
 public:
  explicit Reader(const std::map<std::string, std::string>& v) : v_(v) {
    for (const auto& [name, value] : v) {
      bool known = false;
      for (const OptionSpec& s : kSpecs) known |= name == s.name;
      if (!known) throw OptionError("--" + name + ": not an option of the quantizer");
    }
  }
  bool has(const std::string& name) const { return v_.count(name) > 0; }
  std::string text(const std::string& name) const {
    if (auto it = v_.find(name); it != v_.end()) return it->second;
    for (const OptionSpec& s : kSpecs)
      if (name == s.name && s.fallback) return s.fallback;
    return "";
  }
  std::int64_t integer(const std::string& name, std::int64_t lo, std::int64_t hi) const {
    const std::string t = text(name);
    std::int64_t x = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
    if (ec != std::errc() || end != t.data() + t.size()) throw OptionError("--" + name + ": '" + t + "' is not an integer");
    if (x < lo || x > hi)
      throw OptionError("--" + name + ": " + t + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return x;
  }
  double real(const std::string& name, double lo, double hi) const {
    const std::string t = text(name);
    std::size_t end = 0;
    double x = 0;
    try {
      x = std::stod(t, &end);
    } catch (const std::exception&) {
      end = 0;
    }
    if (t.empty() || end != t.size() || !std::isfinite(x)) throw OptionError("--" + name + ": '" + t + "' is not a number");
    if (x < lo || x > hi)
      throw OptionError("--" + name + ": " + t + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return x;
  }
  // The index of the value among `choices`.
  std::size_t choice(const std::string& name, std::initializer_list<std::string_view> choices) const {
    const std::string t = text(name);
    std::string list;
    std::size_t i = 0;
    for (std::string_view c : choices) {
      if (c == t) return i;
      list += (list.empty() ? "" : ", ") + std::string(c);
      ++i;
    }
    throw OptionError("--" + name + ": '" + t + "' is not one of " + list);
  }

 private:
  const std::map<std::string, std::string>& v_;
};

}  // namespace

const std::vector<OptionSpec>& option_specs() { return kSpecs; }

QuantOptions parse_options(const std::map<std::string, std::string>& values) {
  const Reader r(values);
  QuantOptions q;
  q.input_exponent = static_cast<int>(r.integer("input-exponent", -128, 127));
  q.weight_bits = static_cast<int>(r.integer("weight-bits", 1, 8));
  if (q.weight_bits > 4 && q.weight_bits != 8)
    throw OptionError("--weight-bits: " + std::to_string(q.weight_bits) + " is not 1, 2, 3, 4 or 8");
  constexpr Grid grids[] = {Grid::LutPerLayer, Grid::LutPerChannel, Grid::Uniform};
  q.grid = grids[r.choice("grid", {"lut-per-layer", "lut-per-channel", "uniform"})];
  q.shift_per_channel = r.choice("shift", {"per-layer", "per-channel"}) == 1;
  q.method = r.choice("method", {"mmse", "lapq"}) == 1 ? Method::Lapq : Method::Mmse;
  constexpr CalibMethod calibs[] = {CalibMethod::Mse, CalibMethod::Percentile, CalibMethod::Kl};
  q.calib = calibs[r.choice("act-calib", {"mse", "percentile", "kl"})];
  q.percentile = r.real("percentile", 50, 100);
  q.equalize = r.has("equalize");
  q.bias_correction = r.has("bias-correction");
  if (r.has("avg-bits") && r.has("compression")) throw OptionError("--avg-bits and --compression are exclusive");
  if (r.has("avg-bits")) q.avg_bits = r.real("avg-bits", 2, 8);
  if (r.has("compression")) q.avg_bits = 32.0 / r.real("compression", 4, 16);
  q.lapq_images = static_cast<int>(r.integer("calib-images", 1, 1 << 20));
  q.lapq_max_evals = static_cast<int>(r.integer("lapq-evals", 0, 100000));
  q.threads = static_cast<int>(r.integer("threads", 1, 256));
  return q;
}

}  // namespace lutsim::quant
