// The hardware config: the one source of truth for the machine. The golden model reads its arithmetic (A and the
// rounding mode) from it; the compiler, ISA interpreter, SystemC model and RTL parameters read the rest.
// Presets live in configs/*.json and are compiled into the binary, so `--hw default` works anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lutsim/model/arith.h"

namespace lutsim {

struct HwConfig {
  std::string name = "default";
  int rows = 16;                 // PE array rows (reduction dimension), 1..256
  int cols = 16;                 // PE array columns (output channels), 1..256
  int acc_bits = 32;             // A, 16..32
  Rounding rounding = Rounding::HalfUp;
  bool lut_per_layer = true;     // supports one broadcast LUT per layer
  bool lut_per_channel = true;   // supports one LUT per column
  std::int64_t act_sram_bytes = 256 * 1024;
  std::int64_t weight_sram_bytes = 128 * 1024;
  std::int64_t acc_sram_bytes = 64 * 1024;
  std::int64_t param_sram_bytes = 16 * 1024;
  double dram_bytes_per_cycle = 16.0;
  int dram_latency_cycles = 100;
  int dram_max_outstanding = 8;
  int dram_burst_bytes = 64;     // largest DRAM burst of the DMA, a power of two in 16..4096
  int queue_depth = 16;          // instruction entries of each of the load, compute and store queues, 1..1024
  double clock_mhz = 500.0;

  ArithConfig arith() const { return ArithConfig{acc_bits, rounding}; }
  // The config as canonical JSON text (sorted keys), and a 64-bit FNV-1a hash of that text.
  std::string to_json() const;
  std::uint64_t fingerprint() const;
};

// A preset name (see hw_presets()) or a path to a JSON file. Throws lutsim::Error naming the file and the
// parameter with its allowed range.
HwConfig load_hw_config(const std::string& preset_or_path);
// Parses JSON text; `source` names it in error messages.
HwConfig parse_hw_config(std::string_view json_text, const std::string& source);
std::vector<std::string> hw_presets();

}  // namespace lutsim
