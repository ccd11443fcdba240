// lutsim verify as a library: one image on several engines, every layer's output compared bit for bit in layer
// order, the first divergence named (layer, coordinate, each engine's value; for an engine that records its DRAM
// writes, the cycle and program counter of the STORE that wrote it, and optionally a waveform around that cycle),
// and the per-layer cycles of the SystemC model and the RTL side by side (docs/verify.md).
//
// The command line (cli/cmd_verify.cc) and the Python package both call verify() and print or wrap its report.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lutsim/hw/config.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

struct VerifyOptions {
  std::vector<std::string> engines;  // at least two built engines; the first is the reference
  double cycle_tolerance = 5.0;      // largest per-layer SystemC/RTL cycle difference, in percent (>= 0)
  std::string wave_window;           // on a mismatch, the RTL waveform around the write of the first wrong value
  std::int64_t wave_cycles = 500;    // cycles of waveform before and after that write
  std::function<void(const std::string& engine)> on_engine{};// called before each engine runs (progress)
};

// The engines verify compares by default: every built engine but the reference kernels.
std::vector<std::string> default_verify_engines();

// Runs `image` ([1, h, w, c] of the network input) on every engine of `opt` and returns the report (format
// "lutsim-verify", version 1; docs/verify.md): per layer the differing elements per engine and, with systemc and
// rtl, both cycle counts; the first mismatch or null; bit_exact, cycles_within_tolerance and pass. Throws Error on
// an unknown engine, fewer than two, a bad tolerance or an engine's failure.
nlohmann::ordered_json verify(const Network& net, const HwConfig& hw, const Tensor& image, const VerifyOptions& opt);

// What `lutsim verify` prints for a report: the cycle table (unless `quiet`), the verdict, the first mismatch and
// the RTL write that made it, and for each layer outside the tolerance the instruction whose time differs most.
std::string verify_text(const nlohmann::ordered_json& report, bool quiet);

}  // namespace lutsim
