// lutsim quantize and lutsim eval end to end: a network file out, an accuracy line, and exit statuses 1 (bad input,
// message naming the file) and 2 (bad usage).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lutsim/model/format.h"
#include "lutsim/model/tensor.h"

namespace {

const std::string kRoot = LUTSIM_SOURCE_DIR;
const std::string kData = kRoot + "/tests/quant/data/";

struct Result {
  int status = -1;
  std::string out, err;
};

Result run(const std::string& args) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("lutsim_qcli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string o = (dir / "out.txt").string(), e = (dir / "err.txt").string();
  const int rc = std::system((std::string(LUTSIM_BIN) + " " + args + " >" + o + " 2>" + e).c_str());
  Result r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  std::ifstream fo(o), fe(e);
  std::stringstream so, se;
  so << fo.rdbuf();
  se << fe.rdbuf();
  r.out = so.str();
  r.err = se.str();
  return r;
}

std::string tmp(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("lutsim_qcli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(QuantCli, QuantizeThenEval) {
  const std::string net = tmp("tiny.npz"), labels = tmp("labels.npy");
  const Result q = run("quantize " + kData + "tiny.onnx --calib " + kData + "tiny_input_u8_4x12x12x3.npy -o " + net +
                       " --weight-bits 3 --grid lut-per-layer --shift per-channel --method lapq --lapq-evals 10");
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_NE(q.err.find("lapq"), std::string::npos) << q.err;
  const lutsim::Network n = lutsim::load_network(net);
  EXPECT_EQ(n.value(n.input).c, 3);
  lutsim::Tensor y(lutsim::DType::S32, {4});
  for (int i = 0; i < 4; ++i) y.set(i, i);
  lutsim::save_npy(y, labels);
  const Result e = run("eval " + net + " --data " + kData + "tiny_input_u8_4x12x12x3.npy --labels " + labels);
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_NE(e.out.find("top-1 accuracy: "), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("/4, golden)"), std::string::npos) << e.out;
  const Result r = run("eval " + net + " --data " + kData + "tiny_input_u8_4x12x12x3.npy --labels " + labels + " --engine reference -q");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('(')), e.out.substr(0, e.out.find('(')));
}

TEST(QuantCli, BadInputIsStatusOneNamingTheFile) {
  const Result a = run("quantize " + kData + "tiny.onnx --calib " + kData + "mnist_input_u8_16x28x28x1.npy -o " + tmp("x.npz"));
  EXPECT_EQ(a.status, 1);
  EXPECT_NE(a.err.find("mnist_input_u8_16x28x28x1.npy: u8 data of shape [16, 28, 28, 1] does not match"), std::string::npos) << a.err;
  const Result b = run("quantize " + kData + "tiny_input_u8_4x12x12x3.npy --calib " + kData + "tiny_input_u8_4x12x12x3.npy -o " + tmp("x.npz"));
  EXPECT_EQ(b.status, 1);
  EXPECT_NE(b.err.find("tiny_input_u8_4x12x12x3.npy: not an ONNX model"), std::string::npos) << b.err;
  const Result c = run("eval " + kRoot + "/traces/lenet5_per_layer/net.npz --data " + kData + "tiny_input_u8_4x12x12x3.npy --labels " +
                       kData + "tiny_input_u8_4x12x12x3.npy");
  EXPECT_EQ(c.status, 1);
  EXPECT_NE(c.err.find("does not match the network input"), std::string::npos) << c.err;
}

TEST(QuantCli, BadUsageIsStatusTwo) {
  EXPECT_EQ(run("quantize " + kData + "tiny.onnx -o x.npz").status, 2);  // no --calib
  EXPECT_EQ(run("quantize " + kData + "tiny.onnx --calib c.npy -o x.npz --weight-bits 5").status, 2);
  EXPECT_EQ(run("quantize " + kData + "tiny.onnx --calib c.npy -o x.npz --grid lut").status, 2);
  EXPECT_EQ(run("quantize " + kData + "tiny.onnx --calib c.npy -o x.npz --avg-bits 3 --compression 8").status, 2);
  EXPECT_EQ(run("eval net.npz --data x.npy").status, 2);  // no --labels
  EXPECT_EQ(run("eval net.npz --data x.npy --labels y.npy --engine tpu").status, 2);
}

}  // namespace
