#include "io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes) {
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int raw = -1;
  for (int attempt = 0; attempt < 100 && raw < 0; ++attempt) {
    tmp = path + ".tmp" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    // 0666 and the process umask give the same permissions as any other newly created file.
    raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (raw < 0 && errno != EEXIST) throw Error(path + ": cannot write: " + errno_text(errno));
  }
  if (raw < 0) throw Error(path + ": cannot write: no free temporary name beside it");
  Fd fd(raw);
  auto fail = [&](int err) {
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot write: " + errno_text(err));
  };
  std::size_t n = 0;
  while (n < bytes.size()) {
    const ssize_t r = ::write(fd.get(), bytes.data() + n, bytes.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    n += static_cast<std::size_t>(r);
  }
  if (::fsync(fd.get()) != 0) fail(errno);
  if (fd.close() != 0) fail(errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno);
}

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
