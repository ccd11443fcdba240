// Work run in child processes of the Python interpreter, for the engines that cannot share one: SystemC allows one
// elaboration per process and leaves its modules unusable after a failed run, and a Verilated RTL run of a large
// network takes minutes. A child gives every Python thread its own simulator (so threads simulate in parallel),
// keeps a failure from poisoning the interpreter, and lets Ctrl-C end a run at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lutsim::python {

using Parts = std::vector<std::string>;

// Forks; the child runs `work` and sends back the byte strings it returns, or the message of the exception it
// threw, and exits. The parent waits with the GIL released, checks for signals (Ctrl-C) every 50 ms and, on one,
// kills the child and raises the signal's exception (KeyboardInterrupt). Rethrows the child's lutsim::Error as one
// with the same message; a child that dies is an Error naming `what` and the signal. Call with the GIL held.
Parts run_isolated(const std::function<Parts()>& work, const std::string& what);

// The same, through a long-lived worker process that serves many calls on one object (a compiled program): the
// first call for `key` forks a worker, which keeps what it inherited (the object `key` points to, kept alive by
// `keep` while the worker lives) and answers each request with `serve(request)`; later calls for the same key reuse
// an idle worker, so they pay neither a fork nor the first-run costs of a fresh process. A worker whose call failed
// or was interrupted is ended (SystemC cannot run again after a failed run); busy workers are never shared, so
// threads calling at once get workers of their own. At most a few idle workers are kept.
Parts run_in_worker(const void* key, std::shared_ptr<const void> keep, const std::function<Parts(const Parts&)>& serve,
                    const Parts& request, const std::string& what);

}  // namespace lutsim::python
