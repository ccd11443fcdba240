// Lowering of MaxPool, AvgPool and GlobalAvgPool to the vector unit (VEC) and the PPU.
//
// Max and average pooling: tiles of th x tw output pixels and kc channels; the input tile carries its halo and the
// padding (the dtype's minimum for max pooling, which the maximum ignores; 0 for average pooling); one VEC and one
// PPU per block of C lanes. Global average pooling: tiles of input rows summed into one accumulator entry per lane
// block (accumulate after the first row tile), then one PPU.
#include <algorithm>
#include <limits>

#include "lower.h"
#include "lutsim/model/error.h"

namespace lutsim::fw {
namespace {

std::vector<std::int64_t> halve_list(std::int64_t top, std::int64_t align) {
  std::vector<std::int64_t> v;
  for (std::int64_t x = top; x >= 1;) {
    v.push_back(x);
    if (x == 1) break;
    std::int64_t nx = ceil_div(x, 2);
    if (nx > align && align > 1) nx = ceil_div(nx, align) * align;
    if (nx >= x) nx = x - 1;
    x = nx;
  }
  return v;
}

isa::Ppu pool_ppu(std::int64_t acc, std::int64_t n_pix, std::int64_t n_cols, std::int64_t out, std::int64_t stride,
                  int shift, std::int64_t lo, std::int64_t hi) {
  isa::Ppu pp;
  pp.n_cols = n_cols;
  pp.acc_addr = acc;
  pp.n_pix = n_pix;
  pp.out_addr = out;
  pp.out_stride = stride;
  pp.shift_imm = shift;
  pp.act_min = lo;
  pp.act_max = hi;
  return pp;
}

}  // namespace

Lowered lower_pool(const LowerCtx& cx, const Layer& l) {
  const ValueInfo& x = cx.net.value(l.inputs[0]);
  const ValueInfo& y = cx.net.value(l.output);
  const Window& w = l.pool.win;
  const bool is_max = l.op == OpKind::MaxPool;
  const std::int64_t H = x.h, W = x.w, Cc = x.c, OH = y.h, OW = y.w, C = cx.C();
  auto rows_in = [&](std::int64_t th) { return (th - 1) * w.sh + std::int64_t{w.kh - 1} * w.dh + 1; };
  auto cols_in = [&](std::int64_t tw) { return (tw - 1) * w.sw + std::int64_t{w.kw - 1} * w.dw + 1; };
  auto fits = [&](std::int64_t th, std::int64_t tw, std::int64_t kc, int depth) {
    const std::int64_t in = rows_in(th) * cols_in(tw) * kc, out = th * tw * kc;
    return rows_in(th) <= isa::kMax16 && cols_in(tw) <= isa::kMax16 && th * tw <= isa::kMax24 &&
           depth * (in + out) <= cx.hw.act_sram_bytes && th * tw * ceil_div(kc, C) <= cx.acc_entries();
  };
  struct P { int depth; std::int64_t th, tw, kc; double cost; };
  P best{0, 0, 0, 0, std::numeric_limits<double>::infinity()};
  for (int depth : cx.depths()) {
    for (std::int64_t kc : halve_list(std::min<std::int64_t>(Cc, isa::kMax16), C))
      for (std::int64_t tw : halve_list(std::min<std::int64_t>(OW, isa::kMax16), 1)) {
        if (!fits(1, tw, kc, depth)) continue;
        std::int64_t lo = 1, hi = std::min<std::int64_t>(OH, isa::kMax16);
        while (lo < hi) {
          const std::int64_t mid = (lo + hi + 1) / 2;
          if (fits(mid, tw, kc, depth)) lo = mid;
          else hi = mid - 1;
        }
        const double steps = double(ceil_div(OH, lo)) * double(ceil_div(OW, tw)) * double(ceil_div(Cc, kc));
        const double c = steps * (double(rows_in(lo) * cols_in(tw) * kc) + 1024.0);
        if (c < best.cost) best = P{depth, lo, tw, kc, c};
      }
    if (best.depth) break;
  }
  if (!best.depth) {
    const std::int64_t need = rows_in(1) * cols_in(1) + 1;
    if (need > cx.hw.act_sram_bytes)
      sram_too_small(l, "activation", cx.hw.act_sram_bytes, need, "1x1 output pixel, 1 channel, single-buffered");
    throw Error("layer '" + l.name + "': no tiling fits the ISA's field ranges");
  }

  Lowered out;
  out.depth = best.depth;
  const std::int64_t in_max = rows_in(best.th) * cols_in(best.tw) * best.kc;
  Slots in_slots(0, in_max, best.depth), out_slots(best.depth * in_max, best.th * best.tw * best.kc, best.depth);
  const std::int64_t acc_blk = best.th * best.tw;
  const ValueRegion& xr = cx.values[static_cast<std::size_t>(l.inputs[0])];
  const ValueRegion& yr = cx.values[static_cast<std::size_t>(l.output)];
  const bool sgn = x.dtype == DType::S8;
  const int pad_value = is_max && sgn ? 0x80 : 0;  // the dtype's minimum for max pooling
  std::int64_t key = 0;
  for (std::int64_t c0 = 0; c0 < Cc; c0 += best.kc) {
    const std::int64_t kc = std::min(best.kc, Cc - c0);
    for (std::int64_t oy0 = 0; oy0 < OH; oy0 += best.th)
      for (std::int64_t ox0 = 0; ox0 < OW; ox0 += best.tw) {
        const std::int64_t th = std::min(best.th, OH - oy0), tw = std::min(best.tw, OW - ox0);
        const Span1D sy = input_span(oy0, th, w.sh, w.kh, w.dh, w.pad_top, H);
        const Span1D sx = input_span(ox0, tw, w.sw, w.kw, w.dw, w.pad_left, W);
        Step s;
        in_slots.use(key++);
        s.loads.push_back(load_padded(in_slots.addr(), xr.addr + static_cast<std::uint64_t>((sy.real_first * W + sx.real_first) * Cc + c0),
                                      kc, sx.real, sy.real, Cc, W * Cc, sy.pad_lo, sy.pad_hi, sx.pad_lo, sx.pad_hi, pad_value));
        out_slots.next();
        for (std::int64_t l0 = 0, lb = 0; l0 < kc; l0 += C, ++lb) {
          isa::Vec v;
          v.op = static_cast<std::int64_t>(is_max ? isa::VecOp::Max : isa::VecOp::Sum);
          v.a_signed = sgn;
          v.n_lanes = std::min(C, kc - l0);
          v.act_addr = in_slots.addr() + l0;
          v.pix_stride = kc;
          v.row_stride = sx.size * kc;
          v.stride_y = w.sh;
          v.stride_x = w.sw;
          v.dil_y = w.dh;
          v.dil_x = w.dw;
          v.out_h = th;
          v.out_w = tw;
          v.taps_y = w.kh;
          v.taps_x = w.kw;
          v.acc_addr = lb * acc_blk;
          s.compute.push_back(insn(v));
        }
        s.first_out_writer = static_cast<int>(s.compute.size());
        for (std::int64_t l0 = 0, lb = 0; l0 < kc; l0 += C, ++lb) {
          const isa::Ppu pp = is_max ? pool_ppu(lb * acc_blk, th * tw, std::min(C, kc - l0), out_slots.addr() + l0, kc, 0,
                                                dtype_min(x.dtype), dtype_max(x.dtype))
                                     : pool_ppu(lb * acc_blk, th * tw, std::min(C, kc - l0), out_slots.addr() + l0, kc,
                                                l.pool.shift, l.pool.clamp.act_min, l.pool.clamp.act_max);
          s.compute.push_back(insn(pp));
        }
        s.stores.push_back(store(out_slots.addr(), yr.addr + static_cast<std::uint64_t>((oy0 * OW + ox0) * Cc + c0), kc, tw, th,
                                 Cc, OW * Cc));
        out.steps.push_back(std::move(s));
      }
  }
  return out;
}

Lowered lower_global_pool(const LowerCtx& cx, const Layer& l) {
  const ValueInfo& x = cx.net.value(l.inputs[0]);
  const std::int64_t H = x.h, W = x.w, Cc = x.c, C = cx.C();
  const std::int64_t max_abs = x.dtype == DType::S8 ? 128 : 255;
  if (H * W * max_abs > std::numeric_limits<std::int32_t>::max())
    throw Error("layer '" + l.name + "' (global_avgpool): a window of " + std::to_string(H * W) +
                " pixels can exceed the vector unit's 32-bit sum (at most " +
                std::to_string(std::numeric_limits<std::int32_t>::max() / max_abs) + " pixels)");
  if (W > isa::kMax16)
    throw Error("layer '" + l.name + "' (global_avgpool): input width " + std::to_string(W) + " exceeds the VEC taps_x range " +
                std::to_string(isa::kMax16));
  auto fits = [&](std::int64_t rows, std::int64_t kc, int depth) {
    return depth * (rows * W * kc + kc) <= cx.hw.act_sram_bytes && ceil_div(kc, C) <= cx.acc_entries();
  };
  int depth = 0;
  std::int64_t best_rows = 0, best_kc = 0;
  double best_cost = std::numeric_limits<double>::infinity();
  for (int d : cx.depths()) {
    for (std::int64_t kc : halve_list(std::min<std::int64_t>(Cc, isa::kMax16), C)) {
      if (!fits(1, kc, d)) continue;
      std::int64_t lo = 1, hi = std::min<std::int64_t>(H, isa::kMax16);
      while (lo < hi) {
        const std::int64_t mid = (lo + hi + 1) / 2;
        if (fits(mid, kc, d)) lo = mid;
        else hi = mid - 1;
      }
      const double c = double(ceil_div(H, lo)) * double(ceil_div(Cc, kc)) * 1024.0;
      if (c < best_cost) {
        best_cost = c;
        best_rows = lo;
        best_kc = kc;
        depth = d;
      }
    }
    if (depth) break;
  }
  if (!depth) sram_too_small(l, "activation", cx.hw.act_sram_bytes, W + 1, "1 input row, 1 channel, single-buffered");

  Lowered out;
  out.depth = depth;
  const std::int64_t in_max = best_rows * W * best_kc;
  Slots in_slots(0, in_max, depth), out_slots(depth * in_max, best_kc, depth);
  const ValueRegion& xr = cx.values[static_cast<std::size_t>(l.inputs[0])];
  const ValueRegion& yr = cx.values[static_cast<std::size_t>(l.output)];
  std::int64_t key = 0;
  for (std::int64_t c0 = 0; c0 < Cc; c0 += best_kc) {
    const std::int64_t kc = std::min(best_kc, Cc - c0);
    for (std::int64_t r0 = 0; r0 < H; r0 += best_rows) {
      const std::int64_t rows = std::min(best_rows, H - r0);
      Step s;
      in_slots.use(key++);
      s.loads.push_back(load(isa::Buffer::Act, in_slots.addr(), xr.addr + static_cast<std::uint64_t>(r0 * W * Cc + c0), kc, W,
                             rows, Cc, W * Cc));
      for (std::int64_t l0 = 0, lb = 0; l0 < kc; l0 += C, ++lb) {
        isa::Vec v;
        v.op = static_cast<std::int64_t>(isa::VecOp::Sum);
        v.accumulate = r0 > 0;
        v.a_signed = x.dtype == DType::S8;
        v.n_lanes = std::min(C, kc - l0);
        v.act_addr = in_slots.addr() + l0;
        v.pix_stride = kc;
        v.row_stride = W * kc;
        v.taps_y = rows;
        v.taps_x = W;
        v.acc_addr = lb;
        s.compute.push_back(insn(v));
      }
      if (r0 + rows == H) {
        out_slots.next();
        s.first_out_writer = static_cast<int>(s.compute.size());
        for (std::int64_t l0 = 0, lb = 0; l0 < kc; l0 += C, ++lb)
          s.compute.push_back(insn(pool_ppu(lb, 1, std::min(C, kc - l0), out_slots.addr() + l0, kc, l.pool.shift,
                                            l.pool.clamp.act_min, l.pool.clamp.act_max)));
        s.stores.push_back(store(out_slots.addr(), yr.addr + static_cast<std::uint64_t>(c0), kc, 1, 1, 0, 0));
      }
      out.steps.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace lutsim::fw
