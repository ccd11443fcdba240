// ONNX models: import_onnx_bytes (the importer's checks), then the float graph run on one small image.
#include "fuzz_common.h"
#include "lutsim/quant/float_graph.h"
#include "lutsim/quant/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lutsim;
  fuzz::expect_errors_only([&] {
    const quant::FloatGraph g = quant::import_onnx_bytes(fuzz::text(data, size), "fuzz.onnx");
    std::int64_t work = 0;
    for (const quant::FNode& n : g.nodes) work += g.values.at(static_cast<std::size_t>(n.output)).numel() * (n.per_out() + 1);
    if (work > 50'000'000) return;
    const quant::FValue& v = g.values.at(static_cast<std::size_t>(g.input));
    quant::FTensor x{1, v.h, v.w, v.c, std::vector<float>(static_cast<std::size_t>(v.numel()), 0.5f)};
    (void)quant::run_float(g, x, false);
  });
  return 0;
}
