// The SRAM buffers' port geometry (docs/architecture.md section 3): how many port accesses a transfer of a given
// size costs. The data itself lives in the ISA interpreter's Machine (its bounds checks name the pc); the model
// counts bytes and accesses per buffer for the energy model.
#pragma once

#include <cstdint>

#include "lutsim/hw/config.h"

namespace lutsim::sim {

// D: width in bytes of the DMA port of every SRAM, max(64, 2^ceil(log2 B)).
inline std::int64_t dma_port_bytes(const HwConfig& hw) {
  std::int64_t d = 1;
  while (static_cast<double>(d) < hw.dram_bytes_per_cycle) d *= 2;
  return d < 64 ? 64 : d;
}

// V: width in bytes of the activation SRAM's compute port, max(R, C).
inline std::int64_t act_port_bytes(const HwConfig& hw) { return hw.rows > hw.cols ? hw.rows : hw.cols; }

// Port accesses to move `bytes` through a port of `width` bytes (consecutive bytes, any alignment: the banked
// SRAMs rotate, so an access is a full port width).
inline std::int64_t port_accesses(std::int64_t bytes, std::int64_t width) { return (bytes + width - 1) / width; }

}  // namespace lutsim::sim
