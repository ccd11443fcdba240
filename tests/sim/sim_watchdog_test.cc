// The watchdog: a program that can never finish (a pop no instruction pushes for) stops with an error showing
// each queue's state and the last instructions issued, after the configured number of cycles without progress.
// A failed run leaves the process's model unusable; the next run says so. (gtest_discover_tests runs each test
// in its own process.)
#include <gtest/gtest.h>

#include "lutsim/sim/simulator.h"
#include "lutsim/model/error.h"

namespace lutsim::sim {
namespace {

Program deadlocked() {
  Program p;
  p.hw = load_hw_config("default");
  p.network = "deadlock";
  isa::Load l;
  l.x_size = 16;
  l.y_size = 1;
  l.z_size = 1;
  l.y_stride = 16;
  isa::Deps pop;
  pop.pop_prev = true;  // waits for l2c, which the LOAD (without push_next) never gives
  p.code = {isa::Instruction{{}, l}, isa::Instruction{pop, isa::Sync{1}}, isa::Instruction{{}, isa::Sync{2}}};
  p.dram_bytes = 4096;
  ValueRegion v;
  v.name = "x";
  v.c = 16;
  p.values = {v};
  p.layers = {LayerRange{"stuck", OpKind::Conv2D, 0, 3, 0}};
  return p;
}

TEST(SimWatchdog, StopsWithQueueStateAndLastInstructions) {
  Simulator s(deadlocked(), SimOptions{.watchdog_cycles = 5000});
  try {
    s.run(Tensor(DType::U8, {1, 1, 1, 16}));
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("watchdog: no instruction started or completed for 5000 cycles"), std::string::npos) << m;
    EXPECT_NE(m.find("compute queue: 1/16 entries, head pc 1 (layer 'stuck') waiting for token l2c"),
              std::string::npos) << m;
    EXPECT_NE(m.find("load queue: 0/16 entries"), std::string::npos) << m;
    EXPECT_NE(m.find("last instructions issued"), std::string::npos) << m;
    EXPECT_NE(m.find("pc 0 (layer 'stuck'): LOAD"), std::string::npos) << m;
    EXPECT_NE(m.find("pc 2 (layer 'stuck'): SYNC"), std::string::npos) << m;
    // Progress stopped when the LOAD completed (cycle 2 + 2 + L + 16 / B = 105); the watchdog fires 5000 later.
    EXPECT_NE(m.find("(cycle 5105 of the image)"), std::string::npos) << m;
  }
  try {
    s.run(Tensor(DType::U8, {1, 1, 1, 16}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stopped after an error earlier"), std::string::npos) << e.what();
  }
}

TEST(SimWatchdog, InstructionErrorsNameThePcAndLayer) {
  Program p = deadlocked();
  auto& l = std::get<isa::Load>(p.code[0].body);
  l.dram_addr = 4090;  // 16 bytes from 4090 run past the 4096-byte DRAM
  p.code[1].deps = {};
  try {
    Simulator s(p);
    s.run(Tensor(DType::U8, {1, 1, 1, 16}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("pc 0 (layer 'stuck'): ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("DRAM"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lutsim::sim
