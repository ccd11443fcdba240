#include "lutsim/model/tensor.h"

#include <limits>

#include "lutsim/model/arith.h"

namespace lutsim {

std::string_view rounding_name(Rounding r) {
  switch (r) {
    case Rounding::HalfUp: return "half_up";
    case Rounding::HalfEven: return "half_even";
    case Rounding::Floor: return "floor";
  }
  return "?";
}

bool parse_rounding(std::string_view s, Rounding* out) {
  for (Rounding r : {Rounding::HalfUp, Rounding::HalfEven, Rounding::Floor})
    if (rounding_name(r) == s) { *out = r; return true; }
  return false;
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::U8: return "u8";
    case DType::S8: return "s8";
    case DType::S32: return "s32";
    case DType::F32: return "f32";
  }
  return "?";
}

bool parse_dtype(std::string_view s, DType* out) {
  for (DType t : {DType::U8, DType::S8, DType::S32, DType::F32})
    if (dtype_name(t) == s) { *out = t; return true; }
  return false;
}

std::int64_t dtype_min(DType t) {
  switch (t) {
    case DType::U8: return 0;
    case DType::S8: return -128;
    case DType::S32: return std::numeric_limits<std::int32_t>::min();
    case DType::F32: break;
  }
  throw Error("dtype_min: f32 is not an integer dtype");
}

std::int64_t dtype_max(DType t) {
  switch (t) {
    case DType::U8: return 255;
    case DType::S8: return 127;
    case DType::S32: return std::numeric_limits<std::int32_t>::max();
    case DType::F32: break;
  }
  throw Error("dtype_max: f32 is not an integer dtype");
}

std::int64_t shape_numel(const Shape& s) {
  std::int64_t n = 1;
  for (std::int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// The element count of `shape`; an Error on a negative dimension or more than 2^40 elements.
static std::int64_t checked_numel(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw Error("tensor shape " + shape_str(shape) + " has a negative dimension");
    if (d > 0 && n > (std::int64_t{1} << 40) / d) throw Error("tensor shape " + shape_str(shape) + " is too large");
    n *= d;
  }
  return n;
}

Tensor::Tensor(DType dtype, Shape shape, int exponent)
    : dtype_(dtype), shape_(std::move(shape)), numel_(checked_numel(shape_)), exponent_(exponent) {
  const std::size_t n = nbytes() ? nbytes() : 1;
  auto* p = static_cast<std::uint8_t*>(::operator new[](n, std::align_val_t{64}));
  std::memset(p, 0, n);
  buf_ = std::shared_ptr<std::uint8_t>(p, Free{});
}

Tensor Tensor::view(DType dtype, Shape shape, std::shared_ptr<std::uint8_t> data, int exponent) {
  if (reinterpret_cast<std::uintptr_t>(data.get()) % 64 != 0)
    throw Error("tensor view of " + shape_str(shape) + ": the data is not 64-byte aligned");
  Tensor t;
  t.dtype_ = dtype;
  t.numel_ = checked_numel(shape);
  t.shape_ = std::move(shape);
  t.exponent_ = exponent;
  t.buf_ = std::move(data);
  return t;
}

std::int64_t Tensor::get(std::int64_t i) const {
  switch (dtype_) {
    case DType::U8: return buf_.get()[i];
    case DType::S8: return reinterpret_cast<const std::int8_t*>(buf_.get())[i];
    case DType::S32: return reinterpret_cast<const std::int32_t*>(buf_.get())[i];
    case DType::F32: break;
  }
  throw Error("Tensor::get on an f32 tensor");
}

void Tensor::set(std::int64_t i, std::int64_t v) {
  if (v < dtype_min(dtype_) || v > dtype_max(dtype_))
    throw Error("value " + std::to_string(v) + " does not fit dtype " + std::string(dtype_name(dtype_)));
  switch (dtype_) {
    case DType::U8: buf_.get()[i] = static_cast<std::uint8_t>(v); return;
    case DType::S8: reinterpret_cast<std::int8_t*>(buf_.get())[i] = static_cast<std::int8_t>(v); return;
    case DType::S32: reinterpret_cast<std::int32_t*>(buf_.get())[i] = static_cast<std::int32_t>(v); return;
    case DType::F32: break;
  }
}

bool Tensor::same_values(const Tensor& o) const {
  return dtype_ == o.dtype_ && shape_ == o.shape_ && (nbytes() == 0 || std::memcmp(raw(), o.raw(), nbytes()) == 0);
}

Tensor Tensor::reshaped(Shape s) const {
  if (shape_numel(s) != numel_)
    throw Error("cannot reshape " + shape_str(shape_) + " to " + shape_str(s));
  Tensor t = *this;
  t.shape_ = std::move(s);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_, exponent_);
  if (nbytes()) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

}  // namespace lutsim
