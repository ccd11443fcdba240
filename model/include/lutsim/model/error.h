// The one exception type lutsim throws for bad input. Its message is meant for the user as it is: it names the
// file, layer, field or program counter at fault and what was expected.
#pragma once

#include <stdexcept>
#include <string>

namespace lutsim {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace lutsim
