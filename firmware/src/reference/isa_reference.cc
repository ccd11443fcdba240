// The ISA reference (isa_reference.h): docs/isa.md section 3 as plain loops.
#include "lutsim/firmware/isa_reference.h"

#include <algorithm>
#include <string>

#include "lutsim/model/arith.h"
#include "lutsim/model/error.h"

namespace lutsim {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw Error("ISA reference: " + msg); }

// Element i of memory m (named `name`), checked.
template <class T>
T& at(std::vector<T>& m, std::int64_t i, const char* name) {
  if (i < 0 || i >= static_cast<std::int64_t>(m.size()))
    fail(std::string(name) + " index " + std::to_string(i) + " is outside [0, " + std::to_string(m.size()) + ")");
  return m[static_cast<std::size_t>(i)];
}

std::int64_t u8_or_s8(std::uint8_t b, bool sgn) { return sgn ? std::int64_t{static_cast<std::int8_t>(b)} : std::int64_t{b}; }

// The little-endian s32 at param[a].
std::int64_t param_s32(std::vector<std::uint8_t>& param, std::int64_t a) {
  std::uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u |= std::uint32_t{at(param, a + i, "parameter SRAM")} << (8 * i);
  return static_cast<std::int32_t>(u);
}

}  // namespace

IsaReference::IsaReference(const HwConfig& h, std::uint64_t dram_bytes)
    : hw(h),
      dram(dram_bytes, 0),
      act(static_cast<std::size_t>(h.act_sram_bytes), 0),
      wgt(static_cast<std::size_t>(h.weight_sram_bytes), 0),
      param(static_cast<std::size_t>(h.param_sram_bytes), 0),
      acc(static_cast<std::size_t>(h.acc_sram_bytes / (4 * std::int64_t{h.cols}) * h.cols), 0),
      lut(static_cast<std::size_t>(h.cols) * isa::kLutEntriesMax, 0) {}

void IsaReference::run(std::span<const isa::Instruction> code) {
  for (const isa::Instruction& in : code) execute(in);
}

void IsaReference::execute(const isa::Instruction& in) {
  std::string err = isa::check(in);
  if (err.empty()) err = isa::check(in, hw);
  if (!err.empty()) fail("illegal instruction: " + err + ": " + isa::to_string(in));
  switch (in.opcode()) {
    case isa::Opcode::Sync: return;
    case isa::Opcode::Load: return load(std::get<isa::Load>(in.body));
    case isa::Opcode::Store: return store(std::get<isa::Store>(in.body));
    case isa::Opcode::Wcfg: return weight_config(std::get<isa::Wcfg>(in.body));
    case isa::Opcode::Gemm: return gemm(std::get<isa::Gemm>(in.body));
    case isa::Opcode::Vec: return vec(std::get<isa::Vec>(in.body));
    case isa::Opcode::Ppu: return ppu(std::get<isa::Ppu>(in.body));
  }
}

std::int32_t& IsaReference::acc_at(std::int64_t entry, std::int64_t lane) {
  return at(acc, entry * hw.cols + lane, "accumulator SRAM");
}

void IsaReference::load(const isa::Load& l) {
  std::vector<std::uint8_t>& dst = l.buf == 0 ? act : l.buf == 1 ? wgt : param;
  const std::int64_t Y = l.y_size + l.pad_left + l.pad_right, Z = l.z_size + l.pad_top + l.pad_bottom;
  for (std::int64_t z = 0; z < Z; ++z)
    for (std::int64_t y = 0; y < Y; ++y)
      for (std::int64_t x = 0; x < l.x_size; ++x) {
        const bool pad = z < l.pad_top || z >= l.pad_top + l.z_size || y < l.pad_left || y >= l.pad_left + l.y_size;
        at(dst, l.sram_addr + (z * Y + y) * l.x_size + x, "SRAM") = static_cast<std::uint8_t>(
            pad ? l.pad_value
                : at(dram, l.dram_addr + (z - l.pad_top) * l.z_stride + (y - l.pad_left) * l.y_stride + x, "DRAM"));
      }
}

void IsaReference::store(const isa::Store& s) {
  for (std::int64_t z = 0; z < s.z_size; ++z)
    for (std::int64_t y = 0; y < s.y_size; ++y)
      for (std::int64_t x = 0; x < s.x_size; ++x)
        at(dram, s.dram_addr + z * s.z_stride + y * s.y_stride + x, "DRAM") =
            at(act, s.sram_addr + (z * s.y_size + y) * s.x_size + x, "activation SRAM");
}

void IsaReference::weight_config(const isa::Wcfg& w) {
  const std::int64_t C = hw.cols;
  wcfg = w;
  std::fill(lut.begin(), lut.end(), std::int8_t{0});
  const std::int64_t n = std::int64_t{1} << w.bits;
  if (w.mode != 0)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t k = 0; k < n; ++k)
        lut[static_cast<std::size_t>(c * isa::kLutEntriesMax + k)] = static_cast<std::int8_t>(
            at(param, w.lut_addr + (w.mode == 2 ? c * n : 0) + k, "parameter SRAM"));
}

void IsaReference::gemm(const isa::Gemm& g) {
  const std::int64_t R = hw.rows, C = hw.cols;
  const std::int64_t b = wcfg.bits, nchunks = (g.span + R - 1) / R, wrow = (C * b + 7) / 8;
  // w[r][c] of block i: the b-bit code of column c in row r, through column c's LUT (raw mode: the code as s8),
  // 0 where the group mask disables PE (r, c) of chunk k.
  auto weight = [&](std::int64_t i, std::int64_t k, std::int64_t r, std::int64_t c) -> std::int64_t {
    std::int64_t code = 0;
    for (std::int64_t bit = 0; bit < b; ++bit) {
      const std::int64_t pos = c * b + bit;
      code |= std::int64_t{(at(wgt, g.wgt_addr + i * R * wrow + r * wrow + pos / 8, "weight SRAM") >> (pos % 8)) & 1}
              << bit;
    }
    if (wcfg.in_group > 0 && (g.in_offset + k * R + r) / wcfg.in_group != (wcfg.out_offset + c) / wcfg.out_group)
      return 0;
    return wcfg.mode == 0 ? std::int64_t{static_cast<std::int8_t>(code)}
                          : std::int64_t{lut[static_cast<std::size_t>(c * isa::kLutEntriesMax + code)]};
  };
  for (std::int64_t ty = 0; ty < g.taps_y; ++ty)
    for (std::int64_t tx = 0; tx < g.taps_x; ++tx)
      for (std::int64_t k = 0; k < nchunks; ++k) {
        const std::int64_t i = (ty * g.taps_x + tx) * nchunks + k, rows = std::min(R, g.span - k * R);
        for (std::int64_t oy = 0; oy < g.out_h; ++oy)
          for (std::int64_t ox = 0; ox < g.out_w; ++ox)
            for (std::int64_t c = 0; c < g.n_cols; ++c) {
              std::int64_t sum = 0;
              for (std::int64_t r = 0; r < rows; ++r) {
                const std::int64_t a = g.act_addr + (oy * g.stride_y + ty * g.dil_y) * g.row_stride +
                                       (ox * g.stride_x + tx * g.dil_x) * g.pix_stride + k * R + r;
                sum += weight(i, k, r, c) * u8_or_s8(at(act, a, "activation SRAM"), g.act_signed != 0);
              }
              std::int32_t& e = acc_at(g.acc_addr + oy * g.out_w + ox, c);
              const std::int64_t base = i == 0 && !g.accumulate ? 0 : e;
              e = static_cast<std::int32_t>(wrap(base + sum, hw.acc_bits));
            }
      }
}

void IsaReference::vec(const isa::Vec& v) {
  const auto op = static_cast<isa::VecOp>(v.op);
  for (std::int64_t oy = 0; oy < v.out_h; ++oy)
    for (std::int64_t ox = 0; ox < v.out_w; ++ox)
      for (std::int64_t l = 0; l < v.n_lanes; ++l) {
        auto x = [&](std::int64_t base, std::int64_t ty, std::int64_t tx, bool sgn) {
          const std::int64_t a = base + (oy * v.stride_y + ty * v.dil_y) * v.row_stride +
                                 (ox * v.stride_x + tx * v.dil_x) * v.pix_stride + l;
          return u8_or_s8(at(act, a, "activation SRAM"), sgn);
        };
        std::int64_t m = 0;
        if (op == isa::VecOp::Add) {
          m = x(v.act_addr, 0, 0, v.a_signed != 0) * (std::int64_t{1} << v.la) +
              x(v.act_addr_b, 0, 0, v.b_signed != 0) * (std::int64_t{1} << v.lb);
        } else {
          for (std::int64_t ty = 0; ty < v.taps_y; ++ty)
            for (std::int64_t tx = 0; tx < v.taps_x; ++tx) {
              const std::int64_t t = x(v.act_addr, ty, tx, v.a_signed != 0);
              m = op == isa::VecOp::Sum ? m + t : (ty == 0 && tx == 0 ? t : std::max(m, t));
            }
        }
        std::int32_t& e = acc_at(v.acc_addr + oy * v.out_w + ox, l);
        const std::int64_t r = !v.accumulate ? m : op == isa::VecOp::Max ? std::max<std::int64_t>(e, m) : e + m;
        e = static_cast<std::int32_t>(wrap(r, 32));
      }
}

void IsaReference::ppu(const isa::Ppu& p) {
  for (std::int64_t i = 0; i < p.n_pix; ++i)
    for (std::int64_t c = 0; c < p.n_cols; ++c) {
      std::int64_t v = acc_at(p.acc_addr + i, c);
      if (p.bias_en) v += param_s32(param, p.bias_addr + 4 * c);
      if (p.wrap_en) v = wrap(v, hw.acc_bits);
      const std::int64_t o = p.out_addr + i * p.out_stride;
      if (p.out_s32) {
        const auto u = static_cast<std::uint32_t>(wrap(v, 32));
        for (int k = 0; k < 4; ++k) at(act, o + 4 * c + k, "activation SRAM") = static_cast<std::uint8_t>(u >> (8 * k));
        continue;
      }
      const std::int64_t s = p.shift_per_channel
                                 ? std::int64_t{static_cast<std::int8_t>(at(param, p.shift_addr + c, "parameter SRAM"))}
                                 : p.shift_imm;
      if (s < kMinShift || s > kMaxShift) fail("per-channel shift " + std::to_string(s) + " of lane " + std::to_string(c));
      at(act, o + c, "activation SRAM") =
          static_cast<std::uint8_t>(clamp(rshift_round(v, static_cast<int>(s), hw.rounding), p.act_min, p.act_max));
    }
}

}  // namespace lutsim
