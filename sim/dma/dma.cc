#include "dma.h"

#include <algorithm>
#include <cmath>

#include "../sram/sram.h"
#include "lutsim/model/error.h"

namespace lutsim::sim {

DmaChannel::DmaChannel(const sc_core::sc_module_name& name, RunContext& ctx, Controller& ctrl, bool write)
    : sc_module(name), socket("socket"), ctx_(ctx), ctrl_(ctrl), write_(write),
      unit_(write ? Unit::DmaWrite : Unit::DmaRead) {
  SC_THREAD(thread);
}

std::int64_t DmaChannel::transfer(std::uint64_t addr, std::uint64_t n, const std::uint8_t* sram, std::uint32_t pc,
                                  Counters& k) {
  const int z = ctx_.hw.dram_burst_bytes;
  if (buf_.size() < static_cast<std::size_t>(z)) buf_.resize(static_cast<std::size_t>(z));
  bursts_.clear();
  DramModel::split(addr, n, z, &bursts_);
  tlm::tlm_generic_payload t;
  t.set_command(write_ ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  t.set_data_ptr(buf_.data());
  t.set_streaming_width(static_cast<unsigned>(z));
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  for (const std::int64_t len : bursts_) {
    if (sram) {
      std::copy(sram, sram + len, buf_.begin());
      sram += len;
    }
    t.set_address(addr);
    t.set_data_length(static_cast<unsigned>(len));
    t.set_streaming_width(static_cast<unsigned>(len));
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    if (t.is_response_error())
      throw Error(ctx_.where(pc) + ": DRAM " + (write_ ? "write" : "read") + " of " + std::to_string(len) +
                  " bytes at " + std::to_string(addr) + " failed: " + t.get_response_string());
    last_done_ = std::max(last_done_, now_cycles() + static_cast<std::int64_t>(delay.value() / cycle_time().value()));
    addr += static_cast<std::uint64_t>(len);
    if (write_) {
      k.dram_write_bytes += len;
      ++k.dram_write_bursts;
    } else {
      k.dram_read_bytes += len;
      ++k.dram_read_bursts;
    }
  }
  return last_done_;
}

void DmaChannel::thread() {
  const int queue = static_cast<int>(write_ ? isa::Queue::Store : isa::Queue::Load);
  auto unit = [this](std::uint32_t) { return unit_; };
  auto ready = [](std::uint32_t) { return std::int64_t{0}; };
  // A channel waiting for a token from the compute queue while it works waits on compute.
  auto reason = [this](int) { return ctx_.compute_busy_until > now_cycles() ? Stall::Compute : Stall::Token; };
  for (;;) {
    const std::uint32_t pc = ctrl_.take(queue, unit, ready, reason);
    const isa::Instruction& in = ctx_.prog->code[pc];
    const std::int64_t start = now_cycles();
    Counters& k = ctx_.counters_of(pc);
    ++k.insns[static_cast<std::size_t>(in.opcode())];
    if (in.opcode() == isa::Opcode::Sync) {
      ctx_.record(unit_, start, start + 1, kBusy, static_cast<std::int32_t>(pc));
      ctrl_.complete(pc, start + 1);
      wait(cycle_time());
      continue;
    }
    try {
      const IsaStats before = ctx_.machine->stats();
      ctx_.machine->execute(in, pc);
      // A copy: other units execute instructions during the waits below.
      const IsaStats after = ctx_.machine->stats();
      const std::int64_t D = dma_port_bytes(ctx_.hw);
      (write_ ? ctx_.store_busy : ctx_.load_busy) = true;
      std::int64_t sram_bytes = 0, dram_bytes = 0;
      last_done_ = 0;
      wait(cycles(2));  // setup
      if (!write_) {
        const auto& l = std::get<isa::Load>(in.body);
        SramCounters& s = l.buf == 0 ? k.act : l.buf == 1 ? k.wgt : k.param;
        sram_bytes = l.buf == 0 ? after.act_write - before.act_write
                     : l.buf == 1 ? after.wgt_write - before.wgt_write
                                  : after.param_write - before.param_write;
        s.write_bytes += sram_bytes;
        s.writes += port_accesses(sram_bytes, D);
        dram_bytes = l.x_size * l.y_size * l.z_size;
        if (dram_bytes > 0) {
          if (l.y_stride == l.x_size && (l.z_size == 1 || l.z_stride == l.x_size * l.y_size)) {
            transfer(static_cast<std::uint64_t>(l.dram_addr), static_cast<std::uint64_t>(dram_bytes), nullptr, pc, k);
          } else if (l.y_stride == l.x_size) {
            for (std::int64_t zz = 0; zz < l.z_size; ++zz)
              transfer(static_cast<std::uint64_t>(l.dram_addr + zz * l.z_stride),
                       static_cast<std::uint64_t>(l.x_size * l.y_size), nullptr, pc, k);
          } else {
            for (std::int64_t zz = 0; zz < l.z_size; ++zz)
              for (std::int64_t y = 0; y < l.y_size; ++y)
                transfer(static_cast<std::uint64_t>(l.dram_addr + zz * l.z_stride + y * l.y_stride),
                         static_cast<std::uint64_t>(l.x_size), nullptr, pc, k);
          }
        }
      } else {
        const auto& st = std::get<isa::Store>(in.body);
        sram_bytes = after.act_read - before.act_read;
        k.act.read_bytes += sram_bytes;
        k.act.reads += port_accesses(sram_bytes, D);
        dram_bytes = sram_bytes;
        const std::uint8_t* src = ctx_.machine->act().data() + st.sram_addr;
        if (st.y_stride == st.x_size && (st.z_size == 1 || st.z_stride == st.x_size * st.y_size)) {
          transfer(static_cast<std::uint64_t>(st.dram_addr), static_cast<std::uint64_t>(dram_bytes), src, pc, k);
        } else if (st.y_stride == st.x_size) {
          for (std::int64_t zz = 0; zz < st.z_size; ++zz, src += st.x_size * st.y_size)
            transfer(static_cast<std::uint64_t>(st.dram_addr + zz * st.z_stride),
                     static_cast<std::uint64_t>(st.x_size * st.y_size), src, pc, k);
        } else {
          for (std::int64_t zz = 0; zz < st.z_size; ++zz)
            for (std::int64_t y = 0; y < st.y_size; ++y, src += st.x_size)
              transfer(static_cast<std::uint64_t>(st.dram_addr + zz * st.z_stride + y * st.y_stride),
                       static_cast<std::uint64_t>(st.x_size), src, pc, k);
        }
      }
      // The SRAM side moves D bytes per cycle (pad bytes too, without DRAM traffic).
      const std::int64_t done = std::max(last_done_, start + 2 + port_accesses(sram_bytes, D));
      if (done > now_cycles()) wait(cycles(done - now_cycles()));
      const auto bus = static_cast<std::int64_t>(std::ceil(static_cast<double>(dram_bytes) / ctx_.hw.dram_bytes_per_cycle));
      const std::int64_t busy = std::min(done - start, 2 + bus + port_accesses(sram_bytes - dram_bytes, D));
      ctx_.record(unit_, start, start + busy, kBusy, static_cast<std::int32_t>(pc));
      if (start + busy < done) ctx_.record(unit_, start + busy, done, stall_kind(Stall::Dram), static_cast<std::int32_t>(pc));
      (write_ ? ctx_.store_busy : ctx_.load_busy) = false;
      ctrl_.complete(pc, done);
    } catch (const Error& e) {
      ctx_.fail(ctx_.with_layer(pc, e.what()));
      ctrl_.done.notify(sc_core::SC_ZERO_TIME);
      wait(ctx_.never);
    }
  }
}

}  // namespace lutsim::sim
