// The C++ side of bench/python/bench_python.py: the work one lutsim.run() or lutsim.simulate() call does, timed in
// C++ with no Python, so that the script can give the overhead of the Python call side by side. See README.md.
//
//   bench_engine NET.npz X.npy run ENGINE REPS [HW]     make_engine + run + report, as lutsim.run does
//   bench_engine NET.npz X.npy simulate REPS [HW]       Simulator + run + report of the program compiled once, as
//                                                       lutsim.simulate(program, x) does
// Prints one line of JSON: {"seconds": [per rep]}. The network and input are loaded once, before timing.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lutsim/engines/engine.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/sim/simulator.h"

using namespace lutsim;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_engine NET X run ENGINE REPS [HW] | NET X simulate REPS [HW]\n");
    return 2;
  }
  try {
    const Network net = load_network(argv[1]);
    const Tensor x = load_npy(argv[2]);
    const std::string what = argv[3];
    const bool run = what == "run";
    const std::string engine = run ? argv[4] : "systemc";
    const int reps = std::atoi(argv[run ? 5 : 4]);
    const int hw_at = run ? 6 : 5;
    const HwConfig hw = load_hw_config(argc > hw_at ? argv[hw_at] : "default");
    const Program prog = compile(net, hw);
    std::string out = "{\"seconds\": [";
    for (int r = 0; r < reps; ++r) {
      const auto t0 = Clock::now();
      std::size_t sink = 0;
      if (run) {
        const auto eng = make_engine(engine, net, hw, EngineOptions{.quiet = true});
        sink += eng->run(x).nbytes() + eng->report().dump().size();
      } else {
        sim::Simulator s(prog);
        sink += s.run(x).nbytes() + s.report().to_json().dump().size();
      }
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      if (sink == 0) return 1;
      out += (r ? ", " : "") + std::to_string(secs);
    }
    std::printf("%s]}\n", out.c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_engine: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
