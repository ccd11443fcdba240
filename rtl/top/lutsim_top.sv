// lutsim_top: the whole accelerator (docs/architecture.md sections 1-5 and 13). It runs a program from pc 0 to its
// end and raises done_o: fetch/decode/dispatch into the load, compute and store queues, the dependency tokens, the
// DMA (LOAD on the read channel, STORE on the write channel), the four SRAMs, and the compute units of rtl/core
// (lutsim_wcfg, lutsim_gemm_ctrl) and rtl/post (lutsim_vec, lutsim_ppu).
//
// Outside: the instruction memory (one cycle of read latency, data held until the next request), the DRAM port of
// lutsim_dma (bursts of at most DZ bytes, one response beat per burst, in order) and state outputs for the harness
// (dispatches, completions, each queue's state, the tokens).
//
// The compute queue runs one instruction at a time: the next starts when every compute unit is idle or pulsing
// done (the PEs read the LUTs while a GEMM runs; PPU and accumulating GEMM/VEC read what the previous one wrote),
// so the top grants every SRAM request of the compute units at once. The act SRAM has a DMA write port (LOAD), a
// DMA read port (STORE), a compute read port (GEMM, VEC) and a compute write port (PPU); wgt and param a DMA write
// port and one read port; acc one read and one write port.
//
// Deviations from docs/architecture.md: the DMA's SRAM ports are W = max(DZ, D) bytes wide (a burst is written in
// one cycle), the param SRAM is byte-banked like act and wgt (its read port reads C bytes at any byte address).
module lutsim_top #(
  parameter int unsigned ROWS        = 16,
  parameter int unsigned COLS        = 16,
  parameter int unsigned ACC_BITS    = 32,
  parameter int unsigned ROUNDING    = 0,           // 0 half_up, 1 half_even, 2 floor
  parameter int unsigned ACT_BYTES   = 256 * 1024,
  parameter int unsigned WGT_BYTES   = 128 * 1024,
  parameter int unsigned PAR_BYTES   = 16 * 1024,
  parameter int unsigned ACC_ENTRIES = 1024,        // acc SRAM bytes / (4 C)
  parameter int unsigned QDEPTH      = 16,          // entries of each instruction queue
  parameter int unsigned DZ          = 64,          // largest DRAM burst (bytes)
  parameter int unsigned DD          = 64,          // DMA pad bytes per cycle: max(64, 2^ceil(log2 B))
  parameter int unsigned DM          = 8,           // DRAM bursts in flight
  localparam int unsigned V      = ROWS > COLS ? ROWS : COLS,
  localparam int unsigned DW     = DZ > DD ? DZ : DD,  // DMA SRAM port width
  localparam int unsigned ACT_AW = $clog2(ACT_BYTES),
  localparam int unsigned WGT_AW = $clog2(WGT_BYTES),
  localparam int unsigned PAR_AW = $clog2(PAR_BYTES),
  localparam int unsigned ACC_AW = $clog2(ACC_ENTRIES)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              start_i,          // pulse: run the program of n_insns_i instructions from pc 0
  input  logic [31:0]       n_insns_i,
  output logic              done_o,           // every instruction completed (level, until the next start)
  output logic              err_o,            // an illegal instruction at err_pc_o stopped the fetch
  output logic [31:0]       err_pc_o,
  // instruction memory
  output logic              imem_req_o,
  output logic [31:0]       imem_addr_o,
  input  logic [255:0]      imem_rdata_i,
  // DRAM
  output logic              dram_req_valid_o,
  input  logic              dram_req_ready_i,
  output logic              dram_req_we_o,
  output logic [31:0]       dram_req_addr_o,
  output logic [15:0]       dram_req_len_o,
  output logic [8*DZ-1:0]   dram_req_wdata_o,
  input  logic              dram_rsp_valid_i,
  input  logic              dram_rsp_we_i,
  input  logic [8*DZ-1:0]   dram_rsp_rdata_i,
  // state, for the harness
  output logic              dbg_dispatch_o,   // an instruction entered its queue
  output logic [31:0]       dbg_dispatch_pc_o,
  output logic [2:0]        dbg_complete_o,   // queue q completed its instruction dbg_pc_o[32q +: 32]
  output logic [95:0]       dbg_pc_o,         // each queue's instruction in flight (load, compute, store)
  output logic [5:0]        dbg_qstate_o,     // each queue head's state (lutsim_qexec state_o)
  output logic [47:0]       dbg_qcount_o,     // entries waiting in each queue
  output logic [31:0]       dbg_tokens_o,     // l2c, c2l, c2s, s2c
  output logic [6:0]        dbg_dma_state_o,  // {write channel, read channel} states
  output logic [3:0]        dbg_unit_busy_o   // {ppu, vec, gemm, wcfg}
);

  localparam int unsigned QW = 32 + 256;  // queue entry: {pc, instruction}

  function automatic int unsigned pow2ceil(input int unsigned x);
    int unsigned p;
    p = 1;
    while (p < x) p = p * 2;
    pow2ceil = p;
  endfunction
  localparam int unsigned NB_ACT = pow2ceil(DW > V ? DW : V);
  localparam int unsigned NB_WGT = pow2ceil(DW > COLS ? DW : COLS);

  // =============================================================================================================
  // Fetch and dispatch
  logic           f_valid, f_ready, f_idle;
  logic [255:0]   f_insn;
  logic [31:0]    f_pc;
  logic [1:0]     f_queue;
  logic [2:0]     q_in_ready, q_out_valid, q_out_ready, q_empty;
  logic [QW-1:0]  q_out_data [3];
  logic [15:0]    q_count [3];
  logic           running_q;

  lutsim_fetch u_fetch (
    .clk_i,
    .rst_ni,
    .start_i,
    .n_insns_i,
    .imem_req_o,
    .imem_addr_o,
    .imem_rdata_i,
    .out_valid_o (f_valid),
    .out_ready_i (f_ready),
    .out_insn_o  (f_insn),
    .out_pc_o    (f_pc),
    .out_queue_o (f_queue),
    .idle_o      (f_idle),
    .err_o,
    .err_pc_o
  );
  assign f_ready = q_in_ready[f_queue];

  for (genvar q = 0; q < 3; q++) begin : g_queue
    lutsim_queue #(
      .DEPTH(QDEPTH),
      .WIDTH(QW)
    ) u_queue (
      .clk_i,
      .rst_ni,
      .in_valid_i  (f_valid && f_queue == 2'(q)),
      .in_ready_o  (q_in_ready[q]),
      .in_data_i   ({f_pc, f_insn}),
      .out_valid_o (q_out_valid[q]),
      .out_ready_i (q_out_ready[q]),
      .out_data_o  (q_out_data[q]),
      .empty_o     (q_empty[q]),
      .count_o     (q_count[q])
    );
  end

  // =============================================================================================================
  // Tokens and queue heads
  logic [3:0]  tok_pop, tok_push, tok_avail, tok_full;
  logic [2:0]  x_pop_prev, x_pop_next, x_push_prev, x_push_next;
  logic [2:0]  x_unit_valid, x_unit_ready, x_unit_done, x_busy, x_complete;
  logic [31:0] x_pc [3];
  logic [1:0]  x_state [3];
  logic [2:0]  x_avail_prev, x_avail_next, x_full_prev, x_full_next;

  lutsim_tokens u_tokens (
    .clk_i,
    .rst_ni,
    .clear_i (start_i),
    .pop_i   (tok_pop),
    .push_i  (tok_push),
    .avail_o (tok_avail),
    .full_o  (tok_full),
    .count_o (dbg_tokens_o)
  );

  // Token counters: 0 l2c (load -> compute), 1 c2l, 2 c2s (compute -> store), 3 s2c.
  assign x_avail_prev = {tok_avail[2], tok_avail[0], 1'b0};
  assign x_avail_next = {1'b0, tok_avail[3], tok_avail[1]};
  assign x_full_prev  = {tok_full[3], tok_full[1], 1'b0};
  assign x_full_next  = {1'b0, tok_full[2], tok_full[0]};
  assign tok_pop  = {x_pop_next[1], x_pop_prev[2], x_pop_next[0], x_pop_prev[1]};
  assign tok_push = {x_push_prev[2], x_push_next[1], x_push_prev[1], x_push_next[0]};

  for (genvar q = 0; q < 3; q++) begin : g_exec
    lutsim_qexec u_qexec (
      .clk_i,
      .rst_ni,
      .head_valid_i (q_out_valid[q]),
      .head_insn_i  (q_out_data[q][255:0]),
      .head_pc_i    (q_out_data[q][QW-1:256]),
      .head_ready_o (q_out_ready[q]),
      .avail_prev_i (x_avail_prev[q]),
      .avail_next_i (x_avail_next[q]),
      .full_prev_i  (x_full_prev[q]),
      .full_next_i  (x_full_next[q]),
      .pop_prev_o   (x_pop_prev[q]),
      .pop_next_o   (x_pop_next[q]),
      .push_prev_o  (x_push_prev[q]),
      .push_next_o  (x_push_next[q]),
      .unit_valid_o (x_unit_valid[q]),
      .unit_ready_i (x_unit_ready[q]),
      .unit_done_i  (x_unit_done[q]),
      .busy_o       (x_busy[q]),
      .cur_pc_o     (x_pc[q]),
      .complete_o   (x_complete[q]),
      .state_o      (x_state[q])
    );
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) running_q <= 1'b0;
    else if (start_i) running_q <= 1'b1;
  end
  assign done_o = running_q && !start_i && f_idle && !err_o && (&q_empty) && !(|x_busy);

  // =============================================================================================================
  // DMA
  logic [1:0]    ld_buf;
  logic [7:0]    ld_pad_value;
  logic [6:0]    ld_pt, ld_pb, ld_pl, ld_pr;
  logic [25:0]   ld_sram, st_sram;
  logic [31:0]   ld_dram, st_dram, ld_ystr, ld_zstr, st_ystr, st_zstr;
  logic [19:0]   ld_x, st_x;
  logic [15:0]   ld_y, ld_z, st_y, st_z;
  logic          sw_req, sr_req;
  logic [1:0]    sw_buf;
  logic [31:0]   sw_addr, sr_addr;
  logic [8*DW-1:0] sw_wdata, sr_rdata;
  logic [DW-1:0] sw_be;

  lutsim_decode u_dec_load (
    .insn_i           (q_out_data[0][255:0]),
    .opcode_o         (),
    .queue_o          (),
    .pop_prev_o       (),
    .pop_next_o       (),
    .push_prev_o      (),
    .push_next_o      (),
    .illegal_o        (),
    .dma_store_o      (),
    .dma_buf_o        (ld_buf),
    .dma_pad_value_o  (ld_pad_value),
    .dma_pad_top_o    (ld_pt),
    .dma_pad_bottom_o (ld_pb),
    .dma_pad_left_o   (ld_pl),
    .dma_pad_right_o  (ld_pr),
    .dma_sram_addr_o  (ld_sram),
    .dma_dram_addr_o  (ld_dram),
    .dma_x_size_o     (ld_x),
    .dma_y_size_o     (ld_y),
    .dma_z_size_o     (ld_z),
    .dma_y_stride_o   (ld_ystr),
    .dma_z_stride_o   (ld_zstr)
  );
  lutsim_decode u_dec_store (
    .insn_i           (q_out_data[2][255:0]),
    .opcode_o         (),
    .queue_o          (),
    .pop_prev_o       (),
    .pop_next_o       (),
    .push_prev_o      (),
    .push_next_o      (),
    .illegal_o        (),
    .dma_store_o      (),
    .dma_buf_o        (),
    .dma_pad_value_o  (),
    .dma_pad_top_o    (),
    .dma_pad_bottom_o (),
    .dma_pad_left_o   (),
    .dma_pad_right_o  (),
    .dma_sram_addr_o  (st_sram),
    .dma_dram_addr_o  (st_dram),
    .dma_x_size_o     (st_x),
    .dma_y_size_o     (st_y),
    .dma_z_size_o     (st_z),
    .dma_y_stride_o   (st_ystr),
    .dma_z_stride_o   (st_zstr)
  );

  lutsim_dma #(
    .Z(DZ),
    .D(DD),
    .W(DW),
    .M(DM)
  ) u_dma (
    .clk_i,
    .rst_ni,
    .rd_valid_i       (x_unit_valid[0]),
    .rd_ready_o       (x_unit_ready[0]),
    .rd_buf_i         (ld_buf),
    .rd_pad_value_i   (ld_pad_value),
    .rd_pad_top_i     (ld_pt),
    .rd_pad_bottom_i  (ld_pb),
    .rd_pad_left_i    (ld_pl),
    .rd_pad_right_i   (ld_pr),
    .rd_sram_addr_i   (ld_sram),
    .rd_dram_addr_i   (ld_dram),
    .rd_x_size_i      (ld_x),
    .rd_y_size_i      (ld_y),
    .rd_z_size_i      (ld_z),
    .rd_y_stride_i    (ld_ystr),
    .rd_z_stride_i    (ld_zstr),
    .rd_done_o        (x_unit_done[0]),
    .wr_valid_i       (x_unit_valid[2]),
    .wr_ready_o       (x_unit_ready[2]),
    .wr_sram_addr_i   (st_sram),
    .wr_dram_addr_i   (st_dram),
    .wr_x_size_i      (st_x),
    .wr_y_size_i      (st_y),
    .wr_z_size_i      (st_z),
    .wr_y_stride_i    (st_ystr),
    .wr_z_stride_i    (st_zstr),
    .wr_done_o        (x_unit_done[2]),
    .sw_req_o         (sw_req),
    .sw_buf_o         (sw_buf),
    .sw_addr_o        (sw_addr),
    .sw_wdata_o       (sw_wdata),
    .sw_be_o          (sw_be),
    .sr_req_o         (sr_req),
    .sr_addr_o        (sr_addr),
    .sr_rdata_i       (sr_rdata),
    .dram_req_valid_o,
    .dram_req_ready_i,
    .dram_req_we_o,
    .dram_req_addr_o,
    .dram_req_len_o,
    .dram_req_wdata_o,
    .dram_rsp_valid_i,
    .dram_rsp_we_i,
    .dram_rsp_rdata_i,
    .rd_state_o       (dbg_dma_state_o[3:0]),
    .wr_state_o       (dbg_dma_state_o[6:4])
  );

  // =============================================================================================================
  // Compute units: one instruction at a time, steered by opcode.
  logic [255:0] c_insn;
  logic [3:0]   c_opc;
  logic         c_is_wcfg, c_is_gemm, c_is_vec, c_is_ppu, c_idle;
  logic         wcfg_ready, wcfg_busy, wcfg_done, gemm_ready, gemm_busy, gemm_done;
  logic         vec_ready, vec_busy, vec_done, ppu_ready, ppu_busy, ppu_done;

  assign c_insn    = q_out_data[1][255:0];
  assign c_opc     = c_insn[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W];
  assign c_is_wcfg = c_opc == lutsim_isa_pkg::OPC_WCFG;
  assign c_is_gemm = c_opc == lutsim_isa_pkg::OPC_GEMM;
  assign c_is_vec  = c_opc == lutsim_isa_pkg::OPC_VEC;
  assign c_is_ppu  = c_opc == lutsim_isa_pkg::OPC_PPU;
  // A unit pulsing done is idle for the next instruction: its last SRAM write is done (WCFG's LUT registers load
  // at the end of that cycle, long before a GEMM accepted in it streams its first pixel).
  assign c_idle    = (!wcfg_busy || wcfg_done) && (!gemm_busy || gemm_done) && (!vec_busy || vec_done) &&
                     (!ppu_busy || ppu_done);
  assign x_unit_ready[1] = c_idle && ((c_is_wcfg && wcfg_ready) || (c_is_gemm && gemm_ready) ||
                                      (c_is_vec && vec_ready) || (c_is_ppu && ppu_ready));
  assign x_unit_done[1]  = wcfg_done || gemm_done || vec_done || ppu_done;
  assign dbg_unit_busy_o = {ppu_busy, vec_busy, gemm_busy, wcfg_busy};

  logic [1:0]          wmode;
  logic [3:0]          wbits;
  logic [COLS*128-1:0] luts;
  logic [15:0]         in_group, out_group, out_offset;

  // SRAM request signals of the units
  logic                 gemm_act_req, vec_act_req, ppu_act_wr_req, gemm_wgt_req, wcfg_par_req, ppu_par_req;
  logic [ACT_AW-1:0]    gemm_act_addr, vec_act_addr, ppu_act_wr_addr;
  logic [8*V-1:0]       act_c_rdata, ppu_act_wdata;
  logic [V-1:0]         ppu_act_be;
  logic [WGT_AW-1:0]    gemm_wgt_addr;
  logic [8*COLS-1:0]    wgt_rdata, par_rdata;
  logic [PAR_AW-1:0]    wcfg_par_addr, ppu_par_addr;
  logic                 gemm_accr_req, vec_accr_req, ppu_accr_req, gemm_accw_req, vec_accw_req;
  logic [ACC_AW-1:0]    gemm_accr_idx, vec_accr_idx, ppu_accr_idx, gemm_accw_idx, vec_accw_idx;
  logic [32*COLS-1:0]   acc_rdata, gemm_accw_data, vec_accw_data;
  logic [COLS-1:0]      gemm_accw_mask, vec_accw_mask;

  lutsim_wcfg #(
    .COLS  (COLS),
    .PAR_AW(PAR_AW)
  ) u_wcfg (
    .clk_i,
    .rst_ni,
    .insn_valid_i   (x_unit_valid[1] && c_idle && c_is_wcfg),
    .insn_ready_o   (wcfg_ready),
    .insn_i         (c_insn),
    .busy_o         (wcfg_busy),
    .done_o         (wcfg_done),
    .par_rd_req_o   (wcfg_par_req),
    .par_rd_gnt_i   (1'b1),
    .par_rd_addr_o  (wcfg_par_addr),
    .par_rd_rdata_i (par_rdata),
    .wmode_o        (wmode),
    .wbits_o        (wbits),
    .luts_o         (luts),
    .in_group_o     (in_group),
    .out_group_o    (out_group),
    .out_offset_o   (out_offset)
  );

  lutsim_gemm_ctrl #(
    .ROWS    (ROWS),
    .COLS    (COLS),
    .ACC_BITS(ACC_BITS),
    .V       (V),
    .ACT_AW  (ACT_AW),
    .WGT_AW  (WGT_AW),
    .ACC_AW  (ACC_AW)
  ) u_gemm (
    .clk_i,
    .rst_ni,
    .insn_valid_i   (x_unit_valid[1] && c_idle && c_is_gemm),
    .insn_ready_o   (gemm_ready),
    .insn_i         (c_insn),
    .busy_o         (gemm_busy),
    .done_o         (gemm_done),
    .wmode_i        (wmode),
    .wbits_i        (wbits),
    .luts_i         (luts),
    .in_group_i     (in_group),
    .out_group_i    (out_group),
    .out_offset_i   (out_offset),
    .act_rd_req_o   (gemm_act_req),
    .act_rd_gnt_i   (1'b1),
    .act_rd_addr_o  (gemm_act_addr),
    .act_rd_rdata_i (act_c_rdata),
    .wgt_rd_req_o   (gemm_wgt_req),
    .wgt_rd_gnt_i   (1'b1),
    .wgt_rd_addr_o  (gemm_wgt_addr),
    .wgt_rd_rdata_i (wgt_rdata),
    .acc_rd_req_o   (gemm_accr_req),
    .acc_rd_gnt_i   (1'b1),
    .acc_rd_idx_o   (gemm_accr_idx),
    .acc_rd_rdata_i (acc_rdata),
    .acc_wr_req_o   (gemm_accw_req),
    .acc_wr_gnt_i   (1'b1),
    .acc_wr_idx_o   (gemm_accw_idx),
    .acc_wr_wdata_o (gemm_accw_data),
    .acc_wr_mask_o  (gemm_accw_mask)
  );

  lutsim_vec #(
    .COLS  (COLS),
    .V     (V),
    .ACT_AW(ACT_AW),
    .ACC_AW(ACC_AW)
  ) u_vec (
    .clk_i,
    .rst_ni,
    .insn_valid_i   (x_unit_valid[1] && c_idle && c_is_vec),
    .insn_ready_o   (vec_ready),
    .insn_i         (c_insn),
    .busy_o         (vec_busy),
    .done_o         (vec_done),
    .act_rd_req_o   (vec_act_req),
    .act_rd_gnt_i   (1'b1),
    .act_rd_addr_o  (vec_act_addr),
    .act_rd_rdata_i (act_c_rdata),
    .acc_rd_req_o   (vec_accr_req),
    .acc_rd_gnt_i   (1'b1),
    .acc_rd_idx_o   (vec_accr_idx),
    .acc_rd_rdata_i (acc_rdata),
    .acc_wr_req_o   (vec_accw_req),
    .acc_wr_gnt_i   (1'b1),
    .acc_wr_idx_o   (vec_accw_idx),
    .acc_wr_wdata_o (vec_accw_data),
    .acc_wr_mask_o  (vec_accw_mask)
  );

  lutsim_ppu #(
    .COLS    (COLS),
    .V       (V),
    .ACC_BITS(ACC_BITS),
    .ROUNDING(ROUNDING),
    .ACT_AW  (ACT_AW),
    .PAR_AW  (PAR_AW),
    .ACC_AW  (ACC_AW)
  ) u_ppu (
    .clk_i,
    .rst_ni,
    .insn_valid_i   (x_unit_valid[1] && c_idle && c_is_ppu),
    .insn_ready_o   (ppu_ready),
    .insn_i         (c_insn),
    .busy_o         (ppu_busy),
    .done_o         (ppu_done),
    .par_rd_req_o   (ppu_par_req),
    .par_rd_gnt_i   (1'b1),
    .par_rd_addr_o  (ppu_par_addr),
    .par_rd_rdata_i (par_rdata),
    .acc_rd_req_o   (ppu_accr_req),
    .acc_rd_gnt_i   (1'b1),
    .acc_rd_idx_o   (ppu_accr_idx),
    .acc_rd_rdata_i (acc_rdata),
    .act_wr_req_o   (ppu_act_wr_req),
    .act_wr_gnt_i   (1'b1),
    .act_wr_addr_o  (ppu_act_wr_addr),
    .act_wr_wdata_o (ppu_act_wdata),
    .act_wr_be_o    (ppu_act_be)
  );

  // =============================================================================================================
  // SRAMs
  logic [DW-1:0] sw_be_act, sw_be_wgt, sw_be_par;
  assign sw_be_act = sw_buf == 2'd0 ? sw_be : '0;
  assign sw_be_wgt = sw_buf == 2'd1 ? sw_be : '0;
  assign sw_be_par = sw_buf == 2'd2 ? sw_be : '0;

  lutsim_sram_banked #(
    .SIZE(ACT_BYTES),
    .NB  (NB_ACT),
    .WW0 (DW),
    .WW1 (V),
    .RW0 (DW),
    .RW1 (V)
  ) u_act (
    .clk_i,
    .rst_ni,
    .w0_req_i   (sw_req && sw_buf == 2'd0),
    .w0_addr_i  (ACT_AW'(sw_addr)),
    .w0_wdata_i (sw_wdata),
    .w0_be_i    (sw_be_act),
    .w1_req_i   (ppu_act_wr_req),
    .w1_addr_i  (ppu_act_wr_addr),
    .w1_wdata_i (ppu_act_wdata),
    .w1_be_i    (ppu_act_be),
    .r0_req_i   (sr_req),
    .r0_addr_i  (ACT_AW'(sr_addr)),
    .r0_rdata_o (sr_rdata),
    .r1_req_i   (gemm_act_req || vec_act_req),
    .r1_addr_i  (gemm_act_req ? gemm_act_addr : vec_act_addr),
    .r1_rdata_o (act_c_rdata)
  );

  lutsim_sram_banked #(
    .SIZE(WGT_BYTES),
    .NB  (NB_WGT),
    .WW0 (DW),
    .WW1 (1),
    .RW0 (1),
    .RW1 (COLS)
  ) u_wgt (
    .clk_i,
    .rst_ni,
    .w0_req_i   (sw_req && sw_buf == 2'd1),
    .w0_addr_i  (WGT_AW'(sw_addr)),
    .w0_wdata_i (sw_wdata),
    .w0_be_i    (sw_be_wgt),
    .w1_req_i   (1'b0),
    .w1_addr_i  ('0),
    .w1_wdata_i (8'd0),
    .w1_be_i    (1'b0),
    .r0_req_i   (1'b0),
    .r0_addr_i  ('0),
    .r0_rdata_o (),
    .r1_req_i   (gemm_wgt_req),
    .r1_addr_i  (gemm_wgt_addr),
    .r1_rdata_o (wgt_rdata)
  );

  lutsim_sram_banked #(
    .SIZE(PAR_BYTES),
    .NB  (NB_WGT),
    .WW0 (DW),
    .WW1 (1),
    .RW0 (1),
    .RW1 (COLS)
  ) u_par (
    .clk_i,
    .rst_ni,
    .w0_req_i   (sw_req && sw_buf == 2'd2),
    .w0_addr_i  (PAR_AW'(sw_addr)),
    .w0_wdata_i (sw_wdata),
    .w0_be_i    (sw_be_par),
    .w1_req_i   (1'b0),
    .w1_addr_i  ('0),
    .w1_wdata_i (8'd0),
    .w1_be_i    (1'b0),
    .r0_req_i   (1'b0),
    .r0_addr_i  ('0),
    .r0_rdata_o (),
    .r1_req_i   (wcfg_par_req || ppu_par_req),
    .r1_addr_i  (wcfg_par_req ? wcfg_par_addr : ppu_par_addr),
    .r1_rdata_o (par_rdata)
  );

  lutsim_sram #(
    .DEPTH(ACC_ENTRIES),
    .LANES(COLS),
    .LW   (32)
  ) u_acc (
    .clk_i,
    .rst_ni,
    .wr_req_i   (gemm_accw_req || vec_accw_req),
    .wr_idx_i   (gemm_accw_req ? gemm_accw_idx : vec_accw_idx),
    .wr_wdata_i (gemm_accw_req ? gemm_accw_data : vec_accw_data),
    .wr_mask_i  (gemm_accw_req ? gemm_accw_mask : vec_accw_mask),
    .rd_req_i   (gemm_accr_req || vec_accr_req || ppu_accr_req),
    .rd_idx_i   (gemm_accr_req ? gemm_accr_idx : (vec_accr_req ? vec_accr_idx : ppu_accr_idx)),
    .rd_rdata_o (acc_rdata)
  );

  // =============================================================================================================
  // State outputs
  assign dbg_dispatch_o    = f_valid && f_ready;
  assign dbg_dispatch_pc_o = f_pc;
  assign dbg_complete_o    = x_complete;
  assign dbg_pc_o          = {x_pc[2], x_pc[1], x_pc[0]};
  assign dbg_qstate_o      = {x_state[2], x_state[1], x_state[0]};
  assign dbg_qcount_o      = {q_count[2], q_count[1], q_count[0]};

  // The DMA's 32-bit SRAM addresses above each SRAM's width only matter to its range assertions.
  logic unused_top;
  assign unused_top = ^{sw_addr, sr_addr, x_avail_prev[0], x_avail_next[2], x_full_prev[0], x_full_next[2],
                        x_pop_prev[0], x_pop_next[2], x_push_prev[0], x_push_next[2], x_unit_valid[1]};

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(gemm_act_req && vec_act_req)) else $error("GEMM and VEC read the act SRAM in one cycle");
      assert (!(gemm_accw_req && vec_accw_req)) else $error("GEMM and VEC write the acc SRAM in one cycle");
      assert (!(wcfg_par_req && ppu_par_req)) else $error("WCFG and PPU read the param SRAM in one cycle");
      assert (32'(int'(gemm_accr_req) + int'(vec_accr_req) + int'(ppu_accr_req)) <= 32'd1)
        else $error("two units read the acc SRAM in one cycle");
      assert (!(sw_req && 32'(sw_buf) == 32'd3)) else $error("DMA write to buffer 3");
    end
  end
`endif

endmodule
