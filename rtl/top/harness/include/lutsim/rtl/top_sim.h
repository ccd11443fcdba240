// The Verilator harness of lutsim_top: runs a compiled program (firmware/include/lutsim/firmware/program.h) on the
// RTL cycle by cycle, with the DRAM timed by the shared DRAM model (lutsim::sim::DramModel, as in the SystemC model),
// and records when each instruction was dispatched and completed and which STORE wrote each DRAM byte.
//
// One Verilated model per hardware configuration: make_top_sim() returns the one built for a config, or throws
// lutsim::Error listing the configurations this binary has.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"

namespace lutsim::rtl {

struct TopRunOptions {
  // Stop with an error when nothing happens (no dispatch, completion or DRAM transfer) for this many cycles.
  std::int64_t watchdog_cycles = 100'000;
  // Stop with an error after this many cycles in total (0: no limit).
  std::int64_t max_cycles = 0;
  // Write an FST waveform to this file (empty: none), of the cycles [wave_from, wave_to] (wave_to < 0: to the end).
  std::string wave_path;
  std::int64_t wave_from = 0, wave_to = -1;
  // Record, for each DRAM byte a STORE writes, the cycle and the STORE's program counter.
  bool record_writes = true;
};

struct TopRunResult {
  std::int64_t cycles = 0;                  // from the start pulse to done
  std::vector<std::int64_t> dispatch;       // by pc: cycle it entered its queue
  std::vector<std::int64_t> complete;       // by pc: cycle it completed
  std::vector<std::int64_t> write_cycle;    // by DRAM byte: cycle of the last write burst (-1: none), when recorded
  std::vector<std::int32_t> write_pc;       // by DRAM byte: pc of that STORE
  std::int64_t dram_read_bytes = 0, dram_write_bytes = 0;
};

// The layers' windows of a run, as the SystemC model reports them (sim/include/lutsim/sim/simulator.h): layer i
// spans [bounds[i], bounds[i + 1]), where bounds[0] = 0 and bounds[i + 1] is the latest completion cycle of an
// instruction of layer i (or bounds[i] for a layer without instructions), so the windows partition the run and
// its layers' cycles sum to the cycles up to the last layer's completion.
std::vector<std::int64_t> layer_bounds(const TopRunResult& r, const std::vector<LayerRange>& layers);

class TopSim {
 public:
  virtual ~TopSim() = default;
  // The configuration the model was built for.
  virtual const HwConfig& hw() const = 0;
  // Runs `p` with `dram` as the DRAM (p.dram_bytes bytes, the image already written by the caller). Throws
  // lutsim::Error on a hang (the watchdog's message names each queue's state and the last instructions), an
  // illegal instruction, a DRAM access outside `dram` or an RTL assertion.
  virtual TopRunResult run(const Program& p, std::vector<std::uint8_t>& dram, const TopRunOptions& opt) = 0;
};

// The model built for `hw`: its array size, accumulator width, rounding, SRAM sizes, queue depth and DRAM
// burst/outstanding parameters must equal one of top_sim_configs() (the DRAM bandwidth and latency are the
// harness's and may be anything).
std::unique_ptr<TopSim> make_top_sim(const HwConfig& hw);
// Names of the built configurations ("default", ...).
std::vector<std::string> top_sim_configs();

}  // namespace lutsim::rtl
