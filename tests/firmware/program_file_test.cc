// The program file: round trips, and the reader's rejection of malformed files (truncation, checksum mismatch,
// illegal opcode, out-of-range fields, wrong fingerprint, bad magic and version, a broken layer map), each with an
// error naming the file and the program counter or field.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/program.h"
#include "lutsim/model/error.h"
#include "net_builder.h"

namespace lutsim {
namespace {

Program small_program() {
  fwtest::NetBuilder b("filetest", 6, 6, 4, DType::U8, 9);
  fwtest::ConvOpt o;
  o.out_c = 5;
  o.pt = o.pl = o.pb = o.pr = 1;
  const int y = b.conv(b.input(), o);
  const int p = b.pool(y, OpKind::MaxPool, 2, 2);
  const int r = b.reshape(p, 1, 1, 3 * 3 * 5);
  return compile(b.done(r), load_hw_config("small"));
}

std::uint64_t fnv(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Rewrites the header checksum after an edit, so that the reader gets past it.
void fix_checksum(std::vector<std::uint8_t>& f) {
  const std::uint64_t h = fnv(f.data() + 40, f.size() - 40);
  for (int i = 0; i < 8; ++i) f[static_cast<std::size_t>(32 + i)] = static_cast<std::uint8_t>(h >> (8 * i));
}

// Offset of instruction pc in the file.
std::size_t insn_offset(const std::vector<std::uint8_t>& f, std::size_t pc) {
  auto u32 = [&](std::size_t at) { return std::uint32_t(f[at]) | std::uint32_t(f[at + 1]) << 8 | std::uint32_t(f[at + 2]) << 16 | std::uint32_t(f[at + 3]) << 24; };
  std::size_t at = 40;
  at += 4 + u32(at);  // config
  at += 4 + u32(at);  // network name
  at += 4;            // count
  return at + pc * isa::kInsnBytes;
}

std::string parse_error(const std::vector<std::uint8_t>& f, const HwConfig* expected = nullptr) {
  try {
    parse_program(f, "prog.lsp", expected);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ProgramFile, RoundTripInMemoryAndOnDisk) {
  const Program p = small_program();
  const std::vector<std::uint8_t> f = serialize_program(p);
  const Program q = parse_program(f, "mem");
  EXPECT_EQ(q.code, p.code);
  EXPECT_EQ(q.dram_bytes, p.dram_bytes);
  EXPECT_EQ(q.dram_init, p.dram_init);
  EXPECT_EQ(q.values, p.values);
  EXPECT_EQ(q.layers, p.layers);
  EXPECT_EQ(q.input, p.input);
  EXPECT_EQ(q.output, p.output);
  EXPECT_EQ(q.network, "filetest");
  EXPECT_EQ(q.hw.fingerprint(), p.hw.fingerprint());
  const std::string path = (std::filesystem::temp_directory_path() / "lutsim_program_file_test.lsp").string();
  save_program(p, path);
  const HwConfig small = load_hw_config("small");
  EXPECT_EQ(load_program(path, &small).code, p.code);
  std::remove(path.c_str());
  EXPECT_EQ(serialize_program(q), f);
}

TEST(ProgramFile, Truncated) {
  const std::vector<std::uint8_t> f = serialize_program(small_program());
  for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{39}}) {
    const std::string e = parse_error(std::vector<std::uint8_t>(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_NE(e.find("prog.lsp: truncated: " + std::to_string(n) + " bytes"), std::string::npos) << e;
  }
  for (std::size_t n : {std::size_t{40}, f.size() / 2, f.size() - 1}) {
    const std::string e = parse_error(std::vector<std::uint8_t>(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_NE(e.find("prog.lsp: truncated or padded: the header announces"), std::string::npos) << e;
  }
  // A consistent header over a payload cut short inside the instructions.
  std::vector<std::uint8_t> g(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(insn_offset(f, 2) + 5));
  const std::uint64_t size = g.size() - 40;
  for (int i = 0; i < 8; ++i) g[static_cast<std::size_t>(24 + i)] = static_cast<std::uint8_t>(size >> (8 * i));
  fix_checksum(g);
  const std::string e = parse_error(g);
  EXPECT_NE(e.find("prog.lsp: truncated: instructions needs"), std::string::npos) << e;
}

TEST(ProgramFile, ChecksumMismatch) {
  std::vector<std::uint8_t> f = serialize_program(small_program());
  f[insn_offset(f, 1) + 9] ^= 0x10;
  const std::string e = parse_error(f);
  EXPECT_NE(e.find("prog.lsp: checksum mismatch: the header says 0x"), std::string::npos) << e;
  EXPECT_NE(e.find("(the file is corrupt)"), std::string::npos) << e;
}

TEST(ProgramFile, IllegalOpcodeNamesThePc) {
  std::vector<std::uint8_t> f = serialize_program(small_program());
  f[insn_offset(f, 3)] = static_cast<std::uint8_t>((f[insn_offset(f, 3)] & 0xF0) | 0x0B);
  fix_checksum(f);
  const std::string e = parse_error(f);
  EXPECT_NE(e.find("prog.lsp: instruction at pc 3: illegal opcode 11 (expected 0..6)"), std::string::npos) << e;
}

TEST(ProgramFile, OutOfRangeFieldsNameThePcAndField) {
  const Program p = small_program();
  std::size_t gemm_pc = 0;
  while (p.code[gemm_pc].opcode() != isa::Opcode::Gemm) ++gemm_pc;
  // A GEMM with n_cols = 0: outside the field's range.
  std::vector<std::uint8_t> f = serialize_program(p);
  const std::size_t at = insn_offset(f, gemm_pc);
  const int lsb = isa::kGemmFields[2].lsb;  // n_cols
  for (int i = 0; i < 9; ++i) f[at + static_cast<std::size_t>((lsb + i) / 8)] &= static_cast<std::uint8_t>(~(1u << ((lsb + i) % 8)));
  fix_checksum(f);
  std::string e = parse_error(f);
  EXPECT_NE(e.find("prog.lsp: instruction at pc " + std::to_string(gemm_pc) + ": GEMM: n_cols = 0 is outside [1, 256]"),
            std::string::npos)
      << e;
  // n_cols = 5 fits the field but not the 4-column machine.
  f[at + static_cast<std::size_t>(lsb / 8)] |= static_cast<std::uint8_t>(5u << (lsb % 8));
  fix_checksum(f);
  e = parse_error(f);
  EXPECT_NE(e.find("prog.lsp: instruction at pc " + std::to_string(gemm_pc) + " (GEMM): n_cols = 5 is outside [1, 4] (C)"),
            std::string::npos)
      << e;
  // A reserved bit.
  f = serialize_program(p);
  f[insn_offset(f, gemm_pc) + 31] |= 0x80;
  fix_checksum(f);
  e = parse_error(f);
  EXPECT_NE(e.find("instruction at pc " + std::to_string(gemm_pc) + ": GEMM: reserved bit 255 is set"), std::string::npos) << e;
}

TEST(ProgramFile, AddressOutsideTheSram) {
  Program p = small_program();
  std::size_t pc = 0;
  while (p.code[pc].opcode() != isa::Opcode::Load) ++pc;
  std::get<isa::Load>(p.code[pc].body).sram_addr = 40000;  // the small preset has 32 KiB of activation SRAM
  try {
    parse_program(serialize_program(p), "prog.lsp");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("prog.lsp: instruction at pc " + std::to_string(pc) +
                                         " (LOAD): sram_addr = 40000 is outside the"),
              std::string::npos)
        << e.what();
  }
}

TEST(ProgramFile, WrongFingerprint) {
  const std::vector<std::uint8_t> f = serialize_program(small_program());
  const HwConfig other = load_hw_config("default");
  const std::string e = parse_error(f, &other);
  EXPECT_NE(e.find("prog.lsp: compiled for another hardware config (fingerprint 0x"), std::string::npos) << e;
  EXPECT_NE(e.find("not for 'default'"), std::string::npos) << e;
  // A header fingerprint that does not match the embedded config.
  std::vector<std::uint8_t> g = f;
  g[16] ^= 1;
  fix_checksum(g);
  EXPECT_NE(parse_error(g).find("the embedded hardware config's fingerprint"), std::string::npos);
}

TEST(ProgramFile, BadMagicAndVersion) {
  std::vector<std::uint8_t> f = serialize_program(small_program());
  std::vector<std::uint8_t> g = f;
  g[0] = 'X';
  EXPECT_NE(parse_error(g).find("prog.lsp: not a lutsim program (bad magic"), std::string::npos);
  g = f;
  g[8] = 9;
  EXPECT_NE(parse_error(g).find("prog.lsp: program format version 9 is not supported (expected 1)"), std::string::npos);
}

TEST(ProgramFile, InconsistentLayerMapAndRegions) {
  Program p = small_program();
  Program q = p;
  q.layers[1].end = static_cast<std::uint32_t>(q.code.size() + 3);
  std::string e;
  try {
    parse_program(serialize_program(q), "prog.lsp");
  } catch (const Error& x) {
    e = x.what();
  }
  EXPECT_NE(e.find("prog.lsp: layer 1 '" + q.layers[1].name + "' has instruction range"), std::string::npos) << e;
  q = p;
  q.values[static_cast<std::size_t>(q.output)].addr = q.dram_bytes;
  try {
    parse_program(serialize_program(q), "prog.lsp");
    ADD_FAILURE();
  } catch (const Error& x) {
    EXPECT_NE(std::string(x.what()).find("lies outside the DRAM"), std::string::npos) << x.what();
  }
}

TEST(ProgramFile, MissingFile) {
  try {
    load_program("/nonexistent/x.lsp");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.lsp: cannot open program file"), std::string::npos);
  }
}

TEST(ProgramFile, EverySingleByteCorruptionIsRejectedOrHarmless) {
  // Whatever byte is flipped, the reader either rejects the file with an Error or returns a valid program; it never
  // crashes. (With the checksum intact, only bytes of the checksum itself can be flipped undetected: none.)
  const std::vector<std::uint8_t> f = serialize_program(small_program());
  for (std::size_t i = 0; i < f.size(); i += 7) {
    std::vector<std::uint8_t> g = f;
    g[i] ^= 0x5A;
    EXPECT_THROW(parse_program(g, "x"), Error) << "byte " << i;
    fix_checksum(g);
    if (i >= 40) {
      try {
        parse_program(g, "x");
      } catch (const Error&) {
      }
    }
  }
}

}  // namespace
}  // namespace lutsim
