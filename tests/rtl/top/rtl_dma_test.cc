// The DMA engine (rtl/top/lutsim_dma.sv) against the ISA interpreter's LOAD and STORE (Machine::execute): random
// 3D boxes with padding into each SRAM and random strided stores into DRAM leave the same bytes, with the DRAM timed
// by the shared model (lutsim::sim::DramModel through rtl::DramPort); and the latency of a contiguous transfer.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "Vlutsim_dma.h"
#include "lutsim/firmware/interpreter.h"
#include "lutsim/firmware/isa.h"
#include "lutsim/hw/config.h"
#include "lutsim/rtl/dram_port.h"
#include "verilated.h"

namespace lutsim {
namespace {

constexpr int kW = 64, kZ = 64;  // the model's SRAM port width and burst bytes (default preset)
constexpr std::size_t kDram = 1 << 16;

// Drives the DMA with a byte-array model of the three SRAMs and the DRAM behind rtl::DramPort.
class DmaBench {
 public:
  explicit DmaBench(const HwConfig& hw)
      : hw_(hw), dram_(kDram), port_(sim::DramParams::from(hw), &dram_), ctx_(new VerilatedContext),
        dut_(new Vlutsim_dma(ctx_.get())) {
    sram_[0].assign(static_cast<std::size_t>(hw.act_sram_bytes), 0);
    sram_[1].assign(static_cast<std::size_t>(hw.weight_sram_bytes), 0);
    sram_[2].assign(static_cast<std::size_t>(hw.param_sram_bytes), 0);
    dut_->clk_i = 0;
    dut_->rst_ni = 0;
    dut_->eval();
    dut_->rst_ni = 1;
    dut_->eval();
  }

  std::vector<std::uint8_t>& dram() { return dram_; }
  std::vector<std::uint8_t>& sram(int buf) { return sram_[buf]; }
  std::int64_t cycle() const { return cycle_; }

  // Runs one LOAD or STORE; returns the cycles from its acceptance to its done pulse.
  std::int64_t run(const isa::Instruction& in) {
    clear_cmd();
    if (const auto* l = std::get_if<isa::Load>(&in.body)) {
      dut_->rd_valid_i = 1;
      dut_->rd_buf_i = static_cast<std::uint8_t>(l->buf);
      dut_->rd_pad_value_i = static_cast<std::uint8_t>(l->pad_value);
      dut_->rd_pad_top_i = static_cast<std::uint8_t>(l->pad_top);
      dut_->rd_pad_bottom_i = static_cast<std::uint8_t>(l->pad_bottom);
      dut_->rd_pad_left_i = static_cast<std::uint8_t>(l->pad_left);
      dut_->rd_pad_right_i = static_cast<std::uint8_t>(l->pad_right);
      dut_->rd_sram_addr_i = static_cast<std::uint32_t>(l->sram_addr);
      dut_->rd_dram_addr_i = static_cast<std::uint32_t>(l->dram_addr);
      dut_->rd_x_size_i = static_cast<std::uint32_t>(l->x_size);
      dut_->rd_y_size_i = static_cast<std::uint16_t>(l->y_size);
      dut_->rd_z_size_i = static_cast<std::uint16_t>(l->z_size);
      dut_->rd_y_stride_i = static_cast<std::uint32_t>(l->y_stride);
      dut_->rd_z_stride_i = static_cast<std::uint32_t>(l->z_stride);
    } else {
      const auto& s = std::get<isa::Store>(in.body);
      dut_->wr_valid_i = 1;
      dut_->wr_sram_addr_i = static_cast<std::uint32_t>(s.sram_addr);
      dut_->wr_dram_addr_i = static_cast<std::uint32_t>(s.dram_addr);
      dut_->wr_x_size_i = static_cast<std::uint32_t>(s.x_size);
      dut_->wr_y_size_i = static_cast<std::uint16_t>(s.y_size);
      dut_->wr_z_size_i = static_cast<std::uint16_t>(s.z_size);
      dut_->wr_y_stride_i = static_cast<std::uint32_t>(s.y_stride);
      dut_->wr_z_stride_i = static_cast<std::uint32_t>(s.z_stride);
    }
    const bool load = in.opcode() == isa::Opcode::Load;
    std::int64_t accepted = -1;
    for (int guard = 0; guard < 1'000'000; ++guard) {
      const bool fire = step_begin();
      const bool ready = load ? dut_->rd_ready_o : dut_->wr_ready_o;
      const bool done = load ? dut_->rd_done_o : dut_->wr_done_o;
      if (accepted < 0 && ready && (load ? dut_->rd_valid_i : dut_->wr_valid_i)) accepted = cycle_;
      step_end(fire);
      if (accepted >= 0) clear_cmd();
      if (done) return cycle_ - 1 - accepted;
    }
    ADD_FAILURE() << "DMA did not finish";
    return -1;
  }

 private:
  void clear_cmd() {
    dut_->rd_valid_i = 0;
    dut_->wr_valid_i = 0;
  }
  // One cycle up to the clock edge: responses, evaluation, the DRAM's ready. Returns whether a response is shown.
  bool step_begin() {
    const rtl::DramResponse* r = port_.response(cycle_);
    dut_->dram_rsp_valid_i = r != nullptr;
    dut_->dram_rsp_we_i = r && r->write;
    for (int k = 0; k < kZ / 4; ++k) {
      std::uint32_t v = 0;
      for (int b = 0; b < 4; ++b) {
        const std::size_t i = static_cast<std::size_t>(4 * k + b);
        if (r && !r->write && i < r->data.size()) v |= std::uint32_t{r->data[i]} << (8 * b);
      }
      dut_->dram_rsp_rdata_i[k] = v;
    }
    dut_->dram_req_ready_i = 0;
    dut_->eval();
    std::uint8_t wdata[kZ];
    for (int i = 0; i < kZ; ++i) wdata[i] = static_cast<std::uint8_t>(dut_->dram_req_wdata_o[i / 4] >> (8 * (i % 4)));
    dut_->dram_req_ready_i = port_.offer(cycle_, dut_->dram_req_valid_o, dut_->dram_req_we_o, dut_->dram_req_addr_o,
                                         dut_->dram_req_len_o, wdata);
    dut_->eval();
    // The SRAM ports, sampled before the edge.
    if (dut_->sw_req_o) {
      auto& m = sram_[dut_->sw_buf_o];
      for (int i = 0; i < kW; ++i)
        if ((dut_->sw_be_o >> i) & 1) {
          const std::size_t a = dut_->sw_addr_o + static_cast<std::size_t>(i);
          EXPECT_LT(a, m.size());
          if (a < m.size()) m[a] = static_cast<std::uint8_t>(dut_->sw_wdata_o[i / 4] >> (8 * (i % 4)));
        }
    }
    sr_req_ = dut_->sr_req_o;
    sr_addr_ = dut_->sr_addr_o;
    return r != nullptr;
  }
  void step_end(bool retire) {
    dut_->clk_i = 1;
    dut_->eval();
    dut_->clk_i = 0;
    if (retire) port_.retire();
    if (sr_req_) {  // synchronous read: the data appears after the edge and is held
      for (int k = 0; k < kW / 4; ++k) {
        std::uint32_t v = 0;
        for (int b = 0; b < 4; ++b) {
          const std::size_t a = sr_addr_ + static_cast<std::size_t>(4 * k + b);
          if (a < sram_[0].size()) v |= std::uint32_t{sram_[0][a]} << (8 * b);
        }
        dut_->sr_rdata_i[k] = v;
      }
    }
    dut_->eval();
    ++cycle_;
  }

  HwConfig hw_;
  std::vector<std::uint8_t> dram_;
  std::vector<std::uint8_t> sram_[3];
  rtl::DramPort port_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vlutsim_dma> dut_;
  std::int64_t cycle_ = 0;
  bool sr_req_ = false;
  std::uint32_t sr_addr_ = 0;
};

void fill(std::span<std::uint8_t> s, std::mt19937_64& rng) {
  for (auto& b : s) b = static_cast<std::uint8_t>(rng());
}

std::int64_t pick(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

isa::Load random_load(std::mt19937_64& rng, const HwConfig& hw) {
  isa::Load l;
  l.buf = pick(rng, 0, 2);
  l.pad_value = pick(rng, 0, 255);
  const bool pads = rng() % 2;
  l.pad_top = pads ? pick(rng, 0, 2) : 0;
  l.pad_bottom = pads ? pick(rng, 0, 2) : 0;
  l.pad_left = pads ? pick(rng, 0, 2) : 0;
  l.pad_right = pads ? pick(rng, 0, 2) : 0;
  l.x_size = pick(rng, 1, rng() % 4 == 0 ? 300 : 40);
  l.y_size = pick(rng, 0, 6);
  l.z_size = pick(rng, 0, 5);
  switch (rng() % 3) {  // element and plane strides: dense (merged runs), gapped, or arbitrary
    case 0: l.y_stride = l.x_size; l.z_stride = l.y_size * l.x_size; break;
    case 1: l.y_stride = l.x_size; l.z_stride = l.y_size * l.x_size + pick(rng, 1, 100); break;
    default: l.y_stride = pick(rng, 0, 200); l.z_stride = pick(rng, 0, 2000); break;
  }
  const std::int64_t span =
      (l.z_size ? (l.z_size - 1) * l.z_stride : 0) + (l.y_size ? (l.y_size - 1) * l.y_stride : 0) + l.x_size;
  l.dram_addr = pick(rng, 0, static_cast<std::int64_t>(kDram) - span - 1);
  const std::int64_t bytes = (l.z_size + l.pad_top + l.pad_bottom) * (l.y_size + l.pad_left + l.pad_right) * l.x_size;
  const std::int64_t size = l.buf == 0 ? hw.act_sram_bytes : l.buf == 1 ? hw.weight_sram_bytes : hw.param_sram_bytes;
  l.sram_addr = pick(rng, 0, std::min<std::int64_t>(size - bytes, 5000));
  return l;
}

TEST(RtlDma, RandomLoadsMatchTheInterpreter) {
  const HwConfig hw = load_hw_config("default");
  DmaBench bench(hw);
  Machine ref(hw, kDram);
  std::mt19937_64 rng(7);
  fill(bench.dram(), rng);
  std::copy(bench.dram().begin(), bench.dram().end(), ref.dram().begin());
  for (int i = 0; i < 400; ++i) {
    const isa::Instruction in{{}, random_load(rng, hw)};
    SCOPED_TRACE(isa::to_string(in));
    ref.execute(in);
    bench.run(in);
    ASSERT_TRUE(std::equal(bench.sram(0).begin(), bench.sram(0).end(), ref.act().begin()));
    ASSERT_TRUE(std::equal(bench.sram(1).begin(), bench.sram(1).end(), ref.wgt().begin()));
    ASSERT_TRUE(std::equal(bench.sram(2).begin(), bench.sram(2).end(), ref.param().begin()));
  }
}

TEST(RtlDma, RandomStoresMatchTheInterpreter) {
  const HwConfig hw = load_hw_config("default");
  DmaBench bench(hw);
  Machine ref(hw, kDram);
  std::mt19937_64 rng(11);
  fill(bench.sram(0), rng);
  std::copy(bench.sram(0).begin(), bench.sram(0).end(), ref.act().begin());
  for (int i = 0; i < 400; ++i) {
    isa::Store s;
    s.x_size = pick(rng, 1, rng() % 4 == 0 ? 300 : 40);
    s.y_size = pick(rng, 1, 6);
    s.z_size = pick(rng, 1, 5);
    switch (rng() % 3) {
      case 0: s.y_stride = s.x_size; s.z_stride = s.y_size * s.x_size; break;
      case 1: s.y_stride = s.x_size; s.z_stride = s.y_size * s.x_size + pick(rng, 1, 100); break;
      default: s.y_stride = s.x_size + pick(rng, 0, 100); s.z_stride = s.y_size * s.y_stride + pick(rng, 0, 500); break;
    }
    const std::int64_t span = (s.z_size - 1) * s.z_stride + (s.y_size - 1) * s.y_stride + s.x_size;
    s.dram_addr = pick(rng, 0, static_cast<std::int64_t>(kDram) - span - 1);
    s.sram_addr = pick(rng, 0, 5000);
    const isa::Instruction in{{}, s};
    SCOPED_TRACE(isa::to_string(in));
    ref.execute(in);
    bench.run(in);
    ASSERT_TRUE(std::equal(bench.dram().begin(), bench.dram().end(), ref.dram().begin()));
  }
}

// A contiguous LOAD of n bytes from a Z-aligned address: the first burst 2 cycles after acceptance, then
// bursts of Z bytes issued back to back as the DRAM model allows (one per cycle, at most M in flight); the DMA is
// done in the cycle after the last burst's data (docs/architecture.md section 11: about 2 + L + ceil(n / B) when M
// bursts cover the latency): the SystemC model's DMA, whose setup is 2 cycles. The expectation replays the bursts on
// a fresh DramModel. A STORE takes one cycle more: each burst's data is read from the act SRAM first.
TEST(RtlDma, ContiguousTransferLatency) {
  const HwConfig hw = load_hw_config("default");
  for (const std::int64_t n : {1, 16, 64, 65, 1024, 4096}) {
    auto replay = [&](std::int64_t first_issue) {
      sim::DramModel dm(sim::DramParams::from(hw));
      std::int64_t t = first_issue, last = 0;
      for (std::int64_t left = n; left > 0; left -= hw.dram_burst_bytes, ++t) {
        t = dm.earliest_issue(t);
        last = dm.issue(t, std::min<std::int64_t>(left, hw.dram_burst_bytes), false);
      }
      return last + 1;
    };
    const std::int64_t expect = replay(2);
    if (n <= 64) {
      EXPECT_EQ(expect, 2 + hw.dram_latency_cycles + (n + 15) / 16);  // one burst: the table's formula
    }
    DmaBench bench(hw);
    isa::Load l;
    l.buf = 0;
    l.x_size = n;
    l.y_size = 1;
    l.z_size = 1;
    l.dram_addr = 1024;
    EXPECT_EQ(bench.run({{}, l}), expect) << n << " bytes";
    isa::Store s;
    s.x_size = n;
    s.dram_addr = 1024;
    EXPECT_EQ(bench.run({{}, s}), replay(3)) << n << " bytes";
  }
}

}  // namespace
}  // namespace lutsim
