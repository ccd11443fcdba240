// Randomised tiles on the RTL core against the ISA interpreter (Machine::execute), bit for bit: every weight mode
// (raw 8-bit, per-layer and per-channel LUTs with 1-4 bit codes), u8 and s8 activations, grouped and depthwise
// masks, accumulate and overwrite, odd spans, strides and dilations, on arrays of several shapes and accumulator
// widths, with and without random grant stalls and insn_valid gaps.
//
// Tile counts: LUTSIM_RTL_CORE_TILES scales them (scripts/regress_rtl_core.sh runs many more), LUTSIM_RTL_CORE_SEED
// moves the seeds.
#include <random>
#include <vector>

#include "core_test_util.h"

namespace lutsim::rtlcore {
namespace {

using Models = ::testing::Types<Vrtl_core_r4c4_a16, Vrtl_core_r8c4_a24, Vrtl_core_r3c5_a20, Vrtl_core_r16c16_a32>;

template <class M>
class CoreRandomTest : public CoreFixture<M> {
 protected:
  // Runs `tiles` tiles of WCFG + 1..3 GEMMs on one harness (no reset between tiles: the core must leave no state
  // behind that changes the next instruction's result) and compares every accumulator entry after each tile.
  void run_tiles(long tiles, std::uint64_t seed, const HarnessOptions& opt, const TileOptions& topt = {}) {
    auto h = this->make(opt);
    const CoreConfig cfg = ModelConfig<M>::get();
    std::mt19937_64 rng(seed);
    for (long t = 0; t < tiles; ++t) {
      Memories& mem = h->mem();
      fill_random(mem, rng);
      std::vector<isa::Instruction> code;
      code.push_back(random_wcfg(rng, cfg, topt));
      const int bits = static_cast<int>(std::get<isa::Wcfg>(code.back().body).bits);
      const int ngemm = static_cast<int>(std::uniform_int_distribution<int>(1, 3)(rng));
      for (int g = 0; g < ngemm; ++g) code.push_back(random_gemm(rng, cfg, bits, topt));
      const Memories want = reference(cfg, mem, code);
      h->run(encode_all(code));
      const std::string diff = compare_acc(cfg, want.acc, mem.acc);
      if (!diff.empty()) {
        std::string prog;
        for (const auto& in : code) prog += "\n  " + isa::to_string(in);
        FAIL() << cfg.name() << ", seed " << seed << ", tile " << t << " (cycle " << h->cycle() << "): " << diff
               << "\nprogram:" << prog;
      }
      ASSERT_EQ(mem.act, want.act);
      ASSERT_EQ(mem.wgt, want.wgt);
      ASSERT_EQ(mem.par, want.par);
    }
  }
  static long scaled(long n) { return n * env_long("LUTSIM_RTL_CORE_TILES", 100) / 100; }
  static std::uint64_t seed(std::uint64_t s) {
    return s + static_cast<std::uint64_t>(env_long("LUTSIM_RTL_CORE_SEED", 0)) * 1000003u;
  }
  // The 16x16 array simulates about 20x slower per tile than the small ones.
  static long per_model(long n) { return ModelConfig<M>::get().rows >= 16 ? n / 10 : n; }
};
TYPED_TEST_SUITE(CoreRandomTest, Models);

TYPED_TEST(CoreRandomTest, TilesMatchInterpreter) {
  this->run_tiles(this->scaled(this->per_model(600)), this->seed(1), HarnessOptions{});
}

TYPED_TEST(CoreRandomTest, TilesMatchInterpreterWithStalls) {
  HarnessOptions opt;
  opt.grant_prob = 0.6;
  opt.gap_prob = 0.3;
  opt.seed = this->seed(77);
  this->run_tiles(this->scaled(this->per_model(300)), this->seed(2), opt);
}

TYPED_TEST(CoreRandomTest, MaskedTilesMatchInterpreter) {
  TileOptions topt;
  topt.mask_prob = 1.0;
  HarnessOptions opt;
  opt.grant_prob = 0.85;
  opt.seed = this->seed(78);
  this->run_tiles(this->scaled(this->per_model(300)), this->seed(3), opt, topt);
}

// Many pixels per block (P > R) and single-pixel blocks (P = 1 < R): both sides of Q = max(P, R, 2).
TYPED_TEST(CoreRandomTest, LongAndShortBlocks) {
  TileOptions lng;
  lng.max_out = 9;
  lng.max_taps = 2;
  this->run_tiles(this->scaled(this->per_model(100)), this->seed(4), HarnessOptions{}, lng);
  TileOptions shrt;
  shrt.max_out = 1;
  shrt.max_span_rows = 5;
  HarnessOptions opt;
  opt.grant_prob = 0.7;
  opt.seed = this->seed(79);
  this->run_tiles(this->scaled(this->per_model(200)), this->seed(5), opt, shrt);
}

}  // namespace
}  // namespace lutsim::rtlcore
