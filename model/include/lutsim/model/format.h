// File formats (docs/format.md).
//  - Network files: an uncompressed NumPy .npz (zip) holding "graph.json" and one .npy per parameter tensor,
//    so that numpy.load() opens it without lutsim.
//  - Tensors: NumPy .npy, C order, dtypes u8 (|u1), s8 (|i1), s32 (<i4), f32 (<f4).
// Every reader validates what it reads and throws lutsim::Error starting with the file's path, then the layer and
// field at fault.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

inline constexpr int kNetworkFormatVersion = 1;

Network load_network(const std::string& path);
void save_network(const Network& net, const std::string& path);

Tensor load_npy(const std::string& path);
void save_npy(const Tensor& t, const std::string& path);

// In-memory .npy; `what` names the source in error messages.
Tensor parse_npy(std::span<const std::uint8_t> bytes, const std::string& what);
std::vector<std::uint8_t> serialize_npy(const Tensor& t);

}  // namespace lutsim
