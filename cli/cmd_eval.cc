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
#include "lutsim/engines/evaluate.h"
#include "lutsim/hw/config.h"
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
  EvalOptions o{.engine = engine, .batch = batch, .threads = threads, .data_what = xp, .labels_what = yp};
  const bool tty = isatty(STDERR_FILENO);
  int last_pct = -1;
  o.progress = [&](std::int64_t done, std::int64_t total) {
    const int pct = static_cast<int>(done * 100 / total);
    if (!quiet && pct != last_pct && (tty || pct == 100)) {
      const int fill = pct * 30 / 100;
      std::cerr << (tty ? "\r" : "") << "lutsim eval: [" << std::string(static_cast<std::size_t>(fill), '#')
                << std::string(static_cast<std::size_t>(30 - fill), '.') << "] " << done << "/" << total << " images"
                << (tty ? "" : "\n") << std::flush;
      last_pct = pct;
    }
    return true;
  };
  const EvalResult r = evaluate(net, hw, x, y, o);
  if (!quiet && tty) std::cerr << "\n";
  const std::int64_t N = r.images, C = r.classes, correct = r.correct;
  const std::vector<std::int64_t>& conf = r.confusion;
  if (vm.count("predictions")) save_npy(r.predictions, vm["predictions"].as<std::string>());
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
    std::cerr << std::defaultfloat << std::setprecision(3) << "lutsim eval: " << N << " images in " << r.seconds << " s\n";
  }
  return kExitOk;
}

}  // namespace lutsim::cli
