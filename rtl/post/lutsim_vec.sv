// lutsim_vec: the vector unit (docs/architecture.md section 9, docs/isa.md VEC).
//
// C = COLS lanes. For output pixel (oy, ox), lane l < n_lanes, entry e = acc_addr + oy*out_w + ox:
//   x(ty, tx) = act[act_addr + (oy*stride_y + ty*dil_y)*row_stride + (ox*stride_x + tx*dil_x)*pix_stride + l]
//   MAX: m = max over the taps;  SUM: m = sum over the taps;  ADD: m = (x(0,0) << la) + (xb << lb)
//   acc[e][l] = accumulate ? combine(acc[e][l], m) : m     (max for MAX, + for SUM and ADD, 32-bit wrap)
// Operands are u8 or s8 (a_signed, b_signed). The window is addressed as in a GEMM, by address adders: the four
// increments dil_x*pix_stride, dil_y*row_stride, stride_x*pix_stride, stride_y*row_stride are formed once at
// acceptance, then each read address is the previous one plus an increment.
//
// Structure: the front end issues one act read per cycle (ADD: operand a, then operand b at
// act_addr_b - act_addr further) and folds each returning vector into a running value per lane; a pixel's result
// goes into the result FIFO F. The back end takes F's head, reads the stored entry when accumulate = 1, combines,
// and writes the entry through the acc write port (directly, or from a two-entry write buffer W when the write port
// stalls). Reads of a new pixel start only while F has a free slot for it, and F's head moves on only while W has
// room, so no returning data is ever dropped, whatever the grants.
//
// Latency, from the cycle the instruction is accepted to the cycle done_o is high, with every request granted at
// once: MAX, SUM  1 + out_h*out_w*taps_y*taps_x + 3;  ADD  1 + 2*out_h*out_w + 3.
// insn_ready_o is high while idle (also in the cycle done_o pulses); busy_o from acceptance until done_o.
//
// Deviation from the RTL contract: none in the ports; the unit has only the ports it uses (act read, acc read,
// acc write) and the parameters it needs.
module lutsim_vec #(
  parameter int unsigned COLS   = 16,  // C: lanes
  parameter int unsigned V      = 16,  // bytes of the act SRAM compute port, max(R, C) >= C
  parameter int unsigned ACT_AW = 18,  // act SRAM byte address width
  parameter int unsigned ACC_AW = 10   // accumulator entry index width
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  input  logic                  insn_valid_i,
  output logic                  insn_ready_o,
  input  logic [255:0]          insn_i,
  output logic                  busy_o,
  output logic                  done_o,

  output logic                  act_rd_req_o,
  input  logic                  act_rd_gnt_i,
  output logic [ACT_AW-1:0]     act_rd_addr_o,
  input  logic [8*V-1:0]        act_rd_rdata_i,

  output logic                  acc_rd_req_o,
  input  logic                  acc_rd_gnt_i,
  output logic [ACC_AW-1:0]     acc_rd_idx_o,
  input  logic [32*COLS-1:0]    acc_rd_rdata_i,

  output logic                  acc_wr_req_o,
  input  logic                  acc_wr_gnt_i,
  output logic [ACC_AW-1:0]     acc_wr_idx_o,
  output logic [32*COLS-1:0]    acc_wr_wdata_o,
  output logic [COLS-1:0]       acc_wr_mask_o
);
  localparam logic [1:0] OpMax = 2'd0;
  localparam logic [1:0] OpSum = 2'd1;
  localparam logic [1:0] OpAdd = 2'd2;
  localparam int unsigned DF = 3;  // result FIFO: pixels between their first read and the back end
  localparam int unsigned DW = 2;  // write buffer
  localparam int unsigned EW = 32 * COLS;

  // ---------------------------------------------------------------------------------------------------------------
  // Instruction fields, latched at acceptance.
  logic                busy_q;
  logic [1:0]          op_q;
  logic                accum_q, a_signed_q, b_signed_q;
  logic [3:0]          la_q, lb_q;
  logic [8:0]          n_lanes_q;
  logic [ACT_AW-1:0]   delta_b_q, dx_q, dy_q, sx_q, sy_q;
  logic [15:0]         out_h_m1_q, out_w_m1_q, taps_y_m1_q, taps_x_m1_q;

  wire accept = insn_valid_i & insn_ready_o;

  wire [ACT_AW-1:0] f_act_addr   = insn_i[lutsim_isa_pkg::VEC_ACT_ADDR_LSB +: ACT_AW];
  wire [ACT_AW-1:0] f_act_addr_b = insn_i[lutsim_isa_pkg::VEC_ACT_ADDR_B_LSB +: ACT_AW];
  wire [ACT_AW-1:0] f_pix_stride = ACT_AW'(insn_i[lutsim_isa_pkg::VEC_PIX_STRIDE_LSB +: lutsim_isa_pkg::VEC_PIX_STRIDE_W]);
  wire [ACT_AW-1:0] f_row_stride = ACT_AW'(insn_i[lutsim_isa_pkg::VEC_ROW_STRIDE_LSB +: lutsim_isa_pkg::VEC_ROW_STRIDE_W]);
  wire [ACT_AW-1:0] f_stride_y   = ACT_AW'(insn_i[lutsim_isa_pkg::VEC_STRIDE_Y_LSB +: lutsim_isa_pkg::VEC_STRIDE_Y_W]);
  wire [ACT_AW-1:0] f_stride_x   = ACT_AW'(insn_i[lutsim_isa_pkg::VEC_STRIDE_X_LSB +: lutsim_isa_pkg::VEC_STRIDE_X_W]);
  wire [ACT_AW-1:0] f_dil_y      = ACT_AW'(insn_i[lutsim_isa_pkg::VEC_DIL_Y_LSB +: lutsim_isa_pkg::VEC_DIL_Y_W]);
  wire [ACT_AW-1:0] f_dil_x      = ACT_AW'(insn_i[lutsim_isa_pkg::VEC_DIL_X_LSB +: lutsim_isa_pkg::VEC_DIL_X_W]);
  wire [1:0]        f_op         = insn_i[lutsim_isa_pkg::VEC_OP_LSB +: lutsim_isa_pkg::VEC_OP_W];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      op_q        <= '0;
      accum_q     <= 1'b0;
      a_signed_q  <= 1'b0;
      b_signed_q  <= 1'b0;
      la_q        <= '0;
      lb_q        <= '0;
      n_lanes_q   <= '0;
      delta_b_q   <= '0;
      dx_q        <= '0;
      dy_q        <= '0;
      sx_q        <= '0;
      sy_q        <= '0;
      out_h_m1_q  <= '0;
      out_w_m1_q  <= '0;
      taps_y_m1_q <= '0;
      taps_x_m1_q <= '0;
    end else if (accept) begin
      op_q        <= f_op;
      accum_q     <= insn_i[lutsim_isa_pkg::VEC_ACCUMULATE_LSB];
      a_signed_q  <= insn_i[lutsim_isa_pkg::VEC_A_SIGNED_LSB];
      b_signed_q  <= insn_i[lutsim_isa_pkg::VEC_B_SIGNED_LSB];
      la_q        <= insn_i[lutsim_isa_pkg::VEC_LA_LSB +: lutsim_isa_pkg::VEC_LA_W];
      lb_q        <= insn_i[lutsim_isa_pkg::VEC_LB_LSB +: lutsim_isa_pkg::VEC_LB_W];
      n_lanes_q   <= insn_i[lutsim_isa_pkg::VEC_N_LANES_LSB +: lutsim_isa_pkg::VEC_N_LANES_W];
      delta_b_q   <= f_act_addr_b - f_act_addr;
      dx_q        <= f_dil_x * f_pix_stride;
      dy_q        <= f_dil_y * f_row_stride;
      sx_q        <= f_stride_x * f_pix_stride;
      sy_q        <= f_stride_y * f_row_stride;
      out_h_m1_q  <= insn_i[lutsim_isa_pkg::VEC_OUT_H_LSB +: 16] - 16'd1;
      out_w_m1_q  <= insn_i[lutsim_isa_pkg::VEC_OUT_W_LSB +: 16] - 16'd1;
      // ADD has one tap (ISA cross-field rule); forcing it keeps the loop nest right even if it were broken.
      taps_y_m1_q <= f_op == OpAdd ? 16'd0 : insn_i[lutsim_isa_pkg::VEC_TAPS_Y_LSB +: 16] - 16'd1;
      taps_x_m1_q <= f_op == OpAdd ? 16'd0 : insn_i[lutsim_isa_pkg::VEC_TAPS_X_LSB +: 16] - 16'd1;
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Front end: the read address nest (oy, ox, ty, tx, operand) and the act reads.
  logic                issuing_q;
  logic [ACT_AW-1:0]   cur_q, trow_q, pix_q, row_q;
  logic [15:0]         tx_q, ty_q, ox_q, oy_q;
  logic                phase_b_q;
  logic [1:0]          front_cnt_q;   // pixels whose first read was granted and that have not left F
  logic                first_rd, last_rd, final_rd, act_grant;
  logic                f_pop;

  assign first_rd = (tx_q == 16'd0) & (ty_q == 16'd0) & ~phase_b_q;
  assign last_rd  = (op_q == OpAdd) ? phase_b_q : ((tx_q == taps_x_m1_q) & (ty_q == taps_y_m1_q));
  assign final_rd = last_rd & (ox_q == out_w_m1_q) & (oy_q == out_h_m1_q);

  assign act_rd_req_o  = issuing_q & (~first_rd | (front_cnt_q < 2'(DF)));
  assign act_rd_addr_o = phase_b_q ? cur_q + delta_b_q : cur_q;
  assign act_grant     = act_rd_req_o & act_rd_gnt_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      issuing_q <= 1'b0;
      cur_q     <= '0;
      trow_q    <= '0;
      pix_q     <= '0;
      row_q     <= '0;
      tx_q      <= '0;
      ty_q      <= '0;
      ox_q      <= '0;
      oy_q      <= '0;
      phase_b_q <= 1'b0;
    end else if (accept) begin
      issuing_q <= 1'b1;
      cur_q     <= f_act_addr;
      trow_q    <= f_act_addr;
      pix_q     <= f_act_addr;
      row_q     <= f_act_addr;
      tx_q      <= '0;
      ty_q      <= '0;
      ox_q      <= '0;
      oy_q      <= '0;
      phase_b_q <= 1'b0;
    end else if (act_grant) begin
      if (op_q == OpAdd && !phase_b_q) begin
        phase_b_q <= 1'b1;
      end else if (op_q != OpAdd && tx_q != taps_x_m1_q) begin
        tx_q  <= tx_q + 16'd1;
        cur_q <= cur_q + dx_q;
      end else if (op_q != OpAdd && ty_q != taps_y_m1_q) begin
        tx_q   <= '0;
        ty_q   <= ty_q + 16'd1;
        trow_q <= trow_q + dy_q;
        cur_q  <= trow_q + dy_q;
      end else begin
        // Next pixel.
        phase_b_q <= 1'b0;
        tx_q      <= '0;
        ty_q      <= '0;
        if (ox_q != out_w_m1_q) begin
          ox_q   <= ox_q + 16'd1;
          pix_q  <= pix_q + sx_q;
          trow_q <= pix_q + sx_q;
          cur_q  <= pix_q + sx_q;
        end else if (oy_q != out_h_m1_q) begin
          ox_q   <= '0;
          oy_q   <= oy_q + 16'd1;
          row_q  <= row_q + sy_q;
          pix_q  <= row_q + sy_q;
          trow_q <= row_q + sy_q;
          cur_q  <= row_q + sy_q;
        end else begin
          issuing_q <= 1'b0;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      front_cnt_q <= '0;
    end else if ((act_grant & first_rd) & ~f_pop) begin
      front_cnt_q <= front_cnt_q + 2'd1;
    end else if (~(act_grant & first_rd) & f_pop) begin
      front_cnt_q <= front_cnt_q - 2'd1;
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Data stage: the cycle after a granted read, fold the vector into the running value m.
  logic              d_valid_q, d_first_q, d_last_q, d_final_q, d_b_q;
  logic [EW-1:0]     m_q, m_next;
  logic [ACC_AW-1:0] e_q;   // entry of the pixel being folded

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      d_valid_q <= 1'b0;
      d_first_q <= 1'b0;
      d_last_q  <= 1'b0;
      d_final_q <= 1'b0;
      d_b_q     <= 1'b0;
    end else begin
      d_valid_q <= act_grant;
      d_first_q <= first_rd;
      d_last_q  <= last_rd;
      d_final_q <= final_rd;
      d_b_q     <= phase_b_q;
    end
  end

  for (genvar l = 0; l < COLS; l++) begin : g_fold
    logic               sgn;
    logic signed [31:0] x, xs, m;
    assign sgn = d_b_q ? b_signed_q : a_signed_q;
    assign x   = {{24{sgn & act_rd_rdata_i[8*l+7]}}, act_rd_rdata_i[8*l +: 8]};
    assign xs  = op_q != OpAdd ? x : (d_b_q ? x <<< lb_q : x <<< la_q);
    assign m   = m_q[32*l +: 32];
    always_comb begin
      if (d_first_q) begin
        m_next[32*l +: 32] = xs;
      end else if (op_q == OpMax) begin
        m_next[32*l +: 32] = xs > m ? xs : m;
      end else begin
        m_next[32*l +: 32] = m + xs;
      end
    end
  end
  if (V > COLS) begin : g_unused_bytes
    logic unused_rdata;
    assign unused_rdata = ^act_rd_rdata_i[8*V-1:8*COLS];
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Result FIFO F.
  logic [DF*EW-1:0]     f_data_q;
  logic [DF*ACC_AW-1:0] f_idx_q;
  logic [DF-1:0]        f_final_q;
  logic [1:0]           f_head_q, f_tail_q, f_cnt_q;
  logic                 f_push;

  assign f_push = d_valid_q & d_last_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      m_q       <= '0;
      e_q       <= '0;
      f_data_q  <= '0;
      f_idx_q   <= '0;
      f_final_q <= '0;
      f_head_q  <= '0;
      f_tail_q  <= '0;
      f_cnt_q   <= '0;
    end else begin
      if (accept) e_q <= insn_i[lutsim_isa_pkg::VEC_ACC_ADDR_LSB +: ACC_AW];
      if (d_valid_q) m_q <= m_next;
      if (f_push) begin
        f_data_q[EW*f_tail_q +: EW]         <= m_next;
        f_idx_q[ACC_AW*f_tail_q +: ACC_AW] <= e_q;
        f_final_q[f_tail_q]                 <= d_final_q;
        f_tail_q <= f_tail_q == 2'(DF - 1) ? 2'd0 : f_tail_q + 2'd1;
        e_q      <= e_q + ACC_AW'(1);
      end
      if (f_pop) f_head_q <= f_head_q == 2'(DF - 1) ? 2'd0 : f_head_q + 2'd1;
      if (f_push & ~f_pop) f_cnt_q <= f_cnt_q + 2'd1;
      if (~f_push & f_pop) f_cnt_q <= f_cnt_q - 2'd1;
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Back end: F head -> (acc read) -> J (combine) -> acc write, directly or through W.
  logic              j_valid_q, j_final_q;
  logic [EW-1:0]     j_val_q, j_out;
  logic [ACC_AW-1:0] j_idx_q;
  logic [DW*EW-1:0]     w_data_q;
  logic [DW*ACC_AW-1:0] w_idx_q;
  logic [DW-1:0]        w_final_q;
  logic                 w_head_q, w_tail_q;
  logic [1:0]           w_cnt_q;
  logic                 room, w_push, w_pop, wr_grant, wr_final;

  assign room          = (2'(j_valid_q) + w_cnt_q) < 2'(DW);
  assign acc_rd_req_o  = accum_q & (f_cnt_q != 2'd0) & room;
  assign acc_rd_idx_o  = f_idx_q[ACC_AW*f_head_q +: ACC_AW];
  assign f_pop         = (f_cnt_q != 2'd0) & room & (~accum_q | acc_rd_gnt_i);

  for (genvar l = 0; l < COLS; l++) begin : g_combine
    logic signed [31:0] a, m;
    assign a = acc_rd_rdata_i[32*l +: 32];
    assign m = j_val_q[32*l +: 32];
    always_comb begin
      if (!accum_q) begin
        j_out[32*l +: 32] = m;
      end else if (op_q == OpMax) begin
        j_out[32*l +: 32] = a > m ? a : m;
      end else begin
        j_out[32*l +: 32] = a + m;
      end
    end
  end

  assign acc_wr_req_o   = j_valid_q | (w_cnt_q != 2'd0);
  assign acc_wr_idx_o   = w_cnt_q != 2'd0 ? w_idx_q[ACC_AW*w_head_q +: ACC_AW] : j_idx_q;
  assign acc_wr_wdata_o = w_cnt_q != 2'd0 ? w_data_q[EW*w_head_q +: EW] : j_out;
  assign wr_final       = w_cnt_q != 2'd0 ? w_final_q[w_head_q] : j_final_q;
  assign wr_grant       = acc_wr_req_o & acc_wr_gnt_i;
  assign w_pop          = wr_grant & (w_cnt_q != 2'd0);
  assign w_push         = j_valid_q & ((w_cnt_q != 2'd0) | ~acc_wr_gnt_i);

  always_comb begin
    for (int unsigned l = 0; l < COLS; l++) acc_wr_mask_o[l] = l < 32'(n_lanes_q);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      j_valid_q <= 1'b0;
      j_final_q <= 1'b0;
      j_val_q   <= '0;
      j_idx_q   <= '0;
      w_data_q  <= '0;
      w_idx_q   <= '0;
      w_final_q <= '0;
      w_head_q  <= 1'b0;
      w_tail_q  <= 1'b0;
      w_cnt_q   <= '0;
    end else begin
      j_valid_q <= f_pop;
      if (f_pop) begin
        j_val_q   <= f_data_q[EW*f_head_q +: EW];
        j_idx_q   <= f_idx_q[ACC_AW*f_head_q +: ACC_AW];
        j_final_q <= f_final_q[f_head_q];
      end
      if (w_push) begin
        w_data_q[EW*w_tail_q +: EW]         <= j_out;
        w_idx_q[ACC_AW*w_tail_q +: ACC_AW] <= j_idx_q;
        w_final_q[w_tail_q]                 <= j_final_q;
        w_tail_q <= ~w_tail_q;
      end
      if (w_pop) w_head_q <= ~w_head_q;
      if (w_push & ~w_pop) w_cnt_q <= w_cnt_q + 2'd1;
      if (~w_push & w_pop) w_cnt_q <= w_cnt_q - 2'd1;
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Control.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      done_o <= 1'b0;
    end else begin
      done_o <= wr_grant & wr_final;
      if (accept) busy_q <= 1'b1;
      else if (wr_grant & wr_final) busy_q <= 1'b0;
    end
  end

  assign insn_ready_o = ~busy_q;
  assign busy_o       = busy_q;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      if (accept) begin
        assert (insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W] == lutsim_isa_pkg::OPC_VEC)
          else $error("lutsim_vec: accepted opcode %0d", insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W]);
        assert (f_op == OpMax || f_op == OpSum || f_op == OpAdd) else $error("lutsim_vec: op = 3 is not an operation");
      end
      assert (!(f_push && f_cnt_q == 2'(DF) && !f_pop)) else $error("lutsim_vec: result FIFO overflow");
      assert (!(w_push && w_cnt_q == 2'(DW) && !w_pop)) else $error("lutsim_vec: write buffer overflow");
      assert (!(busy_q == 1'b0 && (d_valid_q || j_valid_q || f_cnt_q != 2'd0 || w_cnt_q != 2'd0)))
        else $error("lutsim_vec: data in flight while idle");
    end
  end
`endif
endmodule
