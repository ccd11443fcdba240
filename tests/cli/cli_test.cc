// The lutsim binary end to end: gen, info and run, and every kind of bad input: each exits with 1 (bad input)
// or 2 (bad usage) and a one-line message that names the problem, never a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli_helpers.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/executor.h"
#include "lutsim/model/format.h"

namespace lutsim {
namespace {

using testing::CliResult;
using testing::q;
using testing::read_file;
using testing::run_lutsim;
using testing::ScratchDir;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// An error: the expected exit status, nothing on stdout, and one line on stderr holding every part.
void expect_error(const CliResult& r, int code, std::initializer_list<std::string> parts) {
  EXPECT_EQ(r.code, code) << r.err;
  if (code == 1) {
    EXPECT_TRUE(r.err.starts_with("lutsim: error: ")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  } else {
    EXPECT_TRUE(contains(r.err, "--help")) << r.err;
  }
  for (const std::string& p : parts) EXPECT_TRUE(contains(r.err, p)) << "expected '" << p << "' in: " << r.err;
}

// A LeNet-5 and a batch of 3 inputs in `d`.
void gen_lenet(const ScratchDir& d, const std::string& extra = "") {
  const CliResult g = run_lutsim(d, "gen --arch lenet5 --seed 7 -o " + q(d / "net.npz") + " --sample-input " +
                                        q(d / "x.npy") + " --batch 3 " + extra);
  ASSERT_EQ(g.code, 0) << g.err;
}

TEST(Cli, Help) {
  ScratchDir d;
  CliResult r = run_lutsim(d, "--help");
  EXPECT_EQ(r.code, 0);
  for (const char* c : {"info", "run", "gen"}) EXPECT_TRUE(contains(r.out, c)) << r.out;
  for (const char* c : {"info", "run", "gen"}) {
    r = run_lutsim(d, std::string(c) + " --help");
    EXPECT_EQ(r.code, 0) << c;
    EXPECT_TRUE(contains(r.out, std::string("usage: lutsim ") + c)) << r.out;
  }
  r = run_lutsim(d, "help run");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "--engine")) << r.out;
  r = run_lutsim(d, "");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "usage: lutsim")) << r.err;
}

TEST(Cli, GenInfoRun) {
  ScratchDir d;
  gen_lenet(d);
  CliResult r = run_lutsim(d, "info " + q(d / "net.npz"));
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* s : {"network 'lenet5': 8 layers", "conv1", "avgpool", "fc3", "per_layer", "s32 1x1x10", "117600",
                        "total: 416520 MACs"})
    EXPECT_TRUE(contains(r.out, s)) << "expected '" << s << "' in:\n" << r.out;

  r = run_lutsim(d, "run " + q(d / "net.npz") + " --input " + q(d / "x.npy") + " --output " + q(d / "y.npy") +
                        " --stats " + q(d / "s.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  for (int n = 0; n < 3; ++n) EXPECT_TRUE(contains(r.out, "image " + std::to_string(n) + ": top-1 class ")) << r.out;

  // The binary's output equals the golden model run in this process.
  const Network net = load_network(d / "net.npz");
  const Tensor x = load_npy(d / "x.npy");
  const RunResult expect = Executor(net, ArithConfig{}).run(x);
  const Tensor y = load_npy(d / "y.npy");
  EXPECT_EQ(y.shape(), (Shape{3, 1, 1, 10}));
  EXPECT_TRUE(y.same_values(expect.output));
  // Its top-1 lines name the argmax.
  for (std::int64_t n = 0; n < 3; ++n) {
    const std::int32_t* v = y.data<std::int32_t>() + n * 10;
    const std::int64_t best = std::max_element(v, v + 10) - v;
    EXPECT_TRUE(contains(r.out, "image " + std::to_string(n) + ": top-1 class " + std::to_string(best) + " (score " +
                                    std::to_string(v[best]) + ")"))
        << r.out;
  }

  const nlohmann::json s = nlohmann::json::parse(read_file(d / "s.json"));
  EXPECT_EQ(s["network"], "lenet5");
  EXPECT_EQ(s["batch"], 3);
  EXPECT_EQ(s["engine"], "golden");
  EXPECT_EQ(s["hw"]["acc_bits"], 32);
  EXPECT_EQ(s["hw"]["rounding"], "half_up");
  ASSERT_EQ(s["layers"].size(), 8u);
  std::int64_t total_outputs = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const auto& l = s["layers"][i];
    EXPECT_EQ(l["name"], net.layers[i].name);
    EXPECT_EQ(l["macs"], expect.stats[i].macs);
    EXPECT_EQ(l["outputs"], expect.stats[i].outputs);
    EXPECT_EQ(l["wraps"], expect.stats[i].wraps);
    EXPECT_EQ(l["clamped_low"], expect.stats[i].clamped_low);
    EXPECT_EQ(l["clamped_high"], expect.stats[i].clamped_high);
    total_outputs += expect.stats[i].outputs;
  }
  EXPECT_EQ(s["totals"]["macs"], 3 * 416520);
  EXPECT_EQ(s["totals"]["outputs"], total_outputs);
  EXPECT_TRUE(s["timing"].contains("run_seconds"));
}

// Golden (fast) and reference kernels give the same bytes and statistics; --no-timing leaves a file that depends
// only on the network, the input and the config.
TEST(Cli, EnginesAgree) {
  ScratchDir d;
  gen_lenet(d, "--weight-bits 2 --lut per-channel --shift per-channel");
  for (const char* e : {"golden", "reference"}) {
    const CliResult r = run_lutsim(d, "run " + q(d / "net.npz") + " -i " + q(d / "x.npy") + " -o " +
                                          q(d / (std::string(e) + ".npy")) + " --no-timing -q --threads 2 --engine " +
                                          e + " --stats " + q(d / (std::string(e) + ".json")));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "");  // --quiet
  }
  EXPECT_EQ(read_file(d / "golden.npy"), read_file(d / "reference.npy"));
  nlohmann::json a = nlohmann::json::parse(read_file(d / "golden.json"));
  nlohmann::json b = nlohmann::json::parse(read_file(d / "reference.json"));
  EXPECT_FALSE(a.contains("timing"));
  EXPECT_EQ(b["engine"], "reference");
  a.erase("engine");
  b.erase("engine");
  EXPECT_EQ(a, b);
}

// An HWC input without a batch dimension is one image, and the output keeps the input's form.
TEST(Cli, SingleImageWithoutBatch) {
  ScratchDir d;
  gen_lenet(d);
  const Tensor x = load_npy(d / "x.npy");
  Tensor one(DType::U8, {32, 32, 1});
  std::copy_n(x.raw(), one.nbytes(), one.raw());
  save_npy(one, d / "one.npy");
  CliResult r = run_lutsim(d, "run " + q(d / "net.npz") + " -i " + q(d / "one.npy") + " -o " + q(d / "y1.npy"));
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_lutsim(d, "run " + q(d / "net.npz") + " -i " + q(d / "x.npy") + " -o " + q(d / "y3.npy"));
  ASSERT_EQ(r.code, 0) << r.err;
  const Tensor y1 = load_npy(d / "y1.npy"), y3 = load_npy(d / "y3.npy");
  EXPECT_EQ(y1.shape(), (Shape{1, 1, 10}));
  EXPECT_TRUE(std::equal(y1.raw(), y1.raw() + y1.nbytes(), y3.raw()));
}

// The arithmetic comes from the hardware config: a preset or a file.
TEST(Cli, HardwareConfig) {
  ScratchDir d;
  gen_lenet(d);
  std::ofstream(d / "acc16.json") << R"({"name": "acc16", "acc_bits": 16, "rounding": "floor"})";
  for (const std::string& hw : {std::string("small"), d / "acc16.json"}) {
    const CliResult r = run_lutsim(d, "run " + q(d / "net.npz") + " -i " + q(d / "x.npy") + " -o " + q(d / "y.npy") +
                                          " --hw " + q(hw) + " --stats " + q(d / "s.json"));
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json s = nlohmann::json::parse(read_file(d / "s.json"));
    const HwConfig cfg = load_hw_config(hw);
    EXPECT_EQ(s["hw"]["acc_bits"], cfg.acc_bits);
    EXPECT_EQ(s["hw"]["rounding"], std::string(rounding_name(cfg.rounding)));
    const RunResult expect = Executor(load_network(d / "net.npz"), cfg.arith()).run(load_npy(d / "x.npy"));
    EXPECT_TRUE(load_npy(d / "y.npy").same_values(expect.output)) << hw;
  }
  // A LeNet-5 sized for 32-bit accumulators wraps at 16 bits.
  const nlohmann::json s = nlohmann::json::parse(read_file(d / "s.json"));
  EXPECT_GT(s["totals"]["wraps"].get<std::int64_t>(), 0);
}

TEST(Cli, GenOptions) {
  ScratchDir d;
  CliResult r = run_lutsim(d, "gen --arch lenet5 --input-size 28 --weight-bits 2 --lut per-channel --shift per-channel "
                              "--logits s8 -o " + q(d / "a.npz"));
  ASSERT_EQ(r.code, 0) << r.err;
  const Network a = load_network(d / "a.npz");
  EXPECT_EQ(a.value(a.input).h, 28);
  EXPECT_EQ(a.layers[0].conv.weight_bits, 2);
  EXPECT_EQ(a.layers[0].conv.lut_mode, LutMode::PerChannel);
  EXPECT_EQ(a.layers[0].conv.shift.numel(), 6);
  EXPECT_EQ(a.value(a.output).dtype, DType::S8);
  r = run_lutsim(d, "info " + q(d / "a.npz"));
  EXPECT_TRUE(contains(r.out, "per_channel")) << r.out;

  // The same options write the same file.
  r = run_lutsim(d, "gen --arch resnet18 --input-size 32 --width 0.25 --classes 10 --seed 3 -o " + q(d / "r1.npz"));
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_lutsim(d, "gen --arch resnet18 --input-size 32 --width 0.25 --classes 10 --seed 3 -o " + q(d / "r2.npz") +
                        " --sample-input " + q(d / "rx.npy"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(d / "r1.npz"), read_file(d / "r2.npz"));
  r = run_lutsim(d, "run " + q(d / "r1.npz") + " -i " + q(d / "rx.npy") + " -o " + q(d / "ry.npy"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "image 0: top-1 class")) << r.out;

  r = run_lutsim(d, "gen --arch mobilenetv2 --input-size 32 --width 0.25 --weight-bits 8 -o " + q(d / "m.npz"));
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_lutsim(d, "info " + q(d / "m.npz"));
  EXPECT_TRUE(contains(r.out, "block17.project")) << r.out;
}

TEST(Cli, UsageErrors) {
  ScratchDir d;
  gen_lenet(d);
  const std::string net = q(d / "net.npz"), io = " -i " + q(d / "x.npy") + " -o " + q(d / "y.npy");
  expect_error(run_lutsim(d, "frobnicate"), 2, {"unknown command 'frobnicate'"});
  expect_error(run_lutsim(d, "run " + net + io + " --bogus"), 2, {"'--bogus'", "lutsim run --help"});
  expect_error(run_lutsim(d, "gen --arch lenet5 -o " + q(d / "a.npz") + " --colour red"), 2, {"'--colour'"});
  expect_error(run_lutsim(d, "run " + net + " -o " + q(d / "y.npy")), 2, {"--input", "missing"});
  expect_error(run_lutsim(d, "run"), 2, {"network file NET"});
  expect_error(run_lutsim(d, "info"), 2, {"network file NET"});
  expect_error(run_lutsim(d, "run " + net + " -i"), 2, {"--input"});
  expect_error(run_lutsim(d, "gen --arch vgg16 -o " + q(d / "a.npz")), 2, {"unknown architecture 'vgg16'", "lenet5"});
  expect_error(run_lutsim(d, "gen --arch lenet5"), 2, {"--output"});
  expect_error(run_lutsim(d, "gen --arch lenet5 -o a.npz --weight-bits 6"), 2, {"--weight-bits", "6"});
  expect_error(run_lutsim(d, "gen --arch lenet5 -o a.npz --lut per-row"), 2, {"--lut", "per-row"});
  expect_error(run_lutsim(d, "gen --arch lenet5 -o a.npz --input-size 10"), 2, {"input size 10"});
  expect_error(run_lutsim(d, "run " + net + io + " --engine turbo"), 2, {"--engine", "turbo"});
  expect_error(run_lutsim(d, "run " + net + io + " --threads 0"), 2, {"--threads"});
  expect_error(run_lutsim(d, "run " + net + io + " --threads many"), 2, {"--threads", "many"});
  EXPECT_FALSE(std::filesystem::exists(d / "y.npy"));
}

TEST(Cli, BadInput) {
  ScratchDir d;
  gen_lenet(d);
  const std::string net = d / "net.npz";
  const std::string io = " -i " + q(d / "x.npy") + " -o " + q(d / "y.npy");
  // Missing files.
  expect_error(run_lutsim(d, "run " + q(d / "nope.npz") + io), 1, {d / "nope.npz"});
  expect_error(run_lutsim(d, "info " + q(d / "nope.npz")), 1, {d / "nope.npz"});
  expect_error(run_lutsim(d, "run " + q(net) + " -i " + q(d / "nope.npy") + " -o " + q(d / "y.npy")), 1,
               {d / "nope.npy"});
  // A truncated network file, and a file that is not a network at all.
  const std::string bytes = read_file(net);
  std::ofstream(d / "trunc.npz", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_error(run_lutsim(d, "run " + q(d / "trunc.npz") + io), 1, {d / "trunc.npz"});
  expect_error(run_lutsim(d, "info " + q(d / "x.npy")), 1, {d / "x.npy"});
  // Wrong input shape and dtype.
  save_npy(Tensor(DType::U8, {2, 28, 28, 1}), d / "shape.npy");
  expect_error(run_lutsim(d, "run " + q(net) + " -i " + q(d / "shape.npy") + " -o " + q(d / "y.npy")), 1,
               {d / "shape.npy", "[2, 28, 28, 1]", "[N, 32, 32, 1]"});
  save_npy(Tensor(DType::S8, {2, 32, 32, 1}), d / "s8.npy");
  expect_error(run_lutsim(d, "run " + q(net) + " -i " + q(d / "s8.npy") + " -o " + q(d / "y.npy")), 1,
               {d / "s8.npy", "dtype s8", "u8"});
  save_npy(Tensor(DType::F32, {1, 32, 32, 1}), d / "f32.npy");
  expect_error(run_lutsim(d, "run " + q(net) + " -i " + q(d / "f32.npy") + " -o " + q(d / "y.npy")), 1,
               {"dtype f32"});
  save_npy(Tensor(DType::U8, {0, 32, 32, 1}), d / "empty.npy");
  expect_error(run_lutsim(d, "run " + q(net) + " -i " + q(d / "empty.npy") + " -o " + q(d / "y.npy")), 1, {"empty"});
  std::ofstream(d / "junk.npy", std::ios::binary) << "\x93NUMPY\x01\x00garbage";
  expect_error(run_lutsim(d, "run " + q(net) + " -i " + q(d / "junk.npy") + " -o " + q(d / "y.npy")), 1,
               {d / "junk.npy"});
  // Bad --hw values: an unknown preset, a config with a parameter out of range.
  expect_error(run_lutsim(d, "run " + q(net) + io + " --hw turbo9000"), 1, {"turbo9000", "presets"});
  std::ofstream(d / "hw.json") << R"({"acc_bits": 12})";
  expect_error(run_lutsim(d, "run " + q(net) + io + " --hw " + q(d / "hw.json")), 1, {d / "hw.json", "acc_bits"});
  // Unwritable outputs.
  expect_error(run_lutsim(d, "run " + q(net) + " -i " + q(d / "x.npy") + " -o " + q(d / "no/dir/y.npy")), 1,
               {d / "no/dir/y.npy"});
  expect_error(run_lutsim(d, "run " + q(net) + io + " --stats " + q(d / "no/dir/s.json")), 1, {d / "no/dir/s.json"});
  expect_error(run_lutsim(d, "gen --arch lenet5 -o " + q(d / "no/dir/n.npz")), 1, {d / "no/dir/n.npz"});
}

}  // namespace
}  // namespace lutsim
