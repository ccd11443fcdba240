// NumPy .npy reading and writing (format versions 1.0, 2.0 and 3.0; C order; u8, s8, s32, f32).
//
// The header is a Python dict literal such as {'descr': '<i4', 'fortran_order': False, 'shape': (1, 28, 28, 1), }.
// It is parsed by a small hand-written scanner that accepts exactly what numpy.lib.format writes (and the
// harmless variations of spacing, quoting and trailing commas), never indexes past the header, and names the
// problem when the header is anything else.
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <optional>

#include "io.h"
#include "lutsim/model/format.h"

namespace lutsim {

static_assert(std::endian::native == std::endian::little,
              ".npy data is stored little-endian ('<i4', '<f4') and copied as is");

using format_detail::quote;

namespace {

constexpr std::uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr std::size_t kMaxRank = 64;  // numpy 2's NPY_MAXDIMS

const char* numpy_descr(DType t) {
  switch (t) {
    case DType::U8: return "|u1";
    case DType::S8: return "|i1";
    case DType::S32: return "<i4";
    case DType::F32: return "<f4";
  }
  return "?";
}

// Maps a dtype descr to a lutsim dtype, or explains why it is not one.
DType descr_dtype(const std::string& d, const std::string& what) {
  // A one-byte type has no byte order: numpy writes '|', but '<', '>', '=' and none mean the same.
  auto one_byte = [&](char kind) {
    return d == std::string("|") + kind + "1" || d == std::string("<") + kind + "1" ||
           d == std::string(">") + kind + "1" || d == std::string("=") + kind + "1" || d == std::string(1, kind) + "1";
  };
  if (one_byte('u')) return DType::U8;
  if (one_byte('i')) return DType::S8;
  if (d == "<i4") return DType::S32;
  if (d == "<f4") return DType::F32;
  const std::string expected = "expected '|u1' (u8), '|i1' (s8), '<i4' (s32) or '<f4' (f32)";
  if (d == ">i4" || d == ">f4")
    throw Error(what + ": dtype " + quote(d) + " is big-endian (" + expected + "; convert with .astype('<" +
                d.substr(1) + "'))");
  throw Error(what + ": dtype " + quote(d) + " is not supported (" + expected + ")");
}

// Scanner over the header text. Every read is bounds-checked against the header's own length.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& what) : s_(text), what_(what) {}

  struct Result {
    std::string descr;
    bool fortran = false;
    Shape shape;
  };

  Result parse() {
    Result r;
    bool have_descr = false, have_fortran = false, have_shape = false;
    ws();
    expect('{', "'{' opening the header dict");
    for (;;) {
      ws();
      if (peek() == '}') { ++i_; break; }
      const std::string key = string_literal("a quoted key");
      ws();
      expect(':', "':' after key " + quote(key));
      ws();
      if (key == "descr") {
        if (have_descr) fail("key 'descr' appears twice");
        if (peek() != '\'' && peek() != '"')
          fail("'descr' is not a simple dtype string (structured dtypes are not supported)");
        r.descr = string_literal("the dtype string");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_fortran) fail("key 'fortran_order' appears twice");
        r.fortran = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        if (have_shape) fail("key 'shape' appears twice");
        r.shape = tuple();
        have_shape = true;
      } else {
        fail("unexpected key " + quote(key) + " (expected 'descr', 'fortran_order' and 'shape')");
      }
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == '}') { ++i_; break; }
      fail("expected ',' or '}' after the value of " + quote(key));
    }
    ws();
    if (i_ != s_.size()) fail("unexpected text after the header dict");
    if (!have_descr) fail("key 'descr' is missing");
    if (!have_fortran) fail("key 'fortran_order' is missing");
    if (!have_shape) fail("key 'shape' is missing");
    return r;
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    throw Error(what_ + ": malformed .npy header: " + msg + " at offset " + std::to_string(i_) + " in " +
                quote(s_, 120));
  }
  // 0 past the end: no header character is NUL in a valid header, so the caller's checks fail cleanly.
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) fail("expected " + what);
    ++i_;
  }
  std::string string_literal(const std::string& what) {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected " + what);
    const std::size_t start = ++i_;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\') fail("escape sequences are not supported in header strings");
      ++i_;
    }
    if (i_ >= s_.size()) fail("unterminated string");
    return std::string(s_.substr(start, i_++ - start));
  }
  bool boolean() {
    if (s_.substr(i_, 4) == "True") { i_ += 4; return true; }
    if (s_.substr(i_, 5) == "False") { i_ += 5; return false; }
    fail("'fortran_order' must be True or False");
  }
  // A tuple of non-negative integers: (), (5,), (1, 28, 28, 1). (5) is read as (5,).
  Shape tuple() {
    expect('(', "'shape' as a tuple such as (1, 28, 28, 1)");
    Shape out;
    for (;;) {
      ws();
      if (peek() == ')') { ++i_; return out; }
      if (peek() < '0' || peek() > '9') fail("expected a non-negative integer in 'shape'");
      std::int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (std::numeric_limits<std::int64_t>::max() - 9) / 10) fail("a dimension in 'shape' is too large");
        v = v * 10 + (peek() - '0');
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2 long literal, as old numpy wrote it
      if (out.size() == kMaxRank) fail("'shape' has more than " + std::to_string(kMaxRank) + " dimensions");
      out.push_back(v);
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == ')') { ++i_; return out; }
      fail("expected ',' or ')' in 'shape'");
    }
  }

  std::string_view s_;
  const std::string& what_;
  std::size_t i_ = 0;
};

std::uint32_t le(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

std::string shape_tuple(const Shape& s) {
  if (s.size() == 1) return "(" + std::to_string(s[0]) + ",)";
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + ")";
}

}  // namespace

Tensor parse_npy(std::span<const std::uint8_t> bytes, const std::string& what) {
  bool magic = true;
  for (std::size_t i = 0; i < std::min(bytes.size(), sizeof kMagic); ++i) magic = magic && bytes[i] == kMagic[i];
  if (!magic || bytes.empty())
    throw Error(what + ": not a NumPy .npy file (expected the magic string \\x93NUMPY at the start" +
                (bytes.empty() ? std::string(", the file is empty)") : std::string(")")));
  if (bytes.size() < 10)
    throw Error(what + ": truncated .npy file: " + std::to_string(bytes.size()) +
                " bytes, shorter than the 10-byte preamble");
  const int major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0)
    throw Error(what + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                " (this build reads 1.0, 2.0 and 3.0)");
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t preamble = 8 + len_bytes;
  if (bytes.size() < preamble)
    throw Error(what + ": truncated .npy file: " + std::to_string(bytes.size()) + " bytes, shorter than the " +
                std::to_string(preamble) + "-byte preamble of a version " + std::to_string(major) + ".0 file");
  const std::size_t header_len = le(bytes.data() + 8, static_cast<int>(len_bytes));
  if (bytes.size() - preamble < header_len)
    throw Error(what + ": truncated .npy file: the header should be " + std::to_string(header_len) + " bytes, " +
                std::to_string(bytes.size() - preamble) + " remain after the preamble");
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + preamble), header_len);
  const HeaderParser::Result h = HeaderParser(header, what).parse();
  const DType dtype = descr_dtype(h.descr, what);
  if (h.fortran) {
    // Fortran order is the same bytes as C order when at most one dimension exceeds 1.
    int big = 0;
    for (std::int64_t d : h.shape) big += d > 1;
    if (big > 1)
      throw Error(what + ": fortran_order is True; only C order is supported (expected fortran_order False; "
                         "write with np.ascontiguousarray())");
  }
  const std::size_t data_bytes = bytes.size() - preamble - header_len;
  // Count elements without overflow: any count above the available bytes is already a mismatch.
  std::uint64_t numel = 1;
  bool zero = false;
  for (std::int64_t d : h.shape) zero = zero || d == 0;
  bool too_big = false;
  if (!zero) {
    for (std::int64_t d : h.shape) {
      if (numel > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d) ||
          numel * static_cast<std::uint64_t>(d) > data_bytes) {
        too_big = true;
        break;
      }
      numel *= static_cast<std::uint64_t>(d);
    }
  } else {
    numel = 0;
  }
  const std::size_t item = dtype_size(dtype);
  const std::string expect_desc = "shape " + shape_tuple(h.shape) + " of " + std::string(dtype_name(dtype)) +
                                  (too_big ? "" : " needs " + std::to_string(numel * item) + " data bytes");
  if (too_big || numel * item > data_bytes)
    throw Error(what + ": truncated .npy file: " + expect_desc + ", the file has " + std::to_string(data_bytes));
  if (numel * item < data_bytes)
    throw Error(what + ": data size disagrees with the header: " + expect_desc + ", the file has " +
                std::to_string(data_bytes));
  Tensor t;
  try {
    t = Tensor(dtype, h.shape);
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  if (t.nbytes()) std::memcpy(t.raw(), bytes.data() + preamble + header_len, t.nbytes());
  return t;
}

std::vector<std::uint8_t> serialize_npy(const Tensor& t) {
  if (t.rank() == 0 && t.numel() == 0) throw Error("cannot write a tensor that has no shape (default-constructed)");
  std::string header = std::string("{'descr': '") + numpy_descr(t.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape_tuple(t.shape()) + ", }";
  // numpy pads the header with spaces and a final newline so that the data starts 64-byte aligned.
  const bool v1 = 10 + header.size() + 1 <= 65535;
  const std::size_t preamble = v1 ? 10 : 12;
  const std::size_t total = (preamble + header.size() + 1 + 63) / 64 * 64;
  header.append(total - preamble - header.size() - 1, ' ');
  header += '\n';
  std::vector<std::uint8_t> out(kMagic, kMagic + sizeof kMagic);
  out.push_back(v1 ? 1 : 2);
  out.push_back(0);
  for (std::size_t i = 0; i < preamble - 8; ++i) out.push_back(static_cast<std::uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), t.raw(), t.raw() + t.nbytes());
  return out;
}

Tensor load_npy(const std::string& path) {
  const std::vector<std::uint8_t> bytes = format_detail::read_file(path);
  return parse_npy(bytes, path);
}

void save_npy(const Tensor& t, const std::string& path) {
  std::vector<std::uint8_t> bytes;
  try {
    bytes = serialize_npy(t);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  format_detail::write_file_atomic(path, bytes);
}

}  // namespace lutsim
