// Running a compiled program on a batch, image by image: the part that the ISA interpreter, the SystemC model and the
// RTL engine share (docs/isa.md section 6, "Running a program"). The runner checks the input, builds each image's
// DRAM (the program's stored bytes, zeros up to the DRAM size, the input image at the input region), hands it to
// the engine's own step ("run the program once on this DRAM"), then reads the output region and, when asked, every
// value's region back. It also maps program counters to layers, and by default checks the program for hazards
// (hazards.h) before it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "lutsim/firmware/program.h"
#include "lutsim/model/tensor.h"

namespace lutsim {

// Which values a batch run reads back besides the output.
enum class KeepValues : std::uint8_t {
  None,
  EveryImage,  // every value of every image: [N, h, w, c]
  LastImage,   // every value of the last image: [1, h, w, c]
};

struct BatchOutputs {
  Tensor output;               // [N, h, w, c] of the output value's dtype
  std::vector<Tensor> values;  // by value id (see KeepValues); empty with KeepValues::None
};

// Whether a runner checks its program for hazards: on in every engine, off where the caller reports the hazards
// itself (lutsim verify lists every one in its report).
enum class HazardCheck : bool { Off, On };

class ImageRunner {
 public:
  // Keeps a reference to `p`, which must be valid (validate_program) and outlive the runner.
  //
  // `reuse_dram`: the engine's DRAM changes between two images only where the program's STOREs write (the engine
  // runs every instruction through Machine, as the interpreter and the SystemC model do), so from the second image
  // on only those ranges are restored. Without it every image gets the whole image written anew: the RTL could
  // write anywhere, and its fault hook flips any byte.
  //
  // With HazardCheck::On a program with a hazard is an Error "program for 'NET': hazard: ..." naming both
  // instructions, their pcs, layers and the bytes (hazards.h), for a data race would give other bits on the RTL
  // than on the engines that run one instruction at a time. A token popped before any was pushed is left to the
  // engine, whose run names the token queue.
  ImageRunner(const Program& p, bool reuse_dram, HazardCheck check = HazardCheck::On);

  const Program& program() const { return p_; }

  // The one input check: `batch` must be [N, h, w, c], N >= 1, of the input value's dtype and shape. Throws
  // lutsim::Error: "input is u8 [1, 28, 28], program for 'lenet5' expects u8 [N, 28, 28, 1]".
  void check_input(const Tensor& batch) const;

  // Writes image n's DRAM into `dram` (p.dram_bytes bytes): the program's stored bytes, zeros, image n of `batch`.
  void load_image(std::span<std::uint8_t> dram, const Tensor& batch, std::int64_t n);

  // Checks `batch`, then for each image n: load_image into `dram`, run_one(n) (the engine runs the program on
  // `dram`), and reads the output and the values `keep` asks for out of `dram`. Exceptions of run_one propagate.
  BatchOutputs run(const Tensor& batch, std::span<std::uint8_t> dram, KeepValues keep,
                   const std::function<void(std::int64_t n)>& run_one);

  // The layer index of each instruction (-1 outside every layer).
  const std::vector<int>& layer_of() const { return layer_of_; }

 private:
  const Program& p_;
  bool reuse_;
  std::vector<int> layer_of_;
  // The DRAM byte ranges [first, second) that the program's STOREs may write, merged.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> stored_;
  const std::uint8_t* loaded_ = nullptr;  // the DRAM that load_image wrote last (reuse_dram only)
};

// The layer index of each of the first `n` instructions (-1 outside every layer), as Program::layer_of answers.
std::vector<int> layer_of_pcs(std::span<const LayerRange> layers, std::size_t n);

// The layers' windows of a timed run (docs/sim.md, "Layer windows"): layer i spans [b[i], b[i + 1]), where b[0] =
// `start` and b[i + 1] is the latest completion cycle done[pc] of an instruction of layer i, or b[i] when that is
// earlier (a layer without instructions). Returns layers.size() + 1 bounds.
std::vector<std::int64_t> layer_windows(std::span<const LayerRange> layers, std::span<const std::int64_t> done,
                                        std::int64_t start);

}  // namespace lutsim
