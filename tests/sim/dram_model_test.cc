// The DRAM timing model (sim/dram): hand-computed burst timings, the latency edge (not done at N-1, done at N),
// the outstanding limit, the shared bus, fractional bandwidth, burst splitting, parameter errors, and agreement
// with an independent cycle-stepped reference on random request streams.
#include "lutsim/sim/dram_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>

#include "lutsim/model/error.h"

namespace lutsim::sim {
namespace {

DramParams params(double b, std::int64_t l, int m, int z) {
  DramParams p;
  p.bytes_per_cycle = b;
  p.latency = l;
  p.max_outstanding = m;
  p.burst_bytes = z;
  return p;
}

TEST(DramModel, OneBurstTimedByHand) {
  DramModel d(params(16, 100, 8, 64));
  EXPECT_EQ(d.earliest_issue(0), 0);
  EXPECT_EQ(d.issue(0, 64, false), 103);  // bytes move in cycles 100..103
  EXPECT_EQ(d.last_burst().first_data, 100);
  EXPECT_EQ(d.last_burst().done(), 104);
  EXPECT_EQ(d.drained_at(), 104);
  EXPECT_EQ(d.stats().read_bytes, 64);
  EXPECT_EQ(d.stats().read_bursts, 1);
  EXPECT_EQ(d.stats().write_bursts, 0);
}

TEST(DramModel, LatencyEdgeForEveryLatency) {
  for (std::int64_t lat = 0; lat <= 40; ++lat) {
    SCOPED_TRACE("L = " + std::to_string(lat));
    DramModel d(params(8, lat, 4, 64));
    const std::int64_t t = 7;
    d.issue(t, 8, false);  // one cycle of data
    const std::int64_t done = t + lat + 1;
    EXPECT_EQ(d.last_burst().done(), done);
    EXPECT_EQ(d.in_flight(done - 1), 1);  // not done at N-1
    EXPECT_EQ(d.in_flight(done), 0);      // done at N
  }
}

TEST(DramModel, OneIssuePerCycle) {
  DramModel d(params(64, 5, 8, 64));
  d.issue(3, 64, false);
  EXPECT_EQ(d.earliest_issue(3), 4);
  EXPECT_EQ(d.earliest_issue(0), 4);
  EXPECT_THROW(d.issue(3, 64, false), Error);
}

TEST(DramModel, OutstandingLimitEdge) {
  // M = 2, L = 10, one cycle of data per burst: bursts at 0 and 1 are done at 11 and 12.
  DramModel d(params(64, 10, 2, 64));
  d.issue(0, 64, false);
  d.issue(1, 64, false);
  EXPECT_EQ(d.in_flight(1), 2);
  EXPECT_FALSE(d.can_issue(10));
  EXPECT_EQ(d.earliest_issue(2), 11);
  EXPECT_TRUE(d.can_issue(11));
  try {
    d.issue(10, 64, false);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dram.max_outstanding"), std::string::npos) << e.what();
  }
  EXPECT_EQ(d.issue(11, 64, false), 21);
}

TEST(DramModel, ContiguousTransferTakesLatencyPlusBytesOverBandwidth) {
  for (double b : {4.0, 8.0, 16.0, 32.0}) {
    for (std::int64_t n : {1, 63, 64, 65, 1000, 4096, 10000}) {
      DramModel d(params(b, 100, 256, 64));
      std::vector<std::int64_t> bursts;
      DramModel::split(0, static_cast<std::uint64_t>(n), 64, &bursts);
      std::int64_t t = 2, last = 0;
      for (const std::int64_t sz : bursts) {
        t = d.earliest_issue(t);
        last = d.issue(t, sz, false);
      }
      // 256 bursts in flight cover L = 100 at these bandwidths: the bus never waits after the first data.
      const auto expect = 2 + 100 + static_cast<std::int64_t>((static_cast<double>(n) + b - 1) / b);
      EXPECT_EQ(last + 1, expect) << "B " << b << " n " << n;
    }
  }
}

TEST(DramModel, FewOutstandingBurstsLimitBandwidth) {
  // M = 4 bursts of 64 bytes, L = 100, B = 64: each round trip of 4 bursts takes L + 1 cycles after the
  // previous round's first burst is done, so throughput is M * Z per (L + 1) cycles, not B.
  DramModel d(params(64, 100, 4, 64));
  std::int64_t t = 0, last = 0;
  for (int i = 0; i < 12; ++i) {
    t = d.earliest_issue(t);
    last = d.issue(t, 64, false);
    if (i % 4 == 0) {
      EXPECT_EQ(t, (i / 4) * 101) << i;
    }
  }
  EXPECT_EQ(last, 2 * 101 + 3 + 100);
}

TEST(DramModel, ReadsAndWritesShareTheBus) {
  DramModel d(params(16, 10, 8, 64));
  EXPECT_EQ(d.issue(0, 64, false), 13);
  EXPECT_EQ(d.issue(1, 64, true), 17);
  EXPECT_EQ(d.issue(2, 64, false), 21);
  EXPECT_EQ(d.issue(3, 64, true), 25);
  EXPECT_EQ(d.stats().read_bytes, 128);
  EXPECT_EQ(d.stats().write_bytes, 128);
  EXPECT_EQ(d.stats().write_bursts, 2);
}

TEST(DramModel, FractionalBandwidthSharesACycle) {
  // B = 4, 6-byte bursts, L = 0: the first moves in [0, 1.5), the second in [1.5, 3): cycle 1 carries both.
  DramModel d(params(4, 0, 4, 8));
  EXPECT_EQ(d.issue(0, 6, false), 1);
  EXPECT_EQ(d.issue(1, 6, false), 2);
  EXPECT_EQ(d.last_burst().first_data, 1);
  // B = 2.5: 5 bytes take exactly 2 cycles, 64 bytes 25.6 -> 26 cycles.
  DramModel e(params(2.5, 3, 4, 64));
  EXPECT_EQ(e.issue(0, 5, true), 4);
  EXPECT_EQ(e.issue(1, 64, true), 30);  // [5, 30.6)
}

TEST(DramModel, SplitRespectsAlignedBoundaries) {
  std::vector<std::int64_t> v;
  EXPECT_EQ(DramModel::split(60, 10, 64, &v), 2);
  EXPECT_EQ(v, (std::vector<std::int64_t>{4, 6}));
  v.clear();
  EXPECT_EQ(DramModel::split(0, 128, 64, &v), 2);
  EXPECT_EQ(v, (std::vector<std::int64_t>{64, 64}));
  v.clear();
  EXPECT_EQ(DramModel::split(17, 0, 16, &v), 0);
  EXPECT_EQ(DramModel::split(15, 34, 16, &v), 4);
  EXPECT_EQ(v, (std::vector<std::int64_t>{1, 16, 16, 1}));
}

TEST(DramModel, BadParametersNameTheField) {
  auto expect_msg = [](DramParams p, const std::string& field) {
    try {
      DramModel d(p);
      ADD_FAILURE() << "no error for " << field;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_msg(params(0, 10, 4, 64), "dram.bytes_per_cycle");
  expect_msg(params(-3, 10, 4, 64), "dram.bytes_per_cycle");
  expect_msg(params(8, -1, 4, 64), "dram.latency_cycles");
  expect_msg(params(8, 10, 0, 64), "dram.max_outstanding");
  expect_msg(params(8, 10, 4, 48), "dram.burst_bytes");
  DramModel d(params(8, 10, 4, 64));
  EXPECT_THROW(d.issue(0, 65, false), Error);
  EXPECT_THROW(d.issue(0, 0, false), Error);
}

// An independent cycle-stepped reference for integer B: a FIFO of bursts; each cycle the bus moves B bytes,
// taken from bursts whose data phase may start (issue + L <= cycle) in issue order; a burst finishing in the
// middle of a cycle leaves the rest of the cycle's bytes to the next one.
struct RefBurst {
  std::int64_t issue, bytes, left, last = -1;
};

TEST(DramModel, AgreesWithCycleSteppedReference) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 60; ++trial) {
    const int b = 1 << (rng() % 6);
    const std::int64_t lat = rng() % 30;
    const int m = 1 + static_cast<int>(rng() % 6);
    const int z = 1 << (2 + rng() % 6);
    DramModel d(params(b, lat, m, z));
    std::vector<RefBurst> ref;
    std::vector<std::int64_t> got;
    // Requests arrive at random cycles; each waits until the model accepts it (cycle-by-cycle driving).
    std::int64_t cycle = 0;
    std::deque<RefBurst*> fifo;
    std::vector<std::int64_t> want_ready;
    const int nreq = 40;
    std::vector<std::int64_t> sizes(nreq), arrive(nreq);
    for (int i = 0; i < nreq; ++i) {
      sizes[i] = 1 + static_cast<std::int64_t>(rng() % static_cast<unsigned>(z));
      arrive[i] = (i ? arrive[i - 1] : 0) + static_cast<std::int64_t>(rng() % 4);
    }
    ref.reserve(nreq);
    int next = 0;
    int in_flight = 0;
    while (next < nreq || !fifo.empty()) {
      // The reference accepts a request when it arrived, fewer than m are in flight, one per cycle.
      if (next < nreq && arrive[next] <= cycle && in_flight < m) {
        ASSERT_TRUE(d.can_issue(cycle)) << "trial " << trial << " cycle " << cycle;
        got.push_back(d.issue(cycle, sizes[next], rng() % 2));
        ref.push_back(RefBurst{cycle, sizes[next], sizes[next]});
        fifo.push_back(&ref.back());
        ++in_flight;
        ++next;
      } else if (next < nreq && arrive[next] <= cycle) {
        ASSERT_FALSE(d.can_issue(cycle)) << "trial " << trial << " cycle " << cycle;
      }
      std::int64_t budget = b;
      while (budget > 0 && !fifo.empty() && fifo.front()->issue + lat <= cycle) {
        RefBurst* f = fifo.front();
        const std::int64_t take = std::min(budget, f->left);
        f->left -= take;
        budget -= take;
        if (f->left == 0) {
          f->last = cycle;
          fifo.pop_front();
        }
      }
      ++cycle;
      // Bursts done (last byte moved in an earlier cycle) leave the in-flight count.
      in_flight = static_cast<int>(std::count_if(ref.begin(), ref.end(), [&](const RefBurst& r) {
        return r.last < 0 || r.last + 1 > cycle;
      }));
    }
    ASSERT_EQ(got.size(), ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_EQ(got[i], ref[i].last) << "trial " << trial << " burst " << i;
  }
}

}  // namespace
}  // namespace lutsim::sim
