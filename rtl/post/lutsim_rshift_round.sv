// lutsim_rshift_round: the rescale of the arithmetic contract, combinational.
//
// Computes exactly rshift_round(v, s, ROUNDING) of model/include/lutsim/model/arith.h:
//   s == 0:          v
//   -15 <= s < 0:    v * 2^(-s)                         (exact left shift)
//   0 < s <= 31:     half_up    floor((v + 2^(s-1)) / 2^s)
//                    half_even  q = floor(v / 2^s), r = v - q * 2^s: q + 1 if r > 2^(s-1), q if r < 2^(s-1),
//                               on a tie r = 2^(s-1) the even one of q, q + 1
//                    floor      floor(v / 2^s)
// with ROUNDING 0 half_up, 1 half_even, 2 floor (lutsim::Rounding's order).
//
// One arithmetic right shifter does every case: x = v * 2^16, t = s + 15 (0..46), y = x >>> t = floor(v / 2^(s-1)).
// Then q = y >>> 1 = floor(v / 2^s) (for s <= 0 this is the exact v * 2^(-s), since y then holds v * 2^(1-s)),
// the round bit y[0] = bit s-1 of v (r >= 2^(s-1)) and the sticky bit = bits s-2..0 of v (r != 2^(s-1) when the
// round bit is set) = x[t-1:0] != 0. Both are 0 when s <= 0, because x's low 16 bits are zero and t <= 15.
//   half_up:   q + round            (floor((v + 2^(s-1)) / 2^s) = q + [r >= 2^(s-1)])
//   half_even: q + (round & (sticky | q[0]))
//   floor:     q
// The result needs IN_W + 15 bits (|v| * 2^15) and never overflows: q + 1 only happens for s >= 1.
// s outside [-15, 31] is not legal (the ISA decoder rejects it); the result is then unspecified but defined.
module lutsim_rshift_round #(
  parameter int unsigned IN_W     = 33,  // width of the signed input
  parameter int unsigned ROUNDING = 0    // 0 half_up, 1 half_even, 2 floor
) (
  input  logic signed [IN_W-1:0]    v_i,  // value to rescale
  input  logic signed [5:0]         s_i,  // shift, -15..31 (negative: exact left shift)
  output logic signed [IN_W+14:0]   y_o   // rshift_round(v_i, s_i, ROUNDING)
);
  localparam int unsigned XW = IN_W + 16;

  logic signed [XW-1:0] x, y;
  logic        [5:0]    t;
  logic                 inc;

  assign x = {v_i, 16'b0};
  assign t = s_i + 6'sd15;
  assign y = x >>> t;

  if (ROUNDING == 0) begin : g_half_up
    assign inc = y[0];  // the round bit
  end else if (ROUNDING == 1) begin : g_half_even
    // low_mask[j] = (j < t): the bits of x shifted out below the round bit.
    logic [XW-1:0] low_mask;
    logic          sticky;
    always_comb begin
      for (int unsigned j = 0; j < XW; j++) begin
        low_mask[j] = (j < 32'(t));
      end
    end
    assign sticky = |(x & low_mask);
    assign inc    = y[0] & (sticky | y[1]);
  end else begin : g_floor
    logic unused_round_bit;
    assign unused_round_bit = y[0];
    assign inc = 1'b0;
  end

  assign y_o = y[XW-1:1] + {{(IN_W+14){1'b0}}, inc};

`ifndef SYNTHESIS
  initial begin
    assert (ROUNDING <= 2) else $fatal(1, "lutsim_rshift_round: ROUNDING = %0d is not 0..2", ROUNDING);
  end
`endif
endmodule
