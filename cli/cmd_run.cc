// lutsim run NET --input X.npy --output Y.npy: a network on one engine over a batch, with per-layer statistics.
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/executor.h"
#include "lutsim/model/format.h"

namespace lutsim::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void write_stats(const std::string& path, const Network& net, const HwConfig& hw, const std::string& engine,
                 std::int64_t batch, const std::vector<LayerStats>& stats, const nlohmann::ordered_json& report,
                 bool timing, int threads, double load_s, double run_s) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["format"] = "lutsim-stats";
  j["version"] = 1;
  j["network"] = net.name;
  j["batch"] = batch;
  j["hw"] = {{"name", hw.name}, {"acc_bits", hw.acc_bits}, {"rounding", std::string(rounding_name(hw.rounding))}};
  j["engine"] = engine;
  LayerStats total;
  ordered_json layers = ordered_json::array();
  for (std::size_t i = 0; i < stats.size(); ++i) {
    const LayerStats& s = stats[i];
    total += s;
    layers.push_back({{"name", net.layers[i].name},
                      {"op", std::string(op_name(net.layers[i].op))},
                      {"macs", s.macs},
                      {"outputs", s.outputs},
                      {"wraps", s.wraps},
                      {"clamped_low", s.clamped_low},
                      {"clamped_high", s.clamped_high}});
  }
  // Golden-model statistics (MACs, wraps, clamps) come from the golden engines; the others report their own.
  if (!stats.empty()) {
    j["layers"] = std::move(layers);
    j["totals"] = {{"macs", total.macs},
                   {"outputs", total.outputs},
                   {"wraps", total.wraps},
                   {"clamped_low", total.clamped_low},
                   {"clamped_high", total.clamped_high}};
  }
  if (!report.is_null()) j["engine_report"] = report;
  if (timing)
    j["timing"] = {{"threads", threads},
                   {"load_seconds", load_s},
                   {"run_seconds", run_s},
                   {"gmacs_per_second", run_s > 0 ? static_cast<double>(total.macs) / run_s / 1e9 : 0.0}};
  write_file(path, j.dump(2) + "\n");
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("input,i", po::value<std::string>()->required()->value_name("X.npy"),
       "input batch: NHWC (or HWC for one image) u8/s8 .npy matching the network input")
      ("output,o", po::value<std::string>()->required()->value_name("Y.npy"), "where to write the network output")
      ("stats", po::value<std::string>()->value_name("S.json"),
       "write per-layer statistics (MACs, outputs, wraps, clamps), totals and timing as JSON")
      ("hw", po::value<std::string>()->default_value("default")->value_name("HW"),
       "hardware config: a preset name or a JSON file; the accumulator width and rounding come from it")
      ("engine", po::value<std::string>()->default_value("golden")->value_name("E"),
       ("the engine: " + engine_list() +
        "; golden is the golden model's fast kernels, reference its plain reference kernels").c_str())
      ("threads", po::value<std::string>()->default_value("1")->value_name("N"), "worker threads, 1-256")
      ("quiet,q", "print neither progress nor top-1 classes")
      ("no-timing", "leave the timing section out of --stats (for golden traces)");
  po::options_description hidden;
  hidden.add_options()("network", po::value<std::string>(), "network file");
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse_args("run", "NET --input X.npy --output Y.npy [options]",
                  "Runs network file NET on an engine (by default the golden integer model) on the batch in X.npy\n"
                  "(the first dimension is the batch) and writes the output to Y.npy. When the output is a vector (1x1xC), prints the top-1\n"
                  "class of every image. The arithmetic (accumulator width, rounding) is the hardware config's.",
                  opts, hidden, pos, args, vm, "network", "the network file NET"))
    return kExitOk;
  const std::string engine = checked_engine_name(vm["engine"].as<std::string>());
  const int threads = static_cast<int>(int_in_range(vm, "threads", 1, 256));
  const bool quiet = vm.count("quiet") > 0;
  const std::string in_path = vm["input"].as<std::string>();
  const std::string out_path = vm["output"].as<std::string>();

  const Clock::time_point t0 = Clock::now();
  const HwConfig hw = load_hw_config(vm["hw"].as<std::string>());
  const Network net = load_network(vm["network"].as<std::string>());
  bool batched = true;
  const Tensor x = input_batch(load_npy(in_path), net.value(net.input), in_path, &batched);
  const std::unique_ptr<Engine> eng = make_engine(engine, net, hw, EngineOptions{.threads = threads, .quiet = quiet});
  const double load_s = seconds_since(t0);

  // The batch runs in chunks of `threads` images so that long runs can report progress; statistics are sums
  // over images, so chunking changes nothing.
  const std::int64_t N = x.dim(0), chunk = threads;
  const ValueInfo& ov = net.value(net.output);
  Tensor y(ov.dtype, {N, ov.h, ov.w, ov.c}, ov.exponent);
  const Clock::time_point t1 = Clock::now();
  const bool tty = isatty(STDERR_FILENO);
  bool progressed = false;
  for (std::int64_t first = 0; first < N; first += chunk) {
    const std::int64_t n = std::min(chunk, N - first);
    const Tensor out = eng->run(chunk >= N ? x : batch_slice(x, first, n));
    const std::size_t per = y.nbytes() / static_cast<std::size_t>(N);
    std::memcpy(y.raw() + per * static_cast<std::size_t>(first), out.raw(), per * static_cast<std::size_t>(n));
    const double el = seconds_since(t1);
    if (!quiet && first + n < N && el > 1.0) {
      std::cerr << (tty ? "\r" : "") << "lutsim run: " << first + n << "/" << N << " images, " << std::setprecision(3) << el << " s"
                << (tty ? "" : "\n") << std::flush;
      progressed = true;
    }
  }
  const double run_s = seconds_since(t1);
  const std::vector<LayerStats> stats = eng->layer_stats();
  if (progressed && tty) std::cerr << "\n";

  save_npy(batched ? y : y.reshaped({ov.h, ov.w, ov.c}), out_path);
  if (vm.count("stats"))
    write_stats(vm["stats"].as<std::string>(), net, hw, engine, N, stats, eng->report(), !vm.count("no-timing"),
                threads, load_s, run_s);

  if (!quiet && ov.h == 1 && ov.w == 1) {
    for (std::int64_t n = 0; n < N; ++n) {
      std::int64_t best = 0, score = y.get(n * ov.c);
      for (std::int64_t c = 1; c < ov.c; ++c)
        if (y.get(n * ov.c + c) > score) best = c, score = y.get(n * ov.c + c);
      std::cout << "image " << n << ": top-1 class " << best << " (score " << score << ")\n";
    }
  }
  if (!quiet) {
    std::cerr << std::setprecision(3);
    std::int64_t macs = 0;
    for (const Layer& l : net.layers) macs += layer_macs(net, l) * N;
    std::cerr << "lutsim run: " << N << (N == 1 ? " image, " : " images, ") << macs << " MACs in " << run_s
              << " s (" << (run_s > 0 ? static_cast<double>(macs) / run_s / 1e9 : 0.0) << " GMAC/s, " << engine
              << ", " << threads << (threads == 1 ? " thread)\n" : " threads)\n");
  }
  return kExitOk;
}

}  // namespace lutsim::cli
