#include "weights.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lutsim::quant::detail {
namespace {

// A sorted sample with prefix sums, so that one Lloyd step of 1-D k-means costs O(K log n): each centroid's
// cluster is a contiguous range of the sorted values.
struct Sorted {
  std::vector<double> v, s1, s2;  // values, prefix sums of v and v^2
  explicit Sorted(std::vector<double> x) : v(std::move(x)) {
    std::sort(v.begin(), v.end());
    s1.assign(v.size() + 1, 0.0);
    s2.assign(v.size() + 1, 0.0);
    for (std::size_t i = 0; i < v.size(); ++i) s1[i + 1] = s1[i] + v[i], s2[i + 1] = s2[i] + v[i] * v[i];
  }
  std::size_t lower(double t) const { return static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), t) - v.begin()); }
  // Sum of (x - c)^2 over sorted indices [a, b).
  double err(std::size_t a, std::size_t b, double c) const {
    const double n = static_cast<double>(b - a);
    return (s2[b] - s2[a]) - 2 * c * (s1[b] - s1[a]) + n * c * c;
  }
};

// Squared error of the sorted sample against the sorted codebook c (each value to its nearest entry).
double codebook_err(const Sorted& s, const std::vector<double>& c) {
  double e = 0;
  std::size_t a = 0;
  for (std::size_t k = 0; k < c.size(); ++k) {
    const std::size_t b = k + 1 < c.size() ? s.lower(0.5 * (c[k] + c[k + 1])) : s.v.size();
    if (b > a) e += s.err(a, b, c[k]);
    a = std::max(a, b);
  }
  return e;
}

// K entries of a codebook for the sorted sample (already divided by 2^e), on the s8 grid: Lloyd iterations from
// quantile initial centroids, then rounding to integers in [-128, 127] and a last rounded Lloyd pass.
std::vector<double> kmeans_s8(const Sorted& s, int K) {
  const std::size_t n = s.v.size();
  std::vector<double> c(static_cast<std::size_t>(K));
  for (int k = 0; k < K; ++k) c[static_cast<std::size_t>(k)] = s.v[std::min(n - 1, static_cast<std::size_t>((k + 0.5) * static_cast<double>(n) / K))];
  auto step = [&](bool round) {
    std::sort(c.begin(), c.end());
    std::size_t a = 0;
    std::vector<double> nc = c;
    for (std::size_t k = 0; k < c.size(); ++k) {
      const std::size_t b = k + 1 < c.size() ? s.lower(0.5 * (c[k] + c[k + 1])) : n;
      if (b > a) nc[k] = (s.s1[b] - s.s1[a]) / static_cast<double>(b - a);
      a = std::max(a, b);
    }
    for (double& x : nc) x = std::clamp(round ? std::nearbyint(x) : x, -128.0, 127.0);
    const bool same = nc == c;
    c = std::move(nc);
    return same;
  };
  for (int it = 0; it < 30; ++it)
    if (step(false)) break;
  for (double& x : c) x = std::clamp(std::nearbyint(x), -128.0, 127.0);
  for (int it = 0; it < 5; ++it)
    if (step(true)) break;
  std::sort(c.begin(), c.end());
  return c;
}

// The uniform symmetric grid of b bits: integers -L..L, L = 2^(b-1) - 1 (127 at b = 8; b = 1 is {-1, 1}).
std::vector<double> uniform_grid(int bits) {
  std::vector<double> c;
  if (bits == 1) return {-1.0, 1.0};
  const int L = (1 << (bits - 1)) - 1;
  for (int q = -L; q <= L; ++q) c.push_back(q);
  return c;
}

int ceil_log2(double x) { return x > 0 ? static_cast<int>(std::ceil(std::log2(x))) : -30; }

// The exponent search for one group of weights: a start from least squares rounded to a power of two, then a line
// search over +-3 exponents; the codebook at each exponent is fitted by k-means (LUT) or fixed (uniform).
struct Fit {
  int e = 0;
  std::vector<double> book;  // sorted integer entries
  double err = 0;            // in real units squared
};

Fit fit_group(const std::vector<double>& w, int bits, bool lut) {
  double mx = 0;
  for (double x : w) mx = std::max(mx, std::abs(x));
  const std::vector<double> grid = uniform_grid(bits);
  int e0;
  if (lut) {
    e0 = ceil_log2(mx / 127.0);  // the finest exponent that keeps every weight inside s8
  } else {
    // Least squares step for the fixed grid: alternate assignment and the closed-form step sum(wq) / sum(q^2).
    const double L = grid.back();
    double d = mx > 0 ? mx / L : 1.0;
    for (int it = 0; it < 8; ++it) {
      double swq = 0, sqq = 0;
      for (double x : w) {
        const double q = std::clamp(std::nearbyint(x / d), -L, L);
        swq += x * q, sqq += q * q;
      }
      if (sqq <= 0 || swq <= 0) break;
      d = swq / sqq;
    }
    e0 = static_cast<int>(std::lround(std::log2(d)));
  }
  Fit best;
  best.err = -1;
  for (int e = e0 - 3; e <= e0 + 3; ++e) {
    const double sc = std::ldexp(1.0, -e);
    std::vector<double> x(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) x[i] = w[i] * sc;
    const Sorted s(std::move(x));
    std::vector<double> book = lut ? kmeans_s8(s, 1 << bits) : grid;
    if (!lut && bits == 1) book = {-1.0, 1.0};
    const double err = codebook_err(s, book) * std::ldexp(1.0, 2 * e);
    if (best.err < 0 || err < best.err) best = Fit{e, std::move(book), err};
  }
  return best;
}

std::uint8_t nearest(const std::vector<double>& book, double x) {
  const auto it = std::lower_bound(book.begin(), book.end(), x);
  std::size_t k = static_cast<std::size_t>(it - book.begin());
  if (k == book.size()) return static_cast<std::uint8_t>(k - 1);
  if (k > 0 && x - book[k - 1] <= book[k] - x) --k;
  return static_cast<std::uint8_t>(k);
}

}  // namespace

std::int8_t QuantWeights::w_int(int o, std::int64_t i, std::int64_t per_out) const {
  const std::size_t idx = static_cast<std::size_t>(o * per_out + i);
  if (bits == 8) return raw[idx];
  const std::size_t row = lut_rows == 1 ? 0 : static_cast<std::size_t>(o);
  return lut[row * (std::size_t{1} << bits) + codes[idx]];
}

QuantWeights quantize_weights(const std::vector<float>& w, int O, std::int64_t per_out, int bits, Grid grid,
                              bool per_channel_exp, int exp_offset) {
  QuantWeights q;
  q.bits = bits;
  const bool lut = bits <= 4 && grid != Grid::Uniform;
  const bool per_channel_book = lut && grid == Grid::LutPerChannel;
  const std::size_t uO = static_cast<std::size_t>(O), n = static_cast<std::size_t>(per_out);
  auto channel = [&](int o, double scale) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = w[static_cast<std::size_t>(o) * n + i] * scale;
    return x;
  };
  // 1. Exponents, 2. codebooks (one per channel or one shared).
  q.e.assign(uO, 0);
  std::vector<std::vector<double>> books;
  if (per_channel_exp && (per_channel_book || !lut)) {
    for (int o = 0; o < O; ++o) {
      const Fit f = fit_group(channel(o, 1.0), bits, lut);
      q.e[static_cast<std::size_t>(o)] = f.e;
      books.push_back(f.book);
    }
    if (!per_channel_book) books.resize(1, uniform_grid(bits));
  } else if (per_channel_exp) {
    // One shared LUT with a power-of-two scale per channel: normalise each channel to the s8 range, then fit the
    // shared LUT over all of them, with the +-3 search over a common offset.
    std::vector<int> base(uO);
    for (int o = 0; o < O; ++o) {
      double mx = 0;
      for (std::size_t i = 0; i < n; ++i) mx = std::max(mx, std::abs(static_cast<double>(w[static_cast<std::size_t>(o) * n + i])));
      base[static_cast<std::size_t>(o)] = ceil_log2(mx / 127.0);
    }
    double best = -1;
    for (int d = -3; d <= 3; ++d) {
      std::vector<double> x;
      x.reserve(uO * n);
      for (int o = 0; o < O; ++o)
        for (double v : channel(o, std::ldexp(1.0, -(base[static_cast<std::size_t>(o)] + d)))) x.push_back(v);
      const Sorted s(std::move(x));
      std::vector<double> book = kmeans_s8(s, 1 << bits);
      // Error in real units: recompute per channel.
      double err = 0;
      for (int o = 0; o < O; ++o) {
        const int e = base[static_cast<std::size_t>(o)] + d;
        const Sorted so(channel(o, std::ldexp(1.0, -e)));
        err += codebook_err(so, book) * std::ldexp(1.0, 2 * e);
      }
      if (best < 0 || err < best) {
        best = err;
        books = {book};
        for (int o = 0; o < O; ++o) q.e[static_cast<std::size_t>(o)] = base[static_cast<std::size_t>(o)] + d;
      }
    }
  } else {
    std::vector<double> all(w.begin(), w.end());
    const Fit f = fit_group(all, bits, lut && !per_channel_book);
    q.e.assign(uO, f.e);
    if (per_channel_book) {
      // A shared exponent, a codebook per channel: search the exponent on the total error.
      double best = -1;
      const int e0 = f.e;
      double mx = 0;
      for (float v : w) mx = std::max(mx, std::abs(static_cast<double>(v)));
      const int el = ceil_log2(mx / 127.0);
      for (int e = std::min(e0, el) - 3; e <= std::max(e0, el) + 3; ++e) {
        std::vector<std::vector<double>> bk;
        double err = 0;
        for (int o = 0; o < O; ++o) {
          const Sorted s(channel(o, std::ldexp(1.0, -e)));
          bk.push_back(kmeans_s8(s, 1 << bits));
          err += codebook_err(s, bk.back()) * std::ldexp(1.0, 2 * e);
        }
        if (best < 0 || err < best) best = err, books = std::move(bk), q.e.assign(uO, e);
      }
    } else {
      books = {f.book};
    }
  }
  for (int& e : q.e) e += exp_offset;

  // 3. Codes (or raw weights), the LUT tensor and the dequantized weights.
  q.deq.resize(uO * n);
  if (bits == 8) q.raw.resize(uO * n);
  else q.codes.resize(uO * n);
  const std::size_t K = std::size_t{1} << std::min(bits, 4);
  if (bits <= 4) {
    q.lut_rows = static_cast<int>(books.size());
    q.lut.assign(books.size() * K, 0);
    for (std::size_t r = 0; r < books.size(); ++r)
      for (std::size_t k = 0; k < K; ++k)
        q.lut[r * K + k] = static_cast<std::int8_t>(k < books[r].size() ? books[r][k] : 0.0);
  }
  for (int o = 0; o < O; ++o) {
    const std::size_t uo = static_cast<std::size_t>(o);
    const int e = q.e[uo];
    const std::vector<double>& book = books[books.size() == 1 ? 0 : uo];
    for (std::size_t i = 0; i < n; ++i) {
      const double x = std::ldexp(static_cast<double>(w[uo * n + i]), -e);
      double v;
      if (bits == 8) {
        v = std::clamp(std::nearbyint(x), -127.0, 127.0);
        q.raw[uo * n + i] = static_cast<std::int8_t>(v);
      } else {
        const std::uint8_t c = nearest(book, x);
        q.codes[uo * n + i] = c;
        v = book[c];
      }
      q.deq[uo * n + i] = static_cast<float>(std::ldexp(v, e));
      const double d = q.deq[uo * n + i] - w[uo * n + i];
      q.sq_err += d * d;
    }
  }
  return q;
}

}  // namespace lutsim::quant::detail
