#include "lutsim/firmware/isa.h"

#include <cstdio>
#include <sstream>

#include "lutsim/model/error.h"

namespace lutsim::isa {
namespace {

std::uint64_t get_bits(const Word& w, int lsb, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) {
    const int b = lsb + i;
    v |= ((w[static_cast<std::size_t>(b / 64)] >> (b % 64)) & 1u) << i;
  }
  return v;
}

void set_bits(Word& w, int lsb, int width, std::uint64_t v) {
  for (int i = 0; i < width; ++i) {
    const int b = lsb + i;
    const std::uint64_t bit = std::uint64_t{1} << (b % 64);
    if ((v >> i) & 1u) w[static_cast<std::size_t>(b / 64)] |= bit;
    else w[static_cast<std::size_t>(b / 64)] &= ~bit;
  }
}

template <class T>
int body_end() {
  const auto& f = fields_of<T>();
  return f.back().lsb + f.back().width;
}

int body_end(Opcode op) {
  switch (op) {
    case Opcode::Sync: return body_end<Sync>();
    case Opcode::Load: return body_end<Load>();
    case Opcode::Store: return body_end<Store>();
    case Opcode::Wcfg: return body_end<Wcfg>();
    case Opcode::Gemm: return body_end<Gemm>();
    case Opcode::Vec: return body_end<Vec>();
    case Opcode::Ppu: return body_end<Ppu>();
  }
  return kInsnBits;
}

template <class T>
std::string check_fields(const T& body) {
  for (const auto& f : fields_of<T>()) {
    const std::int64_t v = body.*(f.member);
    if (v < f.lo || v > f.hi)
      return std::string(f.name) + " = " + std::to_string(v) + " is outside [" + std::to_string(f.lo) + ", " +
             std::to_string(f.hi) + "]";
  }
  return "";
}

std::string cross_rules(const Sync&) { return ""; }
std::string cross_rules(const Load&) { return ""; }
std::string cross_rules(const Store&) { return ""; }
std::string cross_rules(const Wcfg& w) {
  const bool raw = w.mode == static_cast<std::int64_t>(WeightMode::Raw);
  if (raw && w.bits != 8) return "bits = " + std::to_string(w.bits) + " in raw mode (expected 8)";
  if (!raw && (w.bits < 1 || w.bits > 4))
    return "bits = " + std::to_string(w.bits) + " with a LUT (expected 1..4)";
  if (w.in_group > 0 && w.out_group < 1) return "out_group = 0 with in_group > 0 (expected >= 1)";
  return "";
}
std::string cross_rules(const Gemm&) { return ""; }
std::string cross_rules(const Vec& v) {
  if (v.op == static_cast<std::int64_t>(VecOp::Add) && (v.taps_y != 1 || v.taps_x != 1))
    return "taps_y x taps_x = " + std::to_string(v.taps_y) + "x" + std::to_string(v.taps_x) + " for add (expected 1x1)";
  return "";
}
std::string cross_rules(const Ppu& p) {
  if (!p.out_s32 && p.act_min > p.act_max)
    return "act_min = " + std::to_string(p.act_min) + " is greater than act_max = " + std::to_string(p.act_max);
  return "";
}

std::string check_deps(const Instruction& in) {
  const Queue q = queue_of(in);
  if (q == Queue::Load && in.deps.pop_prev) return "flag pop_prev is illegal on the load queue (it has no previous queue)";
  if (q == Queue::Load && in.deps.push_prev) return "flag push_prev is illegal on the load queue (it has no previous queue)";
  if (q == Queue::Store && in.deps.pop_next) return "flag pop_next is illegal on the store queue (it has no next queue)";
  if (q == Queue::Store && in.deps.push_next) return "flag push_next is illegal on the store queue (it has no next queue)";
  return "";
}

template <class T>
void encode_body(const T& body, Word& w) {
  for (const auto& f : fields_of<T>()) {
    const std::int64_t v = body.*(f.member);
    const std::uint64_t mask = (std::uint64_t{1} << f.width) - 1;
    set_bits(w, f.lsb, f.width, static_cast<std::uint64_t>(v) & mask);
  }
}

template <class T>
T decode_body(const Word& w) {
  T body{};
  for (const auto& f : fields_of<T>()) {
    std::uint64_t u = get_bits(w, f.lsb, f.width);
    std::int64_t v = static_cast<std::int64_t>(u);
    if (f.lo < 0 && ((u >> (f.width - 1)) & 1u)) v -= std::int64_t{1} << f.width;  // sign-extend
    body.*(f.member) = v;
  }
  return body;
}

std::string hex(std::int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

bool is_address(std::string_view name) { return name.size() > 5 && name.substr(name.size() - 5) == "_addr"; }

template <class T>
void fields_text(const T& body, std::ostringstream& os) {
  for (const auto& f : fields_of<T>()) {
    const std::int64_t v = body.*(f.member);
    os << ' ' << f.name << '=' << (is_address(f.name) && f.name != "acc_addr" ? hex(v) : std::to_string(v));
  }
}

template <class T>
std::string table_md() {
  std::ostringstream os;
  os << "| bits | field | range | meaning |\n|---|---|---|---|\n";
  for (const auto& f : fields_of<T>())
    os << "| " << f.lsb << ".." << (f.lsb + f.width - 1) << " | `" << f.name << "` | " << f.lo << ".." << f.hi << " | "
       << f.doc << " |\n";
  return os.str();
}

template <class T>
void sv_fields(std::string_view prefix, std::ostringstream& os) {
  for (const auto& f : fields_of<T>()) {
    std::string n(f.name);
    for (char& ch : n) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    os << "  localparam int " << prefix << "_" << n << "_LSB = " << f.lsb << ";  // " << f.doc << "\n";
    os << "  localparam int " << prefix << "_" << n << "_W = " << f.width << ";\n";
  }
}

}  // namespace

std::string_view opcode_name(Opcode op) {
  switch (op) {
    case Opcode::Sync: return "SYNC";
    case Opcode::Load: return "LOAD";
    case Opcode::Store: return "STORE";
    case Opcode::Wcfg: return "WCFG";
    case Opcode::Gemm: return "GEMM";
    case Opcode::Vec: return "VEC";
    case Opcode::Ppu: return "PPU";
  }
  return "?";
}

std::string_view queue_name(Queue q) {
  switch (q) {
    case Queue::Load: return "load";
    case Queue::Compute: return "compute";
    case Queue::Store: return "store";
  }
  return "?";
}

std::string_view buffer_name(Buffer b) {
  switch (b) {
    case Buffer::Act: return "act";
    case Buffer::Wgt: return "wgt";
    case Buffer::Param: return "param";
  }
  return "?";
}

Queue queue_of(const Instruction& in) {
  switch (in.opcode()) {
    case Opcode::Sync: {
      const std::int64_t q = std::get<Sync>(in.body).queue;
      return q == 0 ? Queue::Load : q == 2 ? Queue::Store : Queue::Compute;
    }
    case Opcode::Load: return Queue::Load;
    case Opcode::Store: return Queue::Store;
    default: return Queue::Compute;
  }
}

std::string check(const Instruction& in) {
  std::string e = std::visit([](const auto& b) { return check_fields(b); }, in.body);
  if (e.empty()) e = std::visit([](const auto& b) { return cross_rules(b); }, in.body);
  if (e.empty()) e = check_deps(in);
  return e;
}

std::string check(const Instruction& in, const HwConfig& hw) {
  const std::int64_t C = hw.cols;
  auto sram = [](std::int64_t a, std::int64_t size, const char* field, const char* what) -> std::string {
    if (a >= size)
      return std::string(field) + " = " + std::to_string(a) + " is outside the " + what + " [0, " +
             std::to_string(size) + ")";
    return "";
  };
  const std::int64_t acc_entries = hw.acc_sram_bytes / (4 * C);
  switch (in.opcode()) {
    case Opcode::Load: {
      const auto& l = std::get<Load>(in.body);
      const std::int64_t size = l.buf == 0 ? hw.act_sram_bytes : l.buf == 1 ? hw.weight_sram_bytes : hw.param_sram_bytes;
      return sram(l.sram_addr, size, "sram_addr", l.buf == 0 ? "activation SRAM" : l.buf == 1 ? "weight SRAM" : "parameter SRAM");
    }
    case Opcode::Store: return sram(std::get<Store>(in.body).sram_addr, hw.act_sram_bytes, "sram_addr", "activation SRAM");
    case Opcode::Wcfg: {
      const auto& w = std::get<Wcfg>(in.body);
      if (w.mode == static_cast<std::int64_t>(WeightMode::PerLayer) && !hw.lut_per_layer)
        return "mode = 1 (per-layer LUT) is not supported by hardware config '" + hw.name + "'";
      if (w.mode == static_cast<std::int64_t>(WeightMode::PerChannel) && !hw.lut_per_channel)
        return "mode = 2 (per-channel LUT) is not supported by hardware config '" + hw.name + "'";
      return sram(w.lut_addr, hw.param_sram_bytes, "lut_addr", "parameter SRAM");
    }
    case Opcode::Gemm: {
      const auto& g = std::get<Gemm>(in.body);
      if (g.n_cols > C) return "n_cols = " + std::to_string(g.n_cols) + " is outside [1, " + std::to_string(C) + "] (C)";
      std::string e = sram(g.act_addr, hw.act_sram_bytes, "act_addr", "activation SRAM");
      if (e.empty()) e = sram(g.wgt_addr, hw.weight_sram_bytes, "wgt_addr", "weight SRAM");
      if (e.empty()) e = sram(g.acc_addr, acc_entries, "acc_addr", "accumulator SRAM entries");
      return e;
    }
    case Opcode::Vec: {
      const auto& v = std::get<Vec>(in.body);
      if (v.n_lanes > C) return "n_lanes = " + std::to_string(v.n_lanes) + " is outside [1, " + std::to_string(C) + "] (C)";
      std::string e = sram(v.act_addr, hw.act_sram_bytes, "act_addr", "activation SRAM");
      if (e.empty() && v.op == static_cast<std::int64_t>(VecOp::Add))
        e = sram(v.act_addr_b, hw.act_sram_bytes, "act_addr_b", "activation SRAM");
      if (e.empty()) e = sram(v.acc_addr, acc_entries, "acc_addr", "accumulator SRAM entries");
      return e;
    }
    case Opcode::Ppu: {
      const auto& p = std::get<Ppu>(in.body);
      if (p.n_cols > C) return "n_cols = " + std::to_string(p.n_cols) + " is outside [1, " + std::to_string(C) + "] (C)";
      std::string e = sram(p.acc_addr, acc_entries, "acc_addr", "accumulator SRAM entries");
      if (e.empty()) e = sram(p.out_addr, hw.act_sram_bytes, "out_addr", "activation SRAM");
      if (e.empty() && p.bias_en) e = sram(p.bias_addr, hw.param_sram_bytes, "bias_addr", "parameter SRAM");
      if (e.empty() && p.shift_per_channel && !p.out_s32)
        e = sram(p.shift_addr, hw.param_sram_bytes, "shift_addr", "parameter SRAM");
      return e;
    }
    case Opcode::Sync: return "";
  }
  return "";
}

Word encode(const Instruction& in) {
  const std::string e = check(in);
  if (!e.empty()) throw Error("cannot encode " + std::string(opcode_name(in.opcode())) + ": " + e);
  Word w{};
  set_bits(w, 0, 4, static_cast<std::uint64_t>(in.opcode()));
  set_bits(w, 4, 1, in.deps.pop_prev);
  set_bits(w, 5, 1, in.deps.pop_next);
  set_bits(w, 6, 1, in.deps.push_prev);
  set_bits(w, 7, 1, in.deps.push_next);
  std::visit([&](const auto& b) { encode_body(b, w); }, in.body);
  return w;
}

Instruction decode(const Word& w) {
  const std::uint64_t opc = get_bits(w, 0, 4);
  if (opc >= kNumOpcodes)
    throw Error("illegal opcode " + std::to_string(opc) + " (expected 0.." + std::to_string(kNumOpcodes - 1) + ")");
  const Opcode op = static_cast<Opcode>(opc);
  Instruction in;
  in.deps = Deps{get_bits(w, 4, 1) != 0, get_bits(w, 5, 1) != 0, get_bits(w, 6, 1) != 0, get_bits(w, 7, 1) != 0};
  switch (op) {
    case Opcode::Sync: in.body = decode_body<Sync>(w); break;
    case Opcode::Load: in.body = decode_body<Load>(w); break;
    case Opcode::Store: in.body = decode_body<Store>(w); break;
    case Opcode::Wcfg: in.body = decode_body<Wcfg>(w); break;
    case Opcode::Gemm: in.body = decode_body<Gemm>(w); break;
    case Opcode::Vec: in.body = decode_body<Vec>(w); break;
    case Opcode::Ppu: in.body = decode_body<Ppu>(w); break;
  }
  for (int b = body_end(op); b < kInsnBits; ++b)
    if (get_bits(w, b, 1))
      throw Error(std::string(opcode_name(op)) + ": reserved bit " + std::to_string(b) + " is set (bits " +
                  std::to_string(body_end(op)) + ".." + std::to_string(kInsnBits - 1) + " must be zero)");
  const std::string e = check(in);
  if (!e.empty()) throw Error(std::string(opcode_name(op)) + ": " + e);
  return in;
}

std::string to_string(const Instruction& in) {
  std::ostringstream os;
  os << opcode_name(in.opcode());
  if (in.deps.pop_prev) os << " pop_prev";
  if (in.deps.pop_next) os << " pop_next";
  if (in.deps.push_prev) os << " push_prev";
  if (in.deps.push_next) os << " push_next";
  os << " |";
  std::visit([&](const auto& b) { fields_text(b, os); }, in.body);
  return os.str();
}

std::string field_table_markdown(Opcode op) {
  switch (op) {
    case Opcode::Sync: return table_md<Sync>();
    case Opcode::Load: return table_md<Load>();
    case Opcode::Store: return table_md<Store>();
    case Opcode::Wcfg: return table_md<Wcfg>();
    case Opcode::Gemm: return table_md<Gemm>();
    case Opcode::Vec: return table_md<Vec>();
    case Opcode::Ppu: return table_md<Ppu>();
  }
  return "";
}

std::string sv_package() {
  std::ostringstream os;
  os << "// Generated from firmware/include/lutsim/firmware/isa.h by lutsim::isa::sv_package(). Do not edit.\n"
     << "package lutsim_isa_pkg;\n"
     << "  localparam int INSN_BITS = " << kInsnBits << ";\n"
     << "  localparam int TOKEN_MAX = " << kTokenMax << ";\n"
     << "  localparam int OPCODE_LSB = 0;\n  localparam int OPCODE_W = 4;\n"
     << "  localparam int POP_PREV_BIT = 4;\n  localparam int POP_NEXT_BIT = 5;\n"
     << "  localparam int PUSH_PREV_BIT = 6;\n  localparam int PUSH_NEXT_BIT = 7;\n";
  for (int o = 0; o < kNumOpcodes; ++o)
    os << "  localparam logic [3:0] OPC_" << opcode_name(static_cast<Opcode>(o)) << " = 4'd" << o << ";\n";
  sv_fields<Sync>("SYNC", os);
  sv_fields<Load>("LOAD", os);
  sv_fields<Store>("STORE", os);
  sv_fields<Wcfg>("WCFG", os);
  sv_fields<Gemm>("GEMM", os);
  sv_fields<Vec>("VEC", os);
  sv_fields<Ppu>("PPU", os);
  os << "endpackage\n";
  return os.str();
}

void word_to_bytes(const Word& w, std::uint8_t* out) {
  for (int i = 0; i < kInsnBytes; ++i)
    out[i] = static_cast<std::uint8_t>(w[static_cast<std::size_t>(i / 8)] >> (8 * (i % 8)));
}

Word word_from_bytes(const std::uint8_t* in) {
  Word w{};
  for (int i = 0; i < kInsnBytes; ++i) w[static_cast<std::size_t>(i / 8)] |= std::uint64_t{in[i]} << (8 * (i % 8));
  return w;
}

}  // namespace lutsim::isa
