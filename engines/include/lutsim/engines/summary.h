// What `lutsim info` prints and `lutsim.Network.info()` returns: a network's layers with their operation, values,
// weight format, MACs and parameter bytes as stored on the accelerator, and the totals.
#pragma once

#include <nlohmann/json.hpp>

#include "lutsim/model/network.h"

namespace lutsim {

// {"name", "input": {name, dtype, h, w, c, exponent}, "output": {...}, "layers": [{index, name, op, inputs:
// [value...], output: value, bits, lut, shift, macs, weight_bytes}], "macs", "weight_bytes", "parameters"}.
// bits, lut, shift, macs and weight_bytes are null for layers without weights; lut is "none" for 8-bit weights and
// shift "none" for an s32 output.
nlohmann::ordered_json network_summary(const Network& net);

}  // namespace lutsim
