// run_isolated(): fork, run, send the result through a pipe.
#include "isolate.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pybind11/pybind11.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>

#include "lutsim/model/error.h"

namespace lutsim::python {
namespace {

// The message through the pipe: one status byte (0 the result, 1 a lutsim::Error, 2 another exception), the part
// count, then each part as a 64-bit length and its bytes.
std::string pack(char status, const std::vector<std::string>& parts) {
  std::string s(1, status);
  auto put = [&s](std::uint64_t n) { s.append(reinterpret_cast<const char*>(&n), sizeof n); };
  put(parts.size());
  for (const std::string& p : parts) {
    put(p.size());
    s += p;
  }
  return s;
}

bool unpack(const std::string& s, char* status, std::vector<std::string>* parts) {
  std::size_t at = 1;
  auto get = [&](std::uint64_t* n) {
    if (s.size() - at < sizeof *n) return false;
    std::memcpy(n, s.data() + at, sizeof *n);
    at += sizeof *n;
    return true;
  };
  std::uint64_t count = 0;
  if (s.empty() || !get(&count)) return false;
  *status = s[0];
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t n = 0;
    if (!get(&n) || s.size() - at < n) return false;
    parts->emplace_back(s.substr(at, n));
    at += n;
  }
  return at == s.size();
}

[[noreturn]] void child(int fd, const std::function<std::vector<std::string>()>& work) {
  std::string msg;
  try {
    msg = pack(0, work());
  } catch (const Error& e) {
    msg = pack(1, {e.what()});
  } catch (const std::bad_alloc&) {
    msg = pack(1, {"out of memory"});
  } catch (const std::exception& e) {
    msg = pack(2, {e.what()});
  } catch (...) {
    msg = pack(2, {"unknown failure"});
  }
  for (std::size_t at = 0; at < msg.size();) {
    const ssize_t n = ::write(fd, msg.data() + at, msg.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);
    at += static_cast<std::size_t>(n);
  }
  // No atexit handlers, no Python finalisation: the child leaves as it came.
  _exit(0);
}

}  // namespace

std::vector<std::string> run_isolated(const std::function<std::vector<std::string>()>& work, const std::string& what) {
  int fd[2];
  if (::pipe2(fd, O_CLOEXEC) != 0) throw Error(what + ": cannot create a pipe (" + std::strerror(errno) + ")");
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fd[0]);
    ::close(fd[1]);
    throw Error(what + ": cannot start a worker process (" + std::strerror(err) + ")");
  }
  if (pid == 0) {
    ::close(fd[0]);
    child(fd[1], work);
  }
  ::close(fd[1]);
  std::string buf;
  bool interrupted = false;
  {
    pybind11::gil_scoped_release nogil;
    char chunk[1 << 16];
    for (;;) {
      pollfd p{fd[0], POLLIN, 0};
      const int r = ::poll(&p, 1, 50);
      if (r > 0) {
        const ssize_t n = ::read(fd[0], chunk, sizeof chunk);
        if (n > 0) {
          buf.append(chunk, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || errno != EINTR) break;
      } else if (r < 0 && errno != EINTR) {
        break;
      }
      pybind11::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        interrupted = true;
        break;
      }
    }
  }
  ::close(fd[0]);
  if (interrupted) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw pybind11::error_already_set();
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  char status = 0;
  std::vector<std::string> parts;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !unpack(buf, &status, &parts) || (status != 0 && parts.size() != 1)) {
    if (WIFSIGNALED(st))
      throw Error(what + ": the worker process died of signal " + std::to_string(WTERMSIG(st)) + " (" +
                  strsignal(WTERMSIG(st)) + ")");
    throw Error(what + ": the worker process ended without a result");
  }
  if (status == 1) throw Error(parts[0]);
  if (status == 2) throw std::runtime_error(parts[0]);
  return parts;
}

}  // namespace lutsim::python
