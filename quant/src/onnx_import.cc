#include "lutsim/quant/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "lutsim/model/error.h"

namespace lutsim::quant {
namespace {

// A constant: an initializer or the output of a Constant node, as floats or integers.
struct Const {
  std::vector<std::int64_t> dims;
  std::vector<float> f;          // float tensors
  std::vector<std::int64_t> i;   // integer tensors
  bool is_int = false;
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (std::int64_t d : dims) n *= d;
    return n;
  }
};

// What an ONNX tensor name stands for during the import: a constant, or a float-graph value in NCHW terms.
struct Sym {
  bool is_const = false;
  Const c;
  int value = -1;                    // float-graph value id
  int rank = 4;                      // rank of the ONNX tensor: 4 (N, C, H, W) or 2 (N, K)
  int pad[4] = {0, 0, 0, 0};         // a pending zero Pad: top, left, bottom, right
  int flat_c = 0, flat_h = 0, flat_w = 0;  // rank 2 made by flattening a C x H x W map with H * W > 1
  // A pending Transpose: the ONNX tensor is the value with its axes permuted by perm (identity: none). Only a later
  // Transpose that undoes it may read it (an NCHW <-> NHWC pair, as converters from other frameworks emit).
  std::array<int, 4> perm = {0, 1, 2, 3};
  bool transposed() const { return perm != std::array<int, 4>{0, 1, 2, 3}; }
  bool padded() const { return pad[0] || pad[1] || pad[2] || pad[3]; }
};

std::string shape_text(const std::vector<std::int64_t>& dims) {
  std::string t = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) t += (i ? ", " : "") + std::to_string(dims[i]);
  return t + "]";
}

class Importer {
 public:
  explicit Importer(std::string what) : what_(std::move(what)) {}
  FloatGraph run(const onnx::ModelProto& m);

 private:
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& why) const {
    throw Error(what_ + ": node '" + node_name(n) + "' (" + n.op_type() + "): " + why);
  }
  static std::string node_name(const onnx::NodeProto& n) {
    if (!n.name().empty()) return n.name();
    return n.output_size() ? n.output(0) : std::string("?");
  }
  Const tensor(const onnx::TensorProto& t, const std::string& ctx) const;
  const Sym& sym(const onnx::NodeProto& n, int k) const;
  const Sym& value_in(const onnx::NodeProto& n, int k, bool allow_pad = false) const;
  const Const& const_in(const onnx::NodeProto& n, int k) const;
  bool has_in(const onnx::NodeProto& n, int k) const { return k < n.input_size() && !n.input(k).empty(); }
  const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) const;
  std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t def) const;
  float attr_float(const onnx::NodeProto& n, const std::string& name, float def) const;
  std::vector<std::int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name, std::vector<std::int64_t> def) const;
  std::string attr_str(const onnx::NodeProto& n, const std::string& name, const std::string& def) const;
  void check_attrs(const onnx::NodeProto& n, std::initializer_list<const char*> allowed) const;
  int new_value(const std::string& name, int h, int w, int c) {
    g_.values.push_back(FValue{name, h, w, c});
    return static_cast<int>(g_.values.size()) - 1;
  }
  void bind(const onnx::NodeProto& n, int k, Sym s) {
    if (k >= n.output_size()) return;
    syms_[n.output(k)] = std::move(s);
  }
  const FValue& val(const Sym& s) const { return g_.values[static_cast<std::size_t>(s.value)]; }
  // The node computing value v when it may still be changed (one consumer, no activation yet), else nullptr.
  FNode* foldable(const std::string& onnx_name, int v, bool need_linear);
  Window window(const onnx::NodeProto& n, const FValue& x, int kh, int kw, const Sym& s, bool pool);
  void add_node(FNode nd) { g_.nodes.push_back(std::move(nd)); }

  void conv(const onnx::NodeProto& n);
  void dense(const onnx::NodeProto& n);
  void batchnorm(const onnx::NodeProto& n);
  void activation(const onnx::NodeProto& n);
  void pool(const onnx::NodeProto& n);
  void reduce_mean(const onnx::NodeProto& n);
  void add(const onnx::NodeProto& n);
  void affine(const onnx::NodeProto& n);
  void apply_affine(const onnx::NodeProto& n, const Sym& xs, const std::string& xname, const std::vector<double>& scale,
                    const std::vector<double>& shift);
  void concat(const onnx::NodeProto& n);
  void transpose(const onnx::NodeProto& n);
  void flatten(const onnx::NodeProto& n);
  void pad(const onnx::NodeProto& n);

  std::string what_;
  FloatGraph g_;
  std::map<std::string, Sym> syms_;
  std::map<std::string, int> uses_;  // consumers of each tensor name (graph outputs count as one)
  std::map<int, std::string> in_name_;  // MaxPool / Reshape output value -> the ONNX name of its input
};

Const Importer::tensor(const onnx::TensorProto& t, const std::string& ctx) const {
  Const c;
  // Every element must be stored in the file (checked below before anything is allocated), so memory bounds a
  // tensor, not a count: this bound only keeps the product of the dims from overflowing.
  constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;
  std::int64_t n = 1;
  for (std::int64_t d : t.dims()) {
    if (d < 0) throw Error(what_ + ": " + ctx + ": negative dimension");
    c.dims.push_back(d);
    // Compared before multiplying (n <= 2^40 and d <= 2^40 could overflow 64 bits).
    if (d > kMaxElements || (n > 0 && d > kMaxElements / n))
      throw Error(what_ + ": " + ctx + ": more than " + std::to_string(kMaxElements) + " elements");
    n *= d;
  }
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw Error(what_ + ": " + ctx + ": external tensor data is not supported (save the model with its weights inside)");
  const std::string& raw = t.raw_data();
  auto check = [&](std::int64_t got) {
    if (got != n)
      throw Error(what_ + ": " + ctx + ": " + std::to_string(got) + " elements stored, the dims say " + std::to_string(n));
  };
  switch (t.data_type()) {
    case onnx::TensorProto_DataType_FLOAT:
      if (!raw.empty()) {
        if (raw.size() % 4) throw Error(what_ + ": " + ctx + ": raw float data of " + std::to_string(raw.size()) + " bytes");
        check(static_cast<std::int64_t>(raw.size() / 4));
        c.f.resize(static_cast<std::size_t>(n));
        std::memcpy(c.f.data(), raw.data(), raw.size());
      } else {
        check(t.float_data_size());
        c.f.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      if (!raw.empty()) {
        check(static_cast<std::int64_t>(raw.size() / 8));
        std::vector<double> d(static_cast<std::size_t>(n));
        std::memcpy(d.data(), raw.data(), d.size() * 8);
        c.f.assign(d.begin(), d.end());
      } else {
        check(t.double_data_size());
        for (double v : t.double_data()) c.f.push_back(static_cast<float>(v));
      }
      break;
    case onnx::TensorProto_DataType_INT64:
      c.is_int = true;
      if (!raw.empty()) {
        check(static_cast<std::int64_t>(raw.size() / 8));
        c.i.resize(static_cast<std::size_t>(n));
        std::memcpy(c.i.data(), raw.data(), c.i.size() * 8);
      } else {
        check(t.int64_data_size());
        c.i.assign(t.int64_data().begin(), t.int64_data().end());
      }
      break;
    case onnx::TensorProto_DataType_INT32:
      c.is_int = true;
      if (!raw.empty()) {
        check(static_cast<std::int64_t>(raw.size() / 4));
        std::vector<std::int32_t> d(static_cast<std::size_t>(n));
        std::memcpy(d.data(), raw.data(), d.size() * 4);
        c.i.assign(d.begin(), d.end());
      } else {
        check(t.int32_data_size());
        c.i.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    default:
      throw Error(what_ + ": " + ctx + ": tensor data type " + std::to_string(t.data_type()) +
                  " is not supported (float32, float64, int32 or int64)");
  }
  if (c.is_int) c.f.assign(c.i.begin(), c.i.end());
  for (float v : c.f)
    if (!std::isfinite(v)) throw Error(what_ + ": " + ctx + ": a value is not finite");
  return c;
}

const Sym& Importer::sym(const onnx::NodeProto& n, int k) const {
  if (!has_in(n, k)) fail(n, "input " + std::to_string(k) + " is missing");
  const auto it = syms_.find(n.input(k));
  if (it == syms_.end()) fail(n, "input '" + n.input(k) + "' is not computed by an earlier node, an initializer or the graph input");
  const std::string& op = n.op_type();
  if (it->second.transposed() && op != "Transpose" && op != "Identity" && op != "Dropout")
    fail(n, "input '" + n.input(k) + "' comes from a Transpose that no later Transpose undoes; lutsim keeps one layout");
  return it->second;
}

const Sym& Importer::value_in(const onnx::NodeProto& n, int k, bool allow_pad) const {
  const Sym& s = sym(n, k);
  if (s.is_const) fail(n, "input '" + n.input(k) + "' is a constant; lutsim computes this operator only on activations");
  if (s.padded() && !allow_pad)
    fail(n, "input '" + n.input(k) + "' comes from a Pad; a zero Pad is merged only into a following Conv or AveragePool");
  return s;
}

const Const& Importer::const_in(const onnx::NodeProto& n, int k) const {
  const Sym& s = sym(n, k);
  if (!s.is_const) fail(n, "input '" + n.input(k) + "' must be a constant (an initializer or a Constant node)");
  return s.c;
}

const onnx::AttributeProto* Importer::attr(const onnx::NodeProto& n, const std::string& name) const {
  for (const onnx::AttributeProto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::int64_t Importer::attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t def) const {
  const onnx::AttributeProto* a = attr(n, name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_INT) fail(n, "attribute '" + name + "' is not an integer");
  return a->i();
}

float Importer::attr_float(const onnx::NodeProto& n, const std::string& name, float def) const {
  const onnx::AttributeProto* a = attr(n, name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_FLOAT) fail(n, "attribute '" + name + "' is not a float");
  return a->f();
}

std::vector<std::int64_t> Importer::attr_ints(const onnx::NodeProto& n, const std::string& name,
                                              std::vector<std::int64_t> def) const {
  const onnx::AttributeProto* a = attr(n, name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_INTS) fail(n, "attribute '" + name + "' is not a list of integers");
  return {a->ints().begin(), a->ints().end()};
}

std::string Importer::attr_str(const onnx::NodeProto& n, const std::string& name, const std::string& def) const {
  const onnx::AttributeProto* a = attr(n, name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_STRING) fail(n, "attribute '" + name + "' is not a string");
  return a->s();
}

void Importer::check_attrs(const onnx::NodeProto& n, std::initializer_list<const char*> allowed) const {
  for (const onnx::AttributeProto& a : n.attribute()) {
    bool ok = false;
    for (const char* s : allowed) ok = ok || a.name() == s;
    if (!ok) fail(n, "attribute '" + a.name() + "' is not supported");
  }
}

FNode* Importer::foldable(const std::string& onnx_name, int v, bool need_linear) {
  const auto u = uses_.find(onnx_name);
  if (u == uses_.end() || u->second != 1) return nullptr;
  const int p = g_.producer(v);
  if (p < 0) return nullptr;
  // The name read may be an alias of the value (through Identity, Dropout or a cancelled Transpose pair): the
  // producer's own output must have that one reader too.
  const auto own = uses_.find(g_.values[static_cast<std::size_t>(v)].name);
  if (own != uses_.end() && own->second != 1) return nullptr;
  FNode& nd = g_.nodes[static_cast<std::size_t>(p)];
  if (need_linear && nd.op != FOp::Conv && nd.op != FOp::Dense) return nullptr;
  return &nd;
}

Window Importer::window(const onnx::NodeProto& n, const FValue& x, int kh, int kw, const Sym& s, bool is_pool) {
  const std::vector<std::int64_t> st = attr_ints(n, "strides", {1, 1});
  const std::vector<std::int64_t> di = attr_ints(n, "dilations", {1, 1});
  std::vector<std::int64_t> pads = attr_ints(n, "pads", {0, 0, 0, 0});
  if (st.size() != 2 || di.size() != 2 || pads.size() != 4)
    fail(n, "strides, dilations and pads must describe two spatial dimensions (a 2-D operator)");
  const std::string ap = attr_str(n, "auto_pad", "NOTSET");
  if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
    const std::int64_t in[2] = {x.h, x.w}, k[2] = {kh, kw};
    for (int d = 0; d < 2; ++d) {
      const std::int64_t out = (in[d] + st[static_cast<std::size_t>(d)] - 1) / std::max<std::int64_t>(1, st[static_cast<std::size_t>(d)]);
      const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * st[static_cast<std::size_t>(d)] + (k[d] - 1) * di[static_cast<std::size_t>(d)] + 1 - in[d]);
      const std::int64_t small = total / 2, big = total - small;
      pads[static_cast<std::size_t>(d)] = ap == "SAME_UPPER" ? small : big;
      pads[static_cast<std::size_t>(d) + 2] = ap == "SAME_UPPER" ? big : small;
    }
  } else if (ap == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (ap != "NOTSET") {
    fail(n, "auto_pad '" + ap + "' is not supported");
  }
  for (std::int64_t v : st) if (v < 1 || v > 64) fail(n, "a stride of " + std::to_string(v) + " is outside [1, 64]");
  for (std::int64_t v : di) if (v < 1 || v > 64) fail(n, "a dilation of " + std::to_string(v) + " is outside [1, 64]");
  if (kh < 1 || kh > 64 || kw < 1 || kw > 64) fail(n, "a kernel of " + std::to_string(kh) + "x" + std::to_string(kw) + " is outside [1, 64]");
  Window w;
  w.kh = kh, w.kw = kw;
  w.sh = static_cast<int>(st[0]), w.sw = static_cast<int>(st[1]);
  w.dh = static_cast<int>(di[0]), w.dw = static_cast<int>(di[1]);
  // ONNX orders pads as [H begin, W begin, H end, W end]; a merged Pad adds to them.
  const std::int64_t p[4] = {pads[0] + s.pad[0], pads[1] + s.pad[1], pads[2] + s.pad[2], pads[3] + s.pad[3]};
  for (std::int64_t v : p) if (v < 0 || v > 64) fail(n, "a padding of " + std::to_string(v) + " is outside [0, 64]");
  w.pad_top = static_cast<int>(p[0]), w.pad_left = static_cast<int>(p[1]);
  w.pad_bottom = static_cast<int>(p[2]), w.pad_right = static_cast<int>(p[3]);
  if (attr_int(n, "ceil_mode", 0) != 0) {
    // ceil_mode 1 rounds the output size up, except that a last window starting in the end padding is dropped
    // (ONNX and PyTorch agree). lutsim's windows round down, so the extra positions become padding at the bottom
    // and right: a max pool ignores padding (it is the dtype's minimum), so that is exact. An average pool would
    // divide the last windows by fewer positions than the whole window, which lutsim's does not: refused then.
    for (int d = 0; d < 2; ++d) {
      const int in = d ? x.w : x.h, k = d ? kw : kh, sd = d ? w.sw : w.sh, dd = d ? w.dw : w.dh;
      const int begin = d ? w.pad_left : w.pad_top;
      int& end = d ? w.pad_right : w.pad_bottom;
      const int span = in + begin + end - (dd * (k - 1) + 1);
      if (span < 0) continue;  // the window does not fit: reported below
      int out = (span + sd - 1) / sd + 1;
      if ((out - 1) * sd >= in + begin) --out;
      const int extra = (out - 1) * sd + dd * (k - 1) + 1 - (in + begin + end);
      if (extra <= 0) continue;
      if (n.op_type() != "MaxPool")
        fail(n, "ceil_mode 1 changes the output size here, and the last windows would be divided by fewer positions "
                "than lutsim's average pool divides by");
      end += extra;
      if (end > 64) fail(n, "a padding of " + std::to_string(end) + " (with ceil_mode's extra positions) is outside [0, 64]");
    }
  }
  (void)is_pool;
  return w;
}

void Importer::conv(const onnx::NodeProto& n) {
  check_attrs(n, {"group", "pads", "strides", "dilations", "kernel_shape", "auto_pad"});
  const Sym& xs = value_in(n, 0, true);
  if (xs.rank != 4) fail(n, "input must be an N x C x H x W map");
  const FValue x = val(xs);
  const Const& W = const_in(n, 1);
  if (W.dims.size() != 4) fail(n, "only 2-D convolutions are supported (weights of rank " + std::to_string(W.dims.size()) + ")");
  const std::int64_t G = attr_int(n, "group", 1);
  const int O = static_cast<int>(W.dims[0]), I = static_cast<int>(W.dims[1]);
  const int KH = static_cast<int>(W.dims[2]), KW = static_cast<int>(W.dims[3]);
  if (O < 1 || O > 65536) fail(n, "the weights have " + std::to_string(O) + " output channels (expected 1 to 65536)");
  if (G < 1 || x.c % G != 0 || O % G != 0 || I * G != x.c)
    fail(n, "weights [" + std::to_string(O) + ", " + std::to_string(I) + ", ...] with group " + std::to_string(G) +
                " do not fit an input of " + std::to_string(x.c) + " channels");
  const std::vector<std::int64_t> ks = attr_ints(n, "kernel_shape", {KH, KW});
  if (ks.size() != 2 || ks[0] != KH || ks[1] != KW) fail(n, "kernel_shape disagrees with the weights");
  FNode nd;
  nd.name = node_name(n);
  nd.op = FOp::Conv;
  nd.O = O, nd.I = I, nd.KH = KH, nd.KW = KW, nd.groups = static_cast<int>(G);
  nd.win = window(n, x, KH, KW, xs, false);
  const int OH = window_out(x.h, KH, nd.win.sh, nd.win.dh, nd.win.pad_top, nd.win.pad_bottom);
  const int OW = window_out(x.w, KW, nd.win.sw, nd.win.dw, nd.win.pad_left, nd.win.pad_right);
  if (OH <= 0 || OW <= 0) fail(n, "the window does not fit the " + std::to_string(x.h) + "x" + std::to_string(x.w) + " input");
  // ONNX [O, I, KH, KW] -> lutsim [O, KH, KW, I].
  nd.w.resize(static_cast<std::size_t>(O) * KH * KW * I);
  for (int o = 0; o < O; ++o)
    for (int i = 0; i < I; ++i)
      for (int kh = 0; kh < KH; ++kh)
        for (int kw = 0; kw < KW; ++kw)
          nd.w[((static_cast<std::size_t>(o) * KH + kh) * KW + kw) * I + i] =
              W.f[((static_cast<std::size_t>(o) * I + i) * KH + kh) * KW + kw];
  nd.b.assign(static_cast<std::size_t>(O), 0.0f);
  if (has_in(n, 2)) {
    const Const& B = const_in(n, 2);
    if (B.numel() != O) fail(n, "bias has " + std::to_string(B.numel()) + " elements, expected " + std::to_string(O));
    nd.b = B.f;
  }
  nd.inputs = {xs.value};
  nd.output = new_value(n.output(0), OH, OW, O);
  Sym s;
  s.value = nd.output;
  add_node(std::move(nd));
  bind(n, 0, s);
}

void Importer::dense(const onnx::NodeProto& n) {
  const bool gemm = n.op_type() == "Gemm";
  if (gemm) check_attrs(n, {"alpha", "beta", "transA", "transB"});
  else check_attrs(n, {});
  const Sym& xs = value_in(n, 0);
  if (xs.rank != 2) fail(n, "input must be a matrix [N, K]; flatten the feature map first");
  const FValue x = val(xs);
  const int K = static_cast<int>(x.numel());
  const Const& B = const_in(n, 1);
  if (B.dims.size() != 2) fail(n, "the weight matrix must have rank 2");
  if (gemm && attr_int(n, "transA", 0) != 0) fail(n, "transA = 1 is not supported");
  const bool tb = gemm && attr_int(n, "transB", 0) != 0;
  const float alpha = gemm ? attr_float(n, "alpha", 1.0f) : 1.0f;
  const float beta = gemm ? attr_float(n, "beta", 1.0f) : 1.0f;
  const int rows = static_cast<int>(B.dims[0]), cols = static_cast<int>(B.dims[1]);
  const int O = tb ? rows : cols;
  if (O < 1 || O > 65536) fail(n, "the weights have " + std::to_string(O) + " outputs (expected 1 to 65536)");
  if ((tb ? cols : rows) != K)
    fail(n, "weights [" + std::to_string(rows) + ", " + std::to_string(cols) + "] do not fit an input of " + std::to_string(K) + " features");
  FNode nd;
  nd.name = node_name(n);
  nd.op = FOp::Dense;
  nd.O = O, nd.I = K;
  nd.w.resize(static_cast<std::size_t>(O) * K);
  // The NCHW flatten order c*H*W + h*W + w becomes lutsim's NHWC order (h*W + w)*C + c.
  const bool perm = xs.flat_c > 0;
  for (int o = 0; o < O; ++o)
    for (int k = 0; k < K; ++k) {
      const float v = alpha * (tb ? B.f[static_cast<std::size_t>(o) * K + k] : B.f[static_cast<std::size_t>(k) * O + o]);
      int dst = k;
      if (perm) {
        const int hw = xs.flat_h * xs.flat_w;
        const int c = k / hw, h = (k % hw) / xs.flat_w, w = k % xs.flat_w;
        dst = (h * xs.flat_w + w) * xs.flat_c + c;
      }
      nd.w[static_cast<std::size_t>(o) * K + static_cast<std::size_t>(dst)] = v;
    }
  nd.b.assign(static_cast<std::size_t>(O), 0.0f);
  if (gemm && has_in(n, 2)) {
    const Const& C = const_in(n, 2);
    if (C.numel() == O) {
      for (int o = 0; o < O; ++o) nd.b[static_cast<std::size_t>(o)] = beta * C.f[static_cast<std::size_t>(o)];
    } else if (C.numel() == 1) {
      nd.b.assign(static_cast<std::size_t>(O), beta * C.f[0]);
    } else {
      fail(n, "bias C of " + std::to_string(C.numel()) + " elements; expected " + std::to_string(O) + " (one per output)");
    }
  }
  nd.inputs = {xs.value};
  nd.output = new_value(n.output(0), 1, 1, O);
  Sym s;
  s.value = nd.output;
  s.rank = 2;
  add_node(std::move(nd));
  bind(n, 0, s);
}

void Importer::batchnorm(const onnx::NodeProto& n) {
  check_attrs(n, {"epsilon", "momentum", "training_mode", "spatial"});
  if (attr_int(n, "training_mode", 0) != 0) fail(n, "training_mode = 1 is not supported (export the model in eval mode)");
  if (n.output_size() > 1)
    for (int k = 1; k < n.output_size(); ++k)
      if (!n.output(k).empty() && uses_.count(n.output(k))) fail(n, "the running-statistics outputs are used");
  const Sym& xs = value_in(n, 0);
  // Folded into the Conv or Gemm before it; with nothing to fold into (a pre-activation BN, as DenseNet's
  // BN-ReLU-Conv, a BN on the input, after an Add or a pool) a depthwise 1x1 convolution (apply_affine).
  if (xs.rank != 4 && !foldable(n.input(0), xs.value, true))
    fail(n, "a BatchNormalization that follows no Conv or Gemm must have an N x C x H x W input");
  const FValue x = val(xs);
  const int C = xs.rank == 4 ? x.c : static_cast<int>(x.numel());
  const float eps = attr_float(n, "epsilon", 1e-5f);
  const Const* c[4] = {&const_in(n, 1), &const_in(n, 2), &const_in(n, 3), &const_in(n, 4)};
  for (const Const* t : c)
    if (t->numel() != C) fail(n, "parameters must have " + std::to_string(C) + " elements (one per channel)");
  std::vector<double> scale(static_cast<std::size_t>(C)), shift(static_cast<std::size_t>(C));
  for (int o = 0; o < C; ++o) {
    const std::size_t uo = static_cast<std::size_t>(o);
    const double var = c[3]->f[uo];
    if (var + eps <= 0) fail(n, "variance + epsilon of channel " + std::to_string(o) + " is not positive");
    scale[uo] = c[0]->f[uo] / std::sqrt(var + eps);
    shift[uo] = c[1]->f[uo] - c[2]->f[uo] * scale[uo];
  }
  apply_affine(n, xs, n.input(0), scale, shift);
}

void Importer::activation(const onnx::NodeProto& n) {
  Act a;
  if (n.op_type() == "Relu") {
    check_attrs(n, {});
    a.lo = 0;
  } else {  // Clip: bounds as inputs (opset >= 11) or attributes (older)
    check_attrs(n, {"min", "max"});
    a.lo = attr_float(n, "min", a.lo);
    a.hi = attr_float(n, "max", a.hi);
    if (has_in(n, 1)) {
      const Const& c = const_in(n, 1);
      if (c.numel() != 1) fail(n, "min must be a scalar");
      a.lo = c.f[0];
    }
    if (has_in(n, 2)) {
      const Const& c = const_in(n, 2);
      if (c.numel() != 1) fail(n, "max must be a scalar");
      a.hi = c.f[0];
    }
    if (!(a.lo <= a.hi)) fail(n, "min is greater than max");
  }
  const Sym& xs = value_in(n, 0);
  // The clamp goes to the layer computing the value; through MaxPool and Reshape, which commute with it.
  int v = xs.value;
  std::string name = n.input(0);
  FNode* p = nullptr;
  for (;;) {
    p = foldable(name, v, false);
    if (!p || (p->op != FOp::MaxPool && p->op != FOp::Reshape)) break;
    const auto in = in_name_.find(p->output);
    if (in == in_name_.end()) { p = nullptr; break; }
    name = in->second;
    v = p->inputs[0];
  }
  if (!p || p->op == FOp::Concat)
    fail(n, "must follow a Conv, Gemm, Add or average pool whose output nothing else reads (lutsim applies it as that "
            "layer's output clamp)");
  p->act.lo = std::max(p->act.lo, a.lo);
  p->act.hi = std::min(p->act.hi, a.hi);
  if (!(p->act.lo <= p->act.hi)) fail(n, "the clamp range is empty after combining it with an earlier one");
  bind(n, 0, xs);
}

void Importer::pool(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  const bool global = op == "GlobalAveragePool";
  const bool mx = op == "MaxPool";
  if (global) check_attrs(n, {});
  else if (mx) check_attrs(n, {"kernel_shape", "strides", "pads", "dilations", "ceil_mode", "auto_pad", "storage_order"});
  else check_attrs(n, {"kernel_shape", "strides", "pads", "ceil_mode", "auto_pad", "count_include_pad"});
  if (mx && n.output_size() > 1 && !n.output(1).empty() && uses_.count(n.output(1))) fail(n, "the Indices output is not supported");
  const Sym& xs = value_in(n, 0, !mx && !global);
  if (xs.rank != 4) fail(n, "input must be an N x C x H x W map");
  const FValue x = val(xs);
  FNode nd;
  nd.name = node_name(n);
  int OH = 1, OW = 1;
  if (global) {
    nd.op = FOp::GlobalAvgPool;
  } else {
    nd.op = mx ? FOp::MaxPool : FOp::AvgPool;
    const std::vector<std::int64_t> ks = attr_ints(n, "kernel_shape", {});
    if (ks.size() != 2) fail(n, "kernel_shape must have two entries (a 2-D pool)");
    nd.win = window(n, x, static_cast<int>(ks[0]), static_cast<int>(ks[1]), xs, true);
    if (!mx) {
      const std::vector<std::int64_t> pads = attr_ints(n, "pads", {0, 0, 0, 0});
      const bool own_pads = std::any_of(pads.begin(), pads.end(), [](std::int64_t v) { return v != 0; }) ||
                            attr_str(n, "auto_pad", "NOTSET").rfind("SAME", 0) == 0;
      if (own_pads && attr_int(n, "count_include_pad", 0) == 0)
        fail(n, "padding with count_include_pad = 0 divides border windows by fewer positions; lutsim's average "
                "pool always divides by the whole window");
    }
    OH = window_out(x.h, nd.win.kh, nd.win.sh, nd.win.dh, nd.win.pad_top, nd.win.pad_bottom);
    OW = window_out(x.w, nd.win.kw, nd.win.sw, nd.win.dw, nd.win.pad_left, nd.win.pad_right);
    if (OH <= 0 || OW <= 0) fail(n, "the window does not fit the input");
    if (mx && (nd.win.pad_top >= nd.win.kh || nd.win.pad_left >= nd.win.kw)) fail(n, "a window lies entirely in the padding");
  }
  nd.inputs = {xs.value};
  nd.output = new_value(n.output(0), OH, OW, x.c);
  in_name_[nd.output] = n.input(0);
  Sym s;
  s.value = nd.output;
  add_node(std::move(nd));
  bind(n, 0, s);
}

// ReduceMean over H and W (MnasNet's and EfficientNet's global pool): a GlobalAvgPool, with keepdims = 0 giving the
// [N, C] that a Flatten after a GlobalAveragePool gives. The axes are an attribute up to opset 17 and an input
// from opset 18; negative axes count from the end.
void Importer::reduce_mean(const onnx::NodeProto& n) {
  check_attrs(n, {"axes", "keepdims", "noop_with_empty_axes"});
  std::vector<std::int64_t> axes = attr_ints(n, "axes", {});
  if (has_in(n, 1)) {
    if (!axes.empty()) fail(n, "axes given both as an attribute and as an input");
    const Const& a = const_in(n, 1);
    if (!a.is_int) fail(n, "the axes input must be integers");
    axes = a.i;
  }
  const Sym& xs = value_in(n, 0, true);
  if (xs.rank != 4) fail(n, "input must be an N x C x H x W map");
  for (std::int64_t& a : axes) {
    if (a < -4 || a > 3) fail(n, "axis " + std::to_string(a) + " is outside [-4, 3]");
    if (a < 0) a += 4;
  }
  std::sort(axes.begin(), axes.end());
  if (axes != std::vector<std::int64_t>{2, 3})
    fail(n, "only a mean over H and W (axes 2 and 3, a global average pool) is supported");
  const std::int64_t keep = attr_int(n, "keepdims", 1);
  if (keep != 0 && keep != 1) fail(n, "keepdims must be 0 or 1");
  const FValue x = val(xs);
  FNode nd;
  nd.name = node_name(n);
  nd.op = FOp::GlobalAvgPool;
  nd.inputs = {xs.value};
  nd.output = new_value(n.output(0), 1, 1, x.c);
  in_name_[nd.output] = n.input(0);
  Sym s;
  s.value = nd.output;
  s.rank = keep ? 4 : 2;  // [N, C] is a 1x1 map flattened: the same order in NCHW and NHWC
  add_node(std::move(nd));
  bind(n, 0, s);
}

void Importer::add(const onnx::NodeProto& n) {
  check_attrs(n, {});
  const Sym& a = sym(n, 0);
  const Sym& b = sym(n, 1);
  if (a.is_const && b.is_const) fail(n, "both inputs are constants");
  if (a.is_const || b.is_const) {  // value + constant: a bias (affine())
    affine(n);
    return;
  }
  const Sym& xa = value_in(n, 0);
  const Sym& xb = value_in(n, 1);
  const FValue va = val(xa), vb = val(xb);
  if (va.h != vb.h || va.w != vb.w || va.c != vb.c || xa.rank != xb.rank)
    fail(n, "inputs of different shapes; lutsim adds tensors of one shape without broadcasting");
  if (xa.flat_c != xb.flat_c || xa.flat_h != xb.flat_h) fail(n, "inputs flattened from different maps");
  FNode nd;
  nd.name = node_name(n);
  nd.op = FOp::Add;
  nd.inputs = {xa.value, xb.value};
  nd.output = new_value(n.output(0), va.h, va.w, va.c);
  Sym s = xa;
  s.value = nd.output;
  add_node(std::move(nd));
  bind(n, 0, s);
}

// Add, Sub, Mul or Div of an activation and a per-channel (or scalar) constant: y = x * scale + shift per channel.
// Folded into the Conv, Gemm or MatMul that computes x when nothing else reads it (a bias, or a scaling of its
// weights and bias: exact); otherwise (the network input's normalisation, as ImageNet models subtract a mean and
// divide by a std; an affine map after an Add or a pool) a depthwise 1x1 convolution, into which the next affine
// constants of a chain (Sub then Div) fold in turn.
void Importer::affine(const onnx::NodeProto& n) {
  check_attrs(n, {});
  const std::string& op = n.op_type();
  const Sym& a = sym(n, 0);
  const Sym& b = sym(n, 1);
  if (a.is_const && b.is_const) fail(n, "both inputs are constants");
  if (!a.is_const && !b.is_const) fail(n, "only a product or quotient of an activation and a constant is supported");
  const bool const_first = a.is_const;
  const Sym& xs = const_first ? b : a;
  const Const& c = const_first ? a.c : b.c;
  const std::string& xname = const_first ? n.input(1) : n.input(0);
  if (xs.padded()) fail(n, "input comes from a Pad");
  const FValue x = val(xs);
  const int C = xs.rank == 4 ? x.c : static_cast<int>(x.numel());
  // A constant of C elements must lie along the channel axis: [C], [C, 1, 1], [1, C, 1, 1] or [1, C] for [N, C].
  std::int64_t non_unit = 0;
  for (std::int64_t d : c.dims) non_unit += d != 1;
  if (c.numel() != 1 && (c.numel() != C || non_unit != 1 ||
                         (xs.rank == 4 && c.dims.size() >= 3 && c.dims[c.dims.size() - 3] != C)))
    fail(n, "a constant of shape " + shape_text(c.dims) + " is neither a scalar nor one value per channel of " +
                std::to_string(C) + " channels");
  auto at = [&](int ch) { return static_cast<double>(c.f[c.numel() == 1 ? 0 : static_cast<std::size_t>(ch)]); };
  std::vector<double> scale(static_cast<std::size_t>(C), 1.0), shift(static_cast<std::size_t>(C), 0.0);
  for (int ch = 0; ch < C; ++ch) {
    const std::size_t u = static_cast<std::size_t>(ch);
    if (op == "Add") shift[u] = at(ch);
    else if (op == "Sub") (const_first ? (scale[u] = -1, shift[u] = at(ch)) : (shift[u] = -at(ch)));
    else if (op == "Mul") scale[u] = at(ch);
    else {  // Div
      if (const_first) fail(n, "a constant divided by an activation is not an affine map");
      if (at(ch) == 0) fail(n, "division by zero in channel " + std::to_string(ch));
      scale[u] = 1.0 / at(ch);
    }
  }
  apply_affine(n, xs, xname, scale, shift);
}

void Importer::apply_affine(const onnx::NodeProto& n, const Sym& xs, const std::string& xname,
                            const std::vector<double>& scale, const std::vector<double>& shift) {
  FNode* p = foldable(xname, xs.value, true);
  if (!p || !p->act.none()) {
    if (xs.rank != 4) fail(n, "an affine map of a constant that follows no Conv, Gemm or MatMul needs an N x C x H x W input");
    const FValue x = val(xs);
    FNode nd;
    nd.name = node_name(n);
    nd.op = FOp::Conv;
    nd.O = x.c, nd.I = 1, nd.groups = x.c;
    nd.w.assign(static_cast<std::size_t>(x.c), 1.0f);
    nd.b.assign(static_cast<std::size_t>(x.c), 0.0f);
    nd.inputs = {xs.value};
    nd.output = new_value(n.output(0), x.h, x.w, x.c);
    add_node(std::move(nd));
    p = &g_.nodes.back();
  }
  if (static_cast<int>(scale.size()) != p->O)
    fail(n, "a constant of " + std::to_string(scale.size()) + " channels cannot apply to the " + std::to_string(p->O) +
                " outputs of the layer before it");
  for (int o = 0; o < p->O; ++o) {
    const std::size_t u = static_cast<std::size_t>(o);
    for (std::int64_t i = 0; i < p->per_out(); ++i) p->wt(o, i) = static_cast<float>(p->wt(o, i) * scale[u]);
    p->b[u] = static_cast<float>(p->b[u] * scale[u] + shift[u]);
  }
  Sym s = xs;
  s.value = p->output;
  bind(n, 0, s);
}

// Transpose of a 4-D activation: recorded on the value, not computed; the next Transpose must bring the axes back
// to N, C, H, W (perm [0, 2, 3, 1] then [0, 3, 1, 2], or any other pair that cancels).
void Importer::transpose(const onnx::NodeProto& n) {
  check_attrs(n, {"perm"});
  Sym s = sym(n, 0);
  if (s.is_const) fail(n, "a Transpose of a constant is not supported");
  if (s.rank != 4) fail(n, "only a Transpose of an N x C x H x W map is supported");
  const std::vector<std::int64_t> perm = attr_ints(n, "perm", {3, 2, 1, 0});  // ONNX: reverse the axes
  std::array<bool, 4> seen{};
  if (perm.size() != 4) fail(n, "perm must have 4 entries");
  for (std::int64_t p : perm) {
    if (p < 0 || p > 3 || seen[static_cast<std::size_t>(p)]) fail(n, "perm is not a permutation of 0, 1, 2, 3");
    seen[static_cast<std::size_t>(p)] = true;
  }
  // Output axis i is input axis perm[i], which is axis s.perm[perm[i]] of the value.
  std::array<int, 4> composed{};
  for (std::size_t i = 0; i < 4; ++i) composed[i] = s.perm[static_cast<std::size_t>(perm[i])];
  s.perm = composed;
  bind(n, 0, s);
}

void Importer::concat(const onnx::NodeProto& n) {
  check_attrs(n, {"axis"});
  if (n.input_size() < 1 || n.input_size() > 64) fail(n, "between 1 and 64 inputs are supported");
  const Sym& first = value_in(n, 0);
  std::int64_t axis = attr_int(n, "axis", 1);
  if (axis < 0) axis += first.rank;
  if (axis != 1) fail(n, "only concatenation along channels (axis 1) is supported");
  FNode nd;
  nd.name = node_name(n);
  nd.op = FOp::Concat;
  int C = 0;
  const FValue v0 = val(first);
  for (int k = 0; k < n.input_size(); ++k) {
    const Sym& s = value_in(n, k);
    const FValue v = val(s);
    if (s.rank != first.rank || v.h != v0.h || v.w != v0.w) fail(n, "inputs differ in height, width or rank");
    if (s.flat_c) fail(n, "concatenating flattened maps is not supported");
    nd.inputs.push_back(s.value);
    C += v.c;
  }
  nd.output = new_value(n.output(0), v0.h, v0.w, C);
  Sym s;
  s.value = nd.output;
  s.rank = first.rank;
  add_node(std::move(nd));
  bind(n, 0, s);
}

void Importer::flatten(const onnx::NodeProto& n) {
  const Sym& xs = value_in(n, 0);
  const FValue x = val(xs);
  if (n.op_type() == "Flatten") {
    check_attrs(n, {"axis"});
    if (attr_int(n, "axis", 1) != 1) fail(n, "only axis 1 is supported (keep the batch dimension)");
  } else {
    check_attrs(n, {"allowzero"});
    const Const& shape = const_in(n, 1);
    if (!shape.is_int || shape.dims.size() != 1 || shape.numel() != 2)
      fail(n, "only a reshape to [N, K] (a flatten) is supported");
    const std::int64_t n0 = shape.i[0], k = shape.i[1];
    if (!(n0 == 0 || n0 == -1 || n0 == 1) || !(k == -1 || k == x.numel()) || (n0 == -1 && k == -1))
      fail(n, "only a reshape to [N, K] (a flatten) is supported; got [" + std::to_string(n0) + ", " + std::to_string(k) + "]");
  }
  if (xs.rank == 2) {
    bind(n, 0, xs);
    return;
  }
  Sym s;
  s.rank = 2;
  if (x.h == 1 && x.w == 1) {
    // A 1x1 map flattens to the same order in NCHW and NHWC: nothing to compute.
    s.value = xs.value;
    bind(n, 0, s);
    return;
  }
  FNode nd;
  nd.name = node_name(n);
  nd.op = FOp::Reshape;
  nd.inputs = {xs.value};
  nd.output = new_value(n.output(0), 1, 1, static_cast<int>(x.numel()));
  in_name_[nd.output] = n.input(0);
  s.value = nd.output;
  s.flat_c = x.c, s.flat_h = x.h, s.flat_w = x.w;
  add_node(std::move(nd));
  bind(n, 0, s);
}

void Importer::pad(const onnx::NodeProto& n) {
  check_attrs(n, {"mode", "pads", "value"});
  if (attr_str(n, "mode", "constant") != "constant") fail(n, "only mode 'constant' is supported");
  std::vector<std::int64_t> pads = attr_ints(n, "pads", {});
  float value = attr_float(n, "value", 0.0f);
  if (has_in(n, 1)) {
    const Const& p = const_in(n, 1);
    pads = p.i;
    if (!p.is_int) fail(n, "pads must be integers");
  }
  if (has_in(n, 2)) {
    const Const& v = const_in(n, 2);
    if (v.numel() != 1) fail(n, "constant_value must be a scalar");
    value = v.f[0];
  }
  if (has_in(n, 3)) fail(n, "the axes input is not supported");
  if (value != 0.0f) fail(n, "only a zero constant is supported (lutsim pads with zeros)");
  const Sym& xs = value_in(n, 0, true);
  if (xs.rank != 4 || pads.size() != 8) fail(n, "pads must have 8 entries for an N x C x H x W input");
  if (pads[0] || pads[1] || pads[4] || pads[5]) fail(n, "padding the batch or channel dimension is not supported");
  for (std::int64_t v : pads) if (v < 0 || v > 64) fail(n, "a padding of " + std::to_string(v) + " is outside [0, 64]");
  Sym s = xs;
  s.pad[0] += static_cast<int>(pads[2]), s.pad[1] += static_cast<int>(pads[3]);
  s.pad[2] += static_cast<int>(pads[6]), s.pad[3] += static_cast<int>(pads[7]);
  bind(n, 0, s);
}

FloatGraph Importer::run(const onnx::ModelProto& m) {
  if (!m.has_graph()) throw Error(what_ + ": the model has no graph");
  for (const onnx::OperatorSetIdProto& os : m.opset_import())
    if ((os.domain().empty() || os.domain() == "ai.onnx") && (os.version() < 7 || os.version() > 18))
      throw Error(what_ + ": opset " + std::to_string(os.version()) + " is not supported (7 to 18)");
  const onnx::GraphProto& gr = m.graph();
  // Checked first: a second output changes what the node rules below see (an inner value read from outside).
  if (gr.output_size() != 1)
    throw Error(what_ + ": the graph must have exactly one output, it has " + std::to_string(gr.output_size()));
  g_.name = gr.name();
  for (const onnx::TensorProto& t : gr.initializer()) {
    Sym s;
    s.is_const = true;
    s.c = tensor(t, "initializer '" + t.name() + "'");
    syms_[t.name()] = std::move(s);
  }
  for (const onnx::NodeProto& n : gr.node())
    for (const std::string& in : n.input())
      if (!in.empty()) ++uses_[in];
  for (const onnx::ValueInfoProto& o : gr.output()) ++uses_[o.name()];

  int inputs = 0;
  for (const onnx::ValueInfoProto& in : gr.input()) {
    if (syms_.count(in.name())) continue;  // an initializer listed as an input (older exporters)
    if (++inputs > 1) throw Error(what_ + ": the graph has more than one input; lutsim networks read one image tensor");
    const std::string ctx = what_ + ": graph input '" + in.name() + "'";
    if (!in.type().has_tensor_type() || in.type().tensor_type().elem_type() != onnx::TensorProto_DataType_FLOAT)
      throw Error(ctx + ": must be a float32 tensor");
    const onnx::TensorShapeProto& sh = in.type().tensor_type().shape();
    if (sh.dim_size() != 4) throw Error(ctx + ": must have shape [N, C, H, W]");
    int d[3];
    for (int k = 1; k < 4; ++k) {
      if (!sh.dim(k).has_dim_value() || sh.dim(k).dim_value() < 1 || sh.dim(k).dim_value() > 65536)
        throw Error(ctx + ": dimension " + std::to_string(k) + " must be a fixed size in [1, 65536]");
      d[k - 1] = static_cast<int>(sh.dim(k).dim_value());
    }
    Sym s;
    s.value = new_value(in.name(), d[1], d[2], d[0]);
    g_.input = s.value;
    syms_[in.name()] = s;
  }
  if (inputs == 0) throw Error(what_ + ": the graph has no input");

  for (const onnx::NodeProto& n : gr.node()) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, "operator domain '" + n.domain() + "' is not supported");
    if (n.output_size() < 1) fail(n, "has no output");
    const std::string& op = n.op_type();
    if (op == "Conv") conv(n);
    else if (op == "Gemm" || op == "MatMul") dense(n);
    else if (op == "BatchNormalization") batchnorm(n);
    else if (op == "Relu" || op == "Clip") activation(n);
    else if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") pool(n);
    else if (op == "ReduceMean") reduce_mean(n);
    else if (op == "Add") add(n);
    else if (op == "Sub" || op == "Mul" || op == "Div") affine(n);
    else if (op == "Concat") concat(n);
    else if (op == "Transpose") transpose(n);
    else if (op == "Flatten" || op == "Reshape") flatten(n);
    else if (op == "Pad") pad(n);
    else if (op == "Identity" || op == "Dropout") {
      if (op == "Dropout") {
        check_attrs(n, {"seed", "ratio", "is_test"});
        if (n.output_size() > 1 && !n.output(1).empty() && uses_.count(n.output(1))) fail(n, "the mask output is not supported");
      }
      bind(n, 0, sym(n, 0));
    } else if (op == "Cast") {
      // Exporters cast constant clip bounds and shapes; a cast of an activation has no lutsim equivalent.
      check_attrs(n, {"to", "saturate"});
      const Sym& s = sym(n, 0);
      if (!s.is_const) fail(n, "only a Cast of a constant is supported");
      Sym c = s;
      const std::int64_t to = attr_int(n, "to", onnx::TensorProto_DataType_FLOAT);
      if (to == onnx::TensorProto_DataType_FLOAT || to == onnx::TensorProto_DataType_DOUBLE) {
        c.c.is_int = false;
        c.c.i.clear();
      } else if (to == onnx::TensorProto_DataType_INT64 || to == onnx::TensorProto_DataType_INT32) {
        c.c.is_int = true;
        c.c.i.clear();
        for (float v : c.c.f) c.c.i.push_back(static_cast<std::int64_t>(v));
        c.c.f.assign(c.c.i.begin(), c.c.i.end());
      } else {
        fail(n, "a cast to data type " + std::to_string(to) + " is not supported");
      }
      bind(n, 0, std::move(c));
    } else if (op == "Constant") {
      const onnx::AttributeProto* a = attr(n, "value");
      if (!a || a->type() != onnx::AttributeProto_AttributeType_TENSOR || n.attribute_size() != 1)
        fail(n, "only a Constant with a tensor 'value' is supported");
      Sym s;
      s.is_const = true;
      s.c = tensor(a->t(), "node '" + node_name(n) + "' (Constant)");
      bind(n, 0, std::move(s));
    } else {
      fail(n, "operator not supported (supported: Conv, Gemm, MatMul, Add, Relu, Clip, BatchNormalization, MaxPool, "
              "AveragePool, GlobalAveragePool, ReduceMean over H and W, Sub/Mul/Div by a constant, Concat, Transpose pairs that cancel, Flatten, Reshape, Pad, Identity, Dropout, Constant, Cast of a constant)");
    }
  }
  const auto it = syms_.find(gr.output(0).name());
  if (it == syms_.end() || it->second.is_const) throw Error(what_ + ": graph output '" + gr.output(0).name() + "' is not computed from the input");
  if (it->second.transposed())
    throw Error(what_ + ": graph output '" + gr.output(0).name() + "' comes from a Transpose that no later Transpose undoes");
  if (it->second.padded()) throw Error(what_ + ": graph output '" + gr.output(0).name() + "' comes from a Pad");
  g_.output = it->second.value;
  if (g_.output == g_.input) throw Error(what_ + ": the graph computes nothing");

  // Drop nodes whose results nothing reads (for example a branch of a Dropout mask), then unused values.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = g_.nodes.size(); i-- > 0;)
      if (g_.nodes[i].output != g_.output && g_.consumers(g_.nodes[i].output).empty()) {
        g_.nodes.erase(g_.nodes.begin() + static_cast<std::ptrdiff_t>(i));
        changed = true;
      }
  }
  std::vector<int> remap(g_.values.size(), -1);
  std::vector<FValue> vals;
  auto keep = [&](int v) {
    if (remap[static_cast<std::size_t>(v)] < 0) {
      remap[static_cast<std::size_t>(v)] = static_cast<int>(vals.size());
      vals.push_back(g_.values[static_cast<std::size_t>(v)]);
    }
    return remap[static_cast<std::size_t>(v)];
  };
  g_.input = keep(g_.input);
  for (FNode& nd : g_.nodes) {
    for (int& v : nd.inputs) v = keep(v);
    nd.output = keep(nd.output);
  }
  g_.output = remap[static_cast<std::size_t>(g_.output)];
  g_.values = std::move(vals);
  check_graph(g_);
  return std::move(g_);
}

}  // namespace

FloatGraph import_onnx_bytes(const std::string& bytes, const std::string& what) {
  onnx::ModelProto m;
  if (bytes.empty()) throw Error(what + ": empty file, not an ONNX model");
  if (!m.ParseFromString(bytes)) throw Error(what + ": not an ONNX model (the protobuf message does not parse)");
  return Importer(what).run(m);
}

FloatGraph import_onnx(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not an ONNX model file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open the file");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (!f && !f.eof()) throw Error(path + ": cannot read the file");
  return import_onnx_bytes(ss.str(), path);
}

}  // namespace lutsim::quant
