// Steps and the dependency-token rules of the compiler (docs/architecture.md section 10).
//
// A layer is a list of steps. A step is a group of LOADs (the load queue), a group of compute instructions and a
// group of STOREs. Buffers alternate between `depth` slots (2: double buffering, 1: single), and a resource loaded
// at step i goes into the slot not used by the previous load of that resource, so it was last read by step
// i - depth or earlier. The rules, for a layer of n steps:
//  - loads of step i pop c2l when i >= depth (pushed by the compute of step i - depth) and push l2c (last load);
//  - compute of step i pops l2c when step i has loads; the compute of the k-th storing step pops s2c when
//    k >= depth (pushed by the store of storing step k - depth); the last compute instruction pushes c2l when
//    step i + depth has loads and c2s when step i stores;
//  - stores of storing step k pop c2s and push s2c when storing step k + depth exists.
// Copy steps (the store reads what the load wrote, no compute) use a compute SYNC after each store instead.
// Between layers: the last STORE pushes s2c, a compute SYNC pops it and pushes c2l, and the next layer's first
// LOAD pops c2l, so a layer starts once every DRAM write before it has completed.
// Every pop is preceded in program order by its push (the ISA's program-order rule).
#pragma once

#include <vector>

#include "lutsim/firmware/isa.h"

namespace lutsim::fw {

struct Step {
  std::vector<isa::Instruction> loads;
  std::vector<isa::Instruction> compute;  // the first instruction writing an output slot is `first_out_writer`
  std::vector<isa::Instruction> stores;
  int first_out_writer = -1;              // index into compute of the first PPU writing the output slot, or -1
};

class Emitter {
 public:
  // Appends a layer of compute steps (at least one compute instruction per step is not required: a SYNC is added
  // where a token needs a carrier). `last` says no layer with instructions follows, so no boundary tokens are left.
  void compute_layer(std::vector<Step> steps, int depth, bool last);
  // Appends a layer of copy steps: each step has loads and stores only, the stores reading the loaded slot.
  void copy_layer(std::vector<Step> steps, int depth, bool last);

  std::vector<isa::Instruction>& code() { return code_; }

 private:
  void append(std::vector<isa::Instruction>& v);
  std::vector<isa::Instruction> code_;
  bool barrier_ = false;  // the next LOAD must pop the c2l token of a layer boundary
};

isa::Instruction sync(isa::Queue q);

}  // namespace lutsim::fw
