// Benchmark of the fast convolution kernels on the convolution layers of ResNet-18 (batch 1, 224x224 input),
// with 4-bit per-channel LUT weights, u8 activations in and out (ReLU clamp), per-channel shifts.
//
//   bench_kernels [--isa auto|portable|avx512_vnni] [--threads 1,2] [--reps N] [--min-time S] [--verify]
//   bench_kernels --print-shapes
//
// Output: CSV on stdout, one row per (layer, threads):
//   layer,count,h,w,cin,cout,k,stride,pad,macs,threads,median_s,gmacs,path,best_s
// `count` is how often the shape occurs in ResNet-18; `macs` is per occurrence. Each layer is timed for at least
// --reps runs and --min-time seconds after two warm-up runs; median_s is the median run time, best_s the fastest run. --verify first
// checks the fast kernel against the reference kernel on each layer (slow: seconds per layer).
// bench/run_kernels.sh runs this and PyTorch's onednn int8 Conv2d on the same shapes and prints the ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lutsim/model/fast_kernels.h"
#include "lutsim/model/kernels.h"
#include "lutsim/model/network.h"

namespace {

using namespace lutsim;

// The convolution layers of ResNet-18 (He et al. 2016) at 224x224, batch 1. Each 3x3 conv has padding 1; conv1
// padding 3; the 1x1 downsample convs padding 0. Input size h x w, stride applies to both dimensions.
struct ConvShape {
  const char* name;
  int count;  // occurrences in the network
  int h, w, cin, cout, k, stride, pad;
};
constexpr ConvShape kShapes[] = {
    {"conv1_7x7s2", 1, 224, 224, 3, 64, 7, 2, 3},
    {"layer1_3x3", 4, 56, 56, 64, 64, 3, 1, 1},
    {"layer2_3x3s2", 1, 56, 56, 64, 128, 3, 2, 1},
    {"layer2_3x3", 3, 28, 28, 128, 128, 3, 1, 1},
    {"layer2_down1x1s2", 1, 56, 56, 64, 128, 1, 2, 0},
    {"layer3_3x3s2", 1, 28, 28, 128, 256, 3, 2, 1},
    {"layer3_3x3", 3, 14, 14, 256, 256, 3, 1, 1},
    {"layer3_down1x1s2", 1, 28, 28, 128, 256, 1, 2, 0},
    {"layer4_3x3s2", 1, 14, 14, 256, 512, 3, 2, 1},
    {"layer4_3x3", 3, 7, 7, 512, 512, 3, 1, 1},
    {"layer4_down1x1s2", 1, 14, 14, 256, 512, 1, 2, 0},
};

// A one-layer network: u8 input, conv with 4-bit per-channel LUT codes, u8 output with ReLU.
Network make_layer(const ConvShape& s, std::mt19937_64& rng) {
  Network net;
  net.name = s.name;
  const int oh = window_out(s.h, s.k, s.stride, 1, s.pad, s.pad);
  const int ow = window_out(s.w, s.k, s.stride, 1, s.pad, s.pad);
  net.values = {ValueInfo{"x", DType::U8, s.h, s.w, s.cin, -8}, ValueInfo{"y", DType::U8, oh, ow, s.cout, -4}};
  Layer l;
  l.name = s.name;
  l.op = OpKind::Conv2D;
  l.inputs = {0};
  l.output = 1;
  ConvParams& p = l.conv;
  p.win = Window{.kh = s.k, .kw = s.k, .sh = s.stride, .sw = s.stride,
                 .pad_top = s.pad, .pad_left = s.pad, .pad_bottom = s.pad, .pad_right = s.pad};
  p.weight_bits = 4;
  p.lut_mode = LutMode::PerChannel;
  p.weights = Tensor(DType::U8, {s.cout, s.k, s.k, s.cin});
  std::uniform_int_distribution<int> code(0, 15), lutv(-60, 60), bias(-20000, 20000);
  for (auto& c : p.weights.span<std::uint8_t>()) c = static_cast<std::uint8_t>(code(rng));
  p.lut = Tensor(DType::S8, {s.cout, 16});
  for (auto& v : p.lut.span<std::int8_t>()) v = static_cast<std::int8_t>(lutv(rng));
  p.bias = Tensor(DType::S32, {s.cout});
  for (auto& v : p.bias.span<std::int32_t>()) v = bias(rng);
  p.shift = Tensor(DType::S8, {s.cout});
  for (auto& v : p.shift.span<std::int8_t>()) v = 10;
  p.clamp = Clamp{0, 255};
  net.layers.push_back(std::move(l));
  net.input = 0;
  net.output = 1;
  validate(net);
  return net;
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) v.push_back(std::stoi(item));
  return v;
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "bench_kernels: %s\nusage: bench_kernels [--isa auto|portable|avx512_vnni] [--threads 1,2] "
               "[--reps N] [--min-time S] [--verify] | --print-shapes\n",
               msg);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  FastIsa isa = FastIsa::Auto;
  std::vector<int> threads = {1, 2};
  int reps = 15;
  double min_time = 0.3;
  bool verify = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--print-shapes") {
      std::printf("layer,count,h,w,cin,cout,k,stride,pad\n");
      for (const ConvShape& s : kShapes)
        std::printf("%s,%d,%d,%d,%d,%d,%d,%d,%d\n", s.name, s.count, s.h, s.w, s.cin, s.cout, s.k, s.stride, s.pad);
      return 0;
    } else if (a == "--isa") {
      const std::string v = next();
      if (v == "auto") isa = FastIsa::Auto;
      else if (v == "portable") isa = FastIsa::Portable;
      else if (v == "avx512_vnni") isa = FastIsa::Avx512Vnni;
      else usage(("unknown --isa " + v).c_str());
    } else if (a == "--threads") {
      threads = parse_list(next());
    } else if (a == "--reps") {
      reps = std::stoi(next());
    } else if (a == "--min-time") {
      min_time = std::stod(next());
    } else if (a == "--verify") {
      verify = true;
    } else {
      usage(("unknown argument " + a).c_str());
    }
  }
  if (!fast_isa_available(isa)) usage("this CPU cannot run the requested --isa");

  std::mt19937_64 rng(1);
  const ArithConfig cfg;  // A = 32, half_up
  std::printf("layer,count,h,w,cin,cout,k,stride,pad,macs,threads,median_s,gmacs,path,best_s\n");
  for (const ConvShape& s : kShapes) {
    const Network net = make_layer(s, rng);
    const Layer& l = net.layers[0];
    const ValueInfo& y = net.value(1);
    Tensor x(DType::U8, {1, s.h, s.w, s.cin});
    std::uniform_int_distribution<int> xv(0, 255);
    for (auto& v : x.span<std::uint8_t>()) v = static_cast<std::uint8_t>(xv(rng));
    const Tensor* ins[] = {&x};
    Tensor out(DType::U8, {1, y.h, y.w, y.c});
    const std::int64_t macs = layer_macs(net, l);
    if (verify) {
      Tensor ref(DType::U8, {1, y.h, y.w, y.c});
      LayerStats rs, fs;
      make_reference_kernel(net, l, cfg)->run(ins, ref, rs);
      make_fast_kernel(net, l, cfg, threads.back(), isa)->run(ins, out, fs);
      if (!ref.same_values(out) || !(rs == fs)) {
        std::fprintf(stderr, "bench_kernels: %s: fast kernel differs from the reference kernel\n", s.name);
        return 1;
      }
    }
    for (int t : threads) {
      const auto k = make_fast_kernel(net, l, cfg, t, isa);
      LayerStats st;
      for (int w = 0; w < 2; ++w) k->run(ins, out, st);
      std::vector<double> times;
      double total = 0;
      while (static_cast<int>(times.size()) < reps || total < min_time) {
        const auto t0 = std::chrono::steady_clock::now();
        k->run(ins, out, st);
        const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        times.push_back(dt);
        total += dt;
      }
      std::sort(times.begin(), times.end());
      const std::size_t n = times.size();
      const double median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
      std::printf("%s,%d,%d,%d,%d,%d,%d,%d,%d,%lld,%d,%.9f,%.2f,%s,%.9f\n", s.name, s.count, s.h, s.w, s.cin, s.cout,
                  s.k, s.stride, s.pad, static_cast<long long>(macs), t, median,
                  static_cast<double>(macs) / median * 1e-9,
                  std::string(dynamic_cast<const FastKernel&>(*k).path()).c_str(), times.front());
      std::fflush(stdout);
    }
  }
  return 0;
}
