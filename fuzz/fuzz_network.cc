// Network files (.npz: the zip container, graph.json, each .npy member): parse_network (which validates), then, for
// a valid network, one random image on the golden model and the compiled program on the ISA interpreter, when both
// are small enough for a fuzzing iteration.
//
// Plain byte mutation rarely gets a changed graph.json past the JSON parser and the zip's CRCs, so the custom
// mutator below mostly edits graph.json as JSON (a number, a string, an array element, a key) and rebuilds the zip.
#include <nlohmann/json.hpp>

#include <random>
#include <vector>

#include "fuzz_common.h"
#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/hw/config.h"
#include "lutsim/model/executor.h"
#include "lutsim/model/format.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

using nlohmann::json;

void collect(json& j, std::vector<json*>& out) {
  out.push_back(&j);
  if (j.is_object() || j.is_array())
    for (auto& v : j) collect(v, out);
}

const char* const kWords[] = {"conv2d", "dense", "maxpool", "avgpool", "global_avgpool", "add", "concat", "reshape",
                              "u8", "s8", "s32", "f32", "per_layer", "per_channel", "x", "y", "z", "", "input"};

void mutate(json& root, std::mt19937& rng) {
  std::vector<json*> nodes;
  collect(root, nodes);
  json& j = *nodes[rng() % nodes.size()];
  const unsigned r = rng() % 8;
  if (j.is_number_integer()) {
    const std::int64_t v = j.get<std::int64_t>();
    const std::int64_t choices[] = {v + 1, v - 1, 0, -1, 2 * v, 65536, 2147483647, -2147483648LL};
    j = choices[r];
  } else if (j.is_string()) {
    j = kWords[rng() % std::size(kWords)];
  } else if (j.is_array() && !j.empty()) {
    if (r < 3) j.erase(j.begin() + static_cast<std::ptrdiff_t>(rng() % j.size()));
    else if (r < 6) j.push_back(j[rng() % j.size()]);
    else std::swap(j[rng() % j.size()], j[rng() % j.size()]);
  } else if (j.is_object() && !j.empty()) {
    auto it = j.begin();
    std::advance(it, rng() % j.size());
    if (r < 4) j.erase(it);
    else j[std::string(kWords[rng() % std::size(kWords)]) + "_"] = it.value();
  } else {
    j = static_cast<std::int64_t>(rng() % 64);
  }
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  std::mt19937 rng(seed);
  if (rng() % 4 != 0) {
    try {
      std::vector<lutsim::ZipMember> members = lutsim::parse_zip({data, size}, "mutator");
      for (lutsim::ZipMember& m : members) {
        if (m.name != "graph.json") continue;
        json j = json::parse(std::string(m.data.begin(), m.data.end()));
        for (unsigned k = 1 + rng() % 3; k-- > 0;) mutate(j, rng);
        const std::string s = j.dump();
        m.data.assign(s.begin(), s.end());
        const std::vector<std::uint8_t> out = lutsim::serialize_zip(members);
        if (out.size() > max_size) break;
        std::copy(out.begin(), out.end(), data);
        return out.size();
      }
    } catch (const std::exception&) {
      // Not a zip with a JSON graph (any more): mutate the bytes.
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  static const HwConfig small = load_hw_config("small");
  fuzz::expect_errors_only([&] {
    const Network net = parse_network(fuzz::bytes(data, size), "fuzz.npz");
    std::int64_t macs = 0, elems = 0;
    for (const Layer& l : net.layers) macs += layer_macs(net, l);
    for (const ValueInfo& v : net.values) elems += static_cast<std::int64_t>(v.h) * v.w * v.c;
    if (macs > 20'000'000 || elems > 4'000'000) return;
    const ValueInfo& in = net.value(net.input);
    Tensor x(in.dtype, {1, in.h, in.w, in.c}, in.exponent);
    for (std::int64_t i = 0; i < x.numel(); ++i) x.raw()[i] = static_cast<std::uint8_t>(i * 37 + 11);
    const Tensor golden = Executor(net, small.arith()).run(x).output;
    const Program p = compile(net, small);
    if (p.code.size() > 20000) return;
    // The two engines agree bit for bit on every valid network: a difference is a finding too.
    if (!interpret(p, x).output.same_values(golden)) std::abort();
  });
  return 0;
}
