#include "core_reference.h"

#include <algorithm>
#include <cstring>

#include "lutsim/firmware/interpreter.h"
#include "lutsim/model/error.h"

namespace lutsim::rtlcore {

namespace {

std::int64_t uni(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}
bool coin(std::mt19937_64& rng, double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p; }

}  // namespace

HwConfig CoreConfig::hw() const {
  HwConfig h;
  h.name = "rtl_core";
  h.rows = rows;
  h.cols = cols;
  h.acc_bits = acc_bits;
  h.lut_per_layer = h.lut_per_channel = true;
  h.act_sram_bytes = act_bytes();
  h.weight_sram_bytes = wgt_bytes();
  h.param_sram_bytes = par_bytes();
  h.acc_sram_bytes = acc_entries() * 4 * cols;
  return h;
}

std::string CoreConfig::name() const {
  return std::to_string(rows) + "x" + std::to_string(cols) + ", A = " + std::to_string(acc_bits) +
         ", AW act/wgt/par/acc = " + std::to_string(act_aw) + "/" + std::to_string(wgt_aw) + "/" +
         std::to_string(par_aw) + "/" + std::to_string(acc_aw);
}

Memories::Memories(const CoreConfig& cfg)
    : act(static_cast<std::size_t>(cfg.act_bytes()), 0),
      wgt(static_cast<std::size_t>(cfg.wgt_bytes()), 0),
      par(static_cast<std::size_t>(cfg.par_bytes()), 0),
      acc(static_cast<std::size_t>(cfg.acc_entries() * cfg.cols), 0) {}

void fill_random(Memories& m, std::mt19937_64& rng) {
  for (auto* v : {&m.act, &m.wgt, &m.par})
    for (auto& b : *v) b = static_cast<std::uint8_t>(rng());
  for (auto& a : m.acc) a = static_cast<std::int32_t>(static_cast<std::uint32_t>(rng()));
}

isa::Instruction random_wcfg(std::mt19937_64& rng, const CoreConfig& cfg, const TileOptions& opt) {
  isa::Wcfg w;
  w.mode = uni(rng, 0, 2);
  w.bits = w.mode == 0 ? 8 : uni(rng, 1, 4);
  const std::int64_t n = w.mode == 0 ? 0 : (std::int64_t{1} << w.bits) * (w.mode == 2 ? cfg.cols : 1);
  w.lut_addr = uni(rng, 0, cfg.par_bytes() - std::max<std::int64_t>(n, 1));
  if (coin(rng, opt.mask_prob)) {
    if (coin(rng, 0.4)) {  // depthwise: one channel per group
      w.in_group = 1;
      w.out_group = 1;
    } else {
      w.in_group = uni(rng, 1, 2 * cfg.rows);
      w.out_group = uni(rng, 1, cfg.cols + 1);
    }
    w.out_offset = uni(rng, 0, 3 * cfg.cols);
  } else if (coin(rng, 0.2)) {
    w.out_group = uni(rng, 0, 100);  // ignored without a mask
    w.out_offset = uni(rng, 0, 100);
  }
  return isa::Instruction{{}, w};
}

isa::Instruction random_gemm(std::mt19937_64& rng, const CoreConfig& cfg, int bits, const TileOptions& opt) {
  const std::int64_t R = cfg.rows, C = cfg.cols;
  const std::int64_t wrow = (C * bits + 7) / 8;
  for (int attempt = 0;; ++attempt) {
    isa::Gemm g;
    g.accumulate = uni(rng, 0, 1);
    g.act_signed = uni(rng, 0, 1);
    g.n_cols = coin(rng, 0.5) ? C : uni(rng, 1, C);
    g.out_h = uni(rng, 1, opt.max_out);
    g.out_w = uni(rng, 1, opt.max_out);
    g.taps_y = uni(rng, 1, opt.max_taps);
    g.taps_x = uni(rng, 1, opt.max_taps);
    g.stride_y = uni(rng, 1, 2);
    g.stride_x = uni(rng, 1, 2);
    g.dil_y = uni(rng, 1, 2);
    g.dil_x = uni(rng, 1, 2);
    const int shape = static_cast<int>(uni(rng, 0, 3));
    g.span = shape == 0 ? 1 : shape == 1 ? R * uni(rng, 1, opt.max_span_rows) : uni(rng, 1, opt.max_span_rows * R);
    g.pix_stride = coin(rng, 0.7) ? g.span : uni(rng, 0, g.span + 5);
    const std::int64_t row_bytes = ((g.out_w - 1) * g.stride_x + (g.taps_x - 1) * g.dil_x + 1) * g.pix_stride;
    g.row_stride = coin(rng, 0.7) ? row_bytes : uni(rng, 0, row_bytes + 9);
    g.in_offset = uni(rng, 0, 3 * R);
    const std::int64_t extent = ((g.out_h - 1) * g.stride_y + (g.taps_y - 1) * g.dil_y) * g.row_stride +
                                ((g.out_w - 1) * g.stride_x + (g.taps_x - 1) * g.dil_x) * g.pix_stride + g.span;
    const std::int64_t nblocks = g.taps_y * g.taps_x * ((g.span + R - 1) / R);
    const std::int64_t wbytes = nblocks * R * wrow;
    const std::int64_t P = g.out_h * g.out_w;
    if (extent > cfg.act_bytes() || wbytes > cfg.wgt_bytes() || P > cfg.acc_entries()) {
      if (attempt > 1000) throw Error("rtl core: no random GEMM fits the SRAMs of " + cfg.name());
      continue;
    }
    g.act_addr = uni(rng, 0, cfg.act_bytes() - extent);
    g.wgt_addr = uni(rng, 0, cfg.wgt_bytes() - wbytes);
    g.acc_addr = uni(rng, 0, cfg.acc_entries() - P);
    return isa::Instruction{{}, g};
  }
}

Memories reference(const CoreConfig& cfg, const Memories& init, const std::vector<isa::Instruction>& code) {
  Machine m(cfg.hw(), 64);
  std::memcpy(m.act().data(), init.act.data(), init.act.size());
  std::memcpy(m.wgt().data(), init.wgt.data(), init.wgt.size());
  std::memcpy(m.param().data(), init.par.data(), init.par.size());
  std::memcpy(m.acc().data(), init.acc.data(), init.acc.size() * 4);
  for (std::size_t pc = 0; pc < code.size(); ++pc) m.execute(code[pc], static_cast<std::uint32_t>(pc));
  Memories out = init;
  std::memcpy(out.acc.data(), m.acc().data(), out.acc.size() * 4);
  return out;
}

std::string compare_acc(const CoreConfig& cfg, const std::vector<std::int32_t>& want, const std::vector<std::int32_t>& got) {
  if (want.size() != got.size()) return "accumulator sizes differ";
  for (std::size_t i = 0; i < want.size(); ++i)
    if (want[i] != got[i])
      return "accumulator entry " + std::to_string(i / static_cast<std::size_t>(cfg.cols)) + " lane " +
             std::to_string(i % static_cast<std::size_t>(cfg.cols)) + ": interpreter " + std::to_string(want[i]) +
             ", RTL " + std::to_string(got[i]);
  return "";
}

std::vector<isa::Word> encode_all(const std::vector<isa::Instruction>& code) {
  std::vector<isa::Word> w;
  w.reserve(code.size());
  for (const auto& in : code) w.push_back(isa::encode(in));
  return w;
}

}  // namespace lutsim::rtlcore
