#include "dram_target.h"

#include <cstring>

#include "../common/context.h"

namespace lutsim::sim {

DramTarget::DramTarget(const sc_core::sc_module_name& name)
    : sc_module(name), read_socket("read_socket"), write_socket("write_socket") {
  read_socket.register_b_transport(this, &DramTarget::b_transport);
  write_socket.register_b_transport(this, &DramTarget::b_transport);
}

void DramTarget::configure(const DramParams& p, std::span<std::uint8_t> memory) {
  // Keeps the model (and its record of bursts in flight) when only the memory changes: simulated time goes on.
  if (!model_ || model_->params().bytes_per_cycle != p.bytes_per_cycle || model_->params().latency != p.latency ||
      model_->params().max_outstanding != p.max_outstanding || model_->params().burst_bytes != p.burst_bytes)
    model_ = std::make_unique<DramModel>(p);
  mem_ = memory;
}

void DramTarget::b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
  const std::uint64_t addr = t.get_address();
  const std::uint64_t len = t.get_data_length();
  if (addr > mem_.size() || len > mem_.size() - addr) {
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (len == 0 || len > static_cast<std::uint64_t>(model_->params().burst_bytes)) {
    t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  // Loosely timed: an initiator's local time offset is synchronised first. Both channels may wake in the same
  // cycle for the same issue slot: whoever comes second sees the slot taken and waits for the next one.
  if (delay > sc_core::SC_ZERO_TIME) {
    wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  const bool write = t.is_write();
  waiting_[write] = true;
  for (;;) {
    const std::int64_t at = model_->earliest_issue(now_cycles());
    if (at > now_cycles()) {
      wait(cycles(at - now_cycles()));
      continue;
    }
    // One delta cycle lets the other channel, woken in the same cycle, show that it wants this slot too.
    wait(sc_core::SC_ZERO_TIME);
    if (!model_->can_issue(now_cycles())) continue;
    if (waiting_[!write] && last_write_ == write) {  // the other channel's turn
      wait(cycles(1));
      continue;
    }
    break;
  }
  waiting_[write] = false;
  last_write_ = write;
  const std::int64_t at = now_cycles();
  const std::int64_t last = model_->issue(at, static_cast<std::int64_t>(len), write);
  if (write)
    std::memcpy(mem_.data() + addr, t.get_data_ptr(), len);
  else
    std::memcpy(t.get_data_ptr(), mem_.data() + addr, len);
  delay = cycles(last + 1 - at);
  t.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace lutsim::sim
