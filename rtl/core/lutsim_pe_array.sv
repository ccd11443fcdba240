// lutsim_pe_array: R x C weight-stationary systolic array of lutsim_pe (docs/architecture.md sections 6.3, 6.4).
//
// Activations enter at the left edge and move right one PE per cycle; partial sums enter the top as 0 and move
// down one PE per cycle. The skews live inside: the caller presents a pixel's R activation bytes unskewed at
// act_i in cycle T (row r is delayed r cycles to reach PE (r, 0) at T + r, so PE (r, c) sees it at T + r + c),
// and reads the C column sums of that pixel de-skewed at psum_o in cycle T + R + C - 1 (column c is delayed
// C - 1 - c cycles after the bottom PE).
//
// Weight load: in cycle S the caller presents one row of codes (ld_row_i, every column's code and keep bit); the
// row reaches column c at S + c, so a block loaded one row per cycle writes PE (r, c)'s shadow at S + r + c,
// the same diagonal the activations follow. swap_i, presented with the activation slot one cycle before a block's
// first pixel, copies shadow to active along that diagonal. The next block's rows may therefore be presented from
// cycle T0 - 1 to T1 - 2 (T0, T1: first-pixel cycles of the current and the next block): lutsim_gemm_ctrl loads
// them from T0.
// Latency: R + C - 1 cycles from act_i to psum_o. Everything holds while en_i is low.
module lutsim_pe_array #(
  parameter int unsigned ROWS     = 16,  // R
  parameter int unsigned COLS     = 16,  // C
  parameter int unsigned ACC_BITS = 32,  // A
  localparam int unsigned RW      = ROWS > 1 ? $clog2(ROWS) : 1
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              en_i,

  input  logic                              raw_i,
  input  logic [COLS*128-1:0]               luts_i,        // column c, entry e: bits [128c + 8e +: 8]
  input  logic                              act_signed_i,

  input  logic [ROWS*8-1:0]                 act_i,         // unskewed: row r in bits [8r +: 8]
  input  logic                              swap_i,

  input  logic                              ld_valid_i,    // a row of codes for the shadow registers
  input  logic [RW-1:0]                     ld_row_i,
  input  logic [COLS*8-1:0]                 ld_codes_i,    // column c in bits [8c +: 8]
  input  logic [COLS-1:0]                   ld_keep_i,

  output logic [COLS*ACC_BITS-1:0]          psum_o         // de-skewed column sums, column c at [A*c +: A]
);
  // Nets live in the generate block of the PE that drives them (g_row[r].g_col[c].act_out, .psum_out, ...) and
  // in one register per skew stage: wide flat interconnect vectors would make Verilator rebuild them every cycle.

  // Left edge: row r delayed by r cycles ({swap, act}).
  for (genvar r = 0; r < ROWS; r++) begin : g_act_skew
    for (genvar s = 0; s < r; s++) begin : g_stage
      logic [8:0] d, q;
      if (s == 0) begin : g_in
        assign d = {swap_i, act_i[8*r +: 8]};
      end else begin : g_prev
        assign d = g_act_skew[r].g_stage[s-1].q;
      end
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          q <= '0;
        end else if (en_i) begin
          q <= d;
        end
      end
    end
    logic [8:0] out;
    if (r == 0) begin : g_direct
      assign out = {swap_i, act_i[7:0]};
    end else begin : g_delayed
      assign out = g_stage[r-1].q;
    end
  end

  // Weight-load row: column c delayed by c cycles ({valid, row, code, keep}).
  localparam int unsigned LW = 1 + RW + 8 + 1;
  for (genvar c = 0; c < COLS; c++) begin : g_ld_skew
    for (genvar s = 0; s < c; s++) begin : g_stage
      logic [LW-1:0] d, q;
      if (s == 0) begin : g_in
        assign d = {ld_valid_i, ld_row_i, ld_codes_i[8*c +: 8], ld_keep_i[c]};
      end else begin : g_prev
        assign d = g_ld_skew[c].g_stage[s-1].q;
      end
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          q <= '0;
        end else if (en_i) begin
          q <= d;
        end
      end
    end
    logic [LW-1:0] out;
    if (c == 0) begin : g_direct
      assign out = {ld_valid_i, ld_row_i, ld_codes_i[7:0], ld_keep_i[0]};
    end else begin : g_delayed
      assign out = g_stage[c-1].q;
    end
  end

  for (genvar r = 0; r < ROWS; r++) begin : g_row
    for (genvar c = 0; c < COLS; c++) begin : g_col
      logic [7:0]          act_in, act_out;
      logic                swap_in, swap_out;
      logic [ACC_BITS-1:0] psum_in, psum_out;
      if (c == 0) begin : g_left
        assign {swap_in, act_in} = g_act_skew[r].out;
      end else begin : g_inner
        assign act_in  = g_row[r].g_col[c-1].act_out;
        assign swap_in = g_row[r].g_col[c-1].swap_out;
      end
      if (r == 0) begin : g_top
        assign psum_in = '0;
      end else begin : g_below
        assign psum_in = g_row[r-1].g_col[c].psum_out;
      end
      logic ld_v, ld_keep;
      logic [RW-1:0] ld_row;
      logic [7:0] ld_code;
      assign {ld_v, ld_row, ld_code, ld_keep} = g_ld_skew[c].out;
      lutsim_pe #(
        .ACC_BITS(ACC_BITS)
      ) u_pe (
        .clk_i,
        .rst_ni,
        .en_i,
        .raw_i,
        .lut_i       (luts_i[128*c +: 128]),
        .act_signed_i,
        .ld_en_i     (ld_v && ld_row == RW'(r)),
        .ld_code_i   (ld_code),
        .ld_keep_i   (ld_keep),
        .act_i       (act_in),
        .swap_i      (swap_in),
        .act_o       (act_out),
        .swap_o      (swap_out),
        .psum_i      (psum_in),
        .psum_o      (psum_out)
      );
    end
  end

  // Bottom edge: column c delayed by C - 1 - c cycles so a pixel's C sums leave together.
  for (genvar c = 0; c < COLS; c++) begin : g_deskew
    for (genvar s = 0; s < COLS - 1 - c; s++) begin : g_stage
      logic [ACC_BITS-1:0] d, q;
      if (s == 0) begin : g_in
        assign d = g_row[ROWS-1].g_col[c].psum_out;
      end else begin : g_prev
        assign d = g_deskew[c].g_stage[s-1].q;
      end
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          q <= '0;
        end else if (en_i) begin
          q <= d;
        end
      end
    end
    if (c == COLS - 1) begin : g_direct
      assign psum_o[ACC_BITS*c +: ACC_BITS] = g_row[ROWS-1].g_col[c].psum_out;
    end else begin : g_delayed
      assign psum_o[ACC_BITS*c +: ACC_BITS] = g_stage[COLS-2-c].q;
    end
  end
endmodule
