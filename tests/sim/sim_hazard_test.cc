// The SystemC model refuses a program with a hazard (a missing dependency token) before it simulates, with the
// checker's message: the model computes an instruction's data when it starts, so it would run such a program
// bit-exact and hide the race that the RTL shows (firmware/hazards.h).
#include <gtest/gtest.h>

#include <string>

#include "lutsim/firmware/compiler.h"
#include "lutsim/firmware/hazards.h"
#include "lutsim/model/error.h"
#include "lutsim/model/format.h"
#include "lutsim/sim/simulator.h"

namespace lutsim::sim {
namespace {

TEST(SimHazards, AMissingTokenIsRefusedNamingBothInstructions) {
  const Program p = compile(load_network(std::string(LUTSIM_SOURCE_DIR) + "/traces/lenet5_per_layer/net.npz"),
                            load_hw_config("default"));
  ASSERT_TRUE(find_hazards(p).empty());
  // Take out the first token a LOAD pushes to the compute queue (its push and the matching pop).
  Program bad = p;
  std::size_t push = 0;
  while (push < bad.code.size() &&
         !(bad.code[push].opcode() == isa::Opcode::Load && bad.code[push].deps.push_next))
    ++push;
  ASSERT_LT(push, bad.code.size());
  std::size_t pop = push + 1;
  while (pop < bad.code.size() &&
         !(isa::queue_of(bad.code[pop]) == isa::Queue::Compute && bad.code[pop].deps.pop_prev))
    ++pop;
  ASSERT_LT(pop, bad.code.size());
  bad.code[push].deps.push_next = false;
  bad.code[pop].deps.pop_prev = false;
  const std::vector<Hazard> h = find_hazards(bad, 1);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].kind, HazardKind::ReadAfterWrite);
  EXPECT_EQ(h[0].other, static_cast<std::int32_t>(push));
  try {
    Simulator s(bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "program for '" + p.network + "': hazard: " + h[0].describe(bad));
  }
}

}  // namespace
}  // namespace lutsim::sim
