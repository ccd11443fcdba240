// The DRAM behind the DMA: a TLM-2.0 target with one socket per DMA channel, timed by DramModel
// (dram/include/lutsim/sim/dram_model.h). A different memory model can take its place: the DMA only needs
// b_transport to return once the burst is issued, with the delay to its completion annotated.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <span>

#include "lutsim/sim/dram_model.h"

namespace lutsim::sim {

class DramTarget : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DramTarget);
  explicit DramTarget(const sc_core::sc_module_name& name);

  tlm_utils::simple_target_socket<DramTarget> read_socket;
  tlm_utils::simple_target_socket<DramTarget> write_socket;

  // Sets the timing parameters and the memory (the program's DRAM image) for the next run.
  void configure(const DramParams& p, std::span<std::uint8_t> memory);
  const DramModel& model() const { return *model_; }

 private:
  // One burst (<= Z bytes): waits until the model accepts it (one issue per cycle, fewer than M in flight), issues
  // it, copies the data and annotates `delay` with the cycles from now to its completion. When both channels want
  // the same issue slot they take turns, as the RTL DMA's request arbiter does (rtl/top/lutsim_dma.sv): the
  // channel that did not issue the last burst goes first.
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);

  std::unique_ptr<DramModel> model_;
  std::span<std::uint8_t> mem_;
  bool waiting_[2] = {false, false};  // by channel (0 read, 1 write): a burst waits for an issue slot
  bool last_write_ = false;           // the last burst issued was a write
};

}  // namespace lutsim::sim
