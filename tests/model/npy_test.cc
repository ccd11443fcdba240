// NumPy .npy tensor files: exact bytes as NumPy writes them, round trips of every dtype, header variants, and
// rejection of every kind of malformed file with a message that starts with the file's name.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "lutsim/model/format.h"
#include "test_networks.h"

namespace lutsim {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// The message of the lutsim::Error that f throws; a test failure when it throws nothing.
template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no lutsim::Error was thrown";
  return "";
}

#define EXPECT_CONTAINS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

// An .npy file from its parts: version, header text (written as given, no padding) and data.
Bytes npy_bytes(int major, const std::string& header, const Bytes& data = {}) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
  const std::size_t n = header.size();
  b.push_back(static_cast<std::uint8_t>(n));
  b.push_back(static_cast<std::uint8_t>(n >> 8));
  if (major >= 2) {
    b.push_back(static_cast<std::uint8_t>(n >> 16));
    b.push_back(static_cast<std::uint8_t>(n >> 24));
  }
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::string header_of(const Bytes& b) {
  const std::size_t n = b[8] | b[9] << 8;
  return std::string(b.begin() + 10, b.begin() + 10 + static_cast<std::ptrdiff_t>(n));
}

class TempDir {
 public:
  TempDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("lutsim_npy_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(Npy, WritesExactlyWhatNumpyWrites) {
  // np.save(f, np.arange(6, dtype=np.uint8).reshape(2, 3)): version 1.0, a 118-byte header padded with spaces
  // and a newline so that the data starts at byte 128.
  Tensor t(DType::U8, {2, 3});
  for (int i = 0; i < 6; ++i) t.set(i, i);
  const Bytes b = serialize_npy(t);
  ASSERT_EQ(b.size(), 134u);
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 10), (Bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}));
  const std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(header_of(b), dict + std::string(118 - dict.size() - 1, ' ') + "\n");
  EXPECT_EQ(Bytes(b.begin() + 128, b.end()), (Bytes{0, 1, 2, 3, 4, 5}));

  // np.save(f, np.array([-2, 70000], dtype='<i4')): little-endian data, a 1-tuple written "(2,)".
  Tensor s(DType::S32, {2});
  s.set(0, -2);
  s.set(1, 70000);
  const Bytes bs = serialize_npy(s);
  EXPECT_TRUE(header_of(bs).starts_with("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), } ")) << header_of(bs);
  EXPECT_EQ(Bytes(bs.begin() + 128, bs.end()), (Bytes{0xfe, 0xff, 0xff, 0xff, 0x70, 0x11, 0x01, 0x00}));

  // np.save(f, np.float32(1.5)): a 0-d array has shape ().
  Tensor f(DType::F32, {});
  f.data<float>()[0] = 1.5f;
  const Bytes bf = serialize_npy(f);
  EXPECT_TRUE(header_of(bf).starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (), } ")) << header_of(bf);
  EXPECT_EQ(Bytes(bf.begin() + 128, bf.end()), (Bytes{0x00, 0x00, 0xc0, 0x3f}));

  const std::string h4 = header_of(serialize_npy(Tensor(DType::S8, {1, 2, 3, 4})));
  EXPECT_TRUE(h4.starts_with("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2, 3, 4), } ")) << h4;
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  std::mt19937 rng(7);
  const std::vector<Shape> shapes = {{}, {0}, {1}, {5}, {2, 3}, {2, 0, 3}, {1, 4, 3, 2}, {2, 1, 1, 1, 3}};
  for (DType dt : {DType::U8, DType::S8, DType::S32}) {
    for (const Shape& s : shapes) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " " + shape_str(s));
      const Tensor t = testnet::random_tensor(rng, dt, s, dtype_min(dt), dtype_max(dt));
      const Tensor u = parse_npy(serialize_npy(t), "mem.npy");
      EXPECT_EQ(u.dtype(), dt);
      EXPECT_EQ(u.shape(), s);
      EXPECT_TRUE(u.same_values(t));
    }
  }
  for (const Shape& s : shapes) {
    SCOPED_TRACE("f32 " + shape_str(s));
    Tensor t(DType::F32, s);
    std::uniform_real_distribution<float> d(-1e6f, 1e6f);
    for (float& v : t.span<float>()) v = d(rng);
    if (t.numel() > 1) t.data<float>()[1] = -0.0f;  // the sign of zero survives: the bytes are copied
    const Tensor u = parse_npy(serialize_npy(t), "mem.npy");
    EXPECT_EQ(u.shape(), s);
    EXPECT_TRUE(u.same_values(t));
  }
}

TEST(Npy, SavesAndLoadsFiles) {
  TempDir dir;
  std::mt19937 rng(3);
  for (DType dt : {DType::U8, DType::S8, DType::S32}) {
    const Tensor t = testnet::random_tensor(rng, dt, {3, 4, 5}, dtype_min(dt), dtype_max(dt));
    const std::string path = dir.file(std::string(dtype_name(dt)) + ".npy");
    save_npy(t, path);
    EXPECT_TRUE(load_npy(path).same_values(t));
    // Overwriting an existing file replaces it.
    const Tensor t2 = testnet::random_tensor(rng, dt, {2}, dtype_min(dt), dtype_max(dt));
    save_npy(t2, path);
    EXPECT_TRUE(load_npy(path).same_values(t2));
  }
  // The atomic write leaves no temporary file behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().extension(), ".npy") << e.path();
  }
  EXPECT_EQ(files, 3);
}

TEST(Npy, ReadsOtherHeaderVersionsAndSpellings) {
  const Bytes data = {1, 2, 3, 4, 5, 6};
  struct Case {
    int major;
    std::string header;
    DType dtype;
    Shape shape;
  };
  const std::vector<Case> cases = {
      {2, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }\n", DType::U8, {2, 3}},
      {3, "{'descr': '|i1', 'fortran_order': False, 'shape': (6,), }\n", DType::S8, {6}},
      // Double quotes, other key order, no trailing comma, no padding, spaces and tabs anywhere.
      {1, "{\"shape\":(3,2),\"descr\":\"u1\",\"fortran_order\":False}", DType::U8, {3, 2}},
      {1, " {  'fortran_order' : False ,\t'shape' : ( 1 , 6 ) , 'descr' : '<u1' }  \n ", DType::U8, {1, 6}},
      // Old NumPy wrote Python 2 long literals.
      {1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2L, 3L), }", DType::U8, {2, 3}},
      // Fortran order of a shape with at most one dimension above 1 is the same bytes as C order.
      {1, "{'descr': '|u1', 'fortran_order': True, 'shape': (1, 6, 1), }", DType::U8, {1, 6, 1}},
      {1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 1), }", DType::S32, {1, 1}},
      {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", DType::F32, {1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    const std::size_t n = static_cast<std::size_t>(shape_numel(c.shape)) * dtype_size(c.dtype);
    Bytes d(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(n, 6)));
    d.resize(n, 0x40);
    const Tensor t = parse_npy(npy_bytes(c.major, c.header, d), "h.npy");
    EXPECT_EQ(t.dtype(), c.dtype);
    EXPECT_EQ(t.shape(), c.shape);
    EXPECT_EQ(0, std::memcmp(t.raw(), d.data(), n));
  }
  // A version 2.0 header longer than 65535 bytes (NumPy switches to 2.0 for those).
  const std::string big = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }" + std::string(70000, ' ') + "\n";
  const Tensor t = parse_npy(npy_bytes(2, big, {0x78, 0x56, 0x34, 0x12}), "big.npy");
  EXPECT_EQ(t.get(0), 0x12345678);
}

TEST(Npy, RejectsMalformedFilesNamingTheProblem) {
  const std::string ok_dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }\n";
  const Bytes data16(16, 1);
  struct Case {
    Bytes bytes;
    std::vector<std::string> expect;  // substrings of the message after "in.npy: "
  };
  auto hdr = [&](const std::string& h, const Bytes& d = Bytes(16, 1)) { return npy_bytes(1, h, d); };
  const std::vector<Case> cases = {
      {{}, {"not a NumPy .npy file", "the file is empty"}},
      {{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}, {"not a NumPy .npy file", "magic string"}},
      {{0x93, 'N', 'U', 'M'}, {"truncated .npy file", "10-byte preamble"}},
      {npy_bytes(4, ok_dict, data16), {"unsupported .npy format version 4.0", "reads 1.0, 2.0 and 3.0"}},
      {npy_bytes(1, ok_dict, data16), {}},  // the reference: accepted
      {[&] { Bytes b = npy_bytes(1, ok_dict, data16); b[7] = 1; return b; }(), {"version 1.1"}},
      {[&] { Bytes b = npy_bytes(1, ok_dict, data16); b[8] = 0xff; return b; }(),
       {"truncated .npy file", "header should be 255 bytes"}},
      {[&] { Bytes b = npy_bytes(2, ok_dict, data16); b.resize(11); return b; }(), {"12-byte preamble"}},
      {hdr("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }"),
       {"fortran_order is True", "only C order", "expected fortran_order False"}},
      {hdr("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 2), }"), {"dtype '>i4' is big-endian", "'<i4'"}},
      {hdr("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }"), {"dtype '>f4' is big-endian"}},
      {hdr("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }"),
       {"dtype '<i8' is not supported", "expected '|u1' (u8), '|i1' (s8), '<i4' (s32) or '<f4' (f32)"}},
      {hdr("{'descr': '|b1', 'fortran_order': False, 'shape': (16,), }"), {"dtype '|b1' is not supported"}},
      {hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"), {"dtype '<f8' is not supported"}},
      {hdr("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (4,), }"),
       {"malformed .npy header", "structured dtypes are not supported"}},
      {hdr("{'fortran_order': False, 'shape': (2, 2), }"), {"key 'descr' is missing"}},
      {hdr("{'descr': '<i4', 'shape': (2, 2), }"), {"key 'fortran_order' is missing"}},
      {hdr("{'descr': '<i4', 'fortran_order': False}"), {"key 'shape' is missing"}},
      {hdr("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }"),
       {"key 'descr' appears twice"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}"), {"unexpected key 'extra'"}},
      {hdr("{'descr': '<i4', 'fortran_order': false, 'shape': (2, 2), }"), {"must be True or False"}},
      {hdr("{'descr': '<i4, 'fortran_order': False, 'shape': (2, 2), }"), {"malformed .npy header"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -2), }"), {"non-negative integer in 'shape'"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': [2, 2], }"), {"'shape' as a tuple"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), } junk"), {"unexpected text after"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2)"), {"expected ',' or '}'"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999999999999,), }"), {"too large"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", Bytes(15, 1)),
       {"truncated .npy file", "shape (2, 2) of s32 needs 16 data bytes, the file has 15"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", Bytes(17, 1)),
       {"data size disagrees with the header", "needs 16 data bytes, the file has 17"}},
      {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"),
       {"truncated .npy file", "the file has 16"}},
      {hdr("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 4611686018427387904), }", {}), {}},  // empty
      {hdr("{'descr': '\\x3ci4', 'fortran_order': False, 'shape': (2, 2), }"), {"escape sequences"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.bytes.begin(), c.bytes.end()));
    if (c.expect.empty()) {
      EXPECT_NO_THROW(parse_npy(c.bytes, "in.npy"));
      continue;
    }
    const std::string msg = error_of([&] { parse_npy(c.bytes, "in.npy"); });
    EXPECT_TRUE(msg.starts_with("in.npy: ")) << msg;
    for (const std::string& e : c.expect) EXPECT_CONTAINS(msg, e);
  }
}

TEST(Npy, TruncatedAtEveryByteIsAnError) {
  std::mt19937 rng(11);
  for (DType dt : {DType::U8, DType::S32}) {
    const Bytes b = serialize_npy(testnet::random_tensor(rng, dt, {3, 5}, 0, 100));
    for (std::size_t cut = 0; cut < b.size(); ++cut) {
      const std::string msg = error_of([&] { parse_npy(std::span(b.data(), cut), "cut.npy"); });
      ASSERT_TRUE(msg.starts_with("cut.npy: ")) << "cut at " << cut << ": " << msg;
      if (cut >= 10) {
        EXPECT_CONTAINS(msg, "truncated");
      }
    }
  }
}

TEST(Npy, AnyFlippedByteIsAnErrorOrATensorNeverACrash) {
  std::mt19937 rng(5);
  const Bytes good = serialize_npy(testnet::random_tensor(rng, DType::S32, {2, 3, 4}, INT32_MIN, INT32_MAX));
  int errors = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int mask : {0x01, 0x20, 0x80, 0xff}) {
      Bytes b = good;
      b[i] = static_cast<std::uint8_t>(b[i] ^ mask);
      try {
        const Tensor t = parse_npy(b, "flip.npy");
        // Accepted only when the header still describes exactly the data that follows it.
        EXPECT_EQ(static_cast<std::size_t>(t.nbytes()), good.size() - 128) << "byte " << i;
      } catch (const Error& e) {
        ++errors;
        ASSERT_TRUE(std::string(e.what()).starts_with("flip.npy: ")) << e.what();
      }
    }
  }
  EXPECT_GT(errors, 100);
}

TEST(Npy, FileErrorsNameThePath) {
  TempDir dir;
  const std::string missing = dir.file("missing.npy");
  std::string msg = error_of([&] { load_npy(missing); });
  EXPECT_TRUE(msg.starts_with(missing + ": cannot read: ")) << msg;
  EXPECT_CONTAINS(msg, "No such file or directory");

  msg = error_of([&] { load_npy(dir.path().string()); });
  EXPECT_TRUE(msg.starts_with(dir.path().string() + ": cannot read: not a regular file")) << msg;

  const std::string nodir = dir.file("no/such/dir/x.npy");
  msg = error_of([&] { save_npy(Tensor(DType::U8, {1}), nodir); });
  EXPECT_TRUE(msg.starts_with(nodir + ": cannot write: ")) << msg;

  msg = error_of([&] { save_npy(Tensor(), dir.file("empty.npy")); });
  EXPECT_TRUE(msg.starts_with(dir.file("empty.npy") + ": ")) << msg;
  EXPECT_CONTAINS(msg, "no shape");
  EXPECT_FALSE(fs::exists(dir.file("empty.npy")));

  // A file cut short on disk.
  const std::string cut = dir.file("cut.npy");
  const Bytes b = serialize_npy(Tensor(DType::S32, {10}));
  std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), 150);
  msg = error_of([&] { load_npy(cut); });
  EXPECT_TRUE(msg.starts_with(cut + ": truncated .npy file")) << msg;
  EXPECT_CONTAINS(msg, "needs 40 data bytes, the file has 22");
}

}  // namespace
}  // namespace lutsim
