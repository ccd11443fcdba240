// Work run in a child process of the Python interpreter, for the engines that cannot share one: SystemC allows one
// elaboration per process and leaves its modules unusable after a failed run, and a Verilated RTL run of a large
// network takes minutes. A child per call gives every Python thread its own simulator (so threads simulate in
// parallel), keeps a failure from poisoning the interpreter, and lets Ctrl-C end a run at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace lutsim::python {

// Forks; the child runs `work` and sends back the byte strings it returns, or the message of the exception it
// threw. The parent waits with the GIL released, checks for signals (Ctrl-C) every 50 ms and, on one, kills the
// child and raises the signal's exception (KeyboardInterrupt). Rethrows the child's lutsim::Error as one with the
// same message; a child that dies is an Error naming `what` and the signal. Call with the GIL held.
std::vector<std::string> run_isolated(const std::function<std::vector<std::string>()>& work, const std::string& what);

}  // namespace lutsim::python
