// lutsim quantize MODEL.onnx --calib X.npy -o NET: post-training quantization of a float ONNX model into a lutsim
// network file (docs/quantization.md).
//
// main.cc lists it when the quant library is built (common.h declares it).
#include <unistd.h>

#include <chrono>
#include <map>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/format.h"
#include "lutsim/quant/onnx_import.h"
#include "lutsim/quant/options.h"
#include "lutsim/quant/quantize.h"

namespace lutsim::cli {
namespace {

// A one-line progress bar on stderr, redrawn in place on a terminal and printed per stage otherwise.
class ProgressBar {
 public:
  explicit ProgressBar(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO)) {}
  ~ProgressBar() { finish(); }
  void update(const std::string& stage, double f) {
    if (quiet_) return;
    const int pct = static_cast<int>(std::lround(std::clamp(f, 0.0, 1.0) * 100));
    if (stage == stage_ && (pct == pct_ || (!tty_ && pct != 100))) return;
    if (stage != stage_ && !stage_.empty() && tty_) std::cerr << "\n";
    stage_ = stage;
    pct_ = pct;
    const int w = 30, fill = pct * w / 100;
    std::cerr << (tty_ ? "\r" : "") << "lutsim quantize: " << std::left << std::setw(22) << stage << " ["
              << std::string(static_cast<std::size_t>(fill), '#') << std::string(static_cast<std::size_t>(w - fill), '.')
              << "] " << std::right << std::setw(3) << pct << "%" << (tty_ ? "" : "\n") << std::flush;
  }
  void finish() {
    if (!quiet_ && tty_ && !stage_.empty()) std::cerr << "\n";
    stage_.clear();
  }

 private:
  bool quiet_, tty_;
  std::string stage_;
  int pct_ = -1;
};

}  // namespace

int cmd_quantize(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("calib", po::value<std::string>()->required()->value_name("X.npy"),
       "calibration images: u8 NHWC [N, H, W, C], or f32 NCHW [N, C, H, W] in the model's own layout")
      ("output,o", po::value<std::string>()->required()->value_name("NET"), "where to write the network file");
  // The quantizer's own options (quant/options.h), shared with the Python package.
  for (const quant::OptionSpec& o : quant::option_specs()) {
    if (!o.value_name) {
      opts.add_options()(o.name, o.help);
      continue;
    }
    auto* v = po::value<std::string>()->value_name(o.value_name);
    if (o.fallback) v->default_value(o.fallback);
    opts.add_options()(o.name, v, o.help);
  }
  opts.add_options()
      ("hw", po::value<std::string>()->default_value("default")->value_name("HW"),
       "hardware config (its accumulator width and rounding are the golden model's)")
      ("quiet,q", "no progress bar and no summary");
  po::options_description hidden;
  hidden.add_options()("model", po::value<std::string>(), "ONNX model");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse_args("quantize", "MODEL.onnx --calib X.npy -o NET [options]",
                  "Imports a float ONNX model, quantizes it for the accelerator with power-of-two exponents and\n"
                  "LUT (or uniform) weights chosen on the calibration images, and writes a lutsim network file.",
                  opts, hidden, pos, args, vm, "model", "the ONNX model MODEL.onnx"))
    return kExitOk;
  std::map<std::string, std::string> given;
  for (const quant::OptionSpec& o : quant::option_specs())
    if (vm.count(o.name)) given[o.name] = o.value_name ? vm[o.name].as<std::string>() : "";
  quant::QuantOptions q;
  try {
    q = quant::parse_options(given);
  } catch (const quant::OptionError& e) {
    throw UsageError(e.what());
  }
  const bool quiet = vm.count("quiet") > 0;
  const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
  q.arith = hw.arith();
  ProgressBar bar(quiet);
  q.progress = [&](const std::string& s, double f) { bar.update(s, f); };

  const auto t0 = std::chrono::steady_clock::now();
  const std::string model = vm["model"].as<std::string>(), calib = vm["calib"].as<std::string>();
  const quant::FloatGraph g = quant::import_onnx(model);
  const Tensor x = quant::to_network_input(load_npy(calib), g, q.input_exponent, calib);
  quant::QuantReport rep;
  const Network net = quant::quantize(g, x, q, &rep);
  save_network(net, vm["output"].as<std::string>());
  bar.finish();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet) {
    for (const std::string& s : rep.notes) std::cerr << "lutsim quantize: " << s << "\n";
    std::int64_t bytes = 0;
    for (const Layer& l : net.layers) bytes += layer_weight_bytes(l);
    std::cerr << "lutsim quantize: " << net.layers.size() << " layers, " << bytes << " parameter bytes, calibration "
              << "cross-entropy " << std::setprecision(4) << rep.loss_final << ", " << std::setprecision(3) << secs
              << " s -> " << vm["output"].as<std::string>() << "\n";
  }
  return kExitOk;
}

}  // namespace lutsim::cli
