// Bit-exact equality of the ISA interpreter (running compiled programs) with the golden model, over a sweep of
// hardware configs and networks that use every operation and option of the arithmetic contract.
#include <functional>

#include "fw_test_util.h"
#include "net_builder.h"

namespace lutsim::fwtest {
namespace {

struct NetCase {
  const char* name;
  std::function<Network(Tensor*)> make;  // builds the network and its input
};

// 3x3 convolution with padding, per-layer LUT, u8 in and out.
Network conv_basic(Tensor* in) {
  NetBuilder b("conv_basic", 9, 11, 5, DType::U8, 1);
  ConvOpt o;
  o.out_c = 6;
  o.pt = o.pl = o.pb = o.pr = 1;
  const int y = b.conv(b.input(), o);
  *in = b.random_input(2);
  return b.done(y);
}

// Stride 2, dilation 2, asymmetric padding, s8 input, per-channel 2-bit LUTs and shifts, s8 output.
Network conv_strided(Tensor* in) {
  NetBuilder b("conv_strided", 13, 12, 7, DType::S8, 2);
  ConvOpt o;
  o.out_c = 19;
  o.sh = 2;
  o.sw = 1;
  o.dh = 2;
  o.dw = 2;
  o.pt = 2;
  o.pl = 0;
  o.pb = 1;
  o.pr = 3;
  o.bits = 2;
  o.lut = LutMode::PerChannel;
  o.shift_per_channel = true;
  o.out = DType::S8;
  const int y = b.conv(b.input(), o);
  ConvOpt o2;
  o2.out_c = 9;
  o2.kh = 2;
  o2.kw = 3;
  o2.sh = 3;
  o2.sw = 2;
  o2.bits = 1;
  o2.pt = 1;
  o2.pr = 2;
  const int z = b.conv(y, o2);
  *in = b.random_input(1);
  return b.done(z);
}

// Depthwise 3x3 stride 2 (3-bit, per-channel LUT) and a pointwise 1x1 (per-layer LUT), MobileNet style.
Network depthwise(Tensor* in) {
  NetBuilder b("depthwise", 10, 9, 21, DType::U8, 3);
  ConvOpt d;
  d.out_c = 21;
  d.groups = 21;
  d.sh = d.sw = 2;
  d.pt = d.pl = d.pb = d.pr = 1;
  d.bits = 3;
  d.lut = LutMode::PerChannel;
  const int y = b.conv(b.input(), d);
  ConvOpt p;
  p.out_c = 17;
  p.kh = p.kw = 1;
  p.out = DType::S8;
  p.shift_per_channel = true;
  const int z = b.conv(y, p);
  ConvOpt m;  // depthwise with a channel multiplier of 2 on s8 input
  m.out_c = 34;
  m.groups = 17;
  m.bits = 4;
  m.pt = m.pb = 1;
  m.pl = m.pr = 2;
  m.dw = 2;
  const int w = b.conv(z, m);
  *in = b.random_input(1);
  return b.done(w);
}

// Grouped convolution (G = 3, 2 input and 4 output channels per group) with 8-bit raw weights, then G = 2 with a
// per-channel LUT.
Network grouped(Tensor* in) {
  NetBuilder b("grouped", 7, 8, 6, DType::U8, 4);
  ConvOpt g;
  g.out_c = 12;
  g.groups = 3;
  g.bits = 8;
  g.pt = g.pl = g.pb = g.pr = 1;
  const int y = b.conv(b.input(), g);
  ConvOpt h;
  h.out_c = 10;
  h.groups = 2;
  h.kh = h.kw = 1;
  h.lut = LutMode::PerChannel;
  h.bits = 4;
  h.out = DType::S32;
  const int z = b.conv(y, h);
  *in = b.random_input(1);
  return b.done(z);
}

// The first layers of a ResNet: 7x7 stride 2 over 3 channels, max pooling 3x3 stride 2 with padding.
Network stem(Tensor* in) {
  NetBuilder b("stem", 23, 21, 3, DType::U8, 5);
  ConvOpt o;
  o.out_c = 16;
  o.kh = o.kw = 7;
  o.sh = o.sw = 2;
  o.pt = o.pl = o.pb = o.pr = 3;
  const int y = b.conv(b.input(), o);
  const int z = b.pool(y, OpKind::MaxPool, 3, 2, 1);
  *in = b.random_input(1);
  return b.done(z);
}

// Pools and the classifier: s8 max pool, average pool with a shift, global average pool, reshape, dense to s32.
Network pools_dense(Tensor* in) {
  NetBuilder b("pools_dense", 12, 10, 9, DType::S8, 6);
  const int a = b.pool(b.input(), OpKind::MaxPool, 2, 2, 0);
  const int c = b.pool(b.input(), OpKind::AvgPool, 3, 1, 1, 3);
  const int d = b.pool(c, OpKind::GlobalAvgPool, 0, 0, 0, 5);
  const int e = b.pool(a, OpKind::AvgPool, 2, 1, 0, 2, 2);  // dilated average pool
  const int f = b.pool(e, OpKind::GlobalAvgPool, 0, 0, 0, 4);
  const int g = b.concat({d, f});
  const int r = b.reshape(g, 1, 1, 18);
  ConvOpt o;
  o.dense = true;
  o.kh = o.kw = 1;
  o.out_c = 11;
  o.bits = 8;
  o.out = DType::S32;
  const int y = b.conv(r, o);
  *in = b.random_input(2);
  return b.done(y);
}

// A residual block and a concat of branches of different dtypes' producers.
Network residual(Tensor* in) {
  NetBuilder b("residual", 8, 8, 12, DType::U8, 7);
  ConvOpt o;
  o.out_c = 12;
  o.pt = o.pl = o.pb = o.pr = 1;
  const int y1 = b.conv(b.input(), o);
  o.out = DType::S8;
  const int y2 = b.conv(y1, o);
  const int s = b.add(y2, b.input(), 1, 2, 2, DType::U8);
  ConvOpt p;
  p.out_c = 5;
  p.kh = p.kw = 1;
  const int br = b.conv(s, p);
  const int cat = b.concat({s, br, y1});
  ConvOpt q;
  q.out_c = 7;
  q.kh = q.kw = 3;
  q.sh = q.sw = 2;
  q.pb = q.pr = 1;
  q.shift_per_channel = true;
  const int z = b.conv(cat, q);
  *in = b.random_input(1);
  return b.done(z);
}

// Wide layers that force tiling of input and output channels, and a dense head with many inputs.
Network wide(Tensor* in) {
  NetBuilder b("wide", 6, 7, 70, DType::U8, 8);
  ConvOpt o;
  o.out_c = 40;
  o.pt = o.pl = o.pb = o.pr = 1;
  o.lut = LutMode::PerChannel;
  const int y = b.conv(b.input(), o);
  const int r = b.reshape(y, 1, 1, 6 * 7 * 40);
  ConvOpt d;
  d.dense = true;
  d.kh = d.kw = 1;
  d.out_c = 13;
  d.bits = 1;
  d.out = DType::S8;
  const int z = b.conv(r, d);
  *in = b.random_input(1);
  return b.done(z);
}

// Raw s32 outputs concatenated (4-byte copies) and flattened: the only ops that may read an s32 value.
Network raw_concat(Tensor* in) {
  NetBuilder b("raw_concat", 5, 6, 10, DType::S8, 9);
  ConvOpt o;
  o.out_c = 7;
  o.out = DType::S32;
  o.pt = o.pb = 1;
  const int a = b.conv(b.input(), o);
  o.out_c = 3;
  o.bits = 8;
  const int c = b.conv(b.input(), o);
  const int cat = b.concat({a, c, a});
  const int r = b.reshape(cat, 1, 5, 17 * 4);
  *in = b.random_input(2);
  return b.done(r);
}

const NetCase kNets[] = {
    {"conv_basic", conv_basic}, {"conv_strided", conv_strided}, {"depthwise", depthwise}, {"grouped", grouped},
    {"stem", stem},             {"pools_dense", pools_dense},   {"residual", residual},   {"wide", wide},
    {"raw_concat", raw_concat},
};

class Sweep : public ::testing::TestWithParam<int> {};

TEST_P(Sweep, EveryConfigBitExact) {
  const NetCase& nc = kNets[GetParam()];
  Tensor in;
  const Network net = nc.make(&in);
  int ran = 0;
  for (const HwConfig& hw : sweep_configs()) {
    ran += expect_isa_equals_golden(net, hw, in) ? 1 : 0;
    expect_isa_equals_golden(net, hw, in, Schedule::ProgramOrder, true, /*portable=*/true);
  }
  EXPECT_GE(ran, 5) << "most configs must hold these small networks";
}

INSTANTIATE_TEST_SUITE_P(Nets, Sweep, ::testing::Range(0, static_cast<int>(std::size(kNets))),
                         [](const ::testing::TestParamInfo<int>& i) { return std::string(kNets[i.param].name); });

// Every rounding mode and accumulator width on the same network and array.
TEST(Arithmetic, EveryRoundingAndAccWidth) {
  Tensor in;
  const Network net = residual(&in);
  for (Rounding r : {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor})
    for (int a : {16, 20, 24, 32}) EXPECT_TRUE(expect_isa_equals_golden(net, make_hw("r", 8, 8, a, r, 64, 16, 16, 4), in));
}

// The decoupled schedules run loads ahead of compute (exposing a missing write-after-read token) and compute ahead
// of loads (a missing read-after-write token); single buffering synchronises at distance 1.
TEST(Schedules, DecoupledAndSingleBuffered) {
  for (const NetCase& nc : kNets) {
    Tensor in;
    const Network net = nc.make(&in);
    for (const HwConfig& hw : {load_hw_config("small"), make_hw("tiny", 8, 4, 24, Rounding::HalfEven, 6, 3, 1, 1)}) {
      for (Schedule s : {Schedule::LoadFirst, Schedule::ComputeFirst}) {
        expect_isa_equals_golden(net, hw, in, s, true);
        expect_isa_equals_golden(net, hw, in, s, false);
      }
    }
  }
}

}  // namespace
}  // namespace lutsim::fwtest
