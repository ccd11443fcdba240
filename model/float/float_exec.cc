// The float (dequantized) executor; see lutsim/model/float_exec.h.
//
// Plain loops in the reference kernels' output order. Each kernel is the integer contract with wrap_A, the
// rounding of rshift_round and the integer clamp replaced by their exact real counterparts.
#include "lutsim/model/float_exec.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace lutsim {
namespace {

std::int64_t nhwc(const Shape& s, std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c) {
  return ((n * s[1] + h) * s[2] + w) * s[3] + c;
}

// The real clamp of the float run: the integer clamp without the integer.
double fclamp(double v, const Clamp& c) {
  return std::clamp(v, static_cast<double>(c.act_min), static_cast<double>(c.act_max));
}

void conv(const Layer& l, const FloatValue& x, FloatValue& y, DType out_dtype) {
  const ConvParams& p = l.conv;
  const Window& w = p.win;
  const std::int64_t N = y.shape[0], OH = y.shape[1], OW = y.shape[2], O = y.shape[3];
  const std::int64_t H = x.shape[1], W = x.shape[2];
  const std::int64_t KH = p.weights.dim(1), KW = p.weights.dim(2), I = p.weights.dim(3);
  const std::int64_t o_per_group = O / p.groups;
  // The decoded weights, [O][KH*KW*I], once per run rather than once per tap.
  const std::int64_t per_o = KH * KW * I;
  std::vector<double> wd(static_cast<std::size_t>(O * per_o));
  for (std::int64_t o = 0; o < O; ++o)
    for (std::int64_t j = 0; j < per_o; ++j) wd[static_cast<std::size_t>(o * per_o + j)] = p.weight(static_cast<int>(o), j);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t oh = 0; oh < OH; ++oh)
      for (std::int64_t ow = 0; ow < OW; ++ow)
        for (std::int64_t o = 0; o < O; ++o) {
          const std::int64_t g = o / o_per_group;
          double sum = p.bias.data<std::int32_t>()[o];
          for (std::int64_t kh = 0; kh < KH; ++kh)
            for (std::int64_t kw = 0; kw < KW; ++kw) {
              const std::int64_t ih = oh * w.sh + kh * w.dh - w.pad_top;
              const std::int64_t iw = ow * w.sw + kw * w.dw - w.pad_left;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // pad positions read 0
              for (std::int64_t i = 0; i < I; ++i)
                sum += wd[static_cast<std::size_t>(o * per_o + (kh * KW + kw) * I + i)] *
                       x.q[static_cast<std::size_t>(nhwc(x.shape, n, ih, iw, g * I + i))];
            }
          double v = sum;  // s32 output: the exact bias + sum, no wrap
          if (out_dtype != DType::S32) {
            const int s = static_cast<int>(p.shift.get(p.per_channel_shift() ? o : 0));
            v = fclamp(std::ldexp(sum, -s), p.clamp);
          }
          y.q[static_cast<std::size_t>(nhwc(y.shape, n, oh, ow, o))] = v;
        }
}

void pool(const Layer& l, const FloatValue& x, FloatValue& y) {
  const std::int64_t N = y.shape[0], OH = y.shape[1], OW = y.shape[2], C = y.shape[3];
  const std::int64_t H = x.shape[1], W = x.shape[2];
  Window w = l.pool.win;
  if (l.op == OpKind::GlobalAvgPool) w = Window{.kh = static_cast<int>(H), .kw = static_cast<int>(W)};
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t oh = 0; oh < OH; ++oh)
      for (std::int64_t ow = 0; ow < OW; ++ow)
        for (std::int64_t c = 0; c < C; ++c) {
          double sum = 0;
          double mx = -std::numeric_limits<double>::infinity();
          for (std::int64_t kh = 0; kh < w.kh; ++kh)
            for (std::int64_t kw = 0; kw < w.kw; ++kw) {
              const std::int64_t ih = oh * w.sh + kh * w.dh - w.pad_top;
              const std::int64_t iw = ow * w.sw + kw * w.dw - w.pad_left;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // ignored by max, 0 in the sum
              const double v = x.q[static_cast<std::size_t>(nhwc(x.shape, n, ih, iw, c))];
              sum += v;
              mx = std::max(mx, v);
            }
          y.q[static_cast<std::size_t>(nhwc(y.shape, n, oh, ow, c))] =
              l.op == OpKind::MaxPool ? mx : fclamp(std::ldexp(sum, -l.pool.shift), l.pool.clamp);
        }
}

void add(const Layer& l, const FloatValue& a, const FloatValue& b, FloatValue& y) {
  const AddParams& p = l.add;
  for (std::size_t i = 0; i < y.q.size(); ++i)
    y.q[i] = fclamp(std::ldexp(std::ldexp(a.q[i], p.la) + std::ldexp(b.q[i], p.lb), -p.shift), p.clamp);
}

void concat(const std::vector<const FloatValue*>& ins, FloatValue& y) {
  const std::int64_t pixels = y.shape[0] * y.shape[1] * y.shape[2];
  const std::int64_t C = y.shape[3];
  for (std::int64_t px = 0; px < pixels; ++px) {
    std::int64_t c0 = 0;
    for (const FloatValue* t : ins) {
      const std::int64_t ci = t->shape[3];
      for (std::int64_t c = 0; c < ci; ++c)
        y.q[static_cast<std::size_t>(px * C + c0 + c)] = t->q[static_cast<std::size_t>(px * ci + c)];
      c0 += ci;
    }
  }
}

}  // namespace

double FloatValue::real(std::int64_t i) const { return std::ldexp(q[static_cast<std::size_t>(i)], exponent); }

FloatExecutor::FloatExecutor(const Network& net) : net_(net) { validate(net_); }

FloatRunResult FloatExecutor::run(const Tensor& input) const {
  const ValueInfo& iv = net_.value(net_.input);
  if (input.dtype() != iv.dtype || input.rank() != 4 || input.dim(0) < 1 || input.dim(1) != iv.h ||
      input.dim(2) != iv.w || input.dim(3) != iv.c)
    throw Error("input is " + std::string(dtype_name(input.dtype())) + " " + shape_str(input.shape()) + ", network '" +
                net_.name + "' expects " + std::string(dtype_name(iv.dtype)) + " [N, " + std::to_string(iv.h) + ", " +
                std::to_string(iv.w) + ", " + std::to_string(iv.c) + "]");
  const std::int64_t N = input.dim(0);

  FloatRunResult r;
  r.values.resize(net_.values.size());
  FloatValue& in = r.values[static_cast<std::size_t>(net_.input)];
  in.shape = input.shape();
  in.exponent = iv.exponent;
  in.q.resize(static_cast<std::size_t>(input.numel()));
  for (std::int64_t i = 0; i < input.numel(); ++i) in.q[static_cast<std::size_t>(i)] = static_cast<double>(input.get(i));

  for (const Layer& l : net_.layers) {
    const ValueInfo& ov = net_.value(l.output);
    FloatValue y;
    y.shape = {N, ov.h, ov.w, ov.c};
    y.exponent = ov.exponent;
    y.q.assign(static_cast<std::size_t>(shape_numel(y.shape)), 0.0);
    std::vector<const FloatValue*> ins;
    for (int id : l.inputs) ins.push_back(&r.values[static_cast<std::size_t>(id)]);
    switch (l.op) {
      case OpKind::Conv2D:
      case OpKind::Dense: conv(l, *ins[0], y, ov.dtype); break;
      case OpKind::MaxPool:
      case OpKind::AvgPool:
      case OpKind::GlobalAvgPool: pool(l, *ins[0], y); break;
      case OpKind::Add: add(l, *ins[0], *ins[1], y); break;
      case OpKind::Concat: concat(ins, y); break;
      case OpKind::Reshape: y.q = ins[0]->q; break;  // NHWC element order is kept
    }
    r.values[static_cast<std::size_t>(l.output)] = std::move(y);
  }
  r.output = r.values[static_cast<std::size_t>(net_.output)];
  return r;
}

std::vector<LayerError> quantization_error(const Network& net, const RunResult& int_run,
                                           const FloatRunResult& float_run) {
  if (int_run.values.size() != net.values.size())
    throw Error("quantization error of network '" + net.name +
                "': the integer run kept no values (run the Executor with keep_values)");
  if (float_run.values.size() != net.values.size())
    throw Error("quantization error of network '" + net.name + "': the float run is of another network");
  std::vector<LayerError> rows;
  for (const Layer& l : net.layers) {
    const std::size_t id = static_cast<std::size_t>(l.output);
    const Tensor& q = int_run.values[id];
    const FloatValue& f = float_run.values[id];
    if (q.shape() != f.shape)
      throw Error("quantization error of layer '" + l.name + "': value '" + net.value(l.output).name +
                  "' is " + shape_str(q.shape()) + " in the integer run and " + shape_str(f.shape) +
                  " in the float run");
    LayerError e;
    e.layer = l.name;
    e.value = net.value(l.output).name;
    e.count = q.numel();
    const int exp = net.value(l.output).exponent;
    double sum_abs = 0, sum_f2 = 0, sum_d2 = 0;
    for (std::int64_t i = 0; i < q.numel(); ++i) {
      const double fr = f.real(i);
      const double d = std::ldexp(static_cast<double>(q.get(i)), exp) - fr;
      e.max_abs = std::max(e.max_abs, std::fabs(d));
      sum_abs += std::fabs(d);
      sum_f2 += fr * fr;
      sum_d2 += d * d;
    }
    e.mean_abs = e.count ? sum_abs / static_cast<double>(e.count) : 0.0;
    e.snr_db = sum_d2 == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(sum_f2 / sum_d2);
    rows.push_back(std::move(e));
  }
  return rows;
}

std::vector<LayerError> quantization_error(const Network& net, const Tensor& input, const RunResult& int_run) {
  return quantization_error(net, int_run, FloatExecutor(net).run(input));
}

std::string format_error_table(const std::vector<LayerError>& rows) {
  std::size_t wl = 5, wv = 5;
  for (const LayerError& e : rows) {
    wl = std::max(wl, e.layer.size());
    wv = std::max(wv, e.value.size());
  }
  std::ostringstream out;
  out << std::left << std::setw(static_cast<int>(wl)) << "layer" << "  " << std::setw(static_cast<int>(wv)) << "value"
      << std::right << "  " << std::setw(12) << "max_abs" << "  " << std::setw(12) << "mean_abs" << "  "
      << std::setw(9) << "snr_db" << "\n";
  for (const LayerError& e : rows) {
    out << std::left << std::setw(static_cast<int>(wl)) << e.layer << "  " << std::setw(static_cast<int>(wv)) << e.value
        << std::right << "  " << std::setw(12) << std::setprecision(6) << std::defaultfloat << e.max_abs << "  "
        << std::setw(12) << e.mean_abs << "  " << std::setw(9) << std::fixed << std::setprecision(2) << e.snr_db
        << "\n";
  }
  return out.str();
}

}  // namespace lutsim
