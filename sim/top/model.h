// The accelerator top (docs/architecture.md section 1): the controller, the DMA channels with the DRAM behind
// their TLM-2.0 sockets, and the compute queue's sequencer over the PE array, the vector unit and the PPU.
// One instance per process (SystemC elaborates once): model() builds it on first use.
#pragma once

#include <systemc>

#include <memory>

#include "../common/context.h"
#include "../controller/controller.h"
#include "../dma/dma.h"
#include "../dma/dram_target.h"

namespace lutsim::sim {

class Model : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Model);
  explicit Model(const sc_core::sc_module_name& name);

  RunContext ctx;
  Controller ctrl;
  DramTarget dram;
  DmaChannel dma_read;
  DmaChannel dma_write;
  bool initialized = false;  // the processes have run to their first wait
  bool broken = false;  // a run failed: the threads are parked for good
  sc_core::sc_trace_file* vcd = nullptr;  // the open VCD trace file, if a simulator asked for one

 private:
  // The compute queue: one instruction at a time in order; the next may start when the previous one has issued
  // its last pixel, or has written back its accumulators when the next one reads them (section 11).
  void compute_thread();
  std::int64_t prev_done_ = 0;  // the previous compute instruction's completion
};

// The process's model, built on first call.
Model& model();

}  // namespace lutsim::sim
