// Times the SystemC model against the golden model's fast kernels on a generated network (default: ResNet-18 at
// 224x224, 4-bit per-channel LUTs, the default 16x16 config). See README.md.
//
//   bench_sim [--arch resnet18|mobilenetv2|lenet5] [--hw PRESET_OR_FILE] [--size N] [--reps N]
// Each rep simulates one image on the same model (elaborated once); the first image is reported apart (it decodes
// every GEMM's weights once).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lutsim/firmware/compiler.h"
#include "lutsim/model/executor.h"
#include "lutsim/sim/simulator.h"
#include "lutsim/zoo/zoo.h"

using namespace lutsim;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char** argv) {
  std::string arch = "resnet18", hw_name = "default";
  int size = 0, reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--arch")) arch = argv[i + 1];
    else if (!std::strcmp(argv[i], "--hw")) hw_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: %s [--arch A] [--hw HW] [--size N] [--reps N]\n", argv[0]);
      return 2;
    }
  }
  try {
    const auto t_all = Clock::now();
    zoo::ZooOptions o;
    if (!zoo::parse_arch(arch, &o.arch)) throw Error("unknown --arch " + arch);
    o.input_size = size;
    o.weight_bits = 4;
    o.lut_mode = LutMode::PerChannel;
    const Network net = zoo::build(o);
    const HwConfig hw = load_hw_config(hw_name);
    const Tensor input = zoo::random_input(net, 1, 1);

    auto t0 = Clock::now();
    Program prog = compile(net, hw);
    const double t_compile = since(t0);
    const std::size_t ninsn = prog.code.size();

    Executor golden(net, hw.arith(), ExecOptions{Backend::Fast, 1, false});
    RunResult g = golden.run(input);  // warm-up
    std::vector<double> tg;
    for (int r = 0; r < reps; ++r) {
      t0 = Clock::now();
      g = golden.run(input);
      tg.push_back(since(t0));
    }

    t0 = Clock::now();
    sim::Simulator s(std::move(prog));
    Tensor out = s.run(input);
    const double t_first = since(t0);
    bool equal = out.same_values(g.output);
    std::vector<double> ts;
    for (int r = 0; r < reps; ++r) {
      t0 = Clock::now();
      out = s.run(input);
      ts.push_back(since(t0));
      equal = equal && out.same_values(g.output);
    }
    const double total = since(t_all);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
    const std::int64_t cycles = s.image_cycles().front();
    const double sim_med = median(ts), sim_best = *std::min_element(ts.begin(), ts.end());
    const double gold_med = median(tg), gold_best = *std::min_element(tg.begin(), tg.end());
    std::printf("network %s, hw %s (%dx%d), %zu instructions, %lld simulated cycles per image\n", net.name.c_str(),
                hw.name.c_str(), hw.rows, hw.cols, ninsn, static_cast<long long>(cycles));
    std::printf("compile                      %8.3f s\n", t_compile);
    std::printf("golden fast kernels          %8.4f s median, %.4f s best of %d (1 thread)\n", gold_med, gold_best, reps);
    std::printf("systemc, first image         %8.3f s (weight decoding, elaboration)\n", t_first);
    std::printf("systemc, per image           %8.3f s median, %.3f s best of %d\n", sim_med, sim_best, reps);
    std::printf("simulated cycles per second  %8.2f M (median)\n", static_cast<double>(cycles) / sim_med / 1e6);
    std::printf("ratio to golden              %8.1fx (medians)\n", sim_med / gold_med);
    std::printf("whole benchmark wall time    %8.2f s, peak memory %.0f MiB\n", total, peak_mib);
    std::printf("bit-exact                    %s\n", equal ? "yes" : "NO");
    std::printf("{\"network\":\"%s\",\"hw\":\"%s\",\"cycles\":%lld,\"golden_s\":%.5f,\"sim_first_s\":%.4f,\"sim_s\":%.4f,"
                "\"mcycles_per_s\":%.3f,\"ratio\":%.2f,\"peak_mib\":%.0f,\"equal\":%s}\n",
                net.name.c_str(), hw.name.c_str(), static_cast<long long>(cycles), gold_med, t_first, sim_med,
                static_cast<double>(cycles) / sim_med / 1e6, sim_med / gold_med, peak_mib, equal ? "true" : "false");
    return equal ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_sim: %s\n", e.what());
    return 1;
  }
}
