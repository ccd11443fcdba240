#include "model.h"

#include <cstdlib>

#include "../pe_array/pe_array.h"
#include "../ppu/ppu.h"
#include "../sram/sram.h"
#include "../vector/vector_unit.h"
#include "lutsim/model/error.h"

namespace lutsim::sim {

Model::Model(const sc_core::sc_module_name& name)
    : sc_module(name), ctrl("controller", ctx), dram("dram"), dma_read("dma_read", ctx, ctrl, false),
      dma_write("dma_write", ctx, ctrl, true) {
  dma_read.socket.bind(dram.read_socket);
  dma_write.socket.bind(dram.write_socket);
  SC_THREAD(compute_thread);
}

Model& model() {
  // SystemC prints a banner to stdout on first use; lutsim's stdout carries results.
  static Model* m = [] {
    setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return new Model("lutsim");
  }();
  return *m;
}

namespace {

Unit compute_unit(const isa::Instruction& in) {
  switch (in.opcode()) {
    case isa::Opcode::Vec: return Unit::Vector;
    case isa::Opcode::Ppu: return Unit::Ppu;
    default: return Unit::PeArray;  // WCFG, GEMM, and a compute SYNC waits in front of the array
  }
}

}  // namespace

void Model::compute_thread() {
  // The lambdas capture only `this`, so std::function holds them in place: this thread never returns, and its
  // stack is never unwound.
  auto unit = [this](std::uint32_t pc) { return compute_unit(ctx.prog->code[pc]); };
  // The RTL's compute units accept an instruction only when idle, and WCFG must not change the LUTs under a running
  // GEMM: a compute instruction starts when the previous one has completed (docs/architecture.md section 11).
  auto ready = [this](std::uint32_t) { return prev_done_; };
  // Waiting for l2c while a LOAD is moving data, or for s2c while a STORE is, is waiting on DRAM.
  auto reason = [this](int t) {
    if (t == kL2C && ctx.load_busy) return Stall::Dram;
    if (t == kS2C && ctx.store_busy) return Stall::Dram;
    return Stall::Token;
  };
  for (;;) {
    const std::uint32_t pc = ctrl.take(static_cast<int>(isa::Queue::Compute), unit, ready, reason);
    const isa::Instruction& in = ctx.prog->code[pc];
    const std::int64_t s = now_cycles();
    const HwConfig& hw = ctx.hw;
    const std::int64_t R = hw.rows;
    Counters& k = ctx.counters_of(pc);
    std::int64_t issue = 1, total = 1;
    try {
      // The functional counters come from the machine; the units add the port accesses.
      ctx.execute(pc);
      const auto i32 = static_cast<std::int32_t>(pc);
      switch (in.opcode()) {
        case isa::Opcode::Sync: break;
        case isa::Opcode::Wcfg: {
          const auto& w = std::get<isa::Wcfg>(in.body);
          issue = total = wcfg_cycles(w, hw);
          k.param.reads += wcfg_param_reads(w, hw);
          ctx.record(Unit::PeArray, s, s + total, kBusy, i32, 0);
          break;
        }
        case isa::Opcode::Gemm: {
          const auto& g = std::get<isa::Gemm>(in.body);
          const GemmTiming t = gemm_timing(g, hw);
          issue = t.issue();
          total = t.total();
          k.act.reads += t.pixels * t.nblocks;
          k.wgt.reads += t.nblocks * R;
          k.acc.reads += t.pixels * (t.nblocks - (g.accumulate ? 0 : 1));
          k.acc.writes += t.pixels * t.nblocks;
          ctx.record(Unit::PeArray, s, s + t.weight_load, kBusy, i32, 0);
          ctx.record(Unit::PeArray, s + t.weight_load, s + issue, kBusy, i32, 1);
          ctx.record(Unit::PeArray, s + issue, s + total, kBusy, i32, 2);
          break;
        }
        case isa::Opcode::Vec: {
          const auto& v = std::get<isa::Vec>(in.body);
          const VecTiming t = vec_timing(v);
          issue = t.issue;
          total = t.total;
          const bool add = static_cast<isa::VecOp>(v.op) == isa::VecOp::Add;
          k.act.reads += t.pixels * t.taps * (add ? 2 : 1);
          k.acc.reads += v.accumulate ? t.pixels : 0;
          k.acc.writes += t.pixels;
          ctx.record(Unit::Vector, s, s + total, kBusy, i32);
          break;
        }
        case isa::Opcode::Ppu: {
          const auto& p = std::get<isa::Ppu>(in.body);
          const PpuTiming t = ppu_timing(p, hw);
          issue = t.issue;
          total = t.total;
          k.param.reads += t.bias_reads + t.shift_reads;
          k.acc.reads += p.n_pix;
          k.act.writes += p.n_pix * t.per_entry;
          ctx.record(Unit::Ppu, s, s + total, kBusy, i32);
          break;
        }
        default: break;
      }
    } catch (const Error& e) {
      ctx.fail(ctx.with_layer(pc, e.what()));
      ctrl.done.notify(sc_core::SC_ZERO_TIME);
      wait(ctx.never);
    }
    prev_done_ = std::max(prev_done_, s + total);
    ctx.compute_busy_until = prev_done_;
    ctrl.complete(pc, s + total);
    wait(cycles(issue));
  }
}

}  // namespace lutsim::sim

// libsystemc.so refers to sc_main (its own main() calls it). Programs with their own main(), like lutsim, never
// call it; tests define their own, which takes precedence over this weak one.
extern "C" __attribute__((weak)) int sc_main(int, char*[]) { return 1; }
