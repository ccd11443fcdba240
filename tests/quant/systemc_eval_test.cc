// The three quantized MNIST models on the whole test split: the SystemC model's predictions equal the golden
// model's, image for image (lutsim eval --engine systemc against --engine golden). Needs the MNIST split that
// scripts/setup.sh fetches (scripts/fetch_mnist.sh); without it the test is skipped with that command named.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "lutsim/model/format.h"
#include "lutsim/model/tensor.h"

namespace {

namespace fs = std::filesystem;
const std::string kRoot = LUTSIM_SOURCE_DIR;
const std::string kMnist = kRoot + "/data/mnist/";

int run(const std::string& args) {
  const int rc = std::system((std::string(LUTSIM_BIN) + " " + args + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class SystemcEval : public ::testing::TestWithParam<const char*> {};

TEST_P(SystemcEval, PredictionsEqualTheGoldenModelsOnTheWholeTestSplit) {
  if (!fs::exists(kMnist + "test_x.npy")) GTEST_SKIP() << "no MNIST data: run scripts/fetch_mnist.sh";
  if (std::system((std::string(LUTSIM_BIN) + " eval --help | grep -q systemc").c_str()) != 0)
    GTEST_SKIP() << "this lutsim has no systemc engine";
  const std::string model = GetParam();
  const fs::path dir = fs::temp_directory_path() / ("lutsim_sceval_" + std::to_string(::getpid()) + "_" + model);
  fs::create_directories(dir);
  const std::string net = (dir / "net.npz").string();
  ASSERT_EQ(run("quantize " + kRoot + "/models/" + model + ".onnx --calib " + kMnist + "calib_x.npy -o " + net +
                " --weight-bits 4 --grid lut-per-channel"),
            0);
  lutsim::Tensor pred[2];
  const char* engines[2] = {"golden", "systemc"};
  for (int k = 0; k < 2; ++k) {
    const std::string p = (dir / (std::string(engines[k]) + ".npy")).string();
    ASSERT_EQ(run("eval " + net + " --data " + kMnist + "test_x.npy --labels " + kMnist + "test_y.npy --engine " +
                  engines[k] + " --predictions " + p + " -q"),
              0)
        << engines[k];
    pred[k] = lutsim::load_npy(p);
  }
  const lutsim::Tensor labels = lutsim::load_npy(kMnist + "test_y.npy");
  ASSERT_EQ(pred[0].numel(), labels.numel());
  ASSERT_EQ(pred[1].numel(), labels.numel());
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    ASSERT_EQ(pred[1].get(i), pred[0].get(i)) << model << ": image " << i;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Mnist, SystemcEval, ::testing::Values("lenet5", "resnet_small", "mobilenet"));

}  // namespace
