#include "lutsim/model/network.h"

#include <set>

#include "lutsim/model/arith.h"

namespace lutsim {

std::string_view op_name(OpKind k) {
  switch (k) {
    case OpKind::Conv2D: return "conv2d";
    case OpKind::Dense: return "dense";
    case OpKind::MaxPool: return "maxpool";
    case OpKind::AvgPool: return "avgpool";
    case OpKind::GlobalAvgPool: return "global_avgpool";
    case OpKind::Add: return "add";
    case OpKind::Concat: return "concat";
    case OpKind::Reshape: return "reshape";
  }
  return "?";
}

bool parse_op(std::string_view s, OpKind* out) {
  for (OpKind k : {OpKind::Conv2D, OpKind::Dense, OpKind::MaxPool, OpKind::AvgPool, OpKind::GlobalAvgPool,
                   OpKind::Add, OpKind::Concat, OpKind::Reshape})
    if (op_name(k) == s) { *out = k; return true; }
  return false;
}

std::string_view lut_mode_name(LutMode m) { return m == LutMode::PerLayer ? "per_layer" : "per_channel"; }

bool parse_lut_mode(std::string_view s, LutMode* out) {
  if (s == "per_layer") { *out = LutMode::PerLayer; return true; }
  if (s == "per_channel") { *out = LutMode::PerChannel; return true; }
  return false;
}

std::int8_t ConvParams::weight(int o, std::int64_t i) const {
  const std::int64_t per_o = weights.numel() / weights.dim(0);
  if (weight_bits == 8) return weights.data<std::int8_t>()[o * per_o + i];
  const std::uint8_t code = weights.data<std::uint8_t>()[o * per_o + i];
  const std::int64_t row = lut_mode == LutMode::PerChannel ? o : 0;
  return lut.data<std::int8_t>()[row * (std::int64_t{1} << weight_bits) + code];
}

int Network::producer(int value_id) const {
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].output == value_id) return static_cast<int>(i);
  return -1;
}

int Network::find_value(std::string_view n) const {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i].name == n) return static_cast<int>(i);
  return -1;
}

namespace {

std::string range_str(std::int64_t lo, std::int64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

// Validation of one layer; every failure names the layer and the field.
class LayerCheck {
 public:
  LayerCheck(const Network& net, const Layer& l) : net_(net), l_(l) {}

  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw Error("layer '" + l_.name + "' (" + std::string(op_name(l_.op)) + "): " + field + ": " + msg);
  }
  void require(bool ok, const std::string& field, const std::string& msg) const {
    if (!ok) fail(field, msg);
  }
  const ValueInfo& in(std::size_t i) const { return net_.value(l_.inputs[i]); }
  const ValueInfo& out() const { return net_.value(l_.output); }

  void inputs(std::size_t lo, std::size_t hi) const {
    if (l_.inputs.size() < lo || l_.inputs.size() > hi)
      fail("inputs", "has " + std::to_string(l_.inputs.size()) + " inputs, expected " +
                         (lo == hi ? std::to_string(lo) : range_str(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi))));
  }
  void eight_bit(const ValueInfo& v, const std::string& field) const {
    require(v.dtype == DType::U8 || v.dtype == DType::S8, field,
            "value '" + v.name + "' has dtype " + std::string(dtype_name(v.dtype)) + ", expected u8 or s8");
  }
  void out_shape(int h, int w, int c) const {
    const ValueInfo& o = out();
    require(o.h == h && o.w == w && o.c == c, "output shape",
            "value '" + o.name + "' is " + std::to_string(o.h) + "x" + std::to_string(o.w) + "x" + std::to_string(o.c) +
                ", the layer computes " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c));
  }
  void shift(int s, const std::string& field) const {
    require(s >= kMinShift && s <= kMaxShift, field,
            "value " + std::to_string(s) + " is outside " + range_str(kMinShift, kMaxShift));
  }
  void clamp(const Clamp& c, DType t) const {
    const std::int64_t lo = dtype_min(t), hi = dtype_max(t);
    require(c.act_min >= lo && c.act_min <= hi, "act_min",
            std::to_string(c.act_min) + " is outside the output dtype " + std::string(dtype_name(t)) + " " + range_str(lo, hi));
    require(c.act_max >= lo && c.act_max <= hi, "act_max",
            std::to_string(c.act_max) + " is outside the output dtype " + std::string(dtype_name(t)) + " " + range_str(lo, hi));
    require(c.act_min <= c.act_max, "act_min",
            std::to_string(c.act_min) + " is greater than act_max " + std::to_string(c.act_max));
  }
  void tensor(const Tensor& t, const std::string& field, DType dt, const Shape& shape) const {
    require(t.dtype() == dt && t.shape() == shape, field,
            "is " + std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()) + ", expected " +
                std::string(dtype_name(dt)) + " " + shape_str(shape));
  }
  // Every output position of every spatial dimension must see at least one non-pad input (MaxPool needs a
  // non-empty window) and the output size must be >= 1.
  void window(const Window& w, int in_h, int in_w, bool need_real_tap) const {
    require(w.kh >= 1 && w.kw >= 1 && w.kh <= 64 && w.kw <= 64, "kernel",
            std::to_string(w.kh) + "x" + std::to_string(w.kw) + " is outside [1, 64]");
    require(w.sh >= 1 && w.sw >= 1 && w.sh <= 64 && w.sw <= 64, "stride", "must be in [1, 64]");
    require(w.dh >= 1 && w.dw >= 1 && w.dh <= 64 && w.dw <= 64, "dilation", "must be in [1, 64]");
    for (int p : {w.pad_top, w.pad_left, w.pad_bottom, w.pad_right})
      require(p >= 0 && p <= 64, "pads", "each pad must be in [0, 64], got " + std::to_string(p));
    const int oh = window_out(in_h, w.kh, w.sh, w.dh, w.pad_top, w.pad_bottom);
    const int ow = window_out(in_w, w.kw, w.sw, w.dw, w.pad_left, w.pad_right);
    require(oh >= 1 && ow >= 1, "kernel", "the window does not fit the " + std::to_string(in_h) + "x" +
                                              std::to_string(in_w) + " input with this padding");
    if (need_real_tap) {
      auto dim_ok = [](int in, int out, int k, int s, int d, int pad) {
        for (int o = 0; o < out; ++o) {
          bool any = false;
          for (int t = 0; t < k && !any; ++t) {
            const int i = o * s + t * d - pad;
            any = i >= 0 && i < in;
          }
          if (!any) return false;
        }
        return true;
      };
      require(dim_ok(in_h, oh, w.kh, w.sh, w.dh, w.pad_top) && dim_ok(in_w, ow, w.kw, w.sw, w.dw, w.pad_left), "pads",
              "some window lies entirely in the padding");
    }
  }

  void conv() const {
    inputs(1, 1);
    const ValueInfo& x = in(0);
    const ValueInfo& y = out();
    const ConvParams& p = l_.conv;
    eight_bit(x, "input");
    require(y.dtype != DType::F32, "output", "dtype f32 is not an integer output");
    require(p.weights.rank() == 4, "weights", "has shape " + shape_str(p.weights.shape()) + ", expected [O, KH, KW, I]");
    const std::int64_t O = p.weights.dim(0), KH = p.weights.dim(1), KW = p.weights.dim(2), I = p.weights.dim(3);
    require(O >= 1 && KH >= 1 && KW >= 1 && I >= 1, "weights", "has an empty dimension " + shape_str(p.weights.shape()));
    if (l_.op == OpKind::Dense) {
      require(x.h == 1 && x.w == 1, "input", "dense needs a 1x1 map, value '" + x.name + "' is " +
                                                 std::to_string(x.h) + "x" + std::to_string(x.w) + " (add a reshape)");
      require(KH == 1 && KW == 1, "weights", "dense weights must be [O, 1, 1, I], got " + shape_str(p.weights.shape()));
      require(p.groups == 1, "groups", "dense has groups = 1, got " + std::to_string(p.groups));
      require(p.win.pad_top == 0 && p.win.pad_left == 0 && p.win.pad_bottom == 0 && p.win.pad_right == 0, "pads",
              "dense takes no padding (its output is [N, 1, 1, O])");
    }
    require(p.groups >= 1, "groups", "must be >= 1, got " + std::to_string(p.groups));
    require(x.c % p.groups == 0, "groups", std::to_string(p.groups) + " does not divide the " + std::to_string(x.c) + " input channels");
    require(O % p.groups == 0, "groups", std::to_string(p.groups) + " does not divide the " + std::to_string(O) + " output channels");
    require(I == x.c / p.groups, "weights", "has I = " + std::to_string(I) + ", expected input channels / groups = " +
                                                std::to_string(x.c / p.groups));
    require(p.win.kh == KH && p.win.kw == KW, "kernel",
            std::to_string(p.win.kh) + "x" + std::to_string(p.win.kw) + " differs from the weights' " +
                std::to_string(KH) + "x" + std::to_string(KW));
    window(p.win, x.h, x.w, false);
    out_shape(window_out(x.h, p.win.kh, p.win.sh, p.win.dh, p.win.pad_top, p.win.pad_bottom),
              window_out(x.w, p.win.kw, p.win.sw, p.win.dw, p.win.pad_left, p.win.pad_right), static_cast<int>(O));

    const int b = p.weight_bits;
    require((b >= 1 && b <= 4) || b == 8, "weight_bits", std::to_string(b) + " is not one of 1, 2, 3, 4, 8");
    if (b == 8) {
      require(p.weights.dtype() == DType::S8, "weights", "8-bit weights must be s8, got " + std::string(dtype_name(p.weights.dtype())));
      require(p.lut.numel() == 0, "lut", "8-bit weights take no LUT");
    } else {
      require(p.weights.dtype() == DType::U8, "weights", "LUT codes must be u8, got " + std::string(dtype_name(p.weights.dtype())));
      const std::int64_t L = p.lut_mode == LutMode::PerChannel ? O : 1;
      tensor(p.lut, "lut", DType::S8, {L, std::int64_t{1} << b});
      const std::uint8_t* c = p.weights.data<std::uint8_t>();
      for (std::int64_t i = 0; i < p.weights.numel(); ++i)
        if (c[i] >> b)
          fail("weights", "code " + std::to_string(c[i]) + " at flat index " + std::to_string(i) +
                              " does not fit " + std::to_string(b) + " bits (must be < " + std::to_string(1 << b) + ")");
    }
    tensor(p.bias, "bias", DType::S32, {O});
    if (y.dtype != DType::S32) {
      require(p.shift.dtype() == DType::S8 && p.shift.rank() == 1 && (p.shift.dim(0) == 1 || p.shift.dim(0) == O),
              "shift", "is " + std::string(dtype_name(p.shift.dtype())) + " " + shape_str(p.shift.shape()) +
                           ", expected s8 [1] or [" + std::to_string(O) + "]");
      for (std::int64_t i = 0; i < p.shift.numel(); ++i)
        shift(static_cast<int>(p.shift.get(i)), "shift[" + std::to_string(i) + "]");
      clamp(p.clamp, y.dtype);
    }
  }

  void pool() const {
    inputs(1, 1);
    const ValueInfo& x = in(0);
    const ValueInfo& y = out();
    eight_bit(x, "input");
    if (l_.op == OpKind::MaxPool) {
      require(y.dtype == x.dtype, "output", "maxpool keeps the input dtype " + std::string(dtype_name(x.dtype)));
      require(y.exponent == x.exponent, "output", "maxpool keeps the input exponent " + std::to_string(x.exponent));
    } else {
      eight_bit(y, "output");
      shift(l_.pool.shift, "shift");
      clamp(l_.pool.clamp, y.dtype);
    }
    if (l_.op == OpKind::GlobalAvgPool) {
      // The window sum must fit the 32-bit pool adders of the hardware: |sum| <= 255 * h * w < 2^31.
      constexpr std::int64_t kMaxPositions = 8421504;  // floor((2^31 - 1) / 255)
      require(std::int64_t{x.h} * x.w <= kMaxPositions, "input",
              "a global pool over " + std::to_string(std::int64_t{x.h} * x.w) + " positions could exceed 32 bits (at most " +
                  std::to_string(kMaxPositions) + ")");
      out_shape(1, 1, x.c);
      return;
    }
    const Window& w = l_.pool.win;
    window(w, x.h, x.w, l_.op == OpKind::MaxPool);
    out_shape(window_out(x.h, w.kh, w.sh, w.dh, w.pad_top, w.pad_bottom),
              window_out(x.w, w.kw, w.sw, w.dw, w.pad_left, w.pad_right), x.c);
  }

  void add() const {
    inputs(2, 2);
    eight_bit(in(0), "input a");
    eight_bit(in(1), "input b");
    eight_bit(out(), "output");
    require(in(0).h == in(1).h && in(0).w == in(1).w && in(0).c == in(1).c, "inputs",
            "values '" + in(0).name + "' and '" + in(1).name + "' differ in shape");
    for (auto [v, n] : {std::pair{l_.add.la, "la"}, std::pair{l_.add.lb, "lb"}})
      require(v >= 0 && v <= 15, n, std::to_string(v) + " is outside [0, 15]");
    shift(l_.add.shift, "shift");
    clamp(l_.add.clamp, out().dtype);
    out_shape(in(0).h, in(0).w, in(0).c);
  }

  void concat() const {
    inputs(1, 64);
    int c = 0;
    for (std::size_t i = 0; i < l_.inputs.size(); ++i) {
      const ValueInfo& v = in(i);
      const std::string f = "input " + std::to_string(i);
      require(v.dtype == out().dtype, f, "dtype " + std::string(dtype_name(v.dtype)) + " differs from the output's");
      require(v.exponent == out().exponent, f, "exponent " + std::to_string(v.exponent) + " differs from the output's " +
                                                   std::to_string(out().exponent));
      require(v.h == out().h && v.w == out().w, f, "spatial size differs from the output's");
      c += v.c;
    }
    out_shape(out().h, out().w, c);
  }

  void reshape() const {
    inputs(1, 1);
    const ValueInfo& x = in(0);
    const ValueInfo& y = out();
    require(y.dtype == x.dtype && y.exponent == x.exponent, "output", "reshape keeps dtype and exponent");
    require(std::int64_t{x.h} * x.w * x.c == std::int64_t{y.h} * y.w * y.c, "output shape",
            "element count differs from the input's");
  }

 private:
  const Network& net_;
  const Layer& l_;
};

}  // namespace

void validate(const Network& net) {
  const int nv = static_cast<int>(net.values.size());
  if (nv == 0) throw Error("network has no values");
  std::set<std::string> names;
  for (const ValueInfo& v : net.values) {
    if (v.name.empty()) throw Error("a value has an empty name");
    if (!names.insert(v.name).second) throw Error("value '" + v.name + "' is defined twice");
    if (v.dtype == DType::F32) throw Error("value '" + v.name + "': dtype f32 is not an activation dtype");
    if (v.h < 1 || v.w < 1 || v.c < 1 || v.h > 65536 || v.w > 65536 || v.c > 65536)
      throw Error("value '" + v.name + "': shape " + std::to_string(v.h) + "x" + std::to_string(v.w) + "x" +
                  std::to_string(v.c) + " has a dimension outside [1, 65536]");
    if (v.exponent < -128 || v.exponent > 127)
      throw Error("value '" + v.name + "': exponent " + std::to_string(v.exponent) + " is outside [-128, 127]");
  }
  if (net.input < 0 || net.input >= nv) throw Error("network input id " + std::to_string(net.input) + " is not a value");
  if (net.output < 0 || net.output >= nv) throw Error("network output id " + std::to_string(net.output) + " is not a value");
  if (net.value(net.input).dtype == DType::S32) throw Error("network input '" + net.value(net.input).name + "' must be u8 or s8");

  std::vector<bool> defined(static_cast<std::size_t>(nv), false), used(static_cast<std::size_t>(nv), false);
  defined[static_cast<std::size_t>(net.input)] = true;
  names.clear();
  for (const Layer& l : net.layers) {
    if (l.name.empty()) throw Error("a layer has an empty name");
    if (!names.insert(l.name).second) throw Error("layer '" + l.name + "' is defined twice");
    LayerCheck chk(net, l);
    for (std::size_t i = 0; i < l.inputs.size(); ++i) {
      const int id = l.inputs[i];
      chk.require(id >= 0 && id < nv, "inputs", "input " + std::to_string(i) + " is not a value id");
      chk.require(defined[static_cast<std::size_t>(id)], "inputs",
                  "value '" + net.value(id).name + "' is not computed before this layer (cycle or wrong order)");
      if (net.value(id).dtype == DType::S32 && l.op != OpKind::Reshape && l.op != OpKind::Concat)
        chk.fail("inputs", "value '" + net.value(id).name + "' is a raw s32 accumulator; only reshape or concat may read it");
      used[static_cast<std::size_t>(id)] = true;
    }
    chk.require(l.output >= 0 && l.output < nv, "output", "is not a value id");
    chk.require(!defined[static_cast<std::size_t>(l.output)], "output",
                "value '" + net.value(l.output).name + "' is already computed elsewhere");
    switch (l.op) {
      case OpKind::Conv2D:
      case OpKind::Dense: chk.conv(); break;
      case OpKind::MaxPool:
      case OpKind::AvgPool:
      case OpKind::GlobalAvgPool: chk.pool(); break;
      case OpKind::Add: chk.add(); break;
      case OpKind::Concat: chk.concat(); break;
      case OpKind::Reshape: chk.reshape(); break;
    }
    defined[static_cast<std::size_t>(l.output)] = true;
  }
  for (int id = 0; id < nv; ++id) {
    if (!defined[static_cast<std::size_t>(id)])
      throw Error("value '" + net.value(id).name + "' is neither the network input nor computed by a layer");
    if (!used[static_cast<std::size_t>(id)] && id != net.output)
      throw Error("value '" + net.value(id).name + "' is computed but never used");
  }
}

std::int64_t layer_macs(const Network& net, const Layer& l) {
  if (l.op != OpKind::Conv2D && l.op != OpKind::Dense) return 0;
  const ValueInfo& y = net.value(l.output);
  return std::int64_t{y.h} * y.w * y.c * (l.conv.weights.numel() / l.conv.weights.dim(0));
}

std::int64_t layer_weight_bytes(const Layer& l) {
  if (l.op != OpKind::Conv2D && l.op != OpKind::Dense) return 0;
  const ConvParams& p = l.conv;
  const std::int64_t code_bits = p.weights.numel() * p.weight_bits;
  return (code_bits + 7) / 8 + p.lut.numel() + 4 * p.bias.numel() + p.shift.numel();
}

}  // namespace lutsim
