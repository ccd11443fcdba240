// Helpers shared by the file format readers and writers (not part of the public API).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lutsim::format_detail {

// The whole content of a regular file. Throws lutsim::Error "PATH: cannot read: REASON".
std::vector<std::uint8_t> read_file(const std::string& path);

// Writes `bytes` to a new file beside `path` and renames it over `path`, so that a reader never sees a partly
// written file and a failed write leaves the old file in place. Throws lutsim::Error "PATH: cannot write: ...".
void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes);

// `s` in single quotes for an error message: bytes outside printable ASCII become \xNN and a long string is cut
// to `max` characters with "...", so that any untrusted text can be shown safely on one line.
std::string quote(std::string_view s, std::size_t max = 80);

}  // namespace lutsim::format_detail
