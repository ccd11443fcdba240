// Reference kernels: the arithmetic contract in code (docs/arithmetic.md).
// Plain loops in output order; every sum is exact in 64 bits and goes through wrap / rshift_round / clamp from
// arith.h exactly once. No blocking, no vectorisation, no threads: these kernels are the yardstick.
#include <cstring>
#include <limits>

#include "lutsim/model/arith.h"
#include "lutsim/model/kernels.h"

namespace lutsim {
namespace {

// Index of element (n, h, w, c) in an NHWC tensor.
inline std::int64_t nhwc(const Tensor& t, std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c) {
  return ((n * t.dim(1) + h) * t.dim(2) + w) * t.dim(3) + c;
}

// Writes v, clamped to [c.act_min, c.act_max], and counts the clamps.
inline void store_clamped(Tensor& out, std::int64_t idx, std::int64_t v, const Clamp& c, LayerStats& st) {
  if (v < c.act_min) ++st.clamped_low;
  if (v > c.act_max) ++st.clamped_high;
  out.set(idx, clamp(v, c.act_min, c.act_max));
}

class ConvRef final : public LayerKernel {
 public:
  ConvRef(const ConvParams& p, const ArithConfig& cfg) : p_(p), cfg_(cfg) {}

  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    const Tensor& x = *ins[0];
    const Window& w = p_.win;
    const std::int64_t N = out.dim(0), OH = out.dim(1), OW = out.dim(2), O = out.dim(3);
    const std::int64_t H = x.dim(1), W = x.dim(2);
    const std::int64_t KH = p_.weights.dim(1), KW = p_.weights.dim(2), I = p_.weights.dim(3);
    const std::int64_t o_per_group = O / p_.groups;
    const bool raw_out = out.dtype() == DType::S32;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow)
          for (std::int64_t o = 0; o < O; ++o) {
            const std::int64_t g = o / o_per_group;
            std::int64_t sum = p_.bias.data<std::int32_t>()[o];
            for (std::int64_t kh = 0; kh < KH; ++kh)
              for (std::int64_t kw = 0; kw < KW; ++kw)
                for (std::int64_t i = 0; i < I; ++i) {
                  const std::int64_t ih = oh * w.sh + kh * w.dh - w.pad_top;
                  const std::int64_t iw = ow * w.sw + kw * w.dw - w.pad_left;
                  const std::int64_t xv = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x.get(nhwc(x, n, ih, iw, g * I + i)) : 0;
                  sum += std::int64_t{p_.weight(static_cast<int>(o), (kh * KW + kw) * I + i)} * xv;
                }
            st.macs += KH * KW * I;
            ++st.outputs;
            if (!fits_bits(sum, cfg_.acc_bits)) ++st.wraps;
            const std::int64_t acc = wrap(sum, cfg_.acc_bits);
            const std::int64_t idx = nhwc(out, n, oh, ow, o);
            if (raw_out) {
              out.set(idx, acc);
            } else {
              const int s = static_cast<int>(p_.shift.get(p_.per_channel_shift() ? o : 0));
              store_clamped(out, idx, rshift_round(acc, s, cfg_.rounding), p_.clamp, st);
            }
          }
  }

 private:
  const ConvParams& p_;
  ArithConfig cfg_;
};

// MaxPool, AvgPool and GlobalAvgPool.
class PoolRef final : public LayerKernel {
 public:
  PoolRef(OpKind op, const PoolParams& p, const ArithConfig& cfg) : op_(op), p_(p), cfg_(cfg) {}

  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    const Tensor& x = *ins[0];
    const std::int64_t N = out.dim(0), OH = out.dim(1), OW = out.dim(2), C = out.dim(3);
    const std::int64_t H = x.dim(1), W = x.dim(2);
    Window w = p_.win;
    if (op_ == OpKind::GlobalAvgPool) w = Window{.kh = static_cast<int>(H), .kw = static_cast<int>(W)};
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow)
          for (std::int64_t c = 0; c < C; ++c) {
            std::int64_t sum = 0;
            std::int64_t mx = std::numeric_limits<std::int64_t>::min();
            for (std::int64_t kh = 0; kh < w.kh; ++kh)
              for (std::int64_t kw = 0; kw < w.kw; ++kw) {
                const std::int64_t ih = oh * w.sh + kh * w.dh - w.pad_top;
                const std::int64_t iw = ow * w.sw + kw * w.dw - w.pad_left;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // pad: ignored by max, 0 in the sum
                const std::int64_t v = x.get(nhwc(x, n, ih, iw, c));
                sum += v;
                if (v > mx) mx = v;
              }
            ++st.outputs;
            const std::int64_t idx = nhwc(out, n, oh, ow, c);
            if (op_ == OpKind::MaxPool)
              out.set(idx, mx);
            else
              store_clamped(out, idx, rshift_round(sum, p_.shift, cfg_.rounding), p_.clamp, st);
          }
  }

 private:
  OpKind op_;
  const PoolParams& p_;
  ArithConfig cfg_;
};

class AddRef final : public LayerKernel {
 public:
  AddRef(const AddParams& p, const ArithConfig& cfg) : p_(p), cfg_(cfg) {}

  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    const Tensor& a = *ins[0];
    const Tensor& b = *ins[1];
    for (std::int64_t i = 0; i < out.numel(); ++i) {
      const std::int64_t v = (a.get(i) << p_.la) + (b.get(i) << p_.lb);
      ++st.outputs;
      store_clamped(out, i, rshift_round(v, p_.shift, cfg_.rounding), p_.clamp, st);
    }
  }

 private:
  const AddParams& p_;
  ArithConfig cfg_;
};

class ConcatRef final : public LayerKernel {
 public:
  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    const std::int64_t pixels = out.dim(0) * out.dim(1) * out.dim(2);
    const std::int64_t C = out.dim(3);
    for (std::int64_t px = 0; px < pixels; ++px) {
      std::int64_t c0 = 0;
      for (const Tensor* t : ins) {
        const std::int64_t ci = t->dim(3);
        for (std::int64_t c = 0; c < ci; ++c) out.set(px * C + c0 + c, t->get(px * ci + c));
        c0 += ci;
      }
    }
    st.outputs += out.numel();
  }
};

class ReshapeRef final : public LayerKernel {
 public:
  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    std::memcpy(out.raw(), ins[0]->raw(), out.nbytes());  // NHWC element order is kept
    st.outputs += out.numel();
  }
};

}  // namespace

std::unique_ptr<LayerKernel> make_reference_kernel(const Network&, const Layer& l, const ArithConfig& cfg) {
  switch (l.op) {
    case OpKind::Conv2D:
    case OpKind::Dense: return std::make_unique<ConvRef>(l.conv, cfg);
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool: return std::make_unique<PoolRef>(l.op, l.pool, cfg);
    case OpKind::Add: return std::make_unique<AddRef>(l.add, cfg);
    case OpKind::Concat: return std::make_unique<ConcatRef>();
    case OpKind::Reshape: return std::make_unique<ReshapeRef>();
  }
  throw Error("layer '" + l.name + "': no reference kernel for this op");
}

}  // namespace lutsim
