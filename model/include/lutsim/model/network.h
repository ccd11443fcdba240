// The quantized network: a DAG of integer layers over NHWC activation values.
//
// Layers are stored in topological order (every input of a layer is the network input or the output of an
// earlier layer). validate() checks every field against the arithmetic contract (docs/arithmetic.md) and throws
// lutsim::Error naming the layer and the field; the file loader (format.h) runs it on every file it reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lutsim/model/tensor.h"

namespace lutsim {

enum class OpKind : std::uint8_t {
  Conv2D,         // grouped / depthwise / dilated convolution with LUT or raw 8-bit weights
  Dense,          // a 1x1 convolution on a 1x1 map: input [N,1,1,I], output [N,1,1,O]
  MaxPool,        // maximum over the window, pad positions ignored; output dtype = input dtype
  AvgPool,        // clamp(rshift_round(window sum, s)); pad positions contribute 0
  GlobalAvgPool,  // AvgPool over the whole map, output [N,1,1,C]
  Add,            // clamp(rshift_round((a << la) + (b << lb), s))
  Concat,         // along channels; inputs share dtype and exponent
  Reshape,        // same elements in NHWC order, another per-image shape (Flatten is Reshape to 1x1xK)
};
std::string_view op_name(OpKind k);  // "conv2d", "dense", "maxpool", ...
bool parse_op(std::string_view s, OpKind* out);

enum class LutMode : std::uint8_t { PerLayer, PerChannel };
std::string_view lut_mode_name(LutMode m);  // "per_layer", "per_channel"
bool parse_lut_mode(std::string_view s, LutMode* out);

// An activation value (an edge of the graph). The batch dimension is not stored: at run time the tensor is
// [N, h, w, c].
struct ValueInfo {
  std::string name;
  DType dtype = DType::U8;  // u8 or s8 for activations; s32 for a raw accumulator output
  int h = 1, w = 1, c = 1;
  int exponent = 0;         // real value = q * 2^exponent
};

// A sliding window: kernel size, stride, dilation and zero padding.
struct Window {
  int kh = 1, kw = 1;
  int sh = 1, sw = 1;
  int dh = 1, dw = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};
// Output size of one spatial dimension; <= 0 when the window does not fit.
constexpr int window_out(int in, int k, int stride, int dil, int pad_lo, int pad_hi) {
  const int span = dil * (k - 1) + 1;
  const int padded = in + pad_lo + pad_hi;
  return padded < span ? 0 : (padded - span) / stride + 1;
}

// Output clamp, inside the output dtype. ReLU is act_min = 0.
struct Clamp {
  std::int32_t act_min = 0;
  std::int32_t act_max = 255;
};

struct ConvParams {
  int groups = 1;      // G; depthwise when G = Cin = Cout
  Window win;
  int weight_bits = 4;  // b in {1,2,3,4}: LUT codes; 8: raw s8 weights, no LUT
  LutMode lut_mode = LutMode::PerLayer;
  // [O, KH, KW, I] with I = Cin / G: u8 codes in [0, 2^b) when b <= 4, s8 weights when b == 8.
  Tensor weights;
  // s8 [L, 2^b] with L = 1 (per_layer) or O (per_channel); empty when b == 8.
  Tensor lut;
  Tensor bias;   // s32 [O]
  Tensor shift;  // s8 [1] (per layer) or [O] (per channel), each in [-15, 31]; unused for an s32 output
  Clamp clamp;   // unused for an s32 output

  int out_channels() const { return weights.rank() ? static_cast<int>(weights.dim(0)) : 0; }
  bool per_channel_shift() const { return shift.numel() > 1; }
  // The s8 weight of output channel o at flat index i of that channel's [KH, KW, I] block, decoded through
  // the LUT when b <= 4.
  std::int8_t weight(int o, std::int64_t i) const;
};

struct PoolParams {
  Window win;     // unused by GlobalAvgPool
  int shift = 0;  // AvgPool, GlobalAvgPool
  Clamp clamp;    // AvgPool, GlobalAvgPool
};

struct AddParams {
  int la = 0, lb = 0;  // left shifts of the two inputs, each in [0, 15]
  int shift = 0;
  Clamp clamp;
};

struct Layer {
  std::string name;
  OpKind op = OpKind::Conv2D;
  std::vector<int> inputs;  // value ids
  int output = -1;          // value id
  ConvParams conv;          // Conv2D, Dense
  PoolParams pool;          // MaxPool, AvgPool, GlobalAvgPool
  AddParams add;            // Add
};

struct Network {
  std::string name;
  std::vector<ValueInfo> values;
  std::vector<Layer> layers;  // topological order
  int input = 0;              // value id of the network input
  int output = 0;             // value id of the network output

  const ValueInfo& value(int id) const { return values.at(static_cast<std::size_t>(id)); }
  // Index of the layer producing value id, or -1 for the network input.
  int producer(int value_id) const;
  int find_value(std::string_view name) const;  // -1 when absent
};

// Checks the whole network against the contract: connectivity (topological order, no cycles, no dangling or
// unused inputs), shapes, dtypes, weight codes < 2^b, LUT sizes, shift ranges, act_min <= act_max inside the
// output dtype. Throws lutsim::Error "layer 'NAME': FIELD: what is wrong (expected ...)".
void validate(const Network& net);

// Multiply-accumulates of one layer for one image (nominal, padded positions included). 0 for non-conv layers.
std::int64_t layer_macs(const Network& net, const Layer& l);
// Bytes of the layer's parameters as stored on the accelerator: codes packed at b bits, LUT, bias, shifts.
std::int64_t layer_weight_bytes(const Layer& l);

}  // namespace lutsim
