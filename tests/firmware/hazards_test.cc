// The hazard checker: silent on every program the compiler makes, and it fires, naming both instructions, when one
// dependency token is taken out of a compiled program.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/hazards.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/format.h"
#include "lutsim/zoo/zoo.h"

namespace lutsim {
namespace {

const std::string kTraces = std::string(LUTSIM_SOURCE_DIR) + "/traces/";

std::vector<Network> networks() {
  std::vector<Network> v;
  for (const std::string t : {"lenet5_per_layer", "lenet5_per_channel_2bit", "lenet5_8bit_acc16_half_even",
                              "resnet18_32x32", "mobilenetv2_32x32_acc24_floor"})
    v.push_back(load_network(kTraces + t + "/net.npz"));
  for (zoo::Arch a : {zoo::Arch::ResNet18, zoo::Arch::MobileNetV2, zoo::Arch::ResNet50}) {
    zoo::ZooOptions o;
    o.arch = a;
    o.input_size = 32;
    o.width = 0.25;
    o.lut_mode = LutMode::PerChannel;
    v.push_back(zoo::build(o));
  }
  return v;
}

std::vector<HwConfig> configs() {
  std::vector<HwConfig> v;
  for (const std::string& p : hw_presets()) v.push_back(load_hw_config(p));
  // A few odd shapes and tight SRAMs, which make the compiler tile and double-buffer differently.
  v.push_back(parse_hw_config(R"({"name": "odd", "array": {"rows": 3, "cols": 5},
      "sram_kib": {"activation": 16, "weight": 4, "accumulator": 2, "parameter": 1}, "queue_depth": 2})", "odd"));
  v.push_back(parse_hw_config(R"({"name": "wide", "array": {"rows": 8, "cols": 32},
      "sram_kib": {"activation": 64, "weight": 16, "accumulator": 8, "parameter": 4}})", "wide"));
  return v;
}

TEST(Hazards, SilentOnEveryCompiledProgram) {
  int programs = 0;
  for (const HwConfig& hw : configs())
    for (const Network& net : networks()) {
      Program p;
      try {
        p = compile(net, hw);
      } catch (const Error&) {
        continue;  // a network that does not fit this config
      }
      ++programs;
      const std::vector<Hazard> h = find_hazards(p);
      EXPECT_TRUE(h.empty()) << net.name << " on " << hw.name << ": " << h.front().describe(p);
    }
  EXPECT_GE(programs, 30);
}

// The (pusher, popper) pairs of every token of a program: the k-th push into a token queue is the k-th pop's.
struct TokenPair {
  std::size_t push, pop;
  bool next;  // the pusher's push_next (else push_prev)
};

std::vector<TokenPair> token_pairs(const Program& p) {
  std::vector<TokenPair> pairs;
  std::vector<std::size_t> pushes[3][3];
  std::size_t popped[3][3] = {};
  for (std::size_t pc = 0; pc < p.code.size(); ++pc) {
    const isa::Instruction& in = p.code[pc];
    const int q = static_cast<int>(isa::queue_of(in));
    auto pop = [&](int from, bool pusher_next) {
      const std::size_t k = popped[from][q]++;
      pairs.push_back({pushes[from][q].at(k), pc, pusher_next});
    };
    if (in.deps.pop_prev) pop(q - 1, true);
    if (in.deps.pop_next) pop(q + 1, false);
    if (in.deps.push_prev) pushes[q][q - 1].push_back(pc);
    if (in.deps.push_next) pushes[q][q + 1].push_back(pc);
  }
  return pairs;
}

Program without_token(Program p, const TokenPair& t) {
  isa::Deps& push = p.code[t.push].deps;
  isa::Deps& pop = p.code[t.pop].deps;
  (t.next ? push.push_next : push.push_prev) = false;
  (t.next ? pop.pop_prev : pop.pop_next) = false;
  return p;
}

TEST(Hazards, TheFirstLoadToGemmTokenRemovedIsAReadAfterWrite) {
  const Program p = compile(load_network(kTraces + "lenet5_per_layer/net.npz"), load_hw_config("default"));
  ASSERT_TRUE(find_hazards(p).empty());
  for (const TokenPair& t : token_pairs(p)) {
    if (p.code[t.push].opcode() != isa::Opcode::Load || p.code[t.pop].opcode() == isa::Opcode::Sync) continue;
    const Program bad = without_token(p, t);
    const std::vector<Hazard> h = find_hazards(bad);
    ASSERT_FALSE(h.empty()) << "removing the token of pc " << t.push << " -> " << t.pop << " went unseen";
    EXPECT_EQ(h[0].kind, HazardKind::ReadAfterWrite);
    // The reader is the popper or an instruction after it in the compute queue; the writer is the LOAD.
    EXPECT_GE(h[0].pc, static_cast<std::int32_t>(t.pop));
    EXPECT_EQ(h[0].other, static_cast<std::int32_t>(t.push));
    const std::string msg = h[0].describe(bad);
    EXPECT_NE(msg.find("pc " + std::to_string(t.push) + " (LOAD, load queue, layer '"), std::string::npos) << msg;
    EXPECT_NE(msg.find("read after write: pc " + std::to_string(h[0].pc)), std::string::npos) << msg;
    try {
      check_hazards(bad, "lenet5");
      ADD_FAILURE() << "check_hazards did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), "lenet5: hazard: " + msg);
    }
    return;
  }
  FAIL() << "no LOAD -> compute token in the program";
}

// Every token taken out in turn: most tokens guard data, and each removal the checker reports names an instruction
// pair that the token ordered. Redundant tokens (ordered anyway through others) stay silent.
TEST(Hazards, RemovingTokensFromEveryQueuePairFires) {
  const Program p = compile(load_network(kTraces + "resnet18_32x32/net.npz"), load_hw_config("small"));
  const std::vector<TokenPair> pairs = token_pairs(p);
  ASSERT_GT(pairs.size(), 100u);
  int fired = 0, tried = 0;
  std::mt19937 rng(7);
  bool kinds[3] = {};
  for (int i = 0; i < 150; ++i) {
    const TokenPair& t = pairs[std::uniform_int_distribution<std::size_t>(0, pairs.size() - 1)(rng)];
    ++tried;
    const std::vector<Hazard> h = find_hazards(without_token(p, t), 1);
    if (h.empty()) continue;
    ++fired;
    kinds[static_cast<int>(h[0].kind)] = true;
    EXPECT_NE(h[0].kind, HazardKind::TokenUnderflow);
  }
  EXPECT_GT(fired, tried / 2) << fired << " of " << tried << " removals fired";
  EXPECT_TRUE(kinds[static_cast<int>(HazardKind::ReadAfterWrite)]);
  EXPECT_TRUE(kinds[static_cast<int>(HazardKind::WriteAfterRead)]);
}

// A plain reference for DRAM, where the checker keeps only a window of DMA boxes: happens-before as reachability over
// queue order and token edges (bitsets), every DMA's bytes listed one by one, and every pair of DMAs of two queues
// compared. An instruction races in DRAM when an earlier DMA of another queue, not ordered before it, touches one of
// its bytes and one of the two writes. Returns the pcs that race, in order.
std::vector<std::int32_t> dram_races_by_pairs(const Program& p) {
  const std::size_t n = p.code.size();
  std::vector<std::vector<bool>> before(n, std::vector<bool>(n, false));  // before[b][a]: a completes before b starts
  std::vector<std::size_t> pushes[3][3];
  std::size_t popped[3][3] = {};
  std::int64_t prev[3] = {-1, -1, -1};
  auto inherit = [&](std::size_t b, std::size_t a) {
    before[b][a] = true;
    for (std::size_t k = 0; k < a; ++k)
      if (before[a][k]) before[b][k] = true;
  };
  for (std::size_t pc = 0; pc < n; ++pc) {
    const isa::Instruction& in = p.code[pc];
    const int q = static_cast<int>(isa::queue_of(in));
    if (prev[q] >= 0) inherit(pc, static_cast<std::size_t>(prev[q]));
    if (in.deps.pop_prev) inherit(pc, pushes[q - 1][q].at(popped[q - 1][q]++));
    if (in.deps.pop_next) inherit(pc, pushes[q + 1][q].at(popped[q + 1][q]++));
    if (in.deps.push_prev) pushes[q][q - 1].push_back(pc);
    if (in.deps.push_next) pushes[q][q + 1].push_back(pc);
    prev[q] = static_cast<std::int64_t>(pc);
  }
  struct Dma {
    std::size_t pc;
    int q;
    bool write;
    std::set<std::int64_t> bytes;
  };
  std::vector<Dma> dmas;
  for (std::size_t pc = 0; pc < n; ++pc) {
    const isa::Instruction& in = p.code[pc];
    Dma d{pc, static_cast<int>(isa::queue_of(in)), false, {}};
    auto box = [&](std::int64_t addr, std::int64_t x, std::int64_t ny, std::int64_t nz, std::int64_t ys, std::int64_t zs) {
      for (std::int64_t z = 0; z < nz; ++z)
        for (std::int64_t y = 0; y < ny; ++y)
          for (std::int64_t i = 0; i < x; ++i) d.bytes.insert(addr + z * zs + y * ys + i);
    };
    if (const auto* l = std::get_if<isa::Load>(&in.body)) {
      box(l->dram_addr, l->x_size, l->y_size, l->z_size, l->y_stride, l->z_stride);
    } else if (const auto* st = std::get_if<isa::Store>(&in.body)) {
      d.write = true;
      box(st->dram_addr, st->x_size, st->y_size, st->z_size, st->y_stride, st->z_stride);
    } else {
      continue;
    }
    dmas.push_back(std::move(d));
  }
  std::vector<std::int32_t> races;
  for (std::size_t j = 0; j < dmas.size(); ++j)
    for (std::size_t i = 0; i < j; ++i) {
      const Dma &a = dmas[i], &b = dmas[j];
      if (a.q == b.q || (!a.write && !b.write) || before[b.pc][a.pc]) continue;
      if (std::any_of(a.bytes.begin(), a.bytes.end(), [&](std::int64_t x) { return b.bytes.count(x) > 0; })) {
        races.push_back(static_cast<std::int32_t>(b.pc));
        break;
      }
    }
  return races;
}

// The DRAM window finds exactly the races the pairwise reference finds, with every token of a compiled program
// taken out in turn, and the pair and bytes it names race indeed.
TEST(Hazards, DramWindowFindsWhatEveryPairFinds) {
  int with_races = 0;
  for (const HwConfig& hw : configs()) {
    if (hw.name != "small" && hw.name != "odd") continue;
    SCOPED_TRACE(hw.name);
    const Program p = compile(load_network(kTraces + "lenet5_per_layer/net.npz"), hw);
    ASSERT_TRUE(dram_races_by_pairs(p).empty());
    for (const TokenPair& t : token_pairs(p)) {
      const Program bad = without_token(p, t);
      const std::vector<std::int32_t> want = dram_races_by_pairs(bad);
      std::vector<std::int32_t> got;
      for (const Hazard& h : find_hazards(bad, std::size_t{1} << 20)) {
        if (h.space != "dram") continue;
        if (got.empty() || got.back() != h.pc) got.push_back(h.pc);
        // The two instructions are of two queues.
        EXPECT_NE(isa::queue_of(bad.code[static_cast<std::size_t>(h.pc)]),
                  isa::queue_of(bad.code[static_cast<std::size_t>(h.other)]));
        EXPECT_LT(h.lo, h.hi);
      }
      EXPECT_EQ(got, want) << "token " << t.push << " -> " << t.pop;
      with_races += !want.empty();
    }
  }
  EXPECT_GT(with_races, 0) << "no token removal made a DRAM race; the comparison proves nothing";
}

// The first LOAD -> compute token of a compiled LeNet-5 taken out.
Program with_a_missing_load_token(const Program& p) {
  for (const TokenPair& t : token_pairs(p))
    if (p.code[t.push].opcode() == isa::Opcode::Load && p.code[t.pop].opcode() != isa::Opcode::Sync)
      return without_token(p, t);
  ADD_FAILURE() << "no LOAD -> compute token";
  return p;
}

// The interpreter (and every engine through the image runner) refuses a program with a hazard, naming it, unless
// told not to check; the same program then runs, bit-exact, since it runs one instruction at a time.
TEST(Hazards, TheInterpreterRefusesAProgramWithAHazard) {
  const Program p = compile(load_network(kTraces + "lenet5_per_layer/net.npz"), load_hw_config("default"));
  const Program bad = with_a_missing_load_token(p);
  const std::vector<Hazard> h = find_hazards(bad, 1);
  ASSERT_EQ(h.size(), 1u);
  try {
    Interpreter it(bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "program for '" + p.network + "': hazard: " + h[0].describe(bad));
  }
  const Tensor x = load_npy(kTraces + "lenet5_per_layer/input.npy");
  Interpreter unchecked(bad, HazardCheck::Off);
  Interpreter good(p);
  EXPECT_TRUE(unchecked.run(x).output.same_values(good.run(x).output));
}

TEST(Hazards, APopWithoutAPushIsATokenUnderflow) {
  Program p = compile(load_network(kTraces + "lenet5_per_layer/net.npz"), load_hw_config("default"));
  for (std::size_t pc = 0; pc < p.code.size(); ++pc)
    if (isa::queue_of(p.code[pc]) == isa::Queue::Compute) {
      p.code[pc].deps.pop_next = true;  // nothing was pushed from the store queue yet
      const std::vector<Hazard> h = find_hazards(p);
      ASSERT_FALSE(h.empty());
      EXPECT_EQ(h[0].kind, HazardKind::TokenUnderflow);
      EXPECT_EQ(h[0].pc, static_cast<std::int32_t>(pc));
      EXPECT_NE(h[0].describe(p).find("pops a token that no earlier instruction pushed"), std::string::npos);
      return;
    }
  FAIL() << "no compute instruction";
}

}  // namespace
}  // namespace lutsim
