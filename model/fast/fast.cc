// Fast kernels: the front end. Convolutions are decoded, bounded, planned and packed here once, at
// construction; run() prepares the input and calls a back end (conv_portable.cc, conv_avx512.cc). Pools, add,
// concat and reshape are typed loops over channels, vectorisable by the compiler, with the contract's
// arithmetic from arith.h per output.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "fast_internal.h"
#include "lutsim/kernels/cpu.h"
#include "lutsim/kernels/requant.h"
#include "lutsim/model/fast_kernels.h"

namespace lutsim {

namespace fast {

kernels::VnniGemm vnni_gemm(const GemmPlan& p, const std::uint8_t* x, std::int64_t N) {
  kernels::VnniGemm v;
  const std::int64_t hw = p.g.pixels_per_image();
  v.act = x;
  v.act_batch = p.g.I;
  v.P = N * hw;
  if (N == 1) {
    v.pix = p.pix1.data();
  } else {
    thread_local std::vector<std::int64_t> pix;
    pix.resize(static_cast<std::size_t>(v.P));
    const std::int64_t image = std::int64_t{p.g.Hp} * p.g.Wp * p.g.C;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t r = 0; r < hw; ++r)
        pix[static_cast<std::size_t>(n * hw + r)] = n * image + p.pix1[static_cast<std::size_t>(r)];
    v.pix = pix.data();
  }
  v.qoff = p.qoff.data();
  v.K = static_cast<int>(p.qoff.size());
  v.w = p.w8.data();
  v.w_batch = std::int64_t{p.OB} * v.K * 64;
  v.wsum128 = p.comp.data();
  v.ngroups = p.OB;
  v.batches = p.g.G;
  v.code = p.s8_input ? kernels::ActCode::S8Biased : kernels::ActCode::U8;
  return v;
}

#if !defined(LUTSIM_HAVE_AVX512)
// Never called: kernels::have_avx512_vnni() is false on targets built without the AVX-512 kernels.
void gemm_avx512_vnni(const GemmPlan&, const std::uint8_t*, std::int64_t, void*, int, Counts&) {
  throw Error("AVX-512 VNNI back end not built for this target");
}
void depthwise_avx512(const DwPlan&, const std::uint8_t*, std::int64_t, void*, int, Counts&) {
  throw Error("AVX-512 VNNI back end not built for this target");
}
#endif

}  // namespace fast

std::string_view fast_isa_name(FastIsa isa) {
  switch (isa) {
    case FastIsa::Auto: return "auto";
    case FastIsa::Portable: return "portable";
    case FastIsa::Avx512Vnni: return "avx512_vnni";
  }
  return "?";
}

bool fast_isa_available(FastIsa isa) {
  return isa != FastIsa::Avx512Vnni || kernels::have_avx512_vnni();
}

namespace {

using fast::AlignedArray;
using fast::ConvGeom;
using fast::Counts;
using fast::Post;
using kernels::Requant32;

FastIsa resolve_isa(FastIsa isa, const Layer& l) {
  if (isa == FastIsa::Auto) {
    const char* env = std::getenv("LUTSIM_FAST_ISA");
    if (env && std::string_view(env) == "portable") return FastIsa::Portable;
    return kernels::have_avx512_vnni() ? FastIsa::Avx512Vnni : FastIsa::Portable;
  }
  if (isa == FastIsa::Avx512Vnni && !kernels::have_avx512_vnni())
    throw Error("layer '" + l.name + "': fast kernels: this CPU lacks AVX-512 VNNI (avx512f, avx512bw, avx512vl, "
                "avx512vnni); use the portable kernels");
  return isa;
}

// The threads a run of `work` units may use (see kDefaultMinParallelWork).
int threads_for(std::int64_t work, int threads, std::int64_t min_parallel_work) {
  return work >= min_parallel_work ? threads : 1;
}

void add_counts(LayerStats& st, const Counts& c) {
  st.wraps += c.wraps;
  st.clamped_low += c.low;
  st.clamped_high += c.high;
}

// ---------------------------------------------------------------------------------------------------------
// Convolution and dense.

// The VNNI form of a GEMM plan (a kernels::VnniGemm, see fast_internal.h): the decoded weights w ([O][K]) packed
// as w8 [G][OB][T][L/4][16 lanes][4 bytes], 0 in the padding and in unused slots (channel_of_slot(s) < 0); for an
// s8 input 128 * each slot's weight sum; each quad's offset; one image's pixel offsets.
template <class F>
void pack_vnni(fast::GemmPlan& q, const std::vector<std::int8_t>& w, std::int64_t K, std::size_t slots,
               F channel_of_slot) {
  const std::int64_t T = q.T, L = q.L;
  // Weight of slot s at K index k of the padded layout (tap t = k / L, byte k % L), 0 in the padding.
  auto weight_at = [&](std::size_t s, std::int64_t t, std::int64_t k) -> std::int8_t {
    const int o = channel_of_slot(s);
    if (o < 0 || k >= q.len) return 0;
    return w[static_cast<std::size_t>(o * K + t * q.len + k)];
  };
  q.w8.resize(slots * static_cast<std::size_t>(T * L));
  q.comp.resize(slots);
  for (std::size_t blk = 0; blk < slots / 16; ++blk)
    for (std::int64_t t = 0; t < T; ++t)
      for (std::int64_t k = 0; k < L; ++k)
        for (std::size_t lane = 0; lane < 16; ++lane) {
          const std::int8_t v = weight_at(blk * 16 + lane, t, k);
          const std::int64_t idx = ((static_cast<std::int64_t>(blk) * T + t) * (L / 4) + k / 4) * 64 +
                                   static_cast<std::int64_t>(lane) * 4 + k % 4;
          q.w8[static_cast<std::size_t>(idx)] = v;
          if (q.s8_input) q.comp[blk * 16 + lane] += 128 * v;
        }
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t k = 0; k < L; k += 4) q.qoff.push_back(q.tap_off[static_cast<std::size_t>(t)] + k);
  for (std::int64_t p = 0; p < q.g.pixels_per_image(); ++p) q.pix1.push_back(q.g.base_offset(p));
}

class ConvFast final : public FastKernel {
 public:
  ConvFast(const Network& net, const Layer& l, const ArithConfig& cfg, int threads, FastIsa isa,
           std::int64_t min_parallel_work)
      : threads_(std::max(1, threads)), min_work_(min_parallel_work), vnni_(isa == FastIsa::Avx512Vnni) {
    const ConvParams& p = l.conv;
    const ValueInfo& xi = net.value(l.inputs.at(0));
    const ValueInfo& yi = net.value(l.output);
    ConvGeom& g = g_;
    g.H = xi.h; g.W = xi.w; g.C = xi.c;
    g.OH = yi.h; g.OW = yi.w; g.O = p.out_channels();
    g.G = p.groups; g.I = static_cast<int>(p.weights.dim(3)); g.Og = g.O / g.G;
    g.KH = static_cast<int>(p.weights.dim(1)); g.KW = static_cast<int>(p.weights.dim(2));
    g.sh = p.win.sh; g.sw = p.win.sw; g.dh = p.win.dh; g.dw = p.win.dw;
    g.pt = p.win.pad_top; g.pl = p.win.pad_left; g.pb = p.win.pad_bottom; g.pr = p.win.pad_right;
    g.Hp = g.H + g.pt + g.pb; g.Wp = g.W + g.pl + g.pr;
    s8_ = xi.dtype == DType::S8;
    K_ = std::int64_t{g.KH} * g.KW * g.I;

    // Decode every weight once: w[o][(kh * KW + kw) * I + i].
    std::vector<std::int8_t> w(static_cast<std::size_t>(g.O * K_));
    if (p.weight_bits == 8) {
      std::memcpy(w.data(), p.weights.data<std::int8_t>(), w.size());
    } else {
      const std::uint8_t* codes = p.weights.data<std::uint8_t>();
      const std::int8_t* lut = p.lut.data<std::int8_t>();
      const std::int64_t entries = std::int64_t{1} << p.weight_bits;
      for (std::int64_t o = 0; o < g.O; ++o) {
        const std::int8_t* row = lut + (p.lut_mode == LutMode::PerChannel ? o * entries : 0);
        for (std::int64_t k = 0; k < K_; ++k) w[static_cast<std::size_t>(o * K_ + k)] = row[codes[o * K_ + k]];
      }
    }

    // The s32 sum of products is exact when sum|w| * max|x| < 2^31 for every channel (see fast_internal.h).
    const std::int64_t max_x = s8_ ? 128 : 255;
    std::vector<std::int64_t> sum_abs(static_cast<std::size_t>(g.O), 0);
    bool s32_exact = true;
    for (std::int64_t o = 0; o < g.O; ++o) {
      for (std::int64_t k = 0; k < K_; ++k)
        sum_abs[static_cast<std::size_t>(o)] += std::abs(std::int64_t{w[static_cast<std::size_t>(o * K_ + k)]});
      s32_exact = s32_exact && sum_abs[static_cast<std::size_t>(o)] * max_x < (std::int64_t{1} << 31);
    }

    auto fill_post = [&](Post& post, std::size_t slots, auto channel_of_slot) {
      post.acc_bits = cfg.acc_bits;
      post.rounding = cfg.rounding;
      post.out = yi.dtype;
      post.act_min = p.clamp.act_min;
      post.act_max = p.clamp.act_max;
      post.bias.resize(slots);
      post.shift.resize(slots);
      std::vector<bool> used(slots, false);
      std::vector<std::int64_t> max_abs(slots, 0);
      for (std::size_t s = 0; s < slots; ++s) {
        const int o = channel_of_slot(s);
        if (o < 0) continue;
        used[s] = true;
        post.bias[s] = p.bias.data<std::int32_t>()[o];
        max_abs[s] = std::abs(std::int64_t{post.bias[s]}) + sum_abs[static_cast<std::size_t>(o)] * max_x;
        if (yi.dtype != DType::S32)
          post.shift[s] = static_cast<std::int32_t>(p.shift.get(p.per_channel_shift() ? o : 0));
      }
      fast::finish_post(post, used, max_abs);
    };
    const std::string isa_name(fast_isa_name(isa));

    if (!s32_exact) {
      path_ = Path::Exact;
      path_name_ = "exact64";
      exact_.g = g;
      exact_.s8_input = s8_;
      exact_.w = std::move(w);
      fill_post(exact_.post, static_cast<std::size_t>(g.O), [](std::size_t s) { return static_cast<int>(s); });
      return;
    }

    if (g.I == 1 && g.Og == 1) {  // depthwise: G = C = O
      path_ = Path::Depthwise;
      path_name_ = isa_name + "/depthwise";
      fast::DwPlan& d = dw_;
      d.g = g;
      d.s8_input = s8_;
      d.Cp = (g.C + 15) / 16 * 16;
      const int T = g.KH * g.KW;
      for (int kh = 0; kh < g.KH; ++kh)
        for (int kw = 0; kw < g.KW; ++kw)
          d.tap_off.push_back((std::int64_t{kh} * g.dh * g.Wp + std::int64_t{kw} * g.dw) * g.C);
      if (vnni_) {
        d.w32.resize(static_cast<std::size_t>(T) * static_cast<std::size_t>(d.Cp));
        for (int t = 0; t < T; ++t)
          for (int c = 0; c < g.C; ++c)
            d.w32[static_cast<std::size_t>(t * d.Cp + c)] =
                static_cast<std::int32_t>(static_cast<std::uint16_t>(std::int16_t{w[static_cast<std::size_t>(c * T + t)]}));
      } else {
        d.w16.resize(static_cast<std::size_t>(T) * static_cast<std::size_t>(g.C));
        for (int t = 0; t < T; ++t)
          for (int c = 0; c < g.C; ++c)
            d.w16[static_cast<std::size_t>(t * g.C + c)] = w[static_cast<std::size_t>(c * T + t)];
      }
      fill_post(d.post, static_cast<std::size_t>(d.Cp),
                [&](std::size_t s) { return s < static_cast<std::size_t>(g.C) ? static_cast<int>(s) : -1; });
      return;
    }

    path_ = Path::Gemm;
    path_name_ = isa_name + "/gemm";
    fast::GemmPlan& q = gemm_;
    q.g = g;
    q.s8_input = s8_;
    // With one group and no horizontal dilation, a kernel row's KW taps are contiguous: one tap of KW * I bytes.
    const bool merge_rows = g.G == 1 && g.dw == 1;
    q.T = merge_rows ? g.KH : g.KH * g.KW;
    q.len = merge_rows ? g.KW * g.I : g.I;
    q.L = vnni_ ? (q.len + 3) / 4 * 4 : q.len;
    for (int kh = 0; kh < g.KH; ++kh)
      for (int kw = 0; kw < (merge_rows ? 1 : g.KW); ++kw)
        q.tap_off.push_back((std::int64_t{kh} * g.dh * g.Wp + std::int64_t{kw} * g.dw) * g.C);
    q.OB = (g.Og + 15) / 16;
    const std::size_t slots = static_cast<std::size_t>(g.G) * static_cast<std::size_t>(q.OB) * 16;
    auto channel_of_slot = [&](std::size_t s) {
      const int blk = static_cast<int>(s / 16), lane = static_cast<int>(s % 16);
      const int grp = blk / q.OB, oc = (blk % q.OB) * 16 + lane;
      return oc < g.Og ? grp * g.Og + oc : -1;
    };
    fill_post(q.post, slots, channel_of_slot);
    if (vnni_) {
      pack_vnni(q, w, K_, slots, channel_of_slot);
    } else {
      // [O][T][len]: the decoded weights as s16
      q.w16.resize(w.size());
      for (std::size_t i = 0; i < w.size(); ++i) q.w16[i] = w[i];
    }
  }

  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    const Tensor& x = *ins[0];
    const std::int64_t N = out.dim(0);
    const bool to_u8 = vnni_ && path_ == Path::Gemm && s8_;
    thread_local AlignedArray<std::uint8_t> scratch;
    const std::uint8_t* xp = !to_u8 && reads_stay_inside_input() ? x.raw() : prepare(x, to_u8, scratch);
    Counts c;
    void* o = out.raw();
    const std::int64_t outputs = N * g_.OH * g_.OW * g_.O;
    const int t = threads_for(outputs * K_ / 256, threads_, min_work_);
    switch (path_) {
      case Path::Gemm:
        vnni_ ? fast::gemm_avx512_vnni(gemm_, xp, N, o, t, c) : fast::gemm_portable(gemm_, xp, N, o, t, c);
        break;
      case Path::Depthwise:
        vnni_ ? fast::depthwise_avx512(dw_, xp, N, o, t, c) : fast::depthwise_portable(dw_, xp, N, o, t, c);
        break;
      case Path::Exact:
        fast::conv_exact(exact_, xp, N, o, t, c);
        break;
    }
    st.macs += outputs * K_;
    st.outputs += outputs;
    add_counts(st, c);
  }

  std::string_view path() const override { return path_name_; }

 private:
  enum class Path { Gemm, Depthwise, Exact };

  // True when the kernels can read the input tensor itself: no padding (then Hp = H, Wp = W) and no read
  // past a tap's real bytes that could leave the tensor's allocation.
  bool reads_stay_inside_input() const {
    const ConvGeom& g = g_;
    if (g.pt || g.pl || g.pb || g.pr) return false;
    switch (path_) {
      case Path::Gemm: return gemm_.L == gemm_.len;
      case Path::Depthwise: return !vnni_ || g.C % 16 == 0;
      case Path::Exact: return true;
    }
    return false;
  }

  // Copies x into buf as [N][Hp][Wp][C] with the padding filled by the value 0 (stored as 0x80 when to_u8:
  // then every byte is x + 128), followed by kInputSlack bytes.
  const std::uint8_t* prepare(const Tensor& x, bool to_u8, AlignedArray<std::uint8_t>& buf) const {
    const ConvGeom& g = g_;
    const std::int64_t N = x.dim(0);
    const std::size_t row = static_cast<std::size_t>(g.Wp) * static_cast<std::size_t>(g.C);
    const std::size_t bytes = static_cast<std::size_t>(N * g.Hp) * row;
    buf.reserve_discard(bytes + fast::kInputSlack);
    std::uint8_t* dst = buf.data();
    const std::uint8_t pad = to_u8 ? 0x80 : 0;
    const std::uint8_t flip = to_u8 ? 0x80 : 0;
    const std::size_t left = static_cast<std::size_t>(g.pl) * static_cast<std::size_t>(g.C);
    const std::size_t inner = static_cast<std::size_t>(g.W) * static_cast<std::size_t>(g.C);
    const std::size_t right = static_cast<std::size_t>(g.pr) * static_cast<std::size_t>(g.C);
    const std::uint8_t* src = x.raw();
    for (std::int64_t n = 0; n < N; ++n)
      for (int h = 0; h < g.Hp; ++h) {
        std::uint8_t* d = dst + static_cast<std::size_t>(n * g.Hp + h) * row;
        const int ih = h - g.pt;
        if (ih < 0 || ih >= g.H) {
          std::memset(d, pad, row);
          continue;
        }
        std::memset(d, pad, left);
        const std::uint8_t* s = src + static_cast<std::size_t>(n * g.H + ih) * inner;
        if (flip) {
          for (std::size_t i = 0; i < inner; ++i) d[left + i] = static_cast<std::uint8_t>(s[i] ^ flip);
        } else {
          std::memcpy(d + left, s, inner);
        }
        std::memset(d + left + inner, pad, right);
      }
    std::memset(dst + bytes, 0, fast::kInputSlack);
    return dst;
  }

  int threads_;
  std::int64_t min_work_;
  bool vnni_;
  bool s8_ = false;
  ConvGeom g_;
  std::int64_t K_ = 0;  // weights per output channel
  Path path_ = Path::Gemm;
  std::string path_name_;
  fast::GemmPlan gemm_;
  fast::DwPlan dw_;
  fast::ExactPlan exact_;
};

// ---------------------------------------------------------------------------------------------------------
// Pools, add, concat, reshape.

struct PoolGeom {
  int H, W, C, OH, OW;
  Window w;
};

// MaxPool: the maximum over the real (non-pad) taps; validation guarantees at least one per window.
template <class T>
class MaxPoolFast final : public FastKernel {
 public:
  MaxPoolFast(PoolGeom g, int threads, std::int64_t min_work) : g_(g), threads_(threads), min_work_(min_work) {}
  std::string_view path() const override { return "maxpool"; }
  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    const T* x = ins[0]->data<T>();
    T* y = out.data<T>();
    const PoolGeom g = g_;
    const std::int64_t rows = out.dim(0) * g.OH;
    const int threads = threads_for(out.numel() * g.w.kh * g.w.kw, threads_, min_work_);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t n = r / g.OH, oh = r % g.OH;
      for (int ow = 0; ow < g.OW; ++ow) {
        const int C = g.C;  // a local: stores through o (a char type for u8) could otherwise alias g
        T* __restrict o = y + (r * g.OW + ow) * C;
        bool first = true;
        for (int kh = 0; kh < g.w.kh; ++kh) {
          const std::int64_t ih = oh * g.w.sh + kh * g.w.dh - g.w.pad_top;
          if (ih < 0 || ih >= g.H) continue;
          for (int kw = 0; kw < g.w.kw; ++kw) {
            const int iw = ow * g.w.sw + kw * g.w.dw - g.w.pad_left;
            if (iw < 0 || iw >= g.W) continue;
            const T* __restrict xp = x + ((n * g.H + ih) * g.W + iw) * g.C;
            if (first) {
              for (int c = 0; c < C; ++c) o[c] = xp[c];
              first = false;
            } else {
              for (int c = 0; c < C; ++c) o[c] = o[c] < xp[c] ? xp[c] : o[c];
            }
          }
        }
      }
    }
    st.outputs += out.numel();
  }

 private:
  PoolGeom g_;
  int threads_;
  std::int64_t min_work_;
};

// AvgPool and GlobalAvgPool: exact s32 window sums (at most 64 * 64 * 255 in magnitude), pad taps add 0.
template <class TX, class TY>
class AvgPoolFast final : public FastKernel {
 public:
  AvgPoolFast(PoolGeom g, const PoolParams& p, const ArithConfig& cfg, int threads, std::int64_t min_work)
      : g_(g), q_(p.shift, p.clamp.act_min, p.clamp.act_max), rounding_(cfg.rounding), threads_(threads),
        min_work_(min_work) {}
  std::string_view path() const override { return "avgpool"; }
  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    Counts total;
    kernels::with_requant(rounding_, q_, [&]<Rounding R, bool kLeft>() { run_t<R, kLeft>(*ins[0], out, total); });
    st.outputs += out.numel();
    st.clamped_low += total.low;
    st.clamped_high += total.high;
  }

 private:
  template <Rounding R, bool kLeft>
  void run_t(const Tensor& xt, Tensor& out, Counts& total) const {
    const TX* x = xt.data<TX>();
    TY* y = out.data<TY>();
    const PoolGeom g = g_;
    const std::int64_t rows = out.dim(0) * g.OH;
    const int threads = threads_for(out.numel() * g.w.kh * g.w.kw, threads_, min_work_);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      Counts cnt;
      std::vector<std::int32_t> sum(static_cast<std::size_t>(g.C));
#pragma omp for schedule(static)
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t n = r / g.OH, oh = r % g.OH;
        for (int ow = 0; ow < g.OW; ++ow) {
          const int C = g.C;
          std::int32_t* __restrict s = sum.data();
          for (int c = 0; c < C; ++c) s[c] = 0;
          for (int kh = 0; kh < g.w.kh; ++kh) {
            const std::int64_t ih = oh * g.w.sh + kh * g.w.dh - g.w.pad_top;
            if (ih < 0 || ih >= g.H) continue;
            for (int kw = 0; kw < g.w.kw; ++kw) {
              const int iw = ow * g.w.sw + kw * g.w.dw - g.w.pad_left;
              if (iw < 0 || iw >= g.W) continue;
              const TX* __restrict xp = x + ((n * g.H + ih) * g.W + iw) * g.C;
              for (int c = 0; c < C; ++c) s[c] += xp[c];
            }
          }
          kernels::requant_row<R, kLeft>(s, C, q_, y + (r * g.OW + ow) * C, cnt.low, cnt.high);
        }
      }
#pragma omp critical
      total += cnt;
    }
  }

  PoolGeom g_;
  Requant32 q_;
  Rounding rounding_;
  int threads_;
  std::int64_t min_work_;
};

// Add: (a << la) + (b << lb) is exact in 32 bits (|.| < 2^24), then rshift_round and clamp.
template <class TA, class TB, class TY>
class AddFast final : public FastKernel {
 public:
  AddFast(const AddParams& p, const ArithConfig& cfg, int threads, std::int64_t min_work)
      : la_(p.la), lb_(p.lb), q_(p.shift, p.clamp.act_min, p.clamp.act_max), rounding_(cfg.rounding), threads_(threads),
        min_work_(min_work) {}
  std::string_view path() const override { return "add"; }
  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    Counts total;
    kernels::with_requant(rounding_, q_, [&]<Rounding R, bool kLeft>() { run_t<R, kLeft>(*ins[0], *ins[1], out, total); });
    st.outputs += out.numel();
    st.clamped_low += total.low;
    st.clamped_high += total.high;
  }

 private:
  template <Rounding R, bool kLeft>
  void run_t(const Tensor& at, const Tensor& bt, Tensor& out, Counts& total) const {
    const TA* a = at.data<TA>();
    const TB* b = bt.data<TB>();
    TY* y = out.data<TY>();
    const std::int64_t n = out.numel();
    constexpr std::int64_t kBlock = 1024;
    const std::int64_t blocks = (n + kBlock - 1) / kBlock;
    const int la = la_, lb = lb_;
    const int threads = threads_for(n, threads_, min_work_);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      Counts cnt;
      std::int32_t v[kBlock];
#pragma omp for schedule(static)
      for (std::int64_t bi = 0; bi < blocks; ++bi) {
        const std::int64_t i0 = bi * kBlock, m = std::min(kBlock, n - i0);
        const TA* __restrict pa = a + i0;
        const TB* __restrict pb = b + i0;
        for (std::int64_t i = 0; i < m; ++i) v[i] = (std::int32_t{pa[i]} << la) + (std::int32_t{pb[i]} << lb);
        kernels::requant_row<R, kLeft>(v, m, q_, y + i0, cnt.low, cnt.high);
      }
#pragma omp critical
      total += cnt;
    }
  }

  int la_, lb_;
  Requant32 q_;
  Rounding rounding_;
  int threads_;
  std::int64_t min_work_;
};

// Concat along channels: per pixel, one copy per input.
class ConcatFast final : public FastKernel {
 public:
  std::string_view path() const override { return "concat"; }
  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    const std::int64_t pixels = out.dim(0) * out.dim(1) * out.dim(2);
    const std::size_t esz = dtype_size(out.dtype());
    const std::size_t row = static_cast<std::size_t>(out.dim(3)) * esz;
    std::size_t c0 = 0;
    for (const Tensor* t : ins) {
      const std::size_t n = static_cast<std::size_t>(t->dim(3)) * esz;
      for (std::int64_t px = 0; px < pixels; ++px)
        std::memcpy(out.raw() + static_cast<std::size_t>(px) * row + c0, t->raw() + static_cast<std::size_t>(px) * n, n);
      c0 += n;
    }
    st.outputs += out.numel();
  }
};

class ReshapeFast final : public FastKernel {
 public:
  std::string_view path() const override { return "reshape"; }
  void run(std::span<const Tensor* const> ins, Tensor& out, LayerStats& st) const override {
    std::memcpy(out.raw(), ins[0]->raw(), out.nbytes());
    st.outputs += out.numel();
  }
};

// Instantiates K<T...> with one type per 8-bit dtype in d[0..N): std::uint8_t for u8, std::int8_t for s8.
template <template <class...> class K, class... Ts>
struct Typed {
  template <std::size_t N, class... Args>
  static std::unique_ptr<LayerKernel> make(const DType* d, const Args&... args) {
    if constexpr (N == 0)
      return std::make_unique<K<Ts...>>(args...);
    else if (*d == DType::U8)
      return Typed<K, Ts..., std::uint8_t>::template make<N - 1>(d + 1, args...);
    else
      return Typed<K, Ts..., std::int8_t>::template make<N - 1>(d + 1, args...);
  }
};

}  // namespace

std::unique_ptr<LayerKernel> make_fast_kernel(const Network& net, const Layer& l, const ArithConfig& cfg, int threads,
                                              FastIsa isa, std::int64_t min_parallel_work) {
  threads = std::max(1, threads);
  const auto dt = [&](int id) { return net.value(id).dtype; };
  switch (l.op) {
    case OpKind::Conv2D:
    case OpKind::Dense: return std::make_unique<ConvFast>(net, l, cfg, threads, resolve_isa(isa, l), min_parallel_work);
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool: {
      const ValueInfo& x = net.value(l.inputs.at(0));
      const ValueInfo& y = net.value(l.output);
      PoolGeom g{x.h, x.w, x.c, y.h, y.w, l.pool.win};
      if (l.op == OpKind::GlobalAvgPool) g.w = Window{.kh = x.h, .kw = x.w};
      if (l.op == OpKind::MaxPool) return Typed<MaxPoolFast>::make<1>(&x.dtype, g, threads, min_parallel_work);
      const DType d[] = {x.dtype, y.dtype};
      return Typed<AvgPoolFast>::make<2>(d, g, l.pool, cfg, threads, min_parallel_work);
    }
    case OpKind::Add: {
      const DType d[] = {dt(l.inputs.at(0)), dt(l.inputs.at(1)), dt(l.output)};
      return Typed<AddFast>::make<3>(d, l.add, cfg, threads, min_parallel_work);
    }
    case OpKind::Concat: return std::make_unique<ConcatFast>();
    case OpKind::Reshape: return std::make_unique<ReshapeFast>();
  }
  throw Error("layer '" + l.name + "': no fast kernel for this op");
}

std::unique_ptr<LayerKernel> make_fast_kernel(const Network& net, const Layer& l, const ArithConfig& cfg,
                                              int threads) {
  return make_fast_kernel(net, l, cfg, threads, FastIsa::Auto);
}

}  // namespace lutsim
