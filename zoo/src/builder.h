// The network builder behind the zoo: appends layers with random parameters and chooses each layer's bias,
// shift and exponent from the activation statistics it propagates (see zoo.h for the rules).
#pragma once

#include <string>
#include <vector>

#include "lutsim/model/network.h"
#include "lutsim/zoo/zoo.h"

namespace lutsim::zoo {

// What follows a conv, dense or add layer.
enum class Act {
  ReLU,    // u8, [0, 255]
  ReLU6,   // u8, [0, 192] at exponent -5 (192 * 2^-5 = 6.0)
  Linear,  // s8, [-128, 127]
  Raw,     // s32 raw accumulator (conv and dense only)
};

// The predicted distribution of one activation value, per channel. When the value is the clamp of a Gaussian
// (a conv, add or pool output), mu/sigma/lo/hi describe that Gaussian and the clamp; MaxPool uses them.
struct ValueStats {
  std::vector<double> mean, var;
  std::vector<double> mu, sigma;  // empty when the value is not a clamped Gaussian
  double lo = 0, hi = 0;
};

class Builder {
 public:
  Builder(const ZooOptions& opt, std::string name);

  // The network input: u8 [h, w, c] with exponent -8, uniform over [0, 255].
  int input(int h, int w, int c);
  int conv(const std::string& name, int in, int out_c, int k, int stride, int pad, int groups, Act act);
  int dense(const std::string& name, int in, int out_c, Act act);
  int maxpool(const std::string& name, int in, int k, int stride, int pad);
  int avgpool(const std::string& name, int in, int k, int stride, int pad);
  int global_avgpool(const std::string& name, int in);
  int add(const std::string& name, int a, int b, Act act);
  int reshape(const std::string& name, int in, int h, int w, int c);

  const ValueInfo& value(int id) const { return net_.value(id); }
  // Validates and returns the network with `output` as its output.
  Network finish(int output);

 private:
  int new_value(const std::string& name, DType dt, int h, int w, int c, int exponent);
  int conv_layer(OpKind op, const std::string& name, int in, int out_c, const Window& win, int groups, Act act);
  int pool_layer(OpKind op, const std::string& name, int in, const Window& win);

  ZooOptions opt_;
  Network net_;
  std::vector<ValueStats> stats_;  // by value id
};

}  // namespace lutsim::zoo
