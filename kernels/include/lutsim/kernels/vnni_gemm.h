// A GEMM of 8-bit activations by s8 weights packed for VNNI, the one both the golden fast kernels' convolutions and
// the ISA interpreter's GEMM instruction compute: its description, its division into register tiles, and its
// portable form. The AVX-512 tile generator over the same description is in avx512.h.
//
// The output is P pixels x ngroups column groups of 16 lanes, in `batches` independent copies (a grouped
// convolution's groups). Pixel p of batch b reads, for each of K quads, 4 activation bytes at
//   act + b * act_batch + pix[p] + qoff[k]
// and multiplies them by the quad's 4 weights of each lane; the weights of batch b, group j, quad k, lane l, byte i
// are w[b * w_batch + (j * K + k) * 64 + l * 4 + i]. The sums are exact modulo 2^32 (vpdpbusd wraps, it does not
// saturate), which is all either user needs: the interpreter wraps them to A <= 32 bits, and the golden model
// proved at construction that its sums fit s32.
#pragma once

#include <cstdint>

namespace lutsim::kernels {

// How the activation bytes encode x.
enum class ActCode : std::uint8_t {
  U8,        // x = byte
  S8,        // x = (s8) byte; the AVX-512 form feeds byte ^ 0x80 = x + 128 to vpdpbusd and subtracts wsum128
  S8Biased,  // x = byte - 128: the caller stored x ^ 0x80 (pad bytes 0x80 mean 0); the AVX-512 form subtracts wsum128
};

struct VnniGemm {
  const std::uint8_t* act = nullptr;
  std::int64_t act_batch = 0;          // bytes between batches' activations
  const std::int64_t* pix = nullptr;   // [P] activation offset of each output pixel
  std::int64_t P = 0;
  const std::int64_t* qoff = nullptr;  // [K] offset of each quad from the pixel's
  int K = 0;
  const std::int8_t* w = nullptr;      // [batches][ngroups][K][16 lanes][4 bytes]; zero where a product must vanish
  std::int64_t w_batch = 0;            // bytes between batches' weights (ngroups * K * 64 when dense)
  // With S8 or S8Biased: [batches][ngroups][16] 128 * the sum of each lane's weights.
  const std::int32_t* wsum128 = nullptr;
  int ngroups = 0;
  int batches = 1;
  ActCode code = ActCode::U8;
};

// The register tiles of a VnniGemm: column chunks of up to kMaxNV groups, and in each, pixel tiles of one size as
// close to the chunk's full tile (tile_pixels) as P allows, so that no tile is much shorter than the others.
// Job j (0 <= j < jobs()) is one tile; jobs are numbered batch by batch, chunk by chunk, tile by tile, so that
// consecutive jobs share a weight panel.
inline constexpr int kMaxNV = 4;
inline constexpr int kMaxMR = 12;
// Pixels of a full tile of nv groups: MR * NV accumulators plus NV weights within the 32 zmm registers, and MR
// pixel addresses within the general registers.
constexpr int tile_pixels(int nv) { return nv >= 4 ? 6 : nv == 3 ? 8 : nv == 2 ? 10 : kMaxMR; }
// Partial sums per accumulator of an MR x NV tile: enough independent vpdpbusd chains (about 6) to hide its latency
// in short tiles; their sum modulo 2^32 is the same.
constexpr int tile_ks(int mr, int nv) { return mr * nv >= 6 ? 1 : mr * nv >= 3 ? 2 : 4; }

struct TileJob {
  int batch = 0;
  int grp0 = 0, nv = 0;  // groups grp0 .. grp0 + nv - 1
  std::int64_t p0 = 0;   // pixels p0 .. p0 + n - 1
  int n = 0;
};

class TilePlan {
 public:
  TilePlan(std::int64_t P, int ngroups, int batches);
  std::int64_t jobs() const { return jobs_; }
  // Inline and without a division where there is one batch and at most one full chunk (the interpreter's usual
  // case): it runs once per tile.
  TileJob job(std::int64_t j) const {
    TileJob t;
    if (batches_ > 1) {
      t.batch = static_cast<int>(j / per_batch_);
      j -= t.batch * per_batch_;
    }
    const Chunk* c = &full_;
    std::int64_t ci = 0;
    if (j >= in_full_) {
      c = &last_;
      ci = full_chunks_;
      j -= in_full_;
    } else if (full_chunks_ > 1) {
      ci = j / full_.tiles;
      j -= ci * full_.tiles;
    }
    t.grp0 = static_cast<int>(ci) * kMaxNV;
    t.nv = c->nv;
    t.p0 = j * c->size;
    t.n = static_cast<int>(P_ - t.p0 < c->size ? P_ - t.p0 : c->size);
    return t;
  }

 private:
  struct Chunk {
    int nv = 0;
    std::int64_t size = 0, tiles = 0;  // pixels per tile, tiles
  };
  static Chunk chunk_of(std::int64_t P, int nv);
  std::int64_t P_;
  int full_chunks_;   // chunks of kMaxNV groups
  Chunk full_, last_; // last_.tiles = 0 when ngroups is a multiple of kMaxNV
  int batches_;
  std::int64_t in_full_, per_batch_, jobs_;  // in_full_: the jobs of the full chunks of one batch
};

// The portable form: s[j * 16 + l] = the sum over quads of x * w for pixel p of batch b, group j < ngroups, lane l,
// modulo 2^32 (with x decoded by g.code, never biased: no wsum128 correction is left to do).
void vnni_pixel_sums(const VnniGemm& g, int b, std::int64_t p, std::uint32_t* s);

}  // namespace lutsim::kernels
