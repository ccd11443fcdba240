// lutsim eval NET --data X.npy --labels Y.npy: top-1 accuracy of a classifier network on labelled images, with a
// confusion summary.
//
// main.cc lists it when the quant library is built (common.h declares it).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "lutsim/hw/config.h"
#include "engine.h"
#include "lutsim/model/format.h"

namespace lutsim::cli {

int cmd_eval(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("data", po::value<std::string>()->required()->value_name("X.npy"), "images: NHWC [N, h, w, c] of the input dtype")
      ("labels", po::value<std::string>()->required()->value_name("Y.npy"), "labels: s32 [N] (or u8), class indices")
      ("engine", po::value<std::string>()->default_value("golden")->value_name("E"),
       ("the engine: " + engine_list()).c_str())
      ("hw", po::value<std::string>()->default_value("default")->value_name("HW"), "hardware config: preset or JSON file")
      ("predictions", po::value<std::string>()->value_name("P.npy"), "write the top-1 class of every image (s32 [N])")
      ("batch", po::value<std::string>()->default_value("64")->value_name("B"), "images per run, 1-65536")
      ("threads", po::value<std::string>()->default_value("1")->value_name("N"), "worker threads, 1-256")
      ("quiet,q", "print only the accuracy line");
  po::options_description hidden;
  hidden.add_options()("network", po::value<std::string>(), "network file");
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse_args("eval", "NET --data X.npy --labels Y.npy [options]",
                  "Runs network file NET on every image of X.npy and compares its top-1 class (the largest output;\n"
                  "the first one on a tie) with the labels: prints the accuracy and a confusion summary.",
                  opts, hidden, pos, args, vm, "network", "the network file NET"))
    return kExitOk;
  const std::string engine = checked_engine_name(vm["engine"].as<std::string>());
  const int threads = static_cast<int>(int_in_range(vm, "threads", 1, 256));
  const std::int64_t batch = int_in_range(vm, "batch", 1, 65536);
  const bool quiet = vm.count("quiet") > 0;
  const std::string xp = vm["data"].as<std::string>(), yp = vm["labels"].as<std::string>();

  const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
  const Network net = load_network(vm["network"].as<std::string>());
  const Tensor x = load_npy(xp), y = load_npy(yp);
  const ValueInfo& iv = net.value(net.input);
  const ValueInfo& ov = net.value(net.output);
  if (x.dtype() != iv.dtype || x.rank() != 4 || x.dim(1) != iv.h || x.dim(2) != iv.w || x.dim(3) != iv.c || x.dim(0) < 1)
    throw Error(xp + ": " + std::string(dtype_name(x.dtype())) + " " + shape_str(x.shape()) + " does not match the network input (" +
                std::string(dtype_name(iv.dtype)) + " [N, " + std::to_string(iv.h) + ", " + std::to_string(iv.w) + ", " +
                std::to_string(iv.c) + "])");
  const std::int64_t N = x.dim(0), C = ov.c;
  if ((y.dtype() != DType::S32 && y.dtype() != DType::U8) || y.rank() != 1 || y.dim(0) != N)
    throw Error(yp + ": labels must be s32 or u8 [" + std::to_string(N) + "] (one per image), got " +
                std::string(dtype_name(y.dtype())) + " " + shape_str(y.shape()));
  if (ov.h != 1 || ov.w != 1) throw Error("the network output '" + ov.name + "' is not a vector of class scores (1x1xC)");
  for (std::int64_t n = 0; n < N; ++n)
    if (y.get(n) < 0 || y.get(n) >= C)
      throw Error(yp + ": label " + std::to_string(y.get(n)) + " of image " + std::to_string(n) + " is outside [0, " + std::to_string(C) + ")");

  const std::unique_ptr<Engine> eng = make_engine(engine, net, hw, EngineOptions{.threads = threads, .quiet = true});
  Tensor pred(DType::S32, {N});
  std::vector<std::int64_t> conf(static_cast<std::size_t>(C * C), 0);
  const bool tty = isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t per = x.nbytes() / static_cast<std::size_t>(N);
  int last_pct = -1;
  for (std::int64_t first = 0; first < N; first += batch) {
    const std::int64_t n = std::min(batch, N - first);
    Tensor xb(x.dtype(), {n, iv.h, iv.w, iv.c}, iv.exponent);
    std::memcpy(xb.raw(), x.raw() + per * static_cast<std::size_t>(first), per * static_cast<std::size_t>(n));
    const Tensor out = eng->run(xb);
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t best = 0, score = out.get(i * C);
      for (std::int64_t c = 1; c < C; ++c)
        if (out.get(i * C + c) > score) best = c, score = out.get(i * C + c);
      pred.set(first + i, best);
      ++conf[static_cast<std::size_t>(y.get(first + i) * C + best)];
    }
    const int pct = static_cast<int>((first + n) * 100 / N);
    if (!quiet && pct != last_pct && (tty || pct == 100)) {
      const int fill = pct * 30 / 100;
      std::cerr << (tty ? "\r" : "") << "lutsim eval: [" << std::string(static_cast<std::size_t>(fill), '#')
                << std::string(static_cast<std::size_t>(30 - fill), '.') << "] " << first + n << "/" << N << " images"
                << (tty ? "" : "\n") << std::flush;
      last_pct = pct;
    }
  }
  if (!quiet && tty) std::cerr << "\n";
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::int64_t correct = 0;
  for (std::int64_t c = 0; c < C; ++c) correct += conf[static_cast<std::size_t>(c * C + c)];
  if (vm.count("predictions")) save_npy(pred, vm["predictions"].as<std::string>());
  std::cout << std::fixed << std::setprecision(2) << "top-1 accuracy: " << 100.0 * static_cast<double>(correct) / static_cast<double>(N)
            << "% (" << correct << "/" << N << ", " << engine << ")\n";
  if (!quiet) {
    std::cout << "per class (label: correct/total, most frequent wrong prediction):\n";
    for (std::int64_t c = 0; c < C; ++c) {
      std::int64_t tot = 0, worst = -1, wn = 0;
      for (std::int64_t p = 0; p < C; ++p) {
        const std::int64_t k = conf[static_cast<std::size_t>(c * C + p)];
        tot += k;
        if (p != c && k > wn) wn = k, worst = p;
      }
      if (tot == 0) continue;
      std::cout << "  " << c << ": " << conf[static_cast<std::size_t>(c * C + c)] << "/" << tot;
      if (worst >= 0) std::cout << "  (" << wn << " as " << worst << ")";
      std::cout << "\n";
    }
    std::cerr << std::defaultfloat << std::setprecision(3) << "lutsim eval: " << N << " images in " << secs << " s\n";
  }
  return kExitOk;
}

}  // namespace lutsim::cli
