// The message of a parsing library's exception as lutsim shows it: without the library's own tag
// ("[json.exception.parse_error.101] ", "yaml-cpp: "), so that a user reads what is wrong, not whose code said it.
#pragma once

#include <string>

namespace lutsim {

inline std::string library_message(std::string what) {
  if (what.starts_with("[json.exception.")) {
    if (const std::size_t p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);
  }
  if (what.starts_with("yaml-cpp: ")) what.erase(0, 10);
  return what;
}

}  // namespace lutsim
