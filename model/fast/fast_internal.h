// Internal interface between the fast-kernel front end (fast.cc: decoding, packing, planning, input
// preparation, the non-conv operations) and the compute back ends of convolution (conv_portable.cc, and
// conv_avx512.cc, which alone is compiled for AVX-512 VNNI and runs only after the kernel library's CPU check).
//
// How a convolution is computed:
//  - The input is copied once per run into a spatially pre-padded map [N][Hp][Wp][C] (pad positions hold the
//    value 0), so that no kernel tests bounds. For the VNNI path an s8 input is stored as x ^ 0x80 = x + 128,
//    a u8 value, and 128 * sum(w) is subtracted per output channel; pad positions then hold 0x80, i.e. x = 0.
//  - Taps: a tap reads `len` consecutive input bytes at a fixed offset from the pixel's base address. With one
//    group and horizontal dilation 1 the KW taps of a kernel row are contiguous in memory and form one tap of
//    KW * I bytes; otherwise each (kh, kw) is a tap of I bytes. Each tap's length is padded to `L` (a multiple
//    of 4 for VNNI); the bytes read beyond `len` meet zero weights, so their values never matter (the prepared
//    buffer has slack at its end so they are always inside the allocation).
//  - Weights are decoded once (LUT -> s8) and packed per group in blocks of 16 output channels. For VNNI the plan
//    is a kernels::VnniGemm (lutsim/kernels/vnni_gemm.h): one batch per group, the blocks as its column groups,
//    each tap's L bytes as L / 4 quads.
//  - The s32 sum of products S is exact whenever sum|w| * max|x| < 2^31 for every output channel; the front
//    end checks this bound at construction and otherwise runs the exact 64-bit path. The bias is added after,
//    in the post-processing, where the wrap test needs the exact bias + S (see post_scalar and post16).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "lutsim/kernels/vnni_gemm.h"
#include "lutsim/model/arith.h"
#include "lutsim/model/kernels.h"
#include "lutsim/model/network.h"

namespace lutsim::fast {

// A zero-filled, 64-byte aligned array of a trivial type.
template <class T>
class AlignedArray {
 public:
  AlignedArray() = default;
  explicit AlignedArray(std::size_t n) { resize(n); }
  // Reallocates (zero-filled) when n exceeds the capacity; keeps the storage otherwise (contents unspecified).
  void reserve_discard(std::size_t n) {
    if (n > cap_) resize(n);
    n_ = n;
  }
  void resize(std::size_t n) {
    p_.reset(n ? static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{64})) : nullptr);
    if (n) std::memset(static_cast<void*>(p_.get()), 0, n * sizeof(T));
    n_ = cap_ = n;
  }
  T* data() { return p_.get(); }
  const T* data() const { return p_.get(); }
  std::size_t size() const { return n_; }
  T& operator[](std::size_t i) { return p_.get()[i]; }
  const T& operator[](std::size_t i) const { return p_.get()[i]; }

 private:
  struct Free {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<T[], Free> p_;
  std::size_t n_ = 0, cap_ = 0;
};

// Wraps, clamps below and clamps above counted by one worker.
struct Counts {
  std::int64_t wraps = 0, low = 0, high = 0;
  Counts& operator+=(const Counts& o) {
    wraps += o.wraps; low += o.low; high += o.high;
    return *this;
  }
};

// Work items are handed to threads in chunks of about 1/16 of a thread's share (OpenMP schedule dynamic), so
// that a thread the OS delays on a busy machine does not hold the others back, while consecutive items (which
// share a weight panel) mostly stay on one core.
inline std::int64_t work_chunk(std::int64_t items, int threads) {
  const std::int64_t c = items / (16 * std::int64_t{threads});
  return c > 0 ? c : 1;
}

// Bytes of slack after the prepared input: the longest over-read is 3 bytes (a tap padded to a multiple of 4)
// for the GEMM paths and 15 bytes (a 16-channel load) for the AVX-512 depthwise path.
inline constexpr std::size_t kInputSlack = 64;

// Shape of one convolution; the input map is stored pre-padded as [N][Hp][Wp][C].
struct ConvGeom {
  int H = 0, W = 0, C = 0;     // input
  int OH = 0, OW = 0, O = 0;   // output
  int G = 1, I = 0, Og = 0;    // groups, input and output channels per group
  int KH = 1, KW = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
  int Hp = 0, Wp = 0;          // H + pt + pb, W + pl + pr
  std::int64_t pixels_per_image() const { return std::int64_t{OH} * OW; }
  // Byte offset of output pixel p's window origin (n, oh * sh, ow * sw) in the prepared input.
  std::int64_t base_offset(std::int64_t p) const {
    const std::int64_t hw = pixels_per_image();
    const std::int64_t n = p / hw, r = p % hw, oh = r / OW, ow = r % OW;
    return ((n * Hp + oh * sh) * Wp + ow * sw) * C;
  }
};

// Output post-processing, per channel slot. A slot is a lane of a 16-wide block: for the GEMM paths slot
// (g * OB + ob) * 16 + lane is channel g * Og + ob * 16 + lane when ob * 16 + lane < Og (else unused); for the
// depthwise paths slot c is channel c. Unused slots hold bias 0 and shift 0.
struct Post {
  int acc_bits = 32;
  Rounding rounding = Rounding::HalfUp;
  DType out = DType::U8;
  std::int32_t act_min = 0, act_max = 255;
  AlignedArray<std::int32_t> bias;   // by slot
  AlignedArray<std::int32_t> shift;  // by slot, in [-15, 31]; 0 for an s32 output
  // Derived by finish_post() for the vectorised post-processing:
  bool right_only = false;   // every used slot has s > 0 (no left shifts, no s = 0)
  bool may_wrap = true;      // some channel's |bias| + sum|w| * max|x| >= 2^(A-1): wraps must be tested
};

// Fills the derived fields of p from shift; used[s] tells which slots hold a channel; max_abs[s] bounds
// |bias + S| of the slot's channel.
inline void finish_post(Post& p, const std::vector<bool>& used, const std::vector<std::int64_t>& max_abs) {
  const std::size_t n = p.shift.size();
  p.right_only = true;
  p.may_wrap = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (used[i] && p.shift[i] <= 0) p.right_only = false;
    if (used[i] && max_abs[i] >= (std::int64_t{1} << (p.acc_bits - 1))) p.may_wrap = true;
  }
}

// The contract's post-processing of one output, written with arith.h exactly as the reference kernels do.
// S is the exact sum of products (|S| < 2^31, checked at construction); bias + S is exact in 64 bits.
inline void post_scalar(std::int64_t S, std::int64_t slot, const Post& p, void* out, std::int64_t idx, Counts& c) {
  const std::int64_t v = std::int64_t{p.bias[static_cast<std::size_t>(slot)]} + S;
  if (!fits_bits(v, p.acc_bits)) ++c.wraps;
  const std::int64_t acc = wrap(v, p.acc_bits);
  if (p.out == DType::S32) {
    static_cast<std::int32_t*>(out)[idx] = static_cast<std::int32_t>(acc);
    return;
  }
  const std::int64_t r = rshift_round(acc, p.shift[static_cast<std::size_t>(slot)], p.rounding);
  if (r < p.act_min) ++c.low;
  if (r > p.act_max) ++c.high;
  const std::int64_t y = clamp(r, p.act_min, p.act_max);
  if (p.out == DType::U8)
    static_cast<std::uint8_t*>(out)[idx] = static_cast<std::uint8_t>(y);
  else
    static_cast<std::int8_t*>(out)[idx] = static_cast<std::int8_t>(y);
}

// Grouped convolution as a GEMM per group (pixels x output channels, K = taps x L).
struct GemmPlan {
  ConvGeom g;
  int T = 0;       // taps
  int L = 0;       // bytes read per tap: len rounded up (to 4 for VNNI, unchanged for portable)
  int len = 0;     // real input channels per tap (I, or KW * I for a merged kernel row)
  std::vector<std::int64_t> tap_off;  // [T] byte offset of each tap from the pixel's base (+ g * I)
  int OB = 0;      // 16-channel blocks per group
  bool s8_input = false;
  Post post;
  // VNNI: [G][OB][T][L/4][16 lanes][4 bytes] s8; a block's K4 = T * L bytes times 16 lanes.
  AlignedArray<std::int8_t> w8;
  // VNNI with an s8 input: 128 * sum of the slot's weights; zero otherwise.
  AlignedArray<std::int32_t> comp;
  // VNNI: [T * L / 4] each quad's offset from the pixel's base; [OH * OW] one image's pixel offsets.
  std::vector<std::int64_t> qoff, pix1;
  // Portable: [O][T][len] s16 (the decoded weights in their own order).
  AlignedArray<std::int16_t> w16;
};

// Depthwise convolution (G = C = O): channels in lanes, taps in the inner loop.
struct DwPlan {
  ConvGeom g;
  std::vector<std::int64_t> tap_off;  // [KH * KW]
  int Cp = 0;  // C rounded up to 16
  bool s8_input = false;
  Post post;
  AlignedArray<std::int32_t> w32;  // AVX-512: [T][Cp], each weight as s16 in the low half, 0 in the high half
  AlignedArray<std::int16_t> w16;  // portable: [T][C]
};

// Any convolution, with 64-bit sums: taken when an s32 sum could overflow.
struct ExactPlan {
  ConvGeom g;
  bool s8_input = false;
  Post post;                        // slot = output channel
  std::vector<std::int8_t> w;       // [O][KH][KW][I], decoded
};

// Back ends. x is the prepared input; out the output tensor's data; N the batch. Each adds its counts to c.
void gemm_portable(const GemmPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c);
void depthwise_portable(const DwPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c);
void conv_exact(const ExactPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c);

// The VNNI GEMM of plan p over the prepared input x of N images (its pixel offsets are p.pix1 for N = 1, else a
// thread-local array valid until the next call on the same thread).
kernels::VnniGemm vnni_gemm(const GemmPlan& p, const std::uint8_t* x, std::int64_t N);
// Defined in conv_avx512.cc; call only when kernels::have_avx512_vnni().
void gemm_avx512_vnni(const GemmPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c);
void depthwise_avx512(const DwPlan& p, const std::uint8_t* x, std::int64_t N, void* out, int threads, Counts& c);

}  // namespace lutsim::fast
