// The Verilator harness of the compute core (rtl/core): lutsim_core_tb (lutsim_wcfg + lutsim_gemm_ctrl) behind C++
// models of the act, wgt, param and accumulator SRAMs.
//
// Each cycle: the instruction input and the grants are set (random grant stalls and random insn_valid gaps when
// asked), the model is evaluated with the clock low, the requests are sampled (reads see the memory before this
// cycle's writes), writes are applied, the clock rises; read data of the reads granted in this cycle is driven for
// the next cycle only. In every other cycle the read data inputs carry random bytes when stalls are on, so a unit
// that used data outside its one valid cycle fails. A failed RTL assertion, an accumulator index outside the SRAM
// or an instruction that never completes throws lutsim::Error naming the cycle.
//
// Waveforms only when asked: HarnessOptions::fst, or the environment variable LUTSIM_RTL_FST (a file path).
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "core_reference.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/model/error.h"

namespace lutsim::rtlcore {

// Byte i of a Verilated port of any width (CData..QData, or VlWide for wider ports), and 32-bit word i.
template <class T>
  requires std::is_integral_v<T>
std::uint32_t port_word(const T& p, int i) {
  return i < static_cast<int>((sizeof(T) + 3) / 4) ? static_cast<std::uint32_t>(static_cast<std::uint64_t>(p) >> (32 * i))
                                                   : 0u;
}
template <std::size_t N>
std::uint32_t port_word(const VlWide<N>& p, int i) {
  return p.at(static_cast<std::size_t>(i));
}
template <class T>
std::uint8_t port_byte(const T& p, int i) {
  return static_cast<std::uint8_t>(port_word(p, i / 4) >> (8 * (i % 4)));
}
template <class T>
  requires std::is_integral_v<T>
void set_port_word(T& p, int i, std::uint32_t w) {
  if (i >= static_cast<int>((sizeof(T) + 3) / 4)) return;
  std::uint64_t v = static_cast<std::uint64_t>(p);
  v &= ~(std::uint64_t{0xffffffffu} << (32 * i));
  v |= std::uint64_t{w} << (32 * i);
  p = static_cast<T>(v);
}
template <std::size_t N>
void set_port_word(VlWide<N>& p, int i, std::uint32_t w) {
  p.at(static_cast<std::size_t>(i)) = w;
}
// Little-endian bytes into a port of `bytes` bytes.
template <class T>
void set_port_bytes(T& p, const std::uint8_t* b, int bytes) {
  for (int i = 0; i * 4 < bytes; ++i) {
    std::uint32_t w = 0;
    for (int k = 0; k < 4 && i * 4 + k < bytes; ++k) w |= std::uint32_t{b[i * 4 + k]} << (8 * k);
    set_port_word(p, i, w);
  }
}

struct HarnessOptions {
  double grant_prob = 1.0;  // probability that a port's request is granted in a cycle (per port)
  double gap_prob = 0.0;    // probability that insn_valid is held low in a cycle while an instruction waits
  std::uint64_t seed = 1;
  std::string fst;          // FST waveform file ("" = LUTSIM_RTL_FST or none)
};

// What happened in one cycle (sampled with the clock low, before the rising edge).
struct CycleEvents {
  bool accept = false, done = false, busy = false;
  bool act_rd = false, wgt_rd = false, par_rd = false, acc_rd = false, acc_wr = false;  // granted requests
  bool act_req = false, wgt_req = false, acc_wr_req = false;
};

// Cycle of acceptance and of the done pulse of one instruction; latency = done - accept.
struct InsnTiming {
  std::uint64_t accept = 0, done = 0;
  std::uint64_t latency() const { return done - accept; }
};

template <class M>
class CoreHarness {
 public:
  CoreHarness(VerilatedContext* ctx, const CoreConfig& cfg, const HarnessOptions& opt = {})
      : ctx_(ctx), cfg_(cfg), opt_(opt), m_(std::make_unique<M>(ctx)), rng_(opt.seed) {
    mem_ = Memories(cfg);
    ctx_->fatalOnError(false);
    std::string fst = opt_.fst;
    if (fst.empty())
      if (const char* e = std::getenv("LUTSIM_RTL_FST")) fst = e;
    if (!fst.empty()) {
      if constexpr (requires(M& m, VerilatedFstC* t) { m.trace(t, 99); }) {
        ctx_->traceEverOn(true);
        trace_ = std::make_unique<VerilatedFstC>();
        m_->trace(trace_.get(), 99);
        trace_->open(fst.c_str());
      } else {
        throw Error("rtl core harness: waveforms asked for (" + fst + "), but the model was Verilated without TRACE");
      }
    }
    stalls_ = opt_.grant_prob < 1.0;
    m_->clk_i = 0;
    m_->rst_ni = 1;
    m_->insn_valid_i = 0;
    eval();
    const CoreConfig got{static_cast<int>(m_->cfg_rows_o), static_cast<int>(m_->cfg_cols_o),
                         static_cast<int>(m_->cfg_acc_bits_o), static_cast<int>((m_->cfg_aw_o >> 24) & 255),
                         static_cast<int>((m_->cfg_aw_o >> 16) & 255), static_cast<int>((m_->cfg_aw_o >> 8) & 255),
                         static_cast<int>(m_->cfg_aw_o & 255)};
    if (!(got == cfg_))
      throw Error("rtl core harness: the Verilated model is " + got.name() + ", the test expects " + cfg_.name());
    reset();
  }
  ~CoreHarness() {
    if (trace_) trace_->close();
    m_->final();
  }
  CoreHarness(const CoreHarness&) = delete;
  CoreHarness& operator=(const CoreHarness&) = delete;

  const CoreConfig& config() const { return cfg_; }
  Memories& mem() { return mem_; }
  M& model() { return *m_; }
  std::uint64_t cycle() const { return cycle_; }
  const CycleEvents& last() const { return ev_; }
  std::uint64_t stall_cycles() const { return stall_cycles_; }

  // rst_ni low for two cycles.
  void reset() {
    m_->rst_ni = 0;
    offered_ = nullptr;
    for (int i = 0; i < 2; ++i) step();
    m_->rst_ni = 1;
  }

  // The instruction offered on insn_i from the next step on (nullptr: none); it stays offered until accepted.
  void offer(const isa::Word* w) {
    offered_ = w;
    if (w)
      for (int i = 0; i < 8; ++i) set_port_word(m_->insn_i, i, static_cast<std::uint32_t>((*w)[i / 2] >> (32 * (i % 2))));
  }
  bool offered() const { return offered_ != nullptr; }

  // One clock cycle.
  void step() {
    ev_ = CycleEvents{};
    m_->clk_i = 0;
    const bool gap = offered_ && opt_.gap_prob > 0 && coin(opt_.gap_prob);
    m_->insn_valid_i = offered_ && !gap && m_->rst_ni;
    m_->act_rd_gnt_i = grant();
    m_->wgt_rd_gnt_i = grant();
    m_->par_rd_gnt_i = grant();
    m_->acc_rd_gnt_i = grant();
    m_->acc_wr_gnt_i = grant();
    drive_read_data();
    eval();
    if (m_->rst_ni) sample();
    m_->clk_i = 1;
    eval();
    ++cycle_;
  }

  // Offers each instruction in turn and runs until the last one is done. Throws when an instruction takes more
  // than max_cycles from its offer to its done pulse.
  std::vector<InsnTiming> run(const std::vector<isa::Word>& prog, std::uint64_t max_cycles = 1000000) {
    std::vector<InsnTiming> t;
    for (std::size_t i = 0; i < prog.size(); ++i) {
      offer(&prog[i]);
      InsnTiming it;
      const std::uint64_t start = cycle_;
      bool acc = false;
      for (;;) {
        step();
        if (ev_.accept) {
          acc = true;
          it.accept = cycle_ - 1;
          offer(nullptr);
        }
        if (acc && ev_.done && cycle_ - 1 > it.accept) {
          it.done = cycle_ - 1;
          break;
        }
        if (cycle_ - start > max_cycles)
          throw Error("rtl core: instruction " + std::to_string(i) + " (" + isa::to_string(isa::decode(prog[i])) +
                      ") not done after " + std::to_string(max_cycles) + " cycles (cycle " + std::to_string(cycle_) +
                      ")");
      }
      t.push_back(it);
    }
    return t;
  }

 private:
  void eval() {
    m_->eval();
    if (trace_) trace_->dump(static_cast<std::uint64_t>(2 * cycle_ + m_->clk_i));
    if (ctx_->gotError()) throw Error("rtl core: RTL assertion failed at cycle " + std::to_string(cycle_));
  }
  bool coin(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p; }
  std::uint8_t grant() { return !stalls_ || coin(opt_.grant_prob); }

  void drive_read_data() {
    const int C = cfg_.cols, V = cfg_.v();
    if (act_pending_) set_port_bytes(m_->act_rd_rdata_i, act_buf_.data(), V);
    else if (stalls_) garbage(m_->act_rd_rdata_i, V);
    if (wgt_pending_) set_port_bytes(m_->wgt_rd_rdata_i, wgt_buf_.data(), C);
    else if (stalls_) garbage(m_->wgt_rd_rdata_i, C);
    if (par_pending_) set_port_bytes(m_->par_rd_rdata_i, par_buf_.data(), C);
    else if (stalls_) garbage(m_->par_rd_rdata_i, C);
    if (acc_pending_) {
      for (int c = 0; c < C; ++c) set_port_word(m_->acc_rd_rdata_i, c, static_cast<std::uint32_t>(acc_buf_[c]));
    } else if (stalls_) {
      garbage(m_->acc_rd_rdata_i, 4 * C);
    }
    act_pending_ = wgt_pending_ = par_pending_ = acc_pending_ = false;
  }
  template <class T>
  void garbage(T& p, int bytes) {
    for (int i = 0; i * 4 < bytes; ++i) set_port_word(p, i, static_cast<std::uint32_t>(rng_()));
  }

  // Requests of this cycle: reads see the memory before this cycle's writes.
  void sample() {
    const int C = cfg_.cols, V = cfg_.v();
    ev_.busy = m_->busy_o;
    ev_.done = m_->done_o;
    ev_.accept = m_->insn_valid_i && m_->insn_ready_o;
    ev_.act_req = m_->act_rd_req_o;
    ev_.wgt_req = m_->wgt_rd_req_o;
    ev_.acc_wr_req = m_->acc_wr_req_o;
    bool any_req = false, all_gnt = true;
    auto note = [&](bool req, bool gnt) {
      any_req |= req;
      if (req && !gnt) all_gnt = false;
      return req && gnt;
    };
    ev_.act_rd = note(m_->act_rd_req_o, m_->act_rd_gnt_i);
    ev_.wgt_rd = note(m_->wgt_rd_req_o, m_->wgt_rd_gnt_i);
    ev_.par_rd = note(m_->par_rd_req_o, m_->par_rd_gnt_i);
    ev_.acc_rd = note(m_->acc_rd_req_o, m_->acc_rd_gnt_i);
    ev_.acc_wr = note(m_->acc_wr_req_o, m_->acc_wr_gnt_i);
    if (any_req && !all_gnt) ++stall_cycles_;
    if (ev_.act_rd) {
      act_buf_.resize(static_cast<std::size_t>(V));
      read_bytes(mem_.act, static_cast<std::uint64_t>(m_->act_rd_addr_o), act_buf_.data(), V);
      act_pending_ = true;
    }
    if (ev_.wgt_rd) {
      wgt_buf_.resize(static_cast<std::size_t>(C));
      read_bytes(mem_.wgt, static_cast<std::uint64_t>(m_->wgt_rd_addr_o), wgt_buf_.data(), C);
      wgt_pending_ = true;
    }
    if (ev_.par_rd) {
      par_buf_.resize(static_cast<std::size_t>(C));
      read_bytes(mem_.par, static_cast<std::uint64_t>(m_->par_rd_addr_o), par_buf_.data(), C);
      par_pending_ = true;
    }
    if (ev_.acc_rd) {
      const std::uint64_t e = acc_index(static_cast<std::uint64_t>(m_->acc_rd_idx_o), "read");
      acc_buf_.assign(mem_.acc.begin() + static_cast<std::ptrdiff_t>(e * C),
                      mem_.acc.begin() + static_cast<std::ptrdiff_t>((e + 1) * C));
      acc_pending_ = true;
    }
    if (ev_.acc_wr) {
      const std::uint64_t e = acc_index(static_cast<std::uint64_t>(m_->acc_wr_idx_o), "write");
      for (int c = 0; c < C; ++c)
        if ((port_word(m_->acc_wr_mask_o, c / 32) >> (c % 32)) & 1)
          mem_.acc[e * C + c] = static_cast<std::int32_t>(port_word(m_->acc_wr_wdata_o, c));
    }
  }
  static void read_bytes(const std::vector<std::uint8_t>& m, std::uint64_t a, std::uint8_t* out, int n) {
    for (int i = 0; i < n; ++i) out[i] = a + i < m.size() ? m[a + i] : 0;  // past the end: 0
  }
  std::uint64_t acc_index(std::uint64_t e, const char* what) const {
    if (e >= static_cast<std::uint64_t>(cfg_.acc_entries()))
      throw Error("rtl core: accumulator " + std::string(what) + " of entry " + std::to_string(e) +
                  " outside the SRAM at cycle " + std::to_string(cycle_));
    return e;
  }

  VerilatedContext* ctx_;
  CoreConfig cfg_;
  HarnessOptions opt_;
  std::unique_ptr<M> m_;
  std::unique_ptr<VerilatedFstC> trace_;
  std::mt19937_64 rng_;
  bool stalls_ = false;
  Memories mem_;
  const isa::Word* offered_ = nullptr;
  std::uint64_t cycle_ = 0, stall_cycles_ = 0;
  CycleEvents ev_;
  bool act_pending_ = false, wgt_pending_ = false, par_pending_ = false, acc_pending_ = false;
  std::vector<std::uint8_t> act_buf_, wgt_buf_, par_buf_;
  std::vector<std::int32_t> acc_buf_;
};

}  // namespace lutsim::rtlcore
