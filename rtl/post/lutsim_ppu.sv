// lutsim_ppu: the post-processing unit (docs/architecture.md section 8, docs/isa.md PPU).
//
// C = COLS lanes. For entry p < n_pix and lane c < n_cols:
//   v = acc[acc_addr + p][c] (+ bias[c], s32 at param bias_addr + 4c, when bias_en); wrapped to A bits when wrap_en
//   out_s32: act[out_addr + p*out_stride + 4c .. +3] = v (little-endian)
//   else:    act[out_addr + p*out_stride + c] = low byte of clamp(rshift_round(v, s, ROUNDING), act_min, act_max),
//            s = shift_per_channel ? (s8) param[shift_addr + c] : shift_imm
//
// Structure: setup reads the biases (nb = ceil(4 n_cols / C) reads of C bytes) and the per-channel shifts (one
// read of C bytes, 8-bit output only) through the param port. Then one accumulator entry is read per cycle into a
// pipeline that never stalls: S1 bias and wrap, S2 lutsim_rshift_round, S3 clamp into an output FIFO. Reads are
// issued only while fewer than OUT_MAX entries are between the read and the FIFO's pop (credits), so the FIFO
// never overflows however the act write port stalls. The FIFO head is written through the act write port: one
// write of C bytes (8-bit output) or nw = ceil(4 n_cols / V) writes of V bytes (s32 output) per entry.
//
// Latency, from the cycle the instruction is accepted to the cycle done_o is high, with every request granted at
// once:   1 + bias_en * ceil(4 n_cols / C) + (shift_per_channel & !out_s32) + n_pix * nw + 4
// with nw = 1 for 8-bit output and ceil(4 n_cols / V) for s32 output. Stalled grants add their cycles.
// insn_ready_o is high while idle (also in the cycle done_o pulses); busy_o from acceptance until done_o.
//
// Deviation from the RTL contract: none in the ports; the unit has only the ports it uses (param read, acc read,
// act write) and only the parameters it needs (no ROWS, WGT_AW: V is given directly).
module lutsim_ppu #(
  parameter int unsigned COLS     = 16,  // C: lanes
  parameter int unsigned V        = 16,  // bytes of the act SRAM compute port, max(R, C)
  parameter int unsigned ACC_BITS = 32,  // A: accumulator width, 16..32
  parameter int unsigned ROUNDING = 0,   // 0 half_up, 1 half_even, 2 floor
  parameter int unsigned ACT_AW   = 18,  // act SRAM byte address width
  parameter int unsigned PAR_AW   = 14,  // param SRAM byte address width
  parameter int unsigned ACC_AW   = 10   // accumulator entry index width
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  input  logic                  insn_valid_i,
  output logic                  insn_ready_o,
  input  logic [255:0]          insn_i,
  output logic                  busy_o,
  output logic                  done_o,

  output logic                  par_rd_req_o,
  input  logic                  par_rd_gnt_i,
  output logic [PAR_AW-1:0]     par_rd_addr_o,
  input  logic [8*COLS-1:0]     par_rd_rdata_i,

  output logic                  acc_rd_req_o,
  input  logic                  acc_rd_gnt_i,
  output logic [ACC_AW-1:0]     acc_rd_idx_o,
  input  logic [32*COLS-1:0]    acc_rd_rdata_i,

  output logic                  act_wr_req_o,
  input  logic                  act_wr_gnt_i,
  output logic [ACT_AW-1:0]     act_wr_addr_o,
  output logic [8*V-1:0]        act_wr_wdata_o,
  output logic [V-1:0]          act_wr_be_o
);
  localparam int unsigned NW      = (4 * COLS + V - 1) / V;  // s32 writes per entry when n_cols = C
  localparam int unsigned OUT_MAX = 5;                       // entries between read and pop: read, S1, S2, 2 in FIFO
  localparam int unsigned FIFO_D  = OUT_MAX;
  localparam int unsigned VW      = 33;                      // acc + bias
  localparam int unsigned YW      = VW + 15;                 // rshift_round result

  // ---------------------------------------------------------------------------------------------------------------
  // Instruction fields, latched at acceptance.
  typedef enum logic [1:0] {StIdle, StBias, StShift, StRun} state_e;
  state_e state_q, state_d;

  logic                     out_s32_q, bias_en_q, wrap_en_q, pc_shift_q;
  logic signed [5:0]        shift_imm_q;
  logic        [8:0]        n_cols_q;
  logic signed [15:0]       act_min_q, act_max_q;
  logic        [ACT_AW-1:0] out_stride_q;  // out_stride modulo the address space
  logic        [1:0]        nb_q;   // bias reads - 1
  logic        [1:0]        nw_q;   // writes per entry - 1

  wire accept = insn_valid_i & insn_ready_o;
  wire [8:0] f_n_cols = insn_i[lutsim_isa_pkg::PPU_N_COLS_LSB +: lutsim_isa_pkg::PPU_N_COLS_W];
  wire [10:0] f_bytes32 = {f_n_cols, 2'b00};  // 4 n_cols

  // ceil(4 n_cols / D) - 1 for D = C (bias reads) or V (s32 writes), counted with comparators against constants.
  function automatic logic [1:0] chunks_m1(input logic [10:0] bytes, input int unsigned d);
    logic [2:0] n;
    n = 3'd0;
    for (int unsigned k = 1; k < 4; k++) begin
      if (32'(bytes) > k * d) n = n + 3'd1;
    end
    chunks_m1 = n[1:0];
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_s32_q    <= 1'b0;
      bias_en_q    <= 1'b0;
      wrap_en_q    <= 1'b0;
      pc_shift_q   <= 1'b0;
      shift_imm_q  <= '0;
      n_cols_q     <= '0;
      act_min_q    <= '0;
      act_max_q    <= '0;
      out_stride_q <= '0;
      nb_q         <= '0;
      nw_q         <= '0;
    end else if (accept) begin
      out_s32_q    <= insn_i[lutsim_isa_pkg::PPU_OUT_S32_LSB];
      bias_en_q    <= insn_i[lutsim_isa_pkg::PPU_BIAS_EN_LSB];
      wrap_en_q    <= insn_i[lutsim_isa_pkg::PPU_WRAP_EN_LSB];
      pc_shift_q   <= insn_i[lutsim_isa_pkg::PPU_SHIFT_PER_CHANNEL_LSB] & ~insn_i[lutsim_isa_pkg::PPU_OUT_S32_LSB];
      shift_imm_q  <= insn_i[lutsim_isa_pkg::PPU_SHIFT_IMM_LSB +: lutsim_isa_pkg::PPU_SHIFT_IMM_W];
      n_cols_q     <= f_n_cols;
      act_min_q    <= insn_i[lutsim_isa_pkg::PPU_ACT_MIN_LSB +: lutsim_isa_pkg::PPU_ACT_MIN_W];
      act_max_q    <= insn_i[lutsim_isa_pkg::PPU_ACT_MAX_LSB +: lutsim_isa_pkg::PPU_ACT_MAX_W];
      out_stride_q <= ACT_AW'(insn_i[lutsim_isa_pkg::PPU_OUT_STRIDE_LSB +: lutsim_isa_pkg::PPU_OUT_STRIDE_W]);
      nb_q         <= chunks_m1(f_bytes32, COLS);
      nw_q         <= insn_i[lutsim_isa_pkg::PPU_OUT_S32_LSB] ? chunks_m1(f_bytes32, V) : 2'd0;
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Setup: bias and shift reads through the param port. Read data returns the cycle after the grant; par_tag_q
  // says where it goes.
  logic [PAR_AW-1:0]     par_addr_q, par_addr_d;
  logic [PAR_AW-1:0]     shift_addr_q;
  logic [1:0]            par_k_q, par_k_d;
  logic                  par_pend_q, par_pend_shift_q;
  logic [1:0]            par_pend_k_q;
  logic [32*COLS-1:0]    bias_q;
  logic [8*COLS-1:0]     shift_q;

  assign par_rd_req_o  = (state_q == StBias) | (state_q == StShift);
  assign par_rd_addr_o = par_addr_q;
  wire par_grant = par_rd_req_o & par_rd_gnt_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      par_pend_q       <= 1'b0;
      par_pend_shift_q <= 1'b0;
      par_pend_k_q     <= '0;
      bias_q           <= '0;
      shift_q          <= '0;
      shift_addr_q     <= '0;
    end else begin
      par_pend_q       <= par_grant;
      par_pend_shift_q <= state_q == StShift;
      par_pend_k_q     <= par_k_q;
      if (accept) shift_addr_q <= insn_i[lutsim_isa_pkg::PPU_SHIFT_ADDR_LSB +: PAR_AW];
      if (par_pend_q) begin
        if (par_pend_shift_q) begin
          shift_q <= par_rd_rdata_i;
        end else begin
          for (int unsigned k = 0; k < 4; k++) begin
            if (32'(par_pend_k_q) == k) bias_q[k * 8 * COLS +: 8 * COLS] <= par_rd_rdata_i;
          end
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Accumulator reads: one entry per cycle while credits last.
  logic [ACC_AW-1:0]     acc_idx_q, acc_idx_d;
  logic [23:0]           rd_left_q, rd_left_d;     // entries still to read
  logic [2:0]            outst_q, outst_d;         // entries read and not yet popped from the FIFO
  logic                  pop;

  assign acc_rd_req_o = (state_q == StRun) & (rd_left_q != '0) & (outst_q < 3'(OUT_MAX));
  assign acc_rd_idx_o = acc_idx_q;
  wire acc_grant = acc_rd_req_o & acc_rd_gnt_i;

  // ---------------------------------------------------------------------------------------------------------------
  // Control.
  logic done_d;
  logic last_pop;

  always_comb begin
    state_d    = state_q;
    par_addr_d = par_addr_q;
    par_k_d    = par_k_q;
    acc_idx_d  = acc_idx_q;
    rd_left_d  = rd_left_q;
    done_d     = 1'b0;
    unique case (state_q)
      StIdle: begin
        if (accept) begin
          acc_idx_d  = insn_i[lutsim_isa_pkg::PPU_ACC_ADDR_LSB +: ACC_AW];
          rd_left_d  = insn_i[lutsim_isa_pkg::PPU_N_PIX_LSB +: lutsim_isa_pkg::PPU_N_PIX_W];
          par_k_d    = 2'd0;
          if (insn_i[lutsim_isa_pkg::PPU_BIAS_EN_LSB]) begin
            state_d    = StBias;
            par_addr_d = insn_i[lutsim_isa_pkg::PPU_BIAS_ADDR_LSB +: PAR_AW];
          end else if (insn_i[lutsim_isa_pkg::PPU_SHIFT_PER_CHANNEL_LSB] & ~insn_i[lutsim_isa_pkg::PPU_OUT_S32_LSB]) begin
            state_d    = StShift;
            par_addr_d = insn_i[lutsim_isa_pkg::PPU_SHIFT_ADDR_LSB +: PAR_AW];
          end else begin
            state_d    = StRun;
          end
        end
      end
      StBias: begin
        if (par_grant) begin
          par_k_d    = par_k_q + 2'd1;
          par_addr_d = par_addr_q + PAR_AW'(COLS);
          if (par_k_q == nb_q) begin
            if (pc_shift_q) begin
              state_d    = StShift;
              par_addr_d = shift_addr_q;
            end else begin
              state_d = StRun;
            end
          end
        end
      end
      StShift: begin
        if (par_grant) state_d = StRun;
      end
      StRun: begin
        if (acc_grant) begin
          acc_idx_d = acc_idx_q + ACC_AW'(1);
          rd_left_d = rd_left_q - 24'd1;
        end
        if (last_pop) begin
          state_d = StIdle;
          done_d  = 1'b1;
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_comb begin
    outst_d = outst_q;
    if (acc_grant & ~pop) outst_d = outst_q + 3'd1;
    if (~acc_grant & pop) outst_d = outst_q - 3'd1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= StIdle;
      par_addr_q <= '0;
      par_k_q   <= '0;
      acc_idx_q <= '0;
      rd_left_q <= '0;
      outst_q   <= '0;
      done_o    <= 1'b0;
    end else begin
      state_q   <= state_d;
      par_addr_q <= par_addr_d;
      par_k_q   <= par_k_d;
      acc_idx_q <= acc_idx_d;
      rd_left_q <= rd_left_d;
      outst_q   <= outst_d;
      done_o    <= done_d;
    end
  end

  assign insn_ready_o = state_q == StIdle;
  assign busy_o       = state_q != StIdle;

  // ---------------------------------------------------------------------------------------------------------------
  // Datapath: read data (cycle after the grant) -> S1 -> S2 -> FIFO. Valid bits and the final-entry flag travel
  // with the data; the pipeline never stalls.
  logic               rd_valid_q, rd_last_q;
  logic               s1_valid_q, s1_last_q;
  logic               s2_valid_q, s2_last_q;
  logic [32*COLS-1:0] s3_out;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_valid_q <= 1'b0;
      rd_last_q  <= 1'b0;
      s1_valid_q <= 1'b0;
      s1_last_q  <= 1'b0;
      s2_valid_q <= 1'b0;
      s2_last_q  <= 1'b0;
    end else begin
      rd_valid_q <= acc_grant;
      rd_last_q  <= acc_grant & (rd_left_q == 24'd1);
      s1_valid_q <= rd_valid_q;
      s1_last_q  <= rd_last_q;
      s2_valid_q <= s1_valid_q;
      s2_last_q  <= s1_last_q;
    end
  end

  for (genvar c = 0; c < COLS; c++) begin : g_lane
    logic signed [31:0]   acc_v, bias_v;
    logic signed [VW-1:0] sum, v1;
    logic signed [5:0]    sh;
    logic signed [YW-1:0] y, s2;
    logic signed [15:0]   lo, hi;
    logic signed [7:0]    shift_pc;
    logic signed [VW-1:0] s1_v_q;
    logic signed [YW-1:0] s2_y_q;

    assign acc_v  = acc_rd_rdata_i[32*c +: 32];
    assign bias_v = bias_en_q ? bias_q[32*c +: 32] : 32'sd0;
    assign sum    = {acc_v[31], acc_v} + {bias_v[31], bias_v};
    // wrap(v, A): keep A bits and sign-extend them.
    assign v1     = wrap_en_q ? {{(VW-ACC_BITS){sum[ACC_BITS-1]}}, sum[ACC_BITS-1:0]} : sum;

    assign shift_pc = shift_q[8*c +: 8];
    assign sh       = pc_shift_q ? shift_pc[5:0] : shift_imm_q;

    lutsim_rshift_round #(
      .IN_W    (VW),
      .ROUNDING(ROUNDING)
    ) u_rshift_round (
      .v_i(s1_v_q),
      .s_i(sh),
      .y_o(y)
    );

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        s1_v_q <= '0;
        s2_y_q <= '0;
      end else begin
        if (rd_valid_q) s1_v_q <= v1;
        // s32 output keeps v itself (no shift); its low 32 bits are wrap(v, 32).
        if (s1_valid_q) s2_y_q <= out_s32_q ? {{(YW-VW){s1_v_q[VW-1]}}, s1_v_q} : y;
      end
    end

    assign s2 = s2_y_q;
    assign lo = act_min_q;
    assign hi = act_max_q;
    always_comb begin
      if (out_s32_q) begin
        s3_out[32*c +: 32] = s2[31:0];
      end else if (s2 < $signed({{(YW-16){lo[15]}}, lo})) begin
        s3_out[32*c +: 32] = {24'd0, lo[7:0]};
      end else if (s2 > $signed({{(YW-16){hi[15]}}, hi})) begin
        s3_out[32*c +: 32] = {24'd0, hi[7:0]};
      end else begin
        s3_out[32*c +: 32] = {24'd0, s2[7:0]};
      end
    end

`ifndef SYNTHESIS
    // The ISA requires per-channel shifts in -15..31 on the lanes written.
    always_ff @(posedge clk_i) begin
      if (rst_ni && s1_valid_q && pc_shift_q && (c < 32'(n_cols_q))) begin
        assert (shift_pc >= -8'sd15 && shift_pc <= 8'sd31)
          else $error("lutsim_ppu: per-channel shift of lane %0d is %0d, outside -15..31", c, shift_pc);
      end
    end
`endif
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Output FIFO and the act write port.
  logic [FIFO_D*32*COLS-1:0] fifo_data_q;
  logic [FIFO_D-1:0]   fifo_last_q;
  logic [2:0]          fifo_head_q, fifo_tail_q, fifo_cnt_q;
  logic [1:0]          chunk_q;                 // write of the head entry (s32: 0..nw)
  logic [ACT_AW-1:0]   wr_base_q, wr_addr_q;    // entry base, chunk address
  logic signed [11:0]  wr_lim_q;                // bytes of the head entry left from this chunk on
  logic [32*COLS-1:0]  head;
  logic [8*V*NW-1:0]   head_s32;
  logic                push, wr_grant, last_chunk;

  assign push       = s2_valid_q;
  assign head       = fifo_data_q[32*COLS*fifo_head_q +: 32*COLS];
  assign act_wr_req_o = fifo_cnt_q != 3'd0;
  assign act_wr_addr_o = wr_addr_q;
  assign wr_grant   = act_wr_req_o & act_wr_gnt_i;
  assign last_chunk = chunk_q == nw_q;
  assign pop        = wr_grant & last_chunk;
  assign last_pop   = pop & fifo_last_q[fifo_head_q];

  assign head_s32 = (8*V*NW)'(head);
  always_comb begin
    act_wr_wdata_o = '0;
    if (out_s32_q) begin
      for (int unsigned k = 0; k < NW; k++) begin
        if (32'(chunk_q) == k) act_wr_wdata_o = head_s32[8*V*k +: 8*V];
      end
    end else begin
      for (int unsigned c = 0; c < COLS; c++) begin
        act_wr_wdata_o[8*c +: 8] = head[32*c +: 8];
      end
    end
    for (int unsigned j = 0; j < V; j++) begin
      act_wr_be_o[j] = $signed({1'b0, 11'(j)}) < wr_lim_q;
    end
  end

  // Bytes of an entry: n_cols (8-bit) or 4 n_cols (s32).
  wire signed [11:0] entry_bytes = out_s32_q ? $signed({1'b0, n_cols_q, 2'b00}) : $signed({3'b0, n_cols_q});

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fifo_head_q <= '0;
      fifo_tail_q <= '0;
      fifo_cnt_q  <= '0;
      fifo_last_q <= '0;
      chunk_q     <= '0;
      wr_base_q   <= '0;
      wr_addr_q   <= '0;
      wr_lim_q    <= '0;
      fifo_data_q <= '0;
    end else begin
      if (push) begin
        fifo_data_q[32*COLS*fifo_tail_q +: 32*COLS] <= s3_out;
        fifo_last_q[fifo_tail_q] <= s2_last_q;
        fifo_tail_q <= fifo_tail_q == 3'(FIFO_D - 1) ? 3'd0 : fifo_tail_q + 3'd1;
      end
      if (pop) fifo_head_q <= fifo_head_q == 3'(FIFO_D - 1) ? 3'd0 : fifo_head_q + 3'd1;
      if (push & ~pop) fifo_cnt_q <= fifo_cnt_q + 3'd1;
      if (~push & pop) fifo_cnt_q <= fifo_cnt_q - 3'd1;

      if (accept) begin
        wr_base_q <= insn_i[lutsim_isa_pkg::PPU_OUT_ADDR_LSB +: ACT_AW];
        wr_addr_q <= insn_i[lutsim_isa_pkg::PPU_OUT_ADDR_LSB +: ACT_AW];
        wr_lim_q  <= insn_i[lutsim_isa_pkg::PPU_OUT_S32_LSB] ? $signed({1'b0, f_n_cols, 2'b00}) : $signed({3'b0, f_n_cols});
        chunk_q   <= '0;
      end else if (wr_grant) begin
        if (last_chunk) begin
          chunk_q   <= '0;
          wr_base_q <= wr_base_q + out_stride_q;
          wr_addr_q <= wr_base_q + out_stride_q;
          wr_lim_q  <= entry_bytes;
        end else begin
          chunk_q   <= chunk_q + 2'd1;
          wr_addr_q <= wr_addr_q + ACT_AW'(V);
          wr_lim_q  <= wr_lim_q - 12'(V);
        end
      end
    end
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      if (accept) begin
        assert (insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W] == lutsim_isa_pkg::OPC_PPU)
          else $error("lutsim_ppu: accepted opcode %0d", insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W]);
        assert (f_n_cols >= 9'd1 && 32'(f_n_cols) <= COLS)
          else $error("lutsim_ppu: n_cols = %0d is outside 1..%0d", f_n_cols, COLS);
      end
      assert (!(push && fifo_cnt_q == 3'(FIFO_D) && !pop)) else $error("lutsim_ppu: output FIFO overflow");
      assert (!(state_q == StIdle && (rd_valid_q || s1_valid_q || s2_valid_q || fifo_cnt_q != 0)))
        else $error("lutsim_ppu: data in flight while idle");
    end
  end
`endif
endmodule
