// lutsim sweep SWEEP.yaml: a design-space sweep. Each point runs in its own process (`lutsim sweep SWEEP.yaml
// --point K`), which runs the simulation as a further subprocess (SystemC allows one elaboration per process) and
// writes one result file; a local run keeps a pool of such processes, a Slurm job array runs one per task, and
// --gather turns the result files into results.csv and pareto.html. Finished points are skipped, so a run resumes.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common.h"
#include "lutsim/energy/area.h"
#include "lutsim/energy/energy.h"
#include "lutsim/energy/html_report.h"
#include "lutsim/energy/sweep.h"
#include "lutsim/firmware/counters.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/model/network.h"

extern char** environ;

namespace lutsim::cli {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using energy::Sweep;
using energy::SweepNetwork;
using energy::SweepPoint;

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Writes through a temporary file and a rename, so a reader (or a resumed run) never sees half a file.
void write_atomic(const std::string& path, const std::string& text) { write_file(path, text); }

// Starts argv with stdout and stderr appended to `log`; returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> a;
  for (const std::string& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw Error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// Runs argv to completion with its output in `log`; a failure names the command and the log's last line.
void run_checked(const std::vector<std::string>& argv, const std::string& log, const std::string& what) {
  const int rc = wait_exit(spawn(argv, log));
  if (rc == 0) return;
  std::string last, line;
  std::istringstream in(read_text(log));
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  throw Error(what + " failed (exit " + std::to_string(rc) + "; log " + log + "): " + last);
}

struct Paths {
  std::string out, points, work, nets, logs;
  explicit Paths(const std::string& o)
      : out(o), points(o + "/points"), work(o + "/work"), nets(o + "/nets"), logs(o + "/logs") {}
  std::string result(int k) const { return points + "/point-" + std::to_string(k) + ".json"; }
  void make() const {
    for (const std::string& d : {out, points, work, nets, logs}) fs::create_directories(d);
  }
};

// The network file of a sweep network: its path, or `lutsim gen` output cached in nets/.
std::string network_file(const SweepNetwork& n, const Paths& p) {
  if (!n.path.empty()) return n.path;
  const std::string f = p.nets + "/" + n.name + ".npz";
  if (fs::exists(f)) return f;
  const std::string tmp = p.nets + "/" + n.name + ".tmp" + std::to_string(getpid()) + ".npz";
  std::vector<std::string> argv = {self_exe(), "gen", "-o", tmp};
  argv.insert(argv.end(), n.gen_args.begin(), n.gen_args.end());
  run_checked(argv, p.logs + "/gen-" + n.name + ".log", "lutsim gen for network '" + n.name + "'");
  fs::rename(tmp, f);
  return f;
}

// The simulation input: the given file, or `images` random images of the input's shape (seeded by the network's
// name, so every point of a network sees the same images), cached in nets/.
std::string input_file(const SweepNetwork& n, const std::string& net_file, const Paths& p) {
  if (!n.input.empty()) return n.input;
  const std::string f = p.nets + "/" + n.name + "-input.npy";
  if (fs::exists(f)) return f;
  const Network net = load_network(net_file);
  const ValueInfo& v = net.value(net.input);
  Tensor x(v.dtype, {n.images, v.h, v.w, v.c}, v.exponent);
  std::mt19937 rng(static_cast<std::uint32_t>(std::hash<std::string>{}(n.name) & 0xffffffffu));
  for (std::size_t i = 0; i < x.nbytes(); ++i) x.raw()[i] = static_cast<std::uint8_t>(rng() & 0xff);
  const std::string tmp = p.nets + "/" + n.name + "-input.tmp" + std::to_string(getpid()) + ".npy";
  save_npy(x, tmp);
  fs::rename(tmp, f);
  return f;
}

double parse_accuracy(const std::string& text, const std::string& log) {
  const std::string key = "top-1 accuracy: ";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) throw Error(log + ": lutsim eval printed no accuracy line");
  return std::stod(text.substr(at + key.size())) / 100.0;
}

std::string engine_of(const Sweep& s) {
  if (s.engine != "auto") return s.engine;
#ifdef LUTSIM_HAVE_SIM
  return "sim";
#else
  return "isa";
#endif
}

// Runs point k and writes its result file; returns false when it was already done.
bool run_point(const Sweep& s, int k, const Paths& p) {
  const SweepPoint& pt = s.points.at(static_cast<std::size_t>(k));
  const SweepNetwork& n = s.networks.at(static_cast<std::size_t>(pt.network));
  const std::string result = p.result(k);
  if (fs::exists(result)) {
    // Done unless the sweep file changed what this index means.
    const ojson old = ojson::parse(read_text(result), nullptr, false);
    if (!old.is_discarded() && old.value("hw_json", "") == pt.hw_json && old.value("network", "") == n.name) return false;
  }
  p.make();
  const std::string work = p.work + "/point-" + std::to_string(k);
  fs::create_directories(work);
  const std::string log = p.logs + "/point-" + std::to_string(k) + ".log";
  const std::string net_file = network_file(n, p);
  const std::string x = input_file(n, net_file, p);
  const std::string hw_file = work + "/hw.json";
  write_atomic(hw_file, pt.hw_json + "\n");
  const HwConfig hw = parse_hw_config(pt.hw_json, hw_file);
  const std::string engine = engine_of(s);

  ojson rep;
  if (engine == "sim") {
    const std::string r = work + "/report.json";
    run_checked({self_exe(), "sim", net_file, "--hw", hw_file, "--input", x, "--report", r}, log,
                "point " + std::to_string(k) + " (" + pt.label + "): lutsim sim");
    rep = ojson::parse(read_text(r));
  } else {
    const std::string st = work + "/stats.json";
    run_checked({self_exe(), "run", net_file, "--engine", "isa", "--hw", hw_file, "--input", x, "--output",
                 work + "/y.npy", "--stats", st, "--quiet", "--no-timing"},
                log, "point " + std::to_string(k) + " (" + pt.label + "): lutsim run --engine isa");
    // The ISA engine's report is a simulation report without cycles (docs/sim.md).
    const ojson stats = ojson::parse(read_text(st));
    if (!stats.contains("engine_report")) throw Error(st + ": no engine_report (expected lutsim run --engine isa --stats)");
    rep = stats["engine_report"];
  }
  const energy::EnergyModel m = energy::load_energy_model(s.energy);
  const ojson e = energy::energy_section(rep, m, net_file, energy::EnergyOptions{.allow_missing = engine != "sim"});
  nlohmann::json counts;
  if (!s.cell_counts.empty()) counts = energy::load_cell_counts(s.cell_counts);
  const energy::AreaEstimate area = energy::estimate_area(hw, m, s.cell_counts.empty() ? nullptr : &counts, s.cell_counts);

  ojson params = ojson::object();
  for (const auto& [key, v] : pt.overrides) params[key] = v;
  const Counters tc = counters_from_json(rep.at("total").at("counters"));
  double sram = 0;
  for (const SramCounters& mem : {tc.act, tc.wgt, tc.param, tc.acc})
    sram += static_cast<double>(mem.read_bytes) + static_cast<double>(mem.write_bytes);
  const double cycles = rep.at("total").at("cycles").get<double>();
  const bool timed = engine == "sim";
  ojson res = {{"point", k},
               {"label", pt.label},
               {"network", n.name},
               {"params", params},
               {"hw_json", pt.hw_json},
               {"engine", engine},
               {"images", rep.at("images")},
               {"cycles", timed ? ojson(cycles) : ojson(nullptr)},
               {"latency_s", timed ? ojson(cycles / (hw.clock_mhz * 1e6)) : ojson(nullptr)},
               {"energy_pj", e.at("total").at("pj")},
               {"pj_per_mac", e.at("total").at("pj_per_mac")},
               {"tops_per_w", e.at("total").at("tops_per_w")},
               {"inferences_per_joule", e.at("total").at("inferences_per_joule")},
               {"macs", tc.macs},
               {"dram_bytes", static_cast<double>(tc.dram_read_bytes) + static_cast<double>(tc.dram_write_bytes)},
               {"sram_bytes", sram},
               {"area_mm2", area.total_um2 * 1e-6},
               {"area_has_logic", area.have_logic},
               {"accuracy", nullptr},
               {"missing_counters", e.contains("missing_counters") ? e["missing_counters"] : ojson::array()},
               {"energy_components", e.at("total").at("components")}};
  if (!n.eval_data.empty()) {
    const std::string elog = work + "/eval.log";
    fs::remove(elog);
    run_checked({self_exe(), "eval", net_file, "--data", n.eval_data, "--labels", n.eval_labels, "--hw", hw_file,
                 "--quiet"},
                elog, "point " + std::to_string(k) + " (" + pt.label + "): lutsim eval");
    res["accuracy"] = parse_accuracy(read_text(elog), elog);
  }
  write_atomic(result, res.dump(2) + "\n");
  return true;
}

// Reads every point's result; the indices without one are returned in `missing`.
ojson read_results(const Sweep& s, const Paths& p, std::vector<int>* missing) {
  ojson all = ojson::array();
  for (const SweepPoint& pt : s.points) {
    const std::string f = p.result(pt.index);
    if (!fs::exists(f)) {
      missing->push_back(pt.index);
      continue;
    }
    ojson r = ojson::parse(read_text(f), nullptr, false);
    if (r.is_discarded()) throw Error(f + ": not valid JSON (delete it to run the point again)");
    if (r.value("hw_json", "") != pt.hw_json)
      throw Error(f + ": was computed for another config than point " + std::to_string(pt.index) +
                  " of the sweep file now (delete it to run the point again)");
    all.push_back(std::move(r));
  }
  return all;
}

int gather(const Sweep& s, const Paths& p) {
  std::vector<int> missing;
  ojson results = read_results(s, p, &missing);
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 20; ++i) list += (i ? ", " : "") + std::to_string(missing[i]);
    if (missing.size() > 20) list += ", ...";
    throw Error(s.file + ": " + std::to_string(missing.size()) + " of " + std::to_string(s.points.size()) +
                " points have no result in " + p.points + " (points " + list + ")");
  }
  energy::mark_pareto(results);
  fs::create_directories(p.out);
  write_atomic(p.out + "/results.csv", energy::results_csv(s, results));
  ojson pts = ojson::array();
  for (const ojson& r : results)
    pts.push_back({{"label", r["label"]}, {"network", r["network"]}, {"latency_s", r["latency_s"]}, {"energy_pj", r["energy_pj"]},
                   {"area_mm2", r["area_mm2"]}, {"pareto", r["pareto"]}});
  write_atomic(p.out + "/pareto.html", energy::pareto_page(pts, "lutsim sweep " + s.name + ": energy vs latency"));
  int front = 0;
  for (const ojson& r : results) front += r["pareto"].get<bool>();
  std::cout << "sweep " << s.name << ": " << results.size() << " points, " << front << " on the Pareto front; wrote "
            << p.out << "/results.csv and " << p.out << "/pareto.html\n";
  return kExitOk;
}

int run_local(const Sweep& s, const Paths& p, int jobs, const std::string& out_arg) {
  p.make();
  std::vector<int> todo;
  int skipped = 0;
  for (const SweepPoint& pt : s.points) {
    const std::string f = p.result(pt.index);
    const ojson old = fs::exists(f) ? ojson::parse(read_text(f), nullptr, false) : ojson();
    if (!old.is_null() && !old.is_discarded() && old.value("hw_json", "") == pt.hw_json) ++skipped;
    else todo.push_back(pt.index);
  }
  // Generated networks and inputs first, once, so that parallel points do not race to make them.
  for (const SweepNetwork& n : s.networks) input_file(n, network_file(n, p), p);
  const bool tty = isatty(STDERR_FILENO);
  std::cerr << "lutsim sweep: " << s.points.size() << " points (" << skipped << " already done), " << jobs
            << " at a time, engine " << engine_of(s) << "\n";
  std::map<pid_t, int> running;
  std::vector<int> failed;
  std::size_t next = 0, done = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const int k = todo[next++];
      const std::string log = p.logs + "/point-" + std::to_string(k) + ".log";
      fs::remove(log);
      running[spawn({self_exe(), "sweep", s.file, "--point", std::to_string(k), "--out", out_arg}, log)] = k;
    }
    int st = 0;
    const pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("waitpid: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed.push_back(it->second);
    running.erase(it);
    ++done;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << (tty ? "\r" : "") << "lutsim sweep: " << done << "/" << todo.size() << " run, " << failed.size()
              << " failed, " << std::fixed << std::setprecision(1) << el << " s" << std::defaultfloat
              << (tty ? "" : "\n") << std::flush;
  }
  if (tty) std::cerr << "\n";
  if (!failed.empty()) {
    std::string list;
    for (std::size_t i = 0; i < failed.size() && i < 10; ++i)
      list += (i ? ", " : "") + std::to_string(failed[i]) + " (" + p.logs + "/point-" + std::to_string(failed[i]) + ".log)";
    throw Error(s.file + ": " + std::to_string(failed.size()) + " points failed: " + list +
                "; run again to retry them (finished points are kept)");
  }
  return gather(s, p);
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("point", po::value<std::string>()->value_name("K"), "run only point K (0-based), e.g. one Slurm array task")
      ("gather", "collect the finished points into results.csv and pareto.html")
      ("count", "print the number of points and exit")
      ("list", "print every point's index and label and exit")
      ("print-sbatch", "print a Slurm batch script running the sweep as a job array (one point per task)")
      ("jobs,j", po::value<std::string>()->value_name("N"), "points run at once locally (default: the file's jobs, 2)")
      ("out", po::value<std::string>()->value_name("DIR"), "results folder (default: the file's output)");
  po::options_description hidden;
  hidden.add_options()("sweep", po::value<std::string>(), "sweep file");
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  if (!parse_args("sweep", "SWEEP.yaml [--jobs N] [--out DIR] | --point K | --gather | --count | --list | --print-sbatch",
                  "Runs a design-space sweep: every hardware config of the file's grid (or list of points) on every\n"
                  "network, each point in its own process, and reports latency, energy, area and accuracy (with\n"
                  "labels) per point in DIR/results.csv and an energy-vs-latency Pareto plot in DIR/pareto.html.\n"
                  "Finished points are skipped, so an interrupted sweep resumes. On a cluster, run the points as a\n"
                  "Slurm job array (--print-sbatch) and collect them with --gather. Format: docs/energy.md.",
                  opts, hidden, pos, args, vm, "sweep", "the sweep file SWEEP.yaml"))
    return kExitOk;
  const int modes = static_cast<int>(vm.count("point") + vm.count("gather") + vm.count("count") + vm.count("list") +
                                     vm.count("print-sbatch"));
  if (modes > 1) throw UsageError("--point, --gather, --count, --list and --print-sbatch exclude each other");
  const Sweep s = energy::load_sweep(vm["sweep"].as<std::string>());
  // The energy model and the cell counts fail here, before any point runs.
  try {
    const energy::EnergyModel m = energy::load_energy_model(s.energy);
    if (!s.cell_counts.empty()) {
      const nlohmann::json counts = energy::load_cell_counts(s.cell_counts);
      energy::estimate_area(parse_hw_config(s.points.front().hw_json, s.file), m, &counts, s.cell_counts);
    }
  } catch (const Error& e) {
    throw Error(s.file + ": " + e.what());
  }
  const std::string out = vm.count("out") ? vm["out"].as<std::string>() : s.output;
  const Paths p(out);
  if (vm.count("count")) {
    std::cout << s.points.size() << "\n";
    return kExitOk;
  }
  if (vm.count("list")) {
    for (const SweepPoint& pt : s.points) std::cout << pt.index << "\t" << pt.label << "\n";
    return kExitOk;
  }
  if (vm.count("print-sbatch")) {
    const std::string abs_out = fs::absolute(out).string();
    std::cout << "#!/bin/bash\n#SBATCH --job-name=lutsim-sweep-" << s.name << "\n#SBATCH --array=0-"
              << s.points.size() - 1 << "\n#SBATCH --ntasks=1\n#SBATCH --output=" << abs_out
              << "/logs/slurm-%A_%a.log\n"
              << "exec " << self_exe() << " sweep " << fs::absolute(s.file).string()
              << " --point \"$SLURM_ARRAY_TASK_ID\" --out " << abs_out << "\n";
    fs::create_directories(p.logs);
    return kExitOk;
  }
  if (vm.count("gather")) return gather(s, p);
  if (vm.count("point")) {
    const int k = static_cast<int>(int_in_range(vm, "point", 0, static_cast<std::int64_t>(s.points.size()) - 1));
    const bool ran = run_point(s, k, p);
    std::cout << "point " << k << " (" << s.points[static_cast<std::size_t>(k)].label << "): "
              << (ran ? "done" : "already done") << ", " << p.result(k) << "\n";
    return kExitOk;
  }
  const int jobs = vm.count("jobs") ? static_cast<int>(int_in_range(vm, "jobs", 1, 256)) : s.jobs;
  return run_local(s, p, jobs, out);
}

}  // namespace lutsim::cli
