// The RTL decoder (rtl/top/lutsim_decode.sv) against the C++ ISA definition: random legal instructions encoded with
// lutsim::isa decode to the same queue, dependency flags and DMA fields; the illegal words the decoder is meant to
// reject (docs/isa.md section 1) are rejected by it and by isa::decode alike.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <variant>

#include "Vlutsim_decode.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/model/error.h"
#include "verilated.h"

namespace lutsim {
namespace {

using isa::Word;

class DecodeTest : public ::testing::Test {
 protected:
  DecodeTest() : ctx_(new VerilatedContext), dut_(new Vlutsim_decode(ctx_.get())) {}

  void set(const Word& w) {
    for (int k = 0; k < 8; ++k) dut_->insn_i[k] = static_cast<std::uint32_t>(w[k / 2] >> (32 * (k % 2)));
    dut_->eval();
  }

  // A random value of each field of T within its legal range.
  template <class T>
  static T random_body(std::mt19937_64& rng) {
    T t{};
    for (const auto& f : isa::fields_of<T>()) {
      std::uniform_int_distribution<std::int64_t> d(f.lo, f.hi);
      // Half the time an extreme, so the top and bottom bits of every field are exercised.
      const int pick = static_cast<int>(rng() % 4);
      t.*f.member = pick == 0 ? f.lo : pick == 1 ? f.hi : d(rng);
    }
    return t;
  }

  static isa::Instruction random_insn(std::mt19937_64& rng) {
    for (;;) {
      isa::Instruction in;
      in.deps = {static_cast<bool>(rng() & 1), static_cast<bool>(rng() & 1), static_cast<bool>(rng() & 1),
                 static_cast<bool>(rng() & 1)};
      switch (rng() % isa::kNumOpcodes) {
        case 0: in.body = random_body<isa::Sync>(rng); break;
        case 1: in.body = random_body<isa::Load>(rng); break;
        case 2: in.body = random_body<isa::Store>(rng); break;
        case 3: in.body = random_body<isa::Wcfg>(rng); break;
        case 4: in.body = random_body<isa::Gemm>(rng); break;
        case 5: in.body = random_body<isa::Vec>(rng); break;
        default: in.body = random_body<isa::Ppu>(rng); break;
      }
      if (isa::check(in).empty()) return in;  // flags or cross-field rules broken: draw again
    }
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vlutsim_decode> dut_;
};

TEST_F(DecodeTest, RandomLegalInstructionsMatchTheCppDecode) {
  std::mt19937_64 rng(1234);
  int loads = 0, stores = 0;
  for (int i = 0; i < 20000; ++i) {
    const isa::Instruction in = random_insn(rng);
    const Word w = isa::encode(in);
    const isa::Instruction back = isa::decode(w);
    set(w);
    SCOPED_TRACE(isa::to_string(back));
    ASSERT_EQ(dut_->illegal_o, 0);
    ASSERT_EQ(dut_->opcode_o, static_cast<int>(back.opcode()));
    ASSERT_EQ(dut_->queue_o, static_cast<int>(isa::queue_of(back)));
    ASSERT_EQ(dut_->pop_prev_o, back.deps.pop_prev);
    ASSERT_EQ(dut_->pop_next_o, back.deps.pop_next);
    ASSERT_EQ(dut_->push_prev_o, back.deps.push_prev);
    ASSERT_EQ(dut_->push_next_o, back.deps.push_next);
    if (const auto* l = std::get_if<isa::Load>(&back.body)) {
      ++loads;
      ASSERT_EQ(dut_->dma_store_o, 0);
      ASSERT_EQ(dut_->dma_buf_o, l->buf);
      ASSERT_EQ(dut_->dma_pad_value_o, l->pad_value);
      ASSERT_EQ(dut_->dma_pad_top_o, l->pad_top);
      ASSERT_EQ(dut_->dma_pad_bottom_o, l->pad_bottom);
      ASSERT_EQ(dut_->dma_pad_left_o, l->pad_left);
      ASSERT_EQ(dut_->dma_pad_right_o, l->pad_right);
      ASSERT_EQ(dut_->dma_sram_addr_o, l->sram_addr);
      ASSERT_EQ(dut_->dma_dram_addr_o, l->dram_addr);
      ASSERT_EQ(dut_->dma_x_size_o, l->x_size);
      ASSERT_EQ(dut_->dma_y_size_o, l->y_size);
      ASSERT_EQ(dut_->dma_z_size_o, l->z_size);
      ASSERT_EQ(dut_->dma_y_stride_o, l->y_stride);
      ASSERT_EQ(dut_->dma_z_stride_o, l->z_stride);
    }
    if (const auto* s = std::get_if<isa::Store>(&back.body)) {
      ++stores;
      ASSERT_EQ(dut_->dma_store_o, 1);
      ASSERT_EQ(dut_->dma_buf_o, 0);
      ASSERT_EQ(dut_->dma_pad_top_o + dut_->dma_pad_bottom_o + dut_->dma_pad_left_o + dut_->dma_pad_right_o, 0);
      ASSERT_EQ(dut_->dma_sram_addr_o, s->sram_addr);
      ASSERT_EQ(dut_->dma_dram_addr_o, s->dram_addr);
      ASSERT_EQ(dut_->dma_x_size_o, s->x_size);
      ASSERT_EQ(dut_->dma_y_size_o, s->y_size);
      ASSERT_EQ(dut_->dma_z_size_o, s->z_size);
      ASSERT_EQ(dut_->dma_y_stride_o, s->y_stride);
      ASSERT_EQ(dut_->dma_z_stride_o, s->z_stride);
    }
  }
  EXPECT_GT(loads, 1000);
  EXPECT_GT(stores, 1000);
}

// Every bit above an opcode's last field is reserved: setting any one makes the word illegal for both decoders.
TEST_F(DecodeTest, ReservedBitsAreIllegal) {
  std::mt19937_64 rng(99);
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    const Word w = isa::encode(random_insn(rng));
    const int bit = 8 + static_cast<int>(rng() % (isa::kInsnBits - 8));
    Word bad = w;
    bad[static_cast<std::size_t>(bit / 64)] ^= std::uint64_t{1} << (bit % 64);
    bool cpp_reserved = false;
    try {
      isa::decode(bad);
    } catch (const Error& e) {
      cpp_reserved = std::string(e.what()).find("reserved bit") != std::string::npos;
    }
    if (!cpp_reserved) continue;  // the flip landed in a field
    set(bad);
    EXPECT_EQ(dut_->illegal_o, 1) << "bit " << bit;
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST_F(DecodeTest, IllegalOpcodesFlagsAndDmaFields) {
  // Opcodes 7..15.
  for (int op = 7; op < 16; ++op) {
    Word w{};
    w[0] = static_cast<std::uint64_t>(op);
    EXPECT_THROW(isa::decode(w), Error);
    set(w);
    EXPECT_EQ(dut_->illegal_o, 1) << "opcode " << op;
  }
  // A load-queue instruction may not use prev flags, a store-queue one no next flags.
  isa::Instruction load{{}, isa::Load{}};
  isa::Instruction store{{}, isa::Store{}};
  isa::Instruction sync_load{{}, isa::Sync{0}}, sync_store{{}, isa::Sync{2}};
  for (int flag = 0; flag < 4; ++flag) {
    for (isa::Instruction* in : {&load, &store, &sync_load, &sync_store}) {
      Word w = isa::encode(*in);
      w[0] |= std::uint64_t{1} << (4 + flag);
      bool cpp_illegal = false;
      try {
        isa::decode(w);
      } catch (const Error&) {
        cpp_illegal = true;
      }
      set(w);
      EXPECT_EQ(dut_->illegal_o, cpp_illegal ? 1 : 0) << isa::to_string(*in) << " flag bit " << 4 + flag;
    }
  }
  // LOAD buf 3, a pad of 65, x_size 0; SYNC queue 3.
  auto with_field = [](Word w, int lsb, int width, std::uint64_t v) {
    for (int b = 0; b < width; ++b) {
      const int at = lsb + b;
      auto& word = w[static_cast<std::size_t>(at / 64)];
      word = (word & ~(std::uint64_t{1} << (at % 64))) | (((v >> b) & 1) << (at % 64));
    }
    return w;
  };
  const Word lw = isa::encode(load);
  for (const auto& f : isa::kLoadFields) {
    std::uint64_t bad = 0;
    if (f.name == "buf") bad = 3;
    else if (f.name.starts_with("pad_") && f.name != "pad_value") bad = 65;
    else if (f.name == "x_size") bad = 0;
    else continue;
    const Word w = with_field(lw, f.lsb, f.width, bad);
    EXPECT_THROW(isa::decode(w), Error) << f.name;
    set(w);
    EXPECT_EQ(dut_->illegal_o, 1) << f.name;
  }
  const Word sw = with_field(isa::encode(sync_load), isa::kSyncFields[0].lsb, 2, 3);
  EXPECT_THROW(isa::decode(sw), Error);
  set(sw);
  EXPECT_EQ(dut_->illegal_o, 1);
}

}  // namespace
}  // namespace lutsim
