#include "builder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "lutsim/model/arith.h"
#include "rng.h"

namespace lutsim::zoo {
namespace {

constexpr int kInputExponent = -8;  // u8 pixel / 256
constexpr int kReLU6Exponent = -5;  // 6.0 = 192 * 2^-5
constexpr int kReLU6Max = 192;

double Phi(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi); }

// Mean and variance of clamp(Z, a, b) for Z ~ N(mu, sigma^2) (the moments of a doubly censored Gaussian).
void clamp_moments(double mu, double sigma, double a, double b, double* mean, double* var) {
  if (sigma < 1e-12) {
    *mean = std::clamp(mu, a, b);
    *var = 0;
    return;
  }
  const double al = (a - mu) / sigma, be = (b - mu) / sigma;
  const double Pa = Phi(al), Pb = Phi(be), pa = phi(al), pb = phi(be);
  const double mid = Pb - Pa;
  const double m1 = a * Pa + b * (1 - Pb) + mu * mid + sigma * (pa - pb);
  const double m2 = a * a * Pa + b * b * (1 - Pb) + (mu * mu + sigma * sigma) * mid + 2 * mu * sigma * (pa - pb) +
                    sigma * sigma * (al * pa - be * pb);
  *mean = m1;
  *var = std::max(0.0, m2 - m1 * m1);
}

// Predicted fraction of outputs round(N(mu, sigma^2) / 2^s) that saturate: above hi, and below lo when
// low_counts (a linear layer; for a ReLU the low clamp is the activation itself, not a loss of range).
double saturation(double mu, double sigma, int s, double lo, double hi, bool low_counts) {
  const double k = std::ldexp(1.0, -s);
  const double m = mu * k, sd = sigma * k;
  if (sd < 1e-12) return (m >= hi + 0.5 || (low_counts && m < lo - 0.5)) ? 1.0 : 0.0;
  double p = 0.5 * std::erfc((hi + 0.5 - m) / (sd * std::numbers::sqrt2));
  if (low_counts) p += Phi((lo - 0.5 - m) / sd);
  return p;
}

// The smallest shift in [kMinShift, kMaxShift] whose mean predicted saturation over `channels` is at most
// `target`.
int choose_shift(const std::vector<double>& mu, const std::vector<double>& sigma, std::size_t first,
                 std::size_t count, double lo, double hi, bool low_counts, double target) {
  for (int s = kMinShift; s < kMaxShift; ++s) {
    double sat = 0;
    for (std::size_t o = first; o < first + count; ++o) sat += saturation(mu[o], sigma[o], s, lo, hi, low_counts);
    if (sat <= target * static_cast<double>(count)) return s;
  }
  return kMaxShift;
}

// Output of a clamped layer: per-channel Gaussians of the pre-clamp value, the moments after the clamp.
ValueStats clamped_stats(std::vector<double> mu, std::vector<double> sigma, double lo, double hi) {
  ValueStats st;
  st.mean.resize(mu.size());
  st.var.resize(mu.size());
  for (std::size_t c = 0; c < mu.size(); ++c) clamp_moments(mu[c], sigma[c], lo, hi, &st.mean[c], &st.var[c]);
  st.mu = std::move(mu);
  st.sigma = std::move(sigma);
  st.lo = lo;
  st.hi = hi;
  return st;
}

// Fraction of output positions at which each kernel tap of one spatial dimension reads a real (non-pad) input.
std::vector<double> tap_fractions(int in, int out, int k, int stride, int dil, int pad) {
  std::vector<double> f(static_cast<std::size_t>(k), 0.0);
  for (int t = 0; t < k; ++t) {
    int n = 0;
    for (int o = 0; o < out; ++o) {
      const int i = o * stride + t * dil - pad;
      n += i >= 0 && i < in;
    }
    f[static_cast<std::size_t>(t)] = static_cast<double>(n) / out;
  }
  return f;
}

struct ActRange {
  DType dtype;
  int lo, hi;
};
ActRange act_range(Act a) {
  switch (a) {
    case Act::ReLU: return {DType::U8, 0, 255};
    case Act::ReLU6: return {DType::U8, 0, kReLU6Max};
    case Act::Linear: return {DType::S8, -128, 127};
    case Act::Raw: break;
  }
  return {DType::S32, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()};
}

// 2^b sorted Gaussian samples, standardised to zero mean and unit deviation, then shifted by a small random
// offset: a non-uniform, nearly symmetric codebook shape.
std::vector<double> lut_shape(Rng& r, int entries) {
  std::vector<double> v(static_cast<std::size_t>(entries));
  for (double& x : v) x = r.normal();
  std::sort(v.begin(), v.end());
  double m = 0, q = 0;
  for (double x : v) m += x;
  m /= entries;
  for (double x : v) q += (x - m) * (x - m);
  const double sd = std::sqrt(q / entries);
  const double offset = 0.05 * r.normal();
  for (double& x : v) x = (sd > 1e-9 ? (x - m) / sd : x - m) + offset;
  return v;
}

std::int8_t to_s8(double x) { return static_cast<std::int8_t>(std::clamp<double>(std::nearbyint(x), -128, 127)); }

}  // namespace

Builder::Builder(const ZooOptions& opt, std::string name) : opt_(opt) { net_.name = std::move(name); }

int Builder::new_value(const std::string& name, DType dt, int h, int w, int c, int exponent) {
  net_.values.push_back(ValueInfo{name, dt, h, w, c, exponent});
  stats_.emplace_back();
  return static_cast<int>(net_.values.size()) - 1;
}

int Builder::input(int h, int w, int c) {
  const int id = new_value("input", DType::U8, h, w, c, kInputExponent);
  net_.input = id;
  // Uniform over [0, 255].
  stats_[static_cast<std::size_t>(id)].mean.assign(static_cast<std::size_t>(c), 127.5);
  stats_[static_cast<std::size_t>(id)].var.assign(static_cast<std::size_t>(c), (256.0 * 256.0 - 1) / 12);
  return id;
}

int Builder::conv(const std::string& name, int in, int out_c, int k, int stride, int pad, int groups, Act act) {
  Window w{.kh = k, .kw = k, .sh = stride, .sw = stride, .pad_top = pad, .pad_left = pad, .pad_bottom = pad, .pad_right = pad};
  return conv_layer(OpKind::Conv2D, name, in, out_c, w, groups, act);
}

int Builder::dense(const std::string& name, int in, int out_c, Act act) {
  return conv_layer(OpKind::Dense, name, in, out_c, Window{}, 1, act);
}

int Builder::conv_layer(OpKind op, const std::string& name, int in, int out_c, const Window& win, int groups,
                        Act act) {
  const ValueInfo x = value(in);
  const ValueStats& xs = stats_[static_cast<std::size_t>(in)];
  const int O = out_c, I = x.c / groups, KH = win.kh, KW = win.kw;
  const int OH = window_out(x.h, KH, win.sh, win.dh, win.pad_top, win.pad_bottom);
  const int OW = window_out(x.w, KW, win.sw, win.dw, win.pad_left, win.pad_right);
  const std::size_t per_o = static_cast<std::size_t>(KH) * KW * I;
  const std::size_t uO = static_cast<std::size_t>(O);
  const int b = opt_.weight_bits;
  const bool lut = b <= 4;
  const bool per_channel_lut = lut && opt_.lut_mode == LutMode::PerChannel;
  const int entries = lut ? 1 << b : 0;
  Rng r(stream_seed(opt_.seed, net_.name + "/" + name));

  // Tap validity fractions (padding) for the moment computation.
  const std::vector<double> fh = tap_fractions(x.h, OH, KH, win.sh, win.dh, win.pad_top);
  const std::vector<double> fw = tap_fractions(x.w, OW, KW, win.sw, win.dw, win.pad_left);

  // Moments of the weighted sum (bias excluded) of channel o, for weights wt(o, flat index). Each tap is
  // treated as present with its validity fraction: the sum of a mixture.
  auto moments = [&](auto&& wt, std::vector<double>& mean, std::vector<double>& var) {
    mean.assign(uO, 0.0);
    var.assign(uO, 0.0);
    const int o_per_g = O / groups;
    for (int o = 0; o < O; ++o) {
      const std::size_t c0 = static_cast<std::size_t>(o / o_per_g) * static_cast<std::size_t>(I);
      double m = 0, v = 0;
      for (int kh = 0; kh < KH; ++kh)
        for (int kw = 0; kw < KW; ++kw) {
          const double f = fh[static_cast<std::size_t>(kh)] * fw[static_cast<std::size_t>(kw)];
          if (f == 0) continue;
          double s1 = 0, s2 = 0;
          const std::size_t base = (static_cast<std::size_t>(kh) * KW + kw) * I;
          for (int i = 0; i < I; ++i) {
            const double wv = wt(o, base + static_cast<std::size_t>(i));
            s1 += wv * xs.mean[c0 + static_cast<std::size_t>(i)];
            s2 += wv * wv * xs.var[c0 + static_cast<std::size_t>(i)];
          }
          m += f * s1;
          v += f * s2 + f * (1 - f) * s1 * s1;
        }
      mean[static_cast<std::size_t>(o)] = m;
      var[static_cast<std::size_t>(o)] = v;
    }
  };

  // 1. Codes (or the shape of raw weights) and the LUT shapes.
  ConvParams p;
  p.groups = groups;
  p.win = win;
  p.weight_bits = b;
  p.lut_mode = per_channel_lut ? LutMode::PerChannel : LutMode::PerLayer;
  const Shape wshape{O, KH, KW, I};
  std::vector<float> raw_shape;  // b == 8: unit-scale Gaussian weights
  std::vector<std::vector<double>> shapes;  // b <= 4: LUT rows at unit scale
  if (lut) {
    p.weights = Tensor(DType::U8, wshape);
    std::uint8_t* c = p.weights.data<std::uint8_t>();
    std::uint64_t bits = 0;
    int left = 0;
    for (std::int64_t i = 0; i < p.weights.numel(); ++i) {
      if (left < b) bits = r.next(), left = 64;
      c[i] = static_cast<std::uint8_t>(bits & static_cast<std::uint64_t>(entries - 1));
      bits >>= b;
      left -= b;
    }
    const int rows = per_channel_lut ? O : 1;
    for (int l = 0; l < rows; ++l) {
      std::vector<double> s = lut_shape(r, entries);
      const double f = per_channel_lut ? r.uniform(0.6, 1.4) : 1.0;
      for (double& v : s) v *= f;
      shapes.push_back(std::move(s));
    }
  } else {
    p.weights = Tensor(DType::S8, wshape);
    raw_shape.resize(uO * per_o);
    for (float& v : raw_shape) v = static_cast<float>(r.normal());
  }

  // 2. The integer scale: a random one, lowered when the accumulator must stay inside acc_bits.
  double scale = r.uniform(20, 40);
  if (opt_.acc_bits < 32) {
    std::vector<double> um, uv;
    const std::uint8_t* c = lut ? p.weights.data<std::uint8_t>() : nullptr;
    if (lut)
      moments([&](int o, std::size_t i) { return shapes[per_channel_lut ? static_cast<std::size_t>(o) : 0][c[static_cast<std::size_t>(o) * per_o + i]]; }, um, uv);
    else
      moments([&](int o, std::size_t i) { return static_cast<double>(raw_shape[static_cast<std::size_t>(o) * per_o + i]); }, um, uv);
    double max_sd = 0;
    for (double v : uv) max_sd = std::max(max_sd, std::sqrt(v));
    // The bias keeps |mean| <= 1 sd, so 6 sd of headroom leaves about 5 beyond the mean.
    const double limit = std::ldexp(1.0, opt_.acc_bits - 1) / (6 * std::max(max_sd, 1e-9));
    scale = std::max(1.0, std::min(scale, limit));
  }

  // 3. Integer weights: the LUT (or the raw s8 weights) at that scale.
  if (lut) {
    const int rows = static_cast<int>(shapes.size());
    p.lut = Tensor(DType::S8, {rows, entries});
    std::int8_t* t = p.lut.data<std::int8_t>();
    for (int l = 0; l < rows; ++l)
      for (int e = 0; e < entries; ++e)
        t[l * entries + e] = to_s8(shapes[static_cast<std::size_t>(l)][static_cast<std::size_t>(e)] * scale);
  } else {
    std::int8_t* t = p.weights.data<std::int8_t>();
    for (std::size_t i = 0; i < raw_shape.size(); ++i) t[i] = to_s8(raw_shape[i] * scale);
  }
  std::vector<double> wdec(uO * per_o);  // decoded weights, for the moments and the weight exponent
  {
    for (int o = 0; o < O; ++o)
      for (std::size_t i = 0; i < per_o; ++i) wdec[static_cast<std::size_t>(o) * per_o + i] = p.weight(o, static_cast<std::int64_t>(i));
  }
  std::vector<double> mean, var;
  moments([&](int o, std::size_t i) { return wdec[static_cast<std::size_t>(o) * per_o + i]; }, mean, var);
  double sumsq = 0;
  for (double v : wdec) sumsq += v * v;
  const double rms_w = std::sqrt(sumsq / static_cast<double>(wdec.size()));

  // 4. Bias: folds the mean of the sum away and adds a random offset in units of the accumulator deviation.
  const bool rectified = act == Act::ReLU || act == Act::ReLU6;
  p.bias = Tensor(DType::S32, {O});
  std::vector<double> mu(uO), sigma(uO);
  for (std::size_t o = 0; o < uO; ++o) {
    sigma[o] = std::sqrt(var[o]);
    const double beta = rectified ? r.uniform(-0.5, 1.0) : r.uniform(-0.5, 0.5);
    const double bias = std::clamp(std::nearbyint(-mean[o] + beta * sigma[o]), -2147483648.0, 2147483647.0);
    p.bias.data<std::int32_t>()[o] = static_cast<std::int32_t>(bias);
    mu[o] = mean[o] + bias;
  }

  // 5. Shift, clamp and exponents.
  const ActRange ar = act_range(act);
  const int fan_in = static_cast<int>(per_o);
  const int e_w = rms_w > 0 ? static_cast<int>(std::lround(std::log2(std::sqrt(2.0 / fan_in) / rms_w))) : 0;
  int e_out = x.exponent + e_w;
  ValueStats ys;
  if (act == Act::Raw) {
    // An s32 output is neither shifted nor clamped: shift stays empty and clamp at its default, as a network
    // file stores it.
    ys.mean = mu;
    ys.var = var;
  } else {
    const int s_layer = choose_shift(mu, sigma, 0, uO, ar.lo, ar.hi, !rectified, opt_.saturation);
    std::vector<int> s(opt_.shift_per_channel ? uO : 1, s_layer);
    if (opt_.shift_per_channel)
      for (std::size_t o = 0; o < uO; ++o) s[o] = choose_shift(mu, sigma, o, 1, ar.lo, ar.hi, !rectified, opt_.saturation);
    p.shift = Tensor(DType::S8, {static_cast<std::int64_t>(s.size())});
    for (std::size_t i = 0; i < s.size(); ++i) p.shift.data<std::int8_t>()[i] = static_cast<std::int8_t>(s[i]);
    p.clamp = Clamp{ar.lo, ar.hi};
    // ReLU6 pins the output exponent so that act_max is 6.0; the weight exponent follows from it.
    e_out = act == Act::ReLU6 ? kReLU6Exponent : x.exponent + e_w + s_layer;
    std::vector<double> zmu(uO), zsd(uO);
    for (std::size_t o = 0; o < uO; ++o) {
      const double k = std::ldexp(1.0, -s[opt_.shift_per_channel ? o : 0]);
      zmu[o] = mu[o] * k;
      zsd[o] = sigma[o] * k;
    }
    ys = clamped_stats(std::move(zmu), std::move(zsd), ar.lo, ar.hi);
  }

  const int id = new_value(name, ar.dtype, OH, OW, O, e_out);
  stats_[static_cast<std::size_t>(id)] = std::move(ys);
  Layer l;
  l.name = name;
  l.op = op;
  l.inputs = {in};
  l.output = id;
  l.conv = std::move(p);
  net_.layers.push_back(std::move(l));
  return id;
}

int Builder::maxpool(const std::string& name, int in, int k, int stride, int pad) {
  return pool_layer(OpKind::MaxPool, name, in,
                    Window{.kh = k, .kw = k, .sh = stride, .sw = stride, .pad_top = pad, .pad_left = pad, .pad_bottom = pad, .pad_right = pad});
}

int Builder::avgpool(const std::string& name, int in, int k, int stride, int pad) {
  return pool_layer(OpKind::AvgPool, name, in,
                    Window{.kh = k, .kw = k, .sh = stride, .sw = stride, .pad_top = pad, .pad_left = pad, .pad_bottom = pad, .pad_right = pad});
}

int Builder::global_avgpool(const std::string& name, int in) {
  return pool_layer(OpKind::GlobalAvgPool, name, in, Window{});
}

int Builder::pool_layer(OpKind op, const std::string& name, int in, const Window& win0) {
  const ValueInfo x = value(in);
  const ValueStats& xs = stats_[static_cast<std::size_t>(in)];
  const std::size_t C = static_cast<std::size_t>(x.c);
  Window win = win0;
  if (op == OpKind::GlobalAvgPool) win = Window{.kh = x.h, .kw = x.w};
  const int OH = window_out(x.h, win.kh, win.sh, win.dh, win.pad_top, win.pad_bottom);
  const int OW = window_out(x.w, win.kw, win.sw, win.dw, win.pad_left, win.pad_right);
  // Expected number of real (non-pad) taps per window.
  double taps = 0;
  {
    const std::vector<double> fh = tap_fractions(x.h, OH, win.kh, win.sh, win.dh, win.pad_top);
    const std::vector<double> fw = tap_fractions(x.w, OW, win.kw, win.sw, win.dw, win.pad_left);
    for (double a : fh)
      for (double c : fw) taps += a * c;
  }
  Layer l;
  l.name = name;
  l.op = op;
  l.inputs = {in};
  if (op != OpKind::GlobalAvgPool) l.pool.win = win;
  ValueStats ys;
  int e_out = x.exponent;
  if (op == OpKind::MaxPool) {
    // The maximum of `taps` independent copies of each channel, on the integer grid of the input dtype.
    const int K = std::max(1, static_cast<int>(std::lround(taps)));
    const double lo = static_cast<double>(dtype_min(x.dtype)), hi = static_cast<double>(dtype_max(x.dtype));
    ys.mean.resize(C);
    ys.var.resize(C);
    for (std::size_t c = 0; c < C; ++c) {
      const bool g = !xs.mu.empty();
      const double mu = g ? xs.mu[c] : xs.mean[c], sd = g ? xs.sigma[c] : std::sqrt(xs.var[c]);
      const double a = g ? xs.lo : lo, b = g ? xs.hi : hi;
      double m1 = 0, m2 = 0, prev = 0;
      for (double v = a; v <= b; v += 1) {
        const double F = v >= b ? 1.0 : (sd < 1e-12 ? (mu < v + 0.5 ? 1.0 : 0.0) : Phi((v + 0.5 - mu) / sd));
        const double Fk = std::pow(F, K);
        m1 += v * (Fk - prev);
        m2 += v * v * (Fk - prev);
        prev = Fk;
      }
      ys.mean[c] = m1;
      ys.var[c] = std::max(0.0, m2 - m1 * m1);
    }
  } else {
    // AvgPool, GlobalAvgPool: the window sum of `taps` independent inputs, shifted into the output dtype.
    const double lo = static_cast<double>(dtype_min(x.dtype)), hi = static_cast<double>(dtype_max(x.dtype));
    std::vector<double> mu(C), sd(C);
    for (std::size_t c = 0; c < C; ++c) {
      mu[c] = taps * xs.mean[c];
      sd[c] = std::sqrt(taps * xs.var[c]);
    }
    const int s = choose_shift(mu, sd, 0, C, lo, hi, lo < 0, opt_.saturation);
    l.pool.shift = s;
    l.pool.clamp = Clamp{static_cast<std::int32_t>(lo), static_cast<std::int32_t>(hi)};
    e_out = x.exponent + s;
    for (std::size_t c = 0; c < C; ++c) {
      mu[c] = std::ldexp(mu[c], -s);
      sd[c] = std::ldexp(sd[c], -s);
    }
    ys = clamped_stats(std::move(mu), std::move(sd), lo, hi);
  }
  const int id = new_value(name, x.dtype, OH, OW, x.c, e_out);
  stats_[static_cast<std::size_t>(id)] = std::move(ys);
  l.output = id;
  net_.layers.push_back(std::move(l));
  return id;
}

int Builder::add(const std::string& name, int a, int b, Act act) {
  const ValueInfo va = value(a), vb = value(b);
  const ValueStats& sa = stats_[static_cast<std::size_t>(a)];
  const ValueStats& sb = stats_[static_cast<std::size_t>(b)];
  // Align both inputs to the finer exponent: (a << la) and (b << lb) then share the exponent e_acc.
  const int e_acc = std::min(va.exponent, vb.exponent);
  const int la = va.exponent - e_acc, lb = vb.exponent - e_acc;
  if (la > 15 || lb > 15)
    throw Error("zoo: layer '" + name + "': the exponents of its inputs differ by more than 15");
  const ActRange ar = act_range(act);
  const std::size_t C = static_cast<std::size_t>(va.c);
  std::vector<double> mu(C), sd(C);
  const double ka = std::ldexp(1.0, la), kb = std::ldexp(1.0, lb);
  for (std::size_t c = 0; c < C; ++c) {
    mu[c] = sa.mean[c] * ka + sb.mean[c] * kb;
    sd[c] = std::sqrt(sa.var[c] * ka * ka + sb.var[c] * kb * kb);
  }
  const bool rectified = act == Act::ReLU || act == Act::ReLU6;
  const int s = choose_shift(mu, sd, 0, C, ar.lo, ar.hi, !rectified, opt_.saturation);
  for (std::size_t c = 0; c < C; ++c) {
    mu[c] = std::ldexp(mu[c], -s);
    sd[c] = std::ldexp(sd[c], -s);
  }
  Layer l;
  l.name = name;
  l.op = OpKind::Add;
  l.inputs = {a, b};
  l.add = AddParams{.la = la, .lb = lb, .shift = s, .clamp = Clamp{ar.lo, ar.hi}};
  const int id = new_value(name, ar.dtype, va.h, va.w, va.c, e_acc + s);
  stats_[static_cast<std::size_t>(id)] = clamped_stats(std::move(mu), std::move(sd), ar.lo, ar.hi);
  l.output = id;
  net_.layers.push_back(std::move(l));
  return id;
}

int Builder::reshape(const std::string& name, int in, int h, int w, int c) {
  const ValueInfo x = value(in);
  const ValueStats& xs = stats_[static_cast<std::size_t>(in)];
  // Output channel j at position p holds input element (p * c + j), of input channel (p * c + j) % x.c: each
  // output channel is the mixture of those input channels over the positions.
  ValueStats ys;
  const std::size_t uc = static_cast<std::size_t>(c);
  ys.mean.assign(uc, 0.0);
  ys.var.assign(uc, 0.0);
  const std::int64_t positions = std::int64_t{h} * w;
  for (std::size_t j = 0; j < uc; ++j) {
    double m1 = 0, m2 = 0;
    for (std::int64_t pos = 0; pos < positions; ++pos) {
      const std::size_t ic = static_cast<std::size_t>((pos * c + static_cast<std::int64_t>(j)) % x.c);
      m1 += xs.mean[ic];
      m2 += xs.var[ic] + xs.mean[ic] * xs.mean[ic];
    }
    m1 /= static_cast<double>(positions);
    m2 /= static_cast<double>(positions);
    ys.mean[j] = m1;
    ys.var[j] = std::max(0.0, m2 - m1 * m1);
  }
  const int id = new_value(name, x.dtype, h, w, c, x.exponent);
  stats_[static_cast<std::size_t>(id)] = std::move(ys);
  Layer l;
  l.name = name;
  l.op = OpKind::Reshape;
  l.inputs = {in};
  l.output = id;
  net_.layers.push_back(std::move(l));
  return id;
}

Network Builder::finish(int output) {
  net_.output = output;
  validate(net_);
  return std::move(net_);
}

}  // namespace lutsim::zoo
