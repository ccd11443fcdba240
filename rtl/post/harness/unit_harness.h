// A Verilator harness for one RTL compute unit with the port set of docs/prompts' RTL contract (rtl/post/*.sv
// header comments): C++ SRAM models behind whichever of the act read, act write, param read, acc read and acc write
// ports the model has, random grant stalls, random insn_valid gaps, instruction driving, and cycle counts.
//
// Each cycle: grants are drawn, the model is evaluated with the clock low, requests are sampled (reads see the
// memory before this cycle's writes), writes are applied, the clock rises, and read data of the reads granted in
// this cycle is driven for the next cycle; in every other cycle the read data inputs carry random bytes, so a unit
// that used data outside its one valid cycle would fail. The harness also checks that no request depends
// combinationally on a grant, that done_o only pulses for a running instruction, and that busy_o stays high and
// insn_ready_o low between acceptance and done. Violations are collected in errors() with the cycle number.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "lutsim/firmware/isa.h"

namespace lutsim::rtl {

// Byte i / bit i of a Verilated port of any width (CData..QData, or VlWide for wider ports).
template <class T>
  requires std::is_integral_v<T>
std::uint8_t port_byte(const T& p, int i) {
  if (i >= static_cast<int>(sizeof(T))) return 0;
  return static_cast<std::uint8_t>(static_cast<std::uint64_t>(p) >> (8 * i));
}
template <std::size_t N>
std::uint8_t port_byte(const VlWide<N>& p, int i) {
  return static_cast<std::uint8_t>(p.at(static_cast<std::size_t>(i / 4)) >> (8 * (i % 4)));
}
template <class T>
  requires std::is_integral_v<T>
void set_port_byte(T& p, int i, std::uint8_t b) {
  std::uint64_t v = static_cast<std::uint64_t>(p);
  v &= ~(std::uint64_t{0xff} << (8 * i));
  v |= std::uint64_t{b} << (8 * i);
  p = static_cast<T>(v);
}
template <std::size_t N>
void set_port_byte(VlWide<N>& p, int i, std::uint8_t b) {
  EData& w = p.at(static_cast<std::size_t>(i / 4));
  const int sh = 8 * (i % 4);
  w = (w & ~(EData{0xff} << sh)) | (EData{b} << sh);
}
template <class T>
bool port_bit(const T& p, int i) {
  return (port_byte(p, i / 8) >> (i % 8)) & 1;
}
template <class T>
std::uint64_t port_u64(const T& p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{port_byte(p, i)} << (8 * i);
  return v;
}

// Stall behaviour of the environment.
struct Stalls {
  double grant = 1.0;     // probability that a request is granted in a cycle
  double insn_gap = 0.0;  // probability of each extra idle cycle before an instruction is presented
};

// The memories behind the ports.
struct Memories {
  std::vector<std::uint8_t> act, param;  // byte-addressed; reads past the end give 0
  std::vector<std::int32_t> acc;         // entry e, lane c at [e * cols + c]
  int cols = 0;
  std::int64_t acc_entries() const { return cols ? static_cast<std::int64_t>(acc.size()) / cols : 0; }
};

struct RunResult {
  bool done = false;         // done_o was seen within the cycle limit
  std::int64_t cycles = -1;  // cycles from the cycle the instruction was accepted to the cycle done_o was high
};

template <class M>
class UnitHarness {
 public:
  static constexpr bool kActRd = requires(M m) { m.act_rd_req_o; };
  static constexpr bool kActWr = requires(M m) { m.act_wr_req_o; };
  static constexpr bool kParRd = requires(M m) { m.par_rd_req_o; };
  static constexpr bool kAccRd = requires(M m) { m.acc_rd_req_o; };
  static constexpr bool kAccWr = requires(M m) { m.acc_wr_req_o; };

  // v: bytes of the act port (V); cols: lanes (C). The memories are sized by the caller through mem().
  UnitHarness(VerilatedContext& ctx, int cols, int v, std::uint64_t seed)
      : ctx_(ctx), m_(std::make_unique<M>(&ctx, "top")), cols_(cols), v_(v), rng_(seed) {
    mem_.cols = cols;
    reset();
  }
  ~UnitHarness() {
    if (trace_) trace_->close();
    m_->final();
  }
  UnitHarness(const UnitHarness&) = delete;
  UnitHarness& operator=(const UnitHarness&) = delete;

  Memories& mem() { return mem_; }
  M& model() { return *m_; }
  void set_stalls(const Stalls& s) { stalls_ = s; }
  const std::vector<std::string>& errors() const { return errors_; }
  void clear_errors() { errors_.clear(); }
  std::int64_t cycle() const { return cycle_; }

  // FST waveform of everything from now on (the model must be built with TRACE).
  void open_trace(const std::string& path) {
    ctx_.traceEverOn(true);
    trace_ = std::make_unique<VerilatedFstC>();
    m_->trace(trace_.get(), 99);
    trace_->open(path.c_str());
  }

  // Two cycles of reset; any instruction in flight is dropped.
  void reset() {
    m_->rst_ni = 0;
    m_->insn_valid_i = 0;
    for (int i = 0; i < 2; ++i) {
      m_->clk_i = 0;
      eval_dump();
      m_->clk_i = 1;
      eval_dump();
    }
    m_->clk_i = 0;
    eval_dump();
    m_->rst_ni = 1;
    running_ = false;
  }

  // Presents the instruction (after random idle cycles when stalls().insn_gap > 0), waits for its acceptance and
  // runs until done_o or until `max_cycles` cycles after acceptance.
  RunResult run(const isa::Word& w, std::int64_t max_cycles = 1'000'000) {
    while (stalls_.insn_gap > 0 && coin(stalls_.insn_gap)) {
      m_->insn_valid_i = 0;
      for (int i = 0; i < isa::kInsnBytes; ++i) set_port_byte(m_->insn_i, i, static_cast<std::uint8_t>(rng_()));
      step();
    }
    std::uint8_t bytes[isa::kInsnBytes];
    isa::word_to_bytes(w, bytes);
    for (int i = 0; i < isa::kInsnBytes; ++i) set_port_byte(m_->insn_i, i, bytes[i]);
    m_->insn_valid_i = 1;
    std::int64_t waited = 0;
    while (!step().accepted) {
      if (++waited > max_cycles) {
        error("instruction not accepted within " + std::to_string(max_cycles) + " cycles");
        return {};
      }
    }
    m_->insn_valid_i = 0;
    const std::int64_t start = cycle_ - 1;
    RunResult r;
    while (cycle_ - start <= max_cycles) {
      if (step().done) {
        r.done = true;
        r.cycles = cycle_ - 1 - start;
        break;
      }
    }
    return r;
  }

 private:
  struct StepOut {
    bool accepted = false, done = false;
  };

  bool coin(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p; }
  void error(const std::string& msg) { errors_.push_back("cycle " + std::to_string(cycle_) + ": " + msg); }
  void eval_dump() {
    m_->eval();
    if (trace_) trace_->dump(static_cast<std::uint64_t>(ctx_.time()));
    ctx_.timeInc(1);
  }
  void set_grants(bool flip) {
    if constexpr (kActRd) m_->act_rd_gnt_i = flip ? !gnt_[0] : gnt_[0];
    if constexpr (kActWr) m_->act_wr_gnt_i = flip ? !gnt_[1] : gnt_[1];
    if constexpr (kParRd) m_->par_rd_gnt_i = flip ? !gnt_[2] : gnt_[2];
    if constexpr (kAccRd) m_->acc_rd_gnt_i = flip ? !gnt_[3] : gnt_[3];
    if constexpr (kAccWr) m_->acc_wr_gnt_i = flip ? !gnt_[4] : gnt_[4];
  }
  unsigned reqs() const {
    unsigned r = 0;
    if constexpr (kActRd) r |= m_->act_rd_req_o ? 1u : 0u;
    if constexpr (kActWr) r |= m_->act_wr_req_o ? 2u : 0u;
    if constexpr (kParRd) r |= m_->par_rd_req_o ? 4u : 0u;
    if constexpr (kAccRd) r |= m_->acc_rd_req_o ? 8u : 0u;
    if constexpr (kAccWr) r |= m_->acc_wr_req_o ? 16u : 0u;
    return r | (m_->insn_ready_o ? 32u : 0u);
  }
  template <class P>
  void drive_bytes(P& port, const std::vector<std::uint8_t>& data, bool valid, int n) {
    for (int i = 0; i < n; ++i) set_port_byte(port, i, valid ? data[static_cast<std::size_t>(i)] : static_cast<std::uint8_t>(rng_()));
  }
  std::uint8_t byte_at(const std::vector<std::uint8_t>& m, std::uint64_t a) const { return a < m.size() ? m[a] : 0; }

  StepOut step() {
    StepOut out;
    for (bool& g : gnt_) g = coin(stalls_.grant);
    set_grants(false);
    m_->clk_i = 0;
    m_->eval();
    // A request or insn_ready_o that changes with the grants would be a combinational path from gnt to req.
    const unsigned r0 = reqs();
    set_grants(true);
    m_->eval();
    if (reqs() != r0) error("a request or insn_ready_o depends combinationally on a grant");
    set_grants(false);
    eval_dump();

    out.accepted = m_->insn_valid_i && m_->insn_ready_o;
    out.done = m_->done_o;
    if (out.done && !running_) error("done_o without a running instruction");
    if (running_ && !out.done && (!m_->busy_o || m_->insn_ready_o)) error("busy_o low or insn_ready_o high while running");
    if (out.done) running_ = false;
    if (out.accepted) {
      if (running_) error("instruction accepted while another runs");
      running_ = true;
    }

    // Reads see the memories before this cycle's writes.
    bool par = false, acc = false, act = false;
    if constexpr (kParRd) {
      if (m_->par_rd_req_o && m_->par_rd_gnt_i) {
        par = true;
        const std::uint64_t a = port_u64(m_->par_rd_addr_o);
        par_data_.resize(static_cast<std::size_t>(cols_));
        for (int i = 0; i < cols_; ++i) par_data_[static_cast<std::size_t>(i)] = byte_at(mem_.param, a + static_cast<std::uint64_t>(i));
      }
    }
    if constexpr (kActRd) {
      if (m_->act_rd_req_o && m_->act_rd_gnt_i) {
        act = true;
        const std::uint64_t a = port_u64(m_->act_rd_addr_o);
        act_data_.resize(static_cast<std::size_t>(v_));
        for (int i = 0; i < v_; ++i) act_data_[static_cast<std::size_t>(i)] = byte_at(mem_.act, a + static_cast<std::uint64_t>(i));
      }
    }
    if constexpr (kAccRd) {
      if (m_->acc_rd_req_o && m_->acc_rd_gnt_i) {
        acc = true;
        const std::uint64_t e = port_u64(m_->acc_rd_idx_o);
        acc_data_.assign(static_cast<std::size_t>(4 * cols_), 0);
        if (static_cast<std::int64_t>(e) >= mem_.acc_entries()) {
          error("acc read of entry " + std::to_string(e) + " outside [0, " + std::to_string(mem_.acc_entries()) + ")");
        } else {
          for (int c = 0; c < cols_; ++c) {
            const auto u = static_cast<std::uint32_t>(mem_.acc[e * static_cast<std::uint64_t>(cols_) + static_cast<std::uint64_t>(c)]);
            for (int b = 0; b < 4; ++b) acc_data_[static_cast<std::size_t>(4 * c + b)] = static_cast<std::uint8_t>(u >> (8 * b));
          }
        }
      }
    }
    if constexpr (kActWr) {
      if (m_->act_wr_req_o && m_->act_wr_gnt_i) {
        const std::uint64_t a = port_u64(m_->act_wr_addr_o);
        for (int j = 0; j < v_; ++j) {
          if (!port_bit(m_->act_wr_be_o, j)) continue;
          const std::uint64_t x = a + static_cast<std::uint64_t>(j);
          if (x >= mem_.act.size()) {
            error("act write of byte " + std::to_string(x) + " outside [0, " + std::to_string(mem_.act.size()) + ")");
            continue;
          }
          mem_.act[x] = port_byte(m_->act_wr_wdata_o, j);
        }
      }
    }
    if constexpr (kAccWr) {
      if (m_->acc_wr_req_o && m_->acc_wr_gnt_i) {
        const std::uint64_t e = port_u64(m_->acc_wr_idx_o);
        if (static_cast<std::int64_t>(e) >= mem_.acc_entries()) {
          error("acc write of entry " + std::to_string(e) + " outside [0, " + std::to_string(mem_.acc_entries()) + ")");
        } else {
          for (int c = 0; c < cols_; ++c) {
            if (!port_bit(m_->acc_wr_mask_o, c)) continue;
            std::uint32_t u = 0;
            for (int b = 0; b < 4; ++b) u |= std::uint32_t{port_byte(m_->acc_wr_wdata_o, 4 * c + b)} << (8 * b);
            mem_.acc[e * static_cast<std::uint64_t>(cols_) + static_cast<std::uint64_t>(c)] = static_cast<std::int32_t>(u);
          }
        }
      }
    }

    m_->clk_i = 1;
    eval_dump();
    ++cycle_;
    // Read data of this cycle's grants, random bytes otherwise.
    if constexpr (kParRd) drive_bytes(m_->par_rd_rdata_i, par_data_, par, cols_);
    if constexpr (kActRd) drive_bytes(m_->act_rd_rdata_i, act_data_, act, v_);
    if constexpr (kAccRd) drive_bytes(m_->acc_rd_rdata_i, acc_data_, acc, 4 * cols_);
    return out;
  }

  VerilatedContext& ctx_;
  std::unique_ptr<M> m_;
  std::unique_ptr<VerilatedFstC> trace_;
  int cols_, v_;
  std::mt19937_64 rng_;
  Stalls stalls_;
  Memories mem_;
  std::vector<std::string> errors_;
  std::int64_t cycle_ = 0;
  bool running_ = false;
  bool gnt_[5] = {true, true, true, true, true};
  std::vector<std::uint8_t> par_data_, act_data_, acc_data_;
};

}  // namespace lutsim::rtl
