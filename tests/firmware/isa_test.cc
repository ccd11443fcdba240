// The ISA definition: encode/decode round trips of every opcode at the edges of every field, the decoder's
// rejections (illegal opcode, reserved bits, out-of-range fields, illegal token flags, cross-field rules), the
// config-dependent checks, and that docs/isa.md and the SystemVerilog package agree with the definition.
#include "lutsim/firmware/isa.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "lutsim/model/error.h"

namespace lutsim::isa {
namespace {

template <class T>
Instruction with(const T& body, Deps d = {}) {
  return Instruction{d, body};
}

// Sets every field of a body to lo, hi or a random legal value.
template <class T>
T fill(std::mt19937_64& rng, int mode) {
  T b{};
  for (const auto& f : fields_of<T>()) {
    std::int64_t v = mode == 0 ? f.lo : mode == 1 ? f.hi : std::uniform_int_distribution<std::int64_t>(f.lo, f.hi)(rng);
    b.*(f.member) = v;
  }
  return b;
}

// Repairs the cross-field rules after fill().
Wcfg legal(Wcfg w) {
  if (w.mode == 0) w.bits = 8;
  else if (w.bits > 4) w.bits = 4;
  if (w.in_group > 0 && w.out_group == 0) w.out_group = 1;
  return w;
}
Vec legal(Vec v) {
  if (v.op == 2) v.taps_x = v.taps_y = 1;
  return v;
}
Ppu legal(Ppu p) {
  if (!p.out_s32 && p.act_min > p.act_max) std::swap(p.act_min, p.act_max);
  return p;
}
template <class T> T legal(T b) { return b; }

Deps deps_for(Queue q, int bits) {
  Deps d{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0};
  if (q == Queue::Load) d.pop_prev = d.push_prev = false;
  if (q == Queue::Store) d.pop_next = d.push_next = false;
  return d;
}

template <class T>
void round_trip_all() {
  std::mt19937_64 rng(42);
  for (int mode = 0; mode < 3; ++mode)
    for (int rep = 0; rep < (mode == 2 ? 200 : 1); ++rep)
      for (int dbits = 0; dbits < 16; ++dbits) {
        Instruction in = with(legal(fill<T>(rng, mode)));
        if constexpr (std::is_same_v<T, Sync>) std::get<Sync>(in.body).queue = dbits % 3;
        in.deps = deps_for(queue_of(in), dbits);
        ASSERT_EQ(check(in), "") << to_string(in);
        const Word w = encode(in);
        EXPECT_EQ(decode(w), in) << to_string(in);
        std::uint8_t bytes[kInsnBytes];
        word_to_bytes(w, bytes);
        EXPECT_EQ(word_from_bytes(bytes), w);
      }
}

TEST(Isa, RoundTripEveryOpcodeAtTheEdgesOfEveryField) {
  round_trip_all<Sync>();
  round_trip_all<Load>();
  round_trip_all<Store>();
  round_trip_all<Wcfg>();
  round_trip_all<Gemm>();
  round_trip_all<Vec>();
  round_trip_all<Ppu>();
}

TEST(Isa, EncodingIsLittleEndianWithTheOpcodeAndFlagsInByteZero) {
  Instruction in = with(Gemm{});
  in.deps.pop_prev = true;
  in.deps.push_next = true;
  std::uint8_t b[kInsnBytes];
  word_to_bytes(encode(in), b);
  EXPECT_EQ(b[0], 4 | (1 << 4) | (1 << 7));
  // GEMM n_cols (9 bits) sits at bits 10..18: n_cols = 1 sets bit 10, i.e. bit 2 of byte 1.
  EXPECT_EQ(b[1] & 0x04, 0x04);
}

TEST(Isa, FieldsArePackedWithoutGapsFromBit8) {
  int end = kBodyLsb;
  for (const auto& f : kGemmFields) {
    EXPECT_EQ(f.lsb, end) << f.name;
    end += f.width;
  }
  EXPECT_LE(end, kInsnBits);
}

TEST(Isa, DecodeRejectsIllegalOpcodes) {
  for (std::uint64_t op = kNumOpcodes; op < 16; ++op) {
    Word w{};
    w[0] = op;
    try {
      decode(w);
      ADD_FAILURE() << "opcode " << op << " decoded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("illegal opcode " + std::to_string(op)), std::string::npos) << e.what();
    }
  }
}

TEST(Isa, DecodeRejectsReservedBits) {
  Word w = encode(with(Store{}));
  w[3] |= std::uint64_t{1} << 60;  // bit 252
  try {
    decode(w);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("STORE: reserved bit 252 is set"), std::string::npos) << e.what();
  }
}

TEST(Isa, DecodeRejectsOutOfRangeFieldsByName) {
  struct Case { Word w; const char* msg; };
  auto raw = [](auto body, const char* field, std::int64_t v) {
    Word w = encode(with(body));
    using T = decltype(body);
    for (const auto& f : fields_of<T>())
      if (f.name == field) {
        for (int i = 0; i < f.width; ++i) {  // write v into the field's bits, whatever its range
          const int b = f.lsb + i;
          if ((static_cast<std::uint64_t>(v) >> i) & 1u) w[static_cast<std::size_t>(b / 64)] |= std::uint64_t{1} << (b % 64);
          else w[static_cast<std::size_t>(b / 64)] &= ~(std::uint64_t{1} << (b % 64));
        }
      }
    return w;
  };
  const Case cases[] = {
      {raw(Load{}, "buf", 3), "buf = 3 is outside [0, 2]"},
      {raw(Load{}, "pad_top", 65), "pad_top = 65 is outside [0, 64]"},
      {raw(Load{}, "x_size", 0), "x_size = 0 is outside [1, 1048575]"},
      {raw(Store{}, "y_size", 0), "y_size = 0 is outside [1, 65535]"},
      {raw(Gemm{}, "n_cols", 0), "n_cols = 0 is outside [1, 256]"},
      {raw(Gemm{}, "n_cols", 300), "n_cols = 300 is outside [1, 256]"},
      {raw(Gemm{}, "stride_x", 65), "stride_x = 65 is outside [1, 64]"},
      {raw(Gemm{}, "taps_y", 0), "taps_y = 0 is outside [1, 64]"},
      {raw(Vec{}, "op", 3), "op = 3 is outside [0, 2]"},
      {raw(Ppu{}, "shift_imm", 31), ""},  // the edge is legal
      {raw(Ppu{}, "shift_imm", -16), "shift_imm = -16 is outside [-15, 31]"},
      {raw(Wcfg{}, "bits", 0), "bits = 0 is outside [1, 8]"},
      {raw(Sync{}, "queue", 3), "queue = 3 is outside [0, 2]"},
  };
  for (const Case& c : cases) {
    try {
      decode(c.w);
      EXPECT_STREQ(c.msg, "") << "decoded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.msg), std::string::npos) << e.what();
      EXPECT_STRNE(c.msg, "");
    }
  }
}

TEST(Isa, CrossFieldRules) {
  Wcfg w;
  w.mode = 1;
  w.bits = 8;
  EXPECT_NE(check(with(w)).find("bits = 8 with a LUT"), std::string::npos);
  w.mode = 0;
  w.bits = 4;
  EXPECT_NE(check(with(w)).find("bits = 4 in raw mode"), std::string::npos);
  w.bits = 8;
  w.in_group = 2;
  EXPECT_NE(check(with(w)).find("out_group = 0"), std::string::npos);
  Vec v;
  v.op = 2;
  v.taps_x = 2;
  EXPECT_NE(check(with(v)).find("for add (expected 1x1)"), std::string::npos);
  Ppu p;
  p.act_min = 5;
  p.act_max = 4;
  EXPECT_NE(check(with(p)).find("act_min = 5 is greater than act_max = 4"), std::string::npos);
  p.out_s32 = 1;
  EXPECT_EQ(check(with(p)), "");
}

TEST(Isa, TokenFlagsLegalPerQueue) {
  EXPECT_NE(check(with(Load{}, Deps{true, false, false, false})).find("pop_prev is illegal on the load queue"), std::string::npos);
  EXPECT_NE(check(with(Load{}, Deps{false, false, true, false})).find("push_prev is illegal on the load queue"), std::string::npos);
  EXPECT_NE(check(with(Store{}, Deps{false, true, false, false})).find("pop_next is illegal on the store queue"), std::string::npos);
  EXPECT_NE(check(with(Store{}, Deps{false, false, false, true})).find("push_next is illegal on the store queue"), std::string::npos);
  EXPECT_NE(check(with(Sync{0}, Deps{true, false, false, false})).find("load queue"), std::string::npos);
  EXPECT_EQ(check(with(Gemm{}, Deps{true, true, true, true})), "");
  Word w = encode(with(Load{}));
  w[0] |= 1u << 6;  // push_prev on a LOAD
  EXPECT_THROW(decode(w), Error);
}

TEST(Isa, QueueOfEveryOpcode) {
  EXPECT_EQ(queue_of(with(Load{})), Queue::Load);
  EXPECT_EQ(queue_of(with(Store{})), Queue::Store);
  for (const Instruction& in : {with(Wcfg{}), with(Gemm{}), with(Vec{}), with(Ppu{})}) EXPECT_EQ(queue_of(in), Queue::Compute);
  EXPECT_EQ(queue_of(with(Sync{0})), Queue::Load);
  EXPECT_EQ(queue_of(with(Sync{1})), Queue::Compute);
  EXPECT_EQ(queue_of(with(Sync{2})), Queue::Store);
}

TEST(Isa, ConfigChecks) {
  const HwConfig hw = load_hw_config("small");  // 4x4, 32/8/4/2 KiB
  Gemm g;
  g.n_cols = 5;
  EXPECT_NE(check(with(g), hw).find("n_cols = 5 is outside [1, 4] (C)"), std::string::npos);
  g.n_cols = 4;
  g.act_addr = 32 * 1024;
  EXPECT_NE(check(with(g), hw).find("act_addr = 32768 is outside the activation SRAM [0, 32768)"), std::string::npos);
  Ppu p;
  p.acc_addr = 4 * 1024 / 16;
  EXPECT_NE(check(with(p), hw).find("acc_addr = 256 is outside the accumulator SRAM entries [0, 256)"), std::string::npos);
  HwConfig only_layer = hw;
  only_layer.lut_per_channel = false;
  Wcfg w;
  w.mode = 2;
  w.bits = 4;
  EXPECT_NE(check(with(w), only_layer).find("per-channel LUT) is not supported"), std::string::npos);
  Load l;
  l.buf = 1;
  l.sram_addr = 8 * 1024;
  EXPECT_NE(check(with(l), hw).find("outside the weight SRAM"), std::string::npos);
}

TEST(Isa, EncodeRefusesIllegalInstructions) {
  Gemm g;
  g.span = 0;
  try {
    encode(with(g));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot encode GEMM: span = 0"), std::string::npos) << e.what();
  }
}

TEST(Isa, TextNamesEveryField) {
  Gemm g;
  g.act_addr = 0x100;
  const std::string t = to_string(with(g, Deps{true, false, false, true}));
  EXPECT_EQ(t.rfind("GEMM pop_prev push_next |", 0), 0u) << t;
  for (const auto& f : kGemmFields) EXPECT_NE(t.find(" " + std::string(f.name) + "="), std::string::npos) << f.name;
  EXPECT_NE(t.find("act_addr=0x100"), std::string::npos);
}

TEST(Isa, DocsContainTheGeneratedFieldTables) {
  std::ifstream f(std::string(LUTSIM_SOURCE_DIR) + "/docs/isa.md");
  ASSERT_TRUE(f) << "docs/isa.md";
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  for (int o = 0; o < kNumOpcodes; ++o)
    EXPECT_NE(doc.find(field_table_markdown(static_cast<Opcode>(o))), std::string::npos)
        << "docs/isa.md lacks the current table of " << opcode_name(static_cast<Opcode>(o)) << ":\n"
        << field_table_markdown(static_cast<Opcode>(o));
}

TEST(Isa, SystemVerilogPackageHasEveryField) {
  const std::string sv = sv_package();
  EXPECT_NE(sv.find("package lutsim_isa_pkg;"), std::string::npos);
  EXPECT_NE(sv.find("localparam logic [3:0] OPC_GEMM = 4'd4;"), std::string::npos);
  for (const auto& f : kGemmFields) {
    std::string n(f.name);
    for (char& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_NE(sv.find("GEMM_" + n + "_LSB = " + std::to_string(f.lsb) + ";"), std::string::npos) << n;
    EXPECT_NE(sv.find("GEMM_" + n + "_W = " + std::to_string(f.width) + ";"), std::string::npos) << n;
  }
}

}  // namespace
}  // namespace lutsim::isa
