// find_hazards(): vector clocks over the three queues; per SRAM, an interval map of who last wrote and read each byte
// range; for DRAM, the window of DMA boxes not yet known complete by every other queue (hazards.h).
#include "lutsim/firmware/hazards.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <variant>

#include "lutsim/model/error.h"

namespace lutsim {
namespace {

constexpr int kQueues = isa::kNumQueues;
using Clock = std::array<std::int64_t, kQueues>;  // per queue: instructions (by 1-based sequence) known complete

enum Space : int { kAct = 0, kWgt = 1, kParam = 2, kDram = 3, kSpaces = 4 };
constexpr const char* kSpaceName[kSpaces] = {"act", "wgt", "param", "dram"};

struct Range {
  std::uint64_t lo = 0, hi = 0;
};

// One memory space: disjoint segments [start, end) with their last writer (-1: the host) and last reader per queue.
class Shadow {
 public:
  struct Seg {
    std::uint64_t end = 0;
    std::int32_t writer = -1;
    std::array<std::int32_t, kQueues> reader{-1, -1, -1};
    bool same_state(const Seg& o) const { return writer == o.writer && reader == o.reader; }
  };

  // Calls f(seg_start, seg) for every segment of [lo, hi), splitting segments at lo and hi and creating the
  // untouched ones (written by the host, read by nobody); then merges equal neighbours at the edges.
  template <class F>
  void visit(std::uint64_t lo, std::uint64_t hi, F&& f) {
    if (lo >= hi) return;
    split(lo);
    split(hi);
    std::uint64_t at = lo;
    auto it = segs_.lower_bound(lo);
    while (at < hi) {
      if (it == segs_.end() || it->first > at) {
        const std::uint64_t end = it == segs_.end() ? hi : std::min(hi, it->first);
        it = segs_.emplace_hint(it, at, Seg{end, -1, {-1, -1, -1}});
      }
      f(it->first, it->second);
      at = it->second.end;
      ++it;
    }
    merge_at(lo);
    merge_at(hi);
  }

 private:
  void split(std::uint64_t x) {
    auto it = segs_.upper_bound(x);
    if (it == segs_.begin()) return;
    --it;
    if (it->first < x && x < it->second.end) {
      Seg tail = it->second;
      it->second.end = x;
      segs_.emplace(x, tail);
    }
  }
  void merge_at(std::uint64_t x) {
    auto it = segs_.find(x);
    if (it == segs_.end() || it == segs_.begin()) return;
    auto prev = std::prev(it);
    if (prev->second.end == x && prev->second.same_state(it->second)) {
      prev->second.end = it->second.end;
      segs_.erase(it);
    }
  }
  std::map<std::uint64_t, Seg> segs_;
};

// A DMA's DRAM bytes: element (z, y) is the x bytes at addr + z * zs + y * ys (docs/isa.md section 3). Strides are
// unsigned, so the box lies in [addr, addr + (nz - 1) * zs + (ny - 1) * ys + x).
struct Box {
  std::uint64_t addr = 0, x = 0, ny = 0, nz = 0, ys = 0, zs = 0;
  Range bounds() const {
    if (x == 0 || ny == 0 || nz == 0) return {addr, addr};
    return {addr, addr + (nz - 1) * zs + (ny - 1) * ys + x};
  }
  // The box's bytes as disjoint runs in address order, contiguous and overlapping runs joined.
  void runs(std::vector<Range>& out) const {
    out.clear();
    bool sorted = true;
    for (std::uint64_t z = 0; z < nz; ++z)
      for (std::uint64_t y = 0; y < ny; ++y) {
        const std::uint64_t lo = addr + z * zs + y * ys, hi = lo + x;
        if (!out.empty() && lo < out.back().lo) sorted = false;
        if (!out.empty() && sorted && lo <= out.back().hi) out.back().hi = std::max(out.back().hi, hi);
        else out.push_back({lo, hi});
      }
    if (sorted) return;
    std::sort(out.begin(), out.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
    std::size_t k = 0;
    for (std::size_t i = 1; i < out.size(); ++i)
      if (out[i].lo <= out[k].hi) out[k].hi = std::max(out[k].hi, out[i].hi);
      else out[++k] = out[i];
    out.resize(k + 1);
  }
};

struct Access {
  Space space;
  Range r;  // for DRAM, the box's bounds
  bool write;
  Box box;  // DRAM only
};

std::uint64_t u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

Access sram(Space space, Range r, bool write) { return {space, r, write, Box{}}; }

Access dram_access(std::int64_t addr, std::int64_t x, std::int64_t ny, std::int64_t nz, std::int64_t ys,
                   std::int64_t zs, bool write) {
  const Box b{u(addr), u(x), u(ny), u(nz), u(ys), u(zs)};
  return {kDram, b.bounds(), write, b};
}

// The last byte + 1 of a window walk: pixel (0,0) tap (0,0) at `addr`, `width` bytes per position.
std::uint64_t window_end(std::int64_t addr, std::int64_t out_h, std::int64_t out_w, std::int64_t sy, std::int64_t sx,
                         std::int64_t dy, std::int64_t dx, std::int64_t ty, std::int64_t tx, std::int64_t row,
                         std::int64_t pix, std::int64_t width) {
  return u(addr + ((out_h - 1) * sy + (ty - 1) * dy) * row + ((out_w - 1) * sx + (tx - 1) * dx) * pix + width);
}

// What an instruction reads and writes (docs/isa.md section 3); `wbits` is the code width of the last WCFG.
std::vector<Access> accesses(const isa::Instruction& in, const HwConfig& hw, std::int64_t* wbits) {
  std::vector<Access> a;
  const std::int64_t R = hw.rows, C = hw.cols;
  if (const auto* l = std::get_if<isa::Load>(&in.body)) {
    a.push_back(dram_access(l->dram_addr, l->x_size, l->y_size, l->z_size, l->y_stride, l->z_stride, false));
    const std::int64_t Y = l->y_size + l->pad_left + l->pad_right, Z = l->z_size + l->pad_top + l->pad_bottom;
    a.push_back(sram(static_cast<Space>(l->buf), {u(l->sram_addr), u(l->sram_addr + Z * Y * l->x_size)}, true));
  } else if (const auto* s = std::get_if<isa::Store>(&in.body)) {
    a.push_back(sram(kAct, {u(s->sram_addr), u(s->sram_addr + s->z_size * s->y_size * s->x_size)}, false));
    a.push_back(dram_access(s->dram_addr, s->x_size, s->y_size, s->z_size, s->y_stride, s->z_stride, true));
  } else if (const auto* w = std::get_if<isa::Wcfg>(&in.body)) {
    *wbits = w->bits;
    const std::int64_t lut = std::int64_t{1} << std::min<std::int64_t>(w->bits, 8);
    if (w->mode == 1) a.push_back(sram(kParam, {u(w->lut_addr), u(w->lut_addr + lut)}, false));
    if (w->mode == 2) a.push_back(sram(kParam, {u(w->lut_addr), u(w->lut_addr + C * lut)}, false));
  } else if (const auto* g = std::get_if<isa::Gemm>(&in.body)) {
    a.push_back(sram(kAct,
                 {u(g->act_addr), window_end(g->act_addr, g->out_h, g->out_w, g->stride_y, g->stride_x, g->dil_y,
                                             g->dil_x, g->taps_y, g->taps_x, g->row_stride, g->pix_stride, g->span)},
                 false));
    const std::int64_t chunks = (g->span + R - 1) / R, block = R * ((C * *wbits + 7) / 8);
    a.push_back(sram(kWgt, {u(g->wgt_addr), u(g->wgt_addr + g->taps_y * g->taps_x * chunks * block)}, false));
  } else if (const auto* v = std::get_if<isa::Vec>(&in.body)) {
    a.push_back(sram(kAct,
                 {u(v->act_addr), window_end(v->act_addr, v->out_h, v->out_w, v->stride_y, v->stride_x, v->dil_y,
                                             v->dil_x, v->taps_y, v->taps_x, v->row_stride, v->pix_stride, v->n_lanes)},
                 false));
    if (v->op == static_cast<std::int64_t>(isa::VecOp::Add))
      a.push_back(sram(kAct,
                   {u(v->act_addr_b), window_end(v->act_addr_b, v->out_h, v->out_w, v->stride_y, v->stride_x, v->dil_y,
                                                 v->dil_x, 1, 1, v->row_stride, v->pix_stride, v->n_lanes)},
                   false));
  } else if (const auto* p = std::get_if<isa::Ppu>(&in.body)) {
    if (p->bias_en) a.push_back(sram(kParam, {u(p->bias_addr), u(p->bias_addr + 4 * p->n_cols)}, false));
    if (p->shift_per_channel && !p->out_s32)
      a.push_back(sram(kParam, {u(p->shift_addr), u(p->shift_addr + p->n_cols)}, false));
    const std::int64_t width = p->n_cols * (p->out_s32 ? 4 : 1);
    a.push_back(sram(kAct, {u(p->out_addr), u(p->out_addr + (p->n_pix - 1) * p->out_stride + width)}, true));
  }
  return a;
}

// DRAM, which only the DMA queues touch and where one DMA covers thousands of short runs: rather than a shadow of
// every byte, the DMA boxes that some other queue may not yet know complete, per queue in program order. A hazard
// needs an earlier access that is not ordered before the new one; since every queue's view of the others only grows,
// a box that each other DRAM queue knows complete can never form one again and is dropped. In a program with
// tokens the window is short, and only its unordered boxes whose bounds overlap are compared run by run.
//
// This finds the same hazards as a shadow of every byte would: if the last writer of a byte is ordered before a
// reader, so is every earlier writer of it (the earlier one is ordered before the later, or that pair is already a
// write-after-write hazard), and likewise for the readers before a writer.
class DramWindow {
 public:
  struct Entry {
    Box box;
    Range bounds;
    std::int32_t pc;
    std::int64_t seq;  // its 1-based position in its queue
    bool write;
  };

  explicit DramWindow(const Program& p) {
    for (const isa::Instruction& in : p.code)
      if (std::holds_alternative<isa::Load>(in.body) || std::holds_alternative<isa::Store>(in.body))
        touches_[static_cast<std::size_t>(isa::queue_of(in))] = true;
  }

  // Calls f(entry, lo, hi) for each access of the window that `a` (by queue q, whose start clock is `start`) races
  // with: another queue's, not ordered before it, at least one of the two a write, sharing the bytes [lo, hi) (the
  // first bytes they share).
  template <class F>
  void races(const Access& a, int q, const Clock& start, F&& f) {
    for (int k = 0; k < kQueues; ++k) {
      if (k == q) continue;
      const std::deque<Entry>& w = active_[static_cast<std::size_t>(k)];
      for (auto it = w.rbegin(); it != w.rend() && it->seq > start[static_cast<std::size_t>(k)]; ++it) {
        if (!a.write && !it->write) continue;
        if (it->bounds.hi <= a.r.lo || a.r.hi <= it->bounds.lo) continue;
        if (const auto shared = first_shared(a.box, it->box)) f(*it, shared->lo, shared->hi);
      }
    }
  }

  // Adds `a` and drops the boxes that every other DRAM queue now knows complete (`last`: each queue's last clock).
  void add(const Access& a, int q, std::int32_t pc, std::int64_t seq, const std::array<Clock, kQueues>& last) {
    active_[static_cast<std::size_t>(q)].push_back({a.box, a.r, pc, seq, a.write});
    for (int k = 0; k < kQueues; ++k) {
      std::int64_t known = INT64_MAX;  // the last instruction of queue k that every other DRAM queue knows complete
      for (int o = 0; o < kQueues; ++o)
        if (o != k && touches_[static_cast<std::size_t>(o)]) known = std::min(known, last[static_cast<std::size_t>(o)][k]);
      std::deque<Entry>& w = active_[static_cast<std::size_t>(k)];
      while (!w.empty() && w.front().seq <= known) w.pop_front();
    }
  }

 private:
  // The first bytes two boxes share, if any.
  std::optional<Range> first_shared(const Box& a, const Box& b) {
    a.runs(ra_);
    b.runs(rb_);
    for (std::size_t i = 0, j = 0; i < ra_.size() && j < rb_.size();) {
      const std::uint64_t lo = std::max(ra_[i].lo, rb_[j].lo), hi = std::min(ra_[i].hi, rb_[j].hi);
      if (lo < hi) return Range{lo, hi};
      (ra_[i].hi < rb_[j].hi ? i : j)++;
    }
    return std::nullopt;
  }

  std::array<bool, kQueues> touches_{};
  std::array<std::deque<Entry>, kQueues> active_;
  std::vector<Range> ra_, rb_;
};

std::string pc_text(const Program& p, std::int32_t pc) {
  const isa::Instruction& in = p.code.at(static_cast<std::size_t>(pc));
  const int layer = p.layer_of(static_cast<std::uint32_t>(pc));
  return "pc " + std::to_string(pc) + " (" + std::string(isa::opcode_name(in.opcode())) + ", " +
         std::string(isa::queue_name(isa::queue_of(in))) + " queue, layer " +
         (layer >= 0 ? "'" + p.layers[static_cast<std::size_t>(layer)].name + "'" : std::string("none")) + ")";
}

}  // namespace

std::string_view hazard_kind_name(HazardKind k) {
  switch (k) {
    case HazardKind::ReadAfterWrite: return "read after write";
    case HazardKind::WriteAfterWrite: return "write after write";
    case HazardKind::WriteAfterRead: return "write after read";
    case HazardKind::TokenUnderflow: return "token underflow";
  }
  return "?";
}

std::string Hazard::describe(const Program& p) const {
  if (kind == HazardKind::TokenUnderflow)
    return std::string(hazard_kind_name(kind)) + ": " + pc_text(p, pc) + " pops a token that no earlier instruction pushed";
  const std::string range = space + " [" + std::to_string(lo) + ", " + std::to_string(hi) + ")";
  const char* verb = kind == HazardKind::ReadAfterWrite ? " reads " : " writes ";
  const char* theirs = kind == HazardKind::WriteAfterRead ? ", read by " : ", written by ";
  const char* what = kind == HazardKind::WriteAfterRead ? "read" : "write";
  return std::string(hazard_kind_name(kind)) + ": " + pc_text(p, pc) + verb + range + theirs + pc_text(p, other) +
         ", and no dependency token or queue order finishes that " + what + " first";
}

std::vector<Hazard> find_hazards(const Program& p, std::size_t max) {
  std::vector<Hazard> found;
  const std::size_t n = p.code.size();
  std::vector<std::int64_t> seq(n, 0);            // its 1-based position in its queue
  std::vector<int> queue(n, 0);
  std::array<std::int64_t, kQueues> count{};      // instructions of each queue so far
  std::array<Clock, kQueues> last{};               // the clock of each queue's last instruction, completed
  // Token queues by (from, to): the completed clocks of the pushers, first in first out.
  std::map<std::pair<int, int>, std::deque<Clock>> tokens;
  std::array<Shadow, kSpaces> shadow;  // the SRAMs'; DRAM's is the window
  DramWindow window(p);
  std::int64_t wbits = 8;

  // Whether `a` (an earlier instruction, or -1 for the host) has completed before `b` starts.
  auto ordered = [&](std::int32_t a, std::int32_t b, const Clock& start_b) {
    if (a < 0 || a == b) return true;
    const int qa = queue[static_cast<std::size_t>(a)];
    if (qa == queue[static_cast<std::size_t>(b)]) return true;  // one queue runs one instruction at a time, in order
    return start_b[static_cast<std::size_t>(qa)] >= seq[static_cast<std::size_t>(a)];
  };

  for (std::uint32_t pc = 0; pc < n && found.size() < max; ++pc) {
    const isa::Instruction& in = p.code[pc];
    const int q = static_cast<int>(isa::queue_of(in));
    queue[pc] = q;
    seq[pc] = ++count[static_cast<std::size_t>(q)];
    Clock start = last[static_cast<std::size_t>(q)];
    auto pop = [&](int from) {
      std::deque<Clock>& t = tokens[{from, q}];
      if (t.empty()) {
        found.push_back({HazardKind::TokenUnderflow, static_cast<std::int32_t>(pc), -1, "", 0, 0});
        return;
      }
      for (int k = 0; k < kQueues; ++k) start[static_cast<std::size_t>(k)] = std::max(start[k], t.front()[k]);
      t.pop_front();
    };
    if (in.deps.pop_prev) pop(q - 1);
    if (in.deps.pop_next) pop(q + 1);

    const std::int32_t me = static_cast<std::int32_t>(pc);
    const std::vector<Access> acc = accesses(in, p.hw, &wbits);
    std::vector<const Access*> dram;
    for (const bool writes : {false, true})
      for (const Access& a : acc) {
        if (a.write != writes) continue;
        if (a.space == kDram) {
          window.races(a, q, start, [&](const DramWindow::Entry& e, std::uint64_t lo, std::uint64_t hi) {
            const HazardKind k = !a.write ? HazardKind::ReadAfterWrite
                                 : e.write ? HazardKind::WriteAfterWrite
                                           : HazardKind::WriteAfterRead;
            if (found.size() < max) found.push_back({k, me, e.pc, kSpaceName[kDram], lo, hi});
          });
          dram.push_back(&a);
          continue;
        }
        shadow[a.space].visit(a.r.lo, a.r.hi, [&](std::uint64_t lo, Shadow::Seg& s) {
          auto report = [&](HazardKind k, std::int32_t other) {
            if (found.size() < max) found.push_back({k, me, other, kSpaceName[a.space], lo, s.end});
          };
          if (!a.write) {
            if (!ordered(s.writer, me, start)) report(HazardKind::ReadAfterWrite, s.writer);
            s.reader[static_cast<std::size_t>(q)] = me;
            return;
          }
          if (!ordered(s.writer, me, start)) report(HazardKind::WriteAfterWrite, s.writer);
          for (std::int32_t r : s.reader)
            if (r >= 0 && !ordered(r, me, start)) report(HazardKind::WriteAfterRead, r);
          s.writer = me;
          s.reader = {-1, -1, -1};
        });
      }

    Clock fin = start;
    fin[static_cast<std::size_t>(q)] = seq[pc];
    last[static_cast<std::size_t>(q)] = fin;
    for (const Access* a : dram) window.add(*a, q, me, seq[pc], last);
    if (in.deps.push_prev) tokens[{q, q - 1}].push_back(fin);
    if (in.deps.push_next) tokens[{q, q + 1}].push_back(fin);
  }
  return found;
}

void check_hazards(const Program& p, const std::string& what) {
  const std::vector<Hazard> h = find_hazards(p, 1);
  if (!h.empty()) throw Error(what + ": hazard: " + h[0].describe(p));
}

}  // namespace lutsim
