// The activity counters of a program run and the report they are written in (docs/sim.md "The report"): one struct
// for every engine that runs a program, one list of the counters' report names, one JSON writer.
//
// The ISA interpreter (Machine) counts the functional counters, those the instructions' semantics fix; the SystemC
// model takes them from it instruction by instruction and adds the timed ones, those only a model of the units'
// ports and timing knows (SRAM port accesses, DRAM bursts, PE-array cycles by state). The energy model, the HTML
// report and sweeps read the JSON written here, whichever engine wrote it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"

namespace lutsim {

struct Program;

struct SramCounters {
  std::int64_t read_bytes = 0, write_bytes = 0;  // bytes through the SRAM's ports (functional)
  std::int64_t reads = 0, writes = 0;            // port accesses (timed)
  bool operator==(const SramCounters&) const = default;
};

// Every action the energy model prices; docs/sim.md defines each one.
struct Counters {
  std::array<std::int64_t, isa::kNumOpcodes> insns{};  // instructions executed, by opcode
  std::int64_t macs = 0;            // PE multiply-accumulates with an active weight, valid row and column
  std::int64_t lut_reads = 0;       // = macs of a GEMM after a WCFG with a LUT, 0 in raw 8-bit mode
  std::int64_t lut_writes = 0;      // bytes written into the column LUT registers: C x 2^b per WCFG with a LUT
  std::int64_t pe_code_writes = 0;  // R x C per weight block a GEMM loads
  std::int64_t pe_weight_load = 0, pe_stream = 0, pe_drain = 0, pe_idle = 0;  // PE array cycles by state (timed)
  std::int64_t acc_reads = 0, acc_writes = 0;  // accumulator entries
  SramCounters act, wgt, param, acc;
  std::int64_t dram_read_bytes = 0, dram_write_bytes = 0;    // bytes read by LOAD, written by STORE
  std::int64_t dram_read_bursts = 0, dram_write_bursts = 0;  // Z-aligned bursts of at most Z bytes (timed)
  std::int64_t ppu_lane_ops = 0;    // n_pix x n_cols per PPU
  std::int64_t vec_lane_ops = 0;    // P x taps x n_lanes per VEC

  std::int64_t instructions() const;  // summed over the opcodes
  Counters& operator+=(const Counters& o);
  Counters& operator-=(const Counters& o);
  bool operator==(const Counters&) const = default;
};
Counters operator-(Counters a, const Counters& b);

enum class CounterKind : std::uint8_t {
  Functional,  // fixed by the instructions' semantics: every engine that runs a program counts it
  Timed,       // counted by the SystemC model's units only
};

// One counter: its dotted path in a report's counters object ("sram.act.read_bytes"), its kind, and its field.
struct CounterInfo {
  std::string path;
  CounterKind kind = CounterKind::Functional;
  std::int64_t& (*field)(Counters&) = nullptr;
  std::int64_t value(const Counters& c) const { return field(const_cast<Counters&>(c)); }
};
// Every counter in report order: the one list of the counters' names.
std::span<const CounterInfo> counter_infos();
// The report path of a field: counter_path(&Counters::macs) == "macs",
// counter_path(&Counters::act, &SramCounters::read_bytes) == "sram.act.read_bytes",
// counter_path(isa::Opcode::Gemm) == "instructions.GEMM".
std::string_view counter_path(std::int64_t Counters::*field);
std::string_view counter_path(SramCounters Counters::*sram, std::int64_t SramCounters::*field);
std::string_view counter_path(isa::Opcode op);

// The counters object of a report (docs/sim.md COUNTERS); with `timed` false, only the functional counters.
nlohmann::ordered_json counters_json(const Counters& c, bool timed);
// The counters of a counters object that counters_json wrote; a counter it lacks reads as 0.
Counters counters_from_json(const nlohmann::ordered_json& j);

// The keys every report of format lutsim-sim-report version 1 starts with: format, version, network, hw (the config
// with its fingerprint), clock_mhz, images.
nlohmann::ordered_json report_head_json(const std::string& network, const HwConfig& hw, std::int64_t images);
// The report of an engine without timing (the ISA interpreter), in the same format: per layer of `p` (by layer index)
// and in total, summed over `images` images; every cycle count is 0, and only the functional counters are there.
nlohmann::ordered_json untimed_report_json(const Program& p, std::int64_t images, const Counters& total,
                                           std::span<const Counters> layers);

}  // namespace lutsim
