// lutsim_ppu against the ISA interpreter (Machine::execute), bit for bit: random instructions over every mode with
// random grant stalls and instruction gaps, hand-computed rounding, shift, clamp and wrap vectors, and the latency
// of every setup step at the edge (not done at N-1, done at N).
#include <cstring>

#include "Vrtl_ppu_c16_v16_a32_fl.h"
#include "Vrtl_ppu_c4_v8_a16_hu.h"
#include "Vrtl_ppu_c5_v7_a24_he.h"
#include "lutsim/model/arith.h"
#include "post_test_util.h"

namespace lutsim::rtl {
namespace {

struct PpuC4A16HalfUp {
  using Model = Vrtl_ppu_c4_v8_a16_hu;
  static PostParams params() { return {4, 8, 16, Rounding::HalfUp}; }
};
struct PpuC5A24HalfEven {
  using Model = Vrtl_ppu_c5_v7_a24_he;
  static PostParams params() { return {5, 7, 24, Rounding::HalfEven}; }
};
struct PpuC16A32Floor {
  using Model = Vrtl_ppu_c16_v16_a32_fl;
  static PostParams params() { return {16, 16, 32, Rounding::Floor}; }
};

template <class Cfg>
class PpuRtl : public PostFixture<Cfg> {
 protected:
  using B = PostFixture<Cfg>;

  isa::Instruction wrap_insn(const isa::Ppu& p) { return isa::Instruction{isa::Deps{}, p}; }

  void set_acc(std::int64_t entry, int lane, std::int64_t v) {
    this->m_->acc()[static_cast<std::size_t>(entry * this->p_.cols + lane)] = static_cast<std::int32_t>(v);
  }
  void set_bias(std::int64_t addr, int lane, std::int32_t b) {
    std::memcpy(&this->m_->param()[static_cast<std::size_t>(addr + 4 * lane)], &b, 4);
  }
  std::uint8_t act(std::int64_t a) { return this->m_->act()[static_cast<std::size_t>(a)]; }

  // A random legal PPU instruction; writes legal per-channel shifts into the param SRAM and accumulator values that
  // hit rounding ties, wrap boundaries and clamps often.
  isa::Ppu random_ppu() {
    const int C = this->p_.cols;
    isa::Ppu p;
    p.out_s32 = this->coin(0.25);
    p.bias_en = this->coin(0.5);
    p.wrap_en = this->coin(0.5);
    p.shift_per_channel = this->coin(0.5);
    static constexpr int kEdge[] = {-15, -1, 0, 1, 2, 30, 31};
    p.shift_imm = this->coin(0.3) ? kEdge[this->uniform(0, 6)] : this->uniform(kMinShift, kMaxShift);
    p.n_cols = this->coin(0.5) ? C : this->uniform(1, C);
    p.n_pix = this->uniform(1, 9);
    const std::int64_t es = p.out_s32 ? 4 : 1, row = p.n_cols * es;
    switch (this->uniform(0, 3)) {
      case 0: p.out_stride = row; break;
      case 1: p.out_stride = 0; break;
      default: p.out_stride = this->uniform(1, 2 * row + 9); break;
    }
    const std::int64_t extent = (p.n_pix - 1) * p.out_stride + row;
    p.out_addr = this->uniform(0, this->act_size() - extent);
    p.acc_addr = this->uniform(0, this->acc_entries() - p.n_pix);
    p.bias_addr = this->uniform(0, this->param_size() - 4 * p.n_cols);
    p.shift_addr = this->uniform(0, this->param_size() - p.n_cols);
    switch (this->uniform(0, 3)) {
      case 0: p.act_min = 0; p.act_max = 255; break;
      case 1: p.act_min = -128; p.act_max = 127; break;
      case 2: p.act_min = this->uniform(-32768, 0); p.act_max = this->uniform(0, 32767); break;
      default: p.act_min = this->uniform(-128, 127); p.act_max = this->uniform(p.act_min, 255); break;
    }
    // Biases first: the shift bytes may overlap them, and must stay legal.
    if (p.bias_en && this->coin(0.5))
      for (int c = 0; c < p.n_cols; ++c) set_bias(p.bias_addr, c, static_cast<std::int32_t>(this->uniform(-300, 300)));
    if (p.shift_per_channel)
      for (int c = 0; c < p.n_cols; ++c)
        this->m_->param()[static_cast<std::size_t>(p.shift_addr + c)] =
            static_cast<std::uint8_t>(this->coin(0.3) ? kEdge[this->uniform(0, 6)] : this->uniform(kMinShift, kMaxShift));
    const int A = this->p_.acc_bits;
    for (std::int64_t e = 0; e < p.n_pix; ++e)
      for (int c = 0; c < C; ++c) {
        std::int64_t v;
        switch (this->uniform(0, 4)) {
          case 0: v = static_cast<std::int32_t>(this->rng_()); break;
          case 1: v = wrap(static_cast<std::int64_t>(this->rng_()), A); break;
          case 2: {  // a tie or a near-tie of a small shift
            const int s = static_cast<int>(this->uniform(1, 6));
            v = this->uniform(-100, 100) * (std::int64_t{1} << s) + (std::int64_t{1} << (s - 1)) + this->uniform(-1, 1);
            break;
          }
          case 3: v = (std::int64_t{1} << (A - 1)) - this->uniform(-5, 5); v = this->coin(0.5) ? v : -v; break;
          default: v = this->uniform(-400, 400); break;
        }
        set_acc(p.acc_addr + e, c, v);
      }
    return p;
  }
};

using PpuConfigs = ::testing::Types<PpuC4A16HalfUp, PpuC5A24HalfEven, PpuC16A32Floor>;
TYPED_TEST_SUITE(PpuRtl, PpuConfigs);

TYPED_TEST(PpuRtl, RandomInstructionsMatchInterpreter) {
  this->randomize_memories();
  const int n = iterations(700);
  for (int i = 0; i < n; ++i) {
    // Half the instructions run with every request granted, half with random stalls and instruction gaps.
    this->h_->set_stalls(i % 2 ? Stalls{0.55, 0.3} : Stalls{});
    if (i % 50 == 0) this->randomize_memories();
    const isa::Ppu p = this->random_ppu();
    ASSERT_TRUE(this->run_both(this->wrap_insn(p))) << "instruction " << i;
  }
}

// The rounding table of docs/arithmetic.md section 5, computed by hand: v, s, half_up, half_even, floor.
struct RoundCase {
  std::int64_t v;
  int s;
  std::int64_t up, even, floor;
};
constexpr RoundCase kRoundTable[] = {
    {5, 1, 3, 2, 2},       {-5, 1, -2, -2, -3},    {3, 1, 2, 2, 1},      {-3, 1, -1, -2, -2},
    {6, 2, 2, 2, 1},       {-6, 2, -1, -2, -2},    {10, 2, 3, 2, 2},     {-10, 2, -2, -2, -3},
    {1, 1, 1, 0, 0},       {-1, 1, 0, 0, -1}, {7, 2, 2, 2, 1},      {-7, 2, -2, -2, -2},
    {-100, 3, -12, -12, -13}, {-1572864, 20, -1, -2, -2}, {2147483647, 31, 1, 1, 0},
    // Shift 0 and left shifts: exact in every mode.
    {-3, -4, -48, -48, -48}, {7, -3, 56, 56, 56},   {1, -15, 32768, 32768, 32768}, {-77, 0, -77, -77, -77},
    {-2147483647 - 1, 31, -1, -1, -1}, {1073741824, 31, 1, 0, 0}, {-1073741824, 31, 0, 0, -1},
};

// Each lane gets one (v, s) with a per-channel shift; the clamp is wide so the low byte of the rounded value is
// written (values outside [-32768, 32767] clamp, which the expectation applies too).
TYPED_TEST(PpuRtl, RoundingTableAndShiftsByHand) {
  const int C = this->p_.cols;
  const Rounding mode = this->p_.rounding;
  const int A = this->p_.acc_bits;
  std::size_t next = 0;
  while (next < std::size(kRoundTable)) {
    isa::Ppu p;
    p.shift_per_channel = 1;
    p.n_cols = C;
    p.n_pix = 1;
    p.acc_addr = 3;
    p.out_addr = 100;
    p.shift_addr = 40;
    p.act_min = -32768;
    p.act_max = 32767;
    std::vector<std::int64_t> expect;
    for (int c = 0; c < C; ++c) {
      // Values that do not fit A bits are skipped on this config (the accumulator holds A-bit values here).
      while (next < std::size(kRoundTable) && !fits_bits(kRoundTable[next].v, A)) ++next;
      const RoundCase rc = next < std::size(kRoundTable) ? kRoundTable[next++] : RoundCase{0, 0, 0, 0, 0};
      this->set_acc(p.acc_addr, c, rc.v);
      this->m_->param()[static_cast<std::size_t>(p.shift_addr + c)] = static_cast<std::uint8_t>(rc.s);
      const std::int64_t r = mode == Rounding::HalfUp ? rc.up : mode == Rounding::HalfEven ? rc.even : rc.floor;
      expect.push_back(r < -32768 ? -32768 : r > 32767 ? 32767 : r);
    }
    ASSERT_TRUE(this->run_both(this->wrap_insn(p)));
    for (int c = 0; c < C; ++c)
      EXPECT_EQ(this->act(p.out_addr + c), static_cast<std::uint8_t>(expect[static_cast<std::size_t>(c)])) << "lane " << c;
  }
}

// Per-layer shifts 0, 31, -15 and -1 on fixed values, with s8 and u8 clamps.
TYPED_TEST(PpuRtl, ShiftImmediateEdgesAndClamps) {
  struct Case {
    int s;
    std::int64_t v, lo, hi, want;
  };
  const bool fl = this->p_.rounding == Rounding::Floor;
  const Case cases[] = {
      {0, 100, -128, 127, 100},     {0, 128, -128, 127, 127},  {0, -129, -128, 127, -128}, {0, -128, -128, 127, -128},
      {0, 127, -128, 127, 127},     {0, 256, 0, 255, 255},     {0, -1, 0, 255, 0},         {0, 255, 0, 255, 255},
      {31, 32767, -128, 127, 0},    {-15, 1, -128, 127, 127},  {-15, -1, -128, 127, -128}, {-1, 63, -128, 127, 126},
      {-1, 64, -128, 127, 127},     {-1, -64, -128, 127, -128}, {-1, -65, -128, 127, -128},
      {1, 401, 0, 200, 200},  // 200.5: half_up 201 clamps to 200; half_even and floor give 200
      {1, 399, 0, 200, fl ? 199 : 200},  // 199.5 -> 200 (half_up, half_even), 199 (floor)
      {2, -6, -128, 127, fl ? -2 : (this->p_.rounding == Rounding::HalfUp ? -1 : -2)},
  };
  for (const Case& k : cases) {
    if (!fits_bits(k.v, this->p_.acc_bits)) continue;
    isa::Ppu p;
    p.shift_imm = k.s;
    p.n_cols = 1;
    p.n_pix = 1;
    p.acc_addr = 1;
    p.out_addr = 7;
    p.act_min = k.lo;
    p.act_max = k.hi;
    this->set_acc(1, 0, k.v);
    ASSERT_TRUE(this->run_both(this->wrap_insn(p)));
    EXPECT_EQ(this->act(7), static_cast<std::uint8_t>(k.want)) << "v " << k.v << " s " << k.s;
  }
}

// Bias and wrap at the A-bit boundary, read back raw through the s32 bypass (docs/arithmetic.md section 4).
TYPED_TEST(PpuRtl, WrapBoundariesThroughS32) {
  const int A = this->p_.acc_bits;
  const std::int64_t top = (std::int64_t{1} << (A - 1)) - 1;  // largest A-bit value
  struct Case {
    std::int64_t acc, bias;
    bool wrap;
    std::int64_t want;  // the s32 written
  };
  const std::int64_t m32 = std::int64_t{1} << 32;
  const Case cases[] = {
      {top - 7, 8, true, -top - 1},        // exactly one past the top wraps to the bottom
      {top - 8, 8, true, top},             // the top itself does not wrap
      {-top - 1, -1, true, top},           // one below the bottom wraps to the top
      {top - 7, 8, false, A == 32 ? top + 1 - m32 : top + 1},  // no wrap_en: the 33-bit sum, then 32-bit
      {32385 - 1000, 32385, true, A == 16 ? -1766 : 63770},    // the worked example with bias -1000 first
  };
  for (const Case& k : cases) {
    isa::Ppu p;
    p.out_s32 = 1;
    p.bias_en = 1;
    p.wrap_en = k.wrap;
    p.n_cols = 1;
    p.n_pix = 1;
    p.acc_addr = 2;
    p.out_addr = 16;
    p.bias_addr = 8;
    this->set_acc(2, 0, k.acc);
    this->set_bias(8, 0, static_cast<std::int32_t>(k.bias));
    ASSERT_TRUE(this->run_both(this->wrap_insn(p)));
    std::int32_t got;
    std::memcpy(&got, &this->m_->act()[16], 4);
    EXPECT_EQ(got, static_cast<std::int32_t>(k.want)) << "acc " << k.acc << " bias " << k.bias << " wrap " << k.wrap;
  }
  // docs/arithmetic.md: 64770 at A = 16 is -766, and shift 4 half_up gives -48.
  if (A == 16) {
    isa::Ppu p;
    p.wrap_en = 1;
    p.shift_imm = 4;
    p.n_cols = 1;
    p.acc_addr = 0;
    p.out_addr = 0;
    p.act_min = -128;
    p.act_max = 127;
    this->set_acc(0, 0, 64770);
    ASSERT_TRUE(this->run_both(this->wrap_insn(p)));
    EXPECT_EQ(this->act(0), static_cast<std::uint8_t>(-48));
  }
}

// Latency of every setup step and of the per-entry rate, at the edge: 1 + bias_en * ceil(4 n_cols / C) +
// (shift_per_channel and not out_s32) + n_pix * (out_s32 ? ceil(4 n_cols / V) : 1) + 4.
TYPED_TEST(PpuRtl, LatencyAtTheEdge) {
  const int C = this->p_.cols, V = this->p_.v;
  this->randomize_memories();
  for (int bias = 0; bias < 2; ++bias)
    for (int pc = 0; pc < 2; ++pc)
      for (int s32 = 0; s32 < 2; ++s32)
        for (std::int64_t n_cols : {std::int64_t{1}, std::int64_t{C}})
          for (std::int64_t n_pix : {1, 5}) {
            isa::Ppu p;
            p.out_s32 = s32;
            p.bias_en = bias;
            p.shift_per_channel = pc;
            p.n_cols = n_cols;
            p.n_pix = n_pix;
            p.out_stride = 4 * n_cols;
            p.out_addr = 64;
            p.shift_addr = 500;
            p.act_min = -128;
            p.act_max = 127;
            for (int c = 0; c < C; ++c) this->m_->param()[static_cast<std::size_t>(500 + c)] = static_cast<std::uint8_t>(c % 7);
            const std::int64_t nw = s32 ? ceil_div(4 * n_cols, V) : 1;
            const std::int64_t n = 1 + bias * ceil_div(4 * n_cols, C) + (pc && !s32 ? 1 : 0) + n_pix * nw + 4;
            this->expect_latency(this->wrap_insn(p), n);
          }
}

// Instructions back to back with the instruction always valid: the next one is accepted in the cycle done_o
// pulses, and results stay exact.
TYPED_TEST(PpuRtl, BackToBack) {
  this->randomize_memories();
  for (int i = 0; i < 40; ++i) {
    this->h_->set_stalls(Stalls{i % 3 ? 1.0 : 0.7, 0.0});
    ASSERT_TRUE(this->run_both(this->wrap_insn(this->random_ppu()))) << "instruction " << i;
  }
}

}  // namespace
}  // namespace lutsim::rtl
