// The Simulator: loads a program into the process's model, runs images, and turns the activity record into the
// report (report.cc) and the timeline.
#include "lutsim/sim/simulator.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "lutsim/firmware/image_runner.h"
#include "lutsim/model/error.h"
#include "model.h"

namespace lutsim::sim {

std::string_view unit_name(Unit u) {
  static constexpr std::string_view kNames[kNumUnits] = {"fetch", "dma_read", "dma_write", "pe_array", "vector", "ppu"};
  return kNames[static_cast<int>(u)];
}

std::string_view stall_name(Stall s) {
  static constexpr std::string_view kNames[kNumStalls] = {"dram", "token", "compute", "queue_full"};
  return kNames[static_cast<int>(s)];
}

struct Simulator::Impl {
  Impl(const Program& p, HazardCheck check) : machine(p.hw, p.dram_bytes), runner(p, true, check) {}
  Machine machine;
  ImageRunner runner;  // every instruction runs through the machine: only STOREs change its DRAM
};

namespace {

Program validated(Program p) {
  validate_program(p, "program for '" + p.network + "'");
  if (p.code.empty()) throw Error("program for '" + p.network + "' has no instructions");
  return p;
}

// Opens the VCD before the first sc_start (SystemC's rule for trace files); SystemC adds ".vcd" to the name.
void open_vcd(Model& m, const std::string& path) {
  const bool ext = path.size() > 4 && path.compare(path.size() - 4, 4, ".vcd") == 0;
  const std::string base = ext ? path.substr(0, path.size() - 4) : path;
  if (std::FILE* f = std::fopen((base + ".vcd").c_str(), "w"))
    std::fclose(f);
  else
    throw Error(base + ".vcd: cannot write the VCD");
  sc_core::sc_report_handler::set_actions("tracing timescale unit set", sc_core::SC_DO_NOTHING);
  m.vcd = sc_core::sc_create_vcd_trace_file(base.c_str());
  m.vcd->set_time_unit(1.0, sc_core::SC_NS);
  m.ctrl.trace(m.vcd);
}

std::string check_options(const SimOptions& o) {
  if (o.watchdog_cycles < 1 || o.watchdog_cycles > (std::int64_t{1} << 40))
    throw Error("watchdog cycles " + std::to_string(o.watchdog_cycles) + " is outside [1, 2^40]");
  return {};
}

// Splits each unit's segments over the layer windows: busy and stall cycles per window, PE-array phases.
void account(const RunContext& ctx, const std::vector<std::int64_t>& bounds, std::vector<LayerReport>& layers) {
  const std::size_t nw = layers.size();
  for (int u = 0; u < kNumUnits; ++u) {
    const auto& segs = ctx.activity[static_cast<std::size_t>(u)];
    std::size_t w = 0;
    for (const Segment& sg : segs) {
      while (w < nw && bounds[w + 1] <= sg.start) ++w;
      for (std::size_t x = w; x < nw && bounds[x] < sg.end; ++x) {
        const std::int64_t len = std::min(sg.end, bounds[x + 1]) - std::max(sg.start, bounds[x]);
        if (len <= 0) continue;
        UnitTime& ut = layers[x].units[static_cast<std::size_t>(u)];
        if (sg.kind == kBusy) {
          ut.busy += len;
          if (u == static_cast<int>(Unit::PeArray)) {
            Counters& k = layers[x].counters;
            (sg.phase == 0 ? k.pe_weight_load : sg.phase == 1 ? k.pe_stream : k.pe_drain) += len;
          }
        } else {
          ut.stalled += len;
          ut.stall[static_cast<std::size_t>(sg.kind - 1)] += len;
        }
      }
    }
  }
  for (std::size_t x = 0; x < nw; ++x) {
    const std::int64_t len = bounds[x + 1] - bounds[x];
    for (UnitTime& ut : layers[x].units) ut.idle = len - ut.busy - ut.stalled;
    Counters& k = layers[x].counters;
    k.pe_idle = len - k.pe_weight_load - k.pe_stream - k.pe_drain;
  }
}

nlohmann::ordered_json timeline(const RunContext& ctx, const std::vector<LayerReport>& layers) {
  using nlohmann::ordered_json;
  const double us_per_cycle = 1.0 / ctx.hw.clock_mhz;
  const std::int64_t t0 = ctx.image_start;
  ordered_json ev = ordered_json::array();
  ev.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "lutsim " + ctx.prog->network}}}});
  ev.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 0}, {"args", {{"name", "layers"}}}});
  for (int u = 0; u < kNumUnits; ++u)
    ev.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", u + 1},
                  {"args", {{"name", std::string(unit_name(static_cast<Unit>(u)))}}}});
  for (const LayerReport& l : layers) {
    if (l.end_cycle <= l.start_cycle) continue;
    ev.push_back({{"name", l.name}, {"cat", "layer"}, {"ph", "X"}, {"pid", 1}, {"tid", 0},
                  {"ts", static_cast<double>(l.start_cycle) * us_per_cycle},
                  {"dur", static_cast<double>(l.end_cycle - l.start_cycle) * us_per_cycle},
                  {"args", {{"op", std::string(op_name(l.op))}, {"cycles", l.end_cycle - l.start_cycle}}}});
    ev.push_back({{"name", "layer " + l.name}, {"cat", "layer"}, {"ph", "i"}, {"s", "g"}, {"pid", 1}, {"tid", 0},
                  {"ts", static_cast<double>(l.start_cycle) * us_per_cycle}});
  }
  static const char* const kPhase[3] = {"weight load", "stream", "drain"};
  for (int u = 0; u < kNumUnits; ++u) {
    for (const Segment& sg : ctx.activity[static_cast<std::size_t>(u)]) {
      std::string name;
      ordered_json args = ordered_json::object();
      if (sg.kind == kBusy) {
        name = sg.pc >= 0 ? std::string(isa::opcode_name(ctx.prog->code[static_cast<std::size_t>(sg.pc)].opcode())) : "busy";
        if (u == static_cast<int>(Unit::PeArray) && name == "GEMM") name += std::string(" ") + kPhase[sg.phase];
      } else {
        name = "stall: " + std::string(stall_name(static_cast<Stall>(sg.kind - 1)));
      }
      if (sg.pc >= 0) {
        args["pc"] = sg.pc;
        const int l = ctx.layer_of[static_cast<std::size_t>(sg.pc)];
        if (l >= 0) args["layer"] = ctx.prog->layers[static_cast<std::size_t>(l)].name;
      }
      args["cycles"] = sg.end - sg.start;
      ev.push_back({{"name", name}, {"cat", sg.kind == kBusy ? "busy" : "stall"}, {"ph", "X"}, {"pid", 1},
                    {"tid", u + 1}, {"ts", static_cast<double>(sg.start - t0) * us_per_cycle},
                    {"dur", static_cast<double>(sg.end - sg.start) * us_per_cycle}, {"args", args}});
    }
  }
  return {{"traceEvents", ev}, {"displayTimeUnit", "ns"},
          {"otherData", {{"network", ctx.prog->network}, {"hw", ctx.hw.name}, {"clock_mhz", ctx.hw.clock_mhz},
                         {"cycles", ctx.end_cycle - ctx.image_start}}}};
}

}  // namespace

Simulator::Simulator(Program p, SimOptions opt) : p_(validated(std::move(p))), opt_(std::move(opt)) {
  check_options(opt_);
  impl_ = std::make_unique<Impl>(p_, opt_.hazard_check);
  report_.network = p_.network;
  report_.hw = p_.hw;
  for (const LayerRange& l : p_.layers) {
    LayerReport r;
    r.name = l.name;
    r.op = l.op;
    r.first_pc = l.first;
    r.end_pc = l.end;
    report_.layers.push_back(std::move(r));
  }
  // The DRAM model validates B, L, M and Z with errors naming them.
  DramModel check(DramParams::from(p_.hw));
  (void)check;
}

Simulator::~Simulator() {
  Model& m = model();
  if (!opt_.vcd.empty() && m.vcd) {
    sc_core::sc_close_vcd_trace_file(m.vcd);
    m.vcd = nullptr;
  }
}

nlohmann::ordered_json Simulator::timeline_json() const {
  return timeline_.is_null() ? nlohmann::ordered_json::object() : timeline_;
}

Tensor Simulator::run(const Tensor& batch) {
  const Program& p = p_;
  impl_->runner.check_input(batch);
  Model& m = model();
  if (m.broken)
    throw Error("the SystemC model stopped after an error earlier in this process and cannot run again");
  if (!opt_.vcd.empty() && m.initialized && !m.vcd)
    throw Error(opt_.vcd + ": a VCD can only be written by the first SystemC simulation of a process");
  RunContext& ctx = m.ctx;
  Machine& mach = impl_->machine;
  ImageRunner& runner = impl_->runner;

  ctx.prog = &p;
  ctx.hw = p.hw;
  ctx.machine = &mach;
  ctx.watchdog = opt_.watchdog_cycles;
  ctx.layer_of = runner.layer_of();

  // A failed image is reported after the runner returns, not thrown through it: under AddressSanitizer an exception
  // unwinding through frames after a SystemC run is reported as a false stack-buffer-overflow (SystemC switches
  // stacks behind ASan's back, google/sanitizers#189), and the fewer frames it crosses, the less it meets.
  std::optional<std::string> failure;
  auto run_one = [&](std::int64_t) {
    if (failure) return;  // the model is broken: the remaining images are not run

    const std::span<std::uint8_t> dram = mach.dram();
    // Resets the tokens and the weight path's state as Machine::run does (the memories keep their contents).
    mach.run({});

    ctx.layer_counters.assign(p.layers.size() + 1, Counters{});
    for (auto& a : ctx.activity) a.clear();
    ctx.insn_start.assign(p.code.size(), -1);
    ctx.insn_done.assign(p.code.size(), -1);
    ctx.completed = 0;
    ctx.last_issued.clear();
    ctx.tokens = {};
    ctx.load_busy = ctx.store_busy = false;
    ctx.image_done = false;
    ctx.image_start = now_cycles();
    ctx.last_progress = ctx.image_start;
    ctx.compute_busy_until = ctx.image_start;
    m.dram.configure(DramParams::from(p.hw), dram);

    // The first sc_start initializes the processes (they run to their first wait); an event notified before it
    // would find no process waiting for it.
    if (!m.initialized) {
      if (!opt_.vcd.empty()) open_vcd(m, opt_.vcd);
      sc_core::sc_start(sc_core::SC_ZERO_TIME);
      m.initialized = true;
    }
    m.ctrl.start.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();
    if (ctx.failed || !ctx.image_done) {
      m.broken = true;
      failure = ctx.failed ? ctx.error : "the SystemC model stopped before the program completed\n" + ctx.state_dump();
      return;
    }

    // Layer windows partition the image's run at each layer's last completion; a last window holds what follows.
    const std::size_t nl = p.layers.size();
    std::vector<LayerReport> layers(nl + 1);
    std::vector<std::int64_t> bounds = layer_windows(p.layers, ctx.insn_done, ctx.image_start);
    bounds.push_back(std::max(bounds[nl], ctx.end_cycle));
    for (std::size_t i = 0; i <= nl; ++i) layers[i].counters = ctx.layer_counters[i];
    account(ctx, bounds, layers);

    insn_times_.assign(p.code.size(), InsnTime{});
    for (std::size_t pc = 0; pc < p.code.size(); ++pc)
      insn_times_[pc] = {ctx.insn_start[pc] - ctx.image_start, ctx.insn_done[pc] - ctx.image_start};
    const std::int64_t cycles = ctx.end_cycle - ctx.image_start;
    image_cycles_.push_back(cycles);
    ++report_.images;
    report_.cycles += cycles;
    for (std::size_t i = 0; i <= nl; ++i) {
      if (i < nl) {
        LayerReport& r = report_.layers[i];
        r.start_cycle = bounds[i] - ctx.image_start;
        r.end_cycle = bounds[i + 1] - ctx.image_start;
        r.counters += layers[i].counters;
        for (int u = 0; u < kNumUnits; ++u) r.units[static_cast<std::size_t>(u)] += layers[i].units[static_cast<std::size_t>(u)];
      }
      report_.counters += layers[i].counters;
      for (int u = 0; u < kNumUnits; ++u) report_.units[static_cast<std::size_t>(u)] += layers[i].units[static_cast<std::size_t>(u)];
    }
    if (opt_.timeline && timeline_.is_null()) {
      std::vector<LayerReport> marks(nl);
      for (std::size_t i = 0; i < nl; ++i) {
        marks[i] = report_.layers[i];
      }
      timeline_ = timeline(ctx, marks);
    }
  };
  BatchOutputs out = runner.run(batch, mach.dram(), opt_.keep_values ? KeepValues::LastImage : KeepValues::None, run_one);
  if (failure) throw Error(*failure);
  if (opt_.keep_values) values_ = std::move(out.values);
  return std::move(out.output);
}

}  // namespace lutsim::sim
