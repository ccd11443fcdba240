// Dense tensors of u8, s8, s32 or f32 in C order. Activation tensors are NHWC and carry a power-of-two exponent:
// real value = q * 2^exponent. The exponent is metadata; the integer path never reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lutsim/model/error.h"

namespace lutsim {

enum class DType : std::uint8_t { U8, S8, S32, F32 };

constexpr std::size_t dtype_size(DType t) {
  return t == DType::S32 || t == DType::F32 ? 4 : 1;
}
std::string_view dtype_name(DType t);                // "u8", "s8", "s32", "f32"
bool parse_dtype(std::string_view s, DType* out);    // inverse of dtype_name
// Range of an integer dtype: u8 [0,255], s8 [-128,127], s32 [-2^31, 2^31).
std::int64_t dtype_min(DType t);
std::int64_t dtype_max(DType t);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::U8; }
template <> constexpr DType dtype_of<std::int8_t>() { return DType::S8; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::S32; }
template <> constexpr DType dtype_of<float>() { return DType::F32; }

using Shape = std::vector<std::int64_t>;
std::int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);  // "[1, 224, 224, 3]"

class Tensor {
 public:
  Tensor() = default;
  // A zero-filled tensor. Throws lutsim::Error on a negative dimension.
  Tensor(DType dtype, Shape shape, int exponent = 0);
  // A tensor over memory it did not allocate (a NumPy array's, without a copy): `data` holds numel x dtype_size
  // bytes, 64-byte aligned like every tensor's, and its deleter keeps the owner alive. Throws lutsim::Error on a
  // bad shape or a misaligned pointer.
  static Tensor view(DType dtype, Shape shape, std::shared_ptr<std::uint8_t> data, int exponent = 0);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::int64_t dim(std::size_t i) const { return shape_.at(i); }
  std::size_t rank() const { return shape_.size(); }
  std::int64_t numel() const { return numel_; }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }
  bool empty() const { return numel_ == 0; }
  int exponent() const { return exponent_; }
  void set_exponent(int e) { exponent_ = e; }

  // Typed access; throws lutsim::Error when T does not match dtype().
  template <class T> T* data() { check<T>(); return reinterpret_cast<T*>(buf_.get()); }
  template <class T> const T* data() const { check<T>(); return reinterpret_cast<const T*>(buf_.get()); }
  template <class T> std::span<T> span() { return {data<T>(), static_cast<std::size_t>(numel_)}; }
  template <class T> std::span<const T> span() const { return {data<T>(), static_cast<std::size_t>(numel_)}; }
  std::uint8_t* raw() { return buf_.get(); }
  const std::uint8_t* raw() const { return buf_.get(); }

  // Element i (flat, C order) of an integer tensor as int64, and its inverse (the value must fit the dtype).
  std::int64_t get(std::int64_t i) const;
  void set(std::int64_t i, std::int64_t v);

  // Same dtype, shape and bytes (the exponent is not compared).
  bool same_values(const Tensor& o) const;
  // Same data viewed with another shape of the same element count.
  Tensor reshaped(Shape s) const;
  Tensor clone() const;

 private:
  template <class T> void check() const {
    if (dtype_of<T>() != dtype_)
      throw Error("tensor of dtype " + std::string(dtype_name(dtype_)) + " accessed as " +
                  std::string(dtype_name(dtype_of<T>())));
  }
  struct Free { void operator()(std::uint8_t* p) const { ::operator delete[](p, std::align_val_t{64}); } };
  DType dtype_ = DType::U8;
  Shape shape_;
  std::int64_t numel_ = 0;
  int exponent_ = 0;
  // 64-byte aligned storage, shared by shallow copies; use clone() for a deep copy.
  std::shared_ptr<std::uint8_t> buf_;
};

}  // namespace lutsim
