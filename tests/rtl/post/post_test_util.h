// Shared pieces of the rtl/post tests: a fixture that owns the VerilatedContext, a harness and an ISA machine of
// the same configuration, and runs one instruction on both.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "lutsim/firmware/interpreter.h"
#include "lutsim/firmware/isa.h"
#include "post_reference.h"
#include "unit_harness.h"

namespace lutsim::rtl {

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Seed of the random instructions and stalls: LUTSIM_RTL_POST_SEED overrides (the regression script varies it).
inline std::uint64_t seed() {
  if (const char* s = std::getenv("LUTSIM_RTL_POST_SEED")) return std::strtoull(s, nullptr, 10);
  return 777;
}

// Number of random instructions per test: LUTSIM_RTL_POST_ITERS overrides (the regression script raises it).
inline int iterations(int dflt) {
  if (const char* s = std::getenv("LUTSIM_RTL_POST_ITERS")) return std::max(1, std::atoi(s));
  return dflt;
}

template <class Cfg>
class PostFixture : public ::testing::Test {
 protected:
  using Harness = UnitHarness<typename Cfg::Model>;

  PostFixture()
      : ctx_(std::make_unique<VerilatedContext>()),
        p_(Cfg::params()),
        hw_(post_hw_config(p_)),
        m_(std::make_unique<Machine>(hw_, 64)),
        h_(std::make_unique<Harness>(*ctx_, p_.cols, p_.v, seed() * 2 + 1)),
        rng_(seed()) {
    // Waveforms only when asked: LUTSIM_FST=DIR writes DIR/<suite>.<test>.fst.
    if (const char* dir = std::getenv("LUTSIM_FST")) {
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      h_->open_trace(std::string(dir) + "/" + info->test_suite_name() + "." + info->name() + ".fst");
    }
    m_->set_portable_kernels(true);
  }

  std::int64_t act_size() const { return hw_.act_sram_bytes; }
  std::int64_t param_size() const { return hw_.param_sram_bytes; }
  std::int64_t acc_entries() { return m_->acc_entries(); }

  // Fills every memory of the machine with random bytes / words.
  void randomize_memories() {
    for (auto& b : m_->act()) b = static_cast<std::uint8_t>(rng_());
    for (auto& b : m_->param()) b = static_cast<std::uint8_t>(rng_());
    for (auto& a : m_->acc()) a = static_cast<std::int32_t>(rng_());
  }

  // Runs `in` on the machine (Machine::execute) and on the RTL from the same memories; checks that the RTL
  // finished, reported no protocol or range error, and left the same memories. *cycles gets the RTL latency.
  ::testing::AssertionResult run_both(const isa::Instruction& in, std::int64_t* cycles = nullptr) {
    copy_memories(*m_, h_->mem());
    m_->execute(in);
    const RunResult r = h_->run(isa::encode(in), 200000);
    const std::string what = "cycle " + std::to_string(h_->cycle()) + ", " + isa::to_string(in);
    if (!h_->errors().empty()) {
      std::string e = what + ":";
      for (const auto& s : h_->errors()) e += "\n  " + s;
      h_->clear_errors();
      return ::testing::AssertionFailure() << e;
    }
    if (!r.done) return ::testing::AssertionFailure() << what << ": the RTL never raised done_o";
    if (cycles) *cycles = r.cycles;
    const std::string diff = compare_memories(*m_, h_->mem(), what);
    if (!diff.empty()) return ::testing::AssertionFailure() << diff;
    return ::testing::AssertionSuccess();
  }

  // Latency at the edge: run with a limit of n-1 cycles after acceptance (not done), then, from the same memories
  // after a reset, with a limit of n (done in exactly n cycles, with the interpreter's result).
  void expect_latency(const isa::Instruction& in, std::int64_t n) {
    SCOPED_TRACE(isa::to_string(in) + ", expected latency " + std::to_string(n));
    h_->set_stalls(Stalls{});
    h_->reset();
    copy_memories(*m_, h_->mem());
    const RunResult early = h_->run(isa::encode(in), n - 1);
    EXPECT_FALSE(early.done) << "done after " << early.cycles << " cycles";
    h_->reset();
    h_->clear_errors();
    std::int64_t cycles = -1;
    EXPECT_TRUE(run_both(in, &cycles));
    EXPECT_EQ(cycles, n);
  }

  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool coin(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p; }

  std::unique_ptr<VerilatedContext> ctx_;  // first: outlives the harness
  PostParams p_;
  HwConfig hw_;
  std::unique_ptr<Machine> m_;
  std::unique_ptr<Harness> h_;
  std::mt19937_64 rng_;
};

}  // namespace lutsim::rtl
