// Times the ISA interpreter against the golden model's fast kernels on a generated network (default: ResNet-18 at
// 224x224, 4-bit per-channel LUTs, the default 16x16 config). See README.md.
//
//   bench_isa [--arch resnet18|mobilenetv2|lenet5] [--hw PRESET_OR_FILE] [--size N] [--reps N] [--threads N]
// --threads sets the worker threads of both engines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/model/executor.h"
#include "lutsim/zoo/zoo.h"

using namespace lutsim;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int main(int argc, char** argv) {
  std::string arch = "resnet18", hw_name = "default";
  int size = 0, reps = 5, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--arch")) arch = argv[i + 1];
    else if (!std::strcmp(argv[i], "--hw")) hw_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--threads")) threads = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: %s [--arch A] [--hw HW] [--size N] [--reps N] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  try {
    zoo::ZooOptions o;
    if (!zoo::parse_arch(arch, &o.arch)) throw Error("unknown --arch " + arch);
    o.input_size = size;
    o.weight_bits = 4;
    o.lut_mode = LutMode::PerChannel;
    const Network net = zoo::build(o);
    const HwConfig hw = load_hw_config(hw_name);
    const Tensor input = zoo::random_input(net, 1, 1);

    auto t0 = Clock::now();
    const Program prog = compile(net, hw);
    const double t_compile = since(t0);

    Executor golden(net, hw.arith(), ExecOptions{Backend::Fast, threads, false});
    RunResult g = golden.run(input);  // warm-up
    double t_golden = 1e30;
    for (int r = 0; r < reps; ++r) {
      t0 = Clock::now();
      g = golden.run(input);
      t_golden = std::min(t_golden, since(t0));
    }

    t0 = Clock::now();
    Interpreter isa(prog);
    const IsaOptions iopt{Schedule::ProgramOrder, false, false, threads};
    IsaResult res = isa.run(input, iopt);
    const double t_cold = since(t0);
    double t_isa = 1e30;
    for (int r = 0; r < reps; ++r) {
      t0 = Clock::now();
      res = isa.run(input, iopt);
      t_isa = std::min(t_isa, since(t0));
    }
    const bool equal = res.output.same_values(g.output);
    std::printf("network %s, hw %s (%dx%d), %zu instructions, %lld MACs\n", net.name.c_str(), hw.name.c_str(), hw.rows, hw.cols,
                prog.code.size(), static_cast<long long>(res.stats.macs));
    std::printf("compile                 %8.3f s\n", t_compile);
    std::printf("golden fast kernels     %8.4f s  (%d thread%s, best of %d)\n", t_golden, threads, threads > 1 ? "s" : "", reps);
    std::printf("isa interpreter, warm   %8.4f s  (%d thread%s, best of %d; ratio to golden %.2fx)\n", t_isa, threads,
                threads > 1 ? "s" : "", reps, t_isa / t_golden);
    std::printf("isa interpreter, cold   %8.4f s  (first run: machine allocation and weight decoding)\n", t_cold);
    std::printf("bit-exact               %s\n", equal ? "yes" : "NO");
    std::printf("{\"network\":\"%s\",\"hw\":\"%s\",\"compile_s\":%.4f,\"golden_s\":%.5f,\"isa_warm_s\":%.5f,\"isa_cold_s\":%.5f,"
                "\"ratio\":%.3f,\"equal\":%s}\n",
                net.name.c_str(), hw.name.c_str(), t_compile, t_golden, t_isa, t_cold, t_isa / t_golden, equal ? "true" : "false");
    return equal ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_isa: %s\n", e.what());
    return 1;
  }
}
