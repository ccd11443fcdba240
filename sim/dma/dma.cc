#include "dma.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <utility>

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
    ++(write_ ? k.dram_write_bursts : k.dram_read_bursts);
  }
  return last_done_;
}

std::int64_t DmaChannel::load(const isa::Load& l, std::uint32_t pc, Counters& k) {
  const std::int64_t D = dma_port_bytes(ctx_.hw);
  const std::int64_t x = l.x_size, ys = l.y_size, zs = l.z_size;
  const std::int64_t plane = (ys + l.pad_left + l.pad_right) * x, row = ys * x;
  std::int64_t cursor = now_cycles();  // the first cycle in which the channel may issue its next chunk
  std::int64_t done = cursor;
  // Cycles in which read data is written to the SRAM, as [first, last] intervals in order.
  std::deque<std::pair<std::int64_t, std::int64_t>> writes;
  std::int64_t write_end = -1;
  if (plane == 0) return done;

  auto pad_run = [&](std::int64_t len) {
    for (std::int64_t left = len; left > 0; left -= D) {
      while (!writes.empty() && writes.front().second < cursor) writes.pop_front();
      for (const auto& [a, b] : writes)
        if (a <= cursor && cursor <= b) cursor = b + 1;
      done = std::max(done, cursor + 1);
      ++cursor;
    }
  };
  // A run of DRAM bytes [addr, addr + len), cut into bursts that do not cross a Z boundary; `seg` is the length of
  // an SRAM segment (a plane's data row for a whole-box run, else the run itself): a burst's bytes are written
  // one segment per cycle.
  const std::int64_t Z = ctx_.hw.dram_burst_bytes;
  auto data_run = [&](std::uint64_t addr, std::int64_t len, std::int64_t seg) {
    bursts_.clear();
    DramModel::split(addr, static_cast<std::uint64_t>(len), static_cast<int>(Z), &bursts_);
    std::int64_t off = 0;
    for (const std::int64_t n : bursts_) {
      if (cursor > now_cycles()) wait(cycles(cursor - now_cycles()));
      const std::int64_t burst_done = transfer(addr, static_cast<std::uint64_t>(n), nullptr, pc, k);
      cursor = now_cycles() + 1;
      // The response comes in the burst's last data cycle; its bytes go to the SRAM one segment per cycle.
      const std::int64_t segs = (off + n - 1) / seg - off / seg + 1;
      const std::int64_t first = std::max(burst_done - 1, write_end + 1);
      write_end = first + segs - 1;
      writes.emplace_back(first, write_end);
      done = std::max(done, write_end + 1);
      addr += static_cast<std::uint64_t>(n);
      off += n;
    }
  };

  if (l.pad_top > 0) pad_run(l.pad_top * plane);
  const bool merge_plane = l.y_stride == x;
  const bool merge_box = merge_plane && ys > 0 && (zs == 1 || l.z_stride == row);
  if (zs > 0 && merge_box) data_run(static_cast<std::uint64_t>(l.dram_addr), zs * row, row);
  for (std::int64_t z = 0; z < zs; ++z) {
    if (l.pad_left > 0) pad_run(l.pad_left * x);
    if (ys > 0 && !merge_box) {
      const std::uint64_t base = static_cast<std::uint64_t>(l.dram_addr + z * l.z_stride);
      if (merge_plane)
        data_run(base, row, row);
      else
        for (std::int64_t y = 0; y < ys; ++y) data_run(base + static_cast<std::uint64_t>(y * l.y_stride), x, x);
    }
    if (l.pad_right > 0) pad_run(l.pad_right * x);
  }
  if (l.pad_bottom > 0) pad_run(l.pad_bottom * plane);
  return done;
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
    if (in.opcode() == isa::Opcode::Sync) {
      ctx_.execute(pc);
      ctx_.record(unit_, start, start + 1, kBusy, static_cast<std::int32_t>(pc));
      ctrl_.complete(pc, start + 1);
      wait(cycle_time());
      continue;
    }
    try {
      // The functional counters come from the machine (a copy: other units execute instructions during the waits
      // below); the channel adds the port accesses and bursts.
      const Counters d = ctx_.execute(pc);
      const std::int64_t D = dma_port_bytes(ctx_.hw);
      (write_ ? ctx_.store_busy : ctx_.load_busy) = true;
      std::int64_t sram_bytes = 0, dram_bytes = 0;
      last_done_ = 0;
      // Setup: 2 cycles; a STORE reads its first burst's data from the act SRAM in a third (the RTL's timing,
      // tests/rtl/top/rtl_dma_test.cc), after which reads and bursts overlap.
      const std::int64_t setup = write_ ? 3 : 2;
      wait(cycles(setup));
      if (!write_) {
        const auto& l = std::get<isa::Load>(in.body);
        SramCounters& s = l.buf == 0 ? k.act : l.buf == 1 ? k.wgt : k.param;
        sram_bytes = (l.buf == 0 ? d.act : l.buf == 1 ? d.wgt : d.param).write_bytes;
        s.writes += port_accesses(sram_bytes, D);
        dram_bytes = l.x_size * l.y_size * l.z_size;
        last_done_ = load(l, pc, k);
      } else {
        const auto& st = std::get<isa::Store>(in.body);
        sram_bytes = d.act.read_bytes;
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
      // A STORE's SRAM side reads D bytes per cycle; a LOAD's pad bytes are timed by load().
      const std::int64_t done =
          write_ ? std::max(last_done_, start + setup + port_accesses(sram_bytes, D)) : std::max(last_done_, start + setup);
      if (done > now_cycles()) wait(cycles(done - now_cycles()));
      const auto bus = static_cast<std::int64_t>(std::ceil(static_cast<double>(dram_bytes) / ctx_.hw.dram_bytes_per_cycle));
      const std::int64_t busy = std::min(done - start, setup + bus + port_accesses(sram_bytes - dram_bytes, D));
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
