// Program validation, the program file format (docs/isa.md section 6) and the disassembler.
#include "lutsim/firmware/program.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "lutsim/model/error.h"
#include "lutsim/model/format.h"

namespace lutsim {
namespace {

constexpr char kMagic[8] = {'L', 'U', 'T', 'S', 'I', 'M', 'P', 'G'};
constexpr std::size_t kHeaderBytes = 40;

std::uint64_t fnv1a(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

class Writer {
 public:
  void u8(std::uint8_t v) { b_.push_back(v); }
  void u32(std::uint32_t v) { for (int i = 0; i < 4; ++i) b_.push_back(static_cast<std::uint8_t>(v >> (8 * i))); }
  void u64(std::uint64_t v) { for (int i = 0; i < 8; ++i) b_.push_back(static_cast<std::uint8_t>(v >> (8 * i))); }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    b_.insert(b_.end(), s.begin(), s.end());
  }
  void bytes(const std::uint8_t* p, std::size_t n) { b_.insert(b_.end(), p, p + n); }
  std::vector<std::uint8_t>& out() { return b_; }

 private:
  std::vector<std::uint8_t> b_;
};

// Reads the payload with a bound check on every field.
class Reader {
 public:
  Reader(const std::uint8_t* p, std::size_t n, std::size_t base, std::string what)
      : p_(p), n_(n), base_(base), what_(std::move(what)) {}

  [[noreturn]] void fail(const std::string& msg) const { throw Error(what_ + ": " + msg); }
  void need(std::size_t k, const char* field) const {
    if (n_ - at_ < k)
      fail("truncated: " + std::string(field) + " needs " + std::to_string(k) + " bytes at offset " +
           std::to_string(base_ + at_) + ", only " + std::to_string(n_ - at_) + " remain");
  }
  std::uint8_t u8(const char* f) { need(1, f); return p_[at_++]; }
  std::uint32_t u32(const char* f) {
    need(4, f);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{p_[at_ + i]} << (8 * i);
    at_ += 4;
    return v;
  }
  std::uint64_t u64(const char* f) {
    need(8, f);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{p_[at_ + i]} << (8 * i);
    at_ += 8;
    return v;
  }
  std::int32_t i32(const char* f) { return static_cast<std::int32_t>(u32(f)); }
  std::string str(const char* f) {
    const std::uint32_t len = u32(f);
    need(len, f);
    std::string s(reinterpret_cast<const char*>(p_ + at_), len);
    at_ += len;
    return s;
  }
  const std::uint8_t* take(std::uint64_t k, const char* f) {
    if (k > n_) need(n_ + 1, f);
    need(static_cast<std::size_t>(k), f);
    const std::uint8_t* q = p_ + at_;
    at_ += static_cast<std::size_t>(k);
    return q;
  }
  bool done() const { return at_ == n_; }

 private:
  const std::uint8_t* p_;
  std::size_t n_, base_, at_ = 0;
  std::string what_;
};

}  // namespace

int Program::layer_of(std::uint32_t pc) const {
  std::size_t lo = 0, hi = layers.size();
  while (lo < hi) {  // the first layer whose end is > pc
    const std::size_t mid = (lo + hi) / 2;
    if (layers[mid].end <= pc) lo = mid + 1;
    else hi = mid;
  }
  for (std::size_t i = lo; i < layers.size(); ++i) {
    if (layers[i].first > pc) break;
    if (pc < layers[i].end) return static_cast<int>(i);
  }
  return -1;
}

void validate_program(const Program& p, const std::string& what) {
  for (std::size_t pc = 0; pc < p.code.size(); ++pc) {
    const isa::Instruction& in = p.code[pc];
    std::string e = isa::check(in);
    if (e.empty()) e = isa::check(in, p.hw);
    if (!e.empty())
      throw Error(what + ": instruction at pc " + std::to_string(pc) + " (" + std::string(isa::opcode_name(in.opcode())) +
                  "): " + e);
  }
  if (p.dram_init.size() > p.dram_bytes)
    throw Error(what + ": the initialised image (" + std::to_string(p.dram_init.size()) + " bytes) exceeds the DRAM size " +
                std::to_string(p.dram_bytes));
  if (p.dram_bytes > (std::uint64_t{1} << 32))
    throw Error(what + ": DRAM size " + std::to_string(p.dram_bytes) + " exceeds the 4 GiB the ISA addresses");
  for (std::size_t id = 0; id < p.values.size(); ++id) {
    const ValueRegion& v = p.values[id];
    if (v.h < 1 || v.w < 1 || v.c < 1 || v.h > 65536 || v.w > 65536 || v.c > 65536 || v.dtype == DType::F32)
      throw Error(what + ": value " + std::to_string(id) + " '" + v.name + "' has an illegal shape or dtype");
    if (v.addr + v.bytes() > p.dram_bytes)
      throw Error(what + ": value " + std::to_string(id) + " '" + v.name + "' region [" + std::to_string(v.addr) + ", " +
                  std::to_string(v.addr + v.bytes()) + ") lies outside the DRAM of " + std::to_string(p.dram_bytes) + " bytes");
  }
  const int nv = static_cast<int>(p.values.size());
  if (p.input < 0 || p.input >= nv) throw Error(what + ": input value id " + std::to_string(p.input) + " is not a value");
  if (p.output < 0 || p.output >= nv) throw Error(what + ": output value id " + std::to_string(p.output) + " is not a value");
  const DType in_t = p.values[static_cast<std::size_t>(p.input)].dtype;
  if (in_t != DType::U8 && in_t != DType::S8) throw Error(what + ": the input value must be u8 or s8");
  std::uint32_t prev_end = 0;
  for (std::size_t i = 0; i < p.layers.size(); ++i) {
    const LayerRange& l = p.layers[i];
    if (l.first > l.end || l.end > p.code.size() || l.first < prev_end)
      throw Error(what + ": layer " + std::to_string(i) + " '" + l.name + "' has instruction range [" + std::to_string(l.first) +
                  ", " + std::to_string(l.end) + "), expected an ordered range inside [" + std::to_string(prev_end) + ", " +
                  std::to_string(p.code.size()) + "]");
    if (l.output < 0 || l.output >= nv)
      throw Error(what + ": layer " + std::to_string(i) + " '" + l.name + "' output " + std::to_string(l.output) + " is not a value");
    prev_end = l.end;
  }
}

std::vector<std::uint8_t> serialize_program(const Program& p) {
  Writer w;
  w.str(p.hw.to_json());
  w.str(p.network);
  w.u32(static_cast<std::uint32_t>(p.code.size()));
  std::uint8_t buf[isa::kInsnBytes];
  for (const isa::Instruction& in : p.code) {
    isa::word_to_bytes(isa::encode(in), buf);
    w.bytes(buf, sizeof buf);
  }
  w.u64(p.dram_bytes);
  w.u64(p.dram_init.size());
  w.bytes(p.dram_init.data(), p.dram_init.size());
  w.u32(static_cast<std::uint32_t>(p.values.size()));
  for (const ValueRegion& v : p.values) {
    w.str(v.name);
    w.u8(static_cast<std::uint8_t>(v.dtype));
    w.i32(v.h);
    w.i32(v.w);
    w.i32(v.c);
    w.i32(v.exponent);
    w.u64(v.addr);
  }
  w.u32(static_cast<std::uint32_t>(p.layers.size()));
  for (const LayerRange& l : p.layers) {
    w.str(l.name);
    w.u8(static_cast<std::uint8_t>(l.op));
    w.u32(l.first);
    w.u32(l.end);
    w.i32(l.output);
  }
  w.i32(p.input);
  w.i32(p.output);
  const std::vector<std::uint8_t>& payload = w.out();

  Writer h;
  h.bytes(reinterpret_cast<const std::uint8_t*>(kMagic), sizeof kMagic);
  h.u32(kProgramFormatVersion);
  h.u32(0);
  h.u64(p.hw.fingerprint());
  h.u64(payload.size());
  h.u64(fnv1a(payload.data(), payload.size()));
  h.bytes(payload.data(), payload.size());
  return std::move(h.out());
}

Program parse_program(std::span<const std::uint8_t> bytes, const std::string& what, const HwConfig* expected) {
  if (bytes.size() < kHeaderBytes)
    throw Error(what + ": truncated: " + std::to_string(bytes.size()) + " bytes, a program file has a " +
                std::to_string(kHeaderBytes) + "-byte header");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw Error(what + ": not a lutsim program (bad magic, expected \"LUTSIMPG\")");
  Reader hdr(bytes.data(), kHeaderBytes, 0, what);
  hdr.take(8, "magic");
  const std::uint32_t version = hdr.u32("version");
  if (version != kProgramFormatVersion)
    throw Error(what + ": program format version " + std::to_string(version) + " is not supported (expected " +
                std::to_string(kProgramFormatVersion) + ")");
  if (const std::uint32_t reserved = hdr.u32("reserved"); reserved != 0)
    throw Error(what + ": header bytes 12..15 are reserved and must be 0, found " + std::to_string(reserved));
  const std::uint64_t fingerprint = hdr.u64("fingerprint");
  const std::uint64_t size = hdr.u64("payload size");
  const std::uint64_t sum = hdr.u64("checksum");
  if (size != bytes.size() - kHeaderBytes)
    throw Error(what + ": truncated or padded: the header announces " + std::to_string(size) + " payload bytes, the file has " +
                std::to_string(bytes.size() - kHeaderBytes));
  const std::uint8_t* payload = bytes.data() + kHeaderBytes;
  const std::uint64_t actual = fnv1a(payload, static_cast<std::size_t>(size));
  if (actual != sum)
    throw Error(what + ": checksum mismatch: the header says " + hex64(sum) + ", the payload hashes to " + hex64(actual) +
                " (the file is corrupt)");
  if (expected && expected->fingerprint() != fingerprint)
    throw Error(what + ": compiled for another hardware config (fingerprint " + hex64(fingerprint) + "), not for '" +
                expected->name + "' (fingerprint " + hex64(expected->fingerprint()) + "): recompile it with this config");

  Reader r(payload, static_cast<std::size_t>(size), kHeaderBytes, what);
  Program p;
  const std::string cfg = r.str("hardware config");
  p.hw = parse_hw_config(cfg, what + " (embedded hardware config)");
  if (p.hw.fingerprint() != fingerprint)
    throw Error(what + ": the embedded hardware config's fingerprint " + hex64(p.hw.fingerprint()) +
                " differs from the header's " + hex64(fingerprint));
  p.network = r.str("network name");
  const std::uint32_t n = r.u32("instruction count");
  const std::uint8_t* code = r.take(std::uint64_t{n} * isa::kInsnBytes, "instructions");
  p.code.reserve(n);
  for (std::uint32_t pc = 0; pc < n; ++pc) {
    try {
      p.code.push_back(isa::decode(isa::word_from_bytes(code + std::size_t{pc} * isa::kInsnBytes)));
    } catch (const Error& e) {
      throw Error(what + ": instruction at pc " + std::to_string(pc) + ": " + e.what());
    }
  }
  p.dram_bytes = r.u64("DRAM size");
  const std::uint64_t init = r.u64("image size");
  const std::uint8_t* img = r.take(init, "memory image");
  p.dram_init.assign(img, img + init);
  const std::uint32_t nv = r.u32("value count");
  for (std::uint32_t i = 0; i < nv; ++i) {
    ValueRegion v;
    v.name = r.str("value name");
    const std::uint8_t dt = r.u8("value dtype");
    if (dt > static_cast<std::uint8_t>(DType::S32)) r.fail("value " + std::to_string(i) + ": dtype code " + std::to_string(dt) + " is not u8, s8 or s32");
    v.dtype = static_cast<DType>(dt);
    v.h = r.i32("value h");
    v.w = r.i32("value w");
    v.c = r.i32("value c");
    v.exponent = r.i32("value exponent");
    v.addr = r.u64("value address");
    p.values.push_back(std::move(v));
  }
  const std::uint32_t nl = r.u32("layer count");
  for (std::uint32_t i = 0; i < nl; ++i) {
    LayerRange l;
    l.name = r.str("layer name");
    const std::uint8_t op = r.u8("layer op");
    if (op > static_cast<std::uint8_t>(OpKind::Reshape)) r.fail("layer " + std::to_string(i) + ": op code " + std::to_string(op) + " is unknown");
    l.op = static_cast<OpKind>(op);
    l.first = r.u32("layer first");
    l.end = r.u32("layer end");
    l.output = r.i32("layer output");
    p.layers.push_back(std::move(l));
  }
  p.input = r.i32("input value id");
  p.output = r.i32("output value id");
  if (!r.done()) r.fail("trailing bytes after the layer map");
  validate_program(p, what);
  return p;
}

void save_program(const Program& p, const std::string& path) {
  const std::vector<std::uint8_t> b = serialize_program(p);
  write_file(path, b);
}

Program load_program(const std::string& path, const HwConfig* expected) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open program file");
  const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_program(b, path, expected);
}

std::string disassemble(const Program& p) {
  std::ostringstream os;
  os << "; lutsim program, network '" << p.network << "', " << p.code.size() << " instructions\n";
  os << "; hardware config '" << p.hw.name << "' (fingerprint " << hex64(p.hw.fingerprint()) << "): array " << p.hw.rows << "x"
     << p.hw.cols << ", acc_bits " << p.hw.acc_bits << ", rounding " << rounding_name(p.hw.rounding) << "\n";
  os << "; DRAM " << p.dram_bytes << " bytes; parameters [0, " << p.dram_init.size() << ")\n";
  for (std::size_t id = 0; id < p.values.size(); ++id) {
    const ValueRegion& v = p.values[id];
    char buf[64];
    std::snprintf(buf, sizeof buf, "0x%08llx..0x%08llx", static_cast<unsigned long long>(v.addr),
                  static_cast<unsigned long long>(v.addr + v.bytes()));
    os << "; value " << id << " '" << v.name << "' " << dtype_name(v.dtype) << " [" << v.h << ", " << v.w << ", " << v.c << "] "
       << buf << (static_cast<int>(id) == p.input ? " (input)" : "") << (static_cast<int>(id) == p.output ? " (output)" : "")
       << "\n";
  }
  std::vector<std::vector<std::size_t>> headers(p.code.size() + 1);
  for (std::size_t li = 0; li < p.layers.size(); ++li)
    headers[std::min<std::size_t>(p.layers[li].first, p.code.size())].push_back(li);
  for (std::size_t pc = 0; pc <= p.code.size(); ++pc) {
    for (std::size_t li : headers[pc]) {
      const LayerRange& l = p.layers[li];
      os << "\n; layer " << li << " '" << l.name << "' (" << op_name(l.op) << ") -> value '"
         << p.values[static_cast<std::size_t>(l.output)].name << "': instructions [" << l.first << ", " << l.end << ")\n";
    }
    if (pc == p.code.size()) break;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%6zu  ", pc);
    os << buf << isa::to_string(p.code[pc]) << "\n";
  }
  return os.str();
}

}  // namespace lutsim
