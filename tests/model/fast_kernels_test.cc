// The fast kernels equal the reference kernels bit for bit, statistics included.
//
// Randomised layers (every op kind; conv and dense with odd sizes, groups, depthwise, stride, dilation,
// asymmetric pads, u8/s8 inputs, u8/s8/s32 outputs, 1-4 bit LUT codes in both LUT modes and raw 8-bit
// weights, per-layer and per-channel shifts over [-15, 31], accumulator widths 16..32, all rounding modes,
// clamps, biases up to the whole s32 range) run through the reference kernel and through the fast kernel on
// the portable and the AVX-512 VNNI back end with 1 and 2 threads. Directed tests cover the post-processing
// edges (ties, wrap boundaries, s32 overflow of bias + sum), the 64-bit fallback, and a whole network through
// the executor. LUTSIM_TEST_SEED=<n> changes the seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lutsim/model/executor.h"
#include "lutsim/model/fast_kernels.h"
#include "lutsim/model/kernels.h"
#include "lutsim/model/network.h"

namespace lutsim {
namespace {

using Rng = std::mt19937_64;

std::uint64_t test_seed() {
  const char* s = std::getenv("LUTSIM_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20261123u;
}

std::int64_t uni(Rng& r, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(r);
}
int unii(Rng& r, int lo, int hi) { return static_cast<int>(uni(r, lo, hi)); }
bool coin(Rng& r, double p) { return std::bernoulli_distribution(p)(r); }
template <class T>
T pick(Rng& r, std::initializer_list<T> v) {
  return *(v.begin() + uni(r, 0, static_cast<std::int64_t>(v.size()) - 1));
}

// A tensor of dtype dt with uniform values, or (sometimes) only the extreme values of the dtype.
Tensor random_tensor(Rng& r, DType dt, const Shape& shape) {
  Tensor t(dt, shape);
  const std::int64_t lo = dtype_min(dt), hi = dtype_max(dt);
  const int mode = unii(r, 0, 9);
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    std::int64_t v = uni(r, lo, hi);
    if (mode == 0) v = coin(r, 0.5) ? lo : hi;                   // extremes only
    if (mode == 1 && dt != DType::S32) v = uni(r, lo, lo + 3);  // near the minimum
    t.set(i, v);
  }
  return t;
}

// One layer under test inside a valid network. Extra inputs of add/concat (and s32 inputs) are produced by
// "feeder" 1x1 convs from the network input, because validate() wants every value computed by some layer.
struct LayerCase {
  Network net;
  int target = -1;  // index of the layer under test
  ArithConfig cfg;
  int batch = 1;
  std::string desc;
};

class CaseBuilder {
 public:
  explicit CaseBuilder(const std::string& name) { c_.net.name = name; }
  int value(DType dt, int h, int w, int ch) {
    const int id = static_cast<int>(c_.net.values.size());
    c_.net.values.push_back(ValueInfo{"v" + std::to_string(id), dt, h, w, ch, 0});
    return id;
  }
  Layer& layer(OpKind op, std::vector<int> inputs, int output) {
    Layer l;
    l.name = "l" + std::to_string(c_.net.layers.size());
    l.op = op;
    l.inputs = std::move(inputs);
    l.output = output;
    c_.net.layers.push_back(std::move(l));
    return c_.net.layers.back();
  }
  // A value of dtype dt and ch channels with the input's spatial size, computed by a 1x1 conv of the input.
  int feeder(DType dt, int ch) {
    const ValueInfo in = c_.net.value(0);
    const int id = value(dt, in.h, in.w, ch);
    Layer& l = layer(OpKind::Conv2D, {0}, id);
    l.conv.weight_bits = 8;
    l.conv.weights = Tensor(DType::S8, {ch, 1, 1, in.c});
    l.conv.bias = Tensor(DType::S32, {ch});
    l.conv.shift = Tensor(DType::S8, {1});
    l.conv.clamp = {static_cast<std::int32_t>(std::max<std::int64_t>(dtype_min(dt), -128)),
                    static_cast<std::int32_t>(std::min<std::int64_t>(dtype_max(dt), 255))};
    return id;
  }
  // Finishes with the layer last added as the layer under test; throws lutsim::Error when invalid.
  LayerCase finish(const ArithConfig& cfg, int batch, std::string desc) {
    c_.net.input = 0;
    c_.net.output = c_.net.layers.back().output;
    c_.target = static_cast<int>(c_.net.layers.size()) - 1;
    c_.cfg = cfg;
    c_.batch = batch;
    c_.desc = std::move(desc);
    validate(c_.net);
    return std::move(c_);
  }

 private:
  LayerCase c_;
};

ArithConfig random_arith(Rng& r) {
  ArithConfig a;
  a.acc_bits = coin(r, 0.8) ? pick(r, {16, 24, 32}) : unii(r, 16, 32);
  a.rounding = pick(r, {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor});
  return a;
}

Clamp random_clamp(Rng& r, DType dt) {
  const int lo = static_cast<int>(dtype_min(dt)), hi = static_cast<int>(dtype_max(dt));
  if (coin(r, 0.3)) return {lo, hi};
  int a = unii(r, lo, hi), b = unii(r, lo, hi);
  if (a > b) std::swap(a, b);
  if (coin(r, 0.3)) a = std::max(0, lo);  // ReLU-like
  return {a, std::max(a, b)};
}

// A shift near log2 of a typical magnitude, so that outputs are neither all clamped nor all zero; sometimes
// anything in [-15, 31].
int random_shift(Rng& r, double magnitude) {
  if (coin(r, 0.2)) return unii(r, kMinShift, kMaxShift);
  const int s = static_cast<int>(std::lround(std::log2(std::max(1.0, magnitude)))) - 7 + unii(r, -3, 3);
  return std::clamp(s, kMinShift, kMaxShift);
}

std::string dt_str(DType d) { return std::string(dtype_name(d)); }

std::string arith_str(const ArithConfig& a) {
  return "A=" + std::to_string(a.acc_bits) + " " + std::string(rounding_name(a.rounding));
}

// A random conv2d or dense layer, at most about max_macs multiply-accumulates per batch.
LayerCase random_conv(Rng& r, bool dense, std::int64_t max_macs) {
  for (;;) {
    const DType in_dt = pick(r, {DType::U8, DType::S8});
    const DType out_dt = pick(r, {DType::U8, DType::U8, DType::S8, DType::S8, DType::S32});
    int G = 1, I = 1, Og = 1;
    Window w;
    int H = 1, W = 1;
    std::string kind;
    if (dense) {
      kind = "dense";
      I = coin(r, 0.2) ? unii(r, 100, 600) : unii(r, 1, 80);
      Og = coin(r, 0.2) ? unii(r, 60, 140) : unii(r, 1, 70);
    } else {
      switch (unii(r, 0, 9)) {
        case 0: case 1: case 2: case 3: case 4:
          kind = "conv";
          I = coin(r, 0.15) ? unii(r, 25, 70) : unii(r, 1, 24);
          Og = coin(r, 0.15) ? unii(r, 60, 90) : unii(r, 1, 40);
          break;
        case 5: case 6:
          kind = "grouped";
          G = unii(r, 2, 5);
          I = unii(r, 1, 12);
          Og = unii(r, 1, 24);
          break;
        case 7: case 8:
          kind = "depthwise";
          G = unii(r, 1, 70);
          break;
        default:
          kind = "grouped-narrow";  // one input or one output channel per group, not depthwise
          G = unii(r, 1, 9);
          if (coin(r, 0.5)) Og = unii(r, 2, 5); else I = unii(r, 2, 5);
          break;
      }
      w.kh = coin(r, 0.1) ? 7 : unii(r, 1, 5);
      w.kw = coin(r, 0.1) ? 7 : unii(r, 1, 5);
      if (kind == "depthwise" && coin(r, 0.5)) w.kh = w.kw = 3;  // the 3x3 depthwise kernel has its own code
      w.sh = coin(r, 0.6) ? 1 : unii(r, 2, 3);
      w.sw = coin(r, 0.6) ? 1 : unii(r, 2, 3);
      w.dh = coin(r, 0.75) ? 1 : unii(r, 2, 3);
      w.dw = coin(r, 0.75) ? 1 : unii(r, 2, 3);
      w.pad_top = coin(r, 0.4) ? 0 : unii(r, 1, 3);
      w.pad_left = coin(r, 0.4) ? 0 : unii(r, 1, 3);
      w.pad_bottom = coin(r, 0.4) ? 0 : unii(r, 1, 3);
      w.pad_right = coin(r, 0.4) ? 0 : unii(r, 1, 3);
      H = unii(r, 1, 13);
      W = unii(r, 1, 13);
    }
    const int C = G * I, O = G * Og;
    const int OH = window_out(H, w.kh, w.sh, w.dh, w.pad_top, w.pad_bottom);
    const int OW = window_out(W, w.kw, w.sw, w.dw, w.pad_left, w.pad_right);
    if (OH < 1 || OW < 1) continue;
    const int batch = coin(r, 0.7) ? 1 : unii(r, 2, 3);
    const std::int64_t K = std::int64_t{w.kh} * w.kw * I;
    if (std::int64_t{batch} * OH * OW * O * K > max_macs) continue;

    CaseBuilder b("case");
    const int x = b.value(in_dt, H, W, C);
    const int y = b.value(out_dt, OH, OW, O);
    Layer& l = b.layer(dense ? OpKind::Dense : OpKind::Conv2D, {x}, y);
    ConvParams& p = l.conv;
    p.groups = G;
    p.win = w;
    p.weight_bits = pick(r, {1, 2, 3, 4, 4, 8});
    p.lut_mode = coin(r, 0.5) ? LutMode::PerChannel : LutMode::PerLayer;
    if (p.weight_bits == 8) {
      p.weights = random_tensor(r, DType::S8, {O, w.kh, w.kw, I});
    } else {
      p.weights = Tensor(DType::U8, {O, w.kh, w.kw, I});
      for (std::int64_t i = 0; i < p.weights.numel(); ++i) p.weights.set(i, uni(r, 0, (1 << p.weight_bits) - 1));
      p.lut = random_tensor(r, DType::S8, {p.lut_mode == LutMode::PerChannel ? O : 1, 1 << p.weight_bits});
    }
    // Bias magnitude: none, small, or large enough to force wraps at A = 16 and 24, up to the whole s32 range.
    const std::int64_t bias_mag = pick<std::int64_t>(r, {0, 1000, 1 << 16, 1 << 20, 1 << 24, 1 << 28, INT32_MAX});
    p.bias = Tensor(DType::S32, {O});
    for (int o = 0; o < O; ++o) p.bias.set(o, uni(r, -bias_mag, bias_mag));
    const bool per_channel_shift = coin(r, 0.5);
    const double magnitude = std::sqrt(static_cast<double>(K)) * 64.0 * 80.0 + static_cast<double>(bias_mag) / 4;
    if (out_dt != DType::S32) {
      p.shift = Tensor(DType::S8, {per_channel_shift ? O : 1});
      for (std::int64_t i = 0; i < p.shift.numel(); ++i) p.shift.set(i, random_shift(r, magnitude));
      p.clamp = random_clamp(r, out_dt);
    } else if (coin(r, 0.5)) {
      p.shift = Tensor(DType::S8, {1});  // present but unused for an s32 output
    }
    const ArithConfig cfg = random_arith(r);
    std::ostringstream d;
    d << kind << " " << dt_str(in_dt) << "->" << dt_str(out_dt) << " N" << batch << " " << H << "x" << W << "x" << C
      << " -> " << OH << "x" << OW << "x" << O << " G" << G << " k" << w.kh << "x" << w.kw << " s" << w.sh << ","
      << w.sw << " d" << w.dh << "," << w.dw << " pads t" << w.pad_top << " l" << w.pad_left << " b" << w.pad_bottom
      << " r" << w.pad_right << " b" << p.weight_bits << " " << lut_mode_name(p.lut_mode) << " bias<=" << bias_mag
      << (per_channel_shift ? " shift/ch " : " shift/layer ") << arith_str(cfg) << " clamp [" << p.clamp.act_min
      << ", " << p.clamp.act_max << "]";
    try {
      return b.finish(cfg, batch, d.str());
    } catch (const Error&) {
      continue;
    }
  }
}

// A random pool, add, concat or reshape layer.
LayerCase random_other(Rng& r) {
  for (;;) {
    const OpKind op = pick(r, {OpKind::MaxPool, OpKind::AvgPool, OpKind::GlobalAvgPool, OpKind::Add, OpKind::Concat,
                               OpKind::Reshape});
    const int H = unii(r, 1, 12), W = unii(r, 1, 12), C = unii(r, 1, 40);
    const int batch = unii(r, 1, 2);
    const DType in_dt = pick(r, {DType::U8, DType::S8});
    const ArithConfig cfg = random_arith(r);
    CaseBuilder b("case");
    std::ostringstream d;
    d << op_name(op) << " N" << batch << " " << H << "x" << W << "x" << C << " " << dt_str(in_dt) << " "
      << arith_str(cfg);
    if (op == OpKind::MaxPool || op == OpKind::AvgPool || op == OpKind::GlobalAvgPool) {
      Window w;
      if (op != OpKind::GlobalAvgPool) {
        w.kh = unii(r, 1, 4); w.kw = unii(r, 1, 4);
        w.sh = unii(r, 1, 3); w.sw = unii(r, 1, 3);
        w.dh = coin(r, 0.8) ? 1 : 2; w.dw = coin(r, 0.8) ? 1 : 2;
        w.pad_top = unii(r, 0, 2); w.pad_left = unii(r, 0, 2); w.pad_bottom = unii(r, 0, 2); w.pad_right = unii(r, 0, 2);
      } else {
        w = Window{.kh = H, .kw = W};
      }
      const int OH = window_out(H, w.kh, w.sh, w.dh, w.pad_top, w.pad_bottom);
      const int OW = window_out(W, w.kw, w.sw, w.dw, w.pad_left, w.pad_right);
      if (OH < 1 || OW < 1) continue;
      const DType out_dt = op == OpKind::MaxPool ? in_dt : pick(r, {DType::U8, DType::S8});
      const int x = b.value(in_dt, H, W, C);
      const int y = b.value(out_dt, OH, OW, C);
      Layer& l = b.layer(op, {x}, y);
      if (op != OpKind::GlobalAvgPool) l.pool.win = w;
      if (op != OpKind::MaxPool) {
        l.pool.shift = random_shift(r, 128.0 * w.kh * w.kw * 128);
        l.pool.clamp = random_clamp(r, out_dt);
      }
      d << " -> " << dt_str(out_dt) << " k" << w.kh << "x" << w.kw << " s" << w.sh << "," << w.sw << " d" << w.dh
        << "," << w.dw << " pads " << w.pad_top << w.pad_left << w.pad_bottom << w.pad_right << " shift "
        << l.pool.shift << " clamp [" << l.pool.clamp.act_min << ", " << l.pool.clamp.act_max << "]";
    } else if (op == OpKind::Add) {
      const DType b_dt = pick(r, {DType::U8, DType::S8});
      const DType out_dt = pick(r, {DType::U8, DType::S8});
      const int x = b.value(in_dt, H, W, C);
      const int x2 = b.feeder(b_dt, C);
      const int y = b.value(out_dt, H, W, C);
      Layer& l = b.layer(op, {x, x2}, y);
      l.add.la = unii(r, 0, 15);
      l.add.lb = unii(r, 0, 15);
      l.add.shift = coin(r, 0.2) ? unii(r, kMinShift, kMaxShift) : std::clamp(std::max(l.add.la, l.add.lb) + unii(r, -2, 3), kMinShift, kMaxShift);
      l.add.clamp = random_clamp(r, out_dt);
      d << " + " << dt_str(b_dt) << " -> " << dt_str(out_dt) << " la " << l.add.la << " lb " << l.add.lb << " shift "
        << l.add.shift;
    } else if (op == OpKind::Concat) {
      const DType dt = pick(r, {DType::U8, DType::S8, DType::S32});
      const int n = unii(r, 1, 4);
      std::vector<int> ins;
      int total = 0;
      const int x = b.value(in_dt, H, W, C);
      for (int i = 0; i < n; ++i) {
        const bool use_input = i == 0 && dt == in_dt;  // else the input is used by the feeders
        const int ci = use_input ? C : unii(r, 1, 17);
        ins.push_back(use_input ? x : b.feeder(dt, ci));
        total += ci;
      }
      const int y = b.value(dt, H, W, total);
      b.layer(op, ins, y);
      d << " " << n << " inputs of " << dt_str(dt) << " -> " << total << " channels";
    } else {
      const DType dt = pick(r, {in_dt, DType::S32});
      const int x = b.value(in_dt, H, W, C);
      const int src = dt == DType::S32 ? b.feeder(DType::S32, C) : x;
      const int y = coin(r, 0.5) ? b.value(dt, 1, 1, H * W * C) : b.value(dt, H * W, 1, C);
      b.layer(op, {src}, y);
      d << " of " << dt_str(dt);
    }
    try {
      return b.finish(cfg, batch, d.str());
    } catch (const Error&) {
      continue;
    }
  }
}

struct Variant {
  FastIsa isa;
  int threads;
};

std::vector<Variant> variants() {
  std::vector<Variant> v = {{FastIsa::Portable, 1}, {FastIsa::Portable, 2}};
  if (fast_isa_available(FastIsa::Avx512Vnni)) {
    v.push_back({FastIsa::Avx512Vnni, 1});
    v.push_back({FastIsa::Avx512Vnni, 2});
  }
  return v;
}

std::string nhwc_str(const Tensor& t, std::int64_t i) {
  const std::int64_t c = i % t.dim(3), w = i / t.dim(3) % t.dim(2), h = i / (t.dim(3) * t.dim(2)) % t.dim(1),
                     n = i / (t.dim(3) * t.dim(2) * t.dim(1));
  return "(n " + std::to_string(n) + ", h " + std::to_string(h) + ", w " + std::to_string(w) + ", c " +
         std::to_string(c) + ")";
}

std::string stats_str(const LayerStats& s) {
  return "{macs " + std::to_string(s.macs) + ", outputs " + std::to_string(s.outputs) + ", wraps " +
         std::to_string(s.wraps) + ", low " + std::to_string(s.clamped_low) + ", high " +
         std::to_string(s.clamped_high) + "}";
}

// Runs the layer under test on random inputs through the reference kernel and through every variant of the
// fast kernel; reports the first mismatch of each variant (layer, coordinate, both values) and returns false
// on any. `paths` counts the code paths the fast kernels took.
bool check_case(const LayerCase& c, Rng& r, const std::vector<Variant>& vs, std::map<std::string, int>* paths,
                std::vector<Tensor> ins = {}) {
  const Layer& l = c.net.layers[static_cast<std::size_t>(c.target)];
  if (ins.empty())
    for (int id : l.inputs) {
      const ValueInfo& v = c.net.value(id);
      ins.push_back(random_tensor(r, v.dtype, {c.batch, v.h, v.w, v.c}));
    }
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : ins) ptrs.push_back(&t);
  const ValueInfo& ov = c.net.value(l.output);
  const Shape shape = {ins[0].dim(0), ov.h, ov.w, ov.c};
  Tensor ref(ov.dtype, shape);
  LayerStats rs;
  make_reference_kernel(c.net, l, c.cfg)->run(ptrs, ref, rs);
  bool ok = true;
  for (const Variant& v : vs) {
    const std::string name = std::string(fast_isa_name(v.isa)) + " threads " + std::to_string(v.threads);
    // min_parallel_work 0: even these small layers run on v.threads threads.
    std::unique_ptr<LayerKernel> k = make_fast_kernel(c.net, l, c.cfg, v.threads, v.isa, 0);
    const auto* fk = dynamic_cast<const FastKernel*>(k.get());
    if (!fk) {
      ADD_FAILURE() << c.desc << ": " << name << ": not a FastKernel";
      return false;
    }
    if (paths) ++(*paths)[std::string(fk->path())];
    Tensor out(ov.dtype, shape);
    std::memset(out.raw(), 0x5A, out.nbytes());  // every element must be written
    // Statistics are added to what the caller passes in.
    const LayerStats base{.macs = 3, .outputs = 5, .wraps = 7, .clamped_low = 11, .clamped_high = 13};
    LayerStats fs = base;
    k->run(ptrs, out, fs);
    LayerStats want = base;
    want += rs;
    if (!ref.same_values(out)) {
      std::int64_t i = 0;
      while (i < ref.numel() && ref.get(i) == out.get(i)) ++i;
      ADD_FAILURE() << c.desc << "\n  " << name << " (" << fk->path() << "): first mismatch at flat " << i << " "
                    << nhwc_str(ref, i) << ": reference " << ref.get(i) << ", fast " << out.get(i);
      ok = false;
    }
    if (!(fs == want)) {
      ADD_FAILURE() << c.desc << "\n  " << name << " (" << fk->path() << "): stats " << stats_str(fs)
                    << ", expected " << stats_str(want) << " (reference " << stats_str(rs) << " on top of "
                    << stats_str(base) << ")";
      ok = false;
    }
  }
  return ok;
}

int count_prefix(const std::map<std::string, int>& m, const std::string& s) {
  int n = 0;
  for (const auto& [k, v] : m)
    if (k.find(s) != std::string::npos) n += v;
  return n;
}

TEST(FastKernels, RandomConvAndDenseLayersEqualReference) {
  Rng r(test_seed());
  const std::vector<Variant> vs = variants();
  std::map<std::string, int> paths;
  int failures = 0;
  constexpr int kCases = 1100;
  for (int i = 0; i < kCases && failures < 5; ++i) {
    const LayerCase c = random_conv(r, i % 10 == 9, 60000);
    if (!check_case(c, r, vs, &paths)) ++failures;
  }
  for (const auto& [k, v] : paths) std::cout << "  path " << k << ": " << v << " runs\n";
  EXPECT_GE(count_prefix(paths, "portable/gemm"), 700);
  EXPECT_GE(count_prefix(paths, "portable/depthwise"), 150);
  if (fast_isa_available(FastIsa::Avx512Vnni)) {
    EXPECT_GE(count_prefix(paths, "avx512_vnni/gemm"), 700);
    EXPECT_GE(count_prefix(paths, "avx512_vnni/depthwise"), 150);
  }
}

TEST(FastKernels, RandomPoolAddConcatReshapeLayersEqualReference) {
  Rng r(test_seed() + 1);
  const std::vector<Variant> vs = variants();
  std::map<std::string, int> paths;
  int failures = 0;
  for (int i = 0; i < 400 && failures < 5; ++i)
    if (!check_case(random_other(r), r, vs, &paths)) ++failures;
  for (const char* p : {"maxpool", "avgpool", "add", "concat", "reshape"}) EXPECT_GE(count_prefix(paths, p), 40) << p;
}

// Dense layers with one input channel, so that each output is bias + w * x for chosen values: ties of every
// shift in [-15, 31] (positive and negative), values around +-2^(A-1), and bias + sum leaving the s32 range.
TEST(FastKernels, PostProcessingEdgesEqualReference) {
  Rng r(test_seed() + 2);
  const std::vector<Variant> vs = variants();
  int failures = 0;
  for (int A : {16, 17, 23, 24, 31, 32})
    for (Rounding rm : {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor})
      for (DType in_dt : {DType::U8, DType::S8})
        for (DType out_dt : {DType::U8, DType::S8, DType::S32}) {
          constexpr int kShifts = kMaxShift - kMinShift + 1;
          constexpr int kVariants = 6;
          const int O = kShifts * kVariants;
          CaseBuilder b("edges");
          const int x = b.value(in_dt, 1, 1, 1);
          const int y = b.value(out_dt, 1, 1, O);
          Layer& l = b.layer(OpKind::Dense, {x}, y);
          ConvParams& p = l.conv;
          p.weight_bits = 8;
          p.weights = Tensor(DType::S8, {O, 1, 1, 1});
          p.bias = Tensor(DType::S32, {O});
          p.shift = Tensor(DType::S8, {O});
          p.clamp = {static_cast<std::int32_t>(dtype_min(out_dt == DType::S32 ? DType::S8 : out_dt)),
                     static_cast<std::int32_t>(dtype_max(out_dt == DType::S32 ? DType::S8 : out_dt))};
          const std::int64_t lim = std::int64_t{1} << (A - 1);
          for (int o = 0; o < O; ++o) {
            const int s = kMinShift + o % kShifts;
            const int variant = o / kShifts;
            const std::int64_t half = s > 0 ? std::int64_t{1} << (s - 1) : 0;
            std::int64_t bias = 0, w = 1;
            switch (variant) {
              case 0: bias = uni(r, -60, 60) * (std::int64_t{1} << std::max(s, 0)) + half; break;   // ties, up
              case 1: bias = uni(r, -60, 60) * (std::int64_t{1} << std::max(s, 0)) - half; w = -1; break;
              case 2: bias = lim - 3; break;                                 // crosses +2^(A-1)
              case 3: bias = -lim + 2; w = -1; break;                        // crosses -2^(A-1)
              case 4: bias = INT32_MAX - uni(r, 0, 300); w = 127; break;     // bias + sum > 2^31 - 1
              default: bias = INT32_MIN + uni(r, 0, 300); w = -128; break;   // bias + sum < -2^31
            }
            p.bias.set(o, std::clamp<std::int64_t>(bias, INT32_MIN, INT32_MAX));
            p.weights.set(o, w);
            p.shift.set(o, s);
          }
          const LayerCase c = b.finish(ArithConfig{A, rm}, 8, "edges A=" + std::to_string(A) + " " +
                                                                 std::string(rounding_name(rm)) + " " +
                                                                 dt_str(in_dt) + "->" + dt_str(out_dt));
          Tensor xin(in_dt, {8, 1, 1, 1});
          const std::vector<std::int64_t> xs = in_dt == DType::U8 ? std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 128, 255}
                                                                  : std::vector<std::int64_t>{0, 1, -1, 2, -2, 5, 127, -128};
          for (int n = 0; n < 8; ++n) xin.set(n, xs[static_cast<std::size_t>(n)]);
          if (!check_case(c, r, vs, nullptr, {xin}) && ++failures >= 5) return;
        }
}

// Conv layers whose s32 sums could overflow take the 64-bit path and still count every wrap; a layer just
// under the bound keeps the s32 path with sums at -2^31 + 128.
TEST(FastKernels, SumsBeyondS32TakeThe64BitPath) {
  Rng r(test_seed() + 3);
  const std::vector<Variant> vs = variants();
  struct Shape3 { DType dt; int kh, I; bool exact; };
  // K = 3 * I; the s32 path needs sum|w| * max|x| = K * 128 * (255 or 128) < 2^31.
  for (const Shape3& sh : {Shape3{DType::U8, 3, 24000, true}, Shape3{DType::S8, 3, 44000, true},
                           Shape3{DType::U8, 3, 21931, false}}) {
    CaseBuilder b("big");
    const int x = b.value(sh.dt, sh.kh, 1, sh.I);
    const int y = b.value(DType::S32, 1, 1, 3);
    Layer& l = b.layer(OpKind::Conv2D, {x}, y);
    ConvParams& p = l.conv;
    p.win.kh = sh.kh;
    p.weight_bits = 2;
    p.lut_mode = LutMode::PerChannel;
    p.weights = Tensor(DType::U8, {3, sh.kh, 1, sh.I});
    p.lut = Tensor(DType::S8, {3, 4});
    for (int o = 0; o < 3; ++o)
      for (int e = 0; e < 4; ++e) p.lut.set(o * 4 + e, o == 0 ? -128 : o == 1 ? 127 : (e % 2 ? -128 : 127));
    for (std::int64_t i = 0; i < p.weights.numel(); ++i) p.weights.set(i, uni(r, 0, 3));
    p.bias = Tensor(DType::S32, {3});
    p.bias.set(0, -200);
    p.bias.set(1, 1000);
    const LayerCase c = b.finish(ArithConfig{32, Rounding::HalfUp}, 2, "big " + dt_str(sh.dt) + " I=" + std::to_string(sh.I));
    Tensor xin(sh.dt, {2, sh.kh, 1, sh.I});
    for (std::int64_t i = 0; i < xin.numel(); ++i)
      xin.set(i, i < xin.numel() / 2 ? dtype_min(sh.dt) == 0 ? 255 : -128 : uni(r, dtype_min(sh.dt), dtype_max(sh.dt)));
    std::map<std::string, int> paths;
    EXPECT_TRUE(check_case(c, r, vs, &paths, {xin})) << c.desc;
    EXPECT_EQ(count_prefix(paths, "exact64"), sh.exact ? static_cast<int>(vs.size()) : 0) << c.desc;
    LayerStats rs;
    Tensor ref(DType::S32, {2, 1, 1, 3});
    const Tensor* in[] = {&xin};
    make_reference_kernel(c.net, c.net.layers[0], c.cfg)->run(in, ref, rs);
    EXPECT_GE(rs.wraps, 1) << c.desc << ": the case must exercise a wrap at A = 32";
  }
}

// A small network with every op kind, run whole by the executor on both back ends.
TEST(FastKernels, ExecutorFastEqualsReference) {
  Rng r(test_seed() + 4);
  CaseBuilder b("chain");
  const int x = b.value(DType::U8, 11, 9, 6);
  auto make_conv = [&](Layer& l, int O, int I, int bits, DType out_dt) {
    ConvParams& p = l.conv;
    p.weight_bits = bits;
    if (bits == 8) {
      p.weights = random_tensor(r, DType::S8, {O, p.win.kh, p.win.kw, I});
    } else {
      p.lut_mode = LutMode::PerChannel;
      p.weights = Tensor(DType::U8, {O, p.win.kh, p.win.kw, I});
      for (std::int64_t i = 0; i < p.weights.numel(); ++i) p.weights.set(i, uni(r, 0, (1 << bits) - 1));
      p.lut = random_tensor(r, DType::S8, {O, 1 << bits});
    }
    p.bias = Tensor(DType::S32, {O});
    for (int o = 0; o < O; ++o) p.bias.set(o, uni(r, -5000, 5000));
    if (out_dt != DType::S32) {
      p.shift = Tensor(DType::S8, {O});
      for (int o = 0; o < O; ++o) p.shift.set(o, unii(r, 6, 10));
      p.clamp = {static_cast<std::int32_t>(dtype_min(out_dt)), static_cast<std::int32_t>(dtype_max(out_dt))};
    }
  };
  const int c1 = b.value(DType::S8, 11, 9, 20);
  {
    Layer& l = b.layer(OpKind::Conv2D, {x}, c1);
    l.conv.win = Window{.kh = 3, .kw = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1};
    make_conv(l, 20, 6, 4, DType::S8);
  }
  const int c2 = b.value(DType::U8, 6, 5, 20);
  {
    Layer& l = b.layer(OpKind::Conv2D, {c1}, c2);
    l.conv.groups = 20;
    l.conv.win = Window{.kh = 3, .kw = 3, .sh = 2, .sw = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1};
    make_conv(l, 20, 1, 3, DType::U8);
  }
  const int c3 = b.value(DType::U8, 6, 5, 20);
  {
    Layer& l = b.layer(OpKind::Conv2D, {c2}, c3);
    l.conv.groups = 4;
    make_conv(l, 20, 5, 8, DType::U8);
  }
  const int a1 = b.value(DType::U8, 6, 5, 20);
  {
    Layer& l = b.layer(OpKind::Add, {c2, c3}, a1);
    l.add = AddParams{.la = 1, .lb = 0, .shift = 1, .clamp = {0, 255}};
  }
  const int m1 = b.value(DType::U8, 3, 3, 20);
  {
    Layer& l = b.layer(OpKind::MaxPool, {a1}, m1);
    l.pool.win = Window{.kh = 2, .kw = 2, .sh = 2, .sw = 2, .pad_bottom = 0, .pad_right = 1};
  }
  const int p1 = b.value(DType::U8, 3, 3, 20);
  {
    Layer& l = b.layer(OpKind::AvgPool, {m1}, p1);
    l.pool.win = Window{.kh = 3, .kw = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1};
    l.pool.shift = 3;
    l.pool.clamp = {0, 255};
  }
  const int cat = b.value(DType::U8, 3, 3, 40);
  b.layer(OpKind::Concat, {m1, p1}, cat);
  const int g1 = b.value(DType::U8, 1, 1, 40);
  {
    Layer& l = b.layer(OpKind::GlobalAvgPool, {cat}, g1);
    l.pool.shift = 3;
    l.pool.clamp = {0, 255};
  }
  const int flat = b.value(DType::U8, 1, 1, 360);
  b.layer(OpKind::Reshape, {cat}, flat);
  const int d1 = b.value(DType::S32, 1, 1, 10);
  {
    Layer& l = b.layer(OpKind::Dense, {flat}, d1);
    make_conv(l, 10, 360, 4, DType::S32);
  }
  const int d2 = b.value(DType::S32, 1, 1, 7);
  {
    Layer& l = b.layer(OpKind::Dense, {g1}, d2);
    make_conv(l, 7, 40, 2, DType::S32);
  }
  const int out = b.value(DType::S32, 1, 1, 17);
  b.layer(OpKind::Concat, {d1, d2}, out);
  const LayerCase c = b.finish(ArithConfig{24, Rounding::HalfEven}, 3, "chain");

  const Tensor input = random_tensor(r, DType::U8, {3, 11, 9, 6});
  Executor ref(c.net, c.cfg, ExecOptions{.backend = Backend::Reference, .keep_values = true});
  const RunResult want = ref.run(input);
  for (int threads : {1, 2}) {
    Executor fast(c.net, c.cfg, ExecOptions{.backend = Backend::Fast, .threads = threads, .keep_values = true});
    const RunResult got = fast.run(input);
    for (std::size_t v = 0; v < want.values.size(); ++v)
      EXPECT_TRUE(want.values[v].same_values(got.values[v])) << "value " << c.net.values[v].name << " threads " << threads;
    for (std::size_t li = 0; li < want.stats.size(); ++li)
      EXPECT_EQ(want.stats[li], got.stats[li]) << "layer " << c.net.layers[li].name << " threads " << threads << ": "
                                              << stats_str(got.stats[li]) << " vs " << stats_str(want.stats[li]);
    EXPECT_TRUE(want.output.same_values(got.output));
  }
}

TEST(FastKernels, IsaSelection) {
  EXPECT_EQ(fast_isa_name(FastIsa::Portable), "portable");
  EXPECT_EQ(fast_isa_name(FastIsa::Avx512Vnni), "avx512_vnni");
  EXPECT_TRUE(fast_isa_available(FastIsa::Portable));
  EXPECT_TRUE(fast_isa_available(FastIsa::Auto));
  CaseBuilder b("isa");
  const int x = b.value(DType::U8, 4, 4, 8);
  const int y = b.value(DType::S32, 4, 4, 8);
  Layer& l = b.layer(OpKind::Conv2D, {x}, y);
  l.conv.weight_bits = 8;
  l.conv.weights = Tensor(DType::S8, {8, 1, 1, 8});
  l.conv.bias = Tensor(DType::S32, {8});
  const LayerCase c = b.finish(ArithConfig{}, 1, "isa");
  const Layer& layer = c.net.layers[0];
  auto path = [&](FastIsa isa) {
    const auto k = make_fast_kernel(c.net, layer, c.cfg, 1, isa);
    return std::string(dynamic_cast<const FastKernel&>(*k).path());
  };
  EXPECT_EQ(path(FastIsa::Portable), "portable/gemm");
  if (fast_isa_available(FastIsa::Avx512Vnni)) {
    EXPECT_EQ(path(FastIsa::Avx512Vnni), "avx512_vnni/gemm");
    EXPECT_EQ(path(FastIsa::Auto), "avx512_vnni/gemm");
    ::setenv("LUTSIM_FAST_ISA", "portable", 1);
    EXPECT_EQ(path(FastIsa::Auto), "portable/gemm");
    ::unsetenv("LUTSIM_FAST_ISA");
  } else {
    EXPECT_EQ(path(FastIsa::Auto), "portable/gemm");
    try {
      path(FastIsa::Avx512Vnni);
      ADD_FAILURE() << "expected lutsim::Error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("lacks AVX-512 VNNI"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace lutsim
