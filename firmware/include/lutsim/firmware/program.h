// A compiled program: instructions, the DRAM memory image, where each activation value lives in DRAM, and the
// layer map. The compiler (compiler.h) makes one; the ISA interpreter (interpreter.h), the SystemC model and the
// RTL harness run it. The file format is in docs/isa.md section 6.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

inline constexpr int kProgramFormatVersion = 1;

// One activation value of the network in DRAM: a dense NHWC tensor [1, h, w, c] of `dtype` from `addr`.
struct ValueRegion {
  std::string name;
  DType dtype = DType::U8;
  int h = 1, w = 1, c = 1;
  int exponent = 0;
  std::uint64_t addr = 0;

  std::uint64_t bytes() const {
    return std::uint64_t(h) * std::uint64_t(w) * std::uint64_t(c) * dtype_size(dtype);
  }
  bool operator==(const ValueRegion&) const = default;
};

// The instructions [first, end) of one layer, in program order. A layer may have none (a reshape aliases its
// input's region).
struct LayerRange {
  std::string name;
  OpKind op = OpKind::Conv2D;
  std::uint32_t first = 0, end = 0;
  int output = -1;  // value id of the layer's output (index into Program::values)
  bool operator==(const LayerRange&) const = default;
};

struct Program {
  HwConfig hw;                            // the machine the program was compiled for
  std::string network;                    // the network's name
  std::vector<isa::Instruction> code;
  std::uint64_t dram_bytes = 0;           // size of the DRAM image
  std::vector<std::uint8_t> dram_init;    // the image's first dram_init.size() bytes (parameters); the rest is 0
  std::vector<ValueRegion> values;        // every activation value, by value id
  int input = 0;                          // value id of the network input (written by the host before a run)
  int output = 0;                         // value id of the network output (read by the host after a run)
  std::vector<LayerRange> layers;         // by layer index of the network

  // The layer index owning instruction pc, or -1 (binary search over `layers`).
  int layer_of(std::uint32_t pc) const;
};

// Checks a program's consistency: every instruction legal for `hw` (isa::check), the image inside dram_bytes,
// every value region inside DRAM, the layer map ordered and inside the code. Throws lutsim::Error starting with
// `what` and naming the program counter, field, value or layer at fault.
void validate_program(const Program& p, const std::string& what);

// The program file: header (magic "LUTSIMPG", format version, config fingerprint, payload size, FNV-1a 64
// checksum of the payload), then the payload: the hardware config as JSON, the network name, the instructions,
// the DRAM image, the value regions and the layer map.
std::vector<std::uint8_t> serialize_program(const Program& p);
// Parses and validates a program file's bytes; `what` (normally the path) starts every error message. When
// `expected` is given, the program's config fingerprint must equal expected->fingerprint().
Program parse_program(std::span<const std::uint8_t> bytes, const std::string& what,
                      const HwConfig* expected = nullptr);
void save_program(const Program& p, const std::string& path);
Program load_program(const std::string& path, const HwConfig* expected = nullptr);

// A readable listing: a header (config, DRAM map, values), then one line per instruction with its program
// counter, each layer's instructions under a "; layer NAME (op)" line.
std::string disassemble(const Program& p);

}  // namespace lutsim
