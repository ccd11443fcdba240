// ONNX import: malformed files, unsupported operators and attributes (each message names the node, the operator
// and the reason), and the imported float graph against PyTorch's own outputs for the same ONNX files.
#include <gtest/gtest.h>

#include <tuple>

#include <onnx/onnx_pb.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/quant/onnx_import.h"
#include "lutsim/quant/quantize.h"

namespace lutsim::quant {
namespace {

const std::string kData = std::string(LUTSIM_SOURCE_DIR) + "/tests/quant/data/";

// Expects import to throw a lutsim::Error whose message contains every part.
void expect_error(const std::string& bytes, std::initializer_list<std::string> parts) {
  try {
    import_onnx_bytes(bytes, "m.onnx");
    ADD_FAILURE() << "no error; expected one containing '" << *parts.begin() << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "message: " << msg << "\nmissing: " << p;
    EXPECT_EQ(msg.rfind("m.onnx: ", 0), 0u) << msg;
  }
}

onnx::TensorProto float_tensor(const std::string& name, std::vector<std::int64_t> dims, float fill = 0.5f) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto_DataType_FLOAT);
  std::int64_t n = 1;
  for (std::int64_t d : dims) t.add_dims(d), n *= d;
  for (std::int64_t i = 0; i < n; ++i) t.add_float_data(fill * static_cast<float>((i % 7) - 3));
  return t;
}

// x [N, 1, 6, 6] -> Conv (2 filters 3x3) -> Relu -> y, and room for one more node after the conv.
struct Model {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  Model() {
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    g = m.mutable_graph();
    g->set_name("t");
    onnx::ValueInfoProto* in = g->add_input();
    in->set_name("x");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("N");
    for (int d : {1, 6, 6}) tt->mutable_shape()->add_dim()->set_dim_value(d);
    *g->add_initializer() = float_tensor("w", {2, 1, 3, 3});
    *g->add_initializer() = float_tensor("b", {2});
    onnx::NodeProto* c = node("Conv", "conv", {"x", "w", "b"}, "c");
    attr_ints(c, "pads", {1, 1, 1, 1});
  }
  onnx::NodeProto* node(const std::string& op, const std::string& name, std::vector<std::string> ins, const std::string& out) {
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const std::string& s : ins) n->add_input(s);
    n->add_output(out);
    return n;
  }
  static void attr_ints(onnx::NodeProto* n, const std::string& name, std::vector<std::int64_t> v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
    for (std::int64_t x : v) a->add_ints(x);
  }
  static void attr_int(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(v);
  }
  std::string bytes(const std::string& out) {
    g->add_output()->set_name(out);
    std::string s;
    m.SerializeToString(&s);
    return s;
  }
};

TEST(OnnxImport, MinimalModelImports) {
  Model m;
  m.node("Relu", "relu", {"c"}, "y");
  const FloatGraph g = import_onnx_bytes(m.bytes("y"), "m.onnx");
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, FOp::Conv);
  EXPECT_EQ(g.nodes[0].act.lo, 0.0f);
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.output)].h, 6);
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.output)].c, 2);
}

TEST(OnnxImport, MalformedFiles) {
  expect_error("", {"empty file"});
  expect_error(std::string("\xff\xff\xff\xff\x0f garbage", 13), {"not an ONNX model"});
  std::ifstream f(std::string(LUTSIM_SOURCE_DIR) + "/models/lenet5.onnx", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string full = ss.str();
  ASSERT_GT(full.size(), 1000u);
  // Truncated anywhere: a parse error or a tensor that does not hold its elements, never a crash.
  for (std::size_t cut : {full.size() / 2, full.size() - 3, std::size_t{10}}) {
    EXPECT_THROW(import_onnx_bytes(full.substr(0, cut), "m.onnx"), Error) << "cut at " << cut;
  }
  try {
    import_onnx("/nonexistent/model.onnx");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.onnx: cannot open"), std::string::npos) << e.what();
  }
  onnx::ModelProto empty;
  std::string s;
  empty.SerializeToString(&s);
  expect_error(s + std::string(1, '\0'), {"not an ONNX model"});
}

TEST(OnnxImport, CorruptedBytesNeverCrash) {
  // Every single-byte corruption of a real model file either still imports or is a lutsim::Error; with the
  // quantizer after it, the same. (Run under ASan by scripts/test.sh.)
  std::ifstream f(kData + "tiny.onnx", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string good = ss.str();
  const Tensor x = load_npy(kData + "tiny_input_u8_4x12x12x3.npy");
  int imported = 0, rejected = 0;
  for (std::size_t i = 0; i < good.size(); i += 13) {
    for (const int flip : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ static_cast<unsigned char>(flip));
      try {
        const FloatGraph g = import_onnx_bytes(bad, "m.onnx");
        ++imported;
        QuantOptions o;
        o.weight_bits = 2;
        const Tensor xi = to_network_input(x, g, -8, "x.npy");
        (void)quantize(g, xi, o);
      } catch (const Error&) {
        ++rejected;
      }
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(imported, 0);
}

TEST(OnnxImport, GraphLevelErrors) {
  {
    onnx::ModelProto m;
    m.set_ir_version(7);
    std::string s;
    m.SerializeToString(&s);
    expect_error(s.empty() ? std::string("\x08\x07", 2) : s, {"no graph"});
  }
  {
    Model m;
    m.m.mutable_opset_import(0)->set_version(99);
    expect_error(m.bytes("c"), {"opset 99 is not supported"});
  }
  {
    Model m;
    m.g->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_INT8);
    expect_error(m.bytes("c"), {"graph input 'x'", "float32"});
  }
  {
    Model m;
    m.g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2)->set_dim_param("H");
    expect_error(m.bytes("c"), {"graph input 'x'", "dimension 2 must be a fixed size"});
  }
  {
    Model m;
    m.g->mutable_initializer(0)->add_float_data(1.0f);  // one element too many
    expect_error(m.bytes("c"), {"initializer 'w'", "19 elements stored, the dims say 18"});
  }
  {
    Model m;
    m.g->mutable_initializer(0)->set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
    expect_error(m.bytes("c"), {"initializer 'w'", "external tensor data"});
  }
  {
    Model m;
    expect_error(m.bytes("nothing"), {"graph output 'nothing' is not computed"});
  }
  {
    // A second output on the inner conv: the output count is what is wrong, not the conv's missing clamp.
    Model m;
    m.node("Relu", "relu", {"c"}, "y");
    m.g->add_output()->set_name("c");
    expect_error(m.bytes("y"), {"the graph must have exactly one output, it has 2"});
  }
}

TEST(OnnxImport, ADirectoryIsNotAModel) {
  try {
    import_onnx(std::string(LUTSIM_SOURCE_DIR) + "/models");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/models: is a directory, not an ONNX model file"), std::string::npos) << e.what();
  }
}

TEST(OnnxImport, UnsupportedOperatorNamesNodeAndOperator) {
  Model m;
  m.node("Softmax", "sm", {"c"}, "y");
  expect_error(m.bytes("y"), {"node 'sm' (Softmax): operator not supported"});
}

TEST(OnnxImport, UnsupportedAttributesAndShapes) {
  {
    Model m;
    Model::attr_int(m.g->mutable_node(0), "foo", 1);
    expect_error(m.bytes("c"), {"node 'conv' (Conv): attribute 'foo' is not supported"});
  }
  {
    Model m;
    onnx::AttributeProto* a = m.g->mutable_node(0)->add_attribute();
    a->set_name("auto_pad");
    a->set_type(onnx::AttributeProto_AttributeType_STRING);
    a->set_s("WEIRD");
    expect_error(m.bytes("c"), {"node 'conv' (Conv): auto_pad 'WEIRD' is not supported"});
  }
  {
    Model m;
    Model::attr_int(m.g->mutable_node(0), "group", 2);
    expect_error(m.bytes("c"), {"node 'conv' (Conv)", "group 2", "1 channels"});
  }
  {
    Model m;
    onnx::NodeProto* p = m.node("AveragePool", "pool", {"c"}, "y");
    Model::attr_ints(p, "kernel_shape", {3, 3});
    Model::attr_int(p, "ceil_mode", 1);
    Model::attr_ints(p, "strides", {2, 2});
    expect_error(m.bytes("y"), {"node 'pool' (AveragePool): ceil_mode 1 changes the output size here, and the last "
                                "windows would be divided by fewer positions"});
  }
  {
    Model m;
    *m.g->add_initializer() = float_tensor("pads", {8});
    m.g->mutable_initializer(2)->clear_float_data();
    m.g->mutable_initializer(2)->set_data_type(onnx::TensorProto_DataType_INT64);
    for (std::int64_t v : {0, 0, 1, 1, 0, 0, 1, 1}) m.g->mutable_initializer(2)->add_int64_data(v);
    m.node("Pad", "pad", {"c", "pads"}, "p");
    onnx::NodeProto* pool = m.node("MaxPool", "pool", {"p"}, "y");
    Model::attr_ints(pool, "kernel_shape", {2, 2});
    expect_error(m.bytes("y"), {"node 'pool' (MaxPool)", "comes from a Pad", "Conv or AveragePool"});
  }
  {
    Model m;
    onnx::NodeProto* p = m.node("AveragePool", "avg", {"c"}, "y");
    Model::attr_ints(p, "kernel_shape", {3, 3});
    Model::attr_ints(p, "pads", {1, 1, 1, 1});
    expect_error(m.bytes("y"), {"node 'avg' (AveragePool): padding with count_include_pad = 0"});
  }
  {
    Model m;
    m.node("Flatten", "f", {"c"}, "f1");
    m.node("BatchNormalization", "bn", {"f1", "b", "b", "b", "b"}, "y");
    expect_error(m.bytes("y"), {"node 'bn' (BatchNormalization): a BatchNormalization that follows no Conv or Gemm "
                                "must have an N x C x H x W input"});
  }
  {
    Model m;
    m.node("Add", "add", {"c", "x"}, "y");
    expect_error(m.bytes("y"), {"node 'add' (Add): inputs of different shapes"});
  }
  {
    Model m;
    *m.g->add_initializer() = float_tensor("wd", {72, 3});
    m.node("Flatten", "flat", {"c"}, "f");
    onnx::NodeProto* gm = m.node("Gemm", "fc", {"f", "wd"}, "y");
    Model::attr_int(gm, "transA", 1);
    expect_error(m.bytes("y"), {"node 'fc' (Gemm): transA = 1 is not supported"});
  }
  {
    Model m;
    *m.g->add_initializer() = float_tensor("wd", {10, 3});
    m.node("Flatten", "flat", {"c"}, "f");
    m.node("Gemm", "fc", {"f", "wd"}, "y");
    expect_error(m.bytes("y"), {"node 'fc' (Gemm): weights [10, 3] do not fit an input of 72 features"});
  }
  {
    Model m;
    m.node("Gemm", "fc", {"c", "w"}, "y");
    expect_error(m.bytes("y"), {"node 'fc' (Gemm): input must be a matrix"});
  }
  {
    Model m;
    m.node("Relu", "r", {"x"}, "y");
    expect_error(m.bytes("y"), {"node 'r' (Relu): must follow a Conv, Gemm, Add or average pool"});
  }
  {
    Model m;
    m.node("Conv", "c2", {"c", "nope"}, "y");
    expect_error(m.bytes("y"), {"node 'c2' (Conv): input 'nope' is not computed"});
  }
}

// One image [1, 6, 6, 1] of the Model fixture's input, pixel i being f(i).
template <class F>
FTensor model_input(F f) {
  FTensor x;
  x.n = 1, x.h = 6, x.w = 6, x.c = 1;
  x.d.resize(36);
  for (std::size_t i = 0; i < x.d.size(); ++i) x.d[i] = f(i);
  return x;
}

// ReduceMean over H and W is a global average pool: with keepdims 1 the mean of each channel of the conv's output,
// computed here by hand; with keepdims 0 (or the axes as an input, opset 18) the same numbers as [N, C], as
// GlobalAveragePool + Flatten give them to the Gemm after it.
TEST(OnnxImport, ReduceMeanOverHAndWIsAGlobalAveragePool) {
  const FTensor x = model_input([](std::size_t i) { return static_cast<float>((i * 37) % 11) - 4.0f; });
  {
    Model m;
    onnx::NodeProto* r = m.node("ReduceMean", "mean", {"c"}, "y");
    Model::attr_ints(r, "axes", {-1, 2});
    const FloatGraph g = import_onnx_bytes(m.bytes("y"), "m.onnx");
    ASSERT_EQ(g.nodes.back().op, FOp::GlobalAvgPool);
    const std::vector<FTensor> v = run_float(g, x, true);
    const FTensor& conv = v[static_cast<std::size_t>(g.nodes[0].output)];
    const FTensor& y = v[static_cast<std::size_t>(g.output)];
    ASSERT_EQ(y.d.size(), 2u);
    for (int c = 0; c < 2; ++c) {
      double sum = 0;
      for (int p = 0; p < 36; ++p) sum += conv.d[static_cast<std::size_t>(p * 2 + c)];
      EXPECT_NEAR(y.d[static_cast<std::size_t>(c)], sum / 36, 1e-5) << "channel " << c;
    }
  }
  auto with_fc = [](Model& m, const std::string& in) {
    *m.g->add_initializer() = float_tensor("wd", {2, 3}, 0.25f);
    m.node("Gemm", "fc", {in, "wd"}, "y");
    return m.bytes("y");
  };
  Model pool;
  pool.node("GlobalAveragePool", "gap", {"c"}, "p");
  pool.node("Flatten", "flat", {"p"}, "f");
  const FloatGraph gp = import_onnx_bytes(with_fc(pool, "f"), "m.onnx");
  const FTensor want = run_float(gp, x, false)[static_cast<std::size_t>(gp.output)];
  Model attr;
  onnx::NodeProto* r = attr.node("ReduceMean", "mean", {"c"}, "r");
  Model::attr_ints(r, "axes", {2, 3});
  Model::attr_int(r, "keepdims", 0);
  Model input;  // opset 18: the axes are the second input
  input.m.mutable_opset_import(0)->set_version(18);
  onnx::TensorProto axes;
  axes.set_name("axes");
  axes.set_data_type(onnx::TensorProto_DataType_INT64);
  axes.add_dims(2);
  axes.add_int64_data(2);
  axes.add_int64_data(3);
  *input.g->add_initializer() = axes;
  Model::attr_int(input.node("ReduceMean", "mean", {"c", "axes"}, "r"), "keepdims", 0);
  for (Model* m : {&attr, &input}) {
    const FloatGraph g = import_onnx_bytes(with_fc(*m, "r"), "m.onnx");
    EXPECT_EQ(run_float(g, x, false)[static_cast<std::size_t>(g.output)].d, want.d);
  }
  Model channels;
  Model::attr_ints(channels.node("ReduceMean", "mean", {"c"}, "y"), "axes", {1});
  expect_error(channels.bytes("y"), {"node 'mean' (ReduceMean): only a mean over H and W (axes 2 and 3"});
  Model all;  // no axes: a mean over every axis
  all.node("ReduceMean", "mean", {"c"}, "y");
  expect_error(all.bytes("y"), {"node 'mean' (ReduceMean): only a mean over H and W"});
}

// MaxPool with ceil_mode 1 (GoogLeNet's): the output rounds up and the extra positions are padding that the max
// ignores. On the 6x6 conv output, a 3x3 window with stride 2 gives 3x3 (floor mode: 2x2), the last row and column
// of windows covering input rows 4 and 5 only; with stride 3 the rounded-up last window would start past the input
// and is dropped, so the size stays 2x2 (ONNX's and PyTorch's rule).
TEST(OnnxImport, MaxPoolCeilModePadsTheEnd) {
  const FTensor x = model_input([](std::size_t i) { return static_cast<float>((i * 29) % 13) - 6.0f; });
  for (const auto& [k, st, out] : {std::tuple{3, 2, 3}, std::tuple{2, 3, 2}, std::tuple{3, 3, 2}}) {
    SCOPED_TRACE("k " + std::to_string(k) + " s " + std::to_string(st));
    Model m;
    onnx::NodeProto* p = m.node("MaxPool", "pool", {"c"}, "y");
    Model::attr_ints(p, "kernel_shape", {k, k});
    Model::attr_ints(p, "strides", {st, st});
    Model::attr_int(p, "ceil_mode", 1);
    const FloatGraph g = import_onnx_bytes(m.bytes("y"), "m.onnx");
    const std::vector<FTensor> v = run_float(g, x, true);
    const FTensor& conv = v[static_cast<std::size_t>(g.nodes[0].output)];
    const FTensor& y = v[static_cast<std::size_t>(g.output)];
    ASSERT_EQ(y.h, out);
    ASSERT_EQ(y.w, out);
    for (int oh = 0; oh < out; ++oh)
      for (int ow = 0; ow < out; ++ow)
        for (int c = 0; c < 2; ++c) {
          float want = -1e30f;
          for (int ih = oh * st; ih < std::min(oh * st + k, 6); ++ih)
            for (int iw = ow * st; iw < std::min(ow * st + k, 6); ++iw)
              want = std::max(want, conv.d[static_cast<std::size_t>((ih * 6 + iw) * 2 + c)]);
          EXPECT_EQ(y.d[static_cast<std::size_t>((oh * out + ow) * 2 + c)], want) << oh << "," << ow << "," << c;
        }
  }
}

// A BatchNormalization with nothing to fold into (DenseNet's pre-activation BN, ReLU, Conv) is a depthwise 1x1
// convolution computing gamma * (x - mean) / sqrt(var + eps) + beta per channel, checked here by hand on the values
// the ReLU before it gives; the ReLU after it becomes that layer's clamp.
TEST(OnnxImport, BatchNormAfterNoConvIsADepthwiseConv) {
  Model m;
  m.node("Relu", "r", {"c"}, "r1");
  const std::vector<float> gamma = {2.0f, -0.5f}, beta = {0.25f, 1.0f}, mean = {0.5f, -1.0f}, var = {4.0f, 0.25f};
  const char* names[4] = {"gamma", "beta", "mean", "var"};
  const std::vector<float>* vals[4] = {&gamma, &beta, &mean, &var};
  for (int k = 0; k < 4; ++k) {
    onnx::TensorProto t = float_tensor(names[k], {2});
    for (int c = 0; c < 2; ++c) t.set_float_data(c, (*vals[k])[static_cast<std::size_t>(c)]);
    *m.g->add_initializer() = t;
  }
  onnx::NodeProto* bn = m.node("BatchNormalization", "bn", {"r1", "gamma", "beta", "mean", "var"}, "b1");
  onnx::AttributeProto* eps = bn->add_attribute();
  eps->set_name("epsilon");
  eps->set_type(onnx::AttributeProto_AttributeType_FLOAT);
  eps->set_f(0.0f);
  m.node("Relu", "r2", {"b1"}, "y");
  const FloatGraph g = import_onnx_bytes(m.bytes("y"), "m.onnx");
  ASSERT_EQ(g.nodes.size(), 2u);
  const FNode& dw = g.nodes[1];
  EXPECT_EQ(dw.op, FOp::Conv);
  EXPECT_EQ(dw.groups, 2);
  EXPECT_EQ(dw.KH, 1);
  EXPECT_EQ(dw.act.lo, 0.0f);
  const FTensor x = model_input([](std::size_t i) { return static_cast<float>((i * 17) % 9) - 3.0f; });
  const std::vector<FTensor> v = run_float(g, x, true);
  const FTensor& conv = v[static_cast<std::size_t>(g.nodes[0].output)];  // the first conv, with the first ReLU
  const FTensor& y = v[static_cast<std::size_t>(g.output)];
  for (std::size_t i = 0; i < y.d.size(); ++i) {
    const std::size_t c = i % 2;
    const double want = std::max(0.0, gamma[c] * (conv.d[i] - mean[c]) / std::sqrt(static_cast<double>(var[c])) + beta[c]);
    EXPECT_NEAR(y.d[i], want, 1e-5) << i;
  }
}

// An initializer is bounded by the data the file stores, not by a fixed count: VGG's 25088 x 4096 classifier
// (102,760,448 elements, more than the 2^26 once refused) imports; dims that claim more than the file stores, or
// whose product overflows, are an error naming the tensor before anything is allocated.
TEST(OnnxImport, InitializersAreBoundedByTheirDataNotACount) {
  {
    Model m;
    // A 1x1 conv to 456 channels, flattened: K = 456 * 6 * 6 = 16416 inputs, times 4096 outputs, just over 2^26.
    *m.g->add_initializer() = float_tensor("w2", {456, 2, 1, 1});
    m.node("Conv", "conv2", {"c", "w2"}, "c2");
    m.node("Flatten", "f", {"c2"}, "f1");
    onnx::TensorProto w;
    w.set_name("wd");
    w.set_data_type(onnx::TensorProto_DataType_FLOAT);
    const std::int64_t K = 456 * 36, O = 4096;
    ASSERT_GT(K * O, std::int64_t{1} << 26);
    w.add_dims(O);
    w.add_dims(K);
    w.set_raw_data(std::string(static_cast<std::size_t>(O * K * 4), '\0'));
    *m.g->add_initializer() = w;
    Model::attr_int(m.node("Gemm", "fc", {"f1", "wd"}, "y"), "transB", 1);
    const FloatGraph g = import_onnx_bytes(m.bytes("y"), "m.onnx");
    EXPECT_EQ(g.values[static_cast<std::size_t>(g.output)].c, O);
  }
  {
    Model m;
    onnx::TensorProto big;
    big.set_name("big");
    big.set_data_type(onnx::TensorProto_DataType_FLOAT);
    big.add_dims(std::int64_t{1} << 31);
    big.add_dims(std::int64_t{1} << 31);
    *m.g->add_initializer() = big;
    m.node("Add", "a", {"c", "big"}, "y");
    expect_error(m.bytes("y"), {"initializer 'big'", "more than 1099511627776 elements"});
  }
  {
    Model m;
    onnx::TensorProto lie;
    lie.set_name("lie");
    lie.set_data_type(onnx::TensorProto_DataType_FLOAT);
    lie.add_dims(std::int64_t{1} << 30);
    lie.set_raw_data(std::string(16, '\0'));
    *m.g->add_initializer() = lie;
    m.node("Add", "a", {"c", "lie"}, "y");
    expect_error(m.bytes("y"), {"initializer 'lie'", "4 elements stored, the dims say 1073741824"});
  }
}

// Input normalisation ((x - mean) / std, as ImageNet models start) becomes a depthwise 1x1 conv before the first
// conv: the model on x gives what the model without it gives on the normalised x, computed by hand. A Mul by a
// per-channel constant after a conv folds into its weights instead, and the error cases name the node.
TEST(OnnxImport, AffineMapsByConstantsFoldOrBecomeADepthwiseConv) {
  const FTensor x = model_input([](std::size_t i) { return static_cast<float>((i * 23) % 10) * 0.1f; });
  const float mean = 0.45f, stdev = 0.25f;
  auto normalised = [&](Model& m) {
    onnx::TensorProto mt = float_tensor("mean", {1, 1, 1, 1}), st = float_tensor("std", {1, 1, 1, 1});
    mt.set_float_data(0, mean);
    st.set_float_data(0, stdev);
    *m.g->add_initializer() = mt;
    *m.g->add_initializer() = st;
    m.g->mutable_node(0)->set_input(0, "xn");
    m.node("Sub", "sub", {"x", "mean"}, "x1");
    m.node("Div", "div", {"x1", "std"}, "xn");
    auto* nodes = m.g->mutable_node();  // the conv after the two new nodes
    nodes->SwapElements(0, 1);
    nodes->SwapElements(1, 2);
  };
  Model plain;
  plain.node("Relu", "relu", {"c"}, "y");
  const FloatGraph gp = import_onnx_bytes(plain.bytes("y"), "m.onnx");
  FTensor xn = x;
  for (float& v : xn.d) v = (v - mean) / stdev;
  const FTensor want = run_float(gp, xn, false)[static_cast<std::size_t>(gp.output)];
  Model norm;
  normalised(norm);
  norm.node("Relu", "relu", {"c"}, "y");
  const FloatGraph g = import_onnx_bytes(norm.bytes("y"), "m.onnx");
  ASSERT_EQ(g.nodes.size(), 2u);  // Sub and Div in one depthwise 1x1 conv, then the conv
  EXPECT_EQ(g.nodes[0].KH, 1);
  EXPECT_NEAR(g.nodes[0].w[0], 1 / stdev, 1e-6);
  EXPECT_NEAR(g.nodes[0].b[0], -mean / stdev, 1e-6);
  const FTensor got = run_float(g, x, false)[static_cast<std::size_t>(g.output)];
  ASSERT_EQ(got.d.size(), want.d.size());
  for (std::size_t i = 0; i < got.d.size(); ++i) EXPECT_NEAR(got.d[i], want.d[i], 1e-4) << i;
  {
    Model m;  // conv * [2, 1, 1] constant: folded into the conv's weights and bias
    onnx::TensorProto k = float_tensor("k", {2, 1, 1});
    k.set_float_data(0, 3.0f);
    k.set_float_data(1, -0.5f);
    *m.g->add_initializer() = k;
    m.node("Mul", "mul", {"c", "k"}, "y");
    const FloatGraph gm = import_onnx_bytes(m.bytes("y"), "m.onnx");
    ASSERT_EQ(gm.nodes.size(), 1u);
    Model base;
    const FloatGraph gb = import_onnx_bytes(base.bytes("c"), "m.onnx");
    const FTensor yb = run_float(gb, x, false)[static_cast<std::size_t>(gb.output)];
    const FTensor ym = run_float(gm, x, false)[static_cast<std::size_t>(gm.output)];
    for (std::size_t i = 0; i < ym.d.size(); ++i) EXPECT_NEAR(ym.d[i], yb.d[i] * (i % 2 ? -0.5f : 3.0f), 1e-5) << i;
  }
  {
    Model m;
    *m.g->add_initializer() = float_tensor("k3", {3});
    m.node("Mul", "mul", {"c", "k3"}, "y");
    expect_error(m.bytes("y"), {"node 'mul' (Mul): a constant of shape [3] is neither a scalar nor one value per channel of 2 channels"});
  }
  {
    Model m;
    *m.g->add_initializer() = float_tensor("one", {1});
    m.node("Div", "div", {"one", "c"}, "y");
    expect_error(m.bytes("y"), {"node 'div' (Div): a constant divided by an activation is not an affine map"});
  }
  {
    Model m;
    m.node("Mul", "mul", {"c", "c"}, "y");
    expect_error(m.bytes("y"), {"node 'mul' (Mul): only a product or quotient of an activation and a constant"});
  }
}

// An NCHW -> NHWC -> NCHW pair of Transposes cancels and computes nothing (the ReLU after it is still the conv's
// clamp); a Transpose that nothing undoes is an error naming the node that reads it, or the graph output.
TEST(OnnxImport, TransposePairsThatCancel) {
  {
    Model m;
    Model::attr_ints(m.node("Transpose", "to_nhwc", {"c"}, "t1"), "perm", {0, 2, 3, 1});
    Model::attr_ints(m.node("Transpose", "to_nchw", {"t1"}, "t2"), "perm", {0, 3, 1, 2});
    m.node("Relu", "relu", {"t2"}, "y");
    const FloatGraph g = import_onnx_bytes(m.bytes("y"), "m.onnx");
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].act.lo, 0.0f);
  }
  {
    Model m;  // the default perm reverses the axes; twice is the identity
    m.node("Transpose", "rev1", {"c"}, "t1");
    m.node("Transpose", "rev2", {"t1"}, "t2");
    m.node("Relu", "relu", {"t2"}, "y");
    EXPECT_EQ(import_onnx_bytes(m.bytes("y"), "m.onnx").nodes.size(), 1u);
  }
  {
    Model m;  // the conv's output is also read by the Add: the ReLU after the pair cannot be the conv's clamp
    Model::attr_ints(m.node("Transpose", "to_nhwc", {"c"}, "t1"), "perm", {0, 2, 3, 1});
    Model::attr_ints(m.node("Transpose", "to_nchw", {"t1"}, "t2"), "perm", {0, 3, 1, 2});
    m.node("Relu", "relu", {"t2"}, "r");
    m.node("Add", "add", {"r", "c"}, "y");
    expect_error(m.bytes("y"), {"node 'relu' (Relu): must follow a Conv, Gemm, Add or average pool whose output nothing"});
  }
  {
    Model m;
    Model::attr_ints(m.node("Transpose", "to_nhwc", {"c"}, "t1"), "perm", {0, 2, 3, 1});
    m.node("Relu", "relu", {"t1"}, "y");
    expect_error(m.bytes("y"), {"node 'relu' (Relu): input 't1' comes from a Transpose that no later Transpose undoes"});
  }
  {
    Model m;
    Model::attr_ints(m.node("Transpose", "to_nhwc", {"c"}, "y"), "perm", {0, 2, 3, 1});
    expect_error(m.bytes("y"), {"graph output 'y' comes from a Transpose that no later Transpose undoes"});
  }
  {
    Model m;
    Model::attr_ints(m.node("Transpose", "bad", {"c"}, "y"), "perm", {0, 2, 2, 1});
    expect_error(m.bytes("y"), {"node 'bad' (Transpose): perm is not a permutation of 0, 1, 2, 3"});
  }
}

// Compares run_float of an imported model with outputs PyTorch computed (tests/python/quant_make_vectors.py).
void expect_matches_torch(const std::string& onnx_file, const std::string& input, const std::string& expected) {
  const FloatGraph g = import_onnx(kData + "../../../" + onnx_file);
  const Tensor x = load_npy(kData + input);
  const Tensor y = load_npy(kData + expected);
  const std::vector<FTensor> out = run_float(g, float_input(x, -8), false);
  const FTensor& o = out[static_cast<std::size_t>(g.output)];
  ASSERT_EQ(static_cast<std::int64_t>(o.d.size()), y.numel());
  double max_abs = 0, max_err = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    max_abs = std::max(max_abs, static_cast<double>(std::abs(y.data<float>()[i])));
    max_err = std::max(max_err, static_cast<double>(std::abs(o.d[static_cast<std::size_t>(i)] - y.data<float>()[i])));
  }
  EXPECT_LT(max_err, 1e-4 * std::max(1.0, max_abs)) << onnx_file << ": largest output " << max_abs;
}

TEST(OnnxImport, TinyModelEqualsPyTorch) {
  // Conv (grouped, dilated, padded), BatchNorm, Relu, Clip, MaxPool, Pad + AveragePool, Add, Concat, Flatten with
  // the NHWC weight permutation, Gemm, Dropout, MatMul + Add, Cast of constants.
  expect_matches_torch("tests/quant/data/tiny.onnx", "tiny_input_u8_4x12x12x3.npy", "tiny_output_f32_4x10.npy");
}

TEST(OnnxImport, MnistModelsEqualPyTorch) {
  for (const char* m : {"lenet5", "resnet_small", "mobilenet"})
    expect_matches_torch(std::string("models/") + m + ".onnx", "mnist_input_u8_16x28x28x1.npy",
                         std::string(m) + "_output_f32_16x10.npy");
}

}  // namespace
}  // namespace lutsim::quant
