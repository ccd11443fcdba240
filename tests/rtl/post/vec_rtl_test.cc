// lutsim_vec against the ISA interpreter (Machine::execute), bit for bit: random MAX/SUM/ADD instructions over
// windows with strides, dilations and row/pixel strides, u8/s8 operands, accumulate, random grant stalls and
// instruction gaps; hand-computed pooling and add vectors; the latency at the edge.
#include "Vrtl_vec_c16_v16.h"
#include "Vrtl_vec_c5_v7.h"
#include "post_test_util.h"

namespace lutsim::rtl {
namespace {

struct VecC5 {
  using Model = Vrtl_vec_c5_v7;
  static PostParams params() { return {5, 7, 32, Rounding::HalfUp}; }
};
struct VecC16 {
  using Model = Vrtl_vec_c16_v16;
  static PostParams params() { return {16, 16, 32, Rounding::HalfUp}; }
};

template <class Cfg>
class VecRtl : public PostFixture<Cfg> {
 protected:
  isa::Instruction wrap_insn(const isa::Vec& v) { return isa::Instruction{isa::Deps{}, v}; }
  std::int32_t acc(std::int64_t e, int lane) {
    return this->m_->acc()[static_cast<std::size_t>(e * this->p_.cols + lane)];
  }
  void set_act(std::int64_t a, int v) { this->m_->act()[static_cast<std::size_t>(a)] = static_cast<std::uint8_t>(v); }

  // Bytes read by a window nest, past the last lane.
  static std::int64_t extent(const isa::Vec& v) {
    return ((v.out_h - 1) * v.stride_y + (v.taps_y - 1) * v.dil_y) * v.row_stride +
           ((v.out_w - 1) * v.stride_x + (v.taps_x - 1) * v.dil_x) * v.pix_stride + v.n_lanes;
  }

  // A random legal VEC instruction whose windows fit the act SRAM.
  isa::Vec random_vec() {
    for (;;) {
      const isa::Vec v = random_vec_any();
      if (extent(v) <= this->act_size()) return place(v);
    }
  }
  isa::Vec place(isa::Vec v) {
    const std::int64_t ext = extent(v);
    v.act_addr = this->uniform(0, this->act_size() - ext);
    v.act_addr_b = this->uniform(0, this->act_size() - ext);
    v.acc_addr = this->uniform(0, this->acc_entries() - v.out_h * v.out_w);
    return v;
  }
  isa::Vec random_vec_any() {
    const int C = this->p_.cols;
    isa::Vec v;
    v.op = this->uniform(0, 2);
    v.accumulate = this->coin(0.4);
    v.a_signed = this->coin(0.5);
    v.b_signed = this->coin(0.5);
    v.n_lanes = this->coin(0.5) ? C : this->uniform(1, C);
    v.out_h = this->uniform(1, 3);
    v.out_w = this->uniform(1, 4);
    if (v.op == 2) {
      v.la = this->coin(0.2) ? 15 : this->uniform(0, 15);
      v.lb = this->coin(0.2) ? 15 : this->uniform(0, 15);
    } else {
      v.taps_y = this->uniform(1, 3);
      v.taps_x = this->uniform(1, 3);
      v.dil_y = this->uniform(1, 2);
      v.dil_x = this->uniform(1, 2);
    }
    v.stride_y = this->uniform(1, 3);
    v.stride_x = this->uniform(1, 3);
    // Pixel stride: the channel count of an NHWC tile (>= n_lanes) or anything, overlapping reads included.
    v.pix_stride = this->coin(0.6) ? this->uniform(v.n_lanes, 2 * C) : this->uniform(0, 2 * C);
    const std::int64_t wpix = (v.out_w - 1) * v.stride_x + (v.taps_x - 1) * v.dil_x + 1;
    v.row_stride = this->coin(0.7) ? wpix * v.pix_stride : this->uniform(0, 200);
    return v;
  }
};

using VecConfigs = ::testing::Types<VecC5, VecC16>;
TYPED_TEST_SUITE(VecRtl, VecConfigs);

TYPED_TEST(VecRtl, RandomInstructionsMatchInterpreter) {
  this->randomize_memories();
  const int n = iterations(1000);
  for (int i = 0; i < n; ++i) {
    this->h_->set_stalls(i % 2 ? Stalls{0.55, 0.3} : Stalls{});
    if (i % 50 == 0) this->randomize_memories();
    ASSERT_TRUE(this->run_both(this->wrap_insn(this->random_vec()))) << "instruction " << i;
  }
}

// docs/arithmetic.md section 7: s8 x = [[-5, -3], [-7, -1]] padded with -128 (the DMA pad of max pooling), 2x2
// window, stride 1: every output is the one real value of its corner window or the max of the real ones.
TYPED_TEST(VecRtl, MaxPoolIgnoresPadding) {
  // A 4x4 padded tile of one channel, pixel stride 1, row stride 4.
  const int tile[4][4] = {{-128, -128, -128, -128}, {-128, -5, -3, -128}, {-128, -7, -1, -128}, {-128, -128, -128, -128}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) this->set_act(200 + y * 4 + x, tile[y][x]);
  isa::Vec v;
  v.op = 0;
  v.a_signed = 1;
  v.n_lanes = 1;
  v.act_addr = 200;
  v.pix_stride = 1;
  v.row_stride = 4;
  v.out_h = 3;
  v.out_w = 3;
  v.taps_y = 2;
  v.taps_x = 2;
  v.acc_addr = 10;
  ASSERT_TRUE(this->run_both(this->wrap_insn(v)));
  const int want[3][3] = {{-5, -3, -3}, {-5, -1, -1}, {-7, -1, -1}};
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) EXPECT_EQ(this->acc(10 + y * 3 + x, 0), want[y][x]) << y << "," << x;
  // Accumulating MAX keeps the larger of the stored value and the window maximum.
  this->m_->acc()[static_cast<std::size_t>(10 * this->p_.cols)] = -6;
  this->m_->acc()[static_cast<std::size_t>(14 * this->p_.cols)] = 9;
  v.accumulate = 1;
  ASSERT_TRUE(this->run_both(this->wrap_insn(v)));
  EXPECT_EQ(this->acc(10, 0), -5);
  EXPECT_EQ(this->acc(14, 0), 9);
}

// docs/arithmetic.md section 7: u8 x = [[10, 20], [30, 41]], zero padding, 2x2 window: corner sums are the single
// values, the centre is 101; then a dilated 2x2 window with stride 2 over a 255-filled map sums 4 * 255 exactly
// and accumulates onto the stored value.
TYPED_TEST(VecRtl, SumPoolExact) {
  const int tile[4][4] = {{0, 0, 0, 0}, {0, 10, 20, 0}, {0, 30, 41, 0}, {0, 0, 0, 0}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) this->set_act(300 + y * 4 + x, tile[y][x]);
  isa::Vec v;
  v.op = 1;
  v.n_lanes = 1;
  v.act_addr = 300;
  v.pix_stride = 1;
  v.row_stride = 4;
  v.out_h = 3;
  v.out_w = 3;
  v.taps_y = 2;
  v.taps_x = 2;
  v.acc_addr = 0;
  ASSERT_TRUE(this->run_both(this->wrap_insn(v)));
  EXPECT_EQ(this->acc(0, 0), 10);
  EXPECT_EQ(this->acc(4, 0), 101);
  EXPECT_EQ(this->acc(8, 0), 41);

  for (int i = 0; i < 64; ++i) this->set_act(400 + i, 255);
  isa::Vec d;
  d.op = 1;
  d.accumulate = 1;
  d.n_lanes = this->p_.cols;
  d.act_addr = 400;
  d.pix_stride = 1;
  d.row_stride = 8;
  d.stride_x = 2;
  d.dil_x = 2;
  d.dil_y = 3;
  d.out_w = 2;
  d.taps_y = 2;
  d.taps_x = 2;
  d.acc_addr = 20;
  this->m_->acc()[static_cast<std::size_t>(20 * this->p_.cols)] = 1000;
  ASSERT_TRUE(this->run_both(this->wrap_insn(d)));
  EXPECT_EQ(this->acc(20, 0), 1000 + 4 * 255);
}

// docs/arithmetic.md section 8: a = 7, b = 3, la = 2, lb = 1 gives 34; a = -1, b = -128 (s8) gives -260; and the
// extremes 255 << 15 + 255 << 15 (u8) and -128 << 15 twice (s8).
TYPED_TEST(VecRtl, AddShiftsByHand) {
  struct Case {
    int a, b, as, bs, la, lb;
    std::int32_t want;
  };
  const Case cases[] = {
      {7, 3, 0, 0, 2, 1, 34},
      {-1, -128, 1, 1, 2, 1, -260},
      {255, 255, 0, 0, 15, 15, 2 * 255 * 32768},
      {-128, -128, 1, 1, 15, 15, -2 * 128 * 32768},
      {200, -128, 0, 1, 0, 0, 72},
  };
  for (const Case& k : cases) {
    this->set_act(50, k.a);
    this->set_act(90, k.b);
    isa::Vec v;
    v.op = 2;
    v.a_signed = k.as;
    v.b_signed = k.bs;
    v.la = k.la;
    v.lb = k.lb;
    v.n_lanes = 1;
    v.act_addr = 50;
    v.act_addr_b = 90;
    v.acc_addr = 5;
    ASSERT_TRUE(this->run_both(this->wrap_insn(v)));
    EXPECT_EQ(this->acc(5, 0), k.want) << k.a << " " << k.b;
  }
}

// Latency at the edge: MAX/SUM 1 + P * taps + 3, ADD 1 + 2P + 3, with and without accumulate.
TYPED_TEST(VecRtl, LatencyAtTheEdge) {
  this->randomize_memories();
  for (int op = 0; op < 3; ++op)
    for (int accum = 0; accum < 2; ++accum)
      for (std::int64_t out_w : {1, 3})
        for (std::int64_t taps : {1, 2}) {
          if (op == 2 && taps > 1) continue;
          isa::Vec v;
          v.op = op;
          v.accumulate = accum;
          v.n_lanes = this->p_.cols;
          v.act_addr = 10;
          v.act_addr_b = 1000;
          v.pix_stride = this->p_.cols;
          v.row_stride = 64;
          v.out_h = 2;
          v.out_w = out_w;
          v.taps_y = taps;
          v.taps_x = taps;
          v.acc_addr = 1;
          const std::int64_t P = v.out_h * v.out_w;
          const std::int64_t n = op == 2 ? 1 + 2 * P + 3 : 1 + P * taps * taps + 3;
          this->expect_latency(this->wrap_insn(v), n);
        }
}

TYPED_TEST(VecRtl, BackToBack) {
  this->randomize_memories();
  for (int i = 0; i < 40; ++i) {
    this->h_->set_stalls(Stalls{i % 3 ? 1.0 : 0.7, 0.0});
    ASSERT_TRUE(this->run_both(this->wrap_insn(this->random_vec()))) << "instruction " << i;
  }
}

}  // namespace
}  // namespace lutsim::rtl
