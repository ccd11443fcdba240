// Golden regression traces (traces/README.md): every trace re-run by the lutsim binary with both engines must
// reproduce the committed output and statistics exactly. A mismatch names the first differing element (image,
// row, column, channel and both values) or the first differing statistic (layer and field).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../cli/cli_helpers.h"
#include "lutsim/model/format.h"

namespace lutsim {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::q;
using testing::read_file;
using testing::run_lutsim;
using testing::ScratchDir;

const fs::path kTraces = fs::path(LUTSIM_SOURCE_DIR) / "traces";

// Every directory of traces/ holding a network file.
std::vector<std::string> trace_names() {
  std::vector<std::string> names;
  if (fs::is_directory(kTraces))
    for (const fs::directory_entry& e : fs::directory_iterator(kTraces))
      if (e.is_directory() && fs::exists(e.path() / "net.npz")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The first differing element of two tensors of one shape, with its coordinates, or "" when they are equal.
std::string first_mismatch(const Tensor& want, const Tensor& got) {
  if (want.dtype() != got.dtype() || want.shape() != got.shape())
    return "expected " + std::string(dtype_name(want.dtype())) + " " + shape_str(want.shape()) + ", got " +
           std::string(dtype_name(got.dtype())) + " " + shape_str(got.shape());
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    if (want.get(i) == got.get(i)) continue;
    std::vector<std::int64_t> idx(want.rank());
    std::int64_t rest = i;
    for (std::size_t d = want.rank(); d-- > 0;) {
      idx[d] = rest % want.dim(d);
      rest /= want.dim(d);
    }
    std::ostringstream s;
    s << "first mismatch at " << shape_str(idx) << " (N, H, W, C): expected " << want.get(i) << ", got " << got.get(i);
    return s.str();
  }
  return "";
}

class Trace : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(Trace, ReproducesGoldenOutputAndStats) {
  const auto& [name, engine] = GetParam();
  const fs::path dir = kTraces / name;
  const std::string hw = fs::exists(dir / "hw.json") ? (dir / "hw.json").string() : "default";
  ScratchDir d;
  const CliResult r = run_lutsim(d, "run " + q((dir / "net.npz").string()) + " --input " +
                                        q((dir / "input.npy").string()) + " --output " + q(d / "out.npy") +
                                        " --stats " + q(d / "stats.json") + " --hw " + q(hw) + " --engine " + engine +
                                        " --quiet --no-timing");
  ASSERT_EQ(r.code, 0) << r.err;

  const Tensor want = load_npy((dir / "expected_output.npy").string());
  const Tensor got = load_npy(d / "out.npy");
  EXPECT_EQ(first_mismatch(want, got), "") << "trace " << name << ", engine " << engine;

  nlohmann::json ws = nlohmann::json::parse(read_file((dir / "expected_stats.json").string()));
  nlohmann::json gs = nlohmann::json::parse(read_file(d / "stats.json"));
  for (const char* k : {"network", "batch", "hw", "totals"}) EXPECT_EQ(ws[k], gs[k]) << "trace " << name << ": " << k;
  ASSERT_EQ(ws["layers"].size(), gs["layers"].size()) << "trace " << name;
  for (std::size_t i = 0; i < ws["layers"].size(); ++i) {
    const nlohmann::json &wl = ws["layers"][i], &gl = gs["layers"][i];
    for (const auto& [field, value] : wl.items())
      ASSERT_EQ(value, gl[field]) << "trace " << name << ", engine " << engine << ": layer " << i << " '"
                                  << wl["name"].get<std::string>() << "', field '" << field << "'";
  }
}

std::string param_name(const ::testing::TestParamInfo<Trace::ParamType>& p) {
  return std::get<0>(p.param) + "_" + std::get<1>(p.param);
}

INSTANTIATE_TEST_SUITE_P(Traces, Trace,
                         ::testing::Combine(::testing::ValuesIn(trace_names()),
                                            ::testing::Values(std::string("golden"), std::string("reference"))),
                         param_name);

// The traces are all there, complete, and small enough to keep in the repository.
TEST(Traces, CompleteAndSmall) {
  const std::vector<std::string> names = trace_names();
  EXPECT_GE(names.size(), 5u);
  std::uintmax_t total = 0;
  for (const std::string& n : names)
    for (const char* f : {"net.npz", "input.npy", "expected_output.npy", "expected_stats.json"})
      EXPECT_TRUE(fs::exists(kTraces / n / f)) << n << "/" << f;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(kTraces))
    if (e.is_regular_file()) total += e.file_size();
  EXPECT_LT(total, 1000u * 1000u) << "traces/ holds " << total << " bytes";
  // The 16-bit trace exercises the wrap.
  const nlohmann::json s =
      nlohmann::json::parse(read_file((kTraces / "lenet5_8bit_acc16_half_even" / "expected_stats.json").string()));
  EXPECT_GT(s["totals"]["wraps"].get<std::int64_t>(), 0);
  EXPECT_EQ(s["hw"]["acc_bits"], 16);
}

}  // namespace
}  // namespace lutsim
