#include "lutsim/quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "lutsim/model/error.h"
#include "lutsim/model/executor.h"
#include "weights.h"

namespace lutsim::quant {
namespace {

using detail::QuantWeights;

constexpr double kInf = std::numeric_limits<double>::infinity();

bool linear(FOp op) { return op == FOp::Conv || op == FOp::Dense; }

// ---------------------------------------------------------------------------------------------------------------
// Activation exponents from calibration samples.

// Squared error of representing x with exponent e in the integer range [lo, hi].
double act_err(const std::vector<float>& x, int e, double lo, double hi) {
  const double sc = std::ldexp(1.0, -e), back = std::ldexp(1.0, e);
  double s = 0;
  for (float v : x) {
    const double q = std::clamp(std::nearbyint(v * sc), lo, hi);
    const double d = v - q * back;
    s += d * d;
  }
  return s;
}

// KL divergence between the calibration distribution clipped at the range of exponent e (the clipped mass folded
// into the last bin) and its quantization to the integer levels of e (TensorRT's entropy calibration, Migacz 2017,
// on power-of-two thresholds only). The histogram has 8 bins per level; Q spreads each level's unclipped mass evenly
// over that level's non-empty bins, so clipping (mass Q lacks) and coarse levels (uneven bins) both cost.
double kl_err(const std::vector<float>& x, bool skip_zeros, int e, double levels) {
  constexpr int kPerLevel = 8;
  const std::size_t nl = static_cast<std::size_t>(levels), nb = nl * kPerLevel;
  const double bin = std::ldexp(1.0, e) / kPerLevel;
  std::vector<double> h(nb, 0.0);
  double outliers = 0;
  for (float v : x) {
    if (skip_zeros && v == 0) continue;
    // Bins are centred on the levels: level k covers [(k - 0.5) step, (k + 0.5) step).
    const double pos = std::abs(v) / bin + kPerLevel / 2.0;
    if (pos >= static_cast<double>(nb)) outliers += 1;
    else h[static_cast<std::size_t>(pos)] += 1;
  }
  std::vector<double> p = h;
  p[nb - 1] += outliers;
  std::vector<double> q(nb, 0.0);
  for (std::size_t l = 0; l < nl; ++l) {
    double mass = 0;
    int nz = 0;
    for (std::size_t i = l * kPerLevel; i < (l + 1) * kPerLevel; ++i) mass += h[i], nz += p[i] > 0;
    for (std::size_t i = l * kPerLevel; i < (l + 1) * kPerLevel; ++i) q[i] = p[i] > 0 ? mass / nz : 0;
  }
  const double sp = std::accumulate(p.begin(), p.end(), 0.0), sq = std::accumulate(q.begin(), q.end(), 0.0);
  if (sp <= 0) return 0;
  double kl = 0;
  for (std::size_t i = 0; i < nb; ++i)
    if (p[i] > 0) kl += p[i] / sp * std::log((p[i] / sp) / std::max(q[i] / std::max(sq, 1e-12), 1e-12));
  return kl;
}

int choose_act_exponent(const std::vector<float>& x, double lo, double hi, const QuantOptions& opt) {
  double mx = 0;
  for (float v : x) mx = std::max(mx, static_cast<double>(std::abs(v)));
  if (mx <= 0) return 0;
  const double range = std::max(hi, -lo);
  const int e_noclip = static_cast<int>(std::ceil(std::log2(mx / range)));
  switch (opt.calib) {
    case CalibMethod::Percentile: {
      std::vector<float> a(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) a[i] = std::abs(x[i]);
      const std::size_t k = std::min(a.size() - 1, static_cast<std::size_t>(opt.percentile / 100.0 * static_cast<double>(a.size())));
      std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
      const double t = a[k];
      return t > 0 ? static_cast<int>(std::ceil(std::log2(t / range))) : e_noclip;
    }
    case CalibMethod::Kl: {
      int best = e_noclip;
      double be = kInf;
      for (int e = e_noclip - 6; e <= e_noclip; ++e) {
        // ReLU zeros are exact at every exponent; they would only dilute the comparison.
        const double k = kl_err(x, lo >= 0, e, range);
        if (k < be) be = k, best = e;
      }
      return best;
    }
    case CalibMethod::Mse:
      break;
  }
  int best = e_noclip;
  double be = kInf;
  for (int e = e_noclip - 6; e <= e_noclip + 1; ++e) {
    const double err = act_err(x, e, lo, hi);
    if (err < be) be = err, best = e;
  }
  return best;
}

// About this many activation elements are sampled per value for its exponent search.
constexpr std::size_t kActSamples = 200000;

// Calibration samples of one NHWC activation, times r: every channel of each sampled pixel. A stride over the
// elements would alias with the channel count (with a stride that is a multiple of C every sample comes from one
// channel: ResNet-18's conv1 at 224 with 32 images saw channel 0 alone and clipped at a third of its maximum), so
// the stride steps over pixels instead; it is made coprime with H * W so that it also walks every spatial position
// rather than one column of every image.
std::vector<float> act_samples(const FTensor& a, double r) {
  const std::size_t C = static_cast<std::size_t>(a.c), HW = static_cast<std::size_t>(a.h) * static_cast<std::size_t>(a.w);
  const std::size_t pixels = a.d.size() / C;
  std::size_t stride = std::max<std::size_t>(1, pixels / std::max<std::size_t>(1, kActSamples / C));
  while (stride > 1 && std::gcd(stride, HW) != 1) ++stride;
  std::vector<float> s;
  s.reserve((pixels + stride - 1) / stride * C);
  for (std::size_t px = 0; px < pixels; px += stride)
    for (std::size_t c = 0; c < C; ++c) s.push_back(static_cast<float>(a.d[px * C + c] * r));
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// The plan: everything quantize() decides, from which build() makes the network.

struct Group {          // values that must share one exponent and dtype (MaxPool, Reshape, Concat tie them)
  int exponent = 0;
  bool fixed = false;   // the network input's group
  bool nonneg = true;
};

struct Plan {
  std::vector<int> group;            // value -> group
  std::vector<Group> groups;
  std::vector<double> r;             // value -> factor: integer real value = r * float value (avg pool divisors)
  std::vector<int> bits;             // node -> weight bits (conv/dense)
  std::vector<int> w_offset;         // node -> exponent offset of the weights (LAPQ)
  std::vector<int> pool_log2;        // node -> k with 2^k the divisor used for an avg pool
  int raw_output_node = -1;          // a final conv/dense whose raw s32 accumulator is the network output
};

struct Ctx {
  const FloatGraph& g;
  const QuantOptions& opt;
  std::vector<std::vector<float>> patch_mean;  // node -> mean input patch [KH, KW, Cin] (bias correction)
  std::map<std::tuple<int, int, int>, QuantWeights> cache;  // (node, bits, offset) -> weights
  const QuantWeights& weights(const Plan& p, int ni) {
    const auto key = std::make_tuple(ni, p.bits[static_cast<std::size_t>(ni)], p.w_offset[static_cast<std::size_t>(ni)]);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    const FNode& nd = g.nodes[static_cast<std::size_t>(ni)];
    // The layer sees its input multiplied by r; its weights are divided by r to compute the same function.
    const double r = p.r[static_cast<std::size_t>(nd.inputs[0])];
    std::vector<float> w = nd.w;
    if (r != 1.0)
      for (float& v : w) v = static_cast<float>(v / r);
    const bool pce = opt.shift_per_channel && ni != p.raw_output_node;
    return cache.emplace(key, detail::quantize_weights(w, nd.O, nd.per_out(), std::get<1>(key), opt.grid, pce,
                                                       std::get<2>(key))).first->second;
  }
};

std::string clean_name(const std::string& s, std::set<std::string>& used, const std::string& fallback) {
  std::string r;
  for (char c : s) r += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-') ? c : '_';
  while (!r.empty() && r.front() == '_') r.erase(r.begin());
  if (r.empty()) r = fallback;
  if (r.size() > 200) r.resize(200);
  std::string u = r;
  for (int k = 2; used.count(u); ++k) u = r + "_" + std::to_string(k);
  used.insert(u);
  return u;
}

struct Range {
  DType dt;
  std::int64_t lo, hi;
};

Range value_range(const Plan& p, const FloatGraph& g, int v) {
  const Group& gr = p.groups[static_cast<std::size_t>(p.group[static_cast<std::size_t>(v)])];
  const DType dt = gr.nonneg ? DType::U8 : DType::S8;
  std::int64_t lo = dtype_min(dt), hi = dtype_max(dt);
  const int pi = g.producer(v);
  if (pi >= 0) {
    const FNode& nd = g.nodes[static_cast<std::size_t>(pi)];
    const double sc = p.r[static_cast<std::size_t>(v)] * std::ldexp(1.0, -gr.exponent);
    if (std::isfinite(nd.act.hi)) hi = std::clamp<std::int64_t>(std::llround(nd.act.hi * sc), lo, hi);
    if (std::isfinite(nd.act.lo)) lo = std::clamp<std::int64_t>(std::llround(nd.act.lo * sc), lo, hi);
  }
  return {dt, lo, hi};
}

Network build(Ctx& cx, const Plan& p) {
  const FloatGraph& g = cx.g;
  Network net;
  net.name = g.name.empty() ? "quantized" : g.name;
  std::set<std::string> vnames, lnames;
  for (std::size_t v = 0; v < g.values.size(); ++v) {
    const FValue& fv = g.values[v];
    ValueInfo vi;
    vi.name = clean_name(fv.name, vnames, "v" + std::to_string(v));
    vi.h = fv.h, vi.w = fv.w, vi.c = fv.c;
    const Range rg = value_range(p, g, static_cast<int>(v));
    vi.dtype = rg.dt;
    vi.exponent = p.groups[static_cast<std::size_t>(p.group[v])].exponent;
    net.values.push_back(vi);
  }
  net.input = g.input;
  net.output = g.output;
  auto exp_of = [&](int v) { return net.values[static_cast<std::size_t>(v)].exponent; };
  for (std::size_t ni = 0; ni < g.nodes.size(); ++ni) {
    const FNode& nd = g.nodes[ni];
    Layer l;
    l.name = clean_name(nd.name, lnames, "layer" + std::to_string(ni));
    l.inputs = nd.inputs;
    l.output = nd.output;
    const Range rg = value_range(p, g, nd.output);
    const Clamp cl{static_cast<std::int32_t>(rg.lo), static_cast<std::int32_t>(rg.hi)};
    switch (nd.op) {
      case FOp::Conv:
      case FOp::Dense: {
        l.op = nd.op == FOp::Conv ? OpKind::Conv2D : OpKind::Dense;
        const QuantWeights& q = cx.weights(p, static_cast<int>(ni));
        ConvParams& c = l.conv;
        c.groups = nd.groups;
        c.win = nd.op == FOp::Conv ? nd.win : Window{};
        c.weight_bits = q.bits;
        const std::int64_t per = nd.per_out();
        const Shape ws{nd.O, nd.KH, nd.KW, nd.I};
        if (q.bits == 8) {
          c.weights = Tensor(DType::S8, ws);
          std::copy(q.raw.begin(), q.raw.end(), c.weights.data<std::int8_t>());
        } else {
          c.weights = Tensor(DType::U8, ws);
          std::copy(q.codes.begin(), q.codes.end(), c.weights.data<std::uint8_t>());
          c.lut_mode = q.lut_rows == 1 ? LutMode::PerLayer : LutMode::PerChannel;
          c.lut = Tensor(DType::S8, {q.lut_rows, std::int64_t{1} << q.bits});
          std::copy(q.lut.begin(), q.lut.end(), c.lut.data<std::int8_t>());
        }
        const int ex = exp_of(nd.inputs[0]);
        const bool raw = static_cast<int>(ni) == p.raw_output_node;
        c.bias = Tensor(DType::S32, {nd.O});
        std::vector<double> bias(nd.b.begin(), nd.b.end());
        if (cx.opt.bias_correction && !cx.patch_mean[ni].empty()) {
          // Remove the expected output change that the weight error causes on the calibration inputs.
          const std::vector<float>& m = cx.patch_mean[ni];
          const int Cin = nd.I * nd.groups, Og = nd.O / nd.groups;
          const double r = p.r[static_cast<std::size_t>(nd.inputs[0])];
          for (int o = 0; o < nd.O; ++o) {
            const int gi = o / Og;
            double d = 0;
            for (int t = 0; t < nd.KH * nd.KW; ++t)
              for (int i = 0; i < nd.I; ++i) {
                const std::size_t wi = static_cast<std::size_t>(o * per + t * nd.I + i);
                d += (q.deq[wi] - nd.w[wi] / r) * m[static_cast<std::size_t>(t * Cin + gi * nd.I + i)] * r;
              }
            bias[static_cast<std::size_t>(o)] -= d;
          }
        }
        for (int o = 0; o < nd.O; ++o) {
          const double b = std::ldexp(bias[static_cast<std::size_t>(o)], -(ex + q.e[static_cast<std::size_t>(o)]));
          c.bias.data<std::int32_t>()[o] = static_cast<std::int32_t>(std::clamp(std::nearbyint(b), -2147483648.0, 2147483647.0));
        }
        if (raw) {
          net.values[static_cast<std::size_t>(nd.output)].dtype = DType::S32;
          net.values[static_cast<std::size_t>(nd.output)].exponent = ex + q.e[0];
        } else {
          const int eo = exp_of(nd.output);
          const bool pc = cx.opt.shift_per_channel;
          c.shift = Tensor(DType::S8, {pc ? nd.O : 1});
          for (int o = 0; o < (pc ? nd.O : 1); ++o)
            c.shift.data<std::int8_t>()[o] = static_cast<std::int8_t>(std::clamp(eo - ex - q.e[static_cast<std::size_t>(o)], kMinShift, kMaxShift));
          c.clamp = cl;
        }
        break;
      }
      case FOp::MaxPool:
        l.op = OpKind::MaxPool;
        l.pool.win = nd.win;
        break;
      case FOp::AvgPool:
      case FOp::GlobalAvgPool:
        l.op = nd.op == FOp::AvgPool ? OpKind::AvgPool : OpKind::GlobalAvgPool;
        l.pool.win = nd.op == FOp::AvgPool ? nd.win : Window{};
        l.pool.shift = std::clamp(p.pool_log2[ni] + exp_of(nd.output) - exp_of(nd.inputs[0]), kMinShift, kMaxShift);
        l.pool.clamp = cl;
        break;
      case FOp::Add: {
        l.op = OpKind::Add;
        const int ea = exp_of(nd.inputs[0]), eb = exp_of(nd.inputs[1]), ec = std::min(ea, eb);
        l.add.la = std::min(ea - ec, 15);
        l.add.lb = std::min(eb - ec, 15);
        l.add.shift = std::clamp(exp_of(nd.output) - ec, kMinShift, kMaxShift);
        l.add.clamp = cl;
        break;
      }
      case FOp::Concat:
        l.op = OpKind::Concat;
        break;
      case FOp::Reshape:
        l.op = OpKind::Reshape;
        break;
    }
    net.layers.push_back(std::move(l));
  }
  return net;
}

// ---------------------------------------------------------------------------------------------------------------

struct Calib {
  Tensor x;                      // u8 images for the loss
  std::vector<double> teacher;   // float model softmax, [n, classes]
  int classes = 0;
};

// Mean cross-entropy of the integer network's output (as real logits) against the float model's softmax.
double loss(Ctx& cx, const Plan& p, const Calib& cal) {
  const Network net = build(cx, p);
  const Executor ex(net, cx.opt.arith, ExecOptions{.backend = Backend::Fast, .threads = cx.opt.threads});
  const RunResult rr = ex.run(cal.x);
  const ValueInfo& ov = net.value(net.output);
  const double sc = std::ldexp(1.0, ov.exponent) / p.r[static_cast<std::size_t>(net.output)];
  const std::int64_t N = cal.x.dim(0), C = cal.classes;
  double total = 0;
  for (std::int64_t n = 0; n < N; ++n) {
    double mx = -kInf;
    std::vector<double> z(static_cast<std::size_t>(C));
    for (std::int64_t c = 0; c < C; ++c) z[static_cast<std::size_t>(c)] = static_cast<double>(rr.output.get(n * C + c)) * sc, mx = std::max(mx, z[static_cast<std::size_t>(c)]);
    double se = 0;
    for (double v : z) se += std::exp(v - mx);
    const double lse = mx + std::log(se);
    for (std::int64_t c = 0; c < C; ++c) total -= cal.teacher[static_cast<std::size_t>(n * C + c)] * (z[static_cast<std::size_t>(c)] - lse);
  }
  return total / static_cast<double>(N);
}

Tensor first_images(const Tensor& x, std::int64_t n) {
  n = std::min(n, x.dim(0));
  Shape s = x.shape();
  s[0] = n;
  Tensor t(x.dtype(), s, x.exponent());
  std::copy_n(x.raw(), t.nbytes(), t.raw());
  return t;
}

}  // namespace

FTensor float_input(const Tensor& x, int input_exponent) {
  FTensor t;
  t.n = static_cast<int>(x.dim(0)), t.h = static_cast<int>(x.dim(1)), t.w = static_cast<int>(x.dim(2)), t.c = static_cast<int>(x.dim(3));
  t.d.resize(static_cast<std::size_t>(x.numel()));
  const double sc = std::ldexp(1.0, input_exponent);
  const std::uint8_t* p = x.data<std::uint8_t>();
  for (std::size_t i = 0; i < t.d.size(); ++i) t.d[i] = static_cast<float>(p[i] * sc);
  return t;
}

Tensor to_network_input(const Tensor& t, const FloatGraph& g, int input_exponent, const std::string& what) {
  const FValue& in = g.values[static_cast<std::size_t>(g.input)];
  const std::string nhwc = "u8 [N, " + std::to_string(in.h) + ", " + std::to_string(in.w) + ", " + std::to_string(in.c) + "]";
  const std::string nchw = "f32 [N, " + std::to_string(in.c) + ", " + std::to_string(in.h) + ", " + std::to_string(in.w) + "]";
  const std::string accepted = " (expected " + nhwc + " images or " + nchw + " in the model's layout)";
  // An empty batch has the right layout but nothing to calibrate on: say so rather than report a shape mismatch.
  if (t.rank() == 4 && t.dim(0) == 0 && (t.dtype() == DType::U8 || t.dtype() == DType::F32))
    throw Error(what + ": the batch is empty (" + shape_str(t.shape()) + "): give at least one image");
  if (t.dtype() == DType::U8) {
    if (t.rank() != 4 || t.dim(1) != in.h || t.dim(2) != in.w || t.dim(3) != in.c || t.dim(0) < 1)
      throw Error(what + ": u8 data of shape " + shape_str(t.shape()) + " does not match the model input" + accepted);
    return t;
  }
  if (t.dtype() == DType::F32) {
    if (t.rank() != 4 || t.dim(1) != in.c || t.dim(2) != in.h || t.dim(3) != in.w || t.dim(0) < 1)
      throw Error(what + ": f32 data of shape " + shape_str(t.shape()) + " does not match the model input" + accepted);
    const std::int64_t N = t.dim(0);
    Tensor u(DType::U8, {N, in.h, in.w, in.c}, input_exponent);
    const float* s = t.data<float>();
    std::uint8_t* d = u.data<std::uint8_t>();
    const double sc = std::ldexp(1.0, -input_exponent);
    for (std::int64_t n = 0; n < N; ++n)
      for (int c = 0; c < in.c; ++c)
        for (int h = 0; h < in.h; ++h)
          for (int w = 0; w < in.w; ++w) {
            const float v = s[((n * in.c + c) * in.h + h) * in.w + w];
            if (!std::isfinite(v)) throw Error(what + ": a value is not finite");
            d[((n * in.h + h) * in.w + w) * in.c + c] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(v * sc), 0.0, 255.0));
          }
    return u;
  }
  throw Error(what + ": dtype " + std::string(dtype_name(t.dtype())) + " is not accepted" + accepted);
}

int equalize(FloatGraph& g, int iterations) {
  struct Pair { int a, b; int C; int reshape_c; };  // reshape_c: channels of the flattened map, else 0
  std::vector<Pair> pairs;
  for (std::size_t ai = 0; ai < g.nodes.size(); ++ai) {
    const FNode& A = g.nodes[ai];
    // Positive per-channel scaling commutes with ReLU and the identity, not with a clamp at a finite bound.
    if (!linear(A.op) || !(A.act.none() || (A.act.lo == 0 && std::isinf(A.act.hi)))) continue;
    int v = A.output, reshape_c = 0;
    int bi = -1;
    for (;;) {
      const std::vector<int> cs = g.consumers(v);
      if (cs.size() != 1 || v == g.output) break;
      const FNode& n = g.nodes[static_cast<std::size_t>(cs[0])];
      if (n.op == FOp::MaxPool && reshape_c == 0) { v = n.output; continue; }
      if (n.op == FOp::Reshape && reshape_c == 0) { reshape_c = g.values[static_cast<std::size_t>(v)].c; v = n.output; continue; }
      if ((n.op == FOp::Conv && n.groups == 1 && reshape_c == 0) || n.op == FOp::Dense) bi = cs[0];
      break;
    }
    if (bi >= 0) pairs.push_back({static_cast<int>(ai), bi, A.O, reshape_c});
  }
  for (int it = 0; it < iterations; ++it)
    for (const Pair& pr : pairs) {
      FNode& A = g.nodes[static_cast<std::size_t>(pr.a)];
      FNode& B = g.nodes[static_cast<std::size_t>(pr.b)];
      std::vector<double> r1(static_cast<std::size_t>(pr.C), 0.0), r2(static_cast<std::size_t>(pr.C), 0.0);
      for (int o = 0; o < A.O; ++o)
        for (std::int64_t i = 0; i < A.per_out(); ++i) r1[static_cast<std::size_t>(o)] = std::max(r1[static_cast<std::size_t>(o)], static_cast<double>(std::abs(A.wt(o, i))));
      auto chan = [&](std::int64_t i) { return static_cast<std::size_t>(pr.reshape_c ? i % pr.reshape_c : i % B.I); };
      for (int o = 0; o < B.O; ++o)
        for (std::int64_t i = 0; i < B.per_out(); ++i) r2[chan(i)] = std::max(r2[chan(i)], static_cast<double>(std::abs(B.wt(o, i))));
      std::vector<double> s(static_cast<std::size_t>(pr.C), 1.0);
      for (std::size_t c = 0; c < s.size(); ++c)
        if (r1[c] > 0 && r2[c] > 0) s[c] = std::sqrt(r1[c] * r2[c]) / r2[c];
      for (int o = 0; o < A.O; ++o) {
        for (std::int64_t i = 0; i < A.per_out(); ++i) A.wt(o, i) = static_cast<float>(A.wt(o, i) / s[static_cast<std::size_t>(o)]);
        A.b[static_cast<std::size_t>(o)] = static_cast<float>(A.b[static_cast<std::size_t>(o)] / s[static_cast<std::size_t>(o)]);
      }
      for (int o = 0; o < B.O; ++o)
        for (std::int64_t i = 0; i < B.per_out(); ++i) B.wt(o, i) = static_cast<float>(B.wt(o, i) * s[chan(i)]);
    }
  return static_cast<int>(pairs.size());
}

Network quantize(const FloatGraph& g0, const Tensor& calib, const QuantOptions& opt, QuantReport* report) {
  QuantReport local;
  QuantReport& rep = report ? *report : local;
  auto progress = [&](const std::string& s, double f) { if (opt.progress) opt.progress(s, f); };
  if (!(opt.weight_bits >= 1 && opt.weight_bits <= 4) && opt.weight_bits != 8)
    throw Error("quantize: weight bits " + std::to_string(opt.weight_bits) + " (expected 1, 2, 3, 4 or 8)");
  if (opt.avg_bits != 0 && !(opt.avg_bits >= 2 && opt.avg_bits <= 8))
    throw Error("quantize: an average of " + std::to_string(opt.avg_bits) + " weight bits cannot be met with {2, 3, 4, 8}");
  if (opt.input_exponent < -128 || opt.input_exponent > 127) throw Error("quantize: the input exponent is outside [-128, 127]");
  check_graph(g0);
  FloatGraph g = g0;
  if (opt.equalize) rep.notes.push_back("cross-layer equalization: " + std::to_string(equalize(g)) + " layer pairs");
  const FValue& in = g.values[static_cast<std::size_t>(g.input)];
  if (calib.dtype() != DType::U8 || calib.rank() != 4 || calib.dim(1) != in.h || calib.dim(2) != in.w || calib.dim(3) != in.c || calib.dim(0) < 1)
    throw Error("quantize: calibration data must be u8 [N, " + std::to_string(in.h) + ", " + std::to_string(in.w) + ", " +
                std::to_string(in.c) + "], got " + std::string(dtype_name(calib.dtype())) + " " + shape_str(calib.shape()));

  // 1. The float run on the calibration images.
  progress("float run", 0);
  const std::vector<FTensor> acts = run_float(g, float_input(calib, opt.input_exponent), true, opt.threads);
  progress("float run", 1);

  // 2. Groups of values sharing an exponent, avg-pool factors, and the raw output.
  Plan p;
  const std::size_t V = g.values.size(), Nn = g.nodes.size();
  std::vector<int> parent(V);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int v) { while (parent[static_cast<std::size_t>(v)] != v) v = parent[static_cast<std::size_t>(v)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(v)])]; return v; };
  for (const FNode& nd : g.nodes)
    if (nd.op == FOp::MaxPool || nd.op == FOp::Reshape || nd.op == FOp::Concat)
      for (int u : nd.inputs) parent[static_cast<std::size_t>(find(u))] = find(nd.output);
  p.r.assign(V, 1.0);
  p.pool_log2.assign(Nn, 0);
  p.bits.assign(Nn, opt.weight_bits);
  p.w_offset.assign(Nn, 0);
  std::vector<bool> nonneg(V, false);
  nonneg[static_cast<std::size_t>(g.input)] = true;
  for (std::size_t ni = 0; ni < Nn; ++ni) {
    const FNode& nd = g.nodes[ni];
    const std::size_t o = static_cast<std::size_t>(nd.output);
    const double rin = p.r[static_cast<std::size_t>(nd.inputs[0])];
    switch (nd.op) {
      case FOp::Conv: case FOp::Dense: nonneg[o] = nd.act.nonneg(); break;
      case FOp::MaxPool: case FOp::Reshape: nonneg[o] = nonneg[static_cast<std::size_t>(nd.inputs[0])]; p.r[o] = rin; break;
      case FOp::Concat:
        nonneg[o] = true;
        for (int u : nd.inputs) {
          nonneg[o] = nonneg[o] && nonneg[static_cast<std::size_t>(u)];
          if (p.r[static_cast<std::size_t>(u)] != rin)
            throw Error("quantize: node '" + nd.name + "' (concat): inputs come from average pools of different sizes");
        }
        p.r[o] = rin;
        break;
      case FOp::AvgPool: case FOp::GlobalAvgPool: {
        const FValue& x = g.values[static_cast<std::size_t>(nd.inputs[0])];
        const int n = nd.op == FOp::AvgPool ? nd.win.kh * nd.win.kw : x.h * x.w;
        // The hardware divides by 2^k; the factor n / 2^k stays with the value and the next layer's weights
        // absorb it.
        const int k = static_cast<int>(std::lround(std::log2(static_cast<double>(n))));
        p.pool_log2[ni] = k;
        p.r[o] = rin * n / std::ldexp(1.0, k);
        nonneg[o] = nd.act.nonneg() || nonneg[static_cast<std::size_t>(nd.inputs[0])];
        break;
      }
      case FOp::Add:
        nonneg[o] = nd.act.nonneg();
        if (p.r[static_cast<std::size_t>(nd.inputs[0])] != 1.0 || p.r[static_cast<std::size_t>(nd.inputs[1])] != 1.0)
          throw Error("quantize: node '" + nd.name + "' (add): an input comes from an average pool over a window that is "
                      "not a power of two, which an add cannot rescale");
        break;
    }
    // A value read by a layer whose consumers cannot absorb r (add, avg pool's clamp is fine) is checked above.
  }
  {
    const int po = g.producer(g.output);
    if (po >= 0 && linear(g.nodes[static_cast<std::size_t>(po)].op) && g.nodes[static_cast<std::size_t>(po)].act.none() &&
        g.consumers(g.output).empty())
      p.raw_output_node = po;
  }
  std::map<int, int> root_to_group;
  p.group.assign(V, 0);
  for (std::size_t v = 0; v < V; ++v) {
    const int rt = find(static_cast<int>(v));
    if (!root_to_group.count(rt)) {
      root_to_group[rt] = static_cast<int>(p.groups.size());
      p.groups.push_back(Group{});
    }
    p.group[v] = root_to_group[rt];
    Group& gr = p.groups[static_cast<std::size_t>(p.group[v])];
    gr.nonneg = gr.nonneg && nonneg[v];
  }
  Group& gin = p.groups[static_cast<std::size_t>(p.group[static_cast<std::size_t>(g.input)])];
  gin.fixed = true;
  gin.exponent = opt.input_exponent;
  if (!gin.nonneg) throw Error("quantize: the input's group must be unsigned");

  // 3. Activation exponents: each group's exponent is the largest its members choose (no member clips more than
  // it asked for).
  progress("activation exponents", 0);
  std::vector<int> gexp(p.groups.size(), std::numeric_limits<int>::min());
  for (std::size_t v = 0; v < V; ++v) {
    const Group& gr = p.groups[static_cast<std::size_t>(p.group[v])];
    if (gr.fixed) continue;
    if (static_cast<int>(v) == g.output && p.raw_output_node >= 0) continue;
    const int pi = g.producer(static_cast<int>(v));
    if (pi >= 0 && (g.nodes[static_cast<std::size_t>(pi)].op == FOp::MaxPool || g.nodes[static_cast<std::size_t>(pi)].op == FOp::Reshape ||
                    g.nodes[static_cast<std::size_t>(pi)].op == FOp::Concat))
      continue;  // same values as their inputs
    const std::vector<float> s = act_samples(acts[v], p.r[v]);
    const double lo = gr.nonneg ? 0 : -128, hi = gr.nonneg ? 255 : 127;
    double hi_eff = hi, lo_eff = lo;
    if (pi >= 0) {
      // A clamp bound below the integer range (ReLU6) clips anyway; the exponent search sees the clamped values.
      (void)hi_eff, (void)lo_eff;
    }
    const int e = choose_act_exponent(s, lo, hi, opt);
    int& ge = gexp[static_cast<std::size_t>(p.group[v])];
    ge = std::max(ge, e);
  }
  for (std::size_t k = 0; k < p.groups.size(); ++k)
    if (!p.groups[k].fixed) p.groups[k].exponent = gexp[k] == std::numeric_limits<int>::min() ? 0 : std::clamp(gexp[k], -128, 127);
  progress("activation exponents", 1);

  Ctx cx{g, opt, {}, {}};
  // Mean input patches for bias correction.
  cx.patch_mean.assign(Nn, {});
  if (opt.bias_correction)
    for (std::size_t ni = 0; ni < Nn; ++ni) {
      const FNode& nd = g.nodes[ni];
      if (!linear(nd.op)) continue;
      const FTensor& x = acts[static_cast<std::size_t>(nd.inputs[0])];
      const int Cin = nd.op == FOp::Dense ? nd.I : x.c;
      const int H = nd.op == FOp::Dense ? 1 : x.h, W = nd.op == FOp::Dense ? 1 : x.w;
      const Window w = nd.op == FOp::Dense ? Window{} : nd.win;
      const FValue& ov = g.values[static_cast<std::size_t>(nd.output)];
      std::vector<double> m(static_cast<std::size_t>(nd.KH * nd.KW * Cin), 0.0);
      for (int n = 0; n < x.n; ++n)
        for (int oh = 0; oh < ov.h; ++oh)
          for (int ow = 0; ow < ov.w; ++ow)
            for (int kh = 0; kh < nd.KH; ++kh) {
              const int ih = oh * w.sh + kh * w.dh - w.pad_top;
              if (ih < 0 || ih >= H) continue;
              for (int kw = 0; kw < nd.KW; ++kw) {
                const int iw = ow * w.sw + kw * w.dw - w.pad_left;
                if (iw < 0 || iw >= W) continue;
                const float* xp = x.d.data() + ((static_cast<std::size_t>(n) * H + ih) * W + iw) * Cin;
                double* mp = m.data() + static_cast<std::size_t>(kh * nd.KW + kw) * Cin;
                for (int c = 0; c < Cin; ++c) mp[c] += xp[c];
              }
            }
      const double cnt = static_cast<double>(x.n) * ov.h * ov.w;
      cx.patch_mean[ni].resize(m.size());
      for (std::size_t i = 0; i < m.size(); ++i) cx.patch_mean[ni][i] = static_cast<float>(m[i] / cnt);
    }

  // The calibration loss: the float model's softmax is the target.
  Calib cal;
  cal.x = first_images(calib, opt.lapq_images);
  {
    const FTensor& out = acts[static_cast<std::size_t>(g.output)];
    cal.classes = static_cast<int>(out.per_image());
    const std::int64_t N = cal.x.dim(0), C = cal.classes;
    cal.teacher.resize(static_cast<std::size_t>(N * C));
    for (std::int64_t n = 0; n < N; ++n) {
      double mx = -kInf, se = 0;
      for (std::int64_t c = 0; c < C; ++c) mx = std::max(mx, static_cast<double>(out.d[static_cast<std::size_t>(n * C + c)]));
      for (std::int64_t c = 0; c < C; ++c) se += std::exp(out.d[static_cast<std::size_t>(n * C + c)] - mx);
      for (std::int64_t c = 0; c < C; ++c)
        cal.teacher[static_cast<std::size_t>(n * C + c)] = std::exp(out.d[static_cast<std::size_t>(n * C + c)] - mx) / se;
    }
  }
  std::vector<int> lin;
  for (std::size_t ni = 0; ni < Nn; ++ni)
    if (linear(g.nodes[ni].op)) lin.push_back(static_cast<int>(ni));

  // 4. Mixed precision: per-layer sensitivity at {2, 3, 4} bits with every other layer at 8, then a greedy descent
  // that lowers the layer with the smallest loss increase per bit saved until the average meets the budget.
  if (opt.avg_bits > 0) {
    const int choices[] = {8, 4, 3, 2};
    std::vector<std::array<double, 4>> sens(Nn);
    Plan base = p;
    for (int ni : lin) base.bits[static_cast<std::size_t>(ni)] = 8;
    const double l8 = loss(cx, base, cal);
    std::size_t done = 0;
    for (int ni : lin) {
      sens[static_cast<std::size_t>(ni)][0] = l8;
      for (int k = 1; k < 4; ++k) {
        Plan t = base;
        t.bits[static_cast<std::size_t>(ni)] = choices[k];
        sens[static_cast<std::size_t>(ni)][static_cast<std::size_t>(k)] = loss(cx, t, cal);
        progress("mixed precision", static_cast<double>(++done) / (3.0 * static_cast<double>(lin.size())));
      }
    }
    double total = 0, budget = 0;
    std::vector<int> level(Nn, 0);
    for (int ni : lin) {
      const double n = static_cast<double>(g.nodes[static_cast<std::size_t>(ni)].w.size());
      total += 8 * n;
      budget += opt.avg_bits * n;
    }
    while (total > budget + 1e-9) {
      int best = -1;
      double bscore = kInf;
      for (int ni : lin) {
        const int lv = level[static_cast<std::size_t>(ni)];
        if (lv == 3) continue;
        const double n = static_cast<double>(g.nodes[static_cast<std::size_t>(ni)].w.size());
        const double dl = sens[static_cast<std::size_t>(ni)][static_cast<std::size_t>(lv + 1)] - sens[static_cast<std::size_t>(ni)][static_cast<std::size_t>(lv)];
        const double score = dl / ((choices[lv] - choices[lv + 1]) * n);
        if (score < bscore) bscore = score, best = ni;
      }
      if (best < 0) break;
      const int lv = level[static_cast<std::size_t>(best)]++;
      total -= (choices[lv] - choices[lv + 1]) * static_cast<double>(g.nodes[static_cast<std::size_t>(best)].w.size());
    }
    // The last step may overshoot (a large layer losing a bit); spend what is left of the budget raising the
    // layers that gain the most loss per bit.
    for (;;) {
      int best = -1;
      double bscore = 0;
      for (int ni : lin) {
        const int lv = level[static_cast<std::size_t>(ni)];
        if (lv == 0) continue;
        const double n = static_cast<double>(g.nodes[static_cast<std::size_t>(ni)].w.size());
        const double cost = (choices[lv - 1] - choices[lv]) * n;
        if (total + cost > budget + 1e-9) continue;
        const double gain = sens[static_cast<std::size_t>(ni)][static_cast<std::size_t>(lv)] - sens[static_cast<std::size_t>(ni)][static_cast<std::size_t>(lv - 1)];
        if (gain / cost > bscore) bscore = gain / cost, best = ni;
      }
      if (best < 0) break;
      const int lv = level[static_cast<std::size_t>(best)]--;
      total += (choices[lv - 1] - choices[lv]) * static_cast<double>(g.nodes[static_cast<std::size_t>(best)].w.size());
    }
    std::string s = "mixed precision:";
    for (int ni : lin) {
      p.bits[static_cast<std::size_t>(ni)] = choices[level[static_cast<std::size_t>(ni)]];
      s += " " + g.nodes[static_cast<std::size_t>(ni)].name + "=" + std::to_string(p.bits[static_cast<std::size_t>(ni)]);
    }
    double n_all = 0;
    for (int ni : lin) n_all += static_cast<double>(g.nodes[static_cast<std::size_t>(ni)].w.size());
    rep.notes.push_back(s + " (average " + std::to_string(total / n_all).substr(0, 4) + " bits)");
  }

  // 5. LAPQ-style refinement: coordinate descent over every free group exponent and every layer's weight exponent
  // offset, each moved by +-1 while the calibration cross-entropy of the golden model falls.
  rep.loss_initial = loss(cx, p, cal);
  double cur = rep.loss_initial;
  if (opt.method == Method::Lapq) {
    struct Coord { bool group; int idx; };
    std::vector<Coord> coords;
    for (std::size_t k = 0; k < p.groups.size(); ++k)
      if (!p.groups[k].fixed && !(p.raw_output_node >= 0 && static_cast<int>(k) == p.group[static_cast<std::size_t>(g.output)]))
        coords.push_back({true, static_cast<int>(k)});
    for (int ni : lin) coords.push_back({false, ni});
    int evals = 0;
    const double total_evals = static_cast<double>(opt.lapq_sweeps * coords.size() * 2);
    for (int sweep = 0; sweep < opt.lapq_sweeps && evals < opt.lapq_max_evals; ++sweep) {
      bool improved = false;
      for (const Coord& c : coords)
        for (int d : {-1, 1}) {
          if (evals >= opt.lapq_max_evals) break;
          Plan t = p;
          if (c.group) t.groups[static_cast<std::size_t>(c.idx)].exponent += d;
          else t.w_offset[static_cast<std::size_t>(c.idx)] += d;
          const double l = loss(cx, t, cal);
          ++evals;
          progress("lapq", std::min(1.0, evals / std::min(total_evals, static_cast<double>(opt.lapq_max_evals))));
          if (l < cur - 1e-6) {
            cur = l;
            p = std::move(t);
            improved = true;
            // Keep walking the same way while it helps.
            while (evals < opt.lapq_max_evals) {
              Plan u = p;
              if (c.group) u.groups[static_cast<std::size_t>(c.idx)].exponent += d;
              else u.w_offset[static_cast<std::size_t>(c.idx)] += d;
              const double l2 = loss(cx, u, cal);
              ++evals;
              if (!(l2 < cur - 1e-6)) break;
              cur = l2;
              p = std::move(u);
            }
            break;
          }
        }
      if (!improved) break;
    }
    rep.notes.push_back("lapq: calibration cross-entropy " + std::to_string(rep.loss_initial) + " -> " + std::to_string(cur) +
                        " in " + std::to_string(evals) + " golden-model runs");
  }
  rep.loss_final = cur;
  rep.layer_bits.clear();
  for (int ni : lin) rep.layer_bits.push_back(p.bits[static_cast<std::size_t>(ni)]);
  Network net = build(cx, p);
  validate(net);
  return net;
}

}  // namespace lutsim::quant
