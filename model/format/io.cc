#include "io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <system_error>

#include "lutsim/model/error.h"

namespace lutsim::format_detail {

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { if (fd_ >= 0) ::close(fd_); }
  int get() const { return fd_; }
  // Closes now and reports the error close() returns (it can report a failed delayed write).
  int close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

}  // namespace

std::vector<std::uint8_t> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw Error(path + ": cannot read: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error(path + ": cannot read: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw Error(path + ": cannot read: not a regular file");
  std::vector<std::uint8_t> out(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0);
  std::size_t n = 0;
  for (;;) {
    if (n == out.size()) out.resize(out.size() + 65536);  // the file may have grown since fstat
    const ssize_t r = ::read(fd.get(), out.data() + n, out.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(path + ": cannot read: " + errno_text(errno));
    }
    if (r == 0) break;
    n += static_cast<std::size_t>(r);
  }
  out.resize(n);
  return out;
}

namespace {

// The temporary files being written, so that a signal handler can remove them (remove_partial_outputs): fixed
// slots of fixed size, claimed with an atomic flag, because a handler may neither allocate nor lock.
constexpr int kSlots = 16;
constexpr std::size_t kSlotPath = 4096;
char g_tmp_path[kSlots][kSlotPath];
std::atomic<bool> g_tmp_used[kSlots];

// A temporary file registered for the time it exists.
class TmpRegistration {
 public:
  explicit TmpRegistration(const std::string& path) {
    if (path.size() >= kSlotPath) return;
    for (int i = 0; i < kSlots; ++i) {
      bool expected = false;
      if (g_tmp_used[i].load() || !g_tmp_used[i].compare_exchange_strong(expected, true)) continue;
      std::memcpy(g_tmp_path[i], path.c_str(), path.size() + 1);
      slot_ = i;
      return;
    }
  }
  ~TmpRegistration() {
    if (slot_ >= 0) g_tmp_used[slot_].store(false);
  }
  TmpRegistration(const TmpRegistration&) = delete;
  TmpRegistration& operator=(const TmpRegistration&) = delete;

 private:
  int slot_ = -1;
};

void write_all(int fd, std::span<const std::uint8_t> bytes, const std::function<void(int)>& fail) {
  std::size_t n = 0;
  while (n < bytes.size()) {
    const ssize_t r = ::write(fd, bytes.data() + n, bytes.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    if (r == 0) fail(EIO);
    n += static_cast<std::size_t>(r);
  }
}

// A device or a pipe (/dev/null, /dev/stdout, /dev/full) is written in place: renaming a file over it would
// replace the device node. Every error is reported, ENOSPC from /dev/full among them.
void write_in_place(const std::string& path, std::span<const std::uint8_t> bytes) {
  const int raw = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (raw < 0) throw Error(path + ": cannot write: " + errno_text(errno));
  Fd fd(raw);
  write_all(fd.get(), bytes, [&](int err) { throw Error(path + ": cannot write: " + errno_text(err)); });
  if (fd.close() != 0) throw Error(path + ": cannot write: " + errno_text(errno));
}

}  // namespace

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes) {
  struct stat st {};
  std::string target = path;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw Error(path + ": cannot write: it is a directory");
    if (!S_ISREG(st.st_mode)) return write_in_place(path, bytes);
    // A symbolic link to a file: the file is replaced, the link stays.
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      target = real;
      std::free(real);
    }
  }
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int raw = -1;
  for (int attempt = 0; attempt < 100 && raw < 0; ++attempt) {
    tmp = target + ".tmp" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    // 0666 and the process umask give the same permissions as any other newly created file.
    raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (raw < 0 && errno != EEXIST) throw Error(path + ": cannot write: " + errno_text(errno));
  }
  if (raw < 0) throw Error(path + ": cannot write: no free temporary name beside it");
  const TmpRegistration reg(tmp);
  Fd fd(raw);
  auto fail = [&](int err) {
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot write: " + errno_text(err));
  };
  write_all(fd.get(), bytes, fail);
  if (::fsync(fd.get()) != 0) fail(errno);
  if (fd.close() != 0) fail(errno);
  if (::rename(tmp.c_str(), target.c_str()) != 0) fail(errno);
}

}  // namespace lutsim::format_detail

namespace lutsim {

void write_file(const std::string& path, std::span<const std::uint8_t> bytes) {
  format_detail::write_file_atomic(path, bytes);
}

void write_file(const std::string& path, std::string_view text) {
  format_detail::write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

void remove_partial_outputs() noexcept {
  for (int i = 0; i < format_detail::kSlots; ++i)
    if (format_detail::g_tmp_used[i].load()) ::unlink(format_detail::g_tmp_path[i]);
}

}  // namespace lutsim

namespace lutsim::format_detail {

std::string quote(std::string_view s, std::size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (out.size() > max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "'";
}

}  // namespace lutsim::format_detail
