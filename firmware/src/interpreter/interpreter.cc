// The ISA interpreter: scheduling of the three queues with their tokens, and the functional semantics of each
// instruction (docs/isa.md section 3), with the arithmetic of arith.h.
#include "lutsim/firmware/interpreter.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "gemm_kernel.h"
#include "lutsim/kernels/cpu.h"
#include "lutsim/model/arith.h"
#include "lutsim/model/error.h"

namespace lutsim {

static_assert(std::endian::native == std::endian::little, "the memory images are little-endian");

namespace {

constexpr std::size_t kSlack = 256;  // readable bytes past each memory, for the vector kernels' over-reads

enum Token { kL2C = 0, kC2L = 1, kC2S = 2, kS2C = 3 };
constexpr const char* kTokenName[4] = {"l2c (load to compute)", "c2l (compute to load)", "c2s (compute to store)",
                                       "s2c (store to compute)"};

// The token queue an instruction's flag refers to, or -1 when the flag is illegal for its queue.
int pop_prev_token(isa::Queue q) { return q == isa::Queue::Compute ? kL2C : q == isa::Queue::Store ? kC2S : -1; }
int pop_next_token(isa::Queue q) { return q == isa::Queue::Load ? kC2L : q == isa::Queue::Compute ? kS2C : -1; }
int push_prev_token(isa::Queue q) { return q == isa::Queue::Compute ? kC2L : q == isa::Queue::Store ? kS2C : -1; }
int push_next_token(isa::Queue q) { return q == isa::Queue::Load ? kL2C : q == isa::Queue::Compute ? kC2S : -1; }

struct Flags {
  int pops[2] = {-1, -1};
  int pushes[2] = {-1, -1};
};
Flags token_flags(const isa::Instruction& in) {
  const isa::Queue q = isa::queue_of(in);
  Flags f;
  if (in.deps.pop_prev) f.pops[0] = pop_prev_token(q);
  if (in.deps.pop_next) f.pops[1] = pop_next_token(q);
  if (in.deps.push_prev) f.pushes[0] = push_prev_token(q);
  if (in.deps.push_next) f.pushes[1] = push_next_token(q);
  return f;
}

std::string range_str(std::int64_t lo, std::int64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + ")";
}

}  // namespace

// Weights decoded by one GEMM, reused by any later GEMM (in this run or a later one) over the same weight bytes
// with the same weight-path state and geometry. Entries are found by a hash of all of that (of the weight bytes,
// only their length and first and last bytes) and confirmed by comparing the key and the raw bytes, so they never go
// stale.
struct DecodedWeights {
  std::int64_t span = 0, taps = 0, n_cols = 0, in_offset = 0;
  int wmode = 0, wbits = 0;
  std::int64_t in_group = 0, out_group = 0, out_offset = 0;
  std::vector<std::int8_t> luts;
  std::vector<std::uint8_t> raw;  // the weight SRAM bytes decoded
  std::vector<std::int8_t> w;     // kernels::VnniGemm::w
  std::vector<std::int32_t> wsum; // kernels::VnniGemm::wsum128
  std::int64_t active = 0;        // unmasked PEs with a valid row and column, summed over the blocks
  int K = 0;                      // kernels::VnniGemm::K
};

struct Machine::Scratch {
  std::unordered_map<std::uint64_t, std::vector<std::unique_ptr<DecodedWeights>>> wcache;
  std::size_t wcache_bytes = 0;
  std::uint64_t lut_hash = 0;  // hash of luts_, kept up to date by WCFG and reset
  interp::GemmWork gemm;
  interp::VecArgs vec;
};

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

std::uint64_t hash_bytes(std::uint64_t h, const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, p + i, 8);
    h = mix(h, v);
  }
  for (; i < n; ++i) h = mix(h, p[i]);
  return mix(h, n);
}

}  // namespace

std::string_view schedule_name(Schedule s) {
  switch (s) {
    case Schedule::ProgramOrder: return "program_order";
    case Schedule::LoadFirst: return "load_first";
    case Schedule::ComputeFirst: return "compute_first";
  }
  return "?";
}

// The context of the instruction being executed, for error messages.
struct Machine::Ctx {
  std::uint32_t pc = 0;
  const isa::Instruction* in = nullptr;
  const LayerRange* layer = nullptr;

  [[noreturn]] void fail(const std::string& msg) const {
    std::string where = "pc " + std::to_string(pc);
    if (layer) where += " (layer '" + layer->name + "')";
    throw Error(where + ": " + msg + "\n  " + std::to_string(pc) + ": " + isa::to_string(*in));
  }
  // Checks that [lo, hi) lies inside a memory of `size` bytes (or entries).
  void range(const char* mem, const char* access, std::int64_t lo, std::int64_t hi, std::int64_t size) const {
    if (lo < 0 || hi > size)
      fail(std::string(mem) + " " + access + " " + range_str(lo, hi) + " is outside the " + mem + " " + range_str(0, size));
  }
};

Machine::Machine(const HwConfig& hw, std::uint64_t dram_bytes)
    : hw_(hw),
      dram_size_(dram_bytes),
      act_size_(hw.act_sram_bytes),
      wgt_size_(hw.weight_sram_bytes),
      param_size_(hw.param_sram_bytes),
      acc_entries_(hw.acc_sram_bytes / (4 * std::int64_t{hw.cols})),
      dram_(dram_bytes + kSlack, 0),
      act_(static_cast<std::size_t>(act_size_) + kSlack, 0),
      wgt_(static_cast<std::size_t>(wgt_size_) + kSlack, 0),
      param_(static_cast<std::size_t>(param_size_) + kSlack, 0),
      acc_(static_cast<std::size_t>(acc_entries_ * hw.cols), 0),
      luts_(static_cast<std::size_t>(hw.cols) * isa::kLutEntriesMax, 0),
      scratch_(std::make_unique<Scratch>()) {
  scratch_->lut_hash = hash_bytes(0, reinterpret_cast<const std::uint8_t*>(luts_.data()), luts_.size());
}

Machine::~Machine() = default;
Machine::Machine(Machine&&) noexcept = default;
Machine& Machine::operator=(Machine&&) noexcept = default;

void Machine::run(std::span<const isa::Instruction> code, Schedule schedule, std::span<const LayerRange> layers,
                  std::span<const int> layer_of) {
  stats_ = Counters{};
  layer_stats_.assign(layers.size(), Counters{});
  tokens_ = {};
  wmode_ = 0;
  wbits_ = 8;
  in_group_ = out_group_ = out_offset_ = 0;
  std::fill(luts_.begin(), luts_.end(), std::int8_t{0});
  scratch_->lut_hash = hash_bytes(0, reinterpret_cast<const std::uint8_t*>(luts_.data()), luts_.size());
  std::vector<int> own_map;
  if (layer_of.size() != code.size()) {
    own_map = layer_of_pcs(layers, code.size());
    layer_of = own_map;
  }

  auto ctx_of = [&](std::uint32_t pc) {
    Ctx c;
    c.pc = pc;
    c.in = &code[pc];
    const int li = layer_of[pc];
    c.layer = li >= 0 ? &layers[static_cast<std::size_t>(li)] : nullptr;
    return c;
  };
  auto execute = [&](std::uint32_t pc) {
    const Ctx c = ctx_of(pc);
    const isa::Instruction& in = code[pc];
    std::string e = isa::check(in);
    if (e.empty()) e = isa::check(in, hw_);
    if (!e.empty()) c.fail("illegal instruction: " + e);
    const Flags f = token_flags(in);
    for (int t : f.pops) if (t >= 0) --tokens_[static_cast<std::size_t>(t)];
    const int li = layer_of[pc];
    Counters& st = li >= 0 ? layer_stats_[static_cast<std::size_t>(li)] : stats_;
    exec(in, st, c);
    for (int t : f.pushes) if (t >= 0) ++tokens_[static_cast<std::size_t>(t)];
  };

  if (schedule == Schedule::ProgramOrder) {
    for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
      const Flags f = token_flags(code[pc]);
      for (int t : f.pops)
        if (t >= 0 && tokens_[static_cast<std::size_t>(t)] == 0)
          ctx_of(pc).fail(std::string("token underflow: pops ") + kTokenName[t] +
                          ", but no token was pushed before it in program order");
      for (int t : f.pushes)
        if (t >= 0 && tokens_[static_cast<std::size_t>(t)] >= isa::kTokenMax)
          ctx_of(pc).fail(std::string("token overflow: pushes ") + kTokenName[t] + ", which already holds " +
                          std::to_string(isa::kTokenMax) + " tokens (the pusher would wait forever)");
      execute(pc);
    }
  } else {
    std::vector<std::uint32_t> q[isa::kNumQueues];
    for (std::uint32_t pc = 0; pc < code.size(); ++pc) q[static_cast<int>(isa::queue_of(code[pc]))].push_back(pc);
    std::size_t head[isa::kNumQueues] = {0, 0, 0};
    const int order_load[3] = {0, 2, 1}, order_compute[3] = {1, 2, 0};
    const int* order = schedule == Schedule::LoadFirst ? order_load : order_compute;
    auto can_start = [&](std::uint32_t pc) {
      const Flags f = token_flags(code[pc]);
      for (int t : f.pops) if (t >= 0 && tokens_[static_cast<std::size_t>(t)] == 0) return false;
      for (int t : f.pushes) if (t >= 0 && tokens_[static_cast<std::size_t>(t)] >= isa::kTokenMax) return false;
      return true;
    };
    for (;;) {
      int pick = -1;
      for (int k = 0; k < 3 && pick < 0; ++k) {
        const int qi = order[k];
        if (head[qi] < q[qi].size() && can_start(q[qi][head[qi]])) pick = qi;
      }
      if (pick < 0) break;
      execute(q[pick][head[pick]++]);
    }
    if (head[0] < q[0].size() || head[1] < q[1].size() || head[2] < q[2].size()) {
      std::string msg = "deadlock: no queue can proceed (tokens l2c=" + std::to_string(tokens_[0]) +
                        " c2l=" + std::to_string(tokens_[1]) + " c2s=" + std::to_string(tokens_[2]) +
                        " s2c=" + std::to_string(tokens_[3]) + ")";
      std::uint32_t first = static_cast<std::uint32_t>(code.size());
      for (int qi = 0; qi < 3; ++qi) {
        msg += "\n  " + std::string(isa::queue_name(static_cast<isa::Queue>(qi))) + " queue: ";
        if (head[qi] < q[qi].size()) {
          const std::uint32_t pc = q[qi][head[qi]];
          first = std::min(first, pc);
          msg += "waiting at pc " + std::to_string(pc) + ": " + isa::to_string(code[pc]);
        } else {
          msg += "done";
        }
      }
      const Ctx c = ctx_of(first);
      std::string where = "pc " + std::to_string(first);
      if (c.layer) where += " (layer '" + c.layer->name + "')";
      throw Error(where + ": " + msg);
    }
  }
  for (const Counters& s : layer_stats_) stats_ += s;
}

void Machine::execute(const isa::Instruction& in, std::uint32_t pc) {
  Ctx c;
  c.pc = pc;
  c.in = &in;
  std::string e = isa::check(in);
  if (e.empty()) e = isa::check(in, hw_);
  if (!e.empty()) c.fail("illegal instruction: " + e);
  exec(in, stats_, c);
}

void Machine::exec(const isa::Instruction& in, Counters& st, const Ctx& ctx) {
  ++st.insns[static_cast<std::size_t>(in.opcode())];
  switch (in.opcode()) {
    case isa::Opcode::Sync: return;
    case isa::Opcode::Load: return exec_load(std::get<isa::Load>(in.body), st, ctx);
    case isa::Opcode::Store: return exec_store(std::get<isa::Store>(in.body), st, ctx);
    case isa::Opcode::Wcfg: return exec_wcfg(std::get<isa::Wcfg>(in.body), st, ctx);
    case isa::Opcode::Gemm: return exec_gemm(std::get<isa::Gemm>(in.body), st, ctx);
    case isa::Opcode::Vec: return exec_vec(std::get<isa::Vec>(in.body), st, ctx);
    case isa::Opcode::Ppu: return exec_ppu(std::get<isa::Ppu>(in.body), st, ctx);
  }
}

void Machine::exec_load(const isa::Load& l, Counters& st, const Ctx& ctx) {
  const std::int64_t X = l.x_size, Y = l.y_size + l.pad_left + l.pad_right, Z = l.z_size + l.pad_top + l.pad_bottom;
  std::uint8_t* mem;
  std::int64_t size;
  const char* name;
  std::int64_t* counter;
  switch (static_cast<isa::Buffer>(l.buf)) {
    case isa::Buffer::Act: mem = act_.data(); size = act_size_; name = "activation SRAM"; counter = &st.act.write_bytes; break;
    case isa::Buffer::Wgt: mem = wgt_.data(); size = wgt_size_; name = "weight SRAM"; counter = &st.wgt.write_bytes; break;
    default: mem = param_.data(); size = param_size_; name = "parameter SRAM"; counter = &st.param.write_bytes; break;
  }
  ctx.range(name, "write", l.sram_addr, l.sram_addr + Z * Y * X, size);
  if (l.y_size > 0 && l.z_size > 0)
    ctx.range("DRAM", "read", l.dram_addr, l.dram_addr + (l.z_size - 1) * l.z_stride + (l.y_size - 1) * l.y_stride + X,
              static_cast<std::int64_t>(dram_size_));
  std::uint8_t* dst = mem + l.sram_addr;
  const std::uint8_t pad = static_cast<std::uint8_t>(l.pad_value);
  const std::int64_t row = Y * X;
  for (std::int64_t z = 0; z < Z; ++z, dst += row) {
    const std::int64_t zz = z - l.pad_top;
    if (zz < 0 || zz >= l.z_size) {
      std::memset(dst, pad, static_cast<std::size_t>(row));
      continue;
    }
    if (l.pad_left) std::memset(dst, pad, static_cast<std::size_t>(l.pad_left * X));
    if (l.pad_right) std::memset(dst + (l.pad_left + l.y_size) * X, pad, static_cast<std::size_t>(l.pad_right * X));
    const std::uint8_t* src = dram_.data() + l.dram_addr + zz * l.z_stride;
    std::uint8_t* d = dst + l.pad_left * X;
    if (l.y_stride == X) {
      std::memcpy(d, src, static_cast<std::size_t>(l.y_size * X));
    } else {
      for (std::int64_t y = 0; y < l.y_size; ++y) std::memcpy(d + y * X, src + y * l.y_stride, static_cast<std::size_t>(X));
    }
  }
  st.dram_read_bytes += l.y_size * l.z_size * X;
  *counter += Z * Y * X;
}

void Machine::exec_store(const isa::Store& s, Counters& st, const Ctx& ctx) {
  const std::int64_t X = s.x_size, n = s.x_size * s.y_size * s.z_size;
  ctx.range("activation SRAM", "read", s.sram_addr, s.sram_addr + n, act_size_);
  ctx.range("DRAM", "write", s.dram_addr, s.dram_addr + (s.z_size - 1) * s.z_stride + (s.y_size - 1) * s.y_stride + X,
            static_cast<std::int64_t>(dram_size_));
  const std::uint8_t* src = act_.data() + s.sram_addr;
  for (std::int64_t z = 0; z < s.z_size; ++z) {
    std::uint8_t* d = dram_.data() + s.dram_addr + z * s.z_stride;
    if (s.y_stride == X) {
      std::memcpy(d, src, static_cast<std::size_t>(s.y_size * X));
      src += s.y_size * X;
    } else {
      for (std::int64_t y = 0; y < s.y_size; ++y, src += X) std::memcpy(d + y * s.y_stride, src, static_cast<std::size_t>(X));
    }
  }
  st.act.read_bytes += n;
  st.dram_write_bytes += n;
}

void Machine::exec_wcfg(const isa::Wcfg& w, Counters& st, const Ctx& ctx) {
  const int C = hw_.cols;
  const std::int64_t n = std::int64_t{1} << (w.bits == 8 ? 0 : w.bits);
  wmode_ = static_cast<int>(w.mode);
  wbits_ = static_cast<int>(w.bits);
  in_group_ = w.in_group;
  out_group_ = w.out_group;
  out_offset_ = w.out_offset;
  std::fill(luts_.begin(), luts_.end(), std::int8_t{0});
  if (w.mode == static_cast<std::int64_t>(isa::WeightMode::PerLayer)) {
    ctx.range("parameter SRAM", "read", w.lut_addr, w.lut_addr + n, param_size_);
    for (int c = 0; c < C; ++c)
      std::memcpy(&luts_[static_cast<std::size_t>(c) * isa::kLutEntriesMax], &param_[static_cast<std::size_t>(w.lut_addr)],
                  static_cast<std::size_t>(n));
    st.param.read_bytes += n;
  } else if (w.mode == static_cast<std::int64_t>(isa::WeightMode::PerChannel)) {
    ctx.range("parameter SRAM", "read", w.lut_addr, w.lut_addr + C * n, param_size_);
    for (int c = 0; c < C; ++c)
      std::memcpy(&luts_[static_cast<std::size_t>(c) * isa::kLutEntriesMax], &param_[static_cast<std::size_t>(w.lut_addr + c * n)],
                  static_cast<std::size_t>(n));
    st.param.read_bytes += C * n;
  }
  if (w.mode != static_cast<std::int64_t>(isa::WeightMode::Raw)) st.lut_writes += std::int64_t{C} << w.bits;
  scratch_->lut_hash = hash_bytes(0, reinterpret_cast<const std::uint8_t*>(luts_.data()), luts_.size());
}

// Decodes a GEMM's weight blocks (codes through the column LUTs, the group mask applied) into the kernels' layout.
void Machine::decode_weights(const isa::Gemm& g, std::int64_t nch, std::int64_t nblocks, std::int64_t wrow, std::int64_t wblk,
                             DecodedWeights& out) const {
  (void)wrow;
  const int R = hw_.rows;
  const int ngroups = static_cast<int>((g.n_cols + 15) / 16);
  std::int64_t K = 0;
  for (std::int64_t blk = 0; blk < nblocks; ++blk) K += (std::min<std::int64_t>(R, g.span - (blk % nch) * R) + 3) / 4;
  out.K = static_cast<int>(K);
  out.w.assign(static_cast<std::size_t>(K * ngroups * 64), 0);
  out.wsum.assign(static_cast<std::size_t>(ngroups * 16), 0);
  const bool raw = wmode_ == static_cast<int>(isa::WeightMode::Raw);
  const int b = wbits_;
  const unsigned cmask = (1u << b) - 1u;
  const std::int64_t ncols = g.n_cols;
  const std::size_t gstride = static_cast<std::size_t>(K) * 64;
  std::int8_t dec[256];
  std::int64_t active = 0, k0 = 0;
  for (std::int64_t blk = 0; blk < nblocks; ++blk) {
    const std::int64_t k = blk % nch;
    const std::int64_t rows = std::min<std::int64_t>(R, g.span - k * R);
    const std::uint8_t* base = out.raw.data() + blk * wblk;
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::uint8_t* row = base + r * ((std::int64_t{hw_.cols} * wbits_ + 7) / 8);
      if (raw) {
        for (std::int64_t c = 0; c < ncols; ++c) dec[c] = static_cast<std::int8_t>(row[c]);
      } else if (b == 4) {
        for (std::int64_t c = 0; c < ncols; ++c) dec[c] = luts_[static_cast<std::size_t>(c * 16 + ((row[c >> 1] >> ((c & 1) * 4)) & 15))];
      } else if (b == 2) {
        for (std::int64_t c = 0; c < ncols; ++c) dec[c] = luts_[static_cast<std::size_t>(c * 16 + ((row[c >> 2] >> ((c & 3) * 2)) & 3))];
      } else if (b == 1) {
        for (std::int64_t c = 0; c < ncols; ++c) dec[c] = luts_[static_cast<std::size_t>(c * 16 + ((row[c >> 3] >> (c & 7)) & 1))];
      } else {
        for (std::int64_t c = 0; c < ncols; ++c) {
          const std::int64_t bit = c * b;
          unsigned code = row[bit / 8];
          if (bit % 8 + b > 8) code |= unsigned{row[bit / 8 + 1]} << 8;
          dec[c] = luts_[static_cast<std::size_t>(c * 16 + ((code >> (bit % 8)) & cmask))];
        }
      }
      if (in_group_ > 0) {
        const std::int64_t grp = (g.in_offset + k * R + r) / in_group_;
        for (std::int64_t c = 0; c < ncols; ++c)
          if (grp != (out_offset_ + c) / out_group_) dec[c] = 0;
          else ++active;
      } else {
        active += ncols;
      }
      std::int8_t* wr = out.w.data() + static_cast<std::size_t>(k0 + r / 4) * 64 + r % 4;
      for (std::int64_t c = 0; c < ncols; ++c) {
        wr[static_cast<std::size_t>(c / 16) * gstride + static_cast<std::size_t>(c % 16) * 4] = dec[c];
        out.wsum[static_cast<std::size_t>(c)] += 128 * dec[c];
      }
    }
    k0 += (rows + 3) / 4;
  }
  out.active = active;
}

// The kernels' view of GEMM g over the decoded weights d: each quad's activation offset, each output pixel's base,
// and the kernels::VnniGemm over them. Returns the activation rows read per output pixel.
namespace {

std::int64_t gemm_work(const isa::Gemm& g, const HwConfig& hw, std::int64_t nch, const DecodedWeights& d,
                       const std::uint8_t* act, interp::GemmWork& w) {
  const int R = hw.rows;
  w.C = hw.cols;
  w.n_cols = static_cast<int>(g.n_cols);
  w.qoff.resize(static_cast<std::size_t>(d.K));
  std::int64_t rows_total = 0;
  std::int64_t* q = w.qoff.data();
  for (std::int64_t ty = 0; ty < g.taps_y; ++ty)
    for (std::int64_t tx = 0; tx < g.taps_x; ++tx) {
      const std::int64_t off = ty * g.dil_y * g.row_stride + tx * g.dil_x * g.pix_stride;
      for (std::int64_t k = 0; k < nch; ++k) {
        const std::int64_t rows = std::min<std::int64_t>(R, g.span - k * R);
        for (std::int64_t r = 0; r < rows; r += 4) *q++ = off + k * R + r;
        rows_total += rows;
      }
    }
  const std::int64_t P = g.out_h * g.out_w;
  w.pix_base.resize(static_cast<std::size_t>(P));
  for (std::int64_t oy = 0, p = 0; oy < g.out_h; ++oy) {
    const std::int64_t row = g.act_addr + oy * g.stride_y * g.row_stride;
    for (std::int64_t ox = 0; ox < g.out_w; ++ox, ++p) w.pix_base[static_cast<std::size_t>(p)] = row + ox * g.stride_x * g.pix_stride;
  }
  kernels::VnniGemm& vg = w.vnni;
  vg.act = act;
  vg.pix = w.pix_base.data();
  vg.P = P;
  vg.qoff = w.qoff.data();
  vg.K = d.K;
  vg.w = d.w.data();
  vg.wsum128 = d.wsum.data();
  vg.ngroups = static_cast<int>((g.n_cols + 15) / 16);
  vg.code = g.act_signed ? kernels::ActCode::S8 : kernels::ActCode::U8;
  return rows_total;
}

}  // namespace

void Machine::exec_gemm(const isa::Gemm& g, Counters& st, const Ctx& ctx) {
  const int R = hw_.rows, C = hw_.cols;
  const std::int64_t nch = (g.span + R - 1) / R;
  const std::int64_t nblocks = g.taps_y * g.taps_x * nch;
  const std::int64_t wrow = (std::int64_t{C} * wbits_ + 7) / 8, wblk = R * wrow;
  const std::int64_t P = g.out_h * g.out_w;
  ctx.range("activation SRAM", "read", g.act_addr,
            g.act_addr + ((g.out_h - 1) * g.stride_y + (g.taps_y - 1) * g.dil_y) * g.row_stride +
                ((g.out_w - 1) * g.stride_x + (g.taps_x - 1) * g.dil_x) * g.pix_stride + g.span,
            act_size_);
  ctx.range("weight SRAM", "read", g.wgt_addr, g.wgt_addr + nblocks * wblk, wgt_size_);
  ctx.range("accumulator SRAM", "entries", g.acc_addr, g.acc_addr + P, acc_entries_);

  // Decoded weights: from the cache when the same bytes were decoded with the same state and geometry.
  const std::uint8_t* raw = wgt_.data() + g.wgt_addr;
  const std::size_t raw_n = static_cast<std::size_t>(nblocks * wblk);
  const std::size_t lut_n = wmode_ == static_cast<int>(isa::WeightMode::Raw) ? 0 : luts_.size();
  const std::size_t probe = std::min<std::size_t>(raw_n, 64);
  std::uint64_t h = hash_bytes(0x1234567, raw, probe);
  h = hash_bytes(h, raw + raw_n - probe, probe);
  for (std::int64_t v : {g.span, g.taps_y * g.taps_x, g.n_cols, g.in_offset, std::int64_t{wmode_}, std::int64_t{wbits_},
                         in_group_, out_group_, out_offset_, static_cast<std::int64_t>(raw_n)})
    h = mix(h, static_cast<std::uint64_t>(v));
  if (lut_n) h = mix(h, scratch_->lut_hash);
  auto& bucket = scratch_->wcache[h];
  const DecodedWeights* hit = nullptr;
  for (const auto& c : bucket)
    if (c->span == g.span && c->taps == g.taps_y * g.taps_x && c->n_cols == g.n_cols && c->in_offset == g.in_offset &&
        c->wmode == wmode_ && c->wbits == wbits_ && c->in_group == in_group_ && c->out_group == out_group_ &&
        c->out_offset == out_offset_ && c->raw.size() == raw_n && std::memcmp(c->raw.data(), raw, raw_n) == 0 &&
        c->luts.size() == lut_n && (lut_n == 0 || std::memcmp(c->luts.data(), luts_.data(), lut_n) == 0)) {
      hit = c.get();
      break;
    }
  if (!hit) {
    auto c = std::make_unique<DecodedWeights>();
    c->span = g.span;
    c->taps = g.taps_y * g.taps_x;
    c->n_cols = g.n_cols;
    c->in_offset = g.in_offset;
    c->wmode = wmode_;
    c->wbits = wbits_;
    c->in_group = in_group_;
    c->out_group = out_group_;
    c->out_offset = out_offset_;
    c->luts.assign(luts_.begin(), luts_.begin() + static_cast<std::ptrdiff_t>(lut_n));
    c->raw.assign(raw, raw + raw_n);
    decode_weights(g, nch, nblocks, wrow, wblk, *c);
    const std::size_t bytes = c->raw.size() + c->w.size() + 4 * c->wsum.size();
    if (scratch_->wcache_bytes + bytes > (std::size_t{1} << 30)) {  // bound the memory: start over
      scratch_->wcache.clear();
      scratch_->wcache_bytes = 0;
    }
    scratch_->wcache_bytes += bytes;
    auto& b2 = scratch_->wcache[h];
    b2.push_back(std::move(c));
    hit = b2.back().get();
  }

  interp::GemmWork& w = scratch_->gemm;
  const std::int64_t rows_total = gemm_work(g, hw_, nch, *hit, act_.data(), w);
  const std::int64_t active = hit->active;

  std::int32_t* accmem = acc_.data() + g.acc_addr * C;
  if (!portable_ && kernels::have_avx512_vnni()) interp::gemm_vnni(w, accmem, g.accumulate != 0, hw_.acc_bits, threads_);
  else interp::gemm_portable(w, accmem, g.accumulate != 0, hw_.acc_bits, threads_);
  st.macs += P * active;
  if (wmode_ != static_cast<int>(isa::WeightMode::Raw)) st.lut_reads += P * active;
  st.pe_code_writes += nblocks * R * C;
  st.act.read_bytes += P * rows_total;
  st.wgt.read_bytes += nblocks * wblk;
  const std::int64_t acc_reads = P * (nblocks - (g.accumulate ? 0 : 1));
  st.acc_reads += acc_reads;
  st.acc_writes += P * nblocks;
  st.acc.read_bytes += acc_reads * g.n_cols * 4;
  st.acc.write_bytes += P * g.n_cols * 4 * nblocks;
}

void Machine::exec_vec(const isa::Vec& v, Counters& st, const Ctx& ctx) {
  const int C = hw_.cols;
  const std::int64_t P = v.out_h * v.out_w, taps = v.taps_y * v.taps_x, n = v.n_lanes;
  const std::int64_t extent = ((v.out_h - 1) * v.stride_y + (v.taps_y - 1) * v.dil_y) * v.row_stride +
                              ((v.out_w - 1) * v.stride_x + (v.taps_x - 1) * v.dil_x) * v.pix_stride + n;
  const isa::VecOp op = static_cast<isa::VecOp>(v.op);
  ctx.range("activation SRAM", "read", v.act_addr, v.act_addr + extent, act_size_);
  if (op == isa::VecOp::Add) ctx.range("activation SRAM", "read", v.act_addr_b, v.act_addr_b + extent, act_size_);
  ctx.range("accumulator SRAM", "entries", v.acc_addr, v.acc_addr + P, acc_entries_);
  interp::VecArgs& a = scratch_->vec;
  a.op = op;
  a.accumulate = v.accumulate != 0;
  a.a_signed = v.a_signed != 0;
  a.b_signed = v.b_signed != 0;
  a.la = static_cast<int>(v.la);
  a.lb = static_cast<int>(v.lb);
  a.n_lanes = n;
  a.C = C;
  a.a = act_.data() + v.act_addr;
  a.b = act_.data() + v.act_addr_b;
  a.acc = acc_.data() + v.acc_addr * C;
  a.pix_off.resize(static_cast<std::size_t>(P));
  for (std::int64_t oy = 0, p = 0; oy < v.out_h; ++oy)
    for (std::int64_t ox = 0; ox < v.out_w; ++ox, ++p)
      a.pix_off[static_cast<std::size_t>(p)] = oy * v.stride_y * v.row_stride + ox * v.stride_x * v.pix_stride;
  a.tap_off.resize(static_cast<std::size_t>(taps));
  for (std::int64_t ty = 0, t = 0; ty < v.taps_y; ++ty)
    for (std::int64_t tx = 0; tx < v.taps_x; ++tx, ++t)
      a.tap_off[static_cast<std::size_t>(t)] = ty * v.dil_y * v.row_stride + tx * v.dil_x * v.pix_stride;
  if (!portable_ && kernels::have_avx512_vnni()) interp::vec_avx512(a);
  else interp::vec_portable(a);
  st.act.read_bytes += P * taps * n * (op == isa::VecOp::Add ? 2 : 1);
  st.acc_reads += v.accumulate ? P : 0;
  st.acc_writes += P;
  st.acc.read_bytes += v.accumulate ? P * n * 4 : 0;
  st.acc.write_bytes += P * n * 4;
  st.vec_lane_ops += P * taps * n;
}

void Machine::exec_ppu(const isa::Ppu& p, Counters& st, const Ctx& ctx) {
  const std::int64_t C = hw_.cols;
  const int A = hw_.acc_bits;
  const std::int64_t es = p.out_s32 ? 4 : 1;
  ctx.range("accumulator SRAM", "entries", p.acc_addr, p.acc_addr + p.n_pix, acc_entries_);
  ctx.range("activation SRAM", "write", p.out_addr, p.out_addr + (p.n_pix - 1) * p.out_stride + p.n_cols * es, act_size_);
  std::int32_t bias[256] = {}, shift[256];
  if (p.bias_en) {
    ctx.range("parameter SRAM", "read", p.bias_addr, p.bias_addr + 4 * p.n_cols, param_size_);
    std::memcpy(bias, &param_[static_cast<std::size_t>(p.bias_addr)], static_cast<std::size_t>(4 * p.n_cols));
    st.param.read_bytes += 4 * p.n_cols;
  }
  const bool pc_shift = p.shift_per_channel && !p.out_s32;
  if (pc_shift) {
    ctx.range("parameter SRAM", "read", p.shift_addr, p.shift_addr + p.n_cols, param_size_);
    for (std::int64_t c = 0; c < p.n_cols; ++c) {
      shift[c] = static_cast<std::int8_t>(param_[static_cast<std::size_t>(p.shift_addr + c)]);
      if (shift[c] < kMinShift || shift[c] > kMaxShift)
        ctx.fail("per-channel shift of lane " + std::to_string(c) + " (parameter SRAM byte " + std::to_string(p.shift_addr + c) +
                 ") is " + std::to_string(shift[c]) + ", outside [" + std::to_string(kMinShift) + ", " + std::to_string(kMaxShift) + "]");
    }
    st.param.read_bytes += p.n_cols;
  } else {
    for (std::int64_t c = 0; c < p.n_cols; ++c) shift[c] = static_cast<std::int32_t>(p.shift_imm);
  }
  const std::int32_t* acc = acc_.data() + p.acc_addr * C;
  std::uint8_t* out = act_.data() + p.out_addr;
  if (p.out_s32) {
    for (std::int64_t i = 0; i < p.n_pix; ++i)
      for (std::int64_t c = 0; c < p.n_cols; ++c) {
        std::int64_t v = std::int64_t{acc[i * C + c]} + bias[c];
        if (p.wrap_en) v = wrap(v, A);
        const auto u = static_cast<std::uint32_t>(static_cast<std::int32_t>(wrap(v, 32)));
        std::memcpy(out + i * p.out_stride + 4 * c, &u, 4);
      }
  } else {
    interp::PpuArgs a;
    a.acc = acc;
    a.C = C;
    a.n_pix = p.n_pix;
    a.n_cols = p.n_cols;
    a.stride = p.out_stride;
    a.bias = bias;
    a.shift = shift;
    a.wrap_en = p.wrap_en != 0;
    a.A = A;
    a.rounding = hw_.rounding;
    a.lo = static_cast<std::int32_t>(p.act_min);
    a.hi = static_cast<std::int32_t>(p.act_max);
    a.out = out;
    a.threads = threads_;
    if (!portable_ && kernels::have_avx512_vnni()) interp::ppu8_avx512(a);
    else interp::ppu8_portable(a);
  }
  st.acc_reads += p.n_pix;
  st.acc.read_bytes += p.n_pix * p.n_cols * 4;
  st.act.write_bytes += p.n_pix * p.n_cols * es;
  st.ppu_lane_ops += p.n_pix * p.n_cols;
}

namespace {
const Program& validated(const Program& p) {
  validate_program(p, "program for '" + p.network + "'");
  return p;
}
}  // namespace

Interpreter::Interpreter(const Program& p, HazardCheck check)
    : p_(validated(p)), m_(p.hw, p.dram_bytes), runner_(p, true, check) {}

IsaResult Interpreter::run(const Tensor& input, const IsaOptions& opt) {
  IsaResult res;
  res.layer_stats.assign(p_.layers.size(), Counters{});
  m_.set_portable_kernels(opt.portable_kernels);
  m_.set_threads(opt.threads);
  BatchOutputs out = runner_.run(input, m_.dram(), opt.keep_values ? KeepValues::EveryImage : KeepValues::None,
                                 [&](std::int64_t) {
                                   m_.run(p_.code, opt.schedule, p_.layers, runner_.layer_of());
                                   res.stats += m_.stats();
                                   res.tokens_left = m_.tokens();
                                   for (std::size_t i = 0; i < p_.layers.size(); ++i)
                                     res.layer_stats[i] += m_.per_layer_stats()[i];
                                 });
  res.output = std::move(out.output);
  res.values = std::move(out.values);
  return res;
}

IsaResult interpret(const Program& p, const Tensor& input, const IsaOptions& opt) { return Interpreter(p).run(input, opt); }

}  // namespace lutsim
