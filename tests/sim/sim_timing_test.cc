// Timing of each unit at the edge (docs/architecture.md section 11, whose WCFG, GEMM, VEC and PPU rows are the
// RTL's measured latencies): for every latency N of a hand-built
// instruction, the model completes it at exactly N cycles after its start (not at N - 1), and a dependent
// instruction in another queue starts exactly one cycle later (a push is visible 1 cycle after completion).
// Expected latencies are computed here from the table, not from the model's own timing functions.
#include <gtest/gtest.h>

#include <algorithm>

#include "fw_test_util.h"
#include "lutsim/sim/simulator.h"

namespace lutsim::sim {
namespace {

using isa::Deps;
using isa::Instruction;

Program make_program(const HwConfig& hw, std::vector<Instruction> code) {
  Program p;
  p.hw = hw;
  p.network = "timing";
  p.code = std::move(code);
  p.dram_bytes = 1 << 20;
  ValueRegion v;
  v.name = "x";
  v.c = 16;
  p.values = {v};
  p.layers = {LayerRange{"all", OpKind::Conv2D, 0, static_cast<std::uint32_t>(p.code.size()), 0}};
  return p;
}

// Runs one image and returns each instruction's (start, done). The programs here time units against each other and
// let instructions of two queues touch the same bytes without a token on purpose, so the hazard check is off.
std::vector<Simulator::InsnTime> times(const Program& p, std::int64_t* total = nullptr) {
  Simulator s(p, SimOptions{.hazard_check = HazardCheck::Off});
  s.run(Tensor(DType::U8, {1, 1, 1, 16}));
  if (total) *total = s.report().cycles;
  return s.insn_times();
}

HwConfig hw_with(int rows, int cols, double b, int lat, int m, int z, int q = 16) {
  HwConfig h = load_hw_config("default");
  h.rows = rows;
  h.cols = cols;
  h.dram_bytes_per_cycle = b;
  h.dram_latency_cycles = lat;
  h.dram_max_outstanding = m;
  h.dram_burst_bytes = z;
  h.queue_depth = q;
  return h;
}

Instruction sync(isa::Queue q, Deps d = {}) { return Instruction{d, isa::Sync{static_cast<std::int64_t>(q)}}; }

Instruction load(std::int64_t n, std::int64_t dram_addr = 0, Deps d = {}) {
  isa::Load l;
  l.buf = 0;
  l.dram_addr = dram_addr;
  l.x_size = n;
  l.y_size = 1;
  l.z_size = 1;
  l.y_stride = n;
  l.z_stride = n;
  return Instruction{d, l};
}

Instruction store(std::int64_t n, Deps d = {}) {
  isa::Store s;
  s.dram_addr = 4096;
  s.x_size = n;
  s.y_stride = n;
  s.z_stride = n;
  return Instruction{d, s};
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

TEST(SimTiming, FetchDeliversOneInstructionPerCycleTwoCyclesLater) {
  std::vector<Instruction> code;
  for (int i = 0; i < 10; ++i) code.push_back(sync(isa::Queue::Compute));
  std::int64_t total = 0;
  const auto t = times(make_program(load_hw_config("default"), code), &total);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(t[static_cast<std::size_t>(i)].start, i + 2) << i;
    EXPECT_EQ(t[static_cast<std::size_t>(i)].done, i + 3) << i;  // SYNC: 1 cycle
  }
  EXPECT_EQ(total, 12);
}

TEST(SimTiming, FetchStallsWhileTheQueueIsFull) {
  // Three long LOADs then a compute SYNC. With Q = 1 the third LOAD is fetched only when the second leaves the load
  // queue (when the first completes), and fetch is in order: the SYNC follows a cycle later. With Q = 16 it is
  // fetched at cycle 3.
  for (int q : {1, 16}) {
    const HwConfig hw = hw_with(16, 16, 16, 100, 64, 64, q);
    const std::int64_t T = 2 + 100 + 1024 / 16;
    const Program p = make_program(hw, {load(1024), load(1024), load(1024), sync(isa::Queue::Compute)});
    const auto t = times(p);
    EXPECT_EQ(t[0].start, 2);
    EXPECT_EQ(t[0].done, 2 + T);
    EXPECT_EQ(t[1].done, 2 + 2 * T);
    EXPECT_EQ(t[3].start, q == 1 ? 2 + T + 1 + 2 : 5) << "Q = " << q;
  }
}

TEST(SimTiming, LoadAndStoreTakeSetupLatencyAndBytesOverBandwidth) {
  for (int lat : {0, 1, 7, 50, 100}) {
    for (double b : {4.0, 16.0, 32.0}) {
      for (std::int64_t n : {1, 16, 63, 64, 65, 1000, 4096}) {
        SCOPED_TRACE("L " + std::to_string(lat) + " B " + std::to_string(b) + " n " + std::to_string(n));
        // M large enough that the outstanding limit never binds: the table's 2 + L + ceil(n / B) for a LOAD, one
        // cycle more for a STORE (it reads its first burst from the act SRAM before issuing it).
        const HwConfig hw = hw_with(16, 16, b, lat, 1024, 64);
        const std::int64_t want = 2 + lat + ceil_div(n, static_cast<std::int64_t>(b));
        Deps push;
        push.push_next = true;
        Deps pop;
        pop.pop_prev = true;
        const auto t = times(make_program(hw, {load(n, 0, push), sync(isa::Queue::Compute, pop)}));
        EXPECT_EQ(t[0].done - t[0].start, want);
        // The consumer starts 1 cycle after the producer's completion: not at done, at done + 1.
        EXPECT_EQ(t[1].start, t[0].done + 1);
        const auto s = times(make_program(hw, {store(n)}));
        EXPECT_EQ(s[0].done - s[0].start, want + 1);
      }
    }
  }
}

TEST(SimTiming, OutstandingLimitCapsDmaBandwidth) {
  // M bursts of Z bytes per round trip of L + Z/B cycles: 4096 bytes in 64-byte bursts with M = 2, L = 30,
  // B = 64 need 32 rounds of 31 cycles (the last round's second burst one cycle later).
  const HwConfig hw = hw_with(16, 16, 64, 30, 2, 64);
  const auto t = times(make_program(hw, {load(4096)}));
  EXPECT_EQ(t[0].done - t[0].start, 2 + 31 * 31 + 1 + 31);
}

TEST(SimTiming, PaddingIsWrittenAtPortWidthWithoutDram) {
  const HwConfig hw = hw_with(16, 16, 16, 100, 8, 64);
  for (std::int64_t elems = 1; elems <= 9; ++elems) {
    isa::Load l;
    l.buf = 0;
    l.x_size = 24;
    l.y_size = 0;
    l.z_size = 0;
    l.pad_top = 1;
    l.pad_left = elems;
    const auto t = times(make_program(hw, {Instruction{Deps{}, l}}));
    EXPECT_EQ(t[0].done - t[0].start, 2 + ceil_div(24 * elems, 64)) << elems;  // D = 64
  }
}

TEST(SimTiming, PaddingBeforeTheDataDelaysItsBurstsPaddingAfterOverlapsTheirLatency) {
  // The read channel issues its chunks in the RTL's order, one per cycle: the top padding (2 chunks of D = 64
  // bytes) goes before the data's burst, the bottom padding after it, during the DRAM latency.
  const HwConfig hw = hw_with(16, 16, 16, 100, 8, 64);
  const std::int64_t plain = 2 + 100 + 64 / 16;
  for (int where : {0, 1}) {
    isa::Load l;
    l.buf = 0;
    l.x_size = 64;
    l.y_size = 1;
    l.z_size = 1;
    l.y_stride = 64;
    l.z_stride = 64;
    (where == 0 ? l.pad_top : l.pad_bottom) = 2;  // 2 planes of 64 bytes
    const auto t = times(make_program(hw, {Instruction{Deps{}, l}}));
    EXPECT_EQ(t[0].done - t[0].start, where == 0 ? plain + 2 : plain) << (where == 0 ? "top" : "bottom");
  }
}

TEST(SimTiming, ABurstSpanningPlanesIsWrittenOneRowSegmentPerCycle) {
  // 4 planes of 2 x 8 bytes with one element of left padding: the DRAM box is contiguous (64 bytes, one burst),
  // its data lands in 4 separate plane rows of the SRAM box, one per cycle from the response cycle.
  const HwConfig hw = hw_with(16, 16, 16, 100, 8, 64);
  isa::Load l;
  l.buf = 0;
  l.x_size = 8;
  l.y_size = 2;
  l.z_size = 4;
  l.y_stride = 8;
  l.z_stride = 16;
  l.pad_left = 1;
  const auto t = times(make_program(hw, {Instruction{Deps{}, l}}));
  EXPECT_EQ(t[0].done - t[0].start, 2 + 100 + 64 / 16 + 3);
}

TEST(SimTiming, LoadAndStoreTakeTurnsForTheDram) {
  // M = 1: one burst in flight, each round trip L + Z/B = 11 cycles. The LOAD (start 2) issues at 4; the STORE
  // (start 3) wants the DRAM from 5 on. When the slot frees at 15 both want it and the channel that did not issue
  // last goes first, so they alternate: LOAD bursts at 4, 26, 48, 70, STORE bursts at 15, 37, 59, 81.
  const HwConfig hw = hw_with(16, 16, 64, 10, 1, 64);
  const auto t = times(make_program(hw, {load(256), store(256)}));
  EXPECT_EQ(t[0].start, 2);
  EXPECT_EQ(t[0].done, 70 + 11);
  EXPECT_EQ(t[1].start, 3);
  EXPECT_EQ(t[1].done, 81 + 11);
}

TEST(SimTiming, WcfgLoadsLuts) {
  const HwConfig hw = load_hw_config("default");
  isa::Wcfg raw;
  EXPECT_EQ(times(make_program(hw, {Instruction{Deps{}, raw}}))[0].done - 2, 1);
  for (int b = 1; b <= 4; ++b) {
    isa::Wcfg pl;
    pl.mode = 1;
    pl.bits = b;
    EXPECT_EQ(times(make_program(hw, {Instruction{Deps{}, pl}}))[0].done - 2, 2);  // C = 16 >= 2^b: one read
    // A 4-column array reads a per-layer LUT of 2^b bytes in ceil(2^b / 4) reads.
    const HwConfig narrow = hw_with(4, 4, 16, 100, 8, 64);
    EXPECT_EQ(times(make_program(narrow, {Instruction{Deps{}, pl}}))[0].done - 2, 1 + ceil_div(1 << b, 4)) << b;
    isa::Wcfg pc = pl;
    pc.mode = 2;
    EXPECT_EQ(times(make_program(hw, {Instruction{Deps{}, pc}}))[0].done - 2, 1 + (1 << b)) << b;
  }
}

isa::Gemm gemm(std::int64_t oh, std::int64_t ow, std::int64_t span, std::int64_t taps, std::int64_t cols) {
  isa::Gemm g;
  g.n_cols = cols;
  g.out_h = oh;
  g.out_w = ow;
  g.span = span;
  g.taps_y = taps;
  g.taps_x = taps;
  g.pix_stride = span;
  g.row_stride = span * (ow + taps);
  return g;
}

TEST(SimTiming, GemmFillStreamAndDrain) {
  for (auto [R, C] : {std::pair{4, 4}, {16, 16}, {8, 32}, {1, 8}}) {
    const HwConfig hw = hw_with(R, C, 16, 100, 8, 64);
    for (std::int64_t P : {1, R - 1, R, R + 1, 40}) {
      if (P < 1) continue;
      for (std::int64_t span : {1, R, R + 1, 3 * R}) {
        for (std::int64_t taps : {1, 3}) {
          SCOPED_TRACE("R " + std::to_string(R) + " C " + std::to_string(C) + " P " + std::to_string(P) + " span " +
                       std::to_string(span) + " taps " + std::to_string(taps));
          const std::int64_t nblocks = taps * taps * ceil_div(span, R);
          const std::int64_t L0 = std::max(R, 2), Q = std::max({P, std::int64_t{R}, std::int64_t{2}});
          const std::int64_t want = L0 + (nblocks - 1) * Q + P + R + C + 1;
          if (P >= R && R >= 2) {
            EXPECT_EQ(want, R + nblocks * std::max(P, std::int64_t{R}) + R + C + 1);
          }
          // Two GEMMs and a PPU: each starts when the one before it has written back (no drain overlap, as in
          // the RTL).
          isa::Ppu ppu;
          ppu.n_cols = C;
          ppu.n_pix = P;
          ppu.act_max = 255;
          ppu.out_addr = 60000;
          const auto t = times(make_program(hw, {Instruction{Deps{}, gemm(1, P, span, taps, C)},
                                                 Instruction{Deps{}, gemm(1, P, span, taps, C)},
                                                 Instruction{Deps{}, ppu}}));
          EXPECT_EQ(t[0].done - t[0].start, want);
          EXPECT_EQ(t[1].start, t[0].done);
          EXPECT_EQ(t[2].start, t[1].done);
        }
      }
    }
  }
}

TEST(SimTiming, VectorUnit) {
  const HwConfig hw = load_hw_config("default");
  for (std::int64_t P : {1, 2, 7, 30}) {
    for (std::int64_t taps : {1, 2, 3}) {
      isa::Vec v;
      v.op = 0;
      v.n_lanes = 16;
      v.out_w = P;
      v.taps_y = v.taps_x = taps;
      v.pix_stride = 16;
      v.row_stride = 16 * (P + taps);
      isa::Vec acc = v;
      acc.op = 1;
      acc.accumulate = 1;
      const auto t = times(make_program(hw, {Instruction{Deps{}, v}, Instruction{Deps{}, acc}}));
      EXPECT_EQ(t[0].done - t[0].start, 1 + P * taps * taps + 3) << P << " " << taps;
      EXPECT_EQ(t[1].start, t[0].done);  // accumulating reads the accumulators: waits for the write-back
    }
    isa::Vec add;
    add.op = 2;
    add.n_lanes = 16;
    add.out_w = P;
    add.pix_stride = 16;
    add.act_addr_b = 4096;
    const auto t = times(make_program(hw, {Instruction{Deps{}, add}}));
    EXPECT_EQ(t[0].done - t[0].start, 1 + 2 * P + 3) << P;
  }
}

TEST(SimTiming, PostProcessingUnit) {
  for (auto [R, C] : {std::pair{16, 16}, {32, 8}}) {
    const HwConfig hw = hw_with(R, C, 16, 100, 8, 64);
    const std::int64_t V = std::max(R, C);
    for (int bias = 0; bias < 2; ++bias)
      for (int spc = 0; spc < 2; ++spc)
        for (int s32 = 0; s32 < 2; ++s32)
          for (std::int64_t n : {1, 5, 64}) {
            isa::Ppu p;
            p.bias_en = bias;
            p.shift_per_channel = spc;  // ignored (no shift read) for s32 outputs
            p.out_s32 = s32;
            p.n_cols = n == 5 ? C / 2 + 1 : C;  // bias reads and s32 writes scale with n_cols
            p.n_pix = n;
            p.out_stride = 4 * C;
            p.act_max = 255;
            const std::int64_t setup = 1 + (bias ? ceil_div(4 * p.n_cols, C) : 0) + (spc && !s32 ? 1 : 0);
            const std::int64_t per = s32 ? ceil_div(4 * p.n_cols, V) : 1;
            const auto t = times(make_program(hw, {Instruction{Deps{}, p}}));
            EXPECT_EQ(t[0].done - t[0].start, setup + n * per + 4)
                << "C " << C << " bias " << bias << " shift_pc " << spc << " s32 " << s32 << " n " << n;
          }
  }
}

}  // namespace
}  // namespace lutsim::sim
