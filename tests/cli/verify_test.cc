// lutsim verify: every engine built agrees with the golden model layer by layer on the golden traces; a fault
// injected into the memory image of one engine only (the LUTSIM_FAULT test hook) is caught and located at the layer
// and coordinate it must show up at; bad usage is rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>
#include <variant>

#include "cli_helpers.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/format.h"

namespace lutsim {
namespace {

using testing::q;
using testing::run_lutsim;
using testing::ScratchDir;

const std::string kTraces = std::string(LUTSIM_SOURCE_DIR) + "/traces/";

bool has_engine(const ScratchDir& dir, const std::string& e) {
  const auto r = run_lutsim(dir, "verify --help");
  return r.out.find(e + ",") != std::string::npos || r.out.find(e + ")") != std::string::npos ||
         r.out.find(", " + e) != std::string::npos;
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(testing::read_file(path)); }

TEST(Verify, TracesAreBitExactOnEveryBuiltEngine) {
  ScratchDir dir;
  for (const char* trace : {"lenet5_per_layer", "lenet5_per_channel_2bit"}) {
    const std::string t = kTraces + trace + "/";
    const auto r = run_lutsim(dir, "verify " + q(t + "net.npz") + " --input " + q(t + "input.npy") + " --report " +
                                       q(dir / "v.json"));
    ASSERT_EQ(r.code, 0) << trace << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos) << r.out;
    const auto j = read_json(dir / "v.json");
    EXPECT_TRUE(j["pass"].get<bool>());
    EXPECT_TRUE(j["bit_exact"].get<bool>());
    EXPECT_TRUE(j["first_mismatch"].is_null());
    const Network net = load_network(t + "net.npz");
    ASSERT_EQ(j["layers"].size(), net.layers.size());
    for (std::size_t i = 0; i < net.layers.size(); ++i) EXPECT_EQ(j["layers"][i]["name"], net.layers[i].name);
    EXPECT_GE(j["engines"].size(), 3u);  // golden, isa and whatever else is built
  }
}

TEST(Verify, ReferenceAgainstIsaOnAnotherConfig) {
  ScratchDir dir;
  const std::string t = kTraces + "mobilenetv2_32x32_acc24_floor/";
  const auto r = run_lutsim(dir, "verify " + q(t + "net.npz") + " --input " + q(t + "input.npy") + " --image 1" +
                                     " --engines reference,isa --hw " + q(t + "hw.json"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("on 2 engines (reference, isa)"), std::string::npos) << r.out;
}

TEST(Verify, BadUsage) {
  ScratchDir dir;
  const std::string t = kTraces + "lenet5_per_layer/";
  const std::string base = "verify " + q(t + "net.npz") + " --input " + q(t + "input.npy");
  auto r = run_lutsim(dir, base + " --engines golden,nosuch");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'nosuch' is not one of"), std::string::npos) << r.err;
  r = run_lutsim(dir, base + " --engines golden");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("at least two engines"), std::string::npos) << r.err;
  r = run_lutsim(dir, base + " --cycle-tolerance -3");
  EXPECT_EQ(r.code, 2);
  r = run_lutsim(dir, base + " --image 99");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--image 99 is outside the batch of 8 images"), std::string::npos) << r.err;
}

// The DRAM byte holding the low byte of the bias of output channel `lane` of the last layer, found from the
// program: its PPU's bias address in the param SRAM, and the last LOAD before it that filled that param byte.
std::uint64_t last_layer_bias_byte(const Program& p, int lane, std::string* layer) {
  const LayerRange& L = p.layers.back();
  *layer = L.name;
  for (std::uint32_t pc = L.first; pc < L.end; ++pc) {
    const auto* ppu = std::get_if<isa::Ppu>(&p.code[pc].body);
    if (!ppu || !ppu->bias_en) continue;
    const std::int64_t want = ppu->bias_addr + 4 * lane;
    for (std::uint32_t k = pc; k-- > L.first;) {
      const auto* ld = std::get_if<isa::Load>(&p.code[k].body);
      if (!ld || ld->buf != 2) continue;
      const std::int64_t Y = ld->y_size + ld->pad_left + ld->pad_right;
      const std::int64_t Z = ld->z_size + ld->pad_top + ld->pad_bottom;
      const std::int64_t off = want - ld->sram_addr;
      if (off < 0 || off >= Z * Y * ld->x_size) continue;
      const std::int64_t z = off / (Y * ld->x_size) - ld->pad_top, y = off / ld->x_size % Y - ld->pad_left;
      EXPECT_TRUE(z >= 0 && z < ld->z_size && y >= 0 && y < ld->y_size) << "the bias lies in the padding";
      return static_cast<std::uint64_t>(ld->dram_addr + z * ld->z_stride + y * ld->y_stride + off % ld->x_size);
    }
  }
  ADD_FAILURE() << "no PPU with a bias in the last layer";
  return 0;
}

// A flipped bit 0 of the bias of logit 3 in one engine's memory image only: LeNet-5's last layer writes s32 logits
// (bias, wrap to 32 bits, no clamp), so logit 3 and nothing before it changes by exactly 1. Each engine that runs a
// compiled program (isa, systemc, rtl) is faulted in turn against the golden model; for the RTL, verify also names
// the STORE that wrote the wrong logit and writes a waveform around it.
TEST(Verify, InjectedFaultIsCaughtAndLocated) {
  ScratchDir dir;
  const std::string t = kTraces + "lenet5_per_layer/";
  const Network net = load_network(t + "net.npz");
  const Program p = compile(net, load_hw_config("default"));
  std::string layer;
  const std::uint64_t byte = last_layer_bias_byte(p, 3, &layer);
  int faulted = 0;
  for (const std::string e : {"isa", "systemc", "rtl"}) {
    if (!has_engine(dir, e)) continue;
    SCOPED_TRACE(e);
    ++faulted;
    const std::string cmd = "LUTSIM_FAULT=" + e + ":" + std::to_string(byte) + ":0 " + q(LUTSIM_BIN) + " verify " +
                            q(t + "net.npz") + " --input " + q(t + "input.npy") + " --engines golden," + e +
                            " --report " + q(dir / "v.json") + " --wave-window " + q(dir / "w.fst") +
                            " --wave-cycles 50 >" + q(dir / "out.txt") + " 2>" + q(dir / "err.txt");
    const int st = std::system(cmd.c_str());
    const std::string out = testing::read_file(dir / "out.txt");
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1) << out << testing::read_file(dir / "err.txt");
    EXPECT_NE(out.find("MISMATCH at layer " + layer), std::string::npos) << out;
    EXPECT_NE(out.find("(n, y, x, c) = (0, 0, 0, 3)"), std::string::npos) << out;
    const auto j = read_json(dir / "v.json");
    const auto& m = j["first_mismatch"];
    EXPECT_EQ(m["layer"], layer);
    EXPECT_EQ(m["layer_index"], net.layers.size() - 1);
    EXPECT_EQ(m["coordinate"]["c"], 3);
    EXPECT_EQ(m["first_engine"], e);
    EXPECT_EQ(std::llabs(m["values"][e].get<long long>() - m["values"]["golden"].get<long long>()), 1);
    // Only the last layer differs.
    for (std::size_t i = 0; i + 1 < net.layers.size(); ++i) EXPECT_EQ(j["layers"][i]["differing_elements"][e], 0);
    EXPECT_EQ(j["layers"][net.layers.size() - 1]["differing_elements"][e], 1);
    if (e != "rtl") continue;
    // The RTL names the STORE that wrote the wrong logit: an instruction of the last layer.
    ASSERT_FALSE(m["rtl_write"]["cycle"].is_null());
    const auto pc = m["rtl_write"]["pc"].get<std::uint32_t>();
    EXPECT_GE(pc, p.layers.back().first);
    EXPECT_LT(pc, p.layers.back().end);
    EXPECT_EQ(p.code[pc].opcode(), isa::Opcode::Store);
    EXPECT_GT(testing::read_file(dir / "w.fst").size(), 100u);
  }
  if (faulted == 0) GTEST_SKIP() << "no engine that runs a compiled program is built";
}

TEST(Verify, FaultHookErrorsAreClear) {
  ScratchDir dir;
  if (!has_engine(dir, "isa")) GTEST_SKIP() << "the isa engine is not built";
  const std::string t = kTraces + "lenet5_per_layer/";
  const std::string tail = q(LUTSIM_BIN) + " verify " + q(t + "net.npz") + " --input " + q(t + "input.npy") +
                           " --engines golden,isa 2>" + q(dir / "err.txt") + " >/dev/null";
  for (const auto& [hook, want] : std::vector<std::pair<std::string, std::string>>{
           {"isa:12", "is not ENGINE:DRAM_BYTE:BIT"},
           {"isa:12:9", "(BIT 0..7)"},
           {"isa:99999999:0", "the isa engine can flip a byte of the parameter image [0, "}}) {
    const int st = std::system(("LUTSIM_FAULT=" + hook + " " + tail).c_str());
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1) << hook;
    EXPECT_NE(testing::read_file(dir / "err.txt").find(want), std::string::npos)
        << hook << ": " << testing::read_file(dir / "err.txt");
  }
}

// The 4x4 config's LeNet-5, whose DMA-bound average pool once differed by 8% between the SystemC model and the RTL
// (the SystemC DRAM let a LOAD's bursts overtake a STORE's; the RTL's channels take turns): every layer within 5%,
// and with a tolerance of 0 every layer that differs at all names the instruction whose time differs most.
TEST(Verify, SmallConfigCyclesAgreePerLayer) {
  ScratchDir dir;
  if (!has_engine(dir, "rtl") || !has_engine(dir, "systemc")) GTEST_SKIP() << "systemc or rtl is not built";
  auto r = run_lutsim(dir, "gen --arch lenet5 --lut per-layer --shift per-layer --weight-bits 4 --seed 1 "
                           "--acc-bits 24 -o " + q(dir / "n.npz") + " --sample-input " + q(dir / "x.npy"));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string base = "verify " + q(dir / "n.npz") + " --input " + q(dir / "x.npy") +
                           " --hw small --engines systemc,rtl --report " + q(dir / "v.json");
  r = run_lutsim(dir, base);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = read_json(dir / "v.json");
  for (const auto& l : j["layers"]) EXPECT_LE(std::fabs(l["cycle_diff_percent"].get<double>()), 5.0) << l["name"];
  EXPECT_LE(std::fabs(j["cycles"]["diff_percent"].get<double>()), 2.0);
  ASSERT_EQ(j["instruction_complete"]["rtl"].size(), j["instruction_complete"]["systemc"].size());

  r = run_lutsim(dir, base + " --cycle-tolerance 0");
  EXPECT_EQ(r.code, 1);
  j = read_json(dir / "v.json");
  const Program p = compile(load_network(dir / "n.npz"), load_hw_config("small"));
  int named = 0;
  for (std::size_t i = 0; i < j["layers"].size(); ++i) {
    const auto& l = j["layers"][i];
    if (l["cycle_diff_percent"].get<double>() == 0.0) continue;
    ASSERT_TRUE(l.contains("widest_instruction_diff")) << l["name"];
    const auto pc = l["widest_instruction_diff"]["pc"].get<std::uint32_t>();
    EXPECT_GE(pc, p.layers[i].first);
    EXPECT_LT(pc, p.layers[i].end);
    EXPECT_NE(r.out.find(l["name"].get<std::string>() + ": the instruction whose time differs most is pc " +
                         std::to_string(pc)),
              std::string::npos)
        << r.out;
    ++named;
  }
  EXPECT_GT(named, 0);
}

}  // namespace
}  // namespace lutsim
