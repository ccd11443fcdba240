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

  RunContext& ctx_;
  Controller& ctrl_;
  bool write_;
  Unit unit_;
  std::vector<std::uint8_t> buf_;
  std::vector<std::int64_t> bursts_;
  std::int64_t last_done_ = 0;
};

}  // namespace lutsim::sim
