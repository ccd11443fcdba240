// Shared pieces of the rtl/core tests: the Verilated configurations and a fixture that owns the VerilatedContext.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "Vrtl_core_r16c16_a32.h"
#include "Vrtl_core_r3c5_a20.h"
#include "Vrtl_core_r4c4_a16.h"
#include "Vrtl_core_r8c4_a24.h"
#include "core_harness.h"

namespace lutsim::rtlcore {

// The parameters each model was Verilated with (rtl/core/CMakeLists.txt); the harness checks them against the
// model's cfg_* outputs.
template <class M> struct ModelConfig;
template <> struct ModelConfig<Vrtl_core_r4c4_a16> {
  static CoreConfig get() { return {4, 4, 16, 12, 12, 10, 8}; }
};
template <> struct ModelConfig<Vrtl_core_r8c4_a24> {
  static CoreConfig get() { return {8, 4, 24, 12, 12, 10, 8}; }
};
template <> struct ModelConfig<Vrtl_core_r3c5_a20> {
  static CoreConfig get() { return {3, 5, 20, 12, 12, 10, 8}; }
};
template <> struct ModelConfig<Vrtl_core_r16c16_a32> {
  static CoreConfig get() { return {16, 16, 32, 16, 16, 12, 10}; }
};

template <class M>
class CoreFixture : public ::testing::Test {
 protected:
  CoreFixture() : ctx_(std::make_unique<VerilatedContext>()) {}
  std::unique_ptr<CoreHarness<M>> make(const HarnessOptions& opt = {}) {
    return std::make_unique<CoreHarness<M>>(ctx_.get(), ModelConfig<M>::get(), opt);
  }
  std::unique_ptr<VerilatedContext> ctx_;
};

// An integer from the environment (the long regression raises the tile counts), else `def`.
inline long env_long(const char* name, long def) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : def;
}

}  // namespace lutsim::rtlcore
