// validate(): for every rule, a network that breaks exactly that rule, and the error message naming the layer
// (or value) and the field. Also the Executor's checks of its config and of the input tensor.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lutsim/model/error.h"
#include "lutsim/model/executor.h"
#include "lutsim/model/float_exec.h"
#include "lutsim/model/network.h"

namespace lutsim {
namespace {

Tensor filled(DType dt, Shape shape, std::int64_t v = 0) {
  Tensor t(dt, std::move(shape));
  for (std::int64_t i = 0; i < t.numel(); ++i) t.set(i, v);
  return t;
}

int add_value(Network& n, const std::string& name, DType dt, int h, int w, int c, int exponent = 0) {
  n.values.push_back(ValueInfo{name, dt, h, w, c, exponent});
  return static_cast<int>(n.values.size()) - 1;
}

Layer& add_layer(Network& n, const std::string& name, OpKind op, std::vector<int> inputs, int output) {
  Layer l;
  l.name = name;
  l.op = op;
  l.inputs = std::move(inputs);
  l.output = output;
  n.layers.push_back(std::move(l));
  return n.layers.back();
}

// x u8 4x4x4 -> conv1 (3x3, pad 1, 2-bit codes, per-channel LUT, per-layer shift) -> c s8 4x4x4.
Network conv_base() {
  Network n;
  n.name = "conv_base";
  const int x = add_value(n, "x", DType::U8, 4, 4, 4, -3);
  const int c = add_value(n, "c", DType::S8, 4, 4, 4, -2);
  ConvParams& p = add_layer(n, "conv1", OpKind::Conv2D, {x}, c).conv;
  p.win = Window{.kh = 3, .kw = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1};
  p.weight_bits = 2;
  p.lut_mode = LutMode::PerChannel;
  p.weights = filled(DType::U8, {4, 3, 3, 4}, 3);
  p.lut = filled(DType::S8, {4, 4}, -1);
  p.bias = filled(DType::S32, {4}, 7);
  p.shift = filled(DType::S8, {1}, 5);
  p.clamp = Clamp{-128, 127};
  n.input = x;
  n.output = c;
  return n;
}

// x s8 1x1x8 -> fc (dense, 8-bit weights, raw s32 output) -> y s32 1x1x3.
Network dense_base() {
  Network n;
  n.name = "dense_base";
  const int x = add_value(n, "x", DType::S8, 1, 1, 8);
  const int y = add_value(n, "y", DType::S32, 1, 1, 3);
  ConvParams& p = add_layer(n, "fc", OpKind::Dense, {x}, y).conv;
  p.weight_bits = 8;
  p.weights = filled(DType::S8, {3, 1, 1, 8}, -2);
  p.bias = filled(DType::S32, {3}, 1);
  n.input = x;
  n.output = y;
  return n;
}

// x s8 4x4x2 -> pool (2x2 window, stride 2) -> y s8 2x2x2 (1x1x2 for the global pool).
Network pool_base(OpKind op) {
  Network n;
  n.name = "pool_base";
  const int x = add_value(n, "x", DType::S8, 4, 4, 2, -1);
  const int y = op == OpKind::GlobalAvgPool ? add_value(n, "y", DType::S8, 1, 1, 2, -1)
                                            : add_value(n, "y", DType::S8, 2, 2, 2, -1);
  PoolParams& p = add_layer(n, "pool1", op, {x}, y).pool;
  p.win = Window{.kh = 2, .kw = 2, .sh = 2, .sw = 2};
  p.shift = 2;
  p.clamp = Clamp{-128, 127};
  n.input = x;
  n.output = y;
  return n;
}

// x s8 2x2x3 -> m (maxpool 1x1) ; add1(m, x) -> y s8 2x2x3.
Network add_base() {
  Network n;
  n.name = "add_base";
  const int x = add_value(n, "x", DType::S8, 2, 2, 3);
  const int m = add_value(n, "m", DType::S8, 2, 2, 3);
  const int y = add_value(n, "y", DType::S8, 2, 2, 3);
  add_layer(n, "id", OpKind::MaxPool, {x}, m).pool.win = Window{};
  add_layer(n, "add1", OpKind::Add, {m, x}, y).add = AddParams{.la = 1, .lb = 0, .shift = 1, .clamp = {-128, 127}};
  n.input = x;
  n.output = y;
  return n;
}

// x s8 2x2x3 (exponent -2) -> m (maxpool 1x1) ; cat(x, m) -> y s8 2x2x6.
Network concat_base() {
  Network n;
  n.name = "concat_base";
  const int x = add_value(n, "x", DType::S8, 2, 2, 3, -2);
  const int m = add_value(n, "m", DType::S8, 2, 2, 3, -2);
  const int y = add_value(n, "y", DType::S8, 2, 2, 6, -2);
  add_layer(n, "id", OpKind::MaxPool, {x}, m).pool.win = Window{};
  add_layer(n, "cat", OpKind::Concat, {x, m}, y);
  n.input = x;
  n.output = y;
  return n;
}

// x u8 2x2x3 -> flatten (reshape) -> y u8 1x1x12.
Network reshape_base() {
  Network n;
  n.name = "reshape_base";
  const int x = add_value(n, "x", DType::U8, 2, 2, 3, -4);
  const int y = add_value(n, "y", DType::U8, 1, 1, 12, -4);
  add_layer(n, "flatten", OpKind::Reshape, {x}, y);
  n.input = x;
  n.output = y;
  return n;
}

// x u8 1x1x2 -> acc (conv, s32) ; z = acc read by a layer that must not read s32.
Network s32_base() {
  Network n;
  n.name = "s32_base";
  const int x = add_value(n, "x", DType::U8, 1, 1, 2);
  const int acc = add_value(n, "acc", DType::S32, 1, 1, 2);
  ConvParams& p = add_layer(n, "raw", OpKind::Conv2D, {x}, acc).conv;
  p.weight_bits = 8;
  p.weights = filled(DType::S8, {2, 1, 1, 2}, 1);
  p.bias = filled(DType::S32, {2}, 0);
  n.input = x;
  n.output = acc;
  return n;
}

std::string validate_error(const Network& n) {
  try {
    validate(n);
  } catch (const Error& e) {
    return e.what();
  }
  return "(validate() accepted the network)";
}

struct Case {
  std::string name;
  std::function<Network()> make;
  std::vector<std::string> parts;  // substrings the message must contain
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// Layer error messages read "layer 'NAME' (op): FIELD: what is wrong".
std::string at(const std::string& layer, const std::string& op, const std::string& field) {
  return "layer '" + layer + "' (" + op + "): " + field + ": ";
}

std::vector<Case> cases() {
  std::vector<Case> v;
  auto add = [&](std::string name, std::function<void(Network&)> mutate, std::function<Network()> base,
                 std::vector<std::string> parts) {
    v.push_back(Case{std::move(name),
                     [base, mutate] {
                       Network n = base();
                       mutate(n);
                       return n;
                     },
                     std::move(parts)});
  };
  const auto conv = conv_base;
  const auto C = [](const std::string& f) { return at("conv1", "conv2d", f); };

  // --- The network and its values.
  add("NoValues", [](Network& n) { n = Network{}; }, conv, {"network has no values"});
  add("EmptyValueName", [](Network& n) { n.values[1].name = ""; }, conv, {"a value has an empty name"});
  add("ValueDefinedTwice", [](Network& n) { n.values[1].name = "x"; }, conv, {"value 'x' is defined twice"});
  add("ValueF32", [](Network& n) { n.values[1].dtype = DType::F32; }, conv,
      {"value 'c'", "dtype f32 is not an activation dtype"});
  add("ValueZeroHeight", [](Network& n) { n.values[1].h = 0; }, conv,
      {"value 'c'", "shape 0x4x4", "outside [1, 65536]"});
  add("ValueTooManyChannels", [](Network& n) { n.values[0].c = 65537; }, conv,
      {"value 'x'", "shape 4x4x65537", "outside [1, 65536]"});
  add("ValueExponentTooLarge", [](Network& n) { n.values[1].exponent = 128; }, conv,
      {"value 'c'", "exponent 128 is outside [-128, 127]"});
  add("ValueExponentTooSmall", [](Network& n) { n.values[0].exponent = -129; }, conv,
      {"value 'x'", "exponent -129 is outside [-128, 127]"});
  add("InputIdOutOfRange", [](Network& n) { n.input = 7; }, conv, {"network input id 7 is not a value"});
  add("OutputIdNegative", [](Network& n) { n.output = -1; }, conv, {"network output id -1 is not a value"});
  add("InputIsS32", [](Network& n) { n.values[0].dtype = DType::S32; }, conv, {"network input 'x' must be u8 or s8"});
  add("LayerEmptyName", [](Network& n) { n.layers[0].name = ""; }, conv, {"a layer has an empty name"});
  add("LayerDefinedTwice", [](Network& n) { n.layers[1].name = "id"; }, add_base, {"layer 'id' is defined twice"});
  add("InputIdNotAValue", [](Network& n) { n.layers[0].inputs[0] = 9; }, conv,
      {C("inputs"), "input 0 is not a value id"});
  add("InputComputedLater", [](Network& n) { std::swap(n.layers[0], n.layers[1]); }, add_base,
      {at("add1", "add", "inputs"), "value 'm' is not computed before this layer"});
  add("InputIsItsOwnOutput", [](Network& n) { n.layers[0].inputs[0] = n.layers[0].output; }, conv,
      {C("inputs"), "value 'c' is not computed before this layer"});
  add("S32ReadByAPool",
      [](Network& n) {
        const int z = add_value(n, "z", DType::S32, 1, 1, 2);
        add_layer(n, "pool", OpKind::MaxPool, {n.output}, z).pool.win = Window{};
        n.output = z;
      },
      s32_base, {at("pool", "maxpool", "inputs"), "value 'acc' is a raw s32 accumulator"});
  add("S32ReadByAConv",
      [](Network& n) {
        const int z = add_value(n, "z", DType::S8, 1, 1, 2);
        Layer& l = add_layer(n, "conv2", OpKind::Conv2D, {n.output}, z);
        l.conv = n.layers[0].conv;
        l.conv.shift = filled(DType::S8, {1}, 0);
        l.conv.clamp = Clamp{-128, 127};
        n.output = z;
      },
      s32_base, {at("conv2", "conv2d", "inputs"), "value 'acc' is a raw s32 accumulator"});
  add("OutputIdNotAValue", [](Network& n) { n.layers[0].output = 5; }, conv, {C("output"), "is not a value id"});
  add("OutputIsTheNetworkInput", [](Network& n) { n.layers[0].output = n.input; }, conv,
      {C("output"), "value 'x' is already computed elsewhere"});
  add("OutputComputedTwice", [](Network& n) { n.layers[1].output = n.layers[0].output; }, add_base,
      {at("add1", "add", "output"), "value 'm' is already computed elsewhere"});
  add("ValueNeverComputed", [](Network& n) { add_value(n, "orphan", DType::U8, 1, 1, 1); }, conv,
      {"value 'orphan' is neither the network input nor computed by a layer"});
  add("ValueComputedButUnused", [](Network& n) { n.output = 1; }, add_base, {"value 'y' is computed but never used"});

  // --- Conv2D.
  add("ConvTwoInputs", [](Network& n) { n.layers[0].inputs.push_back(n.input); }, conv,
      {C("inputs"), "has 2 inputs, expected 1"});
  add("ConvWeightsRank2", [](Network& n) { n.layers[0].conv.weights = filled(DType::U8, {4, 36}); }, conv,
      {C("weights"), "has shape [4, 36], expected [O, KH, KW, I]"});
  add("ConvWeightsEmptyDim", [](Network& n) { n.layers[0].conv.weights = filled(DType::U8, {0, 3, 3, 4}); }, conv,
      {C("weights"), "has an empty dimension [0, 3, 3, 4]"});
  add("ConvGroupsZero", [](Network& n) { n.layers[0].conv.groups = 0; }, conv, {C("groups"), "must be >= 1, got 0"});
  add("ConvGroupsDoNotDivideInput", [](Network& n) { n.layers[0].conv.groups = 3; }, conv,
      {C("groups"), "3 does not divide the 4 input channels"});
  add("ConvGroupsDoNotDivideOutput",
      [](Network& n) {
        n.values[1].c = 6;
        ConvParams& p = n.layers[0].conv;
        p.groups = 4;
        p.weights = filled(DType::U8, {6, 3, 3, 1}, 0);
        p.lut = filled(DType::S8, {6, 4});
        p.bias = filled(DType::S32, {6});
      },
      conv, {C("groups"), "4 does not divide the 6 output channels"});
  add("ConvWrongI", [](Network& n) { n.layers[0].conv.weights = filled(DType::U8, {4, 3, 3, 3}); }, conv,
      {C("weights"), "has I = 3, expected input channels / groups = 4"});
  add("ConvKernelDiffersFromWeights", [](Network& n) { n.layers[0].conv.win.kw = 1; }, conv,
      {C("kernel"), "3x1 differs from the weights' 3x3"});
  add("ConvKernelTooLarge",
      [](Network& n) {
        n.values[0].h = 70;
        ConvParams& p = n.layers[0].conv;
        p.win.kh = 65;
        p.weights = filled(DType::U8, {4, 65, 3, 4});
      },
      conv, {C("kernel"), "65x3 is outside [1, 64]"});
  add("ConvStrideZero", [](Network& n) { n.layers[0].conv.win.sw = 0; }, conv, {C("stride"), "must be in [1, 64]"});
  add("ConvStrideTooLarge", [](Network& n) { n.layers[0].conv.win.sh = 65; }, conv, {C("stride"), "must be in [1, 64]"});
  add("ConvDilationZero", [](Network& n) { n.layers[0].conv.win.dh = 0; }, conv, {C("dilation"), "must be in [1, 64]"});
  add("ConvNegativePad", [](Network& n) { n.layers[0].conv.win.pad_right = -1; }, conv,
      {C("pads"), "each pad must be in [0, 64], got -1"});
  add("ConvPadTooLarge", [](Network& n) { n.layers[0].conv.win.pad_bottom = 65; }, conv,
      {C("pads"), "each pad must be in [0, 64], got 65"});
  add("ConvWindowDoesNotFit",
      [](Network& n) {
        n.layers[0].conv.win.pad_top = n.layers[0].conv.win.pad_bottom = 0;
        n.values[0].h = 2;
      },
      conv, {C("kernel"), "the window does not fit the 2x4 input with this padding"});
  add("ConvOutputShape", [](Network& n) { n.values[1].w = 3; }, conv,
      {C("output shape"), "value 'c' is 4x3x4, the layer computes 4x4x4"});
  add("ConvOutputShapeWithStride", [](Network& n) { n.layers[0].conv.win.sh = 2; }, conv,
      {C("output shape"), "value 'c' is 4x4x4, the layer computes 2x4x4"});
  add("ConvWeightBits5", [](Network& n) { n.layers[0].conv.weight_bits = 5; }, conv,
      {C("weight_bits"), "5 is not one of 1, 2, 3, 4, 8"});
  add("ConvWeightBits0", [](Network& n) { n.layers[0].conv.weight_bits = 0; }, conv,
      {C("weight_bits"), "0 is not one of 1, 2, 3, 4, 8"});
  add("Conv8BitWeightsNotS8", [](Network& n) { n.layers[0].conv.weight_bits = 8; }, conv,
      {C("weights"), "8-bit weights must be s8, got u8"});
  add("Conv8BitWeightsWithLut",
      [](Network& n) {
        n.layers[0].conv.weight_bits = 8;
        n.layers[0].conv.weights = filled(DType::S8, {4, 3, 3, 4});
      },
      conv, {C("lut"), "8-bit weights take no LUT"});
  add("ConvCodesNotU8",
      [](Network& n) { n.layers[0].conv.weights = filled(DType::S8, {4, 3, 3, 4}); }, conv,
      {C("weights"), "LUT codes must be u8, got s8"});
  add("ConvLutPerLayerShapeInPerChannelMode", [](Network& n) { n.layers[0].conv.lut = filled(DType::S8, {1, 4}); },
      conv, {C("lut"), "is s8 [1, 4], expected s8 [4, 4]"});
  add("ConvLutPerChannelShapeInPerLayerMode", [](Network& n) { n.layers[0].conv.lut_mode = LutMode::PerLayer; }, conv,
      {C("lut"), "is s8 [4, 4], expected s8 [1, 4]"});
  add("ConvLutWrongSize", [](Network& n) { n.layers[0].conv.lut = filled(DType::S8, {4, 8}); }, conv,
      {C("lut"), "is s8 [4, 8], expected s8 [4, 4]"});
  add("ConvLutNotS8", [](Network& n) { n.layers[0].conv.lut = filled(DType::U8, {4, 4}); }, conv,
      {C("lut"), "is u8 [4, 4], expected s8 [4, 4]"});
  add("ConvLutMissing", [](Network& n) { n.layers[0].conv.lut = Tensor(); }, conv, {C("lut"), "expected s8 [4, 4]"});
  add("ConvCodeTooLarge", [](Network& n) { n.layers[0].conv.weights.set(5, 4); }, conv,
      {C("weights"), "code 4 at flat index 5 does not fit 2 bits (must be < 4)"});
  add("ConvOneBitCodeTooLarge",
      [](Network& n) {
        ConvParams& p = n.layers[0].conv;
        p.weight_bits = 1;
        p.weights = filled(DType::U8, {4, 3, 3, 4}, 1);
        p.weights.set(143, 2);
        p.lut = filled(DType::S8, {4, 2});
      },
      conv, {C("weights"), "code 2 at flat index 143 does not fit 1 bits (must be < 2)"});
  add("ConvBiasWrongLength", [](Network& n) { n.layers[0].conv.bias = filled(DType::S32, {3}); }, conv,
      {C("bias"), "is s32 [3], expected s32 [4]"});
  add("ConvBiasNotS32", [](Network& n) { n.layers[0].conv.bias = filled(DType::S8, {4}); }, conv,
      {C("bias"), "is s8 [4], expected s32 [4]"});
  add("ConvShiftNotS8", [](Network& n) { n.layers[0].conv.shift = filled(DType::S32, {1}); }, conv,
      {C("shift"), "is s32 [1], expected s8 [1] or [4]"});
  add("ConvShiftWrongLength", [](Network& n) { n.layers[0].conv.shift = filled(DType::S8, {2}); }, conv,
      {C("shift"), "is s8 [2], expected s8 [1] or [4]"});
  add("ConvShiftMissing", [](Network& n) { n.layers[0].conv.shift = Tensor(); }, conv,
      {C("shift"), "expected s8 [1] or [4]"});
  add("ConvShiftTooLarge", [](Network& n) { n.layers[0].conv.shift.set(0, 32); }, conv,
      {C("shift[0]"), "value 32 is outside [-15, 31]"});
  add("ConvPerChannelShiftTooSmall",
      [](Network& n) {
        n.layers[0].conv.shift = filled(DType::S8, {4}, 3);
        n.layers[0].conv.shift.set(2, -16);
      },
      conv, {C("shift[2]"), "value -16 is outside [-15, 31]"});
  add("ConvActMinOutsideS8", [](Network& n) { n.layers[0].conv.clamp.act_min = -129; }, conv,
      {C("act_min"), "-129 is outside the output dtype s8 [-128, 127]"});
  add("ConvActMaxOutsideS8", [](Network& n) { n.layers[0].conv.clamp.act_max = 128; }, conv,
      {C("act_max"), "128 is outside the output dtype s8 [-128, 127]"});
  add("ConvActMinOutsideU8",
      [](Network& n) {
        n.values[1].dtype = DType::U8;
        n.layers[0].conv.clamp = Clamp{-1, 255};
      },
      conv, {C("act_min"), "-1 is outside the output dtype u8 [0, 255]"});
  add("ConvActMaxOutsideU8",
      [](Network& n) {
        n.values[1].dtype = DType::U8;
        n.layers[0].conv.clamp = Clamp{0, 256};
      },
      conv, {C("act_max"), "256 is outside the output dtype u8 [0, 255]"});
  add("ConvActMinAboveActMax", [](Network& n) { n.layers[0].conv.clamp = Clamp{50, 10}; }, conv,
      {C("act_min"), "50 is greater than act_max 10"});

  // --- Dense.
  const auto D = [](const std::string& f) { return at("fc", "dense", f); };
  add("DenseSpatialInput",
      [](Network& n) {
        n.values[0].h = 2;
        n.values[0].w = 3;
      },
      dense_base, {D("input"), "dense needs a 1x1 map, value 'x' is 2x3 (add a reshape)"});
  add("DenseKernelNot1x1",
      [](Network& n) {
        n.layers[0].conv.weights = filled(DType::S8, {3, 1, 2, 8});
        n.layers[0].conv.win.kw = 2;
      },
      dense_base, {D("weights"), "dense weights must be [O, 1, 1, I], got [3, 1, 2, 8]"});
  add("DenseGroups", [](Network& n) { n.layers[0].conv.groups = 2; }, dense_base,
      {D("groups"), "dense has groups = 1, got 2"});
  add("DenseWrongI", [](Network& n) { n.layers[0].conv.weights = filled(DType::S8, {3, 1, 1, 7}); }, dense_base,
      {D("weights"), "has I = 7, expected input channels / groups = 8"});
  add("DenseOutputChannels", [](Network& n) { n.values[1].c = 4; }, dense_base,
      {D("output shape"), "value 'y' is 1x1x4, the layer computes 1x1x3"});
  add("DensePadding",
      [](Network& n) {
        n.layers[0].conv.win.pad_top = n.layers[0].conv.win.pad_bottom = 1;
        n.values[1].h = 3;  // the shape a padded 1x1 conv would compute
      },
      dense_base, {D("pads"), "dense takes no padding"});

  // --- Pools.
  const auto P = [](const std::string& op, const std::string& f) { return at("pool1", op, f); };
  add("PoolTwoInputs", [](Network& n) { n.layers[0].inputs.push_back(n.input); },
      [] { return pool_base(OpKind::MaxPool); }, {P("maxpool", "inputs"), "has 2 inputs, expected 1"});
  add("MaxPoolChangesDtype", [](Network& n) { n.values[1].dtype = DType::U8; },
      [] { return pool_base(OpKind::MaxPool); }, {P("maxpool", "output"), "maxpool keeps the input dtype s8"});
  add("MaxPoolChangesExponent", [](Network& n) { n.values[1].exponent = 0; },
      [] { return pool_base(OpKind::MaxPool); }, {P("maxpool", "output"), "maxpool keeps the input exponent -1"});
  add("MaxPoolWindowInPadding",
      [](Network& n) {
        n.layers[0].pool.win = Window{.kh = 1, .kw = 1, .sh = 2, .sw = 2, .pad_top = 1, .pad_left = 1};
        n.values[1].h = n.values[1].w = 3;  // (4 + 1 - 1) / 2 + 1
      },
      [] { return pool_base(OpKind::MaxPool); }, {P("maxpool", "pads"), "some window lies entirely in the padding"});
  add("MaxPoolDilationTooLarge", [](Network& n) { n.layers[0].pool.win.dw = 65; },
      [] { return pool_base(OpKind::MaxPool); }, {P("maxpool", "dilation"), "must be in [1, 64]"});
  add("MaxPoolOutputShape", [](Network& n) { n.values[1].h = 3; }, [] { return pool_base(OpKind::MaxPool); },
      {P("maxpool", "output shape"), "value 'y' is 3x2x2, the layer computes 2x2x2"});
  add("AvgPoolOutputS32", [](Network& n) { n.values[1].dtype = DType::S32; },
      [] { return pool_base(OpKind::AvgPool); }, {P("avgpool", "output"), "value 'y' has dtype s32, expected u8 or s8"});
  add("AvgPoolShiftTooLarge", [](Network& n) { n.layers[0].pool.shift = 32; },
      [] { return pool_base(OpKind::AvgPool); }, {P("avgpool", "shift"), "value 32 is outside [-15, 31]"});
  add("AvgPoolShiftTooSmall", [](Network& n) { n.layers[0].pool.shift = -16; },
      [] { return pool_base(OpKind::AvgPool); }, {P("avgpool", "shift"), "value -16 is outside [-15, 31]"});
  add("AvgPoolActMaxOutsideS8", [](Network& n) { n.layers[0].pool.clamp.act_max = 200; },
      [] { return pool_base(OpKind::AvgPool); },
      {P("avgpool", "act_max"), "200 is outside the output dtype s8 [-128, 127]"});
  add("AvgPoolActMinAboveActMax", [](Network& n) { n.layers[0].pool.clamp = Clamp{5, 4}; },
      [] { return pool_base(OpKind::AvgPool); }, {P("avgpool", "act_min"), "5 is greater than act_max 4"});
  add("AvgPoolKernelZero", [](Network& n) { n.layers[0].pool.win.kh = 0; }, [] { return pool_base(OpKind::AvgPool); },
      {P("avgpool", "kernel"), "0x2 is outside [1, 64]"});
  add("AvgPoolWindowDoesNotFit", [](Network& n) { n.layers[0].pool.win.kw = 5; },
      [] { return pool_base(OpKind::AvgPool); },
      {P("avgpool", "kernel"), "the window does not fit the 4x4 input with this padding"});
  add("GlobalAvgPoolOutputShape",
      [](Network& n) {
        n.values[1].h = 2;
        n.values[1].w = 2;
      },
      [] { return pool_base(OpKind::GlobalAvgPool); },
      {P("global_avgpool", "output shape"), "value 'y' is 2x2x2, the layer computes 1x1x2"});
  add("GlobalAvgPoolActMinOutsideU8",
      [](Network& n) {
        n.values[1].dtype = DType::U8;
        n.layers[0].pool.clamp = Clamp{-5, 255};
      },
      [] { return pool_base(OpKind::GlobalAvgPool); },
      {P("global_avgpool", "act_min"), "-5 is outside the output dtype u8 [0, 255]"});
  // floor((2^31 - 1) / 255) = 8,421,504 positions is the largest map whose sum of 255s stays below 2^31;
  // 2903 x 2901 = 8,421,603 and 2902 x 2902 = 8,421,604 are past it.
  add("GlobalAvgPoolSumCouldExceed32Bits",
      [](Network& n) {
        n.values[0].h = 2903;
        n.values[0].w = 2901;
      },
      [] { return pool_base(OpKind::GlobalAvgPool); },
      {P("global_avgpool", "input"), "a global pool over 8421603 positions could exceed 32 bits (at most 8421504)"});
  add("GlobalAvgPoolSquareMapPastTheLimit",
      [](Network& n) {
        n.values[0].h = 2902;  // 8,421,604 positions
        n.values[0].w = 2902;
      },
      [] { return pool_base(OpKind::GlobalAvgPool); },
      {P("global_avgpool", "input"), "could exceed 32 bits"});

  // --- Add.
  const auto A = [](const std::string& f) { return at("add1", "add", f); };
  add("AddOneInput", [](Network& n) { n.layers[1].inputs.pop_back(); }, add_base,
      {A("inputs"), "has 1 inputs, expected 2"});
  add("AddThreeInputs", [](Network& n) { n.layers[1].inputs.push_back(0); }, add_base,
      {A("inputs"), "has 3 inputs, expected 2"});
  add("AddOutputS32", [](Network& n) { n.values[2].dtype = DType::S32; }, add_base,
      {A("output"), "value 'y' has dtype s32, expected u8 or s8"});
  add("AddInputShapesDiffer",
      [](Network& n) {
        n.layers[0].pool.win.kh = n.layers[0].pool.win.kw = 2;  // m becomes 1x1x3
        n.values[1].h = n.values[1].w = 1;
      },
      add_base, {A("inputs"), "values 'm' and 'x' differ in shape"});
  add("AddLaTooLarge", [](Network& n) { n.layers[1].add.la = 16; }, add_base, {A("la"), "16 is outside [0, 15]"});
  add("AddLbNegative", [](Network& n) { n.layers[1].add.lb = -1; }, add_base, {A("lb"), "-1 is outside [0, 15]"});
  add("AddShiftTooLarge", [](Network& n) { n.layers[1].add.shift = 40; }, add_base,
      {A("shift"), "value 40 is outside [-15, 31]"});
  add("AddActMinOutsideS8", [](Network& n) { n.layers[1].add.clamp.act_min = -200; }, add_base,
      {A("act_min"), "-200 is outside the output dtype s8 [-128, 127]"});
  add("AddActMinAboveActMax", [](Network& n) { n.layers[1].add.clamp = Clamp{1, 0}; }, add_base,
      {A("act_min"), "1 is greater than act_max 0"});
  add("AddOutputShape", [](Network& n) { n.values[2].h = 1; }, add_base,
      {A("output shape"), "value 'y' is 1x2x3, the layer computes 2x2x3"});

  // --- Concat.
  const auto K = [](const std::string& f) { return at("cat", "concat", f); };
  add("ConcatNoInputs", [](Network& n) { n.layers[1].inputs.clear(); }, concat_base,
      {K("inputs"), "has 0 inputs, expected [1, 64]"});
  add("ConcatDtypeDiffers",
      [](Network& n) {
        n.values[1].dtype = DType::U8;
        n.values[0].dtype = DType::U8;  // keeps the maxpool valid; x and m are u8, y s8
      },
      concat_base, {K("input 0"), "dtype u8 differs from the output's"});
  add("ConcatExponentDiffers",
      [](Network& n) {
        n.values[0].exponent = -3;  // x and m (the maxpool keeps the exponent); y stays at -2
        n.values[1].exponent = -3;
      },
      concat_base, {K("input 0"), "exponent -3 differs from the output's -2"});
  add("ConcatSpatialSizeDiffers",
      [](Network& n) {
        n.values[2].w = 1;
        n.values[2].c = 12;
      },
      concat_base, {K("input 0"), "spatial size differs from the output's"});
  add("ConcatChannelSum", [](Network& n) { n.values[2].c = 5; }, concat_base,
      {K("output shape"), "value 'y' is 2x2x5, the layer computes 2x2x6"});

  // --- Reshape.
  const auto R = [](const std::string& f) { return at("flatten", "reshape", f); };
  add("ReshapeTwoInputs", [](Network& n) { n.layers[0].inputs.push_back(0); }, reshape_base,
      {R("inputs"), "has 2 inputs, expected 1"});
  add("ReshapeChangesDtype", [](Network& n) { n.values[1].dtype = DType::S8; }, reshape_base,
      {R("output"), "reshape keeps dtype and exponent"});
  add("ReshapeChangesExponent", [](Network& n) { n.values[1].exponent = 0; }, reshape_base,
      {R("output"), "reshape keeps dtype and exponent"});
  add("ReshapeElementCount", [](Network& n) { n.values[1].c = 13; }, reshape_base,
      {R("output shape"), "element count differs from the input's"});
  return v;
}

class ValidateRule : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateRule, MessageNamesLayerAndField) {
  const Case& c = GetParam();
  const std::string msg = validate_error(c.make());
  for (const std::string& part : c.parts)
    EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << "\nexpected to contain: " << part;
}

INSTANTIATE_TEST_SUITE_P(Validate, ValidateRule, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

TEST(Validate, BaseNetworksAreValid) {
  // Every case above starts from one of these and breaks one rule.
  EXPECT_NO_THROW(validate(conv_base()));
  EXPECT_NO_THROW(validate(dense_base()));
  for (OpKind op : {OpKind::MaxPool, OpKind::AvgPool, OpKind::GlobalAvgPool}) EXPECT_NO_THROW(validate(pool_base(op)));
  Network big = pool_base(OpKind::GlobalAvgPool);
  big.values[0].h = 2902;  // 2902 x 2901 = 8,418,702 positions: inside the 32-bit limit
  big.values[0].w = 2901;
  EXPECT_NO_THROW(validate(big));
  EXPECT_NO_THROW(validate(add_base()));
  EXPECT_NO_THROW(validate(concat_base()));
  EXPECT_NO_THROW(validate(reshape_base()));
  EXPECT_NO_THROW(validate(s32_base()));
}

TEST(Validate, RawOutputIgnoresShiftAndClamp) {
  // A conv with an s32 output neither shifts nor clamps, so those fields are not checked.
  Network n = s32_base();
  n.layers[0].conv.shift = filled(DType::S32, {7});
  n.layers[0].conv.clamp = Clamp{500, -500};
  EXPECT_NO_THROW(validate(n));
}

TEST(Validate, S32MayFeedReshapeAndConcat) {
  Network n = s32_base();
  const int r = add_value(n, "r", DType::S32, 2, 1, 1);
  const int y = add_value(n, "y", DType::S32, 2, 1, 2);
  add_layer(n, "reshape", OpKind::Reshape, {n.output}, r);
  add_layer(n, "cat", OpKind::Concat, {r, r}, y);
  n.output = y;
  EXPECT_NO_THROW(validate(n));
}

TEST(Validate, AvgPoolWindowInPaddingIsAllowed) {
  // Unlike maxpool, an average pool over pad positions only is defined: the sum is 0.
  Network n = pool_base(OpKind::AvgPool);
  n.layers[0].pool.win = Window{.kh = 1, .kw = 1, .sh = 2, .sw = 2, .pad_top = 1, .pad_left = 1};
  n.values[1].h = n.values[1].w = 3;
  EXPECT_NO_THROW(validate(n));
}

TEST(Validate, ConvWindowInPaddingIsAllowed) {
  // A conv output whose window lies in the padding is just the bias.
  Network n = conv_base();
  n.layers[0].conv.win.pad_top = n.layers[0].conv.win.pad_bottom = 3;
  n.values[1].h = 8;  // 4 + 6 - 3 + 1
  EXPECT_NO_THROW(validate(n));
}

// --- The executors' own checks.

std::string run_error(const Network& n, const Tensor& x, const ArithConfig& cfg = {}) {
  try {
    Executor ex(n, cfg, ExecOptions{.backend = Backend::Reference});
    ex.run(x);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Executor, RejectsAccumulatorWidthOutsideTheContract) {
  const Tensor x = filled(DType::U8, {1, 4, 4, 4});
  EXPECT_NE(run_error(conv_base(), x, ArithConfig{15, Rounding::HalfUp}).find("acc_bits 15 is outside [16, 32]"),
            std::string::npos);
  EXPECT_NE(run_error(conv_base(), x, ArithConfig{33, Rounding::HalfUp}).find("acc_bits 33 is outside [16, 32]"),
            std::string::npos);
  EXPECT_EQ(run_error(conv_base(), x, ArithConfig{16, Rounding::HalfUp}), "(no error)");
}

TEST(Executor, ValidatesTheNetwork) {
  Network n = conv_base();
  n.layers[0].conv.shift.set(0, 32);
  const std::string msg = run_error(n, filled(DType::U8, {1, 4, 4, 4}));
  EXPECT_NE(msg.find("layer 'conv1' (conv2d): shift[0]: value 32"), std::string::npos) << msg;
}

struct BadInput {
  const char* name;
  DType dt;
  Shape shape;
  const char* got;
};

TEST(Executor, RejectsWrongInputShapeOrDtype) {
  const BadInput bad[] = {
      {"wrong dtype", DType::S8, {1, 4, 4, 4}, "input is s8 [1, 4, 4, 4]"},
      {"s32 input", DType::S32, {1, 4, 4, 4}, "input is s32 [1, 4, 4, 4]"},
      {"f32 input", DType::F32, {1, 4, 4, 4}, "input is f32 [1, 4, 4, 4]"},
      {"wrong channels", DType::U8, {1, 4, 4, 3}, "input is u8 [1, 4, 4, 3]"},
      {"wrong height", DType::U8, {2, 5, 4, 4}, "input is u8 [2, 5, 4, 4]"},
      {"wrong width", DType::U8, {1, 4, 2, 4}, "input is u8 [1, 4, 2, 4]"},
      {"no batch dimension", DType::U8, {4, 4, 4}, "input is u8 [4, 4, 4]"},
      {"rank 5", DType::U8, {1, 1, 4, 4, 4}, "input is u8 [1, 1, 4, 4, 4]"},
      {"empty batch", DType::U8, {0, 4, 4, 4}, "input is u8 [0, 4, 4, 4]"},
  };
  const Network n = conv_base();
  for (const BadInput& b : bad) {
    const Tensor x(b.dt, b.shape);
    for (const std::string& msg : {run_error(n, x), [&] {
                                     try {
                                       FloatExecutor(n).run(x);
                                     } catch (const Error& e) {
                                       return std::string(e.what());
                                     }
                                     return std::string("(no error)");
                                   }()}) {
      EXPECT_NE(msg.find(b.got), std::string::npos) << b.name << ": " << msg;
      EXPECT_NE(msg.find("network 'conv_base' expects u8 [N, 4, 4, 4]"), std::string::npos) << b.name << ": " << msg;
    }
  }
  EXPECT_EQ(run_error(n, filled(DType::U8, {3, 4, 4, 4})), "(no error)");
}

}  // namespace
}  // namespace lutsim
