// Quantization: calibration data of the wrong shape or dtype, activation sampling over every channel, the weight
// quantizer's grids, and every quantized network's integer outputs against an independent NumPy re-computation
// (tests/python/quant_numpy_check.py).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <set>
#include <string>

#include "lutsim/hw/config.h"
#include "lutsim/model/error.h"
#include "lutsim/model/executor.h"
#include "lutsim/model/format.h"
#include "lutsim/quant/onnx_import.h"
#include "lutsim/quant/quantize.h"

namespace lutsim::quant {
namespace {

const std::string kRoot = LUTSIM_SOURCE_DIR;
const std::string kData = kRoot + "/tests/quant/data/";
const char* const kPython = "/usr/bin/python3";

bool numpy_available() {
  return std::system((std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0;
}

std::string temp_dir() {
  const std::filesystem::path p = std::filesystem::temp_directory_path() /
                                  ("lutsim_quant_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(p);
  return p.string();
}

void expect_error(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\nmissing: " << p;
  }
}

TEST(Calibration, WrongShapeOrDtypeIsAnErrorNamingTheFile) {
  const FloatGraph g = import_onnx(kRoot + "/models/lenet5.onnx");
  expect_error([&] { to_network_input(Tensor(DType::S8, {4, 28, 28, 1}), g, -8, "c.npy"); },
               {"c.npy: dtype s8 is not accepted", "u8 [N, 28, 28, 1]", "f32 [N, 1, 28, 28]"});
  expect_error([&] { to_network_input(Tensor(DType::S32, {4, 28, 28, 1}), g, -8, "c.npy"); }, {"dtype s32"});
  expect_error([&] { to_network_input(Tensor(DType::U8, {4, 28, 28, 3}), g, -8, "c.npy"); },
               {"c.npy: u8 data of shape [4, 28, 28, 3] does not match"});
  expect_error([&] { to_network_input(Tensor(DType::U8, {28, 28, 1}), g, -8, "c.npy"); }, {"[28, 28, 1] does not match"});
  expect_error([&] { to_network_input(Tensor(DType::U8, {0, 28, 28, 1}), g, -8, "c.npy"); },
               {"c.npy: the batch is empty ([0, 28, 28, 1]): give at least one image"});
  expect_error([&] { to_network_input(Tensor(DType::F32, {0, 1, 28, 28}), g, -8, "c.npy"); }, {"c.npy: the batch is empty"});
  // f32 must be NCHW in the model's layout, not NHWC.
  expect_error([&] { to_network_input(Tensor(DType::F32, {2, 28, 28, 1}), g, -8, "c.npy"); },
               {"f32 data of shape [2, 28, 28, 1] does not match"});
  Tensor nan(DType::F32, {1, 1, 28, 28});
  nan.data<float>()[5] = std::nanf("");
  expect_error([&] { to_network_input(nan, g, -8, "c.npy"); }, {"not finite"});
  // quantize() itself checks too.
  expect_error([&] { quantize(g, Tensor(DType::U8, {2, 14, 14, 1}), QuantOptions{}); }, {"calibration data must be u8 [N, 28, 28, 1]"});
  QuantOptions bad;
  bad.weight_bits = 5;
  expect_error([&] { quantize(g, Tensor(DType::U8, {2, 28, 28, 1}), bad); }, {"weight bits 5"});
}

TEST(Calibration, FloatNchwIsRoundedWithTheInputExponent) {
  const FloatGraph g = import_onnx(kRoot + "/models/lenet5.onnx");
  Tensor f(DType::F32, {1, 1, 28, 28});
  f.data<float>()[0] = 0.5f;          // 128 at exponent -8
  f.data<float>()[1] = 2.0f;          // clamps to 255
  f.data<float>()[28] = -1.0f;        // clamps to 0
  f.data<float>()[29] = 3.0f / 512;   // 1.5 -> 2 (round half away from zero, then clamp)
  const Tensor u = to_network_input(f, g, -8, "c.npy");
  ASSERT_EQ(u.shape(), (Shape{1, 28, 28, 1}));
  EXPECT_EQ(u.get(0), 128);
  EXPECT_EQ(u.get(1), 255);
  EXPECT_EQ(u.get(28), 0);
  EXPECT_EQ(u.get(29), 2);
}

// Quantizes `model` with `opt`, runs the reference kernels on the test images, and has NumPy recompute the same
// integers from the stored codes, LUTs, biases and shifts.
void check_bit_exact(const std::string& onnx_path, const std::string& input, QuantOptions opt, const std::string& hw,
                     const std::string& tag) {
  const FloatGraph g = import_onnx(onnx_path);
  const Tensor x = load_npy(kData + input);
  const HwConfig cfg = load_hw_config(hw);
  opt.arith = cfg.arith();
  const Network net = quantize(g, x, opt);
  const Executor ex(net, cfg.arith(), ExecOptions{.backend = Backend::Reference});
  const RunResult r = ex.run(x);
  const std::string dir = temp_dir();
  save_network(net, dir + "/" + tag + ".npz");
  save_npy(x, dir + "/x.npy");
  save_npy(r.output, dir + "/" + tag + "_y.npy");
  const std::string cmd = std::string(kPython) + " " + kRoot + "/tests/python/quant_numpy_check.py " + dir + "/" + tag +
                          ".npz " + dir + "/x.npy " + dir + "/" + tag + "_y.npy --acc-bits " + std::to_string(cfg.acc_bits) +
                          " --rounding " + std::string(rounding_name(cfg.rounding)) + " > " + dir + "/log.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream log(dir + "/log.txt");
  std::stringstream ss;
  ss << log.rdbuf();
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << tag << ": " << ss.str();
}

TEST(BitExact, EveryConfigurationAgainstNumPy) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " has no numpy (Debian package python3-numpy)";
  struct Cfg { const char* tag; int bits; Grid grid; bool pcs; double avg; bool eq, bc; };
  const Cfg cfgs[] = {
      {"lut4_layer", 4, Grid::LutPerLayer, false, 0, false, false},
      {"lut4_chan_pcs", 4, Grid::LutPerChannel, true, 0, false, false},
      {"lut4_layer_pcs_eq_bc", 4, Grid::LutPerLayer, true, 0, true, true},
      {"uniform3", 3, Grid::Uniform, false, 0, false, false},
      {"lut1", 1, Grid::LutPerChannel, false, 0, false, false},
      {"raw8", 8, Grid::LutPerChannel, true, 0, false, false},
      {"mixed3", 4, Grid::LutPerChannel, false, 3.0, false, false},
  };
  for (const char* model : {"lenet5", "resnet_small", "mobilenet"})
    for (const Cfg& c : cfgs) {
      QuantOptions o;
      o.weight_bits = c.bits;
      o.grid = c.grid;
      o.shift_per_channel = c.pcs;
      o.avg_bits = c.avg;
      o.equalize = c.eq;
      o.bias_correction = c.bc;
      check_bit_exact(kRoot + "/models/" + model + ".onnx", "mnist_input_u8_16x28x28x1.npy", o, "default",
                      std::string(model) + "_" + c.tag);
    }
  // The tiny model has every importer operator (grouped dilated conv, add, pad + avg pool, concat, flatten);
  // the small preset has a 24-bit accumulator and rounds half to even.
  for (const char* hw : {"default", "small"}) {
    QuantOptions o;
    o.method = Method::Lapq;
    o.lapq_sweeps = 1;
    check_bit_exact(kData + "tiny.onnx", "tiny_input_u8_4x12x12x3.npy", o, hw, std::string("tiny_") + hw);
  }
}

TEST(Quantize, EightBitTracksTheFloatModelWithEveryCalibration) {
  // On random images the 8-bit network's top-1 class should agree with the float model on nearly all of them,
  // whichever way the activation exponents are chosen.
  const FloatGraph g = import_onnx(kRoot + "/models/lenet5.onnx");
  const Tensor x = load_npy(kData + "mnist_input_u8_16x28x28x1.npy");
  const std::vector<FTensor> f = run_float(g, float_input(x, -8), false);
  const FTensor& fo = f[static_cast<std::size_t>(g.output)];
  for (CalibMethod cm : {CalibMethod::Mse, CalibMethod::Percentile, CalibMethod::Kl}) {
    QuantOptions o;
    o.weight_bits = 8;
    o.calib = cm;
    const Network net = quantize(g, x, o);
    const RunResult r = Executor(net, ArithConfig{}).run(x);
    int agree = 0;
    for (int n = 0; n < 16; ++n) {
      int bq = 0, bf = 0;
      for (int c = 1; c < 10; ++c) {
        if (r.output.get(n * 10 + c) > r.output.get(n * 10 + bq)) bq = c;
        if (fo.d[static_cast<std::size_t>(n * 10 + c)] > fo.d[static_cast<std::size_t>(n * 10 + bf)]) bf = c;
      }
      agree += bq == bf;
    }
    EXPECT_GE(agree, 15) << "calibration method " << static_cast<int>(cm);
  }
}

// A float graph of one 1x1 conv with ReLU from one input channel to w.size() output channels of weights w.
FloatGraph one_conv(int h, int w_, const std::vector<float>& w) {
  FloatGraph g;
  g.name = "one_conv";
  const int C = static_cast<int>(w.size());
  g.values = {FValue{"x", h, w_, 1}, FValue{"y", h, w_, C}};
  FNode conv;
  conv.name = "conv";
  conv.op = FOp::Conv;
  conv.inputs = {0};
  conv.output = 1;
  conv.O = C;
  conv.I = 1;
  conv.w = w;
  conv.b.assign(w.size(), 0.0f);
  conv.act.lo = 0;
  g.nodes = {conv};
  g.input = 0;
  g.output = 1;
  return g;
}

// u8 [n, h, w, 1] images, pixel (i, j) of image k a pseudo-random value in [0, top(j)].
Tensor images(int n, int h, int w, const std::function<int(int)>& top) {
  Tensor x(DType::U8, {n, h, w, 1});
  std::uint32_t lcg = 1;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    lcg = lcg * 1664525u + 1013904223u;
    x.set(i, static_cast<std::int64_t>((lcg >> 8) % static_cast<std::uint32_t>(top(static_cast<int>(i % w)) + 1)));
  }
  return x;
}

// Every calibration method's exponent for g's output holds the largest float activation (which lies where a
// sampling that aliases with the tensor's layout would not look).
void expect_output_exponent_covers_max(const FloatGraph& g, const Tensor& x) {
  const std::vector<FTensor> f = run_float(g, float_input(x, -8), false);
  float mx = 0;
  for (float v : f[static_cast<std::size_t>(g.output)].d) mx = std::max(mx, v);
  ASSERT_GT(mx, 5.5f);  // 6 * 255 / 256 at the largest pixel
  for (CalibMethod cm : {CalibMethod::Mse, CalibMethod::Percentile, CalibMethod::Kl}) {
    QuantOptions o;
    o.weight_bits = 8;
    o.calib = cm;
    const Network net = quantize(g, x, o);
    const int e = net.value(net.output).exponent;
    EXPECT_GE(std::ldexp(255.0, e), mx) << "calibration method " << static_cast<int>(cm) << ": exponent " << e;
  }
}

TEST(Quantize, ActivationExponentSeesEveryChannel) {
  // Channel 3 of 8 is 12 times as large as the others. 80 images of 50x50 make 1.6 M output elements: an element
  // stride of 1.6 M / 200,000 = 8 = C sampled channel 0 alone and clipped channel 3 at a twelfth of its range.
  std::vector<float> w(8, 0.5f);
  w[3] = 6.0f;
  expect_output_exponent_covers_max(one_conv(50, 50, w), images(80, 50, 50, [](int) { return 255; }));
}

TEST(Quantize, ActivationExponentSeesEveryColumn) {
  // One channel, 160 images of 50x50: 400,000 pixels, twice the sample budget. A pixel stride of 2 would see the
  // even columns only; the odd columns hold the large values.
  expect_output_exponent_covers_max(one_conv(50, 50, {6.0f}), images(160, 50, 50, [](int j) { return j % 2 ? 255 : 15; }));
}

TEST(Quantize, LutHasTheRequestedSizeAndModes) {
  const FloatGraph g = import_onnx(kRoot + "/models/resnet_small.onnx");
  const Tensor x = load_npy(kData + "mnist_input_u8_16x28x28x1.npy");
  QuantOptions o;
  o.weight_bits = 3;
  o.grid = Grid::LutPerLayer;
  o.shift_per_channel = true;
  const Network net = quantize(g, x, o);
  int convs = 0;
  for (const Layer& l : net.layers) {
    if (l.op != OpKind::Conv2D && l.op != OpKind::Dense) continue;
    ++convs;
    EXPECT_EQ(l.conv.weight_bits, 3) << l.name;
    EXPECT_EQ(l.conv.lut.shape(), (Shape{1, 8})) << l.name;
    // The final dense layer is the raw s32 output: no shift; the others have one shift per channel.
    if (net.value(l.output).dtype != DType::S32) {
      EXPECT_EQ(l.conv.shift.numel(), l.conv.out_channels()) << l.name;
    }
  }
  EXPECT_EQ(convs, 7);  // stem, two convs in each block, the projection, the classifier
  EXPECT_EQ(net.value(net.output).dtype, DType::S32);
}

}  // namespace
}  // namespace lutsim::quant
