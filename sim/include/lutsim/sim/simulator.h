// The SystemC cycle-approximate model of the lutsim accelerator (docs/sim.md, docs/architecture.md).
//
// A Simulator runs a compiled program (firmware/program.h) image after image on simulated silicon: the controller
// fetches and dispatches instructions into the load, compute and store queues, each queue's unit runs them with
// the timing of docs/architecture.md section 11 while the dependency tokens order them, and the data of every
// instruction is computed by the ISA interpreter's Machine::execute when the instruction starts, so the outputs are
// bit-exact with the ISA interpreter (and the golden model) whatever the timing.
//
// SystemC allows one elaboration per process: the model's modules are built once, on first use, and every
// Simulator in the process (one at a time) loads its program and config into them. Runs continue simulated time
// from where the previous one stopped; reports count cycles from each image's start. A run that fails (an
// instruction error, the watchdog) leaves the modules unusable for the rest of the process: later runs throw.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lutsim/firmware/counters.h"
#include "lutsim/firmware/image_runner.h"
#include "lutsim/firmware/program.h"
#include "lutsim/model/tensor.h"

namespace lutsim::sim {

// The units whose time the report breaks down (report_schema: UNITS).
enum class Unit : std::uint8_t { Fetch, DmaRead, DmaWrite, PeArray, Vector, Ppu };
inline constexpr int kNumUnits = 6;
std::string_view unit_name(Unit u);  // "fetch", "dma_read", ...

// Why a unit waits (report_schema: stall_reasons).
enum class Stall : std::uint8_t {
  Dram,       // waiting on DRAM: a DMA transfer's latency or bandwidth, or a compute instruction waiting for a token
              // whose producer (the DMA) is still transferring
  Token,      // waiting for a dependency token whose producer is not running
  Compute,    // waiting on compute: the accumulator write-back of the previous compute instruction, or a DMA
              // instruction waiting for a token while the compute queue is running
  QueueFull,  // fetch: the target instruction queue is full
};
inline constexpr int kNumStalls = 4;
std::string_view stall_name(Stall s);  // "dram", "token", "compute", "queue_full"

struct UnitTime {
  std::int64_t busy = 0, stalled = 0, idle = 0;
  std::array<std::int64_t, kNumStalls> stall{};  // stalled cycles by reason; they sum to `stalled`
  UnitTime& operator+=(const UnitTime& o);
};

// The counters of the report are lutsim::Counters (firmware/counters.h): the functional ones from the ISA
// interpreter's Machine, the timed ones (port accesses, DRAM bursts, PE-array cycles) from the units here.

struct LayerReport {
  std::string name;
  OpKind op = OpKind::Conv2D;
  std::uint32_t first_pc = 0, end_pc = 0;
  // The layer's window of the image's timeline: from the previous layer's end (0 for the first) to the cycle its
  // last instruction completes, so that the layers partition the run and their cycles sum to the total.
  std::int64_t start_cycle = 0, end_cycle = 0;
  Counters counters;
  std::array<UnitTime, kNumUnits> units{};
};

// Summed over every image simulated so far (cycles too); start/end cycles of layers are the last image's.
struct SimReport {
  std::string network;
  HwConfig hw;
  std::int64_t images = 0;
  std::int64_t cycles = 0;
  Counters counters;
  std::array<UnitTime, kNumUnits> units{};
  std::vector<LayerReport> layers;

  // The report of report_schema.md / docs/sim.md (format "lutsim-sim-report", version 1).
  nlohmann::ordered_json to_json() const;
  // A readable table: per layer cycles, utilization, traffic and the busiest unit; then the unit breakdown.
  std::string table() const;
};

// PE-array utilization: MACs / (R x C x cycles); achieved DRAM bandwidth: DRAM bytes / cycles.
double pe_utilization(const Counters& c, const HwConfig& hw, std::int64_t cycles);
double dram_bandwidth(const Counters& c, std::int64_t cycles);

struct SimOptions {
  // The watchdog: a run in which no instruction starts or completes for this many cycles stops with an error
  // showing each queue's state and the last instructions issued. 1..2^40.
  std::int64_t watchdog_cycles = 1'000'000;
  bool timeline = false;     // record the first image's timeline (timeline_json())
  bool keep_values = false;  // keep every value of the last image (values())
  // Write a VCD waveform of the controller's state (each queue's pc in flight, the token counts, the layer) over
  // every image this simulator runs to this file (empty: none). SystemC fixes what is traced before its first
  // run, so only the first simulator of a process may ask for one; ~Simulator closes the file.
  std::string vcd{};
  // Check the program for hazards before the first run (ImageRunner); lutsim verify reports them itself.
  HazardCheck hazard_check = HazardCheck::On;
};

class Simulator {
 public:
  // Validates the program (validate_program) and keeps a copy of it. Throws lutsim::Error.
  explicit Simulator(Program p, SimOptions opt = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Runs every image of `batch` ([N, h, w, c] of the program input's dtype and shape) and returns the outputs
  // [N, h, w, c]. Throws lutsim::Error (bad input, an instruction error naming the pc and layer, the watchdog).
  Tensor run(const Tensor& batch);

  const SimReport& report() const { return report_; }
  // Cycles of each image run so far.
  const std::vector<std::int64_t>& image_cycles() const { return image_cycles_; }
  // The last image's instruction timing, by pc: the cycle each started (popped its tokens) and completed (its
  // pushes become visible one cycle later), counted from the image's start.
  struct InsnTime {
    std::int64_t start = -1, done = -1;
  };
  const std::vector<InsnTime>& insn_times() const { return insn_times_; }
  // With keep_values: every value (by value id) of the last image, [1, h, w, c].
  const std::vector<Tensor>& values() const { return values_; }
  // The first image's timeline as Chrome trace-event JSON (empty object without SimOptions::timeline).
  nlohmann::ordered_json timeline_json() const;

 private:
  Program p_;
  SimOptions opt_;
  SimReport report_;
  std::vector<std::int64_t> image_cycles_;
  std::vector<Tensor> values_;
  std::vector<InsnTime> insn_times_;
  nlohmann::ordered_json timeline_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lutsim::sim
