// The architectures: layer shapes as published, parameters from the Builder.
#include <algorithm>
#include <cmath>
#include <string>

#include "archs.h"
#include "builder.h"

namespace lutsim::zoo {
namespace {

// Channels scaled by the width multiplier, rounded to a multiple of 8 and never more than 10% below the exact
// value (torchvision's _make_divisible, so that reduced variants match the usual ones).
int divisible(double v, int divisor = 8) {
  int n = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

}  // namespace

// LeCun et al. 1998, with full C3 connectivity and the subsampling layers as 2x2 average pools:
// conv1 5x5x6, pool, conv2 5x5x16, pool, fc 120, fc 84, fc classes. A 28x28 input pads conv1 by 2 (as on
// MNIST) so that the rest of the network sees the 32x32 shapes.
Network build_lenet5(const ZooOptions& o, int size) {
  Builder b(o, "lenet5");
  auto ch = [&](int c) { return std::max(1, static_cast<int>(std::lround(c * o.width))); };
  int x = b.input(size, size, 1);
  x = b.conv("conv1", x, ch(6), 5, 1, size == 28 ? 2 : 0, 1, Act::ReLU);
  x = b.avgpool("pool1", x, 2, 2, 0);
  x = b.conv("conv2", x, ch(16), 5, 1, 0, 1, Act::ReLU);
  x = b.avgpool("pool2", x, 2, 2, 0);
  const ValueInfo& v = b.value(x);
  x = b.reshape("flatten", x, 1, 1, v.h * v.w * v.c);
  x = b.dense("fc1", x, ch(120), Act::ReLU);
  x = b.dense("fc2", x, ch(84), Act::ReLU);
  x = b.dense("fc3", x, o.classes, o.logits == DType::S8 ? Act::Linear : Act::Raw);
  return b.finish(x);
}

// He et al. 2016, ResNet-18 as in torchvision: conv1 7x7/2 (64), maxpool 3x3/2 pad 1, four stages of two basic
// blocks (3x3 convs; the first block of stages 2-4 has stride 2 and a 1x1/2 downsample conv on the skip),
// global average pool, flatten, fc. The second conv of a block and the downsample conv are linear (s8); the
// block's add applies the ReLU.
Network build_resnet18(const ZooOptions& o, int size) {
  Builder b(o, "resnet18");
  int x = b.input(size, size, 3);
  x = b.conv("conv1", x, divisible(64 * o.width), 7, 2, 3, 1, Act::ReLU);
  x = b.maxpool("maxpool", x, 3, 2, 1);
  const int widths[4] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    const int c = divisible(widths[stage] * o.width);
    for (int blk = 0; blk < 2; ++blk) {
      const std::string n = "layer" + std::to_string(stage + 1) + "." + std::to_string(blk) + ".";
      const int stride = stage > 0 && blk == 0 ? 2 : 1;
      int y = b.conv(n + "conv1", x, c, 3, stride, 1, 1, Act::ReLU);
      y = b.conv(n + "conv2", y, c, 3, 1, 1, 1, Act::Linear);
      int skip = x;
      if (stride != 1 || b.value(x).c != c) skip = b.conv(n + "downsample", x, c, 1, stride, 0, 1, Act::Linear);
      x = b.add(n + "add", y, skip, Act::ReLU);
    }
  }
  x = b.global_avgpool("avgpool", x);
  x = b.reshape("flatten", x, 1, 1, b.value(x).c);
  x = b.dense("fc", x, o.classes, o.logits == DType::S8 ? Act::Linear : Act::Raw);
  return b.finish(x);
}

// He et al. 2016, ResNet-50 as in torchvision (v1.5: the stride sits on the 3x3 conv): conv1 7x7/2 (64), maxpool
// 3x3/2 pad 1, four stages of [3, 4, 6, 3] bottleneck blocks (1x1 to w, 3x3 w with the stage's stride, 1x1 to 4w;
// the first block of each stage has a 1x1 downsample conv on the skip), global average pool, flatten, fc.
Network build_resnet50(const ZooOptions& o, int size) {
  Builder b(o, "resnet50");
  int x = b.input(size, size, 3);
  x = b.conv("conv1", x, divisible(64 * o.width), 7, 2, 3, 1, Act::ReLU);
  x = b.maxpool("maxpool", x, 3, 2, 1);
  const int widths[4] = {64, 128, 256, 512};
  const int blocks[4] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage) {
    const int w = divisible(widths[stage] * o.width);
    for (int blk = 0; blk < blocks[stage]; ++blk) {
      const std::string n = "layer" + std::to_string(stage + 1) + "." + std::to_string(blk) + ".";
      const int stride = stage > 0 && blk == 0 ? 2 : 1;
      int y = b.conv(n + "conv1", x, w, 1, 1, 0, 1, Act::ReLU);
      y = b.conv(n + "conv2", y, w, 3, stride, 1, 1, Act::ReLU);
      y = b.conv(n + "conv3", y, 4 * w, 1, 1, 0, 1, Act::Linear);
      int skip = x;
      if (blk == 0) skip = b.conv(n + "downsample", x, 4 * w, 1, stride, 0, 1, Act::Linear);
      x = b.add(n + "add", y, skip, Act::ReLU);
    }
  }
  x = b.global_avgpool("avgpool", x);
  x = b.reshape("flatten", x, 1, 1, b.value(x).c);
  x = b.dense("fc", x, o.classes, o.logits == DType::S8 ? Act::Linear : Act::Raw);
  return b.finish(x);
}

// Sandler et al. 2018, MobileNetV2 as in torchvision: conv 3x3/2 (32), 17 inverted residual blocks
// (1x1 expansion by t, 3x3 depthwise with stride s, 1x1 linear projection; a residual add where s = 1 and the
// channels match), conv 1x1 to 1280, global average pool, flatten, fc. ReLU6 after the stem, expansion,
// depthwise and last convs; projections and residual adds are linear (s8).
Network build_mobilenetv2(const ZooOptions& o, int size) {
  Builder b(o, "mobilenetv2");
  struct Stage { int t, c, n, s; };
  static constexpr Stage kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                      {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int x = b.input(size, size, 3);
  x = b.conv("conv0", x, divisible(32 * o.width), 3, 2, 1, 1, Act::ReLU6);
  int block = 0;
  for (const Stage& st : kStages) {
    const int out_c = divisible(st.c * o.width);
    for (int i = 0; i < st.n; ++i) {
      const std::string n = "block" + std::to_string(++block) + ".";
      const int stride = i == 0 ? st.s : 1;
      const int in_c = b.value(x).c;
      const int hidden = static_cast<int>(std::lround(in_c * st.t));
      int y = x;
      if (st.t != 1) y = b.conv(n + "expand", y, hidden, 1, 1, 0, 1, Act::ReLU6);
      y = b.conv(n + "dw", y, hidden, 3, stride, 1, hidden, Act::ReLU6);
      y = b.conv(n + "project", y, out_c, 1, 1, 0, 1, Act::Linear);
      if (stride == 1 && in_c == out_c) y = b.add(n + "add", y, x, Act::Linear);
      x = y;
    }
  }
  x = b.conv("conv_last", x, divisible(1280 * std::max(1.0, o.width)), 1, 1, 0, 1, Act::ReLU6);
  x = b.global_avgpool("avgpool", x);
  x = b.reshape("flatten", x, 1, 1, b.value(x).c);
  x = b.dense("fc", x, o.classes, o.logits == DType::S8 ? Act::Linear : Act::Raw);
  return b.finish(x);
}

}  // namespace lutsim::zoo
