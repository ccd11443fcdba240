// lutsim_pe: one processing element of the weight-stationary PE array (docs/architecture.md section 6.3).
//
// PE (r, c) holds two weight-code registers: the active one used by the current weight block and the shadow one
// that the next block loads into meanwhile. A code register is 8 bits plus a keep bit (0 when the group mask
// disables the PE or row r is past the chunk's valid rows), so a masked PE multiplies by 0. Each cycle (when en_i):
//   w      = keep ? (raw ? code : LUT_c[code[3:0]]) : 0                      (s8; 16:1 mux on the column's LUT)
//   psum_o = wrap(psum_i + w * x, A)  with x = act_i as u8 or s8              (9 x 8 bit signed product)
//   act_o  = act_i, swap_o = swap_i                                           (passed right, one cycle later)
// swap_i travels one cycle ahead of the first activation of a block: at that edge the shadow becomes active, so
// the activation of the same cycle still uses the old block and the next one the new block.
// Latency: 1 cycle from act_i/psum_i to act_o/psum_o. All state holds while en_i is low (a memory port stalls).
module lutsim_pe #(
  parameter int unsigned ACC_BITS = 32  // A: accumulator width, 16..32
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     en_i,          // pipeline advance (low while any memory port stalls)

  input  logic                     raw_i,         // raw mode: the code is the s8 weight, the LUT is bypassed
  input  logic [16*8-1:0]          lut_i,         // this column's LUT, entry e in bits [8e+7:8e]
  input  logic                     act_signed_i,  // activations are s8 (1) or u8 (0)

  input  logic                     ld_en_i,       // write the shadow code register
  input  logic [7:0]               ld_code_i,
  input  logic                     ld_keep_i,

  input  logic [7:0]               act_i,
  input  logic                     swap_i,
  output logic [7:0]               act_o,
  output logic                     swap_o,
  input  logic [ACC_BITS-1:0]      psum_i,
  output logic [ACC_BITS-1:0]      psum_o
);
  logic [7:0] code_q, sh_code_q;
  logic       keep_q, sh_keep_q;

  // LUT read (or raw bypass), forced to 0 for a masked PE.
  logic [7:0] w;
  always_comb begin
    if (!keep_q) begin
      w = 8'h00;
    end else if (raw_i) begin
      w = code_q;
    end else begin
      w = lut_i[{code_q[3:0], 3'b000} +: 8];
    end
  end

  // 9 x 8 signed multiply: the activation widened by its sign bit (u8: 0) and the s8 weight.
  logic signed [8:0]  x;
  logic signed [16:0] prod;
  logic signed [31:0] prod32;
  assign x      = {act_signed_i & act_i[7], act_i};
  assign prod   = $signed(w) * x;
  assign prod32 = 32'(prod);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      code_q    <= 8'h00;
      keep_q    <= 1'b0;
      sh_code_q <= 8'h00;
      sh_keep_q <= 1'b0;
      act_o     <= 8'h00;
      swap_o    <= 1'b0;
      psum_o    <= '0;
    end else if (en_i) begin
      if (swap_i) begin
        code_q <= sh_code_q;
        keep_q <= sh_keep_q;
      end
      if (ld_en_i) begin
        sh_code_q <= ld_code_i;
        sh_keep_q <= ld_keep_i;
      end
      act_o  <= act_i;
      swap_o <= swap_i;
      // The A-bit add wraps: only the low A bits of the sign-extended product matter (arith.h wrap()).
      psum_o <= psum_i + prod32[ACC_BITS-1:0];
    end
  end

`ifndef SYNTHESIS
  initial begin
    assert (ACC_BITS >= 16 && ACC_BITS <= 32) else $error("lutsim_pe: ACC_BITS = %0d outside 16..32", ACC_BITS);
  end
`endif
endmodule
