// Times the ISA interpreter against the golden model's fast kernels on a generated network (default: ResNet-18 at
// 224x224, 4-bit per-channel LUTs, the default 16x16 config). See README.md.
//
//   bench_isa [--arch resnet18|resnet50|mobilenetv2|lenet5] [--hw PRESET_OR_FILE] [--size N] [--reps N]
//             [--threads N] [--per-opcode]
// --threads sets the worker threads of both engines. --per-opcode also runs the program one instruction at a time
// through Machine::execute and prints where the time goes, by opcode and by layer.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/hazards.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/model/executor.h"
#include "lutsim/zoo/zoo.h"

using namespace lutsim;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU time of the whole process (every thread), which on a loaded machine excludes the time the OS ran others.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Times {
  std::vector<double> t;
  double best() const { return *std::min_element(t.begin(), t.end()); }
  double median() const {
    std::vector<double> s = t;
    std::sort(s.begin(), s.end());
    const std::size_t n = s.size();
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }
};

// Runs the program `reps` times one instruction at a time and prints the median time per opcode and the layers
// that take the most time. Machine::execute has the interpreter's semantics without its scheduling.
void per_opcode(const Program& prog, const Tensor& input, int reps, int threads, double t_run) {
  Machine m(prog.hw, prog.dram_bytes);
  m.set_threads(threads);
  const ValueRegion& iv = prog.values.at(static_cast<std::size_t>(prog.input));
  const std::size_t n = prog.code.size();
  std::vector<std::vector<double>> t(n);
  for (int r = 0; r <= reps; ++r) {  // run 0 is the warm-up (weight decoding)
    auto dram = m.dram();
    std::copy(prog.dram_init.begin(), prog.dram_init.end(), dram.begin());
    std::memcpy(dram.data() + iv.addr, input.raw(), iv.bytes());
    for (std::size_t pc = 0; pc < n; ++pc) {
      const auto t0 = Clock::now();
      m.execute(prog.code[pc], static_cast<std::uint32_t>(pc));
      if (r > 0) t[pc].push_back(since(t0));
    }
  }
  // Per instruction, its median over the reps.
  std::vector<double> med(n);
  for (std::size_t pc = 0; pc < n; ++pc) {
    std::sort(t[pc].begin(), t[pc].end());
    med[pc] = t[pc][t[pc].size() / 2];
  }
  double op_t[isa::kNumOpcodes] = {};
  std::int64_t op_n[isa::kNumOpcodes] = {};
  double total = 0;
  for (std::size_t pc = 0; pc < n; ++pc) {
    const auto op = static_cast<std::size_t>(prog.code[pc].opcode());
    op_t[op] += med[pc];
    ++op_n[op];
    total += med[pc];
  }
  const Counters& st = m.stats();
  std::printf("\nper opcode (median of %d one-instruction-at-a-time runs, %d thread%s):\n", reps, threads, threads > 1 ? "s" : "");
  std::printf("  %-6s %6s %9s %6s %10s\n", "opcode", "count", "ms", "share", "ns/insn");
  for (std::size_t op = 0; op < isa::kNumOpcodes; ++op) {
    if (!op_n[op]) continue;
    std::printf("  %-6s %6lld %9.3f %5.1f%% %10.0f", std::string(isa::opcode_name(static_cast<isa::Opcode>(op))).c_str(),
                static_cast<long long>(op_n[op]), 1e3 * op_t[op], 100 * op_t[op] / total, 1e9 * op_t[op] / static_cast<double>(op_n[op]));
    if (static_cast<isa::Opcode>(op) == isa::Opcode::Gemm)
      std::printf("   %.0f GMAC/s", static_cast<double>(st.macs) / (reps + 1) / op_t[op] * 1e-9);
    std::printf("\n");
  }
  std::printf("  sum    %6zu %9.3f         (Interpreter::run median %.3f ms: %.3f ms outside the instructions)\n", n,
              1e3 * total, 1e3 * t_run, 1e3 * (t_run - total));
  // GEMM shapes by time: output pixels, weight blocks, rows per block, activation signedness.
  std::map<std::string, std::pair<double, std::int64_t>> shapes;
  for (std::size_t pc = 0; pc < n; ++pc) {
    const isa::Instruction& in = prog.code[pc];
    if (in.opcode() != isa::Opcode::Gemm) continue;
    const auto& g = std::get<isa::Gemm>(in.body);
    const std::int64_t chunks = (g.span + prog.hw.rows - 1) / prog.hw.rows;
    char key[160];
    std::snprintf(key, sizeof key, "P %3lld (%2lldx%2lld), taps %lldx%lld, span %4lld (%lld chunks), cols %2lld, %s",
                  static_cast<long long>(g.out_h * g.out_w), static_cast<long long>(g.out_h), static_cast<long long>(g.out_w),
                  static_cast<long long>(g.taps_y), static_cast<long long>(g.taps_x), static_cast<long long>(g.span),
                  static_cast<long long>(chunks), static_cast<long long>(g.n_cols), g.act_signed ? "s8" : "u8");
    auto& e = shapes[key];
    e.first += med[pc];
    e.second += g.out_h * g.out_w * g.taps_y * g.taps_x * g.span * g.n_cols;
  }
  std::vector<std::pair<double, std::string>> sv;
  for (const auto& [k, v] : shapes) sv.push_back({v.first, k});
  std::sort(sv.rbegin(), sv.rend());
  std::printf("GEMM shapes by time (GMAC/s counts every MAC of the window, masked or not):\n");
  for (std::size_t k = 0; k < std::min<std::size_t>(12, sv.size()); ++k) {
    const auto& v = shapes[sv[k].second];
    std::printf("  %-70s %8.3f ms %5.0f GMAC/s\n", sv[k].second.c_str(), 1e3 * v.first, static_cast<double>(v.second) / v.first * 1e-9);
  }
  // Layers by time.
  struct L { double t; std::size_t i; };
  std::vector<L> ls;
  for (std::size_t i = 0; i < prog.layers.size(); ++i) {
    double s = 0;
    for (std::uint32_t pc = prog.layers[i].first; pc < prog.layers[i].end; ++pc) s += med[pc];
    ls.push_back({s, i});
  }
  std::sort(ls.begin(), ls.end(), [](const L& a, const L& b) { return a.t > b.t; });
  std::printf("slowest layers:\n");
  for (std::size_t k = 0; k < std::min<std::size_t>(12, ls.size()); ++k) {
    const LayerRange& lr = prog.layers[ls[k].i];
    double g = 0;
    for (std::uint32_t pc = lr.first; pc < lr.end; ++pc)
      if (prog.code[pc].opcode() == isa::Opcode::Gemm) g += med[pc];
    std::printf("  %-28s %-10s %5u insns %8.3f ms (%4.1f%%), GEMM %8.3f ms\n", lr.name.c_str(),
                std::string(op_name(lr.op)).c_str(), lr.end - lr.first, 1e3 * ls[k].t, 100 * ls[k].t / total, 1e3 * g);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string arch = "resnet18", hw_name = "default";
  int size = 0, reps = 5, threads = 1;
  bool opcodes = false;
  for (int i = 1; i < argc; ++i) {
    const bool has_val = i + 1 < argc;
    if (!std::strcmp(argv[i], "--per-opcode")) opcodes = true;
    else if (has_val && !std::strcmp(argv[i], "--arch")) arch = argv[++i];
    else if (has_val && !std::strcmp(argv[i], "--hw")) hw_name = argv[++i];
    else if (has_val && !std::strcmp(argv[i], "--size")) size = std::atoi(argv[++i]);
    else if (has_val && !std::strcmp(argv[i], "--reps")) reps = std::max(1, std::atoi(argv[++i]));
    else if (has_val && !std::strcmp(argv[i], "--threads")) threads = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: %s [--arch A] [--hw HW] [--size N] [--reps N] [--threads N] [--per-opcode]\n", argv[0]);
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

    const double c_compile0 = cpu_now();
    auto t0 = Clock::now();
    const Program prog = compile(net, hw);
    const double t_compile = since(t0), c_compile = cpu_now() - c_compile0;

    // The two engines alternate rep by rep, so that a change of load on the machine affects both alike.
    Executor golden(net, hw.arith(), ExecOptions{Backend::Fast, threads, false});
    RunResult g = golden.run(input);  // warm-up
    t0 = Clock::now();
    Interpreter isa(prog);
    const IsaOptions iopt{Schedule::ProgramOrder, false, false, threads};
    IsaResult res = isa.run(input, iopt);
    const double t_cold = since(t0);
    Times tg, ti, cg, ci;
    for (int r = 0; r < reps; ++r) {
      double c0 = cpu_now();
      t0 = Clock::now();
      g = golden.run(input);
      tg.t.push_back(since(t0));
      cg.t.push_back(cpu_now() - c0);
      c0 = cpu_now();
      t0 = Clock::now();
      res = isa.run(input, iopt);
      ti.t.push_back(since(t0));
      ci.t.push_back(cpu_now() - c0);
    }
    // The hazard checker over the same program (hazards.h), which every program engine runs once per program.
    Times th;
    std::size_t n_hazards = 0;
    for (int r = 0; r < reps; ++r) {
      t0 = Clock::now();
      n_hazards = find_hazards(prog).size();
      th.t.push_back(since(t0));
    }
    const bool equal = res.output.same_values(g.output);
    const char* ts = threads > 1 ? "s" : "";
    std::printf("network %s, hw %s (%dx%d), %zu instructions, %lld MACs, %d reps\n", net.name.c_str(), hw.name.c_str(), hw.rows,
                hw.cols, prog.code.size(), static_cast<long long>(res.stats.macs), reps);
    std::printf("DRAM image %.1f MB (parameters %.1f MB)\n", static_cast<double>(prog.dram_bytes) * 1e-6,
                static_cast<double>(prog.dram_init.size()) * 1e-6);
    std::printf("compile                 %8.3f s  (cpu time %.3f s)\n", t_compile, c_compile);
    std::printf("golden fast kernels     %8.4f s median, %8.4f s best  (%d thread%s)\n", tg.median(), tg.best(), threads, ts);
    std::printf("isa interpreter, warm   %8.4f s median, %8.4f s best  (%d thread%s)\n", ti.median(), ti.best(), threads, ts);
    std::printf("ratio isa / golden      %8.2fx median,  %7.2fx best\n", ti.median() / tg.median(), ti.best() / tg.best());
    std::printf("cpu time: golden %.4f s median, %.4f s best; isa %.4f s median, %.4f s best; ratio %.2fx median, %.2fx best\n",
                cg.median(), cg.best(), ci.median(), ci.best(), ci.median() / cg.median(), ci.best() / cg.best());
    std::printf("isa interpreter, cold   %8.4f s  (first run: machine allocation and weight decoding)\n", t_cold);
    std::printf("hazard check            %8.4f s median, %8.4f s best  (%zu hazards; %.2fx the warm isa run)\n", th.median(),
                th.best(), n_hazards, th.median() / ti.median());
    std::printf("bit-exact               %s\n", equal ? "yes" : "NO");
    std::printf("{\"network\":\"%s\",\"hw\":\"%s\",\"reps\":%d,\"threads\":%d,\"compile_s\":%.4f,\"compile_cpu_s\":%.4f,\"golden_median_s\":%.5f,"
                "\"golden_best_s\":%.5f,\"isa_warm_median_s\":%.5f,\"isa_warm_best_s\":%.5f,\"isa_cold_s\":%.5f,\"hazard_check_median_s\":%.5f,"
                "\"ratio_median\":%.3f,\"ratio_best\":%.3f,\"cpu_ratio_median\":%.3f,\"equal\":%s}\n",
                net.name.c_str(), hw.name.c_str(), reps, threads, t_compile, c_compile, tg.median(), tg.best(), ti.median(), ti.best(), t_cold, th.median(),
                ti.median() / tg.median(), ti.best() / tg.best(), ci.median() / cg.median(), equal ? "true" : "false");
    if (opcodes) per_opcode(prog, input, reps, threads, ti.median());
    return equal ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_isa: %s\n", e.what());
    return 1;
  }
}
