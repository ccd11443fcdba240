// run_isolated() and run_in_worker(): fork, run, send the result through a pipe.
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
#include <deque>
#include <mutex>
#include <new>
#include <utility>

#include "lutsim/model/error.h"

namespace lutsim::python {
namespace {

// A message through a pipe: its length (64 bits), one status byte (0 a result, 1 a lutsim::Error, 2 another
// exception), the part count, then each part as a 64-bit length and its bytes.
std::string pack(char status, const Parts& parts) {
  std::string s(8, '\0');
  auto put = [&s](std::uint64_t n) { s.append(reinterpret_cast<const char*>(&n), sizeof n); };
  s += status;
  put(parts.size());
  for (const std::string& p : parts) {
    put(p.size());
    s += p;
  }
  const std::uint64_t total = s.size();
  std::memcpy(s.data(), &total, sizeof total);
  return s;
}

bool unpack(const std::string& s, char* status, Parts* parts) {
  std::size_t at = 9;
  auto get = [&](std::uint64_t* n) {
    if (s.size() < at || s.size() - at < sizeof *n) return false;
    std::memcpy(n, s.data() + at, sizeof *n);
    at += sizeof *n;
    return true;
  };
  std::uint64_t count = 0;
  if (s.size() < 9 || !get(&count)) return false;
  *status = s[8];
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t n = 0;
    if (!get(&n) || s.size() - at < n) return false;
    parts->emplace_back(s.substr(at, n));
    at += n;
  }
  return at == s.size();
}

bool write_all(int fd, const std::string& msg) {
  for (std::size_t at = 0; at < msg.size();) {
    const ssize_t n = ::write(fd, msg.data() + at, msg.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

// One message read in the child (blocking, no Python); empty when the pipe closed.
std::string read_message(int fd) {
  std::string buf;
  char chunk[1 << 16];
  for (;;) {
    std::uint64_t total = 0;
    if (buf.size() >= 8) std::memcpy(&total, buf.data(), 8);
    if (total && buf.size() >= total) return buf;
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

// The child's answer to one piece of work: its parts, or the exception's message.
std::string answer(const std::function<Parts()>& work, bool* failed) {
  *failed = true;
  try {
    std::string msg = pack(0, work());
    *failed = false;
    return msg;
  } catch (const Error& e) {
    return pack(1, {e.what()});
  } catch (const std::bad_alloc&) {
    return pack(1, {"out of memory"});
  } catch (const std::exception& e) {
    return pack(2, {e.what()});
  } catch (...) {
    return pack(2, {"unknown failure"});
  }
}

// One message from `fd` of child `pid`, waiting with the GIL released and checking for signals every 50 ms. On a
// signal the child is killed and the signal's Python exception raised; false when the child closed the pipe first.
bool wait_message(int fd, pid_t pid, std::string* msg) {
  bool interrupted = false, complete = false;
  {
    pybind11::gil_scoped_release nogil;
    char chunk[1 << 16];
    for (;;) {
      std::uint64_t total = 0;
      if (msg->size() >= 8) std::memcpy(&total, msg->data(), 8);
      if (total && msg->size() >= total) {
        complete = true;
        break;
      }
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 50);
      if (r > 0) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
          msg->append(chunk, static_cast<std::size_t>(n));
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
  if (interrupted) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw pybind11::error_already_set();
  }
  return complete;
}

// The parts of a child's answer; its errors rethrown.
Parts result_of(const std::string& msg, const std::string& what) {
  char status = 0;
  Parts parts;
  if (!unpack(msg, &status, &parts) || (status != 0 && parts.size() != 1))
    throw Error(what + ": the worker process sent a malformed answer");
  if (status == 1) throw Error(parts[0]);
  if (status == 2) throw std::runtime_error(parts[0]);
  return parts;
}

// Reaps a child that ended without answering and says why.
[[noreturn]] void died(pid_t pid, const std::string& what) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(st))
    throw Error(what + ": the worker process died of signal " + std::to_string(WTERMSIG(st)) + " (" +
                strsignal(WTERMSIG(st)) + ")");
  throw Error(what + ": the worker process ended without a result");
}

struct Pipe {
  int r = -1, w = -1;
  explicit Pipe(const std::string& what) {
    int fd[2];
    if (::pipe2(fd, O_CLOEXEC) != 0) throw Error(what + ": cannot create a pipe (" + std::strerror(errno) + ")");
    r = fd[0];
    w = fd[1];
  }
};

// In a child: closes every inherited descriptor above stderr but `a` and `b` (a < b). A child that kept another
// worker's request pipe open would keep that worker from seeing the end of file that retires it.
void close_all_but(int a, int b) {
  if (a > b) std::swap(a, b);
  if (a > 3) ::close_range(3, static_cast<unsigned>(a - 1), 0);
  if (b > a + 1) ::close_range(static_cast<unsigned>(a + 1), static_cast<unsigned>(b - 1), 0);
  ::close_range(static_cast<unsigned>(b + 1), ~0U, 0);
}

pid_t fork_or_throw(const std::string& what, std::initializer_list<int> fds) {
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : fds) ::close(fd);
    throw Error(what + ": cannot start a worker process (" + std::strerror(err) + ")");
  }
  return pid;
}

// The idle long-lived workers, by key.
struct Worker {
  const void* key = nullptr;
  std::shared_ptr<const void> keep;
  pid_t pid = -1;
  int to = -1, from = -1;  // request pipe (write end), answer pipe (read end)
};
constexpr std::size_t kMaxIdle = 4;
std::mutex g_mutex;
std::deque<Worker> g_idle;

void end_worker(const Worker& w) {
  ::close(w.to);  // the worker sees end of file and exits
  ::close(w.from);
  int st = 0;
  while (::waitpid(w.pid, &st, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Parts run_isolated(const std::function<Parts()>& work, const std::string& what) {
  const Pipe p(what);
  const pid_t pid = fork_or_throw(what, {p.r, p.w});
  if (pid == 0) {
    ::close(p.r);
    close_all_but(p.w, p.w);
    bool failed = false;
    const std::string msg = answer(work, &failed);
    // No atexit handlers, no Python finalisation: the child leaves as it came.
    _exit(write_all(p.w, msg) ? 0 : 3);
  }
  ::close(p.w);
  std::string msg;
  bool complete = false;
  try {
    complete = wait_message(p.r, pid, &msg);
  } catch (...) {
    ::close(p.r);
    throw;
  }
  ::close(p.r);
  if (!complete) died(pid, what);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return result_of(msg, what);
}

Parts run_in_worker(const void* key, std::shared_ptr<const void> keep, const std::function<Parts(const Parts&)>& serve,
                    const Parts& request, const std::string& what) {
  Worker w;
  {
    const std::lock_guard<std::mutex> lock(g_mutex);
    for (auto it = g_idle.begin(); it != g_idle.end(); ++it)
      if (it->key == key) {
        w = *it;
        g_idle.erase(it);
        break;
      }
  }
  if (w.pid < 0) {
    const Pipe req(what), ans(what);
    const pid_t pid = fork_or_throw(what, {req.r, req.w, ans.r, ans.w});
    if (pid == 0) {
      // The worker: it answers requests until the parent closes the request pipe or a call fails.
      close_all_but(req.r, ans.w);
      for (;;) {
        const std::string in = read_message(req.r);
        if (in.empty()) _exit(0);
        char status = 0;
        Parts parts;
        if (!unpack(in, &status, &parts)) _exit(4);
        bool failed = false;
        const std::string out = answer([&] { return serve(parts); }, &failed);
        if (!write_all(ans.w, out) || failed) _exit(0);
      }
    }
    ::close(req.r);
    ::close(ans.w);
    w = Worker{key, std::move(keep), pid, req.w, ans.r};
  }
  std::string msg;
  bool complete = false;
  try {
    if (!write_all(w.to, pack(0, request))) {
      end_worker(w);
      throw Error(what + ": cannot send the request to the worker process");
    }
    complete = wait_message(w.from, w.pid, &msg);
  } catch (const pybind11::error_already_set&) {
    ::close(w.to);
    ::close(w.from);
    throw;  // interrupted: wait_message killed and reaped the worker
  }
  if (!complete) {
    ::close(w.to);
    ::close(w.from);
    died(w.pid, what);
  }
  char status = 1;
  {
    Parts ignored;
    if (!unpack(msg, &status, &ignored)) status = 1;
  }
  if (status != 0) {
    end_worker(w);  // a failed call ends the worker (it exits after answering)
  } else {
    const std::lock_guard<std::mutex> lock(g_mutex);
    g_idle.push_back(w);
    if (g_idle.size() > kMaxIdle) {
      end_worker(g_idle.front());
      g_idle.pop_front();
    }
  }
  return result_of(msg, what);
}

}  // namespace lutsim::python
