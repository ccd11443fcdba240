// The network compiler: Network + HwConfig -> Program (docs/architecture.md section 10).
//
// Each layer is lowered to steps (LOADs, compute instructions, STOREs), tiled to fit the SRAMs, double-buffered
// when two tiles fit, and synchronised with dependency tokens by one set of rules (compiler/emit.h). Every op of
// the arithmetic contract compiles: convolution (groups, depthwise, stride, dilation, asymmetric padding), dense,
// max / average / global average pooling, add, concat, reshape, raw s32 outputs, per-layer and per-channel LUTs
// and shifts, 8-bit raw weights.
#pragma once

#include "lutsim/firmware/program.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/network.h"

namespace lutsim {

struct CompileOptions {
  bool double_buffer = true;  // false: one slot per buffer (every DMA waits for the compute before it)
};

// Validates the network and compiles it for one image (batch 1; interpret() runs a batch image by image).
// Throws lutsim::Error naming the layer: an SRAM too small for the layer's smallest tile (naming the SRAM, its size
// and the bytes needed), a global pool whose window sum could exceed 32 bits, a DRAM image over 4 GiB.
Program compile(const Network& net, const HwConfig& hw, const CompileOptions& opt = {});

}  // namespace lutsim
