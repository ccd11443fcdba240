// Weight quantization of one layer: power-of-two exponents by MSQE search, LUTs by 1-D k-means on the s8 grid.
#pragma once

#include <cstdint>
#include <vector>

#include "lutsim/quant/quantize.h"

namespace lutsim::quant::detail {

struct QuantWeights {
  int bits = 4;
  std::vector<int> e;                // weight exponent per output channel (all equal for a per-layer shift)
  int lut_rows = 0;                  // 0 (b = 8), 1 (per layer) or O (per channel)
  std::vector<std::int8_t> lut;      // [lut_rows, 2^b]
  std::vector<std::uint8_t> codes;   // [O * per_out] when b <= 4
  std::vector<std::int8_t> raw;      // [O * per_out] when b = 8
  std::vector<float> deq;            // the quantized weights in real units
  double sq_err = 0;                 // sum of squared errors
  std::int8_t w_int(int o, std::int64_t i, std::int64_t per_out) const;
};

// w: [O, per_out] in real units. grid: LUT per layer / per channel or uniform (ignored at b = 8).
// exp_offset is added to every exponent the search picks (the LAPQ coordinate).
QuantWeights quantize_weights(const std::vector<float>& w, int O, std::int64_t per_out, int bits, Grid grid,
                              bool per_channel_exp, int exp_offset);

}  // namespace lutsim::quant::detail
