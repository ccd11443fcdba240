// The quantizer's options by name, as the command line spells them (`--weight-bits 4`) and the Python package
// passes them (`weight_bits=4`): one list of options, defaults and ranges, and one parser, for both.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lutsim/model/error.h"
#include "lutsim/quant/quantize.h"

namespace lutsim::quant {

// A bad option value or an unknown option; the message starts with "--NAME: ". The command line reports it as a
// usage error.
class OptionError : public Error {
 public:
  using Error::Error;
};

struct OptionSpec {
  const char* name;        // "weight-bits"
  const char* value_name;  // "B"; null for a flag, which takes no value
  const char* fallback;    // the default value; null when the option has none
  const char* help;
};

// Every option of QuantOptions but the target machine's arithmetic (from the hardware config) and the progress
// callback, in the command line's order.
const std::vector<OptionSpec>& option_specs();

// QuantOptions from option name -> value text (a flag is present with any value, usually ""); options not given
// take their defaults. Throws OptionError naming the option on an unknown name, a value outside its range or
// choices, or --avg-bits together with --compression.
QuantOptions parse_options(const std::map<std::string, std::string>& values);

}  // namespace lutsim::quant
