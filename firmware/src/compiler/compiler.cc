// The compiler driver: DRAM allocation, per-layer lowering, token emission, the layer map.
#include "lutsim/firmware/compiler.h"

#include <algorithm>

#include "emit.h"
#include "lower.h"
#include "lutsim/model/error.h"

namespace lutsim {
namespace fw {

std::uint64_t ParamImage::alloc(std::uint64_t n) {
  const std::uint64_t at = (bytes_.size() + 63) / 64 * 64;
  bytes_.resize(at + n, 0);
  return at;
}

void sram_too_small(const Layer& l, const std::string& sram, std::int64_t have, std::int64_t need,
                    const std::string& tile) {
  throw Error("layer '" + l.name + "' (" + std::string(op_name(l.op)) + "): the " + sram + " SRAM (" +
              std::to_string(have) + " bytes) is too small: the smallest tile (" + tile + ") needs at least " +
              std::to_string(need) + " bytes");
}

isa::Instruction load(isa::Buffer buf, std::int64_t sram, std::uint64_t dram, std::int64_t x, std::int64_t y,
                      std::int64_t z, std::int64_t y_stride, std::int64_t z_stride) {
  isa::Load l;
  l.buf = static_cast<std::int64_t>(buf);
  l.sram_addr = sram;
  l.dram_addr = static_cast<std::int64_t>(dram);
  l.x_size = x;
  l.y_size = y;
  l.z_size = z;
  l.y_stride = y_stride;
  l.z_stride = z_stride;
  return insn(l);
}

isa::Instruction load_padded(std::int64_t sram, std::uint64_t dram, std::int64_t x, std::int64_t y, std::int64_t z,
                             std::int64_t y_stride, std::int64_t z_stride, int pad_top, int pad_bottom, int pad_left,
                             int pad_right, int pad_value) {
  isa::Instruction in = load(isa::Buffer::Act, sram, dram, x, y, z, y_stride, z_stride);
  auto& l = std::get<isa::Load>(in.body);
  l.pad_top = pad_top;
  l.pad_bottom = pad_bottom;
  l.pad_left = pad_left;
  l.pad_right = pad_right;
  l.pad_value = pad_value;
  return in;
}

void load_linear(std::vector<isa::Instruction>& out, isa::Buffer buf, std::int64_t sram, std::uint64_t dram,
                 std::int64_t n) {
  constexpr std::int64_t kPiece = std::int64_t{1} << 19;
  for (std::int64_t off = 0; off < n; off += kPiece) {
    const std::int64_t len = std::min(kPiece, n - off);
    out.push_back(load(buf, sram + off, dram + static_cast<std::uint64_t>(off), len, 1, 1, 0, 0));
  }
}

isa::Instruction store(std::int64_t sram, std::uint64_t dram, std::int64_t x, std::int64_t y, std::int64_t z,
                       std::int64_t y_stride, std::int64_t z_stride) {
  isa::Store s;
  s.sram_addr = sram;
  s.dram_addr = static_cast<std::int64_t>(dram);
  s.x_size = x;
  s.y_size = y;
  s.z_size = z;
  s.y_stride = y_stride;
  s.z_stride = z_stride;
  return insn(s);
}

Span1D input_span(std::int64_t out_first, std::int64_t out_count, int stride, int k, int dil, int pad_lo,
                  std::int64_t extent) {
  Span1D s;
  s.first = out_first * stride - pad_lo;
  s.size = (out_count - 1) * stride + std::int64_t{k - 1} * dil + 1;
  const std::int64_t lo = std::max<std::int64_t>(0, s.first);
  const std::int64_t hi = std::min<std::int64_t>(extent, s.first + s.size);
  if (hi > lo) {
    s.real_first = lo;
    s.real = hi - lo;
    s.pad_lo = static_cast<int>(lo - s.first);
    s.pad_hi = static_cast<int>(s.size - s.real - s.pad_lo);
  } else {  // the tile lies entirely in the padding
    s.real_first = 0;
    s.real = 0;
    s.pad_lo = s.first < 0 ? static_cast<int>(s.size) : 0;
    s.pad_hi = s.first < 0 ? 0 : static_cast<int>(s.size);
  }
  return s;
}

}  // namespace fw

Program compile(const Network& net, const HwConfig& hw, const CompileOptions& opt) {
  validate(net);
  Program p;
  p.hw = hw;
  p.network = net.name;
  p.input = net.input;
  p.output = net.output;

  // Activation regions, relative to the activation area; a reshape shares its input's region.
  std::vector<ValueRegion> values(net.values.size());
  std::uint64_t act_top = 0;
  std::vector<int> alias(net.values.size(), -1);
  for (const Layer& l : net.layers)
    if (l.op == OpKind::Reshape) alias[static_cast<std::size_t>(l.output)] = l.inputs[0];
  for (std::size_t id = 0; id < net.values.size(); ++id) {
    const ValueInfo& v = net.values[id];
    ValueRegion& r = values[id];
    r.name = v.name;
    r.dtype = v.dtype;
    r.h = v.h;
    r.w = v.w;
    r.c = v.c;
    r.exponent = v.exponent;
    if (alias[id] < 0) {
      r.addr = act_top;
      act_top += (r.bytes() + 63) / 64 * 64;
    }
  }
  // Reshapes come after their input in topological order, so one pass resolves chains of them.
  for (const Layer& l : net.layers)
    if (l.op == OpKind::Reshape)
      values[static_cast<std::size_t>(l.output)].addr = values[static_cast<std::size_t>(l.inputs[0])].addr;

  fw::ParamImage params;
  fw::LowerCtx cx(net, hw, opt, values, params);
  // Every op but reshape emits instructions; the last one that does ends without layer-boundary tokens.
  int last_with_code = -1;
  for (std::size_t i = 0; i < net.layers.size(); ++i)
    if (net.layers[i].op != OpKind::Reshape) last_with_code = static_cast<int>(i);

  // Each layer is lowered and emitted in turn, so that only one layer's steps are held at a time.
  fw::Emitter em;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    fw::Lowered lw;
    switch (l.op) {
      case OpKind::Conv2D:
      case OpKind::Dense: lw = fw::lower_conv(cx, l); break;
      case OpKind::MaxPool:
      case OpKind::AvgPool: lw = fw::lower_pool(cx, l); break;
      case OpKind::GlobalAvgPool: lw = fw::lower_global_pool(cx, l); break;
      case OpKind::Add: lw = fw::lower_add(cx, l); break;
      case OpKind::Concat: lw = fw::lower_concat(cx, l); break;
      case OpKind::Reshape: break;
    }
    LayerRange lr;
    lr.name = l.name;
    lr.op = l.op;
    lr.output = l.output;
    lr.first = static_cast<std::uint32_t>(em.code().size());
    const bool last = static_cast<int>(i) == last_with_code;
    if (lw.copy) em.copy_layer(std::move(lw.steps), lw.depth, last);
    else em.compute_layer(std::move(lw.steps), lw.depth, last);
    lr.end = static_cast<std::uint32_t>(em.code().size());
    p.layers.push_back(lr);
  }

  // The activation area follows the parameters; its addresses were relative until now.
  const std::uint64_t act_base = (params.bytes().size() + 63) / 64 * 64;
  p.dram_bytes = act_base + act_top;
  if (p.dram_bytes > (std::uint64_t{1} << 32))
    throw Error("network '" + net.name + "': the DRAM image needs " + std::to_string(p.dram_bytes) +
                " bytes, more than the 4 GiB the ISA addresses");
  for (auto& r : values) r.addr += act_base;
  for (isa::Instruction& in : em.code()) {
    if (auto* ld = std::get_if<isa::Load>(&in.body); ld && ld->buf == static_cast<std::int64_t>(isa::Buffer::Act))
      ld->dram_addr += static_cast<std::int64_t>(act_base);  // weights and parameters are absolute already
    else if (auto* st = std::get_if<isa::Store>(&in.body))
      st->dram_addr += static_cast<std::int64_t>(act_base);
  }
  p.code = std::move(em.code());
  p.dram_init = std::move(params.bytes());
  p.dram_init.resize(std::min<std::uint64_t>(p.dram_init.size(), p.dram_bytes));
  p.values = std::move(values);
  validate_program(p, "compiled program for network '" + net.name + "'");
  return p;
}

}  // namespace lutsim
