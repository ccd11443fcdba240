// lutsim quantize MODEL.onnx --calib X.npy -o NET: post-training quantization of a float ONNX model into a lutsim
// network file (docs/quantization.md).
//
// main.cc lists it when the quant library is built (common.h declares it).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/format.h"
#include "lutsim/quant/onnx_import.h"
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
      ("output,o", po::value<std::string>()->required()->value_name("NET"), "where to write the network file")
      ("input-exponent", po::value<std::string>()->default_value("-8")->value_name("E"),
       "real input = q * 2^E: how the float model's input is rebuilt from the u8 images")
      ("weight-bits", po::value<std::string>()->default_value("4")->value_name("B"), "weight bits: 1-4 or 8")
      ("grid", po::value<std::string>()->default_value("lut-per-channel")->value_name("G"),
       "weight grid: lut-per-layer, lut-per-channel or uniform")
      ("shift", po::value<std::string>()->default_value("per-layer")->value_name("S"), "per-layer or per-channel shifts")
      ("method", po::value<std::string>()->default_value("mmse")->value_name("M"),
       "mmse (MSQE exponents) or lapq (then joint refinement against the golden model)")
      ("act-calib", po::value<std::string>()->default_value("mse")->value_name("C"),
       "activation exponents: mse, percentile or kl")
      ("percentile", po::value<std::string>()->default_value("99.99")->value_name("P"), "for --act-calib percentile")
      ("equalize", "cross-layer equalization before quantizing")
      ("bias-correction", "correct the per-channel output shift caused by weight quantization")
      ("avg-bits", po::value<std::string>()->value_name("A"),
       "mixed precision: per-layer bits from {2,3,4,8} with an average of at most A bits per weight")
      ("compression", po::value<std::string>()->value_name("R"),
       "mixed precision by compression ratio against float32 weights (the same as --avg-bits 32/R)")
      ("calib-images", po::value<std::string>()->default_value("256")->value_name("N"),
       "calibration images the lapq and mixed-precision loss runs on")
      ("lapq-evals", po::value<std::string>()->default_value("120")->value_name("N"),
       "most golden-model runs the lapq search may spend (bounds its time)")
      ("hw", po::value<std::string>()->default_value("default")->value_name("HW"),
       "hardware config (its accumulator width and rounding are the golden model's)")
      ("threads", po::value<std::string>()->default_value("1")->value_name("N"), "worker threads, 1-256")
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
  quant::QuantOptions q;
  q.input_exponent = static_cast<int>(int_in_range(vm, "input-exponent", -128, 127));
  q.weight_bits = static_cast<int>(int_in_range(vm, "weight-bits", 1, 8));
  if (q.weight_bits > 4 && q.weight_bits != 8) throw UsageError("--weight-bits: " + std::to_string(q.weight_bits) + " is not 1, 2, 3, 4 or 8");
  const std::string grid = choice(vm, "grid", {"lut-per-layer", "lut-per-channel", "uniform"});
  q.grid = grid == "lut-per-layer" ? quant::Grid::LutPerLayer : grid == "uniform" ? quant::Grid::Uniform : quant::Grid::LutPerChannel;
  q.shift_per_channel = choice(vm, "shift", {"per-layer", "per-channel"}) == "per-channel";
  q.method = choice(vm, "method", {"mmse", "lapq"}) == "lapq" ? quant::Method::Lapq : quant::Method::Mmse;
  const std::string ac = choice(vm, "act-calib", {"mse", "percentile", "kl"});
  q.calib = ac == "kl" ? quant::CalibMethod::Kl : ac == "percentile" ? quant::CalibMethod::Percentile : quant::CalibMethod::Mse;
  auto real = [&](const std::string& opt, double lo, double hi) {
    const std::string v = vm[opt].as<std::string>();
    std::size_t end = 0;
    double x = 0;
    try { x = std::stod(v, &end); } catch (const std::exception&) { end = 0; }
    if (end != v.size() || !std::isfinite(x)) throw UsageError("--" + opt + ": '" + v + "' is not a number");
    if (x < lo || x > hi) throw UsageError("--" + opt + ": " + v + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return x;
  };
  q.percentile = real("percentile", 50, 100);
  q.equalize = vm.count("equalize") > 0;
  q.bias_correction = vm.count("bias-correction") > 0;
  if (vm.count("avg-bits") && vm.count("compression")) throw UsageError("--avg-bits and --compression are exclusive");
  if (vm.count("avg-bits")) q.avg_bits = real("avg-bits", 2, 8);
  if (vm.count("compression")) q.avg_bits = 32.0 / real("compression", 4, 16);
  q.lapq_images = static_cast<int>(int_in_range(vm, "calib-images", 1, 1 << 20));
  q.lapq_max_evals = static_cast<int>(int_in_range(vm, "lapq-evals", 0, 100000));
  q.threads = static_cast<int>(int_in_range(vm, "threads", 1, 256));
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
