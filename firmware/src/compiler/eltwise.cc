// Lowering of Add (VEC add + PPU) and Concat (DMA copies into channel slices of the output).
//
// Both treat a [h, w, c] value as h*w pixels of c channels and tile it into runs of np pixels and kc channels.
#include <algorithm>

#include "lower.h"
#include "lutsim/model/error.h"

namespace lutsim::fw {
namespace {

// The tile of np pixels x kc channels with the fewest instructions: each step has two DMA instructions plus, with
// the accumulator, two compute instructions per block of C lanes; false when not even one pixel of one channel fits.
bool pick_tile(const LowerCtx& cx, std::int64_t pixels, std::int64_t channels, std::int64_t esize, int slots_per_tile,
               bool uses_acc, int* depth, std::int64_t* np, std::int64_t* kc) {
  const std::int64_t C = cx.C();
  for (int d : cx.depths()) {
    double best = -1;
    for (std::int64_t k = std::min<std::int64_t>(channels, isa::kMax16);;) {
      const std::int64_t per_pixel = d * slots_per_tile * k * esize;
      std::int64_t n = std::min<std::int64_t>({pixels, isa::kMax16, cx.hw.act_sram_bytes / per_pixel});
      if (uses_acc) n = std::min<std::int64_t>(n, cx.acc_entries() / ceil_div(k, C));
      if (n >= 1 && k * esize <= isa::kMax20) {
        const double steps = double(ceil_div(pixels, n)) * double(ceil_div(channels, k));
        const double cost = steps * (3.0 + (uses_acc ? 2.0 * double(ceil_div(k, C)) : 1.0));
        if (best < 0 || cost < best) {
          best = cost;
          *depth = d;
          *np = n;
          *kc = k;
        }
      }
      if (k == 1) break;
      k = ceil_div(k, 2);
    }
    if (best >= 0) return true;
  }
  return false;
}

}  // namespace

Lowered lower_add(const LowerCtx& cx, const Layer& l) {
  const ValueInfo& a = cx.net.value(l.inputs[0]);
  const ValueInfo& b = cx.net.value(l.inputs[1]);
  const std::int64_t P = std::int64_t{a.h} * a.w, Cc = a.c, C = cx.C();
  int depth = 0;
  std::int64_t np = 0, kc = 0;
  // A tile needs its two operands and its output: three slots of np * kc bytes.
  if (!pick_tile(cx, P, Cc, 1, 3, true, &depth, &np, &kc))
    sram_too_small(l, "activation", cx.hw.act_sram_bytes, 3, "1 pixel, 1 channel, single-buffered");
  Lowered out;
  out.depth = depth;
  Slots in_slots(0, 2 * np * kc, depth), out_slots(depth * 2 * np * kc, np * kc, depth);
  const ValueRegion& ar = cx.values[static_cast<std::size_t>(l.inputs[0])];
  const ValueRegion& br = cx.values[static_cast<std::size_t>(l.inputs[1])];
  const ValueRegion& yr = cx.values[static_cast<std::size_t>(l.output)];
  std::int64_t key = 0;
  for (std::int64_t c0 = 0; c0 < Cc; c0 += kc) {
    const std::int64_t k = std::min(kc, Cc - c0);
    for (std::int64_t p0 = 0; p0 < P; p0 += np) {
      const std::int64_t n = std::min(np, P - p0);
      Step s;
      in_slots.use(key++);
      const std::uint64_t off = static_cast<std::uint64_t>(p0 * Cc + c0);
      s.loads.push_back(load(isa::Buffer::Act, in_slots.addr(), ar.addr + off, k, n, 1, Cc, 0));
      s.loads.push_back(load(isa::Buffer::Act, in_slots.addr() + n * k, br.addr + off, k, n, 1, Cc, 0));
      for (std::int64_t l0 = 0, lb = 0; l0 < k; l0 += C, ++lb) {
        isa::Vec v;
        v.op = static_cast<std::int64_t>(isa::VecOp::Add);
        v.a_signed = a.dtype == DType::S8;
        v.b_signed = b.dtype == DType::S8;
        v.la = l.add.la;
        v.lb = l.add.lb;
        v.n_lanes = std::min(C, k - l0);
        v.act_addr = in_slots.addr() + l0;
        v.act_addr_b = in_slots.addr() + n * k + l0;
        v.pix_stride = k;
        v.out_w = n;
        v.acc_addr = lb * np;
        s.compute.push_back(insn(v));
      }
      out_slots.next();
      s.first_out_writer = static_cast<int>(s.compute.size());
      for (std::int64_t l0 = 0, lb = 0; l0 < k; l0 += C, ++lb) {
        isa::Ppu pp;
        pp.n_cols = std::min(C, k - l0);
        pp.acc_addr = lb * np;
        pp.n_pix = n;
        pp.out_addr = out_slots.addr() + l0;
        pp.out_stride = k;
        pp.shift_imm = l.add.shift;
        pp.act_min = l.add.clamp.act_min;
        pp.act_max = l.add.clamp.act_max;
        s.compute.push_back(insn(pp));
      }
      s.stores.push_back(store(out_slots.addr(), yr.addr + off, k, n, 1, Cc, 0));
      out.steps.push_back(std::move(s));
    }
  }
  return out;
}

Lowered lower_concat(const LowerCtx& cx, const Layer& l) {
  const ValueInfo& y = cx.net.value(l.output);
  const std::int64_t P = std::int64_t{y.h} * y.w, Cout = y.c;
  const std::int64_t es = static_cast<std::int64_t>(dtype_size(y.dtype));
  const ValueRegion& yr = cx.values[static_cast<std::size_t>(l.output)];
  Lowered out;
  int depth = 2;
  std::int64_t c_off = 0;
  // One depth for the whole layer: the smallest any input needs.
  for (int id : l.inputs) {
    int d = 0;
    std::int64_t np = 0, kc = 0;
    if (!pick_tile(cx, P, cx.net.value(id).c, es, 1, false, &d, &np, &kc))
      sram_too_small(l, "activation", cx.hw.act_sram_bytes, es, "1 pixel, 1 channel, single-buffered");
    depth = std::min(depth, d);
  }
  out.depth = depth;
  out.copy = true;
  // Tiles of each input at that depth; the slots alternate across inputs, so they are sized for the largest.
  const CompileOptions single{false};
  const LowerCtx at_depth(cx.net, cx.hw, depth == 1 ? single : cx.opt, cx.values, cx.params);
  std::vector<std::pair<std::int64_t, std::int64_t>> tiles;
  std::int64_t slot_bytes = 0;
  for (int id : l.inputs) {
    int d = 0;
    std::int64_t np = 0, kc = 0;
    pick_tile(at_depth, P, cx.net.value(id).c, es, 1, false, &d, &np, &kc);
    tiles.emplace_back(np, kc);
    slot_bytes = std::max(slot_bytes, np * kc * es);
  }
  Slots slots(0, slot_bytes, depth);
  std::int64_t key = 0;
  for (std::size_t i = 0; i < l.inputs.size(); ++i) {
    const ValueInfo& x = cx.net.value(l.inputs[i]);
    const ValueRegion& xr = cx.values[static_cast<std::size_t>(l.inputs[i])];
    const auto [np, kc] = tiles[i];
    for (std::int64_t c0 = 0; c0 < x.c; c0 += kc) {
      const std::int64_t k = std::min(kc, std::int64_t{x.c} - c0);
      for (std::int64_t p0 = 0; p0 < P; p0 += np) {
        const std::int64_t n = std::min(np, P - p0);
        Step s;
        slots.use(key++);
        s.loads.push_back(load(isa::Buffer::Act, slots.addr(), xr.addr + static_cast<std::uint64_t>((p0 * x.c + c0) * es), k * es, n,
                               1, x.c * es, 0));
        s.stores.push_back(store(slots.addr(), yr.addr + static_cast<std::uint64_t>((p0 * Cout + c_off + c0) * es), k * es, n, 1,
                                 Cout * es, 0));
        out.steps.push_back(std::move(s));
      }
    }
    c_off += x.c;
  }
  return out;
}

}  // namespace lutsim::fw
