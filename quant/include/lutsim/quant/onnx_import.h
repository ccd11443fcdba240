// ONNX import: an ONNX model file (NCHW, float32) to a FloatGraph (NHWC), through Debian's libonnx protobuf
// classes.
//
// Operators: Conv (group, pads, strides, dilations), Gemm, MatMul followed by Add of a constant, Relu, Clip,
// BatchNormalization (folded into the preceding Conv or Gemm), MaxPool, AveragePool, GlobalAveragePool, Add,
// Concat (channels), Flatten and Reshape to [N, K], Identity, Dropout, and a constant-zero Pad on H and W merged
// into the following Conv or AveragePool. Constant nodes and initializers are constants.
//
// Every refusal is a lutsim::Error "PATH: node 'NAME' (OP): reason", naming what is unsupported and what would be.
#pragma once

#include <string>

#include "lutsim/quant/float_graph.h"

namespace lutsim::quant {

FloatGraph import_onnx(const std::string& path);
// The same from the bytes of a model file; `what` names the source in messages.
FloatGraph import_onnx_bytes(const std::string& bytes, const std::string& what);

}  // namespace lutsim::quant
