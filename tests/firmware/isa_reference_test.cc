// The ISA interpreter against the ISA reference (isa_reference.h: docs/isa.md's formulas as plain loops), bit for
// bit: random legal instructions of every opcode on random machines and memory contents, executed in lockstep, each
// instruction's effect on every memory compared (naming the first differing instruction, memory and byte); and
// compiled zoo programs run whole, every value compared. Each on both kernel paths (AVX-512 where the CPU has it,
// portable) and on one and two threads.
#include "lutsim/firmware/isa_reference.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/model/arith.h"
#include "lutsim/model/error.h"
#include "lutsim/zoo/zoo.h"

namespace lutsim {
namespace {

using namespace isa;

constexpr std::int64_t kMem = 4096, kParam = 1024, kDram = 4096;
// Per-channel shifts are read from [kShiftLo, kParam) of the param SRAM, which holds legal shifts and which no LOAD
// of the random programs writes.
constexpr std::int64_t kShiftLo = 768;

struct Gen {
  std::mt19937_64 rng;
  const HwConfig& hw;
  std::int64_t acc_entries;

  std::int64_t uni(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); }
  // A start address for `n` bytes (or entries) inside [lo, size), or -1 when they do not fit.
  std::int64_t place(std::int64_t n, std::int64_t size, std::int64_t lo = 0) { return n > size - lo ? -1 : uni(lo, size - n); }

  // Returns false when the drawn shape does not fit the memories (the caller draws again).
  bool load(Load& l) {
    l.buf = uni(0, 2);
    l.pad_value = uni(0, 255);
    l.pad_top = uni(0, 2); l.pad_bottom = uni(0, 2); l.pad_left = uni(0, 2); l.pad_right = uni(0, 2);
    l.x_size = uni(1, 24); l.y_size = uni(0, 6); l.z_size = uni(0, 4);
    l.y_stride = uni(0, 64); l.z_stride = uni(0, 400);
    const std::int64_t n = (l.z_size + l.pad_top + l.pad_bottom) * (l.y_size + l.pad_left + l.pad_right) * l.x_size;
    l.sram_addr = place(n, l.buf == 0 ? kMem : l.buf == 1 ? kMem : kShiftLo);
    l.dram_addr = l.y_size && l.z_size ? place((l.z_size - 1) * l.z_stride + (l.y_size - 1) * l.y_stride + l.x_size, kDram)
                                       : uni(0, kDram - 1);
    return l.sram_addr >= 0 && l.dram_addr >= 0;
  }
  bool store(Store& s) {
    s.x_size = uni(1, 24); s.y_size = uni(1, 6); s.z_size = uni(1, 4);
    s.y_stride = uni(0, 64); s.z_stride = uni(0, 400);
    s.sram_addr = place(s.x_size * s.y_size * s.z_size, kMem);
    s.dram_addr = place((s.z_size - 1) * s.z_stride + (s.y_size - 1) * s.y_stride + s.x_size, kDram);
    return s.sram_addr >= 0 && s.dram_addr >= 0;
  }
  bool wcfg(Wcfg& w) {
    w.mode = uni(0, 2);
    w.bits = w.mode == 0 ? 8 : uni(1, 4);
    w.lut_addr = place(w.mode == 0 ? 1 : w.mode == 1 ? std::int64_t{1} << w.bits : std::int64_t{hw.cols} << w.bits, kParam);
    if (uni(0, 2) == 0) {
      w.in_group = uni(1, 5);
      w.out_group = uni(1, 5);
      w.out_offset = uni(0, 20);
    }
    return w.lut_addr >= 0;
  }
  bool gemm(Gemm& g, int bits) {
    g.accumulate = uni(0, 1); g.act_signed = uni(0, 1); g.n_cols = uni(1, hw.cols);
    g.stride_y = uni(1, 3); g.stride_x = uni(1, 3); g.dil_y = uni(1, 2); g.dil_x = uni(1, 2);
    g.out_h = uni(1, 4); g.out_w = uni(1, 6); g.taps_y = uni(1, 3); g.taps_x = uni(1, 3);
    g.span = uni(1, 3 * hw.rows + 2); g.pix_stride = uni(1, 40); g.row_stride = uni(1, 200); g.in_offset = uni(0, 10);
    const std::int64_t extent = ((g.out_h - 1) * g.stride_y + (g.taps_y - 1) * g.dil_y) * g.row_stride +
                                ((g.out_w - 1) * g.stride_x + (g.taps_x - 1) * g.dil_x) * g.pix_stride + g.span;
    const std::int64_t blocks = g.taps_y * g.taps_x * ((g.span + hw.rows - 1) / hw.rows);
    g.act_addr = place(extent, kMem);
    g.wgt_addr = place(blocks * hw.rows * ((std::int64_t{hw.cols} * bits + 7) / 8), kMem);
    g.acc_addr = place(g.out_h * g.out_w, acc_entries);
    return g.act_addr >= 0 && g.wgt_addr >= 0 && g.acc_addr >= 0;
  }
  bool vec(Vec& v) {
    v.op = uni(0, 2); v.accumulate = uni(0, 1); v.a_signed = uni(0, 1); v.b_signed = uni(0, 1);
    v.la = uni(0, 15); v.lb = uni(0, 15); v.n_lanes = uni(1, hw.cols);
    v.pix_stride = uni(1, 40); v.row_stride = uni(1, 200);
    v.stride_y = uni(1, 3); v.stride_x = uni(1, 3); v.dil_y = uni(1, 2); v.dil_x = uni(1, 2);
    v.out_h = uni(1, 4); v.out_w = uni(1, 6);
    v.taps_y = v.op == 2 ? 1 : uni(1, 3); v.taps_x = v.op == 2 ? 1 : uni(1, 3);
    const std::int64_t extent = ((v.out_h - 1) * v.stride_y + (v.taps_y - 1) * v.dil_y) * v.row_stride +
                                ((v.out_w - 1) * v.stride_x + (v.taps_x - 1) * v.dil_x) * v.pix_stride + v.n_lanes;
    v.act_addr = place(extent, kMem);
    v.act_addr_b = place(extent, kMem);
    v.acc_addr = place(v.out_h * v.out_w, acc_entries);
    return v.act_addr >= 0 && v.act_addr_b >= 0 && v.acc_addr >= 0;
  }
  bool ppu(Ppu& p) {
    p.out_s32 = uni(0, 3) == 0; p.bias_en = uni(0, 1); p.wrap_en = uni(0, 1); p.shift_per_channel = uni(0, 1);
    p.shift_imm = uni(kMinShift, kMaxShift); p.n_cols = uni(1, hw.cols); p.n_pix = uni(1, 20);
    const std::int64_t es = p.out_s32 ? 4 : 1;
    p.out_stride = uni(p.n_cols * es, p.n_cols * es + 8);
    switch (uni(0, 3)) {
      case 0: p.act_min = 0; p.act_max = 255; break;
      case 1: p.act_min = -128; p.act_max = 127; break;
      case 2: p.act_min = uni(-300, 300); p.act_max = p.act_min + uni(0, 300); break;
      default: p.act_min = -32768; p.act_max = 32767; break;
    }
    p.acc_addr = place(p.n_pix, acc_entries);
    p.out_addr = place((p.n_pix - 1) * p.out_stride + p.n_cols * es, kMem);
    p.bias_addr = place(4 * p.n_cols, kParam);
    p.shift_addr = place(p.n_cols, kParam, kShiftLo);
    return p.acc_addr >= 0 && p.out_addr >= 0 && p.bias_addr >= 0 && p.shift_addr >= 0;
  }
};

HwConfig random_hw(std::mt19937_64& rng) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  HwConfig h;
  h.name = "random";
  h.rows = uni(1, 20);
  h.cols = uni(1, 40);
  h.acc_bits = uni(16, 32);
  h.rounding = static_cast<Rounding>(uni(0, 2));
  h.act_sram_bytes = kMem;
  h.weight_sram_bytes = kMem;
  h.acc_sram_bytes = 64 * 1024;
  h.param_sram_bytes = kParam;
  return h;
}

// The first byte (or accumulator lane) where two memories differ, as "memory[index]: a vs b", or "".
template <class T>
std::string first_difference(const char* name, std::span<const T> a, std::span<const T> b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i])
      return std::string(name) + "[" + std::to_string(i) + "]: interpreter " + std::to_string(a[i]) + ", reference " +
             std::to_string(b[i]);
  return "";
}

std::string compare(Machine& m, const IsaReference& r) {
  std::string d = first_difference<std::uint8_t>("dram", m.dram(), r.dram);
  if (d.empty()) d = first_difference<std::uint8_t>("act", m.act(), r.act);
  if (d.empty()) d = first_difference<std::uint8_t>("wgt", m.wgt(), r.wgt);
  if (d.empty()) d = first_difference<std::uint8_t>("param", m.param(), r.param);
  if (d.empty()) d = first_difference<std::int32_t>("acc", m.acc(), r.acc);
  return d;
}

class RandomInstructions : public ::testing::TestWithParam<int> {};

TEST_P(RandomInstructions, InterpreterEqualsReference) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(GetParam()));
  const HwConfig hw = random_hw(rng);
  Machine probe(hw, kDram);
  Gen gen{std::mt19937_64(static_cast<std::uint64_t>(GetParam()) * 31 + 7), hw, probe.acc_entries()};
  // A program of 60 instructions, opcodes drawn at random; GEMMs use the weight width of the last WCFG.
  std::vector<Instruction> code;
  int bits = 8;
  while (code.size() < 60) {
    Instruction in;
    bool ok = false;
    switch (gen.uni(0, 6)) {
      case 0: { Sync s; s.queue = gen.uni(0, 2); in.body = s; ok = true; break; }
      case 1: { Load l; ok = gen.load(l); in.body = l; break; }
      case 2: { Store s; ok = gen.store(s); in.body = s; break; }
      case 3: { Wcfg w; ok = gen.wcfg(w); in.body = w; if (ok) bits = static_cast<int>(w.bits); break; }
      case 4: { Gemm g; ok = gen.gemm(g, bits); in.body = g; break; }
      case 5: { Vec v; ok = gen.vec(v); in.body = v; break; }
      default: { Ppu p; ok = gen.ppu(p); in.body = p; break; }
    }
    if (ok) code.push_back(in);
  }
  for (bool portable : {false, true})
    for (int threads : {1, 2}) {
      Machine m(hw, kDram);
      m.set_portable_kernels(portable);
      m.set_threads(threads);
      IsaReference ref(hw, kDram);
      std::mt19937_64 data(static_cast<std::uint64_t>(GetParam()) * 7 + 1);
      for (auto& v : m.dram()) v = static_cast<std::uint8_t>(data());
      for (auto& v : m.act()) v = static_cast<std::uint8_t>(data());
      for (auto& v : m.wgt()) v = static_cast<std::uint8_t>(data());
      for (auto& v : m.param()) v = static_cast<std::uint8_t>(data());
      for (std::int64_t i = kShiftLo; i < kParam; ++i)
        m.param()[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(kMinShift + static_cast<int>(data() % 47));
      for (auto& v : m.acc()) v = static_cast<std::int32_t>(data());  // the whole s32 range: bias adds overflow
      ref.dram.assign(m.dram().begin(), m.dram().end());
      ref.act.assign(m.act().begin(), m.act().end());
      ref.wgt.assign(m.wgt().begin(), m.wgt().end());
      ref.param.assign(m.param().begin(), m.param().end());
      ref.acc.assign(m.acc().begin(), m.acc().end());
      for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
        m.execute(code[pc], pc);
        ref.execute(code[pc]);
        const std::string d = compare(m, ref);
        ASSERT_EQ(d, "") << "pc " << pc << ": " << to_string(code[pc]) << "\n  rows " << hw.rows << " cols " << hw.cols
                         << " A " << hw.acc_bits << " " << rounding_name(hw.rounding)
                         << (portable ? " portable" : " avx512 if available") << " threads " << threads;
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomInstructions, ::testing::Range(1, 61));

TEST(IsaReference, ErrorsNameTheReference) {
  HwConfig hw;
  hw.rows = hw.cols = 4;
  hw.act_sram_bytes = hw.weight_sram_bytes = hw.param_sram_bytes = 64;
  hw.acc_sram_bytes = 256;
  IsaReference ref(hw, 64);
  Store s;
  s.sram_addr = 60;
  s.x_size = 8;
  try {
    ref.execute(Instruction{{}, s});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "ISA reference: activation SRAM index 64 is outside [0, 64)");
  }
  Gemm g;
  g.n_cols = 5;
  try {
    ref.execute(Instruction{{}, g});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("ISA reference: illegal instruction: ", 0), 0u) << e.what();
  }
}

// A compiled program run whole on the reference: DRAM image, one input image, every instruction in program order,
// then every value read back from its region, compared with the interpreter's.
void expect_program_equal(const Program& p, const Tensor& in) {
  for (bool portable : {false, true}) {
    const IsaResult res = interpret(p, in, IsaOptions{Schedule::ProgramOrder, true, portable, 1});
    IsaReference ref(p.hw, p.dram_bytes);
    std::copy(p.dram_init.begin(), p.dram_init.end(), ref.dram.begin());
    const ValueRegion& iv = p.values[static_cast<std::size_t>(p.input)];
    std::copy(in.raw(), in.raw() + iv.bytes(), ref.dram.begin() + static_cast<std::ptrdiff_t>(iv.addr));
    ref.run(p.code);
    for (std::size_t id = 0; id < p.values.size(); ++id) {
      const ValueRegion& v = p.values[id];
      const std::uint8_t* got = res.values[id].raw();
      for (std::uint64_t b = 0; b < v.bytes(); ++b)
        ASSERT_EQ(got[b], ref.dram[v.addr + b]) << "value '" << v.name << "' byte " << b << (portable ? " portable" : "");
    }
  }
}

TEST(IsaReference, CompiledLeNet5OnTwoConfigs) {
  zoo::ZooOptions o;
  o.arch = zoo::Arch::LeNet5;
  o.weight_bits = 4;
  o.lut_mode = LutMode::PerChannel;
  o.shift_per_channel = true;
  o.classes = 10;
  o.seed = 5;
  for (const char* preset : {"small", "default"}) {
    const HwConfig hw = load_hw_config(preset);
    o.acc_bits = hw.acc_bits;
    const Network net = zoo::build(o);
    expect_program_equal(compile(net, hw), zoo::random_input(net, 1, 21));
  }
}

TEST(IsaReference, CompiledReducedMobileNetV2) {
  zoo::ZooOptions o;
  o.arch = zoo::Arch::MobileNetV2;
  o.input_size = 32;
  o.width = 0.35;
  o.weight_bits = 3;
  o.lut_mode = LutMode::PerLayer;
  o.classes = 10;
  o.seed = 6;
  const HwConfig hw = load_hw_config("default");
  o.acc_bits = hw.acc_bits;
  const Network net = zoo::build(o);
  expect_program_equal(compile(net, hw), zoo::random_input(net, 1, 22));
}

}  // namespace
}  // namespace lutsim
