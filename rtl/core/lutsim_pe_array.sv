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
  // Interconnect: horizontal activation/swap nets (column index c = input of PE (r, c)), vertical partial sums.
  // Flat vectors (Yosys 0.23 reads no multi-dimensional packed arrays): act/swap net (r, c) at index
  // r*(C+1) + c, psum net (r, c) (input of PE (r, c); r = R is the bottom) at index r*C + c.
  localparam int unsigned CH = COLS + 1;
  localparam int unsigned A  = ACC_BITS;
  logic [ROWS*CH*8-1:0]     act_h;
  logic [ROWS*CH-1:0]       swap_h;
  logic [(ROWS+1)*COLS*A-1:0] psum_v;

  // Left edge: row r delayed by r cycles.
  for (genvar r = 0; r < ROWS; r++) begin : g_act_skew
    if (r == 0) begin : g_direct
      assign act_h[7:0] = act_i[7:0];
      assign swap_h[0]  = swap_i;
    end else begin : g_delay
      logic [r*9-1:0] sk_q;  // stage i in bits [9i +: 9]
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          sk_q <= '0;
        end else if (en_i) begin
          sk_q[8:0] <= {swap_i, act_i[8*r +: 8]};
          for (int unsigned i = 1; i < r; i++) sk_q[9*i +: 9] <= sk_q[9*(i-1) +: 9];
        end
      end
      assign act_h[8*r*CH +: 8] = sk_q[9*(r-1) +: 8];
      assign swap_h[r*CH]       = sk_q[9*(r-1) + 8];
    end
  end

  // Weight-load row: column c delayed by c cycles.
  logic [COLS-1:0]      ld_v_c;
  logic [COLS*RW-1:0]    ld_row_c;
  logic [COLS*8-1:0]     ld_code_c;
  logic [COLS-1:0]       ld_keep_c;
  for (genvar c = 0; c < COLS; c++) begin : g_ld_skew
    if (c == 0) begin : g_direct
      assign ld_v_c[0]          = ld_valid_i;
      assign ld_row_c[RW-1:0]   = ld_row_i;
      assign ld_code_c[7:0]     = ld_codes_i[7:0];
      assign ld_keep_c[0]       = ld_keep_i[0];
    end else begin : g_delay
      localparam int unsigned LW = 1 + RW + 8 + 1;
      logic [c*LW-1:0] sk_q;  // stage i in bits [LW*i +: LW]
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          sk_q <= '0;
        end else if (en_i) begin
          sk_q[LW-1:0] <= {ld_valid_i, ld_row_i, ld_codes_i[8*c +: 8], ld_keep_i[c]};
          for (int unsigned i = 1; i < c; i++) sk_q[LW*i +: LW] <= sk_q[LW*(i-1) +: LW];
        end
      end
      assign {ld_v_c[c], ld_row_c[RW*c +: RW], ld_code_c[8*c +: 8], ld_keep_c[c]} = sk_q[LW*(c-1) +: LW];
    end
  end

  for (genvar c = 0; c < COLS; c++) begin : g_top
    assign psum_v[A*c +: A] = '0;
  end

  for (genvar r = 0; r < ROWS; r++) begin : g_row
    for (genvar c = 0; c < COLS; c++) begin : g_col
      logic ld_en;
      assign ld_en = ld_v_c[c] && (ld_row_c[RW*c +: RW] == RW'(r));
      lutsim_pe #(
        .ACC_BITS(ACC_BITS)
      ) u_pe (
        .clk_i,
        .rst_ni,
        .en_i,
        .raw_i,
        .lut_i       (luts_i[128*c +: 128]),
        .act_signed_i,
        .ld_en_i     (ld_en),
        .ld_code_i   (ld_code_c[8*c +: 8]),
        .ld_keep_i   (ld_keep_c[c]),
        .act_i       (act_h[8*(r*CH+c) +: 8]),
        .swap_i      (swap_h[r*CH+c]),
        .act_o       (act_h[8*(r*CH+c+1) +: 8]),
        .swap_o      (swap_h[r*CH+c+1]),
        .psum_i      (psum_v[A*(r*COLS+c) +: A]),
        .psum_o      (psum_v[A*((r+1)*COLS+c) +: A])
      );
    end
  end

  // Bottom edge: column c delayed by C - 1 - c cycles so a pixel's C sums leave together.
  for (genvar c = 0; c < COLS; c++) begin : g_deskew
    if (c == COLS - 1) begin : g_direct
      assign psum_o[A*c +: A] = psum_v[A*(ROWS*COLS+c) +: A];
    end else begin : g_delay
      localparam int unsigned N = COLS - 1 - c;
      logic [N*A-1:0] sk_q;  // stage i in bits [A*i +: A]
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          sk_q <= '0;
        end else if (en_i) begin
          sk_q[A-1:0] <= psum_v[A*(ROWS*COLS+c) +: A];
          for (int unsigned i = 1; i < N; i++) sk_q[A*i +: A] <= sk_q[A*(i-1) +: A];
        end
      end
      assign psum_o[A*c +: A] = sk_q[A*(N-1) +: A];
    end
  end
endmodule
