// lutsim_gemm_ctrl: executes GEMM on the PE array (docs/architecture.md section 6.4, docs/isa.md GEMM).
//
// The loop nest of section 6.4, one slot per cycle:
//   LOAD0:  max(R, 2) slots; slot r < R reads row r of block 0 into the shadow registers
//   STREAM: per block i = (ty, tx, k), Q = max(P, R, 2) slots (the last block only P): slot j < P feeds output
//           pixel j (one act read of V bytes, rows 0..R-1 used); slot j < R of a block that is not the last reads
//           row j of block i + 1 (the shadow load overlaps the stream); the last slot before a block's first
//           pixel carries the swap token (shadow -> active, lutsim_pe_array)
//   DRAIN:  wait for the last write-back
// Addresses come from adders only: block bases (ty, tx, k) and pixel bases (oy, ox) step by dil*stride products
// computed once at acceptance; weight rows are one stream at wgt_addr + n*wrow(b). Rows at and above rows(k) are
// not read (keep = 0). b-bit codes are unpacked from a weight row with constant slices per bits value.
//
// Group mask (section 6.2) as each row loads: a counter follows the input channel ch = in_offset + k*R + r
// (quotient by in_group kept as lo = (ch / in_group) * out_group - out_offset, remainder counted), and column c
// is kept when lo <= c < lo + out_group, i.e. (out_offset + c) / out_group == ch / in_group. One division and one
// multiplication (in_offset / in_group, times out_group) happen once at acceptance.
//
// Write-back: a pixel's de-skewed column sums leave the array R + C - 1 cycles after its activations enter; the
// accumulator entry is read one cycle earlier (unless block 0 overwrites: accumulate = 0) and written with
// wrap(old + psum, A), sign-extended to 32 bits, lanes c < n_cols. Q >= 2 keeps a block's write of an entry ahead
// of the next block's read of it.
//
// Stalls: every register advances only when each memory request of the cycle is granted (en). A request denied
// while another port is granted is repeated in a later cycle (reads are discarded until the pipeline advances;
// a repeated write writes the same value), and read data is held in a skid register, so results do not depend
// on the grant pattern. With every request granted at once, from the cycle the instruction is accepted to the
// cycle done_o is high (one cycle after the last write was granted):
//   latency = L0 + (nblocks - 1) * Q + P + R + C + 1,   L0 = max(R, 2), Q = max(P, R, 2), P = out_h * out_w,
//   nblocks = taps_y * taps_x * ceil(span / R)
// (block 0's load L0, one period per further block, the last block's P pixels, R + C - 1 cycles through the
// array, 2 of write-back). Weight load of block 0: rows read in cycles 1 .. R; first act read in cycle L0 + 1;
// first acc write in cycle L0 + R + C + 1.
// insn_ready_o is high while idle (also in the cycle done_o pulses); busy_o from acceptance until done_o.
// The weight-path inputs (lutsim_wcfg) must not change while busy.
//
// Deviation from the RTL contract: the unit takes the weight-path state of lutsim_wcfg as inputs (wmode_i ...
// out_offset_i) and has only the ports it uses (act read, wgt read, acc read, acc write); no PAR_AW, ROUNDING.
module lutsim_gemm_ctrl #(
  parameter int unsigned ROWS     = 16,  // R
  parameter int unsigned COLS     = 16,  // C
  parameter int unsigned ACC_BITS = 32,  // A
  parameter int unsigned V        = 16,  // bytes of the act SRAM compute port, max(R, C)
  parameter int unsigned ACT_AW   = 18,
  parameter int unsigned WGT_AW   = 17,
  parameter int unsigned ACC_AW   = 10
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  input  logic                        insn_valid_i,
  output logic                        insn_ready_o,
  input  logic [255:0]                insn_i,
  output logic                        busy_o,
  output logic                        done_o,

  // Weight-path state (lutsim_wcfg).
  input  logic [1:0]                  wmode_i,
  input  logic [3:0]                  wbits_i,
  input  logic [COLS*128-1:0]         luts_i,        // column c, entry e: bits [128c + 8e +: 8]
  input  logic [15:0]                 in_group_i,
  input  logic [15:0]                 out_group_i,
  input  logic [15:0]                 out_offset_i,

  output logic                        act_rd_req_o,
  input  logic                        act_rd_gnt_i,
  output logic [ACT_AW-1:0]           act_rd_addr_o,
  input  logic [8*V-1:0]              act_rd_rdata_i,

  output logic                        wgt_rd_req_o,
  input  logic                        wgt_rd_gnt_i,
  output logic [WGT_AW-1:0]           wgt_rd_addr_o,
  input  logic [8*COLS-1:0]           wgt_rd_rdata_i,

  output logic                        acc_rd_req_o,
  input  logic                        acc_rd_gnt_i,
  output logic [ACC_AW-1:0]           acc_rd_idx_o,
  input  logic [32*COLS-1:0]          acc_rd_rdata_i,

  output logic                        acc_wr_req_o,
  input  logic                        acc_wr_gnt_i,
  output logic [ACC_AW-1:0]           acc_wr_idx_o,
  output logic [32*COLS-1:0]          acc_wr_wdata_o,
  output logic [COLS-1:0]             acc_wr_mask_o
);
  localparam int unsigned RW = ROWS > 1 ? $clog2(ROWS) : 1;
  localparam int unsigned CW = $clog2(COLS + 1);        // holds 0 .. C
  localparam int unsigned L0 = ROWS > 2 ? ROWS : 2;     // slots of block 0's load
  localparam int unsigned D  = ROWS + COLS - 1;         // array latency, act in to de-skewed psum out
  localparam int unsigned GW = 40;                      // signed group bound lo: |lo| < 2^38

  // ---------------------------------------------------------------------------------------------------------------
  // Fields of the accepted instruction.
  wire        f_acc    = insn_i[lutsim_isa_pkg::GEMM_ACCUMULATE_LSB];
  wire        f_asg    = insn_i[lutsim_isa_pkg::GEMM_ACT_SIGNED_LSB];
  wire [8:0]  f_ncols  = insn_i[lutsim_isa_pkg::GEMM_N_COLS_LSB +: lutsim_isa_pkg::GEMM_N_COLS_W];
  wire [25:0] f_aaddr  = insn_i[lutsim_isa_pkg::GEMM_ACT_ADDR_LSB +: lutsim_isa_pkg::GEMM_ACT_ADDR_W];
  wire [15:0] f_pixs   = insn_i[lutsim_isa_pkg::GEMM_PIX_STRIDE_LSB +: lutsim_isa_pkg::GEMM_PIX_STRIDE_W];
  wire [25:0] f_rows   = insn_i[lutsim_isa_pkg::GEMM_ROW_STRIDE_LSB +: lutsim_isa_pkg::GEMM_ROW_STRIDE_W];
  wire [6:0]  f_sy     = insn_i[lutsim_isa_pkg::GEMM_STRIDE_Y_LSB +: lutsim_isa_pkg::GEMM_STRIDE_Y_W];
  wire [6:0]  f_sx     = insn_i[lutsim_isa_pkg::GEMM_STRIDE_X_LSB +: lutsim_isa_pkg::GEMM_STRIDE_X_W];
  wire [6:0]  f_dy     = insn_i[lutsim_isa_pkg::GEMM_DIL_Y_LSB +: lutsim_isa_pkg::GEMM_DIL_Y_W];
  wire [6:0]  f_dx     = insn_i[lutsim_isa_pkg::GEMM_DIL_X_LSB +: lutsim_isa_pkg::GEMM_DIL_X_W];
  wire [15:0] f_oh     = insn_i[lutsim_isa_pkg::GEMM_OUT_H_LSB +: lutsim_isa_pkg::GEMM_OUT_H_W];
  wire [15:0] f_ow     = insn_i[lutsim_isa_pkg::GEMM_OUT_W_LSB +: lutsim_isa_pkg::GEMM_OUT_W_W];
  wire [6:0]  f_ty     = insn_i[lutsim_isa_pkg::GEMM_TAPS_Y_LSB +: lutsim_isa_pkg::GEMM_TAPS_Y_W];
  wire [6:0]  f_tx     = insn_i[lutsim_isa_pkg::GEMM_TAPS_X_LSB +: lutsim_isa_pkg::GEMM_TAPS_X_W];
  wire [19:0] f_span   = insn_i[lutsim_isa_pkg::GEMM_SPAN_LSB +: lutsim_isa_pkg::GEMM_SPAN_W];
  wire [23:0] f_eaddr  = insn_i[lutsim_isa_pkg::GEMM_ACC_ADDR_LSB +: lutsim_isa_pkg::GEMM_ACC_ADDR_W];
  wire [25:0] f_waddr  = insn_i[lutsim_isa_pkg::GEMM_WGT_ADDR_LSB +: lutsim_isa_pkg::GEMM_WGT_ADDR_W];
  wire [15:0] f_inoff  = insn_i[lutsim_isa_pkg::GEMM_IN_OFFSET_LSB +: lutsim_isa_pkg::GEMM_IN_OFFSET_W];

  wire accept = insn_valid_i & insn_ready_o;

  // Once-per-instruction arithmetic, registered at acceptance.
  wire [31:0] f_p = f_oh * f_ow;
  wire [31:0] f_q = (f_p > 32'(ROWS) && f_p > 32'd2) ? f_p : (ROWS > 2 ? 32'(ROWS) : 32'd2);
  logic [7:0] f_wrow;  // wrow(b) = ceil(C * b / 8) <= C bytes
  always_comb begin
    unique case (wbits_i)
      4'd1:    f_wrow = 8'((COLS + 7) / 8);
      4'd2:    f_wrow = 8'((2 * COLS + 7) / 8);
      4'd3:    f_wrow = 8'((3 * COLS + 7) / 8);
      4'd4:    f_wrow = 8'((4 * COLS + 7) / 8);
      default: f_wrow = 8'(COLS);
    endcase
  end
  wire [15:0] f_gq  = in_group_i == '0 ? 16'd0 : f_inoff / in_group_i;
  wire [15:0] f_gr  = in_group_i == '0 ? 16'd0 : f_inoff % in_group_i;
  wire signed [GW-1:0] f_lo0 = $signed(GW'({f_gq} * {16'd0, out_group_i})) - $signed(GW'(out_offset_i));

  logic              acc_q, asg_q, grp_q;
  logic [8:0]        ncols_q;
  logic [20:0]       span_q;
  logic [6:0]        taps_x_q, taps_y_q;
  logic [15:0]       out_w_q;
  logic [31:0]       p_q, q_q;
  logic [WGT_AW-1:0] wrow_q;
  logic [ACT_AW-1:0] pix_x_q, pix_y_q, tap_x_q, tap_y_q;
  logic [ACC_AW-1:0] eaddr_q;
  logic [15:0]       ing_q, outg_q, gr0_q;
  logic signed [GW-1:0] lo0_q;

  // ---------------------------------------------------------------------------------------------------------------
  // Feed sequencer.
  typedef enum logic [1:0] {StIdle, StLoad0, StStream, StDrain} state_e;
  state_e st_q;
  logic   en;          // the pipeline advances this cycle
  logic   done_q;
  // Write-back stage (below): the last pixel's write is in this cycle.
  logic              wr_v_q, wr_old_q, wr_last_q, acc_rv_q, wr_last;
  logic [ACC_AW-1:0] wr_e_q;
  logic [31:0] j_q;    // slot within the current period

  // Load side: the next weight row to read.
  logic [WGT_AW-1:0]    ld_addr_q;
  logic [20:0]          jt_q;     // row within the tap: k*R + r
  logic [15:0]          grem_q;   // ch % in_group
  logic signed [GW-1:0] glo_q;    // (ch / in_group) * out_group - out_offset

  // Stream side: the block being streamed and the next pixel.
  logic [20:0]       kr_q;      // k * R
  logic [6:0]        tx_q, ty_q;
  logic [ACT_AW-1:0] base_ty_q, base_tx_q, base_k_q, row_base_q, pix_addr_q;
  logic [15:0]       ox_q;
  logic              first_blk_q;

  wire in_load0  = st_q == StLoad0;
  wire in_stream = st_q == StStream;
  wire last_blk  = (kr_q + 21'(ROWS) >= span_q) && (tx_q == taps_x_q - 7'd1) && (ty_q == taps_y_q - 7'd1);
  wire pix_slot  = in_stream && j_q < p_q;
  wire ld_slot   = (in_load0 || (in_stream && !last_blk)) && j_q < 32'(ROWS);
  wire row_ok    = jt_q < span_q;
  wire blk_end   = in_stream && j_q == q_q - 32'd1 && !last_blk;
  wire feed_end  = in_stream && last_blk && j_q == p_q - 32'd1;
  wire swap      = (in_load0 && j_q == 32'(L0 - 1)) || blk_end;
  wire tap_end   = j_q == 32'(ROWS - 1) && (jt_q + 21'd1 >= span_q);

  assign act_rd_req_o  = pix_slot;
  assign act_rd_addr_o = pix_addr_q;
  assign wgt_rd_req_o  = ld_slot && row_ok;
  assign wgt_rd_addr_o = ld_addr_q;

  // Next block's activation base: k + 1, else tx + 1, else ty + 1.
  logic [ACT_AW-1:0] nb_ty, nb_tx, nb_k;
  logic [20:0]       nb_kr;
  logic [6:0]        nb_x, nb_y;
  always_comb begin
    nb_ty = base_ty_q;
    nb_tx = base_tx_q;
    nb_k  = base_k_q + ACT_AW'(ROWS);
    nb_kr = kr_q + 21'(ROWS);
    nb_x  = tx_q;
    nb_y  = ty_q;
    if (kr_q + 21'(ROWS) >= span_q) begin
      nb_kr = '0;
      if (tx_q != taps_x_q - 7'd1) begin
        nb_x  = tx_q + 7'd1;
        nb_tx = base_tx_q + tap_x_q;
      end else begin
        nb_x  = '0;
        nb_y  = ty_q + 7'd1;
        nb_ty = base_ty_q + tap_y_q;
        nb_tx = nb_ty;
      end
      nb_k = nb_tx;
    end
  end

  // Group bounds of the row being requested, clamped to 0 .. C.
  logic [CW-1:0] lo_cl, hi_cl;
  always_comb begin
    logic signed [GW-1:0] hi;
    hi = glo_q + $signed(GW'(outg_q));
    lo_cl = glo_q < 0 ? '0 : (glo_q > $signed(GW'(COLS)) ? CW'(COLS) : CW'(glo_q));
    hi_cl = hi < 0 ? '0 : (hi > $signed(GW'(COLS)) ? CW'(COLS) : CW'(hi));
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q        <= StIdle;
      done_q      <= 1'b0;
      j_q         <= '0;
      ld_addr_q   <= '0;
      jt_q        <= '0;
      grem_q      <= '0;
      glo_q       <= '0;
      kr_q        <= '0;
      tx_q        <= '0;
      ty_q        <= '0;
      base_ty_q   <= '0;
      base_tx_q   <= '0;
      base_k_q    <= '0;
      row_base_q  <= '0;
      pix_addr_q  <= '0;
      ox_q        <= '0;
      first_blk_q <= 1'b0;
      acc_q       <= 1'b0;
      asg_q       <= 1'b0;
      grp_q       <= 1'b0;
      ncols_q     <= '0;
      span_q      <= '0;
      taps_x_q    <= '0;
      taps_y_q    <= '0;
      out_w_q     <= '0;
      p_q         <= '0;
      q_q         <= '0;
      wrow_q      <= '0;
      pix_x_q     <= '0;
      pix_y_q     <= '0;
      tap_x_q     <= '0;
      tap_y_q     <= '0;
      eaddr_q     <= '0;
      ing_q       <= '0;
      outg_q      <= '0;
      gr0_q       <= '0;
      lo0_q       <= '0;
    end else begin
      done_q <= 1'b0;
      if (accept) begin
        st_q        <= StLoad0;
        j_q         <= '0;
        acc_q       <= f_acc;
        asg_q       <= f_asg;
        grp_q       <= in_group_i != '0;
        ncols_q     <= f_ncols;
        span_q      <= {1'b0, f_span};
        taps_x_q    <= f_tx;
        taps_y_q    <= f_ty;
        out_w_q     <= f_ow;
        p_q         <= f_p;
        q_q         <= f_q;
        wrow_q      <= WGT_AW'(f_wrow);
        pix_x_q     <= ACT_AW'(f_sx * f_pixs);
        pix_y_q     <= ACT_AW'(f_sy * f_rows);
        tap_x_q     <= ACT_AW'(f_dx * f_pixs);
        tap_y_q     <= ACT_AW'(f_dy * f_rows);
        eaddr_q     <= f_eaddr[ACC_AW-1:0];
        ing_q       <= in_group_i;
        outg_q      <= out_group_i;
        gr0_q       <= f_gr;
        lo0_q       <= f_lo0;
        ld_addr_q   <= f_waddr[WGT_AW-1:0];
        jt_q        <= '0;
        grem_q      <= f_gr;
        glo_q       <= f_lo0;
        kr_q        <= '0;
        tx_q        <= '0;
        ty_q        <= '0;
        base_ty_q   <= f_aaddr[ACT_AW-1:0];
        base_tx_q   <= f_aaddr[ACT_AW-1:0];
        base_k_q    <= f_aaddr[ACT_AW-1:0];
        row_base_q  <= f_aaddr[ACT_AW-1:0];
        pix_addr_q  <= f_aaddr[ACT_AW-1:0];
        ox_q        <= '0;
        first_blk_q <= 1'b1;
      end else if (en) begin
        // Load side: one weight row per load slot.
        if (ld_slot) begin
          ld_addr_q <= ld_addr_q + wrow_q;
          if (tap_end) begin
            jt_q   <= '0;
            grem_q <= gr0_q;
            glo_q  <= lo0_q;
          end else begin
            jt_q <= jt_q + 21'd1;
            if (grem_q + 16'd1 == ing_q) begin
              grem_q <= '0;
              glo_q  <= glo_q + $signed(GW'(outg_q));
            end else begin
              grem_q <= grem_q + 16'd1;
            end
          end
        end
        // Stream side: pixel counters, then block counters at the end of a period.
        if (pix_slot) begin
          if (ox_q == out_w_q - 16'd1) begin
            ox_q       <= '0;
            row_base_q <= row_base_q + pix_y_q;
            pix_addr_q <= row_base_q + pix_y_q;
          end else begin
            ox_q       <= ox_q + 16'd1;
            pix_addr_q <= pix_addr_q + pix_x_q;
          end
        end
        j_q <= j_q + 32'd1;
        unique case (st_q)
          StLoad0: if (j_q == 32'(L0 - 1)) begin
            st_q <= StStream;
            j_q  <= '0;
          end
          StStream: if (feed_end) begin
            st_q <= StDrain;
          end else if (blk_end) begin
            j_q         <= '0;
            kr_q        <= nb_kr;
            tx_q        <= nb_x;
            ty_q        <= nb_y;
            base_ty_q   <= nb_ty;
            base_tx_q   <= nb_tx;
            base_k_q    <= nb_k;
            row_base_q  <= nb_k;
            pix_addr_q  <= nb_k;
            ox_q        <= '0;
            first_blk_q <= 1'b0;
          end
          StDrain: if (wr_last) begin
            st_q   <= StIdle;
            done_q <= 1'b1;
          end
          default: ;
        endcase
      end
    end
  end

  assign insn_ready_o = st_q == StIdle;
  assign busy_o       = st_q != StIdle;
  assign done_o       = done_q;

  // ---------------------------------------------------------------------------------------------------------------
  // Data stage: read data of the previous slot (held while the pipeline stalls) into the array.
  logic                 d_pv_q, d_swap_q, d_ld_q, d_rowok_q, d_grp_q;
  logic [RW-1:0]        d_row_q;
  logic [CW-1:0]        d_lo_q, d_hi_q;
  logic                 act_rv_q, wgt_rv_q;
  logic [8*V-1:0]       act_hold_q;
  logic [8*COLS-1:0]    wgt_hold_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      d_pv_q    <= 1'b0;
      d_swap_q  <= 1'b0;
      d_ld_q    <= 1'b0;
      d_rowok_q <= 1'b0;
      d_grp_q   <= 1'b0;
      d_row_q   <= '0;
      d_lo_q    <= '0;
      d_hi_q    <= '0;
      act_rv_q  <= 1'b0;
      wgt_rv_q  <= 1'b0;
    end else if (en) begin
      d_pv_q    <= pix_slot;
      d_swap_q  <= swap;
      d_ld_q    <= ld_slot;
      d_rowok_q <= row_ok;
      d_grp_q   <= grp_q;
      d_row_q   <= j_q[RW-1:0];
      d_lo_q    <= lo_cl;
      d_hi_q    <= hi_cl;
      act_rv_q  <= act_rd_req_o;
      wgt_rv_q  <= wgt_rd_req_o;
    end else begin
      // A stalled cycle consumes nothing: data that arrived is now in the hold registers.
      act_rv_q <= 1'b0;
      wgt_rv_q <= 1'b0;
    end
  end
  always_ff @(posedge clk_i) begin
    if (act_rv_q) act_hold_q <= act_rd_rdata_i;
    if (wgt_rv_q) wgt_hold_q <= wgt_rd_rdata_i;
  end

  wire [8*V-1:0]    act_data = act_rv_q ? act_rd_rdata_i : act_hold_q;
  wire [8*COLS-1:0] wgt_data = wgt_rv_q ? wgt_rd_rdata_i : wgt_hold_q;

  logic [ROWS*8-1:0] arr_act;
  assign arr_act = d_pv_q ? act_data[ROWS*8-1:0] : '0;

  // Unpack the codes of column c: bits [c*b, c*b + b) of the row, LSB first.
  logic [COLS*8-1:0]    arr_codes;
  logic [COLS-1:0]      arr_keep;
  for (genvar c = 0; c < COLS; c++) begin : g_unpack
    always_comb begin
      unique case (wbits_i)
        4'd1:    arr_codes[8*c +: 8] = {7'd0, wgt_data[c]};
        4'd2:    arr_codes[8*c +: 8] = {6'd0, wgt_data[2*c +: 2]};
        4'd3:    arr_codes[8*c +: 8] = {5'd0, wgt_data[3*c +: 3]};
        4'd4:    arr_codes[8*c +: 8] = {4'd0, wgt_data[4*c +: 4]};
        default: arr_codes[8*c +: 8] = wgt_data[8*c +: 8];
      endcase
    end
    assign arr_keep[c] = d_rowok_q && (!d_grp_q || (CW'(c) >= d_lo_q && CW'(c) < d_hi_q));
  end

  logic [COLS*ACC_BITS-1:0] psum;
  lutsim_pe_array #(
    .ROWS    (ROWS),
    .COLS    (COLS),
    .ACC_BITS(ACC_BITS)
  ) u_array (
    .clk_i,
    .rst_ni,
    .en_i        (en),
    .raw_i       (wmode_i == 2'd0),
    .luts_i,
    .act_signed_i(asg_q),
    .act_i       (arr_act),
    .swap_i      (d_swap_q),
    .ld_valid_i  (d_ld_q),
    .ld_row_i    (d_row_q),
    .ld_codes_i  (arr_codes),
    .ld_keep_i   (arr_keep),
    .psum_o      (psum)
  );

  // ---------------------------------------------------------------------------------------------------------------
  // Write-back. Slot flags travel D cycles beside the array: {pixel, first pixel of block, overwrite, last}.
  logic [4*D-1:0] sr_q;  // stage i in bits [4i +: 4]
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sr_q <= '0;
    end else if (en) begin
      sr_q[3:0] <= {pix_slot, j_q == '0, first_blk_q && !acc_q, feed_end};
      for (int unsigned i = 1; i < D; i++) sr_q[4*i +: 4] <= sr_q[4*(i-1) +: 4];
    end
  end
  wire rd_pv    = sr_q[4*(D-1) + 3];
  wire rd_first = sr_q[4*(D-1) + 2];
  wire rd_ovw   = sr_q[4*(D-1) + 1];
  wire rd_last  = sr_q[4*(D-1)];

  logic [ACC_AW-1:0] e_next_q;
  wire  [ACC_AW-1:0] rd_e = rd_first ? eaddr_q : e_next_q;
  assign acc_rd_req_o = rd_pv && !rd_ovw;
  assign acc_rd_idx_o = rd_e;

  logic [32*COLS-1:0] acc_hold_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      e_next_q  <= '0;
      wr_v_q    <= 1'b0;
      wr_old_q  <= 1'b0;
      wr_last_q <= 1'b0;
      wr_e_q    <= '0;
      acc_rv_q  <= 1'b0;
    end else if (en) begin
      if (rd_pv) e_next_q <= rd_e + 1'b1;
      wr_v_q    <= rd_pv;
      wr_old_q  <= !rd_ovw;
      wr_last_q <= rd_last;
      wr_e_q    <= rd_e;
      acc_rv_q  <= acc_rd_req_o;
    end else begin
      acc_rv_q <= 1'b0;
    end
  end
  always_ff @(posedge clk_i) begin
    if (acc_rv_q) acc_hold_q <= acc_rd_rdata_i;
  end
  wire [32*COLS-1:0] acc_old = acc_rv_q ? acc_rd_rdata_i : acc_hold_q;

  for (genvar c = 0; c < COLS; c++) begin : g_wb
    logic signed [ACC_BITS-1:0] sum;
    assign sum = psum[ACC_BITS*c +: ACC_BITS] + (wr_old_q ? acc_old[32*c +: ACC_BITS] : '0);
    assign acc_wr_wdata_o[32*c +: 32] = 32'(sum);
    assign acc_wr_mask_o[c]           = 9'(c) < ncols_q;
  end
  assign acc_wr_req_o = wr_v_q;
  assign acc_wr_idx_o = wr_e_q;
  assign wr_last      = wr_v_q && wr_last_q;

  // Every request of the cycle granted: the whole pipeline advances.
  assign en = (!act_rd_req_o || act_rd_gnt_i) && (!wgt_rd_req_o || wgt_rd_gnt_i) &&
              (!acc_rd_req_o || acc_rd_gnt_i) && (!acc_wr_req_o || acc_wr_gnt_i);

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && accept) begin
      assert (insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W] == lutsim_isa_pkg::OPC_GEMM)
        else $error("lutsim_gemm_ctrl: accepted opcode %0d", insn_i[3:0]);
      assert (f_ncols >= 9'd1 && 32'(f_ncols) <= COLS) else $error("lutsim_gemm_ctrl: n_cols %0d > C", f_ncols);
      assert (f_span != '0 && f_oh != '0 && f_ow != '0 && f_tx != '0 && f_ty != '0)
        else $error("lutsim_gemm_ctrl: zero loop bound");
      assert (wbits_i inside {4'd1, 4'd2, 4'd3, 4'd4, 4'd8}) else $error("lutsim_gemm_ctrl: bits %0d", wbits_i);
    end
    if (rst_ni && busy_o) begin
      assert (!insn_valid_i || !insn_ready_o) else $error("lutsim_gemm_ctrl: ready while busy");
    end
  end
`endif
endmodule
