#include "lutsim/quant/float_graph.h"

#include <algorithm>
#include <cmath>

#include "lutsim/model/error.h"

namespace lutsim::quant {

const char* fop_name(FOp op) {
  switch (op) {
    case FOp::Conv: return "conv";
    case FOp::Dense: return "dense";
    case FOp::MaxPool: return "maxpool";
    case FOp::AvgPool: return "avgpool";
    case FOp::GlobalAvgPool: return "global_avgpool";
    case FOp::Add: return "add";
    case FOp::Concat: return "concat";
    case FOp::Reshape: return "reshape";
  }
  return "?";
}

int FloatGraph::producer(int value) const {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].output == value) return static_cast<int>(i);
  return -1;
}

std::vector<int> FloatGraph::consumers(int value) const {
  std::vector<int> r;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (std::find(nodes[i].inputs.begin(), nodes[i].inputs.end(), value) != nodes[i].inputs.end())
      r.push_back(static_cast<int>(i));
  return r;
}

void check_graph(const FloatGraph& g) {
  std::vector<bool> defined(g.values.size(), false);
  if (g.input < 0 || static_cast<std::size_t>(g.input) >= g.values.size()) throw Error("float graph: no input value");
  defined[static_cast<std::size_t>(g.input)] = true;
  for (const FNode& n : g.nodes) {
    const std::string where = "node '" + n.name + "' (" + fop_name(n.op) + "): ";
    for (int v : n.inputs)
      if (v < 0 || static_cast<std::size_t>(v) >= g.values.size() || !defined[static_cast<std::size_t>(v)])
        throw Error(where + "reads a value that no earlier node computes");
    if (n.output < 0 || static_cast<std::size_t>(n.output) >= g.values.size() || defined[static_cast<std::size_t>(n.output)])
      throw Error(where + "output is undefined or computed twice");
    defined[static_cast<std::size_t>(n.output)] = true;
    if ((n.op == FOp::Conv || n.op == FOp::Dense) &&
        (n.w.size() != static_cast<std::size_t>(n.O * n.per_out()) || n.b.size() != static_cast<std::size_t>(n.O)))
      throw Error(where + "weights or bias of the wrong size");
  }
  if (g.output < 0 || static_cast<std::size_t>(g.output) >= g.values.size() || !defined[static_cast<std::size_t>(g.output)])
    throw Error("float graph: the output value is not computed");
}

namespace {

inline float act(const Act& a, float v) { return std::min(std::max(v, a.lo), a.hi); }

void conv(const FNode& nd, const FTensor& x, FTensor& y, int img) {
  const Window& W = nd.win;
  const int Og = nd.O / nd.groups;
  const float* xi = x.d.data() + static_cast<std::size_t>(img) * static_cast<std::size_t>(x.per_image());
  float* yi = y.d.data() + static_cast<std::size_t>(img) * static_cast<std::size_t>(y.per_image());
  for (int oh = 0; oh < y.h; ++oh)
    for (int ow = 0; ow < y.w; ++ow)
      for (int o = 0; o < nd.O; ++o) {
        const int g = o / Og;
        double s = nd.b[static_cast<std::size_t>(o)];
        const float* wo = nd.w.data() + static_cast<std::size_t>(o) * static_cast<std::size_t>(nd.per_out());
        for (int kh = 0; kh < nd.KH; ++kh) {
          const int ih = oh * W.sh + kh * W.dh - W.pad_top;
          if (ih < 0 || ih >= x.h) continue;
          for (int kw = 0; kw < nd.KW; ++kw) {
            const int iw = ow * W.sw + kw * W.dw - W.pad_left;
            if (iw < 0 || iw >= x.w) continue;
            const float* xp = xi + (static_cast<std::size_t>(ih) * x.w + iw) * x.c + static_cast<std::size_t>(g) * nd.I;
            const float* wp = wo + (static_cast<std::size_t>(kh) * nd.KW + kw) * nd.I;
            float acc = 0;
            for (int i = 0; i < nd.I; ++i) acc += wp[i] * xp[i];
            s += acc;
          }
        }
        yi[(static_cast<std::size_t>(oh) * y.w + ow) * y.c + o] = act(nd.act, static_cast<float>(s));
      }
}

void pool(const FNode& nd, const FTensor& x, FTensor& y, int img) {
  Window W = nd.win;
  if (nd.op == FOp::GlobalAvgPool) W = Window{.kh = x.h, .kw = x.w};
  const float* xi = x.d.data() + static_cast<std::size_t>(img) * static_cast<std::size_t>(x.per_image());
  float* yi = y.d.data() + static_cast<std::size_t>(img) * static_cast<std::size_t>(y.per_image());
  const bool mx = nd.op == FOp::MaxPool;
  const float inv = 1.0f / static_cast<float>(W.kh * W.kw);
  for (int oh = 0; oh < y.h; ++oh)
    for (int ow = 0; ow < y.w; ++ow)
      for (int c = 0; c < y.c; ++c) {
        float m = -std::numeric_limits<float>::infinity();
        double s = 0;
        for (int kh = 0; kh < W.kh; ++kh) {
          const int ih = oh * W.sh + kh * W.dh - W.pad_top;
          if (ih < 0 || ih >= x.h) continue;
          for (int kw = 0; kw < W.kw; ++kw) {
            const int iw = ow * W.sw + kw * W.dw - W.pad_left;
            if (iw < 0 || iw >= x.w) continue;
            const float v = xi[(static_cast<std::size_t>(ih) * x.w + iw) * x.c + c];
            m = std::max(m, v);
            s += v;
          }
        }
        yi[(static_cast<std::size_t>(oh) * y.w + ow) * y.c + c] = mx ? m : act(nd.act, static_cast<float>(s) * inv);
      }
}

}  // namespace

std::vector<FTensor> run_float(const FloatGraph& g, const FTensor& x, bool keep_all, int threads) {
  const FValue& in = g.values[static_cast<std::size_t>(g.input)];
  if (x.h != in.h || x.w != in.w || x.c != in.c || x.d.size() != static_cast<std::size_t>(x.n * x.per_image()))
    throw Error("float graph: input batch of shape [" + std::to_string(x.n) + ", " + std::to_string(x.h) + ", " +
                std::to_string(x.w) + ", " + std::to_string(x.c) + "] does not match the input '" + in.name + "' [N, " +
                std::to_string(in.h) + ", " + std::to_string(in.w) + ", " + std::to_string(in.c) + "]");
  std::vector<FTensor> v(g.values.size());
  // Last use of each value, to free intermediates early when not keeping them.
  std::vector<int> last(g.values.size(), -1);
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    for (int u : g.nodes[i].inputs) last[static_cast<std::size_t>(u)] = static_cast<int>(i);
  v[static_cast<std::size_t>(g.input)] = x;
  for (std::size_t ni = 0; ni < g.nodes.size(); ++ni) {
    const FNode& nd = g.nodes[ni];
    const FValue& ov = g.values[static_cast<std::size_t>(nd.output)];
    FTensor& y = v[static_cast<std::size_t>(nd.output)];
    y.n = x.n, y.h = ov.h, y.w = ov.w, y.c = ov.c;
    y.d.assign(static_cast<std::size_t>(y.n * y.per_image()), 0.0f);
    const FTensor& a = v[static_cast<std::size_t>(nd.inputs[0])];
    switch (nd.op) {
      case FOp::Conv:
      case FOp::Dense: {
        FTensor a1 = a;
        if (nd.op == FOp::Dense) a1.h = 1, a1.w = 1, a1.c = static_cast<int>(a.per_image());
#pragma omp parallel for num_threads(threads) schedule(dynamic)
        for (int i = 0; i < x.n; ++i) conv(nd, a1, y, i);
        break;
      }
      case FOp::MaxPool:
      case FOp::AvgPool:
      case FOp::GlobalAvgPool:
#pragma omp parallel for num_threads(threads) schedule(dynamic)
        for (int i = 0; i < x.n; ++i) pool(nd, a, y, i);
        break;
      case FOp::Add: {
        const FTensor& b = v[static_cast<std::size_t>(nd.inputs[1])];
        for (std::size_t i = 0; i < y.d.size(); ++i) y.d[i] = act(nd.act, a.d[i] + b.d[i]);
        break;
      }
      case FOp::Concat: {
        int off = 0;
        for (int u : nd.inputs) {
          const FTensor& t = v[static_cast<std::size_t>(u)];
          const std::int64_t px = static_cast<std::int64_t>(y.n) * y.h * y.w;
          for (std::int64_t p = 0; p < px; ++p)
            std::copy_n(t.d.data() + p * t.c, t.c, y.d.data() + p * y.c + off);
          off += t.c;
        }
        break;
      }
      case FOp::Reshape:
        y.d = a.d;
        break;
    }
    if (!keep_all)
      for (int u : nd.inputs)
        if (last[static_cast<std::size_t>(u)] == static_cast<int>(ni) && u != g.output) {
          v[static_cast<std::size_t>(u)].d.clear();
          v[static_cast<std::size_t>(u)].d.shrink_to_fit();
        }
  }
  return v;
}

}  // namespace lutsim::quant
