// The DRAM side of the RTL's DRAM interface, for Verilator harnesses: the memory bytes and the shared DRAM timing
// model (lutsim::sim::DramModel, the same class the SystemC model uses), driven cycle by cycle.
//
// Each cycle the harness (1) presents response() on the rsp_* inputs, (2) evaluates the model, (3) calls offer()
// with the request outputs and drives req_ready with its result, (4) clocks, (5) calls retire() when it presented a
// response. A read takes its bytes and a write stores them when the request is accepted; the response (read data
// or write acknowledgement) is due in the burst's last data cycle (DramBurst::last_data), so the requester sees it
// complete at done() = last_data + 1, as in the SystemC model. Responses due in one cycle are delivered one per
// cycle, in issue order.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "lutsim/model/error.h"
#include "lutsim/sim/dram_model.h"

namespace lutsim::rtl {

struct DramResponse {
  std::int64_t due = 0;  // cycle from which it may be delivered
  bool write = false;
  std::vector<std::uint8_t> data;  // read data (len bytes); empty for a write
};

class DramPort {
 public:
  DramPort(const sim::DramParams& p, std::vector<std::uint8_t>* mem) : model_(p), mem_(mem) {}

  sim::DramModel& model() { return model_; }
  const std::vector<std::uint8_t>& mem() const { return *mem_; }

  // Offers a request in `cycle`; returns true when the DRAM accepts it (req_ready). `wdata` holds `len` bytes.
  bool offer(std::int64_t cycle, bool valid, bool write, std::uint64_t addr, std::int64_t len,
             const std::uint8_t* wdata) {
    if (!valid || !model_.can_issue(cycle)) return false;
    if (len < 1 || addr + static_cast<std::uint64_t>(len) > mem_->size())
      throw Error("DRAM: a " + std::string(write ? "write" : "read") + " burst of " + std::to_string(len) +
                  " bytes at address " + std::to_string(addr) + " (cycle " + std::to_string(cycle) +
                  ") is outside the DRAM of " + std::to_string(mem_->size()) + " bytes");
    model_.issue(cycle, len, write);
    DramResponse r;
    r.due = model_.last_burst().last_data;
    r.write = write;
    if (write) {
      std::memcpy(mem_->data() + addr, wdata, static_cast<std::size_t>(len));
    } else {
      r.data.assign(mem_->begin() + static_cast<std::ptrdiff_t>(addr),
                    mem_->begin() + static_cast<std::ptrdiff_t>(addr + static_cast<std::uint64_t>(len)));
    }
    pending_.push_back(std::move(r));
    return true;
  }

  // The response to present in `cycle`, or nullptr.
  const DramResponse* response(std::int64_t cycle) const {
    return !pending_.empty() && pending_.front().due <= cycle ? &pending_.front() : nullptr;
  }
  // After the clock edge of a cycle in which response() was presented.
  void retire() { pending_.pop_front(); }
  std::size_t in_flight() const { return pending_.size(); }
  void reset() {
    model_.reset();
    pending_.clear();
  }

 private:
  sim::DramModel model_;
  std::vector<std::uint8_t>* mem_;
  std::deque<DramResponse> pending_;
};

}  // namespace lutsim::rtl
