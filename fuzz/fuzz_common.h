// Shared pieces of the fuzz targets (fuzz/README.md): each target feeds its bytes to the entry point the command
// line uses for that format, through validation and, where the input is valid, on to a run, so that a file the
// loader accepts but an engine trips on is found too. lutsim::Error is the expected answer to a bad input; any
// other exception, a crash, a hang or a sanitizer report is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>

#include "lutsim/model/error.h"

namespace lutsim::fuzz {

// Runs `f`; lutsim::Error is the expected way to reject an input. Anything else aborts, which libFuzzer reports
// with the input (a std::bad_alloc included: sizes from a file must be checked before they are allocated).
template <class F>
void expect_errors_only(F&& f) {
  try {
    f();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lutsim fuzz: unexpected exception: %s\n", e.what());
    std::abort();
  }
}

inline std::span<const std::uint8_t> bytes(const std::uint8_t* data, std::size_t size) { return {data, size}; }
inline std::string text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace lutsim::fuzz
