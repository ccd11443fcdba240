#include "lutsim/model/executor.h"

namespace lutsim {

Executor::Executor(const Network& net, const ArithConfig& cfg, const ExecOptions& opt)
    : net_(net), cfg_(cfg), opt_(opt) {
  if (cfg.acc_bits < kMinAccBits || cfg.acc_bits > kMaxAccBits)
    throw Error("acc_bits " + std::to_string(cfg.acc_bits) + " is outside [" + std::to_string(kMinAccBits) + ", " +
                std::to_string(kMaxAccBits) + "]");
  validate(net_);
  for (const Layer& l : net_.layers)
    kernels_.push_back(opt_.backend == Backend::Reference ? make_reference_kernel(net_, l, cfg_)
                                                          : make_fast_kernel(net_, l, cfg_, opt_.threads < 1 ? 1 : opt_.threads));
}

Executor::~Executor() = default;

RunResult Executor::run(const Tensor& input) const {
  const ValueInfo& iv = net_.value(net_.input);
  if (input.dtype() != iv.dtype || input.rank() != 4 || input.dim(0) < 1 || input.dim(1) != iv.h ||
      input.dim(2) != iv.w || input.dim(3) != iv.c)
    throw Error("input is " + std::string(dtype_name(input.dtype())) + " " + shape_str(input.shape()) + ", network '" +
                net_.name + "' expects " + std::string(dtype_name(iv.dtype)) + " [N, " + std::to_string(iv.h) + ", " +
                std::to_string(iv.w) + ", " + std::to_string(iv.c) + "]");
  const std::int64_t N = input.dim(0);

  // The last layer reading each value, so that intermediate tensors are freed as soon as possible.
  std::vector<int> last_use(net_.values.size(), -1);
  for (std::size_t li = 0; li < net_.layers.size(); ++li)
    for (int id : net_.layers[li].inputs) last_use[static_cast<std::size_t>(id)] = static_cast<int>(li);

  std::vector<Tensor> vals(net_.values.size());
  vals[static_cast<std::size_t>(net_.input)] = input;
  RunResult r;
  r.stats.resize(net_.layers.size());
  for (std::size_t li = 0; li < net_.layers.size(); ++li) {
    const Layer& l = net_.layers[li];
    const ValueInfo& ov = net_.value(l.output);
    Tensor out(ov.dtype, {N, ov.h, ov.w, ov.c}, ov.exponent);
    std::vector<const Tensor*> ins;
    for (int id : l.inputs) ins.push_back(&vals[static_cast<std::size_t>(id)]);
    kernels_[li]->run(ins, out, r.stats[li]);
    vals[static_cast<std::size_t>(l.output)] = std::move(out);
    if (!opt_.keep_values)
      for (int id : l.inputs)
        if (last_use[static_cast<std::size_t>(id)] == static_cast<int>(li) && id != net_.output)
          vals[static_cast<std::size_t>(id)] = Tensor();
  }
  r.output = vals[static_cast<std::size_t>(net_.output)];
  if (opt_.keep_values) r.values = std::move(vals);
  return r;
}

}  // namespace lutsim
