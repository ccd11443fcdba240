#include "emit.h"

#include <algorithm>

#include "lutsim/model/error.h"

namespace lutsim::fw {

isa::Instruction sync(isa::Queue q) {
  return isa::Instruction{{}, isa::Sync{static_cast<std::int64_t>(q)}};
}

void Emitter::append(std::vector<isa::Instruction>& v) {
  code_.insert(code_.end(), v.begin(), v.end());
  std::vector<isa::Instruction>().swap(v);  // free the step's copy now: programs can have millions of instructions
}

// Makes room for a layer's instructions, growing geometrically.
void reserve_for(std::vector<isa::Instruction>& code, const std::vector<Step>& steps) {
  std::size_t n = code.size();
  for (const Step& s : steps) n += s.loads.size() + s.compute.size() + s.stores.size() + 3;
  if (n > code.capacity()) code.reserve(std::max(n, 2 * code.capacity()));
}

void Emitter::compute_layer(std::vector<Step> steps, int depth, bool last) {
  const int n = static_cast<int>(steps.size());
  if (n == 0) return;
  std::vector<int> store_index(static_cast<std::size_t>(n), -1);
  int n_stores = 0;
  for (int i = 0; i < n; ++i)
    if (!steps[static_cast<std::size_t>(i)].stores.empty()) store_index[static_cast<std::size_t>(i)] = n_stores++;
  if (n_stores == 0) throw Error("internal compiler error: a layer without stores");
  reserve_for(code_, steps);

  for (int i = 0; i < n; ++i) {
    Step& s = steps[static_cast<std::size_t>(i)];
    const bool has_load = !s.loads.empty();
    const int k = store_index[static_cast<std::size_t>(i)];
    if (i == 0 && barrier_ && !has_load) s.loads.push_back(sync(isa::Queue::Load));
    if (!s.loads.empty()) {
      if (i >= depth || (i == 0 && barrier_)) s.loads.front().deps.pop_next = true;
      if (has_load) s.loads.back().deps.push_next = true;
    }
    if (i == 0) barrier_ = false;

    const bool next_loads = i + depth < n && !steps[static_cast<std::size_t>(i + depth)].loads.empty();
    const bool pop_s2c = k >= depth;
    if (s.compute.empty() && (has_load || k >= 0 || next_loads)) {
      s.compute.push_back(sync(isa::Queue::Compute));
      s.first_out_writer = -1;
    }
    if (!s.compute.empty()) {
      if (has_load) s.compute.front().deps.pop_prev = true;
      if (pop_s2c) s.compute[static_cast<std::size_t>(s.first_out_writer >= 0 ? s.first_out_writer : 0)].deps.pop_next = true;
      if (next_loads) s.compute.back().deps.push_prev = true;
      if (k >= 0) s.compute.back().deps.push_next = true;
    }
    if (k >= 0) {
      s.stores.front().deps.pop_prev = true;
      if (k + depth < n_stores || (k == n_stores - 1 && !last)) s.stores.back().deps.push_prev = true;
    }
    append(s.loads);
    append(s.compute);
    append(s.stores);
  }
  if (!last) {
    isa::Instruction b = sync(isa::Queue::Compute);
    b.deps.pop_next = true;
    b.deps.push_prev = true;
    code_.push_back(b);
    barrier_ = true;
  }
}

void Emitter::copy_layer(std::vector<Step> steps, int depth, bool last) {
  const int n = static_cast<int>(steps.size());
  if (n == 0) return;
  // B(i): pops the s2c of store i, then frees the slot for the load of step i + depth (or ends the layer).
  auto after_store = [&](int i) {
    isa::Instruction b = sync(isa::Queue::Compute);
    b.deps.pop_next = true;
    b.deps.push_prev = i + depth < n || (i == n - 1 && !last);
    code_.push_back(b);
  };
  reserve_for(code_, steps);
  for (int i = 0; i < n; ++i) {
    Step& s = steps[static_cast<std::size_t>(i)];
    if (s.loads.empty() || s.stores.empty() || !s.compute.empty())
      throw Error("internal compiler error: a copy step needs loads and stores and no compute");
    if (i >= depth) after_store(i - depth);
    if (i >= depth || (i == 0 && barrier_)) s.loads.front().deps.pop_next = true;
    s.loads.back().deps.push_next = true;
    isa::Instruction a = sync(isa::Queue::Compute);
    a.deps.pop_prev = true;
    a.deps.push_next = true;
    s.compute.push_back(a);
    s.stores.front().deps.pop_prev = true;
    s.stores.back().deps.push_prev = true;
    append(s.loads);
    append(s.compute);
    append(s.stores);
  }
  for (int i = n - depth < 0 ? 0 : n - depth; i < n; ++i) after_store(i);
  barrier_ = !last;
}

}  // namespace lutsim::fw
