#include "lutsim/firmware/image_runner.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "lutsim/firmware/hazards.h"
#include "lutsim/model/error.h"

namespace lutsim {

std::vector<int> layer_of_pcs(std::span<const LayerRange> layers, std::size_t n) {
  std::vector<int> of(n, -1);
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (std::uint32_t pc = layers[i].first; pc < layers[i].end && pc < n; ++pc) of[pc] = static_cast<int>(i);
  return of;
}

std::vector<std::int64_t> layer_windows(std::span<const LayerRange> layers, std::span<const std::int64_t> done,
                                        std::int64_t start) {
  std::vector<std::int64_t> b(layers.size() + 1, start);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    b[i + 1] = b[i];
    for (std::uint32_t pc = layers[i].first; pc < layers[i].end && pc < done.size(); ++pc)
      b[i + 1] = std::max(b[i + 1], done[pc]);
  }
  return b;
}

ImageRunner::ImageRunner(const Program& p, bool reuse_dram, HazardCheck check)
    : p_(p), reuse_(reuse_dram), layer_of_(layer_of_pcs(p.layers, p.code.size())) {
  if (check == HazardCheck::On) {
    const std::vector<Hazard> h = find_hazards(p, 1);
    if (!h.empty() && h[0].kind != HazardKind::TokenUnderflow)
      throw Error("program for '" + p.network + "': hazard: " + h[0].describe(p));
  }
  for (const isa::Instruction& in : p.code) {
    if (in.opcode() != isa::Opcode::Store) continue;
    const isa::Store& s = std::get<isa::Store>(in.body);
    const std::uint64_t lo = static_cast<std::uint64_t>(s.dram_addr);
    const std::uint64_t hi =
        lo + static_cast<std::uint64_t>((s.z_size - 1) * s.z_stride + (s.y_size - 1) * s.y_stride + s.x_size);
    stored_.emplace_back(std::min(lo, p.dram_bytes), std::min(hi, p.dram_bytes));
  }
  std::sort(stored_.begin(), stored_.end());
  std::size_t n = 0;
  for (const auto& r : stored_) {
    if (n > 0 && r.first <= stored_[n - 1].second) stored_[n - 1].second = std::max(stored_[n - 1].second, r.second);
    else stored_[n++] = r;
  }
  stored_.resize(n);
}

void ImageRunner::check_input(const Tensor& batch) const {
  const ValueRegion& iv = p_.values.at(static_cast<std::size_t>(p_.input));
  if (batch.dtype() != iv.dtype || batch.rank() != 4 || batch.dim(0) < 1 || batch.dim(1) != iv.h ||
      batch.dim(2) != iv.w || batch.dim(3) != iv.c)
    throw Error("input is " + std::string(dtype_name(batch.dtype())) + " " + shape_str(batch.shape()) +
                ", program for '" + p_.network + "' expects " + std::string(dtype_name(iv.dtype)) + " [N, " +
                std::to_string(iv.h) + ", " + std::to_string(iv.w) + ", " + std::to_string(iv.c) + "]");
}

void ImageRunner::load_image(std::span<std::uint8_t> dram, const Tensor& batch, std::int64_t n) {
  if (dram.size() != p_.dram_bytes)
    throw Error("program for '" + p_.network + "': a DRAM of " + std::to_string(dram.size()) + " bytes, expected " +
                std::to_string(p_.dram_bytes));
  const std::uint64_t init = p_.dram_init.size();
  if (reuse_ && loaded_ == dram.data()) {  // back to the memory image: only what the STOREs may have changed
    for (const auto& [lo, hi] : stored_) {
      if (lo < init) std::memcpy(dram.data() + lo, p_.dram_init.data() + lo, std::min(hi, init) - lo);
      if (hi > init) std::memset(dram.data() + std::max(lo, init), 0, hi - std::max(lo, init));
    }
  } else {
    std::copy(p_.dram_init.begin(), p_.dram_init.end(), dram.begin());
    std::fill(dram.begin() + static_cast<std::ptrdiff_t>(init), dram.end(), std::uint8_t{0});
  }
  loaded_ = dram.data();
  const ValueRegion& iv = p_.values.at(static_cast<std::size_t>(p_.input));
  std::memcpy(dram.data() + iv.addr, batch.raw() + n * static_cast<std::int64_t>(iv.bytes()), iv.bytes());
}

BatchOutputs ImageRunner::run(const Tensor& batch, std::span<std::uint8_t> dram, KeepValues keep,
                              const std::function<void(std::int64_t n)>& run_one) {
  check_input(batch);
  const std::int64_t N = batch.dim(0);
  const ValueRegion& ov = p_.values.at(static_cast<std::size_t>(p_.output));
  BatchOutputs out;
  out.output = Tensor(ov.dtype, {N, ov.h, ov.w, ov.c}, ov.exponent);
  const std::int64_t kept = keep == KeepValues::EveryImage ? N : 1;
  if (keep != KeepValues::None)
    for (const ValueRegion& v : p_.values) out.values.emplace_back(v.dtype, Shape{kept, v.h, v.w, v.c}, v.exponent);
  for (std::int64_t n = 0; n < N; ++n) {
    load_image(dram, batch, n);
    run_one(n);
    std::memcpy(out.output.raw() + n * static_cast<std::int64_t>(ov.bytes()), dram.data() + ov.addr, ov.bytes());
    if (keep == KeepValues::None || (keep == KeepValues::LastImage && n != N - 1)) continue;
    const std::int64_t at = keep == KeepValues::EveryImage ? n : 0;
    for (std::size_t id = 0; id < p_.values.size(); ++id) {
      const ValueRegion& v = p_.values[id];
      std::memcpy(out.values[id].raw() + at * static_cast<std::int64_t>(v.bytes()), dram.data() + v.addr, v.bytes());
    }
  }
  return out;
}

}  // namespace lutsim
