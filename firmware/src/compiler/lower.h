// Lowering of one layer to steps (emit.h), shared by the per-op lowerings (conv.cc, pool.cc, eltwise.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emit.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/network.h"

namespace lutsim::fw {

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// The parameter part of the DRAM image (weights, LUTs, biases, shifts), built while lowering.
class ParamImage {
 public:
  // Reserves n bytes (64-byte aligned start) and returns their address.
  std::uint64_t alloc(std::uint64_t n);
  std::uint8_t* at(std::uint64_t addr) { return bytes_.data() + addr; }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// What a layer lowers to.
struct Lowered {
  std::vector<Step> steps;
  int depth = 2;       // buffer slots (1 or 2)
  bool copy = false;   // copy steps (Emitter::copy_layer)
};

struct LowerCtx {
  const Network& net;
  const HwConfig& hw;
  const CompileOptions& opt;
  // Activation regions; addresses are relative to the start of the activation area, which follows the parameters
  // (the compiler adds the area's base to every act LOAD and every STORE afterwards).
  const std::vector<ValueRegion>& values;
  ParamImage& params;

  int R() const { return hw.rows; }
  int C() const { return hw.cols; }
  std::int64_t acc_entries() const { return hw.acc_sram_bytes / (4 * std::int64_t{hw.cols}); }
  const std::vector<int>& depths() const { return depths_; }

  explicit LowerCtx(const Network& n, const HwConfig& h, const CompileOptions& o, const std::vector<ValueRegion>& v,
                    ParamImage& p)
      : net(n), hw(h), opt(o), values(v), params(p), depths_(o.double_buffer ? std::vector<int>{2, 1} : std::vector<int>{1}) {}

 private:
  std::vector<int> depths_;
};

// An SRAM too small for the smallest tile of a layer.
[[noreturn]] void sram_too_small(const Layer& l, const std::string& sram, std::int64_t have, std::int64_t need,
                                 const std::string& tile);

// Alternating buffer slots of one resource: base + slot * size.
class Slots {
 public:
  Slots() = default;
  Slots(std::int64_t base, std::int64_t size, int depth) : base_(base), size_(size), depth_(depth) {}
  // The slot for a new load of the resource `key`; returns true when the resource must be loaded (the key changed).
  bool use(std::int64_t key) {
    if (key == key_) return false;
    key_ = key;
    cur_ = (cur_ + 1) % depth_;
    return true;
  }
  // Moves to the next slot unconditionally (output tiles).
  void next() { cur_ = (cur_ + 1) % depth_; }
  std::int64_t addr() const { return base_ + cur_ * size_; }

 private:
  std::int64_t base_ = 0, size_ = 0;
  int depth_ = 1;
  int cur_ = -1;
  std::int64_t key_ = -1;
};

// Instruction builders.
isa::Instruction load(isa::Buffer buf, std::int64_t sram, std::uint64_t dram, std::int64_t x, std::int64_t y,
                      std::int64_t z, std::int64_t y_stride, std::int64_t z_stride);
// A LOAD of an input tile with padding.
isa::Instruction load_padded(std::int64_t sram, std::uint64_t dram, std::int64_t x, std::int64_t y, std::int64_t z,
                             std::int64_t y_stride, std::int64_t z_stride, int pad_top, int pad_bottom, int pad_left,
                             int pad_right, int pad_value);
// LOADs of n contiguous DRAM bytes into a contiguous SRAM range (split when longer than one LOAD can move).
void load_linear(std::vector<isa::Instruction>& out, isa::Buffer buf, std::int64_t sram, std::uint64_t dram,
                 std::int64_t n);
isa::Instruction store(std::int64_t sram, std::uint64_t dram, std::int64_t x, std::int64_t y, std::int64_t z,
                       std::int64_t y_stride, std::int64_t z_stride);
template <class T>
isa::Instruction insn(const T& body) {
  return isa::Instruction{{}, body};
}

// The rows (or columns) of an input tile and how much of it lies in the padding.
struct Span1D {
  std::int64_t first = 0;  // first input index of the tile (may be negative: padding)
  std::int64_t size = 0;   // indices in the tile
  std::int64_t real_first = 0, real = 0;  // the part inside [0, extent)
  int pad_lo = 0, pad_hi = 0;
};
Span1D input_span(std::int64_t out_first, std::int64_t out_count, int stride, int k, int dil, int pad_lo,
                  std::int64_t extent);

Lowered lower_conv(const LowerCtx& cx, const Layer& l);
Lowered lower_pool(const LowerCtx& cx, const Layer& l);         // MaxPool, AvgPool
Lowered lower_global_pool(const LowerCtx& cx, const Layer& l);  // GlobalAvgPool
Lowered lower_add(const LowerCtx& cx, const Layer& l);
Lowered lower_concat(const LowerCtx& cx, const Layer& l);

}  // namespace lutsim::fw
