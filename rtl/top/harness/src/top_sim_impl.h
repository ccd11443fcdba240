// The cycle loop of the harness, a template over the Verilated model class of one configuration (every
// configuration of lutsim_top has the same ports).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "lutsim/firmware/isa.h"
#include "lutsim/model/error.h"
#include "lutsim/rtl/dram_port.h"
#include "lutsim/rtl/top_sim.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace lutsim::rtl {

// Words of a Verilated wide signal.
template <class W>
inline std::uint8_t wide_byte(const W& w, std::size_t i) {
  return static_cast<std::uint8_t>(w[i / 4] >> (8 * (i % 4)));
}

template <class Model>
class TopSimImpl final : public TopSim {
 public:
  TopSimImpl(const HwConfig& built, int burst_bytes) : hw_(built), z_(burst_bytes) {}
  const HwConfig& hw() const override { return hw_; }

  TopRunResult run(const Program& p, std::vector<std::uint8_t>& dram, const TopRunOptions& opt) override;

 private:
  HwConfig hw_;
  int z_;
};

inline std::string queue_state_name(unsigned s) {
  switch (s) {
    case 0: return "idle";
    case 1: return "running";
    case 2: return "waiting to push tokens";
    default: return "?";
  }
}

template <class Model>
TopRunResult TopSimImpl<Model>::run(const Program& p, std::vector<std::uint8_t>& dram, const TopRunOptions& opt) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->fatalOnError(false);  // an assertion becomes an error below, not an abort of the process
  const bool tracing = !opt.wave_path.empty();
  if (tracing) ctx->traceEverOn(true);
  auto dut = std::make_unique<Model>(ctx.get());
  std::unique_ptr<VerilatedFstC> fst;
  if (tracing) {
    fst = std::make_unique<VerilatedFstC>();
    dut->trace(fst.get(), 99);
    fst->open(opt.wave_path.c_str());
  }

  DramPort port(sim::DramParams::from(p.hw), &dram);
  TopRunResult res;
  const std::size_t n = p.code.size();
  res.dispatch.assign(n, -1);
  res.complete.assign(n, -1);
  if (opt.record_writes) {
    res.write_cycle.assign(dram.size(), -1);
    res.write_pc.assign(dram.size(), -1);
  }
  std::vector<isa::Word> words(n);
  for (std::size_t i = 0; i < n; ++i) words[i] = isa::encode(p.code[i]);

  std::int64_t cycle = 0;
  auto dump = [&](std::int64_t t) {
    if (tracing && t >= 2 * opt.wave_from && (opt.wave_to < 0 || t <= 2 * opt.wave_to + 1))
      fst->dump(static_cast<std::uint64_t>(t));
  };
  auto check_fatal = [&]() {
    if (ctx->gotError() || ctx->gotFinish())
      throw Error("RTL: an assertion failed at cycle " + std::to_string(cycle) + " (see the message above)");
  };

  // Reset, then the start pulse.
  dut->clk_i = 0;
  dut->rst_ni = 0;
  dut->start_i = 0;
  dut->n_insns_i = static_cast<std::uint32_t>(n);
  dut->eval();
  dut->rst_ni = 1;
  dut->start_i = 1;
  dut->eval();
  dut->clk_i = 1;
  dut->eval();
  dut->clk_i = 0;
  dut->start_i = 0;
  dut->eval();

  std::int64_t last_progress = 0;
  std::deque<std::uint32_t> recent;  // last completed pcs
  std::vector<std::uint8_t> wdata(static_cast<std::size_t>(z_));
  for (;;) {
    // Inputs of this cycle: the DRAM response due now.
    const DramResponse* rsp = port.response(cycle);
    dut->dram_rsp_valid_i = rsp != nullptr;
    dut->dram_rsp_we_i = rsp && rsp->write;
    if (rsp && !rsp->write) {
      for (int k = 0; k < z_ / 4; ++k) {
        std::uint32_t v = 0;
        for (int b = 0; b < 4; ++b) {
          const std::size_t i = static_cast<std::size_t>(4 * k + b);
          if (i < rsp->data.size()) v |= std::uint32_t{rsp->data[i]} << (8 * b);
        }
        dut->dram_rsp_rdata_i[k] = v;
      }
    }
    dut->dram_req_ready_i = 0;
    dut->eval();
    check_fatal();
    if (dut->done_o) break;
    if (dut->err_o)
      throw Error("RTL: the decoder rejected the instruction at pc " + std::to_string(dut->err_pc_o));

    bool progress = rsp != nullptr;
    if (dut->dbg_dispatch_o) {
      const std::uint32_t pc = dut->dbg_dispatch_pc_o;
      if (pc < n) res.dispatch[pc] = cycle;
      progress = true;
    }
    for (int q = 0; q < 3; ++q)
      if ((dut->dbg_complete_o >> q) & 1) {
        const std::uint32_t pc = dut->dbg_pc_o[q];
        if (pc < n) res.complete[pc] = cycle;
        recent.push_back(pc);
        if (recent.size() > 6) recent.pop_front();
        progress = true;
      }

    // The DRAM's answer to this cycle's request.
    if (dut->dram_req_valid_o) {
      const bool we = dut->dram_req_we_o;
      const std::uint32_t addr = dut->dram_req_addr_o;
      const std::int64_t len = dut->dram_req_len_o;
      if (we)
        for (std::size_t i = 0; i < wdata.size(); ++i) wdata[i] = wide_byte(dut->dram_req_wdata_o, i);
      if (port.offer(cycle, true, we, addr, len, wdata.data())) {
        dut->dram_req_ready_i = 1;
        progress = true;
        if (we) {
          res.dram_write_bytes += len;
          if (opt.record_writes) {
            const std::int32_t pc = static_cast<std::int32_t>(dut->dbg_pc_o[2]);
            for (std::int64_t i = 0; i < len; ++i) {
              res.write_cycle[addr + static_cast<std::size_t>(i)] = cycle;
              res.write_pc[addr + static_cast<std::size_t>(i)] = pc;
            }
          }
        } else {
          res.dram_read_bytes += len;
        }
      }
    }
    const bool imem_req = dut->imem_req_o;
    const std::uint32_t imem_addr = dut->imem_addr_o;

    dump(2 * cycle);
    dut->clk_i = 1;
    dut->eval();
    dump(2 * cycle + 1);
    dut->clk_i = 0;
    if (rsp) port.retire();
    if (imem_req) {  // one cycle of read latency; the data is held until the next request
      const isa::Word& w = words.at(imem_addr);
      for (int k = 0; k < 8; ++k) dut->imem_rdata_i[k] = static_cast<std::uint32_t>(w[k / 2] >> (32 * (k % 2)));
    }
    ++cycle;
    if (progress) last_progress = cycle;
    if (cycle - last_progress > opt.watchdog_cycles || (opt.max_cycles > 0 && cycle > opt.max_cycles)) {
      std::ostringstream m;
      const bool hung = cycle - last_progress > opt.watchdog_cycles;
      m << "RTL: "
        << (hung ? "no progress for " + std::to_string(opt.watchdog_cycles) + " cycles"
                 : "more than " + std::to_string(opt.max_cycles) + " cycles")
        << " at cycle " << cycle << " (program '" << p.network << "', " << n << " instructions)";
      static const char* kQueue[3] = {"load", "compute", "store"};
      for (int q = 0; q < 3; ++q) {
        const unsigned st = (dut->dbg_qstate_o >> (2 * q)) & 3;
        const unsigned cnt = static_cast<unsigned>((dut->dbg_qcount_o >> (16 * q)) & 0xffff);
        m << "; " << kQueue[q] << " queue: " << queue_state_name(st);
        if (st != 0) m << " pc " << dut->dbg_pc_o[q];
        m << ", " << cnt << " waiting";
      }
      m << "; tokens l2c=" << (dut->dbg_tokens_o & 0xff) << " c2l=" << ((dut->dbg_tokens_o >> 8) & 0xff)
        << " c2s=" << ((dut->dbg_tokens_o >> 16) & 0xff) << " s2c=" << ((dut->dbg_tokens_o >> 24) & 0xff);
      m << "; units busy (wcfg gemm vec ppu)=" << ((dut->dbg_unit_busy_o >> 0) & 1) << ((dut->dbg_unit_busy_o >> 1) & 1)
        << ((dut->dbg_unit_busy_o >> 2) & 1) << ((dut->dbg_unit_busy_o >> 3) & 1)
        << "; DMA read/write state=" << (dut->dbg_dma_state_o & 0xf) << "/" << (dut->dbg_dma_state_o >> 4)
        << "; DRAM bursts in flight=" << port.in_flight();
      m << "; last completed:";
      for (std::uint32_t pc : recent) m << " [pc " << pc << "] " << isa::to_string(p.code[pc]) << ";";
      if (fst) fst->close();
      throw Error(m.str());
    }
  }
  res.cycles = cycle;
  dut->final();
  if (fst) fst->close();
  return res;
}

}  // namespace lutsim::rtl
