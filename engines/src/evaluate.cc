// evaluate(): a classifier on labelled images, batch by batch on one engine.
#include "lutsim/engines/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "lutsim/engines/engine.h"
#include "lutsim/model/error.h"

namespace lutsim {

EvalResult evaluate(const Network& net, const HwConfig& hw, const Tensor& x, const Tensor& y, const EvalOptions& opt) {
  const ValueInfo& iv = net.value(net.input);
  const ValueInfo& ov = net.value(net.output);
  if (opt.batch < 1) throw Error("eval: the batch " + std::to_string(opt.batch) + " is not a positive number of images");
  if (x.dtype() != iv.dtype || x.rank() != 4 || x.dim(1) != iv.h || x.dim(2) != iv.w || x.dim(3) != iv.c ||
      x.dim(0) < 1)
    throw Error(opt.data_what + ": " + std::string(dtype_name(x.dtype())) + " " + shape_str(x.shape()) +
                " does not match the network input (" + std::string(dtype_name(iv.dtype)) + " [N, " +
                std::to_string(iv.h) + ", " + std::to_string(iv.w) + ", " + std::to_string(iv.c) + "] with N >= 1)");
  const std::int64_t N = x.dim(0), C = ov.c;
  if ((y.dtype() != DType::S32 && y.dtype() != DType::U8) || y.rank() != 1 || y.dim(0) != N)
    throw Error(opt.labels_what + ": labels must be s32 or u8 [" + std::to_string(N) + "] (one per image), got " +
                std::string(dtype_name(y.dtype())) + " " + shape_str(y.shape()));
  if (ov.h != 1 || ov.w != 1)
    throw Error("the network output '" + ov.name + "' is not a vector of class scores (1x1xC)");
  for (std::int64_t n = 0; n < N; ++n)
    if (y.get(n) < 0 || y.get(n) >= C)
      throw Error(opt.labels_what + ": label " + std::to_string(y.get(n)) + " of image " + std::to_string(n) +
                  " is outside [0, " + std::to_string(C) + ")");

  const std::unique_ptr<Engine> eng = make_engine(opt.engine, net, hw, EngineOptions{.threads = opt.threads, .quiet = true});
  EvalResult r;
  r.images = N;
  r.classes = C;
  r.predictions = Tensor(DType::S32, {N});
  r.confusion.assign(static_cast<std::size_t>(C * C), 0);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t first = 0; first < N; first += opt.batch) {
    const std::int64_t n = std::min(opt.batch, N - first);
    const Tensor out = eng->run(n == N ? x : batch_slice(x, first, n));
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t best = 0, score = out.get(i * C);
      for (std::int64_t c = 1; c < C; ++c)
        if (out.get(i * C + c) > score) best = c, score = out.get(i * C + c);
      r.predictions.set(first + i, best);
      ++r.confusion[static_cast<std::size_t>(y.get(first + i) * C + best)];
    }
    if (opt.progress && !opt.progress(first + n, N)) throw Error("eval: interrupted");
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::int64_t c = 0; c < C; ++c) r.correct += r.confusion[static_cast<std::size_t>(c * C + c)];
  return r;
}

}  // namespace lutsim
