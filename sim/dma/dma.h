// A DMA channel (docs/architecture.md section 5): the read channel runs the load queue (LOAD), the write channel
// the store queue (STORE); both issue DRAM bursts through a TLM-2.0 initiator socket (DramTarget by default).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <vector>

#include "../common/context.h"
#include "../controller/controller.h"

namespace lutsim::sim {

class DmaChannel : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaChannel);
  // write = false: the read channel (load queue); true: the write channel (store queue).
  DmaChannel(const sc_core::sc_module_name& name, RunContext& ctx, Controller& ctrl, bool write);

  tlm_utils::simple_initiator_socket<DmaChannel> socket;

 private:
  void thread();
  // Sends the contiguous DRAM range [addr, addr + n) as Z-aligned bursts, one b_transport each; `sram` is the data
  // of a write (nullptr for reads). Returns the cycle at which the last burst completes.
  std::int64_t transfer(std::uint64_t addr, std::uint64_t n, const std::uint8_t* sram, std::uint32_t pc,
                        Counters& k);
  // Times a LOAD as the RTL read channel runs it (rtl/top/lutsim_dma.sv): its box is cut into runs in order (top
  // padding; per plane the left padding, the data, the right padding, or one run of the whole box when its DRAM
  // bytes are contiguous; bottom padding), and the runs into chunks issued one per cycle from the cycle after
  // setup: a DRAM burst when the DRAM takes it, a pad chunk of D bytes in a cycle in which no read data is written
  // to the SRAM. Read data is written from its response cycle, one SRAM segment (part of a plane's row) per cycle,
  // in issue order. Returns the cycle after the last SRAM write.
  std::int64_t load(const isa::Load& l, std::uint32_t pc, Counters& k);

  RunContext& ctx_;
  Controller& ctrl_;
  bool write_;
  Unit unit_;
  std::vector<std::uint8_t> buf_;
  std::vector<std::int64_t> bursts_;
  std::int64_t last_done_ = 0;
};

}  // namespace lutsim::sim
