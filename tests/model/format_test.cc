// Network files (.npz with graph.json): round trips of every op kind and option, the exact graph.json text,
// malformed and corrupt files rejected with messages naming the file, layer and field, and interoperability
// with NumPy (/usr/bin/python3, Debian's python3-numpy) in both directions.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lutsim/model/format.h"
#include "lutsim/zoo/zoo.h"
#include "test_networks.h"

namespace lutsim {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using Members = std::vector<ZipMember>;

const std::string kWhat = "nets/x.npz";

template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no lutsim::Error was thrown";
  return "";
}

#define EXPECT_CONTAINS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

class TempDir {
 public:
  TempDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("lutsim_format_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string to_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

Members members_of(const Network& net) { return parse_zip(serialize_network(net), "mem"); }

ZipMember* find_member(Members& m, const std::string& name) {
  for (ZipMember& z : m)
    if (z.name == name) return &z;
  return nullptr;
}
std::string graph_of(Members& m) { return to_string(find_member(m, "graph.json")->data); }
void set_member(Members& m, const std::string& name, Bytes data) {
  if (ZipMember* z = find_member(m, name)) {
    z->data = std::move(data);
  } else {
    m.push_back({name, std::move(data)});
  }
}
void drop_member(Members& m, const std::string& name) {
  std::erase_if(m, [&](const ZipMember& z) { return z.name == name; });
}
// Replaces `from` by `to` in one line of graph.json (the writer puts each header field, each value and each
// layer on a line of its own): the layer named `line`, else the value named `line`, else the header field.
void edit_line(Members& m, const std::string& line, const std::string& from, const std::string& to) {
  std::string g = graph_of(m);
  std::size_t at_line = std::string::npos;
  for (const std::string& p : {"\n    {\"name\": \"" + line + "\", \"op\"", "\n    {\"name\": \"" + line + "\", \"dtype\"",
                               "\n  \"" + line + "\": "})
    if (at_line == std::string::npos) at_line = g.find(p);
  ASSERT_NE(at_line, std::string::npos) << "no line " << line << " in\n" << g;
  const std::size_t end = g.find('\n', at_line + 1);
  const std::size_t at = g.find(from, at_line);
  ASSERT_TRUE(at != std::string::npos && at < end) << "no " << from << " in line " << line << " of\n" << g;
  g.replace(at, from.size(), to);
  set_member(m, "graph.json", to_bytes(g));
}
std::string load_error(const Members& m) {
  return error_of([&] { parse_network(serialize_zip(m), kWhat); });
}

// ---------------------------------------------------------------------------------------------------------
// Round trips

TEST(NetworkFormat, RoundTripsEveryOpKind) {
  const Network net = testnet::all_ops_net();
  TempDir dir;
  const std::string path = dir.file("all_ops.npz");
  save_network(net, path);
  const Network back = load_network(path);
  testnet::expect_same_network(net, back);
  // Writing is deterministic and reading loses nothing: the bytes of a re-save are identical.
  EXPECT_EQ(serialize_network(back), serialize_network(net));
  EXPECT_EQ(serialize_network(net), serialize_network(net));
  // The saved file is the serialized bytes, and no temporary file is left beside it.
  std::ifstream f(path, std::ios::binary);
  const Bytes on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(on_disk, serialize_network(net));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(NetworkFormat, RoundTripsEveryConvOption) {
  int cases = 0;
  for (OpKind op : {OpKind::Conv2D, OpKind::Dense})
    for (int bits : {1, 2, 3, 4, 8})
      for (LutMode mode : {LutMode::PerLayer, LutMode::PerChannel})
        for (DType in : {DType::U8, DType::S8})
          for (DType out : {DType::U8, DType::S8, DType::S32})
            for (bool per_channel_shift : {false, true})
              for (int groups : {1, 2}) {
                if (bits == 8 && mode == LutMode::PerChannel) continue;  // no LUT to vary
                if (out == DType::S32 && per_channel_shift) continue;    // no shift to vary
                if (op == OpKind::Dense && groups != 1) continue;
                const testnet::ConvCase c{op, bits, mode, in, out, per_channel_shift, groups};
                SCOPED_TRACE(c.describe());
                const Network net = testnet::conv_net(c, static_cast<std::uint32_t>(++cases));
                const Network back = parse_network(serialize_network(net), "mem.npz");
                testnet::expect_same_network(net, back);
                // The parameter members present are exactly those the layer uses.
                std::vector<std::string> names;
                for (const ZipMember& m : members_of(net)) names.push_back(m.name);
                std::vector<std::string> expect = {"graph.json", "layer.weights.npy"};
                if (bits <= 4) expect.push_back("layer.lut.npy");
                expect.push_back("layer.bias.npy");
                if (out != DType::S32) expect.push_back("layer.shift.npy");
                EXPECT_EQ(names, expect);
              }
  // conv2d: 9 weight/LUT combinations x 2 input dtypes x 5 output/shift combinations x 2 groups; dense: groups 1.
  EXPECT_EQ(cases, 9 * 2 * 5 * 2 + 9 * 2 * 5);
}

TEST(NetworkFormat, RoundTripsZooNetworks) {
  // Real architectures (reduced width and input size to keep the test quick), every weight/LUT/shift option.
  for (zoo::Arch arch : {zoo::Arch::LeNet5, zoo::Arch::ResNet18, zoo::Arch::MobileNetV2}) {
    for (int bits : {2, 4, 8}) {
      zoo::ZooOptions opt;
      opt.arch = arch;
      opt.weight_bits = bits;
      opt.lut_mode = bits == 2 ? LutMode::PerChannel : LutMode::PerLayer;
      opt.shift_per_channel = bits == 4;
      opt.logits = bits == 8 ? DType::S8 : DType::S32;
      if (arch != zoo::Arch::LeNet5) {
        opt.input_size = 32;
        opt.width = 0.25;
        opt.classes = 10;
      }
      const Network net = zoo::build(opt);
      SCOPED_TRACE(net.name + " b=" + std::to_string(bits));
      const Bytes b = serialize_network(net);
      const Network back = parse_network(b, "zoo.npz");
      testnet::expect_same_network(net, back);
      EXPECT_EQ(serialize_network(back), b);
    }
  }
}

// A small network whose file is spelled out byte for byte: the schema in its canonical form.
Network tiny_net() {
  testnet::NetBuilder b("tiny", 1);
  const int x = b.value("x", DType::U8, 4, 4, 2, -7);
  const int y = b.value("y", DType::U8, 4, 4, 3, -5);
  const int z = b.value("z", DType::U8, 2, 2, 3, -5);
  Layer& c = b.layer("c", OpKind::Conv2D, {x}, y);
  b.params(c, 1, 1, 2, LutMode::PerLayer, false);
  c.conv.clamp = {0, 255};
  Layer& p = b.layer("p", OpKind::MaxPool, {y}, z);
  p.pool.win = testnet::window(2, 2, 2, 2, 1, 1, 0, 0, 0, 0);
  return b.finish(x, z);
}

TEST(NetworkFormat, GraphJsonIsTheDocumentedText) {
  Members m = members_of(tiny_net());
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].name, "graph.json");
  EXPECT_EQ(m[1].name, "c.weights.npy");
  EXPECT_EQ(m[2].name, "c.lut.npy");
  EXPECT_EQ(m[3].name, "c.bias.npy");
  EXPECT_EQ(m[4].name, "c.shift.npy");
  EXPECT_EQ(to_string(m[0].data),
            "{\n"
            "  \"format\": \"lutsim-network\",\n"
            "  \"version\": 1,\n"
            "  \"name\": \"tiny\",\n"
            "  \"input\": \"x\",\n"
            "  \"output\": \"z\",\n"
            "  \"values\": [\n"
            "    {\"name\": \"x\", \"dtype\": \"u8\", \"shape\": [4, 4, 2], \"exponent\": -7},\n"
            "    {\"name\": \"y\", \"dtype\": \"u8\", \"shape\": [4, 4, 3], \"exponent\": -5},\n"
            "    {\"name\": \"z\", \"dtype\": \"u8\", \"shape\": [2, 2, 3], \"exponent\": -5}\n"
            "  ],\n"
            "  \"layers\": [\n"
            "    {\"name\": \"c\", \"op\": \"conv2d\", \"inputs\": [\"x\"], \"output\": \"y\", \"groups\": 1, "
            "\"kernel\": [1, 1], \"stride\": [1, 1], \"dilation\": [1, 1], \"pads\": [0, 0, 0, 0], "
            "\"weight_bits\": 2, \"lut_mode\": \"per_layer\", \"act_min\": 0, \"act_max\": 255},\n"
            "    {\"name\": \"p\", \"op\": \"maxpool\", \"inputs\": [\"y\"], \"output\": \"z\", \"kernel\": [2, 2], "
            "\"stride\": [2, 2], \"dilation\": [1, 1], \"pads\": [0, 0, 0, 0]}\n"
            "  ]\n"
            "}\n");
  // The members are the tensors themselves as .npy files.
  const Network net = tiny_net();
  EXPECT_EQ(m[1].data, serialize_npy(net.layers[0].conv.weights));
  EXPECT_EQ(m[2].data, serialize_npy(net.layers[0].conv.lut));
  EXPECT_EQ(m[3].data, serialize_npy(net.layers[0].conv.bias));
  EXPECT_EQ(m[4].data, serialize_npy(net.layers[0].conv.shift));
}

TEST(NetworkFormat, ArchiveIsAPlainStoredZip) {
  const Bytes b = serialize_network(testnet::all_ops_net());
  // The first local file header: signature, version, flags, method 0 (stored), the fixed 1980-01-01 timestamp.
  ASSERT_GT(b.size(), 40u);
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 4), (Bytes{'P', 'K', 3, 4}));
  EXPECT_EQ(b[8] | b[9] << 8, 0) << "compression method";
  EXPECT_EQ(b[10] | b[11] << 8, 0) << "DOS time";
  EXPECT_EQ(b[12] | b[13] << 8, (1 << 5) | 1) << "DOS date";
  EXPECT_EQ(to_string(Bytes(b.begin() + 30, b.begin() + 40)), "graph.json");
  // Stored: every member's bytes appear verbatim in the archive.
  for (const ZipMember& m : parse_zip(b, "mem")) {
    EXPECT_NE(std::search(b.begin(), b.end(), m.data.begin(), m.data.end()), b.end()) << m.name;
  }
}

TEST(NetworkFormat, ReadsAHandWrittenGraph) {
  // Written by hand, not by lutsim: keys in another order, other spacing, and every window field distinct so
  // that a swapped field shows. conv on 5x6x2, kernel [2, 3], stride [1, 2], dilation [2, 1],
  // pads [top 1, left 2, bottom 3, right 4]: h = (5 + 1 + 3 - 3) / 1 + 1 = 7, w = (6 + 2 + 4 - 3) / 2 + 1 = 5.
  const std::string graph = R"({"version": 1, "format": "lutsim-network", "name": "hand",
    "layers": [{"op": "conv2d", "name": "k", "output": "out", "inputs": ["in"], "weight_bits": 3,
                "lut_mode": "per_channel", "groups": 1, "kernel": [2, 3], "stride": [1, 2], "dilation": [2, 1],
                "pads": [1, 2, 3, 4], "act_max": 100, "act_min": -100}],
    "values": [{"shape": [5, 6, 2], "name": "in", "exponent": 3, "dtype": "u8"},
               {"name": "out", "dtype": "s8", "shape": [7, 5, 4], "exponent": -2}],
    "output": "out", "input": "in"})";
  std::mt19937 rng(9);
  const Tensor w = testnet::random_tensor(rng, DType::U8, {4, 2, 3, 2}, 0, 7);
  const Tensor lut = testnet::random_tensor(rng, DType::S8, {4, 8}, -128, 127);
  const Tensor bias = testnet::random_tensor(rng, DType::S32, {4}, -1000, 1000);
  Tensor shift(DType::S8, {4});
  for (int i = 0; i < 4; ++i) shift.set(i, i * 5 - 3);
  const Members m = {{"k.shift.npy", serialize_npy(shift)}, {"graph.json", to_bytes(graph)},
                     {"k.weights.npy", serialize_npy(w)}, {"k.lut.npy", serialize_npy(lut)},
                     {"k.bias.npy", serialize_npy(bias)}};
  const Network net = parse_network(serialize_zip(m), "hand.npz");
  EXPECT_EQ(net.name, "hand");
  ASSERT_EQ(net.values.size(), 2u);
  EXPECT_EQ(net.values[0].name, "in");
  EXPECT_EQ(net.values[0].dtype, DType::U8);
  EXPECT_EQ(net.values[0].h, 5);
  EXPECT_EQ(net.values[0].w, 6);
  EXPECT_EQ(net.values[0].c, 2);
  EXPECT_EQ(net.values[0].exponent, 3);
  EXPECT_EQ(net.values[1].dtype, DType::S8);
  EXPECT_EQ(net.values[1].exponent, -2);
  EXPECT_EQ(net.input, 0);
  EXPECT_EQ(net.output, 1);
  ASSERT_EQ(net.layers.size(), 1u);
  const Layer& l = net.layers[0];
  EXPECT_EQ(l.name, "k");
  EXPECT_EQ(l.op, OpKind::Conv2D);
  EXPECT_EQ(l.inputs, std::vector<int>{0});
  EXPECT_EQ(l.output, 1);
  const ConvParams& p = l.conv;
  EXPECT_EQ(p.groups, 1);
  EXPECT_EQ(p.win.kh, 2);
  EXPECT_EQ(p.win.kw, 3);
  EXPECT_EQ(p.win.sh, 1);
  EXPECT_EQ(p.win.sw, 2);
  EXPECT_EQ(p.win.dh, 2);
  EXPECT_EQ(p.win.dw, 1);
  EXPECT_EQ(p.win.pad_top, 1);
  EXPECT_EQ(p.win.pad_left, 2);
  EXPECT_EQ(p.win.pad_bottom, 3);
  EXPECT_EQ(p.win.pad_right, 4);
  EXPECT_EQ(p.weight_bits, 3);
  EXPECT_EQ(p.lut_mode, LutMode::PerChannel);
  EXPECT_EQ(p.clamp.act_min, -100);
  EXPECT_EQ(p.clamp.act_max, 100);
  EXPECT_TRUE(p.weights.same_values(w));
  EXPECT_TRUE(p.lut.same_values(lut));
  EXPECT_TRUE(p.bias.same_values(bias));
  EXPECT_TRUE(p.shift.same_values(shift));
  // Decoding goes through the channel's own LUT row.
  EXPECT_EQ(p.weight(3, 5), lut.get(3 * 8 + w.get(3 * 12 + 5)));
}

// ---------------------------------------------------------------------------------------------------------
// Malformed graphs and members

struct BadCase {
  std::string what;
  std::function<void(Members&)> mutate;
  std::vector<std::string> expect;  // substrings of the message, which must also start with kWhat + ": "
};

void run_cases(const std::vector<BadCase>& cases) {
  const Members good = members_of(testnet::all_ops_net());
  ASSERT_NO_THROW(parse_network(serialize_zip(good), kWhat));
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    Members m = good;
    c.mutate(m);
    if (testing::Test::HasFatalFailure()) return;
    const std::string msg = load_error(m);
    EXPECT_TRUE(msg.starts_with(kWhat + ": ")) << msg;
    for (const std::string& e : c.expect) EXPECT_CONTAINS(msg, e);
  }
}

auto graph_is(std::string text) {
  return [text](Members& m) { set_member(m, "graph.json", to_bytes(text)); };
}
auto edit(std::string line, std::string from, std::string to) {
  return [=](Members& m) { edit_line(m, line, from, to); };
}

TEST(NetworkFormat, RejectsBadJsonAndBadSchema) {
  run_cases({
      {"not JSON", graph_is("{\"format\": "), {"member 'graph.json': invalid JSON: parse error at line 1"}},
      {"not UTF-8", graph_is("{\"format\": \"\xff\"}"), {"member 'graph.json': invalid JSON"}},
      {"empty", graph_is(""), {"member 'graph.json': invalid JSON"}},
      {"array at top", graph_is("[]"), {"member 'graph.json': expected a JSON object at the top level, got an array"}},
      {"duplicate key", edit("conv1", "\"op\": \"conv2d\"", "\"op\": \"conv2d\", \"op\": \"dense\""),
       {"member 'graph.json': key 'op' appears twice in one object"}},
      {"deep nesting", graph_is(std::string(40, '[') + std::string(40, ']')),
       {"member 'graph.json': JSON nested deeper than 16 levels"}},
      {"format name", edit("format", "lutsim-network", "lutsim-netwerk"),
       {"nets/x.npz: field 'format': expected \"lutsim-network\", got \"lutsim-netwerk\""}},
      {"format missing", graph_is("{\"version\": 1}"), {"nets/x.npz: field 'format' is missing"}},
      {"future version", edit("version", "1", "2"),
       {"nets/x.npz: field 'version': format version 2 is newer than this build reads versions 1 to 1; upgrade"}},
      {"future version with new fields", graph_is("{\"format\": \"lutsim-network\", \"version\": 7, \"new\": 0}"),
       {"field 'version': format version 7 is newer"}},
      {"version 0", edit("version", "1", "0"), {"field 'version': 0 is not a format version (this build reads"}},
      {"version string", edit("version", "1", "\"1\""), {"field 'version': expected an integer, got \"1\""}},
      {"unknown top field", edit("version", "1,", "1, \"author\": \"me\","),
       {"nets/x.npz: unknown field 'author' (the graph has the fields format, version, name, input, output, values, "
        "layers)"}},
      {"layers not an array",
       graph_is(R"({"format": "lutsim-network", "version": 1, "name": "", "input": "x", "output": "x",
                    "values": [{"name": "x", "dtype": "u8", "shape": [1, 1, 1], "exponent": 0}], "layers": {}})"),
       {"nets/x.npz: field 'layers': expected an array of layers, got an object"}},
      {"unknown value field", edit("x", "\"exponent\"", "\"zero_point\": 0, \"exponent\""),
       {"nets/x.npz: value 'x': unknown field 'zero_point' (a value has the fields name, dtype, shape, exponent)"}},
      {"value dtype", edit("x", "\"u8\"", "\"f32\""),
       {"nets/x.npz: value 'x': field 'dtype': 'f32' is not an activation dtype (expected \"u8\", \"s8\" or \"s32\")"}},
      {"value shape", edit("x", "[9, 7, 4]", "[9, 7]"),
       {"nets/x.npz: value 'x': field 'shape': expected [h, w, c] of integers, got [9,7]"}},
      {"value shape too big", edit("x", "[9, 7, 4]", "[9, 7, 100000]"),
       {"nets/x.npz: value 'x': shape 9x7x100000 has a dimension outside [1, 65536]"}},
      {"value exponent", edit("x", "-7", "-7.5"),
       {"nets/x.npz: value 'x': field 'exponent': expected an integer, got a non-integer number -7.5"}},
      {"value twice", edit("p1", "\"name\": \"p1\"", "\"name\": \"m1\""),
       {"nets/x.npz: value 'm1': field 'name': value 'm1' is defined twice"}},
      {"value name missing", edit("p1", "\"name\": \"p1\", ", ""), {"nets/x.npz: values[6]: field 'name' is missing"}},
      {"value name control char", edit("p1", "\"name\": \"p1\"", "\"name\": \"p\\u0001\""),
       {"nets/x.npz: values[6]: field 'name': 'p\\x01' has a character outside printable ASCII"}},
      {"input undefined", edit("input", "\"x\"", "\"xx\""),
       {"nets/x.npz: field 'input': value 'xx' is not defined in 'values'"}},
      {"unknown op", edit("max1", "\"maxpool\"", "\"maxpool3d\""),
       {"nets/x.npz: layer 'max1': field 'op': unknown op 'maxpool3d' (expected one of conv2d, dense, maxpool, "
        "avgpool, global_avgpool, add, concat, reshape)"}},
      {"op not a string", edit("max1", "\"maxpool\"", "3"),
       {"nets/x.npz: layer 'max1': field 'op': expected a string, got an integer 3"}},
      {"unknown layer field", edit("max1", "\"kernel\"", "\"kernal\": [2, 2], \"kernel\""),
       {"nets/x.npz: layer 'max1': unknown field 'kernal' (a maxpool layer has the fields name, op, inputs, "
        "output, kernel, stride, dilation, pads)"}},
      {"field of another op", edit("max1", "\"kernel\"", "\"shift\": 1, \"kernel\""),
       {"nets/x.npz: layer 'max1': unknown field 'shift'"}},
      {"missing field", edit("max1", "\"stride\": [2, 2], ", ""), {"nets/x.npz: layer 'max1': field 'stride' is missing"}},
      {"layer name missing", edit("max1", "\"name\": \"max1\", ", ""), {"nets/x.npz: layers[4]: field 'name' is missing"}},
      {"layer name with a slash", edit("max1", "\"name\": \"max1\"", "\"name\": \"a/b\""),
       {"nets/x.npz: layers[4]: field 'name': 'a/b' contains '/'"}},
      {"layer twice", edit("avg1", "\"name\": \"avg1\"", "\"name\": \"max1\""),
       {"nets/x.npz: layer 'max1' is defined twice"}},
      {"kernel too short", edit("conv1", "\"kernel\": [3, 3]", "\"kernel\": [3]"),
       {"nets/x.npz: layer 'conv1': field 'kernel': expected [kh, kw] of integers, got [3]"}},
      {"kernel a string", edit("conv1", "\"kernel\": [3, 3]", "\"kernel\": \"3x3\""),
       {"nets/x.npz: layer 'conv1': field 'kernel': expected [kh, kw] of integers, got \"3x3\""}},
      {"kernel not integers", edit("conv1", "\"kernel\": [3, 3]", "\"kernel\": [3, 3.5]"),
       {"nets/x.npz: layer 'conv1': field 'kernel': expected [kh, kw] of integers, got a non-integer number 3.5"}},
      {"kernel a boolean", edit("conv1", "\"kernel\": [3, 3]", "\"kernel\": [3, true]"),
       {"layer 'conv1': field 'kernel': expected [kh, kw] of integers, got a boolean true"}},
      {"kernel disagrees with weights", edit("conv1", "\"kernel\": [3, 3]", "\"kernel\": [3, 1]"),
       {"nets/x.npz: layer 'conv1' (conv2d): kernel: 3x1 differs from the weights' 3x3"}},
      {"pads too short", edit("conv1", "\"pads\": [1, 1, 1, 1]", "\"pads\": [1, 1]"),
       {"layer 'conv1': field 'pads': expected [top, left, bottom, right] of integers, got [1,1]"}},
      {"negative pad", edit("conv1", "\"pads\": [1, 1, 1, 1]", "\"pads\": [1, -1, 1, 1]"),
       {"layer 'conv1' (conv2d): pads: each pad must be in [0, 64], got -1"}},
      {"stride 0", edit("max1", "\"stride\": [2, 2]", "\"stride\": [0, 2]"),
       {"layer 'max1' (maxpool): stride: must be in [1, 64]"}},
      {"integer beyond 32 bits", edit("conv1", "\"groups\": 1", "\"groups\": 4294967296"),
       {"nets/x.npz: layer 'conv1': field 'groups': 4294967296 is outside the 32-bit integer range"}},
      {"groups", edit("conv1", "\"groups\": 1", "\"groups\": 3"),
       {"nets/x.npz: layer 'conv1' (conv2d): groups: 3 does not divide the 4 input channels"}},
      {"weight_bits", edit("conv1", "\"weight_bits\": 4", "\"weight_bits\": 5"),
       {"nets/x.npz: layer 'conv1': field 'weight_bits': 5 is not one of 1, 2, 3, 4, 8"}},
      {"lut_mode", edit("conv1", "\"per_channel\"", "\"per_row\""),
       {"nets/x.npz: layer 'conv1': field 'lut_mode': unknown LUT mode 'per_row' (expected \"per_layer\" or "
        "\"per_channel\")"}},
      {"lut_mode missing", edit("conv1", "\"lut_mode\": \"per_channel\", ", ""),
       {"nets/x.npz: layer 'conv1': field 'lut_mode' is missing"}},
      {"lut_mode on 8-bit weights", edit("conv2", "\"weight_bits\": 8", "\"weight_bits\": 8, \"lut_mode\": \"per_layer\""),
       {"nets/x.npz: layer 'conv2': field 'lut_mode': is not allowed here: 8-bit weights are raw s8 and take no LUT"}},
      {"clamp on an s32 output", edit("fc", "\"weight_bits\": 1", "\"weight_bits\": 1, \"act_min\": 0"),
       {"nets/x.npz: layer 'fc': field 'act_min': is not allowed here: the output 'logits' is an s32 accumulator, "
        "which is not clamped"}},
      {"act_min below u8", edit("conv1", "\"act_min\": 0", "\"act_min\": -1"),
       {"nets/x.npz: layer 'conv1' (conv2d): act_min: -1 is outside the output dtype u8 [0, 255]"}},
      {"act_max above s8", edit("conv2", "\"act_max\": 127", "\"act_max\": 128"),
       {"nets/x.npz: layer 'conv2' (conv2d): act_max: 128 is outside the output dtype s8 [-128, 127]"}},
      {"act_min above act_max", edit("avg1", "\"act_min\": 0", "\"act_min\": 256"),
       {"layer 'avg1' (avgpool): act_min: 256 is outside the output dtype u8"}},
      {"act_min greater than act_max", edit("gap", "\"act_min\": -50", "\"act_min\": 60"),
       {"nets/x.npz: layer 'gap' (global_avgpool): act_min: 60 is greater than act_max 50"}},
      {"act_max missing", edit("avg1", ", \"act_max\": 255", ""), {"nets/x.npz: layer 'avg1': field 'act_max' is missing"}},
      {"pool shift", edit("avg1", "\"shift\": 3", "\"shift\": 32"),
       {"nets/x.npz: layer 'avg1' (avgpool): shift: value 32 is outside [-15, 31]"}},
      {"add la", edit("add1", "\"la\": 1", "\"la\": 16"), {"nets/x.npz: layer 'add1' (add): la: 16 is outside [0, 15]"}},
      {"add lb negative", edit("add1", "\"lb\": 0", "\"lb\": -1"), {"layer 'add1' (add): lb: -1 is outside [0, 15]"}},
      {"add one input", edit("add1", "[\"d1\", \"g1\"]", "[\"d1\"]"),
       {"layer 'add1' (add): inputs: has 1 inputs, expected 2"}},
      {"inputs not strings", edit("add1", "[\"d1\", \"g1\"]", "[\"d1\", 2]"),
       {"nets/x.npz: layer 'add1': field 'inputs': expected an array of value names, got [\"d1\",2]"}},
      {"dangling input", edit("add1", "\"g1\"", "\"nope\""),
       {"nets/x.npz: layer 'add1': field 'inputs': value 'nope' is not defined in 'values'"}},
      {"dangling output", edit("add1", "\"output\": \"a1\"", "\"output\": \"zz\""),
       {"nets/x.npz: layer 'add1': field 'output': value 'zz' is not defined in 'values'"}},
      {"cycle", edit("dw1", "\"inputs\": [\"c1\"]", "\"inputs\": [\"a1\"]"),
       {"nets/x.npz: layer 'dw1' (conv2d): inputs: value 'a1' is not computed before this layer (cycle or wrong "
        "order)"}},
      {"self loop", edit("max1", "\"inputs\": [\"a1\"]", "\"inputs\": [\"m1\"]"),
       {"layer 'max1' (maxpool): inputs: value 'm1' is not computed before this layer"}},
      {"two producers", edit("avg1", "\"output\": \"p1\"", "\"output\": \"m1\""),
       {"layer 'avg1' (avgpool): output: value 'm1' is already computed elsewhere"}},
      {"concat exponent", edit("p1", "-4", "-3"), {"layer 'cat' (concat): input 1: exponent -3 differs"}},
  });
}

TEST(NetworkFormat, RejectsBadMembers) {
  run_cases({
      {"graph missing", [](Members& m) { drop_member(m, "graph.json"); },
       {"nets/x.npz: member 'graph.json' is missing"}},
      {"lut missing", [](Members& m) { drop_member(m, "conv1.lut.npy"); },
       {"nets/x.npz: layer 'conv1': field 'lut': member 'conv1.lut.npy' is missing"}},
      {"weights missing", [](Members& m) { drop_member(m, "fc.weights.npy"); },
       {"nets/x.npz: layer 'fc': field 'weights': member 'fc.weights.npy' is missing"}},
      {"shift missing", [](Members& m) { drop_member(m, "conv2.shift.npy"); },
       {"nets/x.npz: layer 'conv2': field 'shift': member 'conv2.shift.npy' is missing"}},
      {"unused member", [](Members& m) { set_member(m, "junk.npy", serialize_npy(Tensor(DType::U8, {1}))); },
       {"nets/x.npz: member 'junk.npy' is not used by any layer"}},
      {"member of a misspelt layer", [](Members& m) { set_member(m, "conv3.bias.npy", serialize_npy(Tensor(DType::S32, {8}))); },
       {"nets/x.npz: member 'conv3.bias.npy' is not used by any layer"}},
      {"parameters of a pool", [](Members& m) { set_member(m, "max1.weights.npy", serialize_npy(Tensor(DType::U8, {1}))); },
       {"nets/x.npz: layer 'max1': field 'weights': member 'max1.weights.npy' is present, but a maxpool layer has no "
        "parameter tensors"}},
      {"LUT of 8-bit weights", [](Members& m) { set_member(m, "conv2.lut.npy", serialize_npy(Tensor(DType::S8, {1, 2}))); },
       {"nets/x.npz: layer 'conv2': field 'lut': member 'conv2.lut.npy' is present, but 8-bit weights take no LUT"}},
      {"shift of an s32 output", [](Members& m) { set_member(m, "fc.shift.npy", serialize_npy(Tensor(DType::S8, {1}))); },
       {"nets/x.npz: layer 'fc': field 'shift': member 'fc.shift.npy' is present, but an s32 output is not shifted"}},
      {"bias shape", [](Members& m) { set_member(m, "conv1.bias.npy", serialize_npy(Tensor(DType::S32, {3}))); },
       {"nets/x.npz: layer 'conv1': field 'bias': member 'conv1.bias.npy' is s32 [3], expected s32 [8] (one per "
        "output channel)"}},
      {"bias dtype", [](Members& m) { set_member(m, "conv1.bias.npy", serialize_npy(Tensor(DType::S8, {8}))); },
       {"layer 'conv1': field 'bias': member 'conv1.bias.npy' is s8 [8], expected s32 [8]"}},
      {"bias f32", [](Members& m) { set_member(m, "conv1.bias.npy", serialize_npy(Tensor(DType::F32, {8}))); },
       {"layer 'conv1': field 'bias': member 'conv1.bias.npy' is f32 [8], expected s32 [8]"}},
      {"codes as s8", [](Members& m) { set_member(m, "conv1.weights.npy", serialize_npy(Tensor(DType::S8, {8, 3, 3, 4}))); },
       {"nets/x.npz: layer 'conv1': field 'weights': member 'conv1.weights.npy' is s8 [8, 3, 3, 4], expected u8 [O, "
        "KH, KW, I] with no empty dimension (LUT codes)"}},
      {"raw weights as u8", [](Members& m) { set_member(m, "conv2.weights.npy", serialize_npy(Tensor(DType::U8, {6, 2, 2, 16}))); },
       {"layer 'conv2': field 'weights': member 'conv2.weights.npy' is u8 [6, 2, 2, 16], expected s8 [O, KH, KW, I] "
        "with no empty dimension (raw 8-bit weights)"}},
      {"weights rank", [](Members& m) { set_member(m, "conv1.weights.npy", serialize_npy(Tensor(DType::U8, {8, 36}))); },
       {"layer 'conv1': field 'weights': member 'conv1.weights.npy' is u8 [8, 36], expected u8 [O, KH, KW, I]"}},
      {"weights empty", [](Members& m) { set_member(m, "conv1.weights.npy", serialize_npy(Tensor(DType::U8, {0, 3, 3, 4}))); },
       {"layer 'conv1': field 'weights': member 'conv1.weights.npy' is u8 [0, 3, 3, 4]"}},
      {"weights input channels", [](Members& m) { set_member(m, "conv1.weights.npy", serialize_npy(Tensor(DType::U8, {8, 3, 3, 5}))); },
       {"nets/x.npz: layer 'conv1' (conv2d): weights: has I = 5, expected input channels / groups = 4"}},
      {"weights output channels", [](Members& m) {
         set_member(m, "conv1.weights.npy", serialize_npy(Tensor(DType::U8, {7, 3, 3, 4})));
         set_member(m, "conv1.lut.npy", serialize_npy(Tensor(DType::S8, {7, 16})));
         set_member(m, "conv1.bias.npy", serialize_npy(Tensor(DType::S32, {7})));
         set_member(m, "conv1.shift.npy", serialize_npy(Tensor(DType::S8, {7})));
       },
       {"nets/x.npz: layer 'conv1' (conv2d): output shape: value 'c1' is 9x7x8, the layer computes 9x7x7"}},
      {"LUT rows", [](Members& m) { set_member(m, "conv1.lut.npy", serialize_npy(Tensor(DType::S8, {1, 16}))); },
       {"nets/x.npz: layer 'conv1': field 'lut': member 'conv1.lut.npy' is s8 [1, 16], expected s8 [8, 16] "
        "(per_channel: one LUT per output channel of 2^weight_bits entries)"}},
      {"LUT entries", [](Members& m) { set_member(m, "dw1.lut.npy", serialize_npy(Tensor(DType::S8, {1, 16}))); },
       {"layer 'dw1': field 'lut': member 'dw1.lut.npy' is s8 [1, 16], expected s8 [1, 4] (per_layer: one LUT"}},
      {"shift shape", [](Members& m) { set_member(m, "conv1.shift.npy", serialize_npy(Tensor(DType::S8, {3}))); },
       {"nets/x.npz: layer 'conv1': field 'shift': member 'conv1.shift.npy' is s8 [3], expected s8 [1] (per layer) "
        "or [8] (per output channel)"}},
      {"code out of range", [](Members& m) {
         Tensor w = parse_npy(find_member(m, "conv1.weights.npy")->data, "w").clone();
         w.set(5, 16);
         set_member(m, "conv1.weights.npy", serialize_npy(w));
       },
       {"nets/x.npz: layer 'conv1' (conv2d): weights: code 16 at flat index 5 does not fit 4 bits (must be < 16)"}},
      {"1-bit code out of range", [](Members& m) {
         Tensor w = parse_npy(find_member(m, "fc.weights.npy")->data, "w").clone();
         w.set(53, 2);
         set_member(m, "fc.weights.npy", serialize_npy(w));
       },
       {"nets/x.npz: layer 'fc' (dense): weights: code 2 at flat index 53 does not fit 1 bits (must be < 2)"}},
      {"shift above 31", [](Members& m) {
         Tensor s = parse_npy(find_member(m, "conv1.shift.npy")->data, "s").clone();
         s.set(3, 40);
         set_member(m, "conv1.shift.npy", serialize_npy(s));
       },
       {"nets/x.npz: layer 'conv1' (conv2d): shift[3]: value 40 is outside [-15, 31]"}},
      {"shift below -15", [](Members& m) {
         Tensor s(DType::S8, {1});
         s.set(0, -16);
         set_member(m, "dw1.shift.npy", serialize_npy(s));
       },
       {"nets/x.npz: layer 'dw1' (conv2d): shift[0]: value -16 is outside [-15, 31]"}},
      {"member not .npy", [](Members& m) { set_member(m, "conv1.bias.npy", to_bytes("hello")); },
       {"nets/x.npz: layer 'conv1': field 'bias': member 'conv1.bias.npy': not a NumPy .npy file"}},
      {"member truncated", [](Members& m) { find_member(m, "conv1.bias.npy")->data.resize(140); },
       {"nets/x.npz: layer 'conv1': field 'bias': member 'conv1.bias.npy': truncated .npy file: shape (8,) of s32 "
        "needs 32 data bytes, the file has 12"}},
      {"member big-endian", [](Members& m) {
         Bytes b = find_member(m, "conv1.bias.npy")->data;
         b[21] = '>';  // the byte order character of "{'descr': '<i4'", which starts at offset 10
         set_member(m, "conv1.bias.npy", b);
       },
       {"layer 'conv1': field 'bias': member 'conv1.bias.npy': dtype '>i4' is big-endian"}},
  });
}

TEST(NetworkFormat, RejectsWhatIsNotANetworkFile) {
  std::string msg = error_of([] { parse_network(Bytes{}, kWhat); });
  EXPECT_TRUE(msg.starts_with(kWhat + ": not a valid zip archive")) << msg;
  msg = error_of([] { parse_network(serialize_npy(Tensor(DType::U8, {4})), kWhat); });
  EXPECT_TRUE(msg.starts_with(kWhat + ": not a valid zip archive (Not a zip archive)")) << msg;
  EXPECT_CONTAINS(msg, "expected a NumPy .npz");
  msg = error_of([] { parse_network(serialize_zip({}), kWhat); });
  EXPECT_EQ(msg, kWhat + ": member 'graph.json' is missing (expected a lutsim network: an .npz with graph.json and "
                         "one .npy per parameter tensor)");
}

TEST(NetworkFormat, RejectsDuplicateMembers) {
  // libzip will not write two members of one name, so write two names of equal length and rename one in place.
  Members m = members_of(testnet::all_ops_net());
  set_member(m, "conv1.bias.npX", find_member(m, "conv1.bias.npy")->data);
  Bytes b = serialize_zip(m);
  const std::string from = "conv1.bias.npX";
  for (auto it = b.begin(); (it = std::search(it, b.end(), from.begin(), from.end())) != b.end();) *(it + 13) = 'y';
  const std::string msg = error_of([&] { parse_network(b, kWhat); });
  EXPECT_TRUE(msg.starts_with(kWhat + ": ")) << msg;
  const bool named = msg.find("member 'conv1.bias.npy' appears twice") != std::string::npos ||
                     msg.find("not a valid zip archive") != std::string::npos;
  EXPECT_TRUE(named) << msg;
}

// ---------------------------------------------------------------------------------------------------------
// Corrupt archives

TEST(NetworkFormat, TruncatedAtEveryByteIsAnError) {
  const Bytes good = serialize_network(testnet::all_ops_net());
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    const std::string msg = error_of([&] { parse_network(std::span(good.data(), cut), kWhat); });
    ASSERT_TRUE(msg.starts_with(kWhat + ": ")) << "cut at " << cut << ": " << msg;
    if (cut >= 4) {
      ASSERT_TRUE(msg.starts_with(kWhat + ": not a valid zip archive (truncated")) << "cut at " << cut << ": " << msg;
    }
  }
}

TEST(NetworkFormat, AnyFlippedByteIsAnErrorOrTheSameNetwork) {
  // The members' CRCs catch every change to their bytes, so a flip either fails with a clean error or lands in a
  // field that does not change the network (a timestamp, a version-made-by byte, ...). The small network has
  // every structure of the file: local headers, central directory, .npy headers and data, graph.json.
  const Bytes good = serialize_network(tiny_net());
  int errors = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int mask : {0x01, 0x80, 0xff}) {
      Bytes b = good;
      b[i] = static_cast<std::uint8_t>(b[i] ^ mask);
      try {
        const Network back = parse_network(b, kWhat);
        EXPECT_EQ(serialize_network(back), good) << "byte " << i << " mask " << mask;
      } catch (const Error& e) {
        ++errors;
        ASSERT_TRUE(std::string(e.what()).starts_with(kWhat + ": ")) << e.what();
      }
    }
  }
  EXPECT_GT(errors, static_cast<int>(2 * good.size()));  // most flips are caught
}

TEST(NetworkFormat, GraphWithAnyCharacterDeletedIsAnErrorOrValid) {
  // Deleting one character of graph.json breaks the JSON, a name, a number or a key; every outcome must be a
  // clean error or (for a deleted space or digit that leaves a valid graph) a network that validates.
  Members m = members_of(tiny_net());
  const std::string graph = graph_of(m);
  int errors = 0;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    std::string g = graph;
    g.erase(i, 1);
    set_member(m, "graph.json", to_bytes(g));
    try {
      validate(parse_network(serialize_zip(m), kWhat));
    } catch (const Error& e) {
      ++errors;
      ASSERT_TRUE(std::string(e.what()).starts_with(kWhat + ": ")) << e.what();
    }
  }
  EXPECT_GT(errors, static_cast<int>(graph.size() / 2));
}

TEST(NetworkFormat, RandomCorruptionsAreErrorsNeverCrashes) {
  const Bytes good = serialize_network(testnet::all_ops_net());
  std::mt19937 rng(1234);
  std::uniform_int_distribution<std::size_t> pos(0, good.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255), count(1, 8);
  for (int iter = 0; iter < 1000; ++iter) {
    Bytes b = good;
    for (int k = count(rng); k > 0; --k) b[pos(rng)] = static_cast<std::uint8_t>(byte(rng));
    try {
      parse_network(b, kWhat);
    } catch (const Error& e) {
      ASSERT_TRUE(std::string(e.what()).starts_with(kWhat + ": ")) << e.what();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Files

TEST(NetworkFormat, FileErrorsNameThePath) {
  TempDir dir;
  const std::string missing = dir.file("missing.npz");
  std::string msg = error_of([&] { load_network(missing); });
  EXPECT_EQ(msg, missing + ": cannot read: No such file or directory");

  // A file cut short on disk, and a valid network with a bad field: both name the path first.
  const Bytes good = serialize_network(testnet::all_ops_net());
  const std::string cut = dir.file("cut.npz");
  std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(good.data()), 1000);
  msg = error_of([&] { load_network(cut); });
  EXPECT_EQ(msg, cut + ": not a valid zip archive (truncated: it starts like one but its end record is missing); "
                       "expected a NumPy .npz such as lutsim save_network or np.savez writes");

  Members m = members_of(testnet::all_ops_net());
  edit_line(m, "conv1", "\"kernel\": [3, 3]", "\"kernel\": [3]");
  const std::string bad = dir.file("bad.npz");
  const Bytes b = serialize_zip(m);
  std::ofstream(bad, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  msg = error_of([&] { load_network(bad); });
  EXPECT_EQ(msg, bad + ": layer 'conv1': field 'kernel': expected [kh, kw] of integers, got [3]");
}

TEST(NetworkFormat, SaveValidatesFirstAndLeavesNoFile) {
  TempDir dir;
  Network net = testnet::all_ops_net();
  net.layers[1].conv.clamp.act_max = 300;
  const std::string path = dir.file("n.npz");
  std::string msg = error_of([&] { save_network(net, path); });
  EXPECT_EQ(msg, path + ": cannot save network 'all_ops': layer 'dw1' (conv2d): act_max: 300 is outside the output "
                        "dtype u8 [0, 255]");
  EXPECT_FALSE(fs::exists(path));

  net = testnet::all_ops_net();
  net.layers[0].name = "conv/1";
  msg = error_of([&] { save_network(net, path); });
  EXPECT_EQ(msg, path + ": cannot save network 'all_ops': layer 'conv/1': name contains '/' or '\\', which a member "
                        "name cannot hold");
  net = testnet::all_ops_net();
  net.values[0].name = "x\n";
  msg = error_of([&] { save_network(net, path); });
  EXPECT_TRUE(msg.starts_with(path + ": cannot save network 'all_ops': value 'x\\x0a': name has a character "
                                     "outside printable ASCII")) << msg;
  EXPECT_TRUE(fs::is_empty(dir.path()));

  // A failed write leaves an existing file as it was.
  save_network(testnet::all_ops_net(), path);
  const std::string missing_dir = dir.file("no/such/dir/n.npz");
  msg = error_of([&] { save_network(testnet::all_ops_net(), missing_dir); });
  EXPECT_EQ(msg, missing_dir + ": cannot write: No such file or directory");
  testnet::expect_same_network(load_network(path), testnet::all_ops_net());
}

// ---------------------------------------------------------------------------------------------------------
// NumPy interoperability

const char* const kPython = "/usr/bin/python3";

bool numpy_available() {
  return std::system((std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0;
}

// Runs a command, returning its exit status and putting its combined output in *out.
int run(const std::string& cmd, const fs::path& log, std::string* out) {
  const int status = std::system((cmd + " >'" + log.string() + "' 2>&1").c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The tensors both sides write and expect, by the same formulas as tests/python/numpy_interop.py.
std::map<std::string, Tensor> interop_tensors() {
  std::map<std::string, Tensor> t;
  Tensor u8(DType::U8, {2, 3, 4});
  for (int i = 0; i < 24; ++i) u8.set(i, (i * 7 + 3) % 256);
  Tensor s8(DType::S8, {5});
  for (int i = 0; i < 5; ++i) s8.set(i, (i * 37) % 256 - 128);
  Tensor s32(DType::S32, {3, 4});
  for (std::uint32_t i = 0; i < 12; ++i) s32.data<std::int32_t>()[i] = static_cast<std::int32_t>(i * 2654435761u);
  Tensor f32(DType::F32, {2, 2, 2});
  for (int i = 0; i < 8; ++i) f32.data<float>()[i] = static_cast<float>(i) * 0.25f - 1.5f;
  Tensor scalar(DType::S32, {});
  scalar.set(0, -7);
  t["u8"] = u8;
  t["s8"] = s8;
  t["s32"] = s32;
  t["f32"] = f32;
  t["scalar"] = scalar;
  t["empty"] = Tensor(DType::U8, {0, 3});
  return t;
}

// Decoded s8 weights [O, KH, KW, I] of a conv2d or dense layer, through ConvParams::weight().
Tensor decoded_weights(const Layer& l) {
  Tensor w(DType::S8, l.conv.weights.shape());
  const std::int64_t per_o = w.numel() / w.dim(0);
  for (int o = 0; o < w.dim(0); ++o)
    for (std::int64_t i = 0; i < per_o; ++i) w.set(o * per_o + i, l.conv.weight(o, i));
  return w;
}

TEST(NumpyInterop, NumpyReadsWhatLutsimWritesAndLutsimReadsWhatNumpyWrites) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " has no numpy (Debian package python3-numpy)";
  TempDir dir;
  const std::string script = std::string(LUTSIM_SOURCE_DIR) + "/tests/python/numpy_interop.py";
  const Network net = testnet::all_ops_net();
  save_network(net, dir.file("lutsim_net.npz"));
  for (const auto& [name, t] : interop_tensors()) save_npy(t, dir.file("lutsim_" + name + ".npy"));

  // NumPy reads lutsim's files and decodes every layer's weights through its LUT.
  std::string out;
  ASSERT_EQ(run(std::string(kPython) + " '" + script + "' check '" + dir.path().string() + "'", dir.path() / "log",
                &out),
            0)
      << out;
  int decoded = 0;
  for (const Layer& l : net.layers) {
    if (l.op != OpKind::Conv2D && l.op != OpKind::Dense) continue;
    SCOPED_TRACE(l.name);
    const Tensor w = load_npy(dir.file("decoded_" + l.name + ".npy"));
    EXPECT_TRUE(w.same_values(decoded_weights(l)));
    ++decoded;
  }
  EXPECT_EQ(decoded, 5);

  // lutsim reads NumPy's files: np.save (versions 1.0, 2.0, 3.0), np.savez and np.savez_compressed.
  ASSERT_EQ(run(std::string(kPython) + " '" + script + "' write '" + dir.path().string() + "'", dir.path() / "log",
                &out),
            0)
      << out;
  for (const auto& [name, t] : interop_tensors()) {
    SCOPED_TRACE(name);
    const Tensor u = load_npy(dir.file("numpy_" + name + ".npy"));
    EXPECT_TRUE(u.same_values(t)) << dtype_name(u.dtype()) << " " << shape_str(u.shape());
  }
  for (const char* v : {"v2", "v3"}) {
    const std::string path = dir.file(std::string("numpy_s32_") + v + ".npy");
    EXPECT_TRUE(load_npy(path).same_values(interop_tensors()["s32"])) << path;
  }
  testnet::expect_same_network(net, load_network(dir.file("numpy_net.npz")));
  testnet::expect_same_network(net, load_network(dir.file("numpy_net_compressed.npz")));

  // What NumPy writes and lutsim does not read is refused with the reason.
  const std::string fortran = dir.file("numpy_fortran.npy");
  std::string msg = error_of([&] { load_npy(fortran); });
  EXPECT_EQ(msg, fortran + ": fortran_order is True; only C order is supported (expected fortran_order False; write "
                           "with np.ascontiguousarray())");
  const std::string big = dir.file("numpy_big.npy");
  msg = error_of([&] { load_npy(big); });
  EXPECT_TRUE(msg.starts_with(big + ": dtype '>i4' is big-endian")) << msg;
  const std::string i8 = dir.file("numpy_i8.npy");
  msg = error_of([&] { load_npy(i8); });
  EXPECT_TRUE(msg.starts_with(i8 + ": dtype '<i8' is not supported")) << msg;
}

// The Python example in docs/format.md runs as written and decodes the same weights as lutsim.
TEST(NumpyInterop, DocumentationExampleRuns) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " has no numpy (Debian package python3-numpy)";
  TempDir dir;
  std::ifstream doc(std::string(LUTSIM_SOURCE_DIR) + "/docs/format.md");
  ASSERT_TRUE(doc) << "docs/format.md";
  std::stringstream ss;
  ss << doc.rdbuf();
  const std::string text = ss.str();
  const std::size_t begin = text.find("```python\n");
  ASSERT_NE(begin, std::string::npos) << "no ```python block in docs/format.md";
  const std::size_t end = text.find("```", begin + 10);
  ASSERT_NE(end, std::string::npos);
  std::ofstream(dir.file("example.py")) << text.substr(begin + 10, end - begin - 10);

  const Network net = testnet::all_ops_net();
  save_network(net, dir.file("net.npz"));
  std::string out;
  ASSERT_EQ(run(std::string(kPython) + " '" + dir.file("example.py") + "' '" + dir.file("net.npz") + "'",
                dir.path() / "log", &out),
            0)
      << out;
  std::string expect;
  for (const Layer& l : net.layers) {
    if (l.op != OpKind::Conv2D && l.op != OpKind::Dense) continue;
    const Tensor w = decoded_weights(l);
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < w.numel(); ++i) sum += w.get(i);
    expect += l.name + " " + std::string(op_name(l.op)) + " int8 " + shape_str(w.shape()) + " " +
              std::to_string(sum) + "\n";
  }
  EXPECT_EQ(out, expect);
}

}  // namespace
}  // namespace lutsim
