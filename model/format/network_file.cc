// The network file: an uncompressed NumPy .npz holding "graph.json" and one .npy per parameter tensor
// (docs/format.md gives the schema field by field).
//
// The reader checks the JSON type and presence of every field and rejects any field it does not know, so that a
// misspelt option is an error rather than a silent default; then it builds the Network and runs validate(). All
// errors start with the file's path, then the layer (or value) and the field.
#include <map>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "io.h"
#include "lutsim/model/format.h"
#include "lutsim/model/library_errors.h"

namespace lutsim {

using format_detail::quote;

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kFormatName = "lutsim-network";
constexpr const char* kGraphMember = "graph.json";
constexpr std::size_t kMaxNameLength = 255;
constexpr int kMaxJsonDepth = 16;  // the schema needs 4; deeper nesting is rejected before it costs anything

const char* const kParamKinds[] = {"weights", "lut", "bias", "shift"};

std::string member_name(const std::string& layer, std::string_view kind) {
  return layer + "." + std::string(kind) + ".npy";
}

// Why `s` cannot be a name, or "" when it can. Names are printable ASCII so that every message and every tool
// shows them as they are; layer names also become member names, so they hold no path separators.
std::string name_problem(const std::string& s, bool layer, bool allow_empty) {
  if (s.empty()) return allow_empty ? "" : "is empty";
  if (s.size() > kMaxNameLength) return "is longer than " + std::to_string(kMaxNameLength) + " characters";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7e) return "has a character outside printable ASCII";
    if (layer && (c == '/' || c == '\\')) return "contains '/' or '\\', which a member name cannot hold";
  }
  return "";
}

std::string kind_of(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a non-integer number";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

// A JSON value for an error message: one line, ASCII, at most about 60 characters.
std::string shown(const Json& v) {
  std::string d = v.dump(-1, ' ', true);
  if (d.size() > 60) d = d.substr(0, 57) + "...";
  return d;
}

// One JSON object of the graph, with errors located at `where` ("PATH: layer 'conv1'").
class Fields {
 public:
  Fields(const Json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  [[noreturn]] void fail(std::string_view key, const std::string& msg) const {
    throw Error(where_ + ": field '" + std::string(key) + "': " + msg);
  }
  bool has(std::string_view key) const { return obj_.contains(std::string(key)); }
  const Json& need(std::string_view key) const {
    const auto it = obj_.find(std::string(key));
    if (it == obj_.end()) throw Error(where_ + ": field '" + std::string(key) + "' is missing");
    return *it;
  }
  // Rejects every key outside `allowed`; `kind` says what this object is ("a maxpool layer").
  void only(const std::vector<std::string_view>& allowed, const std::string& kind) const {
    for (const auto& [k, v] : obj_.items()) {
      bool ok = false;
      for (std::string_view a : allowed) ok = ok || k == a;
      if (ok) continue;
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw Error(where_ + ": unknown field " + quote(k) + " (" + kind + " has the fields " + list + ")");
    }
  }
  void forbid(std::string_view key, const std::string& why) const {
    if (has(key)) fail(key, "is not allowed here: " + why);
  }

  std::string str(std::string_view key) const {
    const Json& v = need(key);
    if (!v.is_string()) fail(key, "expected a string, got " + kind_of(v) + " " + shown(v));
    return v.get<std::string>();
  }
  int integer(std::string_view key) const { return as_int(need(key), key, "an integer"); }
  // An array of exactly n integers; `form` names them, e.g. "[kh, kw]".
  std::vector<int> ints(std::string_view key, std::size_t n, const std::string& form) const {
    const Json& v = need(key);
    const std::string expected = "expected " + form + " of integers";
    if (!v.is_array() || v.size() != n) fail(key, expected + ", got " + shown(v));
    std::vector<int> out;
    for (const Json& e : v) out.push_back(as_int(e, key, form + " of integers"));
    return out;
  }
  std::vector<std::string> strs(std::string_view key, const std::string& form) const {
    const Json& v = need(key);
    if (!v.is_array()) fail(key, "expected " + form + ", got " + shown(v));
    std::vector<std::string> out;
    for (const Json& e : v) {
      if (!e.is_string()) fail(key, "expected " + form + ", got " + shown(v));
      out.push_back(e.get<std::string>());
    }
    return out;
  }

 private:
  int as_int(const Json& v, std::string_view key, const std::string& expected) const {
    if (!v.is_number_integer()) fail(key, "expected " + expected + ", got " + kind_of(v) + " " + shown(v));
    const bool fits = v.is_number_unsigned() ? v.get<std::uint64_t>() <= 0x7fffffffu
                                             : v.get<std::int64_t>() >= -0x7fffffffll - 1 &&
                                                   v.get<std::int64_t>() <= 0x7fffffffll;
    if (!fits) fail(key, shown(v) + " is outside the 32-bit integer range");
    return v.is_number_unsigned() ? static_cast<int>(v.get<std::uint64_t>()) : static_cast<int>(v.get<std::int64_t>());
  }

  const Json& obj_;
  std::string where_;
};

// Parses JSON text, rejecting duplicate keys (which JSON parsers otherwise resolve silently, each its own way)
// and nesting deeper than the schema needs.
Json parse_json_strict(std::string_view text, const std::string& where) {
  std::vector<std::set<std::string>> keys;
  auto cb = [&](int depth, Json::parse_event_t ev, Json& parsed) {
    switch (ev) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth)
          throw Error(where + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        if (ev == Json::parse_event_t::object_start) keys.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!keys.empty() && parsed.is_string() && !keys.back().insert(parsed.get<std::string>()).second)
          throw Error(where + ": key " + quote(parsed.get<std::string>()) + " appears twice in one object");
        break;
      default: break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), cb);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw Error(where + ": invalid JSON: " + library_message(e.what()));
  }
}

std::vector<std::string_view> layer_fields(OpKind op) {
  std::vector<std::string_view> f = {"name", "op", "inputs", "output"};
  auto add = [&](std::initializer_list<std::string_view> more) { f.insert(f.end(), more); };
  switch (op) {
    case OpKind::Conv2D:
      add({"groups", "kernel", "stride", "dilation", "pads", "weight_bits", "lut_mode", "act_min", "act_max"});
      break;
    case OpKind::Dense: add({"weight_bits", "lut_mode", "act_min", "act_max"}); break;
    case OpKind::MaxPool: add({"kernel", "stride", "dilation", "pads"}); break;
    case OpKind::AvgPool: add({"kernel", "stride", "dilation", "pads", "shift", "act_min", "act_max"}); break;
    case OpKind::GlobalAvgPool: add({"shift", "act_min", "act_max"}); break;
    case OpKind::Add: add({"la", "lb", "shift", "act_min", "act_max"}); break;
    case OpKind::Concat:
    case OpKind::Reshape: break;
  }
  return f;
}

std::string op_list() {
  std::string s;
  for (OpKind k : {OpKind::Conv2D, OpKind::Dense, OpKind::MaxPool, OpKind::AvgPool, OpKind::GlobalAvgPool,
                   OpKind::Add, OpKind::Concat, OpKind::Reshape})
    s += (s.empty() ? "" : ", ") + std::string(op_name(k));
  return s;
}

class GraphReader {
 public:
  explicit GraphReader(const std::string& what) : what_(what) {}

  Network read(std::span<const std::uint8_t> bytes) {
    const std::vector<ZipMember> members = parse_zip(bytes, what_);
    for (const ZipMember& m : members)
      if (!members_.emplace(m.name, &m).second) throw Error(what_ + ": member " + quote(m.name) + " appears twice");
    const auto g = members_.find(kGraphMember);
    if (g == members_.end())
      throw Error(what_ + ": member 'graph.json' is missing (expected a lutsim network: an .npz with graph.json "
                          "and one .npy per parameter tensor)");
    used_.insert(kGraphMember);
    const std::vector<std::uint8_t>& text = g->second->data;
    const Json root = parse_json_strict(
        std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), what_ + ": member 'graph.json'");
    if (!root.is_object())
      throw Error(what_ + ": member 'graph.json': expected a JSON object at the top level, got " + kind_of(root));
    Network net = read_root(Fields(root, what_));
    for (const ZipMember& m : members)
      if (!used_.count(m.name))
        throw Error(what_ + ": member " + quote(m.name) + " is not used by any layer (expected graph.json and, for "
                            "each conv2d or dense layer, <layer>.weights.npy, .lut.npy, .bias.npy, .shift.npy)");
    try {
      validate(net);
    } catch (const Error& e) {
      throw Error(what_ + ": " + e.what());
    }
    return net;
  }

 private:
  Network read_root(const Fields& top) {
    const std::string format = top.str("format");
    if (format != kFormatName) top.fail("format", "expected \"lutsim-network\", got " + shown(Json(format)));
    const Json& ver = top.need("version");
    const std::string readable = "this build reads versions 1 to " + std::to_string(kNetworkFormatVersion);
    if (!ver.is_number_integer()) top.fail("version", "expected an integer, got " + shown(ver));
    const bool newer = ver.is_number_unsigned()
                           ? ver.get<std::uint64_t>() > static_cast<std::uint64_t>(kNetworkFormatVersion)
                           : ver.get<std::int64_t>() > kNetworkFormatVersion;
    if (newer)
      top.fail("version", "format version " + shown(ver) + " is newer than " + readable + "; upgrade lutsim");
    if (ver.get<std::int64_t>() < 1) top.fail("version", shown(ver) + " is not a format version (" + readable + ")");
    top.only({"format", "version", "name", "input", "output", "values", "layers"}, "the graph");

    Network net;
    net.name = top.str("name");
    if (auto p = name_problem(net.name, false, true); !p.empty()) top.fail("name", quote(net.name) + " " + p);

    const Json& values = top.need("values");
    if (!values.is_array()) top.fail("values", "expected an array of values, got " + kind_of(values));
    for (std::size_t i = 0; i < values.size(); ++i) net.values.push_back(read_value(values[i], i));

    net.input = value_id(top, "input", top.str("input"));
    net.output = value_id(top, "output", top.str("output"));

    const Json& layers = top.need("layers");
    if (!layers.is_array()) top.fail("layers", "expected an array of layers, got " + kind_of(layers));
    for (std::size_t i = 0; i < layers.size(); ++i) net.layers.push_back(read_layer(layers[i], i, net));
    return net;
  }

  ValueInfo read_value(const Json& j, std::size_t index) {
    const std::string at = what_ + ": values[" + std::to_string(index) + "]";
    if (!j.is_object()) throw Error(at + ": expected an object, got " + kind_of(j));
    const Fields pre(j, at);
    ValueInfo v;
    v.name = pre.str("name");
    if (auto p = name_problem(v.name, false, false); !p.empty()) pre.fail("name", quote(v.name) + " " + p);
    const Fields f(j, what_ + ": value " + quote(v.name));
    f.only({"name", "dtype", "shape", "exponent"}, "a value");
    const std::string dt = f.str("dtype");
    if (dt != "u8" && dt != "s8" && dt != "s32")
      f.fail("dtype", quote(dt) + " is not an activation dtype (expected \"u8\", \"s8\" or \"s32\")");
    parse_dtype(dt, &v.dtype);
    const std::vector<int> shape = f.ints("shape", 3, "[h, w, c]");
    v.h = shape[0];
    v.w = shape[1];
    v.c = shape[2];
    v.exponent = f.integer("exponent");
    if (!value_ids_.emplace(v.name, static_cast<int>(index)).second) f.fail("name", "value " + quote(v.name) + " is defined twice");
    return v;
  }

  int value_id(const Fields& f, std::string_view key, const std::string& name) const {
    const auto it = value_ids_.find(name);
    if (it == value_ids_.end()) f.fail(key, "value " + quote(name) + " is not defined in 'values'");
    return it->second;
  }

  Layer read_layer(const Json& j, std::size_t index, const Network& net) {
    const std::string at = what_ + ": layers[" + std::to_string(index) + "]";
    if (!j.is_object()) throw Error(at + ": expected an object, got " + kind_of(j));
    Layer l;
    l.name = Fields(j, at).str("name");
    if (auto p = name_problem(l.name, true, false); !p.empty()) Fields(j, at).fail("name", quote(l.name) + " " + p);
    const Fields f(j, what_ + ": layer " + quote(l.name));
    const std::string op = f.str("op");
    if (!parse_op(op, &l.op)) f.fail("op", "unknown op " + quote(op) + " (expected one of " + op_list() + ")");
    f.only(layer_fields(l.op), "a " + op + " layer");
    for (const std::string& in : f.strs("inputs", "an array of value names"))
      l.inputs.push_back(value_id(f, "inputs", in));
    l.output = value_id(f, "output", f.str("output"));
    const ValueInfo& out = net.values[static_cast<std::size_t>(l.output)];
    const bool clamped = out.dtype != DType::S32;
    auto clamp = [&](Clamp& c) {
      if (!clamped) {
        const std::string why = "the output " + quote(out.name) + " is an s32 accumulator, which is not clamped";
        f.forbid("act_min", why);
        f.forbid("act_max", why);
        return;
      }
      c.act_min = f.integer("act_min");
      c.act_max = f.integer("act_max");
    };
    auto window = [&](Window& w) {
      const std::vector<int> k = f.ints("kernel", 2, "[kh, kw]");
      const std::vector<int> s = f.ints("stride", 2, "[sh, sw]");
      const std::vector<int> d = f.ints("dilation", 2, "[dh, dw]");
      const std::vector<int> p = f.ints("pads", 4, "[top, left, bottom, right]");
      w = Window{k[0], k[1], s[0], s[1], d[0], d[1], p[0], p[1], p[2], p[3]};
    };
    switch (l.op) {
      case OpKind::Conv2D:
      case OpKind::Dense: {
        ConvParams& c = l.conv;
        if (l.op == OpKind::Conv2D) {
          c.groups = f.integer("groups");
          window(c.win);
        }
        c.weight_bits = f.integer("weight_bits");
        const int b = c.weight_bits;
        if (!((b >= 1 && b <= 4) || b == 8)) f.fail("weight_bits", std::to_string(b) + " is not one of 1, 2, 3, 4, 8");
        if (b <= 4) {
          const std::string mode = f.str("lut_mode");
          if (!parse_lut_mode(mode, &c.lut_mode))
            f.fail("lut_mode", "unknown LUT mode " + quote(mode) + " (expected \"per_layer\" or \"per_channel\")");
        } else {
          f.forbid("lut_mode", "8-bit weights are raw s8 and take no LUT");
        }
        clamp(c.clamp);
        read_params(f, l, clamped);
        break;
      }
      case OpKind::MaxPool: window(l.pool.win); break;
      case OpKind::AvgPool:
      case OpKind::GlobalAvgPool:
        if (l.op == OpKind::AvgPool) window(l.pool.win);
        l.pool.shift = f.integer("shift");
        clamp(l.pool.clamp);
        break;
      case OpKind::Add:
        l.add.la = f.integer("la");
        l.add.lb = f.integer("lb");
        l.add.shift = f.integer("shift");
        clamp(l.add.clamp);
        break;
      case OpKind::Concat:
      case OpKind::Reshape: break;
    }
    if (l.op != OpKind::Conv2D && l.op != OpKind::Dense)
      for (const char* kind : kParamKinds)
        if (members_.count(member_name(l.name, kind)))
          f.fail(kind, "member " + quote(member_name(l.name, kind)) + " is present, but a " + op +
                           " layer has no parameter tensors");
    return l;
  }

  // The parameter tensors of a conv2d or dense layer, each checked for dtype and shape against the graph.
  void read_params(const Fields& f, Layer& l, bool clamped) {
    ConvParams& c = l.conv;
    const int b = c.weight_bits;
    auto bad = [&](const Tensor& t, const char* kind, DType dt, const std::string& form) {
      f.fail(kind, "member " + quote(member_name(l.name, kind)) + " is " + std::string(dtype_name(t.dtype())) + " " +
                       shape_str(t.shape()) + ", expected " + std::string(dtype_name(dt)) + " " + form);
    };
    c.weights = member(f, l.name, "weights");
    const DType wdt = b == 8 ? DType::S8 : DType::U8;
    if (c.weights.dtype() != wdt || c.weights.rank() != 4 || c.weights.numel() == 0)
      bad(c.weights, "weights", wdt,
          std::string("[O, KH, KW, I] with no empty dimension (") + (b == 8 ? "raw 8-bit weights" : "LUT codes") + ")");
    const std::int64_t O = c.weights.dim(0);
    if (b <= 4) {
      c.lut = member(f, l.name, "lut");
      const Shape lut_shape = {c.lut_mode == LutMode::PerChannel ? O : 1, std::int64_t{1} << b};
      if (c.lut.dtype() != DType::S8 || c.lut.shape() != lut_shape)
        bad(c.lut, "lut", DType::S8,
            shape_str(lut_shape) + " (" + std::string(lut_mode_name(c.lut_mode)) + ": " +
                (lut_shape[0] == 1 ? "one LUT" : "one LUT per output channel") + " of 2^weight_bits entries)");
    } else if (members_.count(member_name(l.name, "lut"))) {
      f.fail("lut", "member " + quote(member_name(l.name, "lut")) + " is present, but 8-bit weights take no LUT");
    }
    c.bias = member(f, l.name, "bias");
    if (c.bias.dtype() != DType::S32 || c.bias.shape() != Shape{O})
      bad(c.bias, "bias", DType::S32, shape_str({O}) + " (one per output channel)");
    if (clamped) {
      c.shift = member(f, l.name, "shift");
      if (c.shift.dtype() != DType::S8 || (c.shift.shape() != Shape{1} && c.shift.shape() != Shape{O}))
        bad(c.shift, "shift", DType::S8, "[1] (per layer) or " + shape_str({O}) + " (per output channel)");
    } else if (members_.count(member_name(l.name, "shift"))) {
      f.fail("shift", "member " + quote(member_name(l.name, "shift")) +
                          " is present, but an s32 output is not shifted");
    }
  }

  Tensor member(const Fields& f, const std::string& layer, const char* kind) {
    const std::string name = member_name(layer, kind);
    const auto it = members_.find(name);
    if (it == members_.end()) f.fail(kind, "member " + quote(name) + " is missing");
    used_.insert(name);
    return parse_npy(it->second->data, what_ + ": layer " + quote(layer) + ": field '" + kind + "': member " + quote(name));
  }

  const std::string what_;
  std::map<std::string, const ZipMember*> members_;
  std::set<std::string> used_;
  std::map<std::string, int> value_ids_;
};

// JSON on one line with spaces after ':' and ',', for one value or layer per line of graph.json.
std::string inline_json(const Json& j) {
  std::string out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) out += (out.empty() ? "" : ", ") + Json(k).dump() + ": " + inline_json(v);
    return "{" + out + "}";
  }
  if (j.is_array()) {
    for (const Json& v : j) out += (out.empty() ? "" : ", ") + inline_json(v);
    return "[" + out + "]";
  }
  return j.dump(-1, ' ', true);
}

Json layer_json(const Network& net, const Layer& l) {
  Json j;
  j["name"] = l.name;
  j["op"] = std::string(op_name(l.op));
  j["inputs"] = Json::array();
  for (int id : l.inputs) j["inputs"].push_back(net.value(id).name);
  j["output"] = net.value(l.output).name;
  const bool clamped = net.value(l.output).dtype != DType::S32;
  auto window = [&](const Window& w) {
    j["kernel"] = {w.kh, w.kw};
    j["stride"] = {w.sh, w.sw};
    j["dilation"] = {w.dh, w.dw};
    j["pads"] = {w.pad_top, w.pad_left, w.pad_bottom, w.pad_right};
  };
  auto clamp = [&](const Clamp& c) {
    if (!clamped) return;
    j["act_min"] = c.act_min;
    j["act_max"] = c.act_max;
  };
  switch (l.op) {
    case OpKind::Conv2D:
    case OpKind::Dense:
      if (l.op == OpKind::Conv2D) {
        j["groups"] = l.conv.groups;
        window(l.conv.win);
      }
      j["weight_bits"] = l.conv.weight_bits;
      if (l.conv.weight_bits <= 4) j["lut_mode"] = std::string(lut_mode_name(l.conv.lut_mode));
      clamp(l.conv.clamp);
      break;
    case OpKind::MaxPool: window(l.pool.win); break;
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool:
      if (l.op == OpKind::AvgPool) window(l.pool.win);
      j["shift"] = l.pool.shift;
      clamp(l.pool.clamp);
      break;
    case OpKind::Add:
      j["la"] = l.add.la;
      j["lb"] = l.add.lb;
      j["shift"] = l.add.shift;
      clamp(l.add.clamp);
      break;
    case OpKind::Concat:
    case OpKind::Reshape: break;
  }
  return j;
}

std::string graph_json(const Network& net) {
  std::string s = "{\n";
  s += "  \"format\": " + Json(kFormatName).dump() + ",\n";
  s += "  \"version\": " + std::to_string(kNetworkFormatVersion) + ",\n";
  s += "  \"name\": " + Json(net.name).dump() + ",\n";
  s += "  \"input\": " + Json(net.value(net.input).name).dump() + ",\n";
  s += "  \"output\": " + Json(net.value(net.output).name).dump() + ",\n";
  s += "  \"values\": [";
  for (std::size_t i = 0; i < net.values.size(); ++i) {
    const ValueInfo& v = net.values[i];
    Json j;
    j["name"] = v.name;
    j["dtype"] = std::string(dtype_name(v.dtype));
    j["shape"] = {v.h, v.w, v.c};
    j["exponent"] = v.exponent;
    s += std::string(i ? "," : "") + "\n    " + inline_json(j);
  }
  s += "\n  ],\n  \"layers\": [";
  for (std::size_t i = 0; i < net.layers.size(); ++i)
    s += std::string(i ? "," : "") + "\n    " + inline_json(layer_json(net, net.layers[i]));
  s += net.layers.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return s;
}

}  // namespace

Network parse_network(std::span<const std::uint8_t> bytes, const std::string& what) {
  try {
    return GraphReader(what).read(bytes);
  } catch (const Json::exception& e) {
    // Every JSON access is type-checked first; this only turns a missed case into a clean error.
    throw Error(what + ": member 'graph.json': " + e.what());
  }
}

std::vector<std::uint8_t> serialize_network(const Network& net) {
  const std::string head = "cannot save network " + quote(net.name) + ": ";
  try {
    validate(net);
  } catch (const Error& e) {
    throw Error(head + e.what());
  }
  if (auto p = name_problem(net.name, false, true); !p.empty()) throw Error(head + "name " + quote(net.name) + " " + p);
  for (const ValueInfo& v : net.values)
    if (auto p = name_problem(v.name, false, false); !p.empty()) throw Error(head + "value " + quote(v.name) + ": name " + p);
  for (const Layer& l : net.layers)
    if (auto p = name_problem(l.name, true, false); !p.empty()) throw Error(head + "layer " + quote(l.name) + ": name " + p);

  std::vector<ZipMember> members;
  const std::string graph = graph_json(net);
  members.push_back({kGraphMember, std::vector<std::uint8_t>(graph.begin(), graph.end())});
  for (const Layer& l : net.layers) {
    if (l.op != OpKind::Conv2D && l.op != OpKind::Dense) continue;
    const ConvParams& c = l.conv;
    members.push_back({member_name(l.name, "weights"), serialize_npy(c.weights)});
    if (c.weight_bits <= 4) members.push_back({member_name(l.name, "lut"), serialize_npy(c.lut)});
    members.push_back({member_name(l.name, "bias"), serialize_npy(c.bias)});
    if (net.value(l.output).dtype != DType::S32) members.push_back({member_name(l.name, "shift"), serialize_npy(c.shift)});
  }
  return serialize_zip(members);
}

Network load_network(const std::string& path) {
  const std::vector<std::uint8_t> bytes = format_detail::read_file(path);
  return parse_network(bytes, path);
}

void save_network(const Network& net, const std::string& path) {
  std::vector<std::uint8_t> bytes;
  try {
    bytes = serialize_network(net);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  format_detail::write_file_atomic(path, bytes);
}

}  // namespace lutsim
