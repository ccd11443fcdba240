// The one counter struct: every field has one report name, the JSON writer's schema and order (docs/sim.md), the
// functional subset, the reader, the arithmetic, and the ISA interpreter counting the functional counters by the
// rules of docs/sim.md.
#include "lutsim/firmware/counters.h"

#include <gtest/gtest.h>

#include <set>

#include "fw_test_util.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "net_builder.h"

namespace lutsim {
namespace {

using ojson = nlohmann::ordered_json;

// Every counter set to its index + 1.
Counters numbered() {
  Counters c;
  std::int64_t k = 0;
  for (const CounterInfo& i : counter_infos()) i.field(c) = ++k;
  return c;
}

std::vector<std::string> keys(const ojson& j) {
  std::vector<std::string> k;
  for (const auto& [key, v] : j.items()) k.push_back(key);
  return k;
}

TEST(Counters, EveryFieldHasOneName) {
  EXPECT_EQ(counter_infos().size() * sizeof(std::int64_t), sizeof(Counters));
  const Counters c = numbered();
  std::set<std::int64_t> seen;
  std::set<std::string_view> paths;
  for (const CounterInfo& i : counter_infos()) {
    seen.insert(i.value(c));
    paths.insert(i.path);
  }
  EXPECT_EQ(seen.size(), counter_infos().size()) << "two names for one field";
  EXPECT_EQ(paths.size(), counter_infos().size()) << "one name for two fields";
  EXPECT_EQ(counter_path(&Counters::macs), "macs");
  EXPECT_EQ(counter_path(&Counters::pe_idle), "pe_cycles.idle");
  EXPECT_EQ(counter_path(&Counters::dram_write_bursts), "dram.write_bursts");
  EXPECT_EQ(counter_path(&Counters::param, &SramCounters::write_bytes), "sram.param.write_bytes");
  EXPECT_EQ(counter_path(&Counters::acc, &SramCounters::reads), "sram.acc.reads");
  EXPECT_EQ(counter_path(isa::Opcode::Gemm), "instructions.GEMM");
}

TEST(Counters, JsonSchemaAndOrderOfDocsSim) {
  const Counters c = numbered();
  const ojson j = counters_json(c, true);
  EXPECT_EQ(keys(j), (std::vector<std::string>{"instructions", "macs", "lut_reads", "lut_writes", "pe_code_writes",
                                               "pe_cycles", "acc_reads", "acc_writes", "sram", "dram", "ppu_lane_ops",
                                               "vec_lane_ops"}));
  EXPECT_EQ(keys(j["instructions"]), (std::vector<std::string>{"SYNC", "LOAD", "STORE", "WCFG", "GEMM", "VEC", "PPU"}));
  EXPECT_EQ(keys(j["pe_cycles"]), (std::vector<std::string>{"weight_load", "stream", "drain", "idle"}));
  EXPECT_EQ(keys(j["sram"]), (std::vector<std::string>{"act", "wgt", "param", "acc"}));
  EXPECT_EQ(keys(j["sram"]["wgt"]), (std::vector<std::string>{"read_bytes", "write_bytes", "reads", "writes"}));
  EXPECT_EQ(keys(j["dram"]), (std::vector<std::string>{"read_bytes", "write_bytes", "read_bursts", "write_bursts"}));
  EXPECT_EQ(j["instructions"]["GEMM"], c.insns[static_cast<std::size_t>(isa::Opcode::Gemm)]);
  EXPECT_EQ(j["macs"], c.macs);
  EXPECT_EQ(j["sram"]["wgt"]["reads"], c.wgt.reads);
  EXPECT_EQ(j["dram"]["write_bytes"], c.dram_write_bytes);
  EXPECT_EQ(j["vec_lane_ops"], c.vec_lane_ops);
  EXPECT_EQ(counters_from_json(j), c);
}

TEST(Counters, TheFunctionalSubset) {
  const Counters c = numbered();
  const ojson j = counters_json(c, false);
  EXPECT_FALSE(j.contains("pe_cycles"));
  EXPECT_EQ(keys(j["sram"]["act"]), (std::vector<std::string>{"read_bytes", "write_bytes"}));
  EXPECT_EQ(keys(j["dram"]), (std::vector<std::string>{"read_bytes", "write_bytes"}));
  EXPECT_EQ(j["acc_reads"], c.acc_reads);
  Counters f = counters_from_json(j);
  EXPECT_EQ(f.pe_stream, 0);
  EXPECT_EQ(f.act.reads, 0);
  EXPECT_EQ(f.dram_read_bursts, 0);
  for (const CounterInfo& i : counter_infos())
    EXPECT_EQ(i.value(f), i.kind == CounterKind::Functional ? i.value(c) : 0) << i.path;
}

TEST(Counters, SumsAndDifferences) {
  const Counters a = numbered();
  Counters b;
  b.macs = 5;
  b.act.write_bytes = 7;
  b.insns[2] = 1;
  Counters s = a;
  s += b;
  EXPECT_EQ(s.macs, a.macs + 5);
  EXPECT_EQ(s.act.write_bytes, a.act.write_bytes + 7);
  EXPECT_EQ(s.insns[2], a.insns[2] + 1);
  EXPECT_EQ(s - b, a);
  EXPECT_EQ(a.instructions(), 1 + 2 + 3 + 4 + 5 + 6 + 7);
}

// The interpreter counts every functional counter: a 4-bit conv with a LUT, a max pool (VEC), a reshape and a raw
// 8-bit dense layer, checked against the rules of docs/sim.md from the program's instructions.
TEST(Counters, TheInterpreterCountsTheFunctionalCounters) {
  fwtest::NetBuilder b("counted", 6, 6, 8, DType::U8, 3);
  fwtest::ConvOpt o;
  o.out_c = 8;
  const int c = b.conv(b.input(), o);
  const int pool = b.pool(c, OpKind::MaxPool, 2, 2);
  fwtest::ConvOpt d;
  d.dense = true;
  d.kh = d.kw = 1;
  d.bits = 8;
  d.out_c = 4;
  const Network net = b.done(b.conv(b.reshape(pool, 1, 1, 32), d));
  const HwConfig hw = load_hw_config("small");
  const Program p = compile(net, hw);
  const IsaResult r = interpret(p, b.random_input(2));
  Counters want;
  for (const isa::Instruction& in : p.code) {
    ++want.insns[static_cast<std::size_t>(in.opcode())];
    if (const auto* w = std::get_if<isa::Wcfg>(&in.body)) {
      if (w->mode != static_cast<std::int64_t>(isa::WeightMode::Raw)) want.lut_writes += std::int64_t{hw.cols} << w->bits;
    } else if (const auto* g = std::get_if<isa::Gemm>(&in.body)) {
      const std::int64_t P = g->out_h * g->out_w, nblocks = g->taps_y * g->taps_x * ((g->span + hw.rows - 1) / hw.rows);
      want.pe_code_writes += nblocks * hw.rows * hw.cols;
      want.acc_writes += P * nblocks;
      want.acc_reads += P * (nblocks - (g->accumulate ? 0 : 1));
    } else if (const auto* v = std::get_if<isa::Vec>(&in.body)) {
      const std::int64_t P = v->out_h * v->out_w;
      want.acc_writes += P;
      want.acc_reads += v->accumulate ? P : 0;
      want.vec_lane_ops += P * v->taps_y * v->taps_x * v->n_lanes;
    } else if (const auto* q = std::get_if<isa::Ppu>(&in.body)) {
      want.acc_reads += q->n_pix;
      want.ppu_lane_ops += q->n_pix * q->n_cols;
    }
  }
  const Counters& got = r.stats;
  for (std::size_t op = 0; op < want.insns.size(); ++op) EXPECT_EQ(got.insns[op], 2 * want.insns[op]) << op;
  EXPECT_EQ(got.lut_writes, 2 * want.lut_writes);
  EXPECT_EQ(got.pe_code_writes, 2 * want.pe_code_writes);
  EXPECT_EQ(got.acc_reads, 2 * want.acc_reads);
  EXPECT_EQ(got.acc_writes, 2 * want.acc_writes);
  EXPECT_EQ(got.vec_lane_ops, 2 * want.vec_lane_ops);
  EXPECT_EQ(got.ppu_lane_ops, 2 * want.ppu_lane_ops);
  EXPECT_GT(got.vec_lane_ops, 0);
  // LUT reads: the conv's MACs (4-bit codes through a LUT), none of the 8-bit dense layer's.
  const Counters& conv = r.layer_stats[0];
  const Counters& dense = r.layer_stats[3];
  EXPECT_GT(conv.macs, 0);
  EXPECT_EQ(conv.lut_reads, conv.macs);
  EXPECT_GT(dense.macs, 0);
  EXPECT_EQ(dense.lut_reads, 0);
  EXPECT_EQ(got.lut_reads, conv.lut_reads);
  // No timed counter.
  for (const CounterInfo& i : counter_infos()) {
    if (i.kind == CounterKind::Timed) {
      EXPECT_EQ(i.value(got), 0) << i.path;
    }
  }
}

TEST(Counters, TheUntimedReport) {
  fwtest::NetBuilder b("untimed", 4, 4, 4, DType::U8, 8);
  fwtest::ConvOpt o;
  o.out_c = 4;
  const Network net = b.done(b.conv(b.input(), o));
  const HwConfig hw = load_hw_config("default");
  const Program p = compile(net, hw);
  const IsaResult r = interpret(p, b.random_input(3));
  const ojson j = untimed_report_json(p, 3, r.stats, r.layer_stats);
  EXPECT_EQ(keys(j), (std::vector<std::string>{"format", "version", "network", "hw", "clock_mhz", "images", "total",
                                               "layers"}));
  EXPECT_EQ(j["format"], "lutsim-sim-report");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["network"], "untimed");
  EXPECT_TRUE(j["hw"].contains("fingerprint"));
  EXPECT_EQ(j["images"], 3);
  EXPECT_EQ(j["total"]["cycles"], 0);
  EXPECT_EQ(counters_from_json(j["total"]["counters"]), r.stats);
  ASSERT_EQ(j["layers"].size(), 1u);
  EXPECT_EQ(keys(j["layers"][0]), (std::vector<std::string>{"name", "op", "first_pc", "end_pc", "cycles", "counters"}));
  EXPECT_EQ(j["layers"][0]["name"], net.layers[0].name);
  EXPECT_EQ(j["layers"][0]["op"], "conv2d");
  EXPECT_EQ(counters_from_json(j["layers"][0]["counters"]), r.layer_stats[0]);
}

}  // namespace
}  // namespace lutsim
