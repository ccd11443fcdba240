// The lutsim instruction set: the one definition used by the compiler, the ISA interpreter, the SystemC model and
// the RTL testbench (docs/isa.md states the same in prose; docs/architecture.md describes the machine).
//
// Instructions are 256 bits wide, held as four little-endian 64-bit words (bit i of the instruction is bit i % 64
// of word i / 64). Bits [0, 8) are common to every instruction:
//   [0, 4)  opcode
//   4       pop_prev    wait for and take one token from the previous queue in the chain load -> compute -> store
//   5       pop_next    wait for and take one token from the next queue
//   6       push_prev   after completion, give one token to the previous queue
//   7       push_next   after completion, give one token to the next queue
// The body fields of each opcode follow from bit 8 upwards, in the order of its field table below; every bit above
// the last field is reserved and must be zero. A field table gives each field's width, its legal range and the
// struct member it fills, so encode, decode, range checks, the disassembler, docs/isa.md's tables and the
// SystemVerilog package for the RTL decoder (sv_package()) all come from the same place.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "lutsim/hw/config.h"

namespace lutsim::isa {

inline constexpr int kInsnBits = 256;
inline constexpr int kInsnWords = kInsnBits / 64;
inline constexpr int kInsnBytes = kInsnBits / 8;
inline constexpr int kBodyLsb = 8;         // first bit of the opcode-specific fields
inline constexpr int kTokenMax = 255;      // a token queue holds at most this many tokens (8-bit counters)
inline constexpr int kLutEntriesMax = 16;  // LUT registers per column (2^4)

using Word = std::array<std::uint64_t, kInsnWords>;

enum class Opcode : std::uint8_t {
  Sync = 0,   // token-only instruction of any queue
  Load = 1,   // DMA DRAM -> SRAM (load queue)
  Store = 2,  // DMA activation SRAM -> DRAM (store queue)
  Wcfg = 3,   // weight-path configuration: column LUTs, group mask (compute queue)
  Gemm = 4,   // PE array pass (compute queue)
  Vec = 5,    // vector unit: max, sum, add into the accumulator SRAM (compute queue)
  Ppu = 6,    // post-processing: accumulator SRAM -> activation SRAM (compute queue)
};
inline constexpr int kNumOpcodes = 7;
std::string_view opcode_name(Opcode op);  // "SYNC", "LOAD", ...

enum class Queue : std::uint8_t { Load = 0, Compute = 1, Store = 2 };
inline constexpr int kNumQueues = 3;
std::string_view queue_name(Queue q);  // "load", "compute", "store"

// Destination SRAM of a LOAD.
enum class Buffer : std::uint8_t { Act = 0, Wgt = 1, Param = 2 };
std::string_view buffer_name(Buffer b);  // "act", "wgt", "param"

// WCFG mode: how weight codes become s8 weights.
enum class WeightMode : std::uint8_t {
  Raw = 0,         // codes are s8 weights (8-bit weights); the LUTs are bypassed
  PerLayer = 1,    // one LUT of 2^bits bytes broadcast to every column
  PerChannel = 2,  // column c has its own LUT of 2^bits bytes at lut_addr + c * 2^bits
};

enum class VecOp : std::uint8_t {
  Max = 0,  // acc = max over the window's taps
  Sum = 1,  // acc = sum over the window's taps (exact, 32 bit)
  Add = 2,  // acc = (a << la) + (b << lb), one tap
};

// The dependency-token flags (bits 4..7). prev/next name the neighbouring queue in the chain
// load -> compute -> store: for the load queue only *_next is legal, for the store queue only *_prev.
struct Deps {
  bool pop_prev = false;   // before starting, take a token pushed by the previous queue (waits while none)
  bool pop_next = false;   // before starting, take a token pushed by the next queue (waits while none)
  bool push_prev = false;  // after completing, give a token to the previous queue
  bool push_next = false;  // after completing, give a token to the next queue
  bool operator==(const Deps&) const = default;
};

// ---------------------------------------------------------------------------------------------------------------
// Instruction bodies. Every field is an int64 so that one table type describes them all; the field tables below
// give each one's bit width and legal range. Addresses are bytes unless named otherwise.

struct Sync {
  std::int64_t queue = 0;  // the queue that executes it: 0 load, 1 compute, 2 store; it only pops and pushes tokens
  bool operator==(const Sync&) const = default;
};

// DMA read: a 3D box of DRAM into a dense box of SRAM with padding (docs/architecture.md section 5):
// element (z, y) of the destination, z < z_size + pad_top + pad_bottom, y < y_size + pad_left + pad_right, is the
// x_size bytes at sram_addr + (z * (y_size + pad_left + pad_right) + y) * x_size; it holds pad_value bytes in the
// padding and DRAM bytes dram_addr + (z - pad_top) * z_stride + (y - pad_left) * y_stride .. + x_size otherwise.
struct Load {
  std::int64_t buf = 0;         // destination SRAM (Buffer): 0 act, 1 wgt, 2 param
  std::int64_t pad_value = 0;   // byte written at padding positions (0, or 0x80 = -128 for s8 max pooling)
  std::int64_t pad_top = 0;     // planes of padding before the z_size DRAM planes
  std::int64_t pad_bottom = 0;  // planes of padding after them
  std::int64_t pad_left = 0;    // elements of padding before the y_size DRAM elements of each plane
  std::int64_t pad_right = 0;   // elements of padding after them
  std::int64_t sram_addr = 0;   // first destination byte
  std::int64_t dram_addr = 0;   // DRAM byte of element (0, 0)
  std::int64_t x_size = 1;      // contiguous bytes per element
  std::int64_t y_size = 0;      // elements per plane read from DRAM (0: the plane is all padding)
  std::int64_t z_size = 0;      // planes read from DRAM (0: only padding planes)
  std::int64_t y_stride = 0;    // DRAM bytes between consecutive elements
  std::int64_t z_stride = 0;    // DRAM bytes between consecutive planes
  bool operator==(const Load&) const = default;
};

// DMA write: a dense box of the activation SRAM (z_size x y_size x x_size bytes from sram_addr) into DRAM:
// element (z, y) goes to dram_addr + z * z_stride + y * y_stride.
struct Store {
  std::int64_t sram_addr = 0;  // first source byte in the activation SRAM
  std::int64_t dram_addr = 0;  // DRAM byte of element (0, 0)
  std::int64_t x_size = 1;     // contiguous bytes per element
  std::int64_t y_size = 1;     // elements per plane
  std::int64_t z_size = 1;     // planes
  std::int64_t y_stride = 0;   // DRAM bytes between consecutive elements
  std::int64_t z_stride = 0;   // DRAM bytes between consecutive planes
  bool operator==(const Store&) const = default;
};

// Weight-path configuration for the GEMMs that follow: loads the column LUTs from the param SRAM and sets the
// weight format and the group mask. With in_group > 0, the PE of row r, column c in chunk k of a GEMM is active
// only when (gemm.in_offset + k*R + r) / in_group == (out_offset + c) / out_group.
struct Wcfg {
  std::int64_t mode = 0;        // WeightMode: 0 raw s8, 1 per-layer LUT, 2 per-channel LUT
  std::int64_t bits = 8;        // code width b: 1..4 with a LUT, 8 in raw mode
  std::int64_t lut_addr = 0;    // param SRAM address of the LUT (per-layer: 2^b bytes; per-channel: C * 2^b bytes)
  std::int64_t in_group = 0;    // input channels per group I; 0 disables the group mask
  std::int64_t out_group = 0;   // output channels per group (>= 1 when in_group > 0)
  std::int64_t out_offset = 0;  // output channel index of column 0, for the mask
  bool operator==(const Wcfg&) const = default;
};

// PE array pass (docs/architecture.md section 6.4). For block i = (ty*taps_x + tx)*nchunks + k,
// nchunks = ceil(span / R), with the weights at wgt_addr + i * R * ceil(C*b/8), and each output pixel (oy, ox):
//   row r < min(R, span - k*R) reads act[act_addr + (oy*stride_y + ty*dil_y)*row_stride
//                                       + (ox*stride_x + tx*dil_x)*pix_stride + k*R + r]
//   acc[acc_addr + oy*out_w + ox][c] (+)= sum_r w[r][c] * x[r]   for c < n_cols, wrapped to A bits.
struct Gemm {
  std::int64_t accumulate = 0;  // 0: the first block overwrites the accumulators; 1: every block adds to them
  std::int64_t act_signed = 0;  // activations are s8 (1) or u8 (0)
  std::int64_t n_cols = 1;      // output channels computed and written: lanes [0, n_cols) of each entry
  std::int64_t act_addr = 0;    // activation SRAM byte of pixel (0, 0), tap (0, 0), row 0
  std::int64_t pix_stride = 0;  // bytes between horizontally adjacent input pixels
  std::int64_t row_stride = 0;  // bytes between vertically adjacent input rows
  std::int64_t stride_y = 1;    // window stride, in input rows
  std::int64_t stride_x = 1;    // window stride, in input pixels
  std::int64_t dil_y = 1;       // tap spacing (dilation), in input rows
  std::int64_t dil_x = 1;       // tap spacing (dilation), in input pixels
  std::int64_t out_h = 1;       // output rows of this pass
  std::int64_t out_w = 1;       // output pixels per row of this pass
  std::int64_t taps_y = 1;      // kernel rows
  std::int64_t taps_x = 1;      // kernel columns (1 when a tap spans a whole kernel row)
  std::int64_t span = 1;        // consecutive activation bytes reduced per tap (cut into chunks of R rows)
  std::int64_t acc_addr = 0;    // accumulator entry of output pixel (0, 0); pixel (oy, ox) uses + oy*out_w + ox
  std::int64_t wgt_addr = 0;    // weight SRAM byte of block 0
  std::int64_t in_offset = 0;   // input channel index of row 0 of chunk 0, for the group mask
  bool operator==(const Gemm&) const = default;
};

// Vector unit: for each output pixel (oy, ox) and lane l < n_lanes, over the window's taps (ty, tx):
//   x = act[act_addr + (oy*stride_y + ty*dil_y)*row_stride + (ox*stride_x + tx*dil_x)*pix_stride + l]
//   MAX: m = max x; SUM: m = sum x; ADD (one tap): m = (x << la) + (xb << lb), xb read at act_addr_b likewise
//   acc[acc_addr + oy*out_w + ox][l] = accumulate ? combine(acc, m) : m   (max for MAX, + for SUM and ADD)
struct Vec {
  std::int64_t op = 0;          // VecOp: 0 max, 1 sum, 2 add
  std::int64_t accumulate = 0;  // combine with the stored accumulator instead of overwriting it
  std::int64_t a_signed = 0;    // operand a (act_addr) is s8 (1) or u8 (0)
  std::int64_t b_signed = 0;    // operand b (act_addr_b, ADD only) is s8 (1) or u8 (0)
  std::int64_t la = 0;          // ADD: left shift of operand a
  std::int64_t lb = 0;          // ADD: left shift of operand b
  std::int64_t n_lanes = 1;     // lanes (channels) computed and written
  std::int64_t act_addr = 0;    // activation SRAM byte of operand a at pixel (0, 0), tap (0, 0), lane 0
  std::int64_t act_addr_b = 0;  // ADD: the same for operand b (same strides)
  std::int64_t pix_stride = 0;  // bytes between horizontally adjacent input pixels
  std::int64_t row_stride = 0;  // bytes between vertically adjacent input rows
  std::int64_t stride_y = 1;    // window stride, in input rows
  std::int64_t stride_x = 1;    // window stride, in input pixels
  std::int64_t dil_y = 1;       // tap spacing, in input rows
  std::int64_t dil_x = 1;       // tap spacing, in input pixels
  std::int64_t out_h = 1;       // output rows
  std::int64_t out_w = 1;       // output pixels per row
  std::int64_t taps_y = 1;      // window rows (ADD: 1)
  std::int64_t taps_x = 1;      // window columns (ADD: 1)
  std::int64_t acc_addr = 0;    // accumulator entry of output pixel (0, 0)
  bool operator==(const Vec&) const = default;
};

// Post-processing: for entry p < n_pix and lane c < n_cols:
//   v = acc[acc_addr + p][c] (+ bias[c] when bias_en; wrapped to A bits when wrap_en)
//   out_s32: act[out_addr + p*out_stride + 4c .. +4] = v, little-endian
//   else:    act[out_addr + p*out_stride + c] = low byte of clamp(rshift_round(v, s, rounding), act_min, act_max)
//            with s = shift_per_channel ? (s8) param[shift_addr + c] : shift_imm
struct Ppu {
  std::int64_t out_s32 = 0;            // write raw 32-bit values (no shift, no clamp)
  std::int64_t bias_en = 0;            // add the s32 bias vector at bias_addr (param SRAM, 4 bytes per lane)
  std::int64_t wrap_en = 0;            // wrap v to A bits after the bias (convolution results)
  std::int64_t shift_per_channel = 0;  // shift per lane from param SRAM at shift_addr instead of shift_imm
  std::int64_t shift_imm = 0;          // right shift (negative: exact left shift), -15..31
  std::int64_t n_cols = 1;             // lanes written
  std::int64_t acc_addr = 0;           // first accumulator entry
  std::int64_t n_pix = 1;              // entries (pixels) processed
  std::int64_t out_addr = 0;           // activation SRAM byte of entry 0, lane 0
  std::int64_t out_stride = 0;         // activation SRAM bytes between consecutive entries' outputs
  std::int64_t bias_addr = 0;          // param SRAM byte of the bias of lane 0
  std::int64_t shift_addr = 0;         // param SRAM byte of the shift of lane 0
  std::int64_t act_min = 0;            // clamp low bound (<= act_max)
  std::int64_t act_max = 0;            // clamp high bound
  bool operator==(const Ppu&) const = default;
};

// The body's variant index is the opcode.
using Body = std::variant<Sync, Load, Store, Wcfg, Gemm, Vec, Ppu>;

struct Instruction {
  Deps deps;
  Body body;

  Opcode opcode() const { return static_cast<Opcode>(body.index()); }
  bool operator==(const Instruction&) const = default;
};

// The queue that executes an instruction (SYNC: its queue field, clamped to a legal value).
Queue queue_of(const Instruction& in);

// ---------------------------------------------------------------------------------------------------------------
// Field tables.

template <class T>
struct FieldDef {
  std::string_view name;
  int width = 0;                  // bits
  std::int64_t lo = 0, hi = 0;    // legal values (two's complement encoding when lo < 0)
  std::int64_t T::*member = nullptr;
  std::string_view doc;           // one line, for docs/isa.md and the SystemVerilog package
  int lsb = 0;                    // first bit in the instruction; assigned by layout()
};

// Places the fields one after another from kBodyLsb.
template <class T, std::size_t N>
constexpr std::array<FieldDef<T>, N> layout(std::array<FieldDef<T>, N> f) {
  int at = kBodyLsb;
  for (auto& d : f) {
    d.lsb = at;
    at += d.width;
  }
  return f;
}

template <class T, std::size_t N>
constexpr bool fields_fit(const std::array<FieldDef<T>, N>& f) {
  for (const auto& d : f) {
    if (d.width < 1 || d.width > 32 || d.lsb + d.width > kInsnBits || d.lo > d.hi) return false;
    const std::int64_t span = std::int64_t{1} << d.width;
    if (d.lo < 0 ? (d.lo < -span / 2 || d.hi >= span / 2) : d.hi >= span) return false;
  }
  return true;
}

inline constexpr std::int64_t kMax16 = (1 << 16) - 1;
inline constexpr std::int64_t kMax20 = (1 << 20) - 1;
inline constexpr std::int64_t kMax24 = (1 << 24) - 1;
inline constexpr std::int64_t kMax26 = (1 << 26) - 1;  // SRAM byte addresses: 64 MiB, the largest legal SRAM
inline constexpr std::int64_t kMax32 = (std::int64_t{1} << 32) - 1;

inline constexpr auto kSyncFields = layout<Sync, 1>({{
    {"queue", 2, 0, 2, &Sync::queue, "executing queue: 0 load, 1 compute, 2 store"},
}});

inline constexpr auto kLoadFields = layout<Load, 13>({{
    {"buf", 2, 0, 2, &Load::buf, "destination SRAM: 0 act, 1 wgt, 2 param"},
    {"pad_value", 8, 0, 255, &Load::pad_value, "byte written at padding positions"},
    {"pad_top", 7, 0, 64, &Load::pad_top, "padding planes before the DRAM planes"},
    {"pad_bottom", 7, 0, 64, &Load::pad_bottom, "padding planes after the DRAM planes"},
    {"pad_left", 7, 0, 64, &Load::pad_left, "padding elements before each plane's DRAM elements"},
    {"pad_right", 7, 0, 64, &Load::pad_right, "padding elements after each plane's DRAM elements"},
    {"sram_addr", 26, 0, kMax26, &Load::sram_addr, "first destination byte"},
    {"dram_addr", 32, 0, kMax32, &Load::dram_addr, "DRAM byte of element (0, 0)"},
    {"x_size", 20, 1, kMax20, &Load::x_size, "contiguous bytes per element"},
    {"y_size", 16, 0, kMax16, &Load::y_size, "DRAM elements per plane"},
    {"z_size", 16, 0, kMax16, &Load::z_size, "DRAM planes"},
    {"y_stride", 32, 0, kMax32, &Load::y_stride, "DRAM bytes between elements"},
    {"z_stride", 32, 0, kMax32, &Load::z_stride, "DRAM bytes between planes"},
}});

inline constexpr auto kStoreFields = layout<Store, 7>({{
    {"sram_addr", 26, 0, kMax26, &Store::sram_addr, "first source byte (activation SRAM)"},
    {"dram_addr", 32, 0, kMax32, &Store::dram_addr, "DRAM byte of element (0, 0)"},
    {"x_size", 20, 1, kMax20, &Store::x_size, "contiguous bytes per element"},
    {"y_size", 16, 1, kMax16, &Store::y_size, "elements per plane"},
    {"z_size", 16, 1, kMax16, &Store::z_size, "planes"},
    {"y_stride", 32, 0, kMax32, &Store::y_stride, "DRAM bytes between elements"},
    {"z_stride", 32, 0, kMax32, &Store::z_stride, "DRAM bytes between planes"},
}});

inline constexpr auto kWcfgFields = layout<Wcfg, 6>({{
    {"mode", 2, 0, 2, &Wcfg::mode, "0 raw s8 codes, 1 per-layer LUT, 2 per-channel LUT"},
    {"bits", 4, 1, 8, &Wcfg::bits, "code width b: 1..4 with a LUT, 8 in raw mode"},
    {"lut_addr", 26, 0, kMax26, &Wcfg::lut_addr, "param SRAM byte of the LUT(s)"},
    {"in_group", 16, 0, kMax16, &Wcfg::in_group, "input channels per group; 0: no group mask"},
    {"out_group", 16, 0, kMax16, &Wcfg::out_group, "output channels per group"},
    {"out_offset", 16, 0, kMax16, &Wcfg::out_offset, "output channel of column 0 (group mask)"},
}});

inline constexpr auto kGemmFields = layout<Gemm, 18>({{
    {"accumulate", 1, 0, 1, &Gemm::accumulate, "1: add every block to the accumulators; 0: block 0 overwrites"},
    {"act_signed", 1, 0, 1, &Gemm::act_signed, "activations are s8 (1) or u8 (0)"},
    {"n_cols", 9, 1, 256, &Gemm::n_cols, "output lanes computed (<= C)"},
    {"act_addr", 26, 0, kMax26, &Gemm::act_addr, "act SRAM byte of pixel 0, tap 0, row 0"},
    {"pix_stride", 16, 0, kMax16, &Gemm::pix_stride, "bytes between adjacent input pixels"},
    {"row_stride", 26, 0, kMax26, &Gemm::row_stride, "bytes between adjacent input rows"},
    {"stride_y", 7, 1, 64, &Gemm::stride_y, "window stride in rows"},
    {"stride_x", 7, 1, 64, &Gemm::stride_x, "window stride in pixels"},
    {"dil_y", 7, 1, 64, &Gemm::dil_y, "tap spacing in rows"},
    {"dil_x", 7, 1, 64, &Gemm::dil_x, "tap spacing in pixels"},
    {"out_h", 16, 1, kMax16, &Gemm::out_h, "output rows"},
    {"out_w", 16, 1, kMax16, &Gemm::out_w, "output pixels per row"},
    {"taps_y", 7, 1, 64, &Gemm::taps_y, "kernel rows"},
    {"taps_x", 7, 1, 64, &Gemm::taps_x, "kernel columns (1: a tap spans a kernel row)"},
    {"span", 20, 1, kMax20, &Gemm::span, "consecutive bytes reduced per tap"},
    {"acc_addr", 24, 0, kMax24, &Gemm::acc_addr, "accumulator entry of output pixel 0"},
    {"wgt_addr", 26, 0, kMax26, &Gemm::wgt_addr, "weight SRAM byte of block 0"},
    {"in_offset", 16, 0, kMax16, &Gemm::in_offset, "input channel of row 0 (group mask)"},
}});

inline constexpr auto kVecFields = layout<Vec, 20>({{
    {"op", 2, 0, 2, &Vec::op, "0 max, 1 sum, 2 add"},
    {"accumulate", 1, 0, 1, &Vec::accumulate, "combine with the stored accumulator"},
    {"a_signed", 1, 0, 1, &Vec::a_signed, "operand a is s8 (1) or u8 (0)"},
    {"b_signed", 1, 0, 1, &Vec::b_signed, "operand b is s8 (1) or u8 (0)"},
    {"la", 4, 0, 15, &Vec::la, "add: left shift of a"},
    {"lb", 4, 0, 15, &Vec::lb, "add: left shift of b"},
    {"n_lanes", 9, 1, 256, &Vec::n_lanes, "lanes computed (<= C)"},
    {"act_addr", 26, 0, kMax26, &Vec::act_addr, "act SRAM byte of operand a, pixel 0, tap 0, lane 0"},
    {"act_addr_b", 26, 0, kMax26, &Vec::act_addr_b, "act SRAM byte of operand b (add)"},
    {"pix_stride", 16, 0, kMax16, &Vec::pix_stride, "bytes between adjacent input pixels"},
    {"row_stride", 26, 0, kMax26, &Vec::row_stride, "bytes between adjacent input rows"},
    {"stride_y", 7, 1, 64, &Vec::stride_y, "window stride in rows"},
    {"stride_x", 7, 1, 64, &Vec::stride_x, "window stride in pixels"},
    {"dil_y", 7, 1, 64, &Vec::dil_y, "tap spacing in rows"},
    {"dil_x", 7, 1, 64, &Vec::dil_x, "tap spacing in pixels"},
    {"out_h", 16, 1, kMax16, &Vec::out_h, "output rows"},
    {"out_w", 16, 1, kMax16, &Vec::out_w, "output pixels per row"},
    {"taps_y", 16, 1, kMax16, &Vec::taps_y, "window rows (add: 1)"},
    {"taps_x", 16, 1, kMax16, &Vec::taps_x, "window columns (add: 1)"},
    {"acc_addr", 24, 0, kMax24, &Vec::acc_addr, "accumulator entry of output pixel 0"},
}});

inline constexpr auto kPpuFields = layout<Ppu, 14>({{
    {"out_s32", 1, 0, 1, &Ppu::out_s32, "write raw s32 values (no shift, no clamp)"},
    {"bias_en", 1, 0, 1, &Ppu::bias_en, "add the s32 bias vector"},
    {"wrap_en", 1, 0, 1, &Ppu::wrap_en, "wrap to A bits after the bias"},
    {"shift_per_channel", 1, 0, 1, &Ppu::shift_per_channel, "shifts from the param SRAM"},
    {"shift_imm", 6, -15, 31, &Ppu::shift_imm, "right shift when not per channel"},
    {"n_cols", 9, 1, 256, &Ppu::n_cols, "lanes written (<= C)"},
    {"acc_addr", 24, 0, kMax24, &Ppu::acc_addr, "first accumulator entry"},
    {"n_pix", 24, 1, kMax24, &Ppu::n_pix, "entries processed"},
    {"out_addr", 26, 0, kMax26, &Ppu::out_addr, "act SRAM byte of entry 0, lane 0"},
    {"out_stride", 20, 0, kMax20, &Ppu::out_stride, "act SRAM bytes between entries"},
    {"bias_addr", 26, 0, kMax26, &Ppu::bias_addr, "param SRAM byte of bias[0]"},
    {"shift_addr", 26, 0, kMax26, &Ppu::shift_addr, "param SRAM byte of shift[0]"},
    {"act_min", 16, -32768, 32767, &Ppu::act_min, "clamp low bound"},
    {"act_max", 16, -32768, 32767, &Ppu::act_max, "clamp high bound"},
}});

static_assert(fields_fit(kSyncFields) && fields_fit(kLoadFields) && fields_fit(kStoreFields) &&
              fields_fit(kWcfgFields) && fields_fit(kGemmFields) && fields_fit(kVecFields) && fields_fit(kPpuFields));

// The field table of each body type.
template <class T> constexpr const auto& fields_of();
template <> constexpr const auto& fields_of<Sync>() { return kSyncFields; }
template <> constexpr const auto& fields_of<Load>() { return kLoadFields; }
template <> constexpr const auto& fields_of<Store>() { return kStoreFields; }
template <> constexpr const auto& fields_of<Wcfg>() { return kWcfgFields; }
template <> constexpr const auto& fields_of<Gemm>() { return kGemmFields; }
template <> constexpr const auto& fields_of<Vec>() { return kVecFields; }
template <> constexpr const auto& fields_of<Ppu>() { return kPpuFields; }

// ---------------------------------------------------------------------------------------------------------------
// Encoding, decoding, checks, text.

// Encodes an instruction. Throws lutsim::Error naming the opcode and field when a field is outside its legal range
// (see check()).
Word encode(const Instruction& in);
// Decodes one instruction. Throws lutsim::Error "illegal opcode N", "FIELD = V is outside [lo, hi]",
// "reserved bit N is set", "flag push_prev is illegal on the load queue", ... (check() is applied).
Instruction decode(const Word& w);

// The config-independent rules: every field in its table range, dependency flags legal for the queue, and the
// cross-field rules (WCFG: bits 8 iff raw mode, out_group >= 1 with a mask; VEC add: one tap; PPU: act_min <=
// act_max unless out_s32). Returns "" when legal, else a message naming the field.
std::string check(const Instruction& in);
// The rules that depend on the machine: n_cols / n_lanes <= C, LUT modes the config supports, start addresses
// inside the SRAMs. Returns "" when legal, else a message naming the field.
std::string check(const Instruction& in, const HwConfig& hw);

// One line, e.g. "GEMM pop_prev push_next accumulate=0 act_signed=0 n_cols=16 act_addr=0x100 ...".
std::string to_string(const Instruction& in);

// Markdown table of an opcode's fields (bits, range, meaning); docs/isa.md contains these tables verbatim.
std::string field_table_markdown(Opcode op);
// A SystemVerilog package (lutsim_isa_pkg) with the opcodes and each field's lsb and width, for the RTL decoder.
std::string sv_package();

// The little-endian byte image of an instruction word and back.
void word_to_bytes(const Word& w, std::uint8_t* out);  // kInsnBytes bytes
Word word_from_bytes(const std::uint8_t* in);

}  // namespace lutsim::isa
