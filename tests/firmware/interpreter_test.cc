// Execution of each instruction on hand-built programs, against hand-computed expectations or a naive rendering of
// the formulas of docs/isa.md; token semantics; and the interpreter's errors (out-of-range accesses, illegal
// instructions, token underflow and overflow, deadlock), each naming the program counter and the instruction.
#include "lutsim/firmware/interpreter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>

#include "lutsim/model/arith.h"
#include "lutsim/model/error.h"

namespace lutsim {
namespace {

using namespace isa;

template <class T>
Instruction I(const T& body, Deps d = {}) {
  return Instruction{d, body};
}

HwConfig hw_cfg(int rows, int cols, int acc_bits = 32, Rounding r = Rounding::HalfUp) {
  HwConfig h;
  h.name = "t";
  h.rows = rows;
  h.cols = cols;
  h.acc_bits = acc_bits;
  h.rounding = r;
  h.act_sram_bytes = 4096;
  h.weight_sram_bytes = 4096;
  h.acc_sram_bytes = 4096;
  h.param_sram_bytes = 1024;
  return h;
}

std::string run_error(Machine& m, const std::vector<Instruction>& code, Schedule s = Schedule::ProgramOrder) {
  try {
    m.run(code, s);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------------------------------------------------------
// LOAD / STORE

TEST(Load, BoxWithPaddingIntoEachSram) {
  Machine m(hw_cfg(4, 4), 256);
  for (int i = 0; i < 256; ++i) m.dram()[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  Load l;
  l.buf = 0;
  l.sram_addr = 10;
  l.dram_addr = 5;
  l.x_size = 2;     // bytes per element
  l.y_size = 3;     // elements per plane, 7 bytes apart
  l.z_size = 2;     // planes, 50 bytes apart
  l.y_stride = 7;
  l.z_stride = 50;
  l.pad_top = 1;
  l.pad_bottom = 0;
  l.pad_left = 1;
  l.pad_right = 1;
  l.pad_value = 0xEE;
  m.run(std::vector{I(l)});
  // 3 planes x 5 elements x 2 bytes from byte 10.
  std::vector<int> expect;
  for (int z = 0; z < 3; ++z)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 2; ++x) {
        const bool pad = z < 1 || y < 1 || y > 3;
        expect.push_back(pad ? 0xEE : 5 + (z - 1) * 50 + (y - 1) * 7 + x);
      }
  for (std::size_t i = 0; i < expect.size(); ++i) EXPECT_EQ(m.act()[10 + i], expect[i]) << i;
  EXPECT_EQ(m.act()[9], 0);
  EXPECT_EQ(m.act()[10 + expect.size()], 0);
  EXPECT_EQ(m.stats().dram_read_bytes, 12);
  EXPECT_EQ(m.stats().act.write_bytes, 30);
  l.buf = 1;
  l.sram_addr = 0;
  l.pad_top = l.pad_left = l.pad_right = 0;
  m.run(std::vector{I(l)});
  EXPECT_EQ(m.wgt()[0], 5);
  EXPECT_EQ(m.wgt()[3], 13);
  l.buf = 2;
  m.run(std::vector{I(l)});
  EXPECT_EQ(m.param()[2], 12);
  EXPECT_EQ(m.stats().param.write_bytes, 12);
}

TEST(Load, OnlyPadding) {
  Machine m(hw_cfg(4, 4), 16);
  Load l;
  l.x_size = 3;
  l.y_size = 0;
  l.z_size = 0;
  l.pad_top = 2;
  l.pad_left = 2;
  l.pad_value = 0x80;
  l.dram_addr = 1000;  // never read
  m.run(std::vector{I(l)});
  for (int i = 0; i < 12; ++i) EXPECT_EQ(m.act()[static_cast<std::size_t>(i)], 0x80);
  EXPECT_EQ(m.act()[12], 0);
  EXPECT_EQ(m.stats().dram_read_bytes, 0);
}

TEST(Store, DenseBoxToStridedDram) {
  Machine m(hw_cfg(4, 4), 128);
  for (int i = 0; i < 12; ++i) m.act()[static_cast<std::size_t>(100 + i)] = static_cast<std::uint8_t>(i + 1);
  Store s;
  s.sram_addr = 100;
  s.dram_addr = 3;
  s.x_size = 2;
  s.y_size = 3;
  s.z_size = 2;
  s.y_stride = 4;
  s.z_stride = 40;
  m.run(std::vector{I(s)});
  int k = 1;
  for (int z = 0; z < 2; ++z)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 2; ++x) EXPECT_EQ(m.dram()[static_cast<std::size_t>(3 + z * 40 + y * 4 + x)], k++);
  EXPECT_EQ(m.dram()[5], 0);
  EXPECT_EQ(m.stats().dram_write_bytes, 12);
  EXPECT_EQ(m.stats().act.read_bytes, 12);
}

// ---------------------------------------------------------------------------------------------------------------
// WCFG + GEMM against a naive, block-by-block rendering of the formula in docs/isa.md.

struct Naive {
  const HwConfig& hw;
  std::vector<std::uint8_t> act, wgt, param;
  std::vector<std::int32_t> acc;
  Wcfg w;
  std::vector<std::int8_t> lut;  // C x 16

  void wcfg(const Wcfg& c) {
    w = c;
    lut.assign(static_cast<std::size_t>(hw.cols) * 16, 0);
    const int n = 1 << (c.bits == 8 ? 0 : c.bits);
    for (int col = 0; col < hw.cols; ++col)
      for (int e = 0; e < n && c.mode != 0; ++e)
        lut[static_cast<std::size_t>(col * 16 + e)] =
            static_cast<std::int8_t>(param[static_cast<std::size_t>(c.lut_addr + (c.mode == 2 ? col * n : 0) + e)]);
  }
  void gemm(const Gemm& g) {
    const int R = hw.rows, C = hw.cols, b = static_cast<int>(w.bits);
    const std::int64_t nch = (g.span + R - 1) / R, wrow = (std::int64_t{C} * b + 7) / 8, wblk = R * wrow;
    for (std::int64_t ty = 0, blk = 0; ty < g.taps_y; ++ty)
      for (std::int64_t tx = 0; tx < g.taps_x; ++tx)
        for (std::int64_t k = 0; k < nch; ++k, ++blk) {
          const std::int64_t rows = std::min<std::int64_t>(R, g.span - k * R);
          for (std::int64_t oy = 0; oy < g.out_h; ++oy)
            for (std::int64_t ox = 0; ox < g.out_w; ++ox)
              for (std::int64_t c = 0; c < g.n_cols; ++c) {
                std::int64_t psum = 0;
                for (std::int64_t r = 0; r < rows; ++r) {
                  const std::int64_t a = g.act_addr + (oy * g.stride_y + ty * g.dil_y) * g.row_stride +
                                         (ox * g.stride_x + tx * g.dil_x) * g.pix_stride + k * R + r;
                  const std::int64_t x = g.act_signed ? std::int64_t{static_cast<std::int8_t>(act[static_cast<std::size_t>(a)])}
                                                      : std::int64_t{act[static_cast<std::size_t>(a)]};
                  const std::uint8_t* row = wgt.data() + g.wgt_addr + blk * wblk + r * wrow;
                  unsigned code = 0;
                  for (int i = 0; i < b; ++i) {
                    const std::int64_t bit = c * b + i;
                    code |= ((row[bit / 8] >> (bit % 8)) & 1u) << i;
                  }
                  std::int64_t wt = w.mode == 0 ? std::int64_t{static_cast<std::int8_t>(code)}
                                                : std::int64_t{lut[static_cast<std::size_t>(c * 16 + code)]};
                  if (w.in_group > 0 && (g.in_offset + k * R + r) / w.in_group != (w.out_offset + c) / w.out_group) wt = 0;
                  psum += wt * x;
                }
                std::int32_t& e = acc[static_cast<std::size_t>((g.acc_addr + oy * g.out_w + ox) * C + c)];
                const std::int64_t base = (blk == 0 && !g.accumulate) ? 0 : e;
                e = static_cast<std::int32_t>(wrap(base + psum, hw.acc_bits));
              }
        }
  }
};

class GemmRandom : public ::testing::TestWithParam<int> {};

TEST_P(GemmRandom, MatchesTheFormula) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(GetParam()));
  auto uni = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  const int R = static_cast<int>(uni(1, 20)), C = static_cast<int>(uni(1, 40));
  const int A = static_cast<int>(uni(16, 32));
  HwConfig hw = hw_cfg(R, C, A);
  hw.acc_sram_bytes = 64 * 1024;
  for (bool portable : {false, true}) {
    Machine m(hw, 16);
    m.set_portable_kernels(portable);
    Naive nv{hw, {}, {}, {}, {}, {}, {}};
    std::mt19937_64 data(static_cast<std::uint64_t>(GetParam()) * 7 + 1);
    for (auto& v : m.act()) v = static_cast<std::uint8_t>(data());
    for (auto& v : m.wgt()) v = static_cast<std::uint8_t>(data());
    for (auto& v : m.param()) v = static_cast<std::uint8_t>(data());
    for (auto& v : m.acc()) v = static_cast<std::int32_t>(wrap(static_cast<std::int64_t>(data() % 200000) - 100000, A));
    nv.act.assign(m.act().begin(), m.act().end());
    nv.wgt.assign(m.wgt().begin(), m.wgt().end());
    nv.param.assign(m.param().begin(), m.param().end());
    nv.acc.assign(m.acc().begin(), m.acc().end());
    std::vector<Instruction> prog;
    std::mt19937_64 r2(static_cast<std::uint64_t>(GetParam()) * 13 + 5);
    auto u2 = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(r2); };
    for (int rep = 0; rep < 6; ++rep) {
      Wcfg w;
      w.mode = u2(0, 2);
      w.bits = w.mode == 0 ? 8 : u2(1, 4);
      w.lut_addr = u2(0, 1024 - C * 16);
      if (u2(0, 2) == 0) {
        w.in_group = u2(1, 5);
        w.out_group = u2(1, 5);
        w.out_offset = u2(0, 20);
      }
      prog.push_back(I(w));
      Gemm g;
      g.accumulate = u2(0, 1);
      g.act_signed = u2(0, 1);
      g.n_cols = u2(1, C);
      g.stride_y = u2(1, 3);
      g.stride_x = u2(1, 3);
      g.dil_y = u2(1, 2);
      g.dil_x = u2(1, 2);
      g.out_h = u2(1, 4);
      g.out_w = u2(1, 5);
      g.taps_y = u2(1, 3);
      g.taps_x = u2(1, 3);
      g.span = u2(1, 3 * R + 2);
      g.pix_stride = u2(1, 40);
      g.row_stride = u2(1, 200);
      g.in_offset = u2(0, 10);
      const std::int64_t extent = ((g.out_h - 1) * g.stride_y + (g.taps_y - 1) * g.dil_y) * g.row_stride +
                                  ((g.out_w - 1) * g.stride_x + (g.taps_x - 1) * g.dil_x) * g.pix_stride + g.span;
      if (extent > 4096) {
        prog.pop_back();
        continue;
      }
      g.act_addr = u2(0, 4096 - extent);
      const std::int64_t nblk = g.taps_y * g.taps_x * ((g.span + R - 1) / R);
      const std::int64_t bytes = nblk * R * ((std::int64_t{C} * w.bits + 7) / 8);
      if (bytes > 4096) {
        prog.pop_back();
        continue;
      }
      g.wgt_addr = u2(0, 4096 - bytes);
      g.acc_addr = u2(0, m.acc_entries() - g.out_h * g.out_w);
      prog.push_back(I(g));
      nv.wcfg(w);
      nv.gemm(g);
    }
    m.run(prog);
    for (std::size_t i = 0; i < nv.acc.size(); ++i) {
      ASSERT_EQ(m.acc()[i], nv.acc[i]) << "entry " << i / static_cast<std::size_t>(C) << " lane " << i % static_cast<std::size_t>(C)
                                       << " R=" << R << " C=" << C << " A=" << A << (portable ? " portable" : "");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, GemmRandom, ::testing::Range(1, 41));

TEST(Gemm, HandComputedPerLayerLut) {
  // R = 2, C = 2, 2-bit codes: one row byte holds column 0 in bits 0-1 and column 1 in bits 2-3.
  HwConfig hw = hw_cfg(2, 2);
  Machine m(hw, 16);
  const std::int8_t lut[4] = {-3, 5, 7, -128};
  for (int i = 0; i < 4; ++i) m.param()[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(lut[i]);
  m.wgt()[0] = 0b1101;  // row 0: col 0 code 1 (5), col 1 code 3 (-128)
  m.wgt()[1] = 0b0010;  // row 1: col 0 code 2 (7), col 1 code 0 (-3)
  m.act()[0] = 10;
  m.act()[1] = 200;
  Wcfg w;
  w.mode = 1;
  w.bits = 2;
  Gemm g;
  g.n_cols = 2;
  g.span = 2;
  m.run(std::vector{I(w), I(g)});
  EXPECT_EQ(m.acc()[0], 5 * 10 + 7 * 200);
  EXPECT_EQ(m.acc()[1], -128 * 10 + -3 * 200);
  EXPECT_EQ(m.stats().macs, 4);
  // Accumulating again doubles it; an s8 reading of 200 is -56.
  g.accumulate = 1;
  g.act_signed = 1;
  m.run(std::vector{I(w), I(g)});
  EXPECT_EQ(m.acc()[0], 5 * 10 + 7 * 200 + 5 * 10 + 7 * -56);
}

TEST(Gemm, WrapsToAccBits) {
  HwConfig hw = hw_cfg(4, 1, 16);
  Machine m(hw, 16);
  for (int r = 0; r < 4; ++r) {
    m.wgt()[static_cast<std::size_t>(r)] = 127;  // raw s8 weights
    m.act()[static_cast<std::size_t>(r)] = 255;
  }
  Wcfg w;  // raw
  Gemm g;
  g.span = 4;
  m.run(std::vector{I(w), I(g)});
  EXPECT_EQ(m.acc()[0], wrap(4 * 127 * 255, 16));
  EXPECT_NE(m.acc()[0], 4 * 127 * 255);
}

// ---------------------------------------------------------------------------------------------------------------
// VEC

TEST(Vec, MaxSumAndAddWithAccumulate) {
  HwConfig hw = hw_cfg(4, 3);
  Machine m(hw, 16);
  // A 3x3 map of 3 channels (pixel stride 3, row stride 9); values are signed.
  for (int i = 0; i < 27; ++i) m.act()[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(static_cast<std::int8_t>(i * 11 - 100));
  auto x = [&](int y, int xx, int c) { return static_cast<std::int8_t>(m.act()[static_cast<std::size_t>(y * 9 + xx * 3 + c)]); };
  Vec v;
  v.op = 0;
  v.a_signed = 1;
  v.n_lanes = 3;
  v.pix_stride = 3;
  v.row_stride = 9;
  v.out_h = 2;
  v.out_w = 2;
  v.taps_y = 2;
  v.taps_x = 2;
  m.run(std::vector{I(v)});
  for (int oy = 0; oy < 2; ++oy)
    for (int ox = 0; ox < 2; ++ox)
      for (int c = 0; c < 3; ++c) {
        int mx = -1000, sum = 0;
        for (int ty = 0; ty < 2; ++ty)
          for (int tx = 0; tx < 2; ++tx) {
            mx = std::max<int>(mx, x(oy + ty, ox + tx, c));
            sum += x(oy + ty, ox + tx, c);
          }
        EXPECT_EQ(m.acc()[static_cast<std::size_t>((oy * 2 + ox) * 3 + c)], mx);
        (void)sum;
      }
  v.op = 1;
  v.a_signed = 0;
  v.stride_y = v.stride_x = 2;
  v.out_h = v.out_w = 1;
  v.taps_y = v.taps_x = 3;
  v.acc_addr = 10;
  m.run(std::vector{I(v)});
  v.accumulate = 1;
  m.run(std::vector{I(v)});
  for (int c = 0; c < 3; ++c) {
    int sum = 0;
    for (int p = 0; p < 9; ++p) sum += m.act()[static_cast<std::size_t>(p * 3 + c)];
    EXPECT_EQ(m.acc()[static_cast<std::size_t>(30 + c)], 2 * sum);
  }
  Vec a;
  a.op = 2;
  a.a_signed = 1;
  a.b_signed = 0;
  a.la = 3;
  a.lb = 1;
  a.n_lanes = 2;
  a.act_addr = 0;
  a.act_addr_b = 9;
  a.pix_stride = 3;
  a.out_w = 3;
  a.acc_addr = 20;
  m.run(std::vector{I(a)});
  for (int p = 0; p < 3; ++p)
    for (int c = 0; c < 2; ++c)
      EXPECT_EQ(m.acc()[static_cast<std::size_t>((20 + p) * 3 + c)],
                (x(0, p, c) << 3) + (int{m.act()[static_cast<std::size_t>(9 + p * 3 + c)]} << 1));
  EXPECT_EQ(m.acc()[static_cast<std::size_t>(20 * 3 + 2)], 0);  // lane 2 untouched
}

// ---------------------------------------------------------------------------------------------------------------
// PPU

TEST(Ppu, BiasWrapShiftClampAndRawOutputEveryRounding) {
  for (Rounding rnd : {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor})
    for (bool portable : {false, true}) {
      HwConfig hw = hw_cfg(4, 5, 20, rnd);
      Machine m(hw, 16);
      m.set_portable_kernels(portable);
      const std::int32_t acc[5] = {5, -5, 6, 1000000, -(1 << 19)};
      const std::int32_t bias[5] = {0, 0, 1, 100, -1};
      const std::int8_t shifts[5] = {1, 1, 2, -3, 31};
      for (int c = 0; c < 5; ++c) {
        m.acc()[static_cast<std::size_t>(c)] = acc[c];
        for (int k = 0; k < 4; ++k)
          m.param()[static_cast<std::size_t>(4 * c + k)] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(bias[c]) >> (8 * k));
        m.param()[static_cast<std::size_t>(20 + c)] = static_cast<std::uint8_t>(shifts[c]);
      }
      Ppu p;
      p.bias_en = 1;
      p.wrap_en = 1;
      p.shift_per_channel = 1;
      p.shift_addr = 20;
      p.n_cols = 5;
      p.out_addr = 100;
      p.act_min = -128;
      p.act_max = 127;
      m.run(std::vector{I(p)});
      for (int c = 0; c < 5; ++c) {
        const std::int64_t v = wrap(std::int64_t{acc[c]} + bias[c], 20);
        EXPECT_EQ(static_cast<std::int8_t>(m.act()[static_cast<std::size_t>(100 + c)]), clamp(rshift_round(v, shifts[c], rnd), -128, 127))
            << "lane " << c << " " << rounding_name(rnd);
      }
      // Immediate shift, u8 clamp, no wrap: 1000100 >> 3 saturates to 255.
      p.shift_per_channel = 0;
      p.shift_imm = 3;
      p.wrap_en = 0;
      p.act_min = 0;
      p.act_max = 255;
      m.run(std::vector{I(p)});
      EXPECT_EQ(m.act()[103], 255);
      EXPECT_EQ(m.act()[101], 0);
      // Raw s32: wrap(acc + bias, 20), little-endian.
      p.out_s32 = 1;
      p.wrap_en = 1;
      m.run(std::vector{I(p)});
      for (int c = 0; c < 5; ++c) {
        std::int32_t got;
        std::memcpy(&got, &m.act()[static_cast<std::size_t>(100 + 4 * c)], 4);
        EXPECT_EQ(got, wrap(std::int64_t{acc[c]} + bias[c], 20));
      }
    }
}

// Every shift, rounding and accumulator width, with accumulators and biases at the edges of s32 (so that acc + bias
// leaves s32 without wrap_en) and clamp bounds at the edges of their field, on more lanes than one vector holds:
// both kernel paths against rshift_round and clamp of arith.h on 64-bit values.
TEST(Ppu, EdgeValuesEveryShiftBothPaths) {
  std::mt19937 rng(7);
  const std::int32_t edges[] = {0, 1, -1, 2, -2, 127, -128, 255, 1 << 15, -(1 << 15), (1 << 15) + 1, (1 << 19) - 1, -(1 << 19),
                                (1 << 30), -(1 << 30), 0x7fffffff, -0x7fffffff - 1, 0x7ffffffe, -0x7fffffff};
  auto pick = [&]() -> std::int32_t {
    if (rng() % 3) return edges[rng() % std::size(edges)];
    return static_cast<std::int32_t>(rng());
  };
  const int C = 21, n_pix = 9;
  for (int A : {16, 20, 32})
    for (Rounding rnd : {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor})
      for (int wrap_en : {0, 1}) {
        HwConfig hw = hw_cfg(4, C, A, rnd);
        std::vector<std::int32_t> acc(static_cast<std::size_t>(n_pix * C)), bias(C);
        std::vector<std::int8_t> sh(C);
        for (auto& v : acc) v = A < 32 ? static_cast<std::int32_t>(wrap(pick(), A)) : pick();
        for (auto& v : bias) v = pick();
        std::vector<std::uint8_t> out[2];
        for (int lo_hi = 0; lo_hi < 3; ++lo_hi) {
          const std::int64_t lo = lo_hi == 0 ? -128 : lo_hi == 1 ? 0 : -32768;
          const std::int64_t hi = lo_hi == 0 ? 127 : lo_hi == 1 ? 255 : 32767;
          for (int s0 = kMinShift; s0 <= kMaxShift; ++s0) {
            for (int c = 0; c < C; ++c) sh[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c == 0 ? s0 : kMinShift + static_cast<int>(rng() % 47));
            for (bool portable : {false, true}) {
              Machine m(hw, 16);
              m.set_portable_kernels(portable);
              std::copy(acc.begin(), acc.end(), m.acc().begin());
              std::memcpy(m.param().data(), bias.data(), 4 * C);
              std::memcpy(m.param().data() + 4 * C, sh.data(), C);
              Ppu p;
              p.bias_en = 1;
              p.wrap_en = wrap_en;
              p.shift_per_channel = 1;
              p.shift_addr = 4 * C;
              p.n_cols = C;
              p.n_pix = n_pix;
              p.out_stride = C + 3;
              p.act_min = lo;
              p.act_max = hi;
              m.run(std::vector{I(p)});
              for (int i = 0; i < n_pix; ++i)
                for (int c = 0; c < C; ++c) {
                  std::int64_t v = std::int64_t{acc[static_cast<std::size_t>(i * C + c)]} + bias[static_cast<std::size_t>(c)];
                  if (wrap_en) v = wrap(v, A);
                  const std::int64_t y = clamp(rshift_round(v, sh[static_cast<std::size_t>(c)], rnd), lo, hi);
                  ASSERT_EQ(m.act()[static_cast<std::size_t>(i * (C + 3) + c)], static_cast<std::uint8_t>(y))
                      << "pixel " << i << " lane " << c << " v " << v << " shift " << int{sh[static_cast<std::size_t>(c)]} << " "
                      << rounding_name(rnd) << " A " << A << " wrap " << wrap_en << (portable ? " portable" : "");
                }
            }
          }
        }
      }
}

// Random windows on more lanes than one vector holds, u8 and s8, against the formulas of isa.h.
TEST(Vec, RandomWindowsBothPaths) {
  std::mt19937 rng(11);
  const int C = 37;
  for (int trial = 0; trial < 60; ++trial) {
    HwConfig hw = hw_cfg(4, C);
    Vec v;
    v.op = static_cast<std::int64_t>(trial % 3);
    v.accumulate = (trial / 3) % 2;
    v.a_signed = rng() % 2;
    v.b_signed = rng() % 2;
    v.la = rng() % 16;
    v.lb = rng() % 16;
    v.n_lanes = 1 + rng() % C;
    v.pix_stride = v.n_lanes + rng() % 3;
    v.out_w = 1 + rng() % 4;
    v.out_h = 1 + rng() % 3;
    v.stride_x = 1 + rng() % 2;
    v.stride_y = 1 + rng() % 2;
    v.dil_x = 1 + rng() % 2;
    v.dil_y = 1 + rng() % 2;
    v.taps_x = v.op == 2 ? 1 : 1 + rng() % 3;
    v.taps_y = v.op == 2 ? 1 : 1 + rng() % 3;
    v.row_stride = v.pix_stride * (((v.out_w - 1) * v.stride_x + (v.taps_x - 1) * v.dil_x) + 1);
    v.act_addr = rng() % 8;
    v.act_addr_b = 1200 + rng() % 8;
    v.acc_addr = 2;
    std::vector<std::int32_t> before(static_cast<std::size_t>(4096 / (4 * C) * C));
    for (auto& x : before) x = static_cast<std::int32_t>(rng());
    std::vector<std::uint8_t> act(4096);
    for (auto& x : act) x = static_cast<std::uint8_t>(rng());
    for (bool portable : {false, true}) {
      Machine m(hw, 16);
      m.set_portable_kernels(portable);
      std::copy(act.begin(), act.end(), m.act().begin());
      std::copy(before.begin(), before.end(), m.acc().begin());
      m.run(std::vector{I(v)});
      auto x = [&](std::int64_t addr, bool sgn) -> std::int64_t {
        return sgn ? std::int64_t{static_cast<std::int8_t>(act[static_cast<std::size_t>(addr)])} : std::int64_t{act[static_cast<std::size_t>(addr)]};
      };
      for (std::int64_t oy = 0, p = 0; oy < v.out_h; ++oy)
        for (std::int64_t ox = 0; ox < v.out_w; ++ox, ++p)
          for (std::int64_t l = 0; l < C; ++l) {
            const std::size_t e = static_cast<std::size_t>((v.acc_addr + p) * C + l);
            if (l >= v.n_lanes) {
              ASSERT_EQ(m.acc()[e], before[e]);
              continue;
            }
            const std::int64_t base = oy * v.stride_y * v.row_stride + ox * v.stride_x * v.pix_stride + l;
            std::int64_t r = v.op == 0 ? std::numeric_limits<std::int64_t>::min() : 0;
            if (v.op == 2) {
              r = x(v.act_addr + base, v.a_signed) * (std::int64_t{1} << v.la) + x(v.act_addr_b + base, v.b_signed) * (std::int64_t{1} << v.lb);
            } else {
              for (std::int64_t ty = 0; ty < v.taps_y; ++ty)
                for (std::int64_t tx = 0; tx < v.taps_x; ++tx) {
                  const std::int64_t xv = x(v.act_addr + base + ty * v.dil_y * v.row_stride + tx * v.dil_x * v.pix_stride, v.a_signed);
                  r = v.op == 0 ? std::max(r, xv) : r + xv;
                }
            }
            if (v.accumulate) r = v.op == 0 ? std::max<std::int64_t>(before[e], r) : before[e] + r;
            ASSERT_EQ(m.acc()[e], wrap(r, 32)) << "trial " << trial << " pixel " << p << " lane " << l << (portable ? " portable" : "");
          }
    }
  }
}

TEST(Ppu, PerChannelShiftOutOfRangeIsAnError) {
  Machine m(hw_cfg(4, 2), 16);
  m.param()[1] = 40;
  Ppu p;
  p.shift_per_channel = 1;
  p.n_cols = 2;
  p.act_max = 255;
  const std::string e = run_error(m, {I(p)});
  EXPECT_NE(e.find("per-channel shift of lane 1 (parameter SRAM byte 1) is 40, outside [-15, 31]"), std::string::npos) << e;
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens and schedules

TEST(Tokens, PushPopAndLeftovers) {
  Machine m(hw_cfg(4, 4), 16);
  std::vector<Instruction> code = {
      I(Sync{0}, Deps{false, false, false, true}),   // load pushes l2c
      I(Sync{1}, Deps{true, false, false, true}),    // compute pops l2c, pushes c2s
      I(Sync{2}, Deps{true, false, true, false}),    // store pops c2s, pushes s2c
      I(Sync{1}, Deps{false, true, true, false}),    // compute pops s2c, pushes c2l
  };
  for (Schedule s : {Schedule::ProgramOrder, Schedule::LoadFirst, Schedule::ComputeFirst}) {
    m.run(code, s);
    EXPECT_EQ(m.tokens(), (std::array<int, 4>{0, 1, 0, 0}));  // the c2l token is left
    EXPECT_EQ(m.stats().insns[0], 4);
  }
}

TEST(Tokens, UnderflowNamesThePcAndTheTokenQueue) {
  Machine m(hw_cfg(4, 4), 16);
  const std::string e = run_error(m, {I(Sync{0}), I(Gemm{}, Deps{true, false, false, false})});
  EXPECT_NE(e.find("pc 1: token underflow: pops l2c (load to compute), but no token was pushed before it in program order"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("1: GEMM pop_prev |"), std::string::npos) << e;
}

TEST(Tokens, DeadlockListsEveryQueue) {
  Machine m(hw_cfg(4, 4), 16);
  // The load waits for compute, compute waits for the load: a cycle.
  const std::vector<Instruction> code = {I(Sync{0}, Deps{false, true, false, true}), I(Sync{1}, Deps{true, false, true, false})};
  for (Schedule s : {Schedule::LoadFirst, Schedule::ComputeFirst}) {
    const std::string e = run_error(m, code, s);
    EXPECT_NE(e.find("pc 0: deadlock: no queue can proceed (tokens l2c=0 c2l=0 c2s=0 s2c=0)"), std::string::npos) << e;
    EXPECT_NE(e.find("load queue: waiting at pc 0: SYNC pop_next push_next"), std::string::npos) << e;
    EXPECT_NE(e.find("compute queue: waiting at pc 1"), std::string::npos) << e;
    EXPECT_NE(e.find("store queue: done"), std::string::npos) << e;
  }
  EXPECT_NE(run_error(m, code).find("token underflow"), std::string::npos);
}

TEST(Tokens, OverflowAt255) {
  Machine m(hw_cfg(4, 4), 16);
  std::vector<Instruction> code(256, I(Sync{0}, Deps{false, false, false, true}));
  const std::string e = run_error(m, code);
  EXPECT_NE(e.find("pc 255: token overflow: pushes l2c (load to compute), which already holds 255 tokens"), std::string::npos) << e;
  // Decoupled, the load queue waits for a pop that never comes.
  EXPECT_NE(run_error(m, code, Schedule::LoadFirst).find("deadlock"), std::string::npos);
}

TEST(Tokens, DecoupledSchedulesOrderQueues) {
  // A load writes act[0] = DRAM[0]; a STORE copies act[0] to DRAM[8]. Without tokens the store may run before the load
  // (compute-first) or after it (load-first): the schedules expose the missing synchronisation.
  Machine m(hw_cfg(4, 4), 16);
  Load l;
  l.x_size = 1;
  l.y_size = 1;
  l.z_size = 1;
  Store s;
  s.dram_addr = 8;
  const std::vector<Instruction> racy = {I(l), I(s)};
  m.dram()[0] = 42;
  m.run(racy, Schedule::LoadFirst);
  EXPECT_EQ(m.dram()[8], 42);
  m.act()[0] = 0;
  m.dram()[8] = 0;
  m.run(racy, Schedule::ComputeFirst);  // the store queue goes before the load queue
  EXPECT_EQ(m.dram()[8], 0);
  const std::vector<Instruction> synced = {I(l, Deps{false, false, false, true}), I(Sync{1}, Deps{true, false, false, true}),
                                           I(s, Deps{true, false, false, false})};
  m.run(synced, Schedule::ComputeFirst);
  EXPECT_EQ(m.dram()[8], 42);
}

// ---------------------------------------------------------------------------------------------------------------
// Out-of-range accesses and illegal instructions

TEST(Errors, OutOfRangeAccessesNameTheMemoryAndRange) {
  Machine m(hw_cfg(4, 4), 100);
  struct Case { Instruction in; const char* msg; };
  Load l;
  l.x_size = 10;
  l.y_size = 1;
  l.z_size = 1;
  l.dram_addr = 95;
  Load l2 = l;
  l2.dram_addr = 0;
  l2.sram_addr = 4090;
  Store s;
  s.x_size = 8;
  s.dram_addr = 96;
  Gemm g;
  g.span = 4;
  g.out_w = 3;
  g.pix_stride = 2100;
  Vec v;
  v.acc_addr = 255;
  v.out_w = 2;
  Ppu p;
  p.out_addr = 4095;
  p.n_cols = 2;
  const Case cases[] = {
      {I(l), "pc 0: DRAM read [95, 105) is outside the DRAM [0, 100)"},
      {I(l2), "pc 0: activation SRAM write [4090, 4100) is outside the activation SRAM [0, 4096)"},
      {I(s), "pc 0: DRAM write [96, 104) is outside the DRAM [0, 100)"},
      {I(g), "pc 0: activation SRAM read [0, 4204) is outside the activation SRAM [0, 4096)"},
      {I(v), "pc 0: accumulator SRAM entries [255, 257) is outside the accumulator SRAM [0, 256)"},
      {I(p), "pc 0: activation SRAM write [4095, 4097) is outside the activation SRAM [0, 4096)"},
  };
  for (const Case& c : cases) {
    const std::string e = run_error(m, {c.in});
    EXPECT_NE(e.find(c.msg), std::string::npos) << c.msg << "\n" << e;
    EXPECT_NE(e.find("\n  0: " + to_string(c.in)), std::string::npos) << e;
  }
  Gemm g2;
  g2.span = 4;
  g2.pix_stride = 1000;
  g2.out_w = 4;  // reads up to 3004: fine
  EXPECT_EQ(run_error(m, {I(g2)}), "");
}

TEST(Errors, IllegalInstructionForTheMachine) {
  Machine m(hw_cfg(4, 4), 16);
  Gemm g;
  g.n_cols = 5;
  const std::string e = run_error(m, {I(Sync{1}), I(g)});
  EXPECT_NE(e.find("pc 1: illegal instruction: n_cols = 5 is outside [1, 4] (C)"), std::string::npos) << e;
  Instruction bad = I(Load{});
  bad.deps.pop_prev = true;
  EXPECT_NE(run_error(m, {bad}).find("pc 0: illegal instruction: flag pop_prev is illegal on the load queue"), std::string::npos);
}

TEST(Machine, ExecuteOneInstructionIgnoresTokens) {
  Machine m(hw_cfg(4, 4), 16);
  m.dram()[3] = 9;
  Load l;
  l.dram_addr = 3;
  l.y_size = l.z_size = 1;
  m.execute(I(l, Deps{false, true, false, true}), 7);  // a pop that run() could not satisfy
  EXPECT_EQ(m.act()[0], 9);
  EXPECT_EQ(m.tokens(), (std::array<int, 4>{0, 0, 0, 0}));
  EXPECT_EQ(m.stats().insns[static_cast<int>(Opcode::Load)], 1);
  Gemm g;
  g.n_cols = 9;
  try {
    m.execute(I(g), 7);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pc 7: illegal instruction: n_cols = 9"), std::string::npos) << e.what();
  }
}

// A program that reads a DRAM region before overwriting it with its input: every run must see the memory image
// (initialised bytes, then zeros), not what the previous run stored there.
TEST(Interpreter, EachRunStartsFromTheMemoryImage) {
  Program p;
  p.hw = hw_cfg(4, 4);
  p.network = "t";
  p.dram_bytes = 64;
  p.dram_init = {100, 101, 102, 103, 104, 105, 106, 107};
  p.values = {ValueRegion{"in", DType::U8, 1, 1, 8, 0, 16}, ValueRegion{"out", DType::U8, 1, 1, 8, 0, 32}};
  p.input = 0;
  p.output = 1;
  Load l;
  l.buf = 0;
  l.x_size = 8;
  l.y_size = 1;
  l.z_size = 1;
  l.dram_addr = 4;  // bytes 4..11: four initialised, four zero
  Store st;
  st.x_size = 8;
  st.dram_addr = 32;
  Load l2 = l;
  l2.dram_addr = 16;
  l2.sram_addr = 8;
  Store st2 = st;
  st2.sram_addr = 8;
  st2.dram_addr = 4;
  p.code = {I(l), I(st), I(l2), I(st2)};
  Interpreter it(p, HazardCheck::Off);  // no tokens: a race the checker refuses; this test is about the DRAM image
  const std::vector<std::uint8_t> expect = {104, 105, 106, 107, 0, 0, 0, 0};
  for (int run = 0; run < 3; ++run) {
    Tensor in(DType::U8, {1, 1, 1, 8}, 0);
    for (int i = 0; i < 8; ++i) in.raw()[i] = static_cast<std::uint8_t>(200 + 10 * run + i);
    const IsaResult r = it.run(in);
    EXPECT_EQ(std::vector<std::uint8_t>(r.output.raw(), r.output.raw() + 8), expect) << "run " << run;
  }
}

TEST(Errors, NameTheLayerWhenGiven) {
  Machine m(hw_cfg(4, 4), 16);
  Store s;
  s.dram_addr = 100;
  const std::vector<Instruction> code = {I(Sync{0}), I(s)};
  const LayerRange layers[] = {{"conv1", OpKind::Conv2D, 0, 1, 0}, {"pool", OpKind::MaxPool, 1, 2, 1}};
  try {
    m.run(code, Schedule::ProgramOrder, layers);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pc 1 (layer 'pool'): DRAM write"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lutsim
