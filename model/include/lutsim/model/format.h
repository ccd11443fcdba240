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
#include <string_view>
#include <vector>

#include "lutsim/model/network.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

// The graph.json "version" this build writes. Readers accept every version from 1 up to this one.
inline constexpr int kNetworkFormatVersion = 1;

Network load_network(const std::string& path);
// Validates the network, then writes it atomically: a temporary file beside `path`, renamed over it.
void save_network(const Network& net, const std::string& path);

Tensor load_npy(const std::string& path);
// Writes atomically, like save_network.
void save_npy(const Tensor& t, const std::string& path);

// Writes a file atomically: a temporary file beside `path` (beside the file a symbolic link points to), then a
// rename over it, so that a reader never sees half a file and a failed write leaves the old one in place. A device
// or a pipe (/dev/null, /dev/full, /dev/stdout) is written in place. Every failure (a full disk, a read-only
// folder, a directory at `path`) is an Error "PATH: cannot write: REASON" and leaves no temporary file.
void write_file(const std::string& path, std::span<const std::uint8_t> bytes);
void write_file(const std::string& path, std::string_view text);
// Removes the temporary files of the writes in progress; async-signal-safe, for SIGINT/SIGTERM handlers, so that
// an interrupted command leaves no partial output behind.
void remove_partial_outputs() noexcept;

// In-memory .npy; `what` names the source in error messages.
Tensor parse_npy(std::span<const std::uint8_t> bytes, const std::string& what);
std::vector<std::uint8_t> serialize_npy(const Tensor& t);

// In-memory network files; `what` names the source in error messages. serialize_network() validates first and
// produces the same bytes for the same network (fixed member timestamps and order).
Network parse_network(std::span<const std::uint8_t> bytes, const std::string& what);
std::vector<std::uint8_t> serialize_network(const Network& net);

// One member of a zip archive (an .npz), in archive order.
struct ZipMember {
  std::string name;
  std::vector<std::uint8_t> data;
};
// Every member of a zip archive, stored or deflated, each checked against its CRC.
std::vector<ZipMember> parse_zip(std::span<const std::uint8_t> bytes, const std::string& what);
// An uncompressed (stored) zip of the members in the given order, every timestamp 1980-01-01 00:00.
std::vector<std::uint8_t> serialize_zip(const std::vector<ZipMember>& members);

}  // namespace lutsim
