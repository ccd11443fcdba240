// Zip archives (NumPy .npz) through libzip.
//
// libzip rather than a hand-written reader: NumPy's writer (Python's zipfile) emits ZIP64 extra fields on every
// member and may use data descriptors, and np.savez_compressed deflates; libzip reads all of these, checks each
// member's CRC, checks the central directory against the local headers (ZIP_CHECKCONS), and is fuzzed upstream.
#include <zip.h>

#include <cstring>
#include <memory>

#include "io.h"
#include "lutsim/model/format.h"

namespace lutsim {

using format_detail::quote;

namespace {

struct ZipDiscard { void operator()(zip_t* z) const { zip_discard(z); } };
struct SourceFree { void operator()(zip_source_t* s) const { zip_source_free(s); } };
struct FileClose { void operator()(zip_file_t* f) const { zip_fclose(f); } };

// A zip_error_t that is released on scope exit.
struct ZipError {
  zip_error_t e;
  ZipError() { zip_error_init(&e); }
  ZipError(const ZipError&) = delete;
  ZipError& operator=(const ZipError&) = delete;
  ~ZipError() { zip_error_fini(&e); }
  std::string text() { return zip_error_strerror(&e); }
};

// Deflate expands at most 1032:1; anything claiming more is corrupt and must not drive an allocation.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

}  // namespace

std::vector<ZipMember> parse_zip(std::span<const std::uint8_t> bytes, const std::string& what) {
  // libzip opens zero bytes as an archive without members; a real zip has at least its 22-byte end record.
  if (bytes.empty())
    throw Error(what + ": not a valid zip archive (the file is empty); expected a NumPy .npz such as lutsim "
                       "save_network or np.savez writes");
  ZipError err;
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err.e);
  if (!src) throw Error(what + ": cannot read the zip archive: " + err.text());
  zip_t* raw = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err.e);
  if (!raw) {
    zip_source_free(src);
    // A zip is read from its end record; a file that begins like a zip but has none was most likely cut short.
    const bool starts_like_zip = bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
    const std::string why = zip_error_code_zip(&err.e) == ZIP_ER_NOZIP && starts_like_zip
                                ? "truncated: it starts like one but its end record is missing"
                                : err.text();
    throw Error(what + ": not a valid zip archive (" + why +
                "); expected a NumPy .npz such as lutsim save_network or np.savez writes");
  }
  std::unique_ptr<zip_t, ZipDiscard> za(raw);  // owns src from here on

  const zip_int64_t n = zip_get_num_entries(za.get(), 0);
  std::vector<ZipMember> out;
  std::uint64_t total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    const auto idx = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za.get(), idx, 0, &st) != 0)
      throw Error(what + ": zip member " + std::to_string(i) + ": " + zip_strerror(za.get()));
    constexpr zip_uint64_t kNeed = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
    if ((st.valid & kNeed) != kNeed)
      throw Error(what + ": zip member " + std::to_string(i) + ": incomplete directory entry");
    const std::string name = st.name;
    const std::string where = what + ": member " + quote(name);
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
      throw Error(where + " is encrypted (expected an unencrypted archive)");
    if (st.comp_method == ZIP_CM_STORE) {
      if (st.size != st.comp_size)
        throw Error(where + ": a stored member of " + std::to_string(st.size) + " bytes occupies " +
                    std::to_string(st.comp_size));
    } else if (st.comp_method == ZIP_CM_DEFLATE) {
      if (st.size / kMaxDeflateRatio > st.comp_size)
        throw Error(where + ": claims " + std::to_string(st.size) + " bytes from " + std::to_string(st.comp_size) +
                    " compressed bytes, more than deflate can produce");
    } else {
      throw Error(where + " uses compression method " + std::to_string(st.comp_method) +
                  " (expected stored, or deflated as np.savez_compressed writes)");
    }
    // Every byte of a member comes from the archive, so a stored archive never holds more than its own size.
    if (st.comp_size > bytes.size() || st.size > bytes.size() * kMaxDeflateRatio - total)
      throw Error(where + ": claims " + std::to_string(st.size) + " bytes, more than the archive can hold");
    total += st.size;

    std::unique_ptr<zip_file_t, FileClose> f(zip_fopen_index(za.get(), idx, 0));
    if (!f) throw Error(where + ": cannot open: " + zip_strerror(za.get()));
    ZipMember m{name, std::vector<std::uint8_t>(static_cast<std::size_t>(st.size))};
    std::size_t got = 0;
    // Reading one byte past the declared size makes libzip reach the end of the member and check its CRC.
    std::uint8_t extra = 0;
    for (;;) {
      const bool past = got == m.data.size();
      std::uint8_t* dst = past ? &extra : m.data.data() + got;
      const zip_uint64_t want = past ? 1 : m.data.size() - got;
      const zip_int64_t r = zip_fread(f.get(), dst, want);
      if (r < 0) throw Error(where + ": corrupt data: " + zip_file_strerror(f.get()));
      if (r == 0) break;
      if (past) throw Error(where + ": holds more data than its directory entry says (" + std::to_string(st.size) + " bytes)");
      got += static_cast<std::size_t>(r);
    }
    if (got != m.data.size())
      throw Error(where + ": truncated: " + std::to_string(got) + " of " + std::to_string(st.size) + " bytes");
    const int close_err = zip_fclose(f.release());
    if (close_err != 0) {
      ZipError e;
      zip_error_set(&e.e, close_err, 0);
      throw Error(where + ": corrupt data: " + e.text());
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::uint8_t> serialize_zip(const std::vector<ZipMember>& members) {
  ZipError err;
  std::unique_ptr<zip_source_t, SourceFree> src(zip_source_buffer_create(nullptr, 0, 0, &err.e));
  if (!src) throw Error("cannot create a zip archive: " + err.text());
  std::unique_ptr<zip_t, ZipDiscard> za(zip_open_from_source(src.get(), ZIP_TRUNCATE, &err.e));
  if (!za) throw Error("cannot create a zip archive: " + err.text());
  // The archive now holds a reference to src; keep ours so that the written bytes can be read back after close.
  zip_source_keep(src.get());

  static const std::uint8_t kEmpty = 0;
  for (const ZipMember& m : members) {
    zip_source_t* s = zip_source_buffer(za.get(), m.data.empty() ? &kEmpty : m.data.data(), m.data.size(), 0);
    if (!s) throw Error("cannot add zip member " + quote(m.name) + ": " + zip_strerror(za.get()));
    const zip_int64_t idx = zip_file_add(za.get(), m.name.c_str(), s, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(s);
      throw Error("cannot add zip member " + quote(m.name) + ": " + zip_strerror(za.get()));
    }
    const auto u = static_cast<zip_uint64_t>(idx);
    // Stored, so that the archive is a plain .npz; a fixed DOS timestamp (1980-01-01 00:00, as np.savez writes)
    // so that the same members always give the same bytes.
    if (zip_set_file_compression(za.get(), u, ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_dostime(za.get(), u, 0, (1 << 5) | 1, 0) != 0)
      throw Error("cannot add zip member " + quote(m.name) + ": " + zip_strerror(za.get()));
  }
  if (zip_close(za.get()) != 0) throw Error(std::string("cannot write the zip archive: ") + zip_strerror(za.get()));
  za.release();  // zip_close freed it

  std::vector<std::uint8_t> out;
  if (zip_source_is_deleted(src.get())) {
    // libzip writes nothing for an archive without members; a valid empty zip is its end-of-directory record.
    out = {'P', 'K', 5, 6};
    out.resize(22, 0);
    return out;
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(src.get(), &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src.get()) != 0)
    throw Error("cannot read back the zip archive");
  out.resize(static_cast<std::size_t>(st.size));
  const zip_int64_t r = zip_source_read(src.get(), out.data(), out.size());
  zip_source_close(src.get());
  if (r < 0 || static_cast<std::size_t>(r) != out.size()) throw Error("cannot read back the zip archive");
  return out;
}

}  // namespace lutsim
