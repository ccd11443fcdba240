// Lowering of Conv2D and Dense: tiling, weight blocks, parameters, steps.
//
// Output channels are cut into column blocks of cb = C channels (cb = 1 when the layer's per-channel LUTs must run
// on a machine with only a broadcast LUT). A tile is th x tw output pixels, tco column blocks and kc input
// channels; the input tile carries its halo and padding, so every window is read in place by the GEMM's address
// generator. With one group and horizontal dilation 1 the KW pixels of a kernel row are consecutive in the tile and
// one tap spans KW * kc bytes. Grouped and depthwise convolutions put several groups in one pass through the
// group mask. Tiles and the loop order (output channels outer: weights stay; pixels outer: inputs stay) are chosen
// to minimise the DRAM traffic.
#include <algorithm>
#include <limits>

#include "lower.h"
#include "lutsim/model/error.h"

namespace lutsim::fw {
namespace {

struct Need {
  std::int64_t act = 0, wgt = 0, param = 0, acc = 0;
  std::int64_t in = 0, out = 0;
  bool fields_ok = true;
};

struct Plan {
  int depth = 1;
  std::int64_t th = 1, tw = 1, kc = 1;
  int tco = 1;
  bool pixels_outer = false;
  double cost = std::numeric_limits<double>::infinity();
};

class ConvLowering {
 public:
  ConvLowering(const LowerCtx& cx, const Layer& l) : cx_(cx), l_(l), p_(l.conv) {
    const ValueInfo& x = cx.net.value(l.inputs[0]);
    const ValueInfo& y = cx.net.value(l.output);
    H_ = x.h; W_ = x.w; Cin_ = x.c;
    OH_ = y.h; OW_ = y.w; O_ = y.c;
    KH_ = static_cast<int>(p_.weights.dim(1));
    KW_ = static_cast<int>(p_.weights.dim(2));
    G_ = p_.groups;
    I_ = Cin_ / G_;
    Og_ = O_ / G_;
    in_signed_ = x.dtype == DType::S8;
    s32_ = y.dtype == DType::S32;
    esize_ = s32_ ? 4 : 1;
    const Window& w = p_.win;
    merge_ = G_ == 1 && w.dw == 1;
    R_ = cx.R();
    C_ = cx.C();
    bits_ = p_.weight_bits;
    const HwConfig& hw = cx.hw;
    cb_ = C_;
    if (bits_ == 8) {
      mode_ = isa::WeightMode::Raw;
    } else if (p_.lut_mode == LutMode::PerLayer) {
      mode_ = hw.lut_per_layer ? isa::WeightMode::PerLayer : isa::WeightMode::PerChannel;  // replicated LUT
    } else if (hw.lut_per_channel) {
      mode_ = isa::WeightMode::PerChannel;
    } else {
      mode_ = isa::WeightMode::PerLayer;  // one output channel per pass, its LUT broadcast
      cb_ = 1;
    }
    lut_bytes_ = mode_ == isa::WeightMode::PerChannel ? std::int64_t{C_} << bits_
                 : mode_ == isa::WeightMode::PerLayer ? std::int64_t{1} << bits_
                                                      : 0;
    shift_pc_ = !s32_ && p_.per_channel_shift();
    param_block_ = lut_bytes_ + 4 * std::int64_t{C_} + (shift_pc_ ? C_ : 0);
    wrow_ = ceil_div(std::int64_t{C_} * (bits_ == 8 ? 8 : bits_), 8);
    wblk_ = R_ * wrow_;
    nb_ = static_cast<int>(ceil_div(O_, cb_));
    crange_ = 0;
    for (int j = 0; j < nb_; ++j) crange_ = std::max(crange_, block_hi(j) - block_lo(j));
    range_sum_ = 0;
    for (int j = 0; j < nb_; ++j) range_sum_ += block_hi(j) - block_lo(j);
  }

  Lowered run() {
    const Plan plan = choose();
    return generate(plan);
  }

 private:
  // Output channels of column block j: [co0(j), co0(j) + ncols(j)).
  std::int64_t co0(int j) const { return std::int64_t{j} * cb_; }
  std::int64_t ncols(int j) const { return std::min<std::int64_t>(cb_, O_ - co0(j)); }
  // Input channels column block j reads: its groups' channels.
  std::int64_t block_lo(int j) const { return G_ == 1 ? 0 : (co0(j) / Og_) * I_; }
  std::int64_t block_hi(int j) const { return G_ == 1 ? Cin_ : ((co0(j) + ncols(j) - 1) / Og_ + 1) * I_; }

  std::int64_t span(std::int64_t kc) const { return merge_ ? KW_ * kc : kc; }
  int taps_x() const { return merge_ ? 1 : KW_; }
  std::int64_t nblk(std::int64_t kc) const { return std::int64_t{KH_} * taps_x() * ceil_div(span(kc), R_); }
  std::int64_t rows_in(std::int64_t th) const { return (th - 1) * p_.win.sh + std::int64_t{KH_ - 1} * p_.win.dh + 1; }
  std::int64_t cols_in(std::int64_t tw) const { return (tw - 1) * p_.win.sw + std::int64_t{KW_ - 1} * p_.win.dw + 1; }

  Need need(std::int64_t th, std::int64_t tw, std::int64_t kc, int tco, int depth) const {
    Need n;
    n.in = rows_in(th) * cols_in(tw) * kc;
    n.out = th * tw * std::min<std::int64_t>(std::int64_t{tco} * cb_, O_) * esize_;
    n.act = depth * (n.in + n.out);
    n.wgt = depth * tco * nblk(kc) * wblk_;
    n.param = depth * tco * param_block_;
    n.acc = th * tw * tco;
    n.fields_ok = rows_in(th) <= isa::kMax16 && cols_in(tw) <= isa::kMax16 && th * tw <= isa::kMax24;
    return n;
  }
  bool fits(const Need& n) const {
    const HwConfig& hw = cx_.hw;
    return n.fields_ok && n.act <= hw.act_sram_bytes && n.wgt <= hw.weight_sram_bytes &&
           n.param <= hw.param_sram_bytes && n.acc <= cx_.acc_entries();
  }

  double cost(std::int64_t th, std::int64_t tw, std::int64_t kc, int tco, bool* pixels_outer) const {
    const double n_sp = double(ceil_div(OH_, th)) * double(ceil_div(OW_, tw));
    const double n_ci = double(ceil_div(crange_, kc));
    const double in_tile = double(rows_in(th)) * double(cols_in(tw));
    const double w_all = double(nb_) * n_ci * double(nblk(kc)) * double(wblk_);
    double traffic, steps;
    if (G_ == 1) {
      const double n_co = double(ceil_div(nb_, tco));
      const double in_all = n_sp * in_tile * double(Cin_);
      const double a = (n_ci == 1 ? w_all : w_all * n_sp) + (n_sp == 1 && n_ci == 1 ? in_all : in_all * n_co);
      const double b = (n_ci == 1 ? in_all : in_all * n_co) + (n_co == 1 && n_ci == 1 ? w_all : w_all * n_sp);
      *pixels_outer = b < a;
      traffic = std::min(a, b);
      steps = n_co * n_sp * n_ci;
    } else {
      *pixels_outer = false;
      traffic = (n_ci == 1 ? w_all : w_all * n_sp) + n_sp * in_tile * double(range_sum_);
      steps = double(nb_) * n_sp * n_ci;
    }
    return traffic + steps * 1024.0;  // a step costs about as much as moving 1 KiB (setup, pipeline fill)
  }

  static std::vector<std::int64_t> halvings(std::int64_t top, std::int64_t align) {
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

  Plan choose() const {
    std::int64_t kc_top = std::min<std::int64_t>(crange_, isa::kMax16);
    kc_top = std::min<std::int64_t>(kc_top, isa::kMax20 / (merge_ ? KW_ : 1));
    const auto kcs = halvings(kc_top, R_);
    const auto tws = halvings(std::min<std::int64_t>(OW_, isa::kMax16), 1);
    const auto tcos = G_ == 1 ? halvings(nb_, 1) : std::vector<std::int64_t>{1};
    for (int depth : cx_.depths()) {
      Plan best;
      for (std::int64_t kc : kcs)
        for (std::int64_t tco : tcos)
          for (std::int64_t tw : tws) {
            if (!fits(need(1, tw, kc, static_cast<int>(tco), depth))) continue;
            std::int64_t lo = 1, hi = std::min<std::int64_t>(OH_, isa::kMax16);
            while (lo < hi) {  // the largest th that fits
              const std::int64_t mid = (lo + hi + 1) / 2;
              if (fits(need(mid, tw, kc, static_cast<int>(tco), depth))) lo = mid;
              else hi = mid - 1;
            }
            bool pixels_outer = false;
            const double c = cost(lo, tw, kc, static_cast<int>(tco), &pixels_outer);
            if (c < best.cost) best = Plan{depth, lo, tw, kc, static_cast<int>(tco), pixels_outer, c};
          }
      if (best.cost < std::numeric_limits<double>::infinity()) return best;
    }
    const Need n = need(1, 1, 1, 1, 1);
    const std::string tile = "1x1 output pixel, " + std::to_string(std::min<std::int64_t>(cb_, O_)) +
                             " output channels, 1 input channel, single-buffered";
    const HwConfig& hw = cx_.hw;
    if (n.act > hw.act_sram_bytes) sram_too_small(l_, "activation", hw.act_sram_bytes, n.act, tile);
    if (n.wgt > hw.weight_sram_bytes) sram_too_small(l_, "weight", hw.weight_sram_bytes, n.wgt, tile);
    if (n.param > hw.param_sram_bytes) sram_too_small(l_, "parameter", hw.param_sram_bytes, n.param, tile);
    if (n.acc > cx_.acc_entries())
      sram_too_small(l_, "accumulator", hw.acc_sram_bytes, n.acc * 4 * C_, tile);
    throw Error("layer '" + l_.name + "': no tiling fits the ISA's field ranges");
  }

  // The weight blocks of column block j for input channels [c0, c1): nblk(c1 - c0) blocks of wblk_ bytes.
  void pack_weights(int j, std::int64_t c0, std::int64_t c1, std::uint8_t* dst) const {
    const std::int64_t kc = c1 - c0, sp = span(kc), nch = ceil_div(sp, R_);
    const int b = bits_ == 8 ? 8 : bits_;
    const std::uint8_t* codes = bits_ == 8 ? reinterpret_cast<const std::uint8_t*>(p_.weights.data<std::int8_t>())
                                           : p_.weights.data<std::uint8_t>();
    const int tx_n = taps_x();
    for (int ty = 0; ty < KH_; ++ty)
      for (int tx = 0; tx < tx_n; ++tx)
        for (std::int64_t k = 0; k < nch; ++k) {
          std::uint8_t* blk = dst + ((std::int64_t{ty} * tx_n + tx) * nch + k) * wblk_;
          for (std::int64_t r = 0; r < R_; ++r) {
            const std::int64_t jdx = k * R_ + r;
            if (jdx >= sp) break;
            const std::int64_t kw = merge_ ? jdx / kc : tx;
            const std::int64_t ci = c0 + (merge_ ? jdx % kc : jdx);
            std::uint8_t* row = blk + r * wrow_;
            for (std::int64_t c = 0; c < ncols(j); ++c) {
              const std::int64_t o = co0(j) + c, g = o / Og_;
              if (G_ > 1 && ci / I_ != g) continue;  // masked by the group mask
              const std::uint32_t code = codes[((o * KH_ + ty) * KW_ + kw) * I_ + (ci - g * I_)];
              const std::int64_t bit = c * b;
              row[bit / 8] = static_cast<std::uint8_t>(row[bit / 8] | (code << (bit % 8)));
              if (bit % 8 + b > 8) row[bit / 8 + 1] = static_cast<std::uint8_t>(row[bit / 8 + 1] | (code >> (8 - bit % 8)));
            }
          }
        }
  }

  // The parameter block of column block j: LUT(s), biases, per-channel shifts.
  void pack_params(int j, std::uint8_t* dst) const {
    const std::int8_t* lut = bits_ == 8 ? nullptr : p_.lut.data<std::int8_t>();
    const std::int64_t n = std::int64_t{1} << (bits_ == 8 ? 0 : bits_);
    auto lut_row = [&](std::int64_t o) { return lut + (p_.lut_mode == LutMode::PerChannel ? o : 0) * n; };
    if (mode_ == isa::WeightMode::PerChannel) {
      for (std::int64_t c = 0; c < ncols(j); ++c)
        for (std::int64_t e = 0; e < n; ++e) dst[c * n + e] = static_cast<std::uint8_t>(lut_row(co0(j) + c)[e]);
    } else if (mode_ == isa::WeightMode::PerLayer) {
      for (std::int64_t e = 0; e < n; ++e) dst[e] = static_cast<std::uint8_t>(lut_row(co0(j))[e]);
    }
    std::uint8_t* bias = dst + lut_bytes_;
    const std::int32_t* bv = p_.bias.data<std::int32_t>();
    for (std::int64_t c = 0; c < ncols(j); ++c) {
      const auto u = static_cast<std::uint32_t>(bv[co0(j) + c]);
      for (int k = 0; k < 4; ++k) bias[4 * c + k] = static_cast<std::uint8_t>(u >> (8 * k));
    }
    if (shift_pc_) {
      std::uint8_t* sh = bias + 4 * C_;
      for (std::int64_t c = 0; c < ncols(j); ++c) sh[c] = static_cast<std::uint8_t>(p_.shift.get(co0(j) + c));
    }
  }

  Lowered generate(const Plan& pl) {
    Lowered out;
    out.depth = pl.depth;
    const Need mx = need(pl.th, pl.tw, pl.kc, pl.tco, 1);
    Slots in_slots(0, mx.in, pl.depth), out_slots(pl.depth * mx.in, mx.out, pl.depth);
    Slots w_slots(0, pl.tco * nblk(pl.kc) * wblk_, pl.depth), p_slots(0, pl.tco * param_block_, pl.depth);
    const std::int64_t acc_blk = pl.th * pl.tw;

    // Column tiles, input-channel tiles per column tile, their weights and parameters in DRAM.
    struct CoTile {
      int j0, nblocks;
      std::vector<std::pair<std::int64_t, std::int64_t>> ci;  // input channel tiles [c0, c1)
      std::vector<std::uint64_t> w_dram;                      // per ci tile
      std::vector<std::int64_t> w_bytes;
      std::uint64_t p_dram = 0;
    };
    std::vector<CoTile> cts;
    for (int j0 = 0; j0 < nb_; j0 += pl.tco) {
      CoTile ct;
      ct.j0 = j0;
      ct.nblocks = std::min(pl.tco, nb_ - j0);
      const std::int64_t lo = block_lo(j0), hi = block_hi(j0);
      for (std::int64_t c0 = lo; c0 < hi; c0 += pl.kc) ct.ci.emplace_back(c0, std::min(hi, c0 + pl.kc));
      for (const auto& [c0, c1] : ct.ci) {
        const std::int64_t per = nblk(c1 - c0) * wblk_;
        const std::uint64_t at = cx_.params.alloc(static_cast<std::uint64_t>(per * ct.nblocks));
        for (int jj = 0; jj < ct.nblocks; ++jj) pack_weights(j0 + jj, c0, c1, cx_.params.at(at) + per * jj);
        ct.w_dram.push_back(at);
        ct.w_bytes.push_back(per * ct.nblocks);
      }
      ct.p_dram = cx_.params.alloc(static_cast<std::uint64_t>(param_block_ * ct.nblocks));
      for (int jj = 0; jj < ct.nblocks; ++jj) pack_params(j0 + jj, cx_.params.at(ct.p_dram) + param_block_ * jj);
      cts.push_back(std::move(ct));
    }
    struct SpTile { std::int64_t oy0, th, ox0, tw; };
    std::vector<SpTile> sps;
    for (std::int64_t oy0 = 0; oy0 < OH_; oy0 += pl.th)
      for (std::int64_t ox0 = 0; ox0 < OW_; ox0 += pl.tw)
        sps.push_back({oy0, std::min(pl.th, OH_ - oy0), ox0, std::min(pl.tw, OW_ - ox0)});

    const ValueRegion& xr = cx_.values[static_cast<std::size_t>(l_.inputs[0])];
    const ValueRegion& yr = cx_.values[static_cast<std::size_t>(l_.output)];
    const std::int64_t max_ci = ceil_div(crange_, pl.kc);
    const std::int64_t n_sp = static_cast<std::int64_t>(sps.size());

    auto step = [&](std::size_t cti, std::size_t spi, std::size_t t) {
      const CoTile& ct = cts[cti];
      const SpTile& sp = sps[spi];
      const auto [c0, c1] = ct.ci[t];
      const std::int64_t kc = c1 - c0;
      Step s;
      const Span1D sy = input_span(sp.oy0, sp.th, p_.win.sh, KH_, p_.win.dh, p_.win.pad_top, H_);
      const Span1D sx = input_span(sp.ox0, sp.tw, p_.win.sw, KW_, p_.win.dw, p_.win.pad_left, W_);
      const std::int64_t in_key = G_ == 1 ? static_cast<std::int64_t>(spi) * max_ci + static_cast<std::int64_t>(t)
                                          : (static_cast<std::int64_t>(cti) * n_sp + static_cast<std::int64_t>(spi)) * max_ci +
                                                static_cast<std::int64_t>(t);
      if (in_slots.use(in_key))
        s.loads.push_back(load_padded(in_slots.addr(), xr.addr + static_cast<std::uint64_t>((sy.real_first * W_ + sx.real_first) * Cin_ + c0),
                                      kc, sx.real, sy.real, Cin_, std::int64_t{W_} * Cin_, sy.pad_lo, sy.pad_hi, sx.pad_lo,
                                      sx.pad_hi, 0));
      if (w_slots.use(static_cast<std::int64_t>(cti) * max_ci + static_cast<std::int64_t>(t)))
        load_linear(s.loads, isa::Buffer::Wgt, w_slots.addr(), ct.w_dram[t], ct.w_bytes[t]);
      if (p_slots.use(static_cast<std::int64_t>(cti)))
        load_linear(s.loads, isa::Buffer::Param, p_slots.addr(), ct.p_dram, param_block_ * ct.nblocks);

      for (int jj = 0; jj < ct.nblocks; ++jj) {
        const int j = ct.j0 + jj;
        isa::Wcfg w;
        w.mode = static_cast<std::int64_t>(mode_);
        w.bits = bits_;
        w.lut_addr = p_slots.addr() + jj * param_block_;
        if (G_ > 1) {
          w.in_group = I_;
          w.out_group = Og_;
          w.out_offset = co0(j);
        }
        s.compute.push_back(insn(w));
        isa::Gemm g;
        g.accumulate = t > 0;
        g.act_signed = in_signed_;
        g.n_cols = ncols(j);
        g.act_addr = in_slots.addr();
        g.pix_stride = kc;
        g.row_stride = sx.size * kc;
        g.stride_y = p_.win.sh;
        g.stride_x = p_.win.sw;
        g.dil_y = p_.win.dh;
        g.dil_x = p_.win.dw;
        g.out_h = sp.th;
        g.out_w = sp.tw;
        g.taps_y = KH_;
        g.taps_x = taps_x();
        g.span = span(kc);
        g.acc_addr = jj * acc_blk;
        g.wgt_addr = w_slots.addr() + jj * nblk(kc) * wblk_;
        g.in_offset = G_ > 1 ? c0 : 0;
        s.compute.push_back(insn(g));
      }
      if (t + 1 == ct.ci.size()) {
        out_slots.next();
        s.first_out_writer = static_cast<int>(s.compute.size());
        const std::int64_t cout = std::min<std::int64_t>(std::int64_t{ct.nblocks} * cb_, O_ - co0(ct.j0));
        for (int jj = 0; jj < ct.nblocks; ++jj) {
          const int j = ct.j0 + jj;
          isa::Ppu pp;
          pp.out_s32 = s32_;
          pp.bias_en = 1;
          pp.wrap_en = 1;
          pp.shift_per_channel = shift_pc_;
          pp.shift_imm = (!s32_ && !shift_pc_) ? p_.shift.get(0) : 0;
          pp.n_cols = ncols(j);
          pp.acc_addr = jj * acc_blk;
          pp.n_pix = sp.th * sp.tw;
          pp.out_addr = out_slots.addr() + jj * cb_ * esize_;
          pp.out_stride = cout * esize_;
          pp.bias_addr = p_slots.addr() + jj * param_block_ + lut_bytes_;
          pp.shift_addr = pp.bias_addr + 4 * C_;
          pp.act_min = s32_ ? 0 : p_.clamp.act_min;
          pp.act_max = s32_ ? 0 : p_.clamp.act_max;
          s.compute.push_back(insn(pp));
        }
        s.stores.push_back(store(out_slots.addr(), yr.addr + static_cast<std::uint64_t>(((sp.oy0 * OW_ + sp.ox0) * O_ + co0(ct.j0)) * esize_),
                                 cout * esize_, sp.tw, sp.th, std::int64_t{O_} * esize_, std::int64_t{OW_} * O_ * esize_));
      }
      out.steps.push_back(std::move(s));
    };

    if (pl.pixels_outer) {
      for (std::size_t spi = 0; spi < sps.size(); ++spi)
        for (std::size_t cti = 0; cti < cts.size(); ++cti)
          for (std::size_t t = 0; t < cts[cti].ci.size(); ++t) step(cti, spi, t);
    } else {
      for (std::size_t cti = 0; cti < cts.size(); ++cti)
        for (std::size_t spi = 0; spi < sps.size(); ++spi)
          for (std::size_t t = 0; t < cts[cti].ci.size(); ++t) step(cti, spi, t);
    }
    return out;
  }

  const LowerCtx& cx_;
  const Layer& l_;
  const ConvParams& p_;
  int H_, W_, Cin_, OH_, OW_, O_, KH_, KW_, G_, I_, Og_;
  bool in_signed_, s32_, merge_, shift_pc_;
  int esize_, R_, C_, bits_, cb_, nb_;
  isa::WeightMode mode_ = isa::WeightMode::Raw;
  std::int64_t lut_bytes_, param_block_, wrow_, wblk_, crange_, range_sum_;
};

}  // namespace

Lowered lower_conv(const LowerCtx& cx, const Layer& l) { return ConvLowering(cx, l).run(); }

}  // namespace lutsim::fw
