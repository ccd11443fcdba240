// The simulation report: its invariants (every unit's busy + stalled + idle equals the cycles of each layer and of
// the run, layers partition the run), the counters against independent counts, analytic sanity (a GEMM-bound
// layer takes the array's MACs / (R x C) cycles, a DMA-bound layer bytes / B), reproducibility, the JSON schema
// and the timeline, and errors for bad options.
#include <gtest/gtest.h>

#include "fw_test_util.h"
#include "lutsim/sim/simulator.h"
#include "lutsim/zoo/zoo.h"
#include "net_builder.h"

namespace lutsim::sim {
namespace {

Network lenet(LutMode lut) {
  zoo::ZooOptions o;
  o.arch = zoo::Arch::LeNet5;
  o.lut_mode = lut;
  o.seed = 9;
  return zoo::build(o);
}

void expect_partition(const std::array<UnitTime, kNumUnits>& units, std::int64_t cycles, const std::string& what) {
  for (int u = 0; u < kNumUnits; ++u) {
    const UnitTime& t = units[static_cast<std::size_t>(u)];
    EXPECT_EQ(t.busy + t.stalled + t.idle, cycles) << what << " unit " << unit_name(static_cast<Unit>(u));
    EXPECT_GE(t.idle, 0) << what;
    std::int64_t s = 0;
    for (std::int64_t x : t.stall) s += x;
    EXPECT_EQ(s, t.stalled) << what;
  }
}

TEST(SimReport, UnitsAndLayersPartitionTheRun) {
  const Network net = lenet(LutMode::PerChannel);
  const Program p = compile(net, load_hw_config("default"));
  Simulator s(p);
  s.run(zoo::random_input(net, 3, 1));
  const SimReport& r = s.report();
  EXPECT_EQ(r.images, 3);
  EXPECT_EQ(r.cycles, s.image_cycles()[0] + s.image_cycles()[1] + s.image_cycles()[2]);
  expect_partition(r.units, r.cycles, "total");
  std::int64_t sum = 0, prev_end = 0;
  for (const LayerReport& l : r.layers) {
    const std::int64_t cyc = l.units[0].busy + l.units[0].stalled + l.units[0].idle;
    expect_partition(l.units, cyc, l.name);
    EXPECT_EQ(l.start_cycle, prev_end) << l.name;
    EXPECT_EQ(l.end_cycle - l.start_cycle, cyc / 3) << l.name;  // three identical images
    prev_end = l.end_cycle;
    sum += cyc;
    const Counters& c = l.counters;
    EXPECT_EQ(c.pe_weight_load + c.pe_stream + c.pe_drain + c.pe_idle, cyc) << l.name;
    EXPECT_EQ(c.lut_reads, c.macs) << l.name;  // 4-bit LUT weights
    EXPECT_EQ(c.acc.reads, c.acc_reads);
    EXPECT_EQ(c.acc.read_bytes % 4, 0);
  }
  EXPECT_EQ(prev_end, s.image_cycles()[2]);
  EXPECT_EQ(sum, r.cycles);
  // Independent counts: every GEMM writes R x C code registers per weight block; the MACs are the network's.
  std::int64_t macs = 0;
  for (const Layer& l : net.layers) macs += layer_macs(net, l) * 3;
  EXPECT_EQ(r.counters.macs, macs);
  EXPECT_EQ(r.counters.insns[static_cast<std::size_t>(isa::Opcode::Gemm)],
            3 * std::count_if(p.code.begin(), p.code.end(), [](const isa::Instruction& in) { return in.opcode() == isa::Opcode::Gemm; }));
  std::int64_t codes = 0, ppu_ops = 0;
  for (const isa::Instruction& in : p.code) {
    if (in.opcode() == isa::Opcode::Gemm) {
      const auto& g = std::get<isa::Gemm>(in.body);
      codes += g.taps_y * g.taps_x * ((g.span + 15) / 16) * 256;
    }
    if (in.opcode() == isa::Opcode::Ppu) ppu_ops += std::get<isa::Ppu>(in.body).n_pix * std::get<isa::Ppu>(in.body).n_cols;
  }
  EXPECT_EQ(r.counters.pe_code_writes, 3 * codes);
  EXPECT_EQ(r.counters.ppu_lane_ops, 3 * ppu_ops);
  EXPECT_GT(r.counters.dram_read_bursts, 0);
  EXPECT_GE(r.counters.dram_read_bursts * 64, r.counters.dram_read_bytes);
}

TEST(SimReport, EightBitWeightsReadNoLut) {
  zoo::ZooOptions o;
  o.arch = zoo::Arch::LeNet5;
  o.weight_bits = 8;
  const Network net = zoo::build(o);
  Simulator s(compile(net, load_hw_config("default")));
  s.run(zoo::random_input(net, 1, 2));
  EXPECT_GT(s.report().counters.macs, 0);
  EXPECT_EQ(s.report().counters.lut_reads, 0);
  EXPECT_EQ(s.report().counters.lut_writes, 0);
}

HwConfig wide_dram() {
  HwConfig h = load_hw_config("default");
  h.dram_max_outstanding = 64;  // enough bursts in flight to cover L at B: the DMA runs at B
  h.act_sram_bytes = 512 * 1024;
  return h;
}

// A 3x3 convolution of 64 to 64 channels on a 32x32 map: 64 input and output channels fill the 16 x 16 array and
// every pass streams more pixels than R, so the array needs MACs / (R x C) cycles; loads overlap the compute.
// Tolerance: +10% for the first loads, weight loads, fills and drains (measured: +7%).
TEST(SimReport, GemmBoundLayerTakesMacsOverArraySize) {
  fwtest::NetBuilder b("gemm_bound", 32, 32, 64, DType::U8, 3);
  fwtest::ConvOpt c;
  c.out_c = 64;
  c.pt = c.pb = c.pl = c.pr = 1;
  const Network net = b.done(b.conv(b.input(), c));
  const HwConfig hw = wide_dram();
  Simulator s(compile(net, hw));
  s.run(b.random_input(1));
  const double ideal = static_cast<double>(layer_macs(net, net.layers[0])) / (hw.rows * hw.cols);
  const double got = static_cast<double>(s.report().cycles);
  EXPECT_GE(got, ideal);
  EXPECT_LE(got, 1.10 * ideal) << "cycles " << got << " ideal " << ideal;
  EXPECT_GT(pe_utilization(s.report().counters, hw, s.report().cycles), 0.87);
}

// A concat copies its inputs through the DMA with no compute: reads and writes share B, so it takes
// (bytes read + bytes written) / B cycles. Tolerance: +5% for the latency and the first and last tiles (measured:
// +1%).
TEST(SimReport, DmaBoundLayerTakesBytesOverBandwidth) {
  fwtest::NetBuilder b("dma_bound", 64, 64, 32, DType::U8, 4);
  const Network net = b.done(b.concat({b.input(), b.input()}));
  const HwConfig hw = wide_dram();
  Simulator s(compile(net, hw));
  s.run(b.random_input(1));
  const Counters& c = s.report().counters;
  EXPECT_EQ(c.dram_read_bytes, 2 * 64 * 64 * 32);
  EXPECT_EQ(c.dram_write_bytes, 2 * 64 * 64 * 32);
  const double ideal = static_cast<double>(c.dram_read_bytes + c.dram_write_bytes) / hw.dram_bytes_per_cycle;
  const double got = static_cast<double>(s.report().cycles);
  EXPECT_GE(got, ideal);
  EXPECT_LE(got, 1.05 * ideal) << "cycles " << got << " ideal " << ideal;
}

TEST(SimReport, RunsReproduce) {
  const Network net = lenet(LutMode::PerLayer);
  const Program p = compile(net, load_hw_config("small"));
  const Tensor in = zoo::random_input(net, 2, 5);
  Simulator a(p);
  a.run(in);
  Simulator b(p);
  b.run(in);
  EXPECT_EQ(a.report().to_json().dump(), b.report().to_json().dump());
  // The same image twice gives the same cycles, even though simulated time goes on between them.
  Tensor twice(in.dtype(), {2, in.dim(1), in.dim(2), in.dim(3)});
  const std::size_t per = in.nbytes() / 2;
  std::memcpy(twice.raw(), in.raw(), per);
  std::memcpy(twice.raw() + per, in.raw(), per);
  Simulator c(p);
  c.run(twice);
  EXPECT_EQ(c.image_cycles()[0], c.image_cycles()[1]);
  EXPECT_EQ(c.image_cycles()[0], a.image_cycles()[0]);
}

TEST(SimReport, JsonFollowsTheSchema) {
  const Network net = lenet(LutMode::PerChannel);
  const Program p = compile(net, load_hw_config("default"));
  Simulator s(p, SimOptions{.timeline = true});
  s.run(zoo::random_input(net, 1, 6));
  const auto j = s.report().to_json();
  EXPECT_EQ(j["format"], "lutsim-sim-report");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["network"], net.name);
  EXPECT_EQ(j["hw"]["fingerprint"].get<std::string>().substr(0, 2), "0x");
  EXPECT_EQ(j["clock_mhz"], 500.0);
  for (const auto* part : {&j["total"], &j["layers"][0]}) {
    const auto& t = *part;
    for (const char* k : {"cycles", "counters", "units", "pe_utilization", "dram_bandwidth_bytes_per_cycle"})
      EXPECT_TRUE(t.contains(k)) << k;
    const auto& c = t["counters"];
    for (const char* k : {"instructions", "macs", "lut_reads", "lut_writes", "pe_code_writes", "pe_cycles", "acc_reads",
                          "acc_writes", "sram", "dram", "ppu_lane_ops", "vec_lane_ops"})
      EXPECT_TRUE(c.contains(k)) << k;
    for (const char* op : {"SYNC", "LOAD", "STORE", "WCFG", "GEMM", "VEC", "PPU"}) EXPECT_TRUE(c["instructions"].contains(op));
    for (const char* k : {"weight_load", "stream", "drain", "idle"}) EXPECT_TRUE(c["pe_cycles"].contains(k));
    for (const char* m : {"act", "wgt", "param", "acc"})
      for (const char* k : {"read_bytes", "write_bytes", "reads", "writes"}) EXPECT_TRUE(c["sram"][m].contains(k));
    for (const char* k : {"read_bytes", "write_bytes", "read_bursts", "write_bursts"}) EXPECT_TRUE(c["dram"].contains(k));
    for (const char* u : {"fetch", "dma_read", "dma_write", "pe_array", "vector", "ppu"}) {
      const auto& ut = t["units"][u];
      EXPECT_EQ(ut["busy"].get<std::int64_t>() + ut["stalled"].get<std::int64_t>() + ut["idle"].get<std::int64_t>(),
                t["cycles"].get<std::int64_t>());
      for (const char* r : {"dram", "token", "compute", "queue_full"}) EXPECT_TRUE(ut["stall_reasons"].contains(r));
    }
  }
  EXPECT_EQ(j["layers"].size(), net.layers.size());
  for (const auto& l : j["layers"]) {
    const std::string op = l["op"];
    EXPECT_TRUE(op == "conv2d" || op == "dense" || op == "avgpool" || op == "maxpool" || op == "reshape" ||
                op == "global_avgpool" || op == "add" || op == "concat")
        << op;
  }
  // The timeline: one named track per unit plus the layers, complete events inside the run.
  const auto tl = s.timeline_json();
  int tracks = 0, events = 0;
  const double end_us = static_cast<double>(s.report().cycles) / 500.0;
  for (const auto& e : tl["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") ++tracks;
    if (e["ph"] == "X") {
      ++events;
      EXPECT_GE(e["dur"].get<double>(), 0.0);
      EXPECT_LE(e["ts"].get<double>() + e["dur"].get<double>(), end_us + 1e-6);
    }
  }
  EXPECT_EQ(tracks, 1 + kNumUnits);
  EXPECT_GT(events, static_cast<int>(p.code.size()));
}

TEST(SimReport, BadOptionsAndConfigsAreClearErrors) {
  const Network net = lenet(LutMode::PerLayer);
  const Program p = compile(net, load_hw_config("default"));
  try {
    Simulator s(p, SimOptions{.watchdog_cycles = 0});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("watchdog"), std::string::npos) << e.what();
  }
  Program bad = p;
  bad.hw.dram_burst_bytes = 48;
  try {
    Simulator s(bad);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dram.burst_bytes"), std::string::npos) << e.what();
  }
  Simulator s(p);
  try {
    s.run(Tensor(DType::S8, {1, 32, 32, 1}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expects u8 [N, 32, 32, 1]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lutsim::sim
