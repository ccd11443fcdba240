// The DMA engine (docs/architecture.md section 5): a read channel that executes LOAD (DRAM -> act/wgt/param SRAM,
// 3D box with pad insertion) and a write channel that executes STORE (act SRAM -> DRAM), sharing one DRAM port.
//
// Both channels cut their box into runs of contiguous DRAM bytes as the SystemC model's DMA does: the whole box
// when y_stride == x_size and there is one plane or z_stride == y_size * x_size, else one run per plane when
// y_stride == x_size, else one per element of x_size bytes. DRAM runs are cut into bursts of at most Z bytes that do
// not cross a Z-aligned boundary. A LOAD's padding forms runs of its own (the top planes, each plane's left and
// right padding, the bottom planes), written at D bytes per cycle without DRAM traffic in cycles when no read data
// is written. Read data is written one SRAM segment per cycle, a segment ending where a plane's data ends in the
// SRAM box (a whole-box run of a padded LOAD scatters each burst over the planes it spans).
//
// DRAM port: one request per cycle (valid/ready; the read and write channels take turns when both want it), a
// write request carries its data; every burst is answered, in issue order, by one response beat (rsp_valid_i;
// rsp_we_i tells a write acknowledgement from read data, byte 0 = the burst's first byte in bits [7:0]). The read
// channel keeps a descriptor of each burst until its data is written (2M entries) and buffers read data that
// cannot be written in the cycle it arrives.
//
// Timing (cycles): a command accepted in cycle s has its box geometry registered at s, forms its first run in s+1;
// a LOAD's first burst (or pad chunk) goes in s+2, a STORE reads its first burst's data in s+2 and issues it in
// s+3; afterwards one burst per cycle as the DRAM allows. A LOAD pulses rd_done_o in the cycle after its last SRAM
// write, a STORE pulses wr_done_o in the cycle after the acknowledgement of its last burst. Each channel runs one
// command at a time.
module lutsim_dma #(
  parameter int unsigned Z = 64,  // largest DRAM burst (bytes), a power of two
  parameter int unsigned D = 64,  // pad bytes written per cycle
  parameter int unsigned W = 64,  // SRAM port width (bytes), >= Z and >= D
  parameter int unsigned M = 8    // read bursts in flight at most
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // read channel (LOAD) command
  input  logic              rd_valid_i,
  output logic              rd_ready_o,
  input  logic [1:0]        rd_buf_i,
  input  logic [7:0]        rd_pad_value_i,
  input  logic [6:0]        rd_pad_top_i,
  input  logic [6:0]        rd_pad_bottom_i,
  input  logic [6:0]        rd_pad_left_i,
  input  logic [6:0]        rd_pad_right_i,
  input  logic [25:0]       rd_sram_addr_i,
  input  logic [31:0]       rd_dram_addr_i,
  input  logic [19:0]       rd_x_size_i,
  input  logic [15:0]       rd_y_size_i,
  input  logic [15:0]       rd_z_size_i,
  input  logic [31:0]       rd_y_stride_i,
  input  logic [31:0]       rd_z_stride_i,
  output logic              rd_done_o,
  // write channel (STORE) command
  input  logic              wr_valid_i,
  output logic              wr_ready_o,
  input  logic [25:0]       wr_sram_addr_i,
  input  logic [31:0]       wr_dram_addr_i,
  input  logic [19:0]       wr_x_size_i,
  input  logic [15:0]       wr_y_size_i,
  input  logic [15:0]       wr_z_size_i,
  input  logic [31:0]       wr_y_stride_i,
  input  logic [31:0]       wr_z_stride_i,
  output logic              wr_done_o,
  // SRAM write port of the read channel (buf selects act, wgt or param)
  output logic              sw_req_o,
  output logic [1:0]        sw_buf_o,
  output logic [31:0]       sw_addr_o,
  output logic [8*W-1:0]    sw_wdata_o,
  output logic [W-1:0]      sw_be_o,
  // act SRAM read port of the write channel (data in the cycle after the request, held until the next one)
  output logic              sr_req_o,
  output logic [31:0]       sr_addr_o,
  input  logic [8*W-1:0]    sr_rdata_i,
  // DRAM
  output logic              dram_req_valid_o,
  input  logic              dram_req_ready_i,
  output logic              dram_req_we_o,
  output logic [31:0]       dram_req_addr_o,
  output logic [15:0]       dram_req_len_o,
  output logic [8*Z-1:0]    dram_req_wdata_o,
  input  logic              dram_rsp_valid_i,
  input  logic              dram_rsp_we_i,
  input  logic [8*Z-1:0]    dram_rsp_rdata_i,
  // state, for the harness
  output logic [3:0]        rd_state_o,
  output logic [2:0]        wr_state_o
);

  localparam int unsigned LZ = $clog2(Z);

  // Bytes of a chunk: min(len, limit).
  function automatic logic [31:0] min32(input logic [31:0] a, input logic [31:0] b);
    min32 = a < b ? a : b;
  endfunction
  // Bytes to the next Z-aligned DRAM boundary.
  function automatic logic [31:0] to_boundary(input logic [LZ-1:0] addr_lo);
    to_boundary = 32'(Z) - 32'(addr_lo);
  endfunction

  // =============================================================================================================
  // Read channel
  typedef enum logic [3:0] {
    RIdle = 4'd0,
    RTop  = 4'd1,
    RBox  = 4'd2,
    RLpad = 4'd3,
    RData = 4'd4,
    RRpad = 4'd5,
    RBot  = 4'd6,
    RFin  = 4'd7
  } rstate_e;

  localparam int unsigned FD = 2 * M;  // read bursts issued and not yet written to the SRAM
  localparam int unsigned FW = $clog2(FD);

  rstate_e     rst_q, rst_d;
  logic [1:0]  r_buf_q;
  logic [7:0]  r_pad_q;
  logic [6:0]  r_pb_q, r_pl_q, r_pr_q;
  logic [31:0] r_x_q, r_ys_q, r_zs_q, r_ystr_q, r_zstr_q;
  logic [31:0] r_plane_q, r_row_q, r_lpad_q, r_rpad_q, r_top_q, r_bot_q, r_box_q, r_gap_q, r_seg_q;
  logic [31:0] r_base_q, r_bot_addr_q;
  logic        r_merge_plane_q, r_merge_box_q;
  logic [31:0] r_gz_q, r_gy_q, r_pbase_q, r_dofs_q, r_pdram_q, r_edram_q;

  // Box geometry from the command, registered when it is accepted. A box whose DRAM bytes are contiguous (as the
  // SystemC model's DMA has it: y_stride == x_size and one plane or z_stride == y_size * x_size) is read as one run
  // whatever its padding; its bytes are scattered over the planes of the SRAM box as they arrive.
  logic [31:0] a_plane, a_row, a_top;
  logic        a_merge_plane, a_merge_box;
  rstate_e     a_first;
  assign a_plane       = (32'(rd_y_size_i) + 32'(rd_pad_left_i) + 32'(rd_pad_right_i)) * 32'(rd_x_size_i);
  assign a_row         = 32'(rd_y_size_i) * 32'(rd_x_size_i);
  assign a_top         = 32'(rd_pad_top_i) * a_plane;
  assign a_merge_plane = rd_y_stride_i == 32'(rd_x_size_i);
  assign a_merge_box   = a_merge_plane && rd_y_size_i != 16'd0 && (rd_z_size_i == 16'd1 || rd_z_stride_i == a_row);

  // The states of a plane in order (left pad, data, right pad), skipping the empty ones; after a box run only the
  // pads remain.
  // (A plane with neither left padding nor data has right padding: the box is not empty.)
  function automatic rstate_e plane_first_f(input logic has_l, input logic has_d);
    plane_first_f = has_l ? RLpad : (has_d ? RData : RRpad);
  endfunction
  function automatic rstate_e after_top_f(input logic zs_zero, input logic pb_nz, input logic mbox,
                                          input logic has_l, input logic has_d);
    after_top_f = zs_zero ? (pb_nz ? RBot : RFin) : (mbox ? RBox : plane_first_f(has_l, has_d));
  endfunction
  assign a_first = a_plane == 32'd0 ? RFin :
                   rd_pad_top_i != 7'd0 ? RTop :
                   after_top_f(rd_z_size_i == 16'd0, rd_pad_bottom_i != 7'd0, a_merge_box, rd_pad_left_i != 7'd0,
                               rd_y_size_i != 16'd0);

  logic    r_has_l, r_has_d, r_has_r, r_last_plane, plane_done;
  rstate_e plane_first, after_plane, after_top;
  assign r_has_l      = r_pl_q != 7'd0;
  assign r_has_d      = r_ys_q != 32'd0 && !r_merge_box_q;
  assign r_has_r      = r_pr_q != 7'd0;
  assign r_last_plane = r_gz_q == r_zs_q - 32'd1;
  assign plane_first  = plane_first_f(r_has_l, r_has_d);
  assign after_plane  = r_last_plane ? (r_pb_q != 7'd0 ? RBot : RFin) : plane_first;
  assign after_top    = after_top_f(r_zs_q == 32'd0, r_pb_q != 7'd0, r_merge_box_q, r_has_l, r_has_d);

  // the current run
  logic        run_valid_q, run_pad_q, run_first_q;
  logic [31:0] run_sram_q, run_dram_q, run_len_q;
  // the generator's next run
  logic        gen_emit, gen_pad;
  logic [31:0] gen_len, gen_dram, gen_sram;
  logic        run_free, run_last;
  logic [31:0] chunk_len;
  logic        rreq_valid, rreq_fire, pad_fire, rsp_rd;

  // Descriptors of the read bursts issued and not yet written: whether a burst starts its run, and where.
  logic          desc_first_q [FD];
  logic [31:0]   desc_sram_q  [FD];
  logic [15:0]   desc_len_q   [FD];
  logic [FW-1:0] desc_rd_q, desc_wr_q;
  logic [15:0]   desc_cnt_q;
  // Read data waiting to be written (a burst may take several cycles when it spans planes).
  logic [8*Z-1:0] rbuf_q [FD];
  logic [FW-1:0]  rbuf_rd_q, rbuf_wr_q;
  logic [15:0]    rbuf_cnt_q;

  assign rd_ready_o = rst_q == RIdle;

  always_comb begin
    rst_d      = rst_q;
    gen_emit   = 1'b0;
    gen_pad    = 1'b1;
    gen_len    = 32'd0;
    gen_dram   = 32'd0;
    gen_sram   = 32'd0;
    plane_done = 1'b0;
    unique case (rst_q)
      RIdle: if (rd_valid_i) rst_d = a_first;
      RTop: begin
        gen_emit = 1'b1;
        gen_len  = r_top_q;
        gen_sram = r_base_q;
        if (run_free) rst_d = after_top;
      end
      RBox: begin
        gen_emit = 1'b1;
        gen_pad  = 1'b0;
        gen_len  = r_box_q;
        gen_dram = r_pdram_q;
        gen_sram = r_pbase_q + r_lpad_q;
        if (run_free) rst_d = (r_has_l || r_has_r) ? plane_first : (r_pb_q != 7'd0 ? RBot : RFin);
      end
      RLpad: begin
        gen_emit = 1'b1;
        gen_len  = r_lpad_q;
        gen_sram = r_pbase_q;
        if (run_free) begin
          rst_d      = r_has_d ? RData : (r_has_r ? RRpad : after_plane);
          plane_done = !r_has_d && !r_has_r;
        end
      end
      RData: begin
        gen_emit = 1'b1;
        gen_pad  = 1'b0;
        gen_len  = r_merge_plane_q ? r_row_q : r_x_q;
        gen_dram = r_merge_plane_q ? r_pdram_q : r_edram_q;
        gen_sram = r_pbase_q + r_lpad_q + r_dofs_q;
        if (run_free && (r_merge_plane_q || r_gy_q == r_ys_q - 32'd1)) begin
          rst_d      = r_has_r ? RRpad : after_plane;
          plane_done = !r_has_r;
        end
      end
      RRpad: begin
        gen_emit = 1'b1;
        gen_len  = r_rpad_q;
        gen_sram = r_pbase_q + r_lpad_q + r_row_q;
        if (run_free) begin
          rst_d      = after_plane;
          plane_done = 1'b1;
        end
      end
      RBot: begin
        gen_emit = 1'b1;
        gen_len  = r_bot_q;
        gen_sram = r_bot_addr_q;
        if (run_free) rst_d = RFin;
      end
      RFin: if (!run_valid_q && desc_cnt_q == 16'd0) rst_d = RIdle;
      default: rst_d = RIdle;
    endcase
  end

  assign rd_done_o = rst_q == RFin && !run_valid_q && desc_cnt_q == 16'd0;

  // Chunks of the current run: DRAM bursts, or pad chunks of D bytes.
  assign chunk_len  = run_pad_q ? min32(run_len_q, 32'(D)) : min32(run_len_q, to_boundary(run_dram_q[LZ-1:0]));
  assign rsp_rd     = dram_rsp_valid_i && !dram_rsp_we_i;
  assign rreq_valid = run_valid_q && !run_pad_q && desc_cnt_q < 16'(FD);
  assign run_last   = (rreq_fire || pad_fire) && chunk_len == run_len_q;
  assign run_free   = !run_valid_q || run_last;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rst_q           <= RIdle;
      r_buf_q         <= 2'd0;
      r_pad_q         <= 8'd0;
      r_pb_q          <= 7'd0;
      r_pl_q          <= 7'd0;
      r_pr_q          <= 7'd0;
      r_x_q           <= 32'd0;
      r_ys_q          <= 32'd0;
      r_zs_q          <= 32'd0;
      r_ystr_q        <= 32'd0;
      r_zstr_q        <= 32'd0;
      r_plane_q       <= 32'd0;
      r_row_q         <= 32'd0;
      r_lpad_q        <= 32'd0;
      r_rpad_q        <= 32'd0;
      r_top_q         <= 32'd0;
      r_bot_q         <= 32'd0;
      r_box_q         <= 32'd0;
      r_gap_q         <= 32'd0;
      r_seg_q         <= 32'd0;
      r_base_q        <= 32'd0;
      r_bot_addr_q    <= 32'd0;
      r_merge_plane_q <= 1'b0;
      r_merge_box_q   <= 1'b0;
      r_gz_q          <= 32'd0;
      r_gy_q          <= 32'd0;
      r_pbase_q       <= 32'd0;
      r_dofs_q        <= 32'd0;
      r_pdram_q       <= 32'd0;
      r_edram_q       <= 32'd0;
      run_valid_q     <= 1'b0;
      run_pad_q       <= 1'b0;
      run_first_q     <= 1'b0;
      run_sram_q      <= 32'd0;
      run_dram_q      <= 32'd0;
      run_len_q       <= 32'd0;
    end else begin
      rst_q <= rst_d;
      if (rst_q == RIdle && rd_valid_i) begin
        r_buf_q         <= rd_buf_i;
        r_pad_q         <= rd_pad_value_i;
        r_pb_q          <= rd_pad_bottom_i;
        r_pl_q          <= rd_pad_left_i;
        r_pr_q          <= rd_pad_right_i;
        r_x_q           <= 32'(rd_x_size_i);
        r_ys_q          <= 32'(rd_y_size_i);
        r_zs_q          <= 32'(rd_z_size_i);
        r_ystr_q        <= rd_y_stride_i;
        r_zstr_q        <= rd_z_stride_i;
        r_plane_q       <= a_plane;
        r_row_q         <= a_row;
        r_lpad_q        <= 32'(rd_pad_left_i) * 32'(rd_x_size_i);
        r_rpad_q        <= 32'(rd_pad_right_i) * 32'(rd_x_size_i);
        r_gap_q         <= (32'(rd_pad_left_i) + 32'(rd_pad_right_i)) * 32'(rd_x_size_i);
        r_seg_q         <= a_merge_plane ? a_row : 32'(rd_x_size_i);
        r_top_q         <= a_top;
        r_bot_q         <= 32'(rd_pad_bottom_i) * a_plane;
        r_box_q         <= 32'(rd_z_size_i) * a_row;
        r_base_q        <= 32'(rd_sram_addr_i);
        r_bot_addr_q    <= 32'(rd_sram_addr_i) + a_top + 32'(rd_z_size_i) * a_plane;
        r_merge_plane_q <= a_merge_plane;
        r_merge_box_q   <= a_merge_box;
        r_pbase_q       <= 32'(rd_sram_addr_i) + a_top;
        r_dofs_q        <= 32'd0;
        r_pdram_q       <= rd_dram_addr_i;
        r_edram_q       <= rd_dram_addr_i;
        r_gz_q          <= 32'd0;
        r_gy_q          <= 32'd0;
      end
      if (rst_q == RData && run_free) begin
        if (r_merge_plane_q || r_gy_q == r_ys_q - 32'd1) begin
          r_gy_q   <= 32'd0;
          r_dofs_q <= 32'd0;
        end else begin
          r_gy_q    <= r_gy_q + 32'd1;
          r_dofs_q  <= r_dofs_q + r_x_q;
          r_edram_q <= r_edram_q + r_ystr_q;
        end
      end
      if (plane_done) begin
        r_gz_q    <= r_gz_q + 32'd1;
        r_pbase_q <= r_pbase_q + r_plane_q;
        r_pdram_q <= r_pdram_q + r_zstr_q;
        r_edram_q <= r_pdram_q + r_zstr_q;
      end
      // The run register: advance by one chunk, or take the generator's next run.
      if (gen_emit && run_free) begin
        run_valid_q <= 1'b1;
        run_pad_q   <= gen_pad;
        run_first_q <= 1'b1;
        run_sram_q  <= gen_sram;
        run_dram_q  <= gen_dram;
        run_len_q   <= gen_len;
      end else if (run_last) begin
        run_valid_q <= 1'b0;
      end else if (rreq_fire || pad_fire) begin
        run_first_q <= 1'b0;
        run_sram_q  <= run_sram_q + chunk_len;
        run_dram_q  <= run_dram_q + chunk_len;
        run_len_q   <= run_len_q - chunk_len;
      end
    end
  end

  // Writing read data: the head burst (buffered, or arriving now when none is buffered) is written one SRAM
  // segment per cycle, a segment ending at the end of a plane's data in the SRAM box; the cursor continues from
  // burst to burst within a run and restarts at each run's first burst.
  logic           head_valid, head_from_buf, head_done, seg_end_row;
  logic [8*Z-1:0] head_data;
  logic [31:0]    head_len, cur_sram, cur_oc, seg_len, hpos_q, sc_q, oc_q;
  logic           rbuf_push, rbuf_pop;

  assign head_from_buf = rbuf_cnt_q != 16'd0;
  assign head_valid    = head_from_buf || rsp_rd;
  assign head_data     = head_from_buf ? rbuf_q[rbuf_rd_q] : dram_rsp_rdata_i;
  assign head_len      = 32'(desc_len_q[desc_rd_q]);
  assign cur_sram      = (hpos_q == 32'd0 && desc_first_q[desc_rd_q]) ? desc_sram_q[desc_rd_q] : sc_q;
  assign cur_oc        = (hpos_q == 32'd0 && desc_first_q[desc_rd_q]) ? 32'd0 : oc_q;
  assign seg_len       = min32(head_len - hpos_q, r_seg_q - cur_oc);
  assign seg_end_row   = cur_oc + seg_len == r_seg_q;
  assign head_done     = head_valid && hpos_q + seg_len == head_len;
  assign rbuf_push     = rsp_rd && !(!head_from_buf && head_done);
  assign rbuf_pop      = head_from_buf && head_done;
  assign pad_fire      = run_valid_q && run_pad_q && !head_valid;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      desc_rd_q  <= '0;
      desc_wr_q  <= '0;
      desc_cnt_q <= 16'd0;
      rbuf_rd_q  <= '0;
      rbuf_wr_q  <= '0;
      rbuf_cnt_q <= 16'd0;
      hpos_q     <= 32'd0;
      sc_q       <= 32'd0;
      oc_q       <= 32'd0;
    end else begin
      if (rreq_fire) desc_wr_q <= 32'(desc_wr_q) == FD - 1 ? '0 : desc_wr_q + FW'(1);
      if (head_done) desc_rd_q <= 32'(desc_rd_q) == FD - 1 ? '0 : desc_rd_q + FW'(1);
      desc_cnt_q <= desc_cnt_q + 16'(rreq_fire) - 16'(head_done);
      if (rbuf_push) rbuf_wr_q <= 32'(rbuf_wr_q) == FD - 1 ? '0 : rbuf_wr_q + FW'(1);
      if (rbuf_pop) rbuf_rd_q <= 32'(rbuf_rd_q) == FD - 1 ? '0 : rbuf_rd_q + FW'(1);
      rbuf_cnt_q <= rbuf_cnt_q + 16'(rbuf_push) - 16'(rbuf_pop);
      if (head_valid) begin
        hpos_q <= head_done ? 32'd0 : hpos_q + seg_len;
        sc_q   <= cur_sram + seg_len + (seg_end_row ? r_gap_q : 32'd0);
        oc_q   <= seg_end_row ? 32'd0 : cur_oc + seg_len;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (rreq_fire) begin
      desc_first_q[desc_wr_q] <= run_first_q;
      desc_sram_q[desc_wr_q]  <= run_sram_q;
      desc_len_q[desc_wr_q]   <= 16'(chunk_len);
    end
    if (rbuf_push) rbuf_q[rbuf_wr_q] <= dram_rsp_rdata_i;
  end

  // SRAM writes: read data first, pad chunks in the other cycles.
  logic [31:0] sw_len;
  always_comb begin
    sw_req_o   = head_valid || pad_fire;
    sw_buf_o   = r_buf_q;
    sw_addr_o  = head_valid ? cur_sram : run_sram_q;
    sw_len     = head_valid ? seg_len : chunk_len;
    sw_wdata_o = '0;
    for (int unsigned i = 0; i < W; i++) begin
      sw_be_o[i] = i < sw_len;
      if (head_valid) begin
        if (i < Z && 32'(i) + hpos_q < 32'(Z)) sw_wdata_o[8*i +: 8] = head_data[8*((32'(i) + hpos_q) % Z) +: 8];
      end else begin
        sw_wdata_o[8*i +: 8] = r_pad_q;
      end
    end
  end

  // =============================================================================================================
  // Write channel
  typedef enum logic [2:0] {
    WIdle = 3'd0,
    WGen  = 3'd1,
    WFin  = 3'd2
  } wstate_e;

  wstate_e     wst_q, wst_d;
  logic [31:0] w_x_q, w_ys_q, w_zs_q, w_ystr_q, w_zstr_q, w_row_q, w_box_q;
  logic        w_merge_plane_q, w_merge_box_q;
  logic [31:0] w_gz_q, w_gy_q, w_sram_q, w_pdram_q, w_edram_q;
  logic        wrun_valid_q;
  logic [31:0] wrun_sram_q, wrun_dram_q, wrun_len_q;
  logic        wgen_emit, wgen_last;
  logic [31:0] wgen_len, wgen_dram;
  logic        wrun_free, wrun_last;
  logic [31:0] wchunk_len;
  logic        stage_valid_q;       // sr_rdata_i holds the data of the burst at stage_dram_q
  logic [31:0] stage_dram_q;
  logic [15:0] stage_len_q;
  logic        wreq_fire, stage_take, rsp_wr;
  logic [15:0] wout_q;              // write bursts not yet acknowledged

  logic [31:0] w_a_row;
  assign w_a_row    = 32'(wr_y_size_i) * 32'(wr_x_size_i);
  assign wr_ready_o = wst_q == WIdle;
  assign rsp_wr     = dram_rsp_valid_i && dram_rsp_we_i;

  always_comb begin
    wst_d     = wst_q;
    wgen_emit = 1'b0;
    wgen_last = 1'b0;
    wgen_len  = 32'd0;
    wgen_dram = 32'd0;
    unique case (wst_q)
      WIdle: if (wr_valid_i) wst_d = WGen;
      WGen: begin
        wgen_emit = 1'b1;
        if (w_merge_box_q) begin
          wgen_len  = w_box_q;
          wgen_dram = w_pdram_q;
          wgen_last = 1'b1;
        end else if (w_merge_plane_q) begin
          wgen_len  = w_row_q;
          wgen_dram = w_pdram_q;
          wgen_last = w_gz_q == w_zs_q - 32'd1;
        end else begin
          wgen_len  = w_x_q;
          wgen_dram = w_edram_q;
          wgen_last = w_gz_q == w_zs_q - 32'd1 && w_gy_q == w_ys_q - 32'd1;
        end
        if (wrun_free && wgen_last) wst_d = WFin;
      end
      WFin: if (!wrun_valid_q && !stage_valid_q && wout_q == 16'd0) wst_d = WIdle;
      default: wst_d = WIdle;
    endcase
  end

  assign wr_done_o = wst_q == WFin && !wrun_valid_q && !stage_valid_q && wout_q == 16'd0;

  assign wchunk_len = min32(wrun_len_q, to_boundary(wrun_dram_q[LZ-1:0]));
  // A burst's data is read from the SRAM when the stage is empty or its burst issues in this cycle.
  assign stage_take = wrun_valid_q && (!stage_valid_q || wreq_fire);
  assign wrun_last  = stage_take && wchunk_len == wrun_len_q;
  assign wrun_free  = !wrun_valid_q || wrun_last;
  assign sr_req_o   = stage_take;
  assign sr_addr_o  = wrun_sram_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wst_q           <= WIdle;
      w_x_q           <= 32'd0;
      w_ys_q          <= 32'd0;
      w_zs_q          <= 32'd0;
      w_ystr_q        <= 32'd0;
      w_zstr_q        <= 32'd0;
      w_row_q         <= 32'd0;
      w_box_q         <= 32'd0;
      w_merge_plane_q <= 1'b0;
      w_merge_box_q   <= 1'b0;
      w_gz_q          <= 32'd0;
      w_gy_q          <= 32'd0;
      w_sram_q        <= 32'd0;
      w_pdram_q       <= 32'd0;
      w_edram_q       <= 32'd0;
      wrun_valid_q    <= 1'b0;
      wrun_sram_q     <= 32'd0;
      wrun_dram_q     <= 32'd0;
      wrun_len_q      <= 32'd0;
      stage_valid_q   <= 1'b0;
      stage_dram_q    <= 32'd0;
      stage_len_q     <= 16'd0;
      wout_q          <= 16'd0;
    end else begin
      wst_q <= wst_d;
      unique case (wst_q)
        WIdle: if (wr_valid_i) begin
          w_row_q         <= w_a_row;
          w_box_q         <= 32'(wr_z_size_i) * w_a_row;
          w_merge_plane_q <= wr_y_stride_i == 32'(wr_x_size_i);
          w_merge_box_q   <= wr_y_stride_i == 32'(wr_x_size_i) &&
                             (wr_z_size_i == 16'd1 || wr_z_stride_i == w_a_row);
          w_x_q     <= 32'(wr_x_size_i);
          w_ys_q    <= 32'(wr_y_size_i);
          w_zs_q    <= 32'(wr_z_size_i);
          w_ystr_q  <= wr_y_stride_i;
          w_zstr_q  <= wr_z_stride_i;
          w_sram_q  <= 32'(wr_sram_addr_i);
          w_pdram_q <= wr_dram_addr_i;
          w_edram_q <= wr_dram_addr_i;
          w_gz_q    <= 32'd0;
          w_gy_q    <= 32'd0;
        end
        WGen: if (wrun_free && !wgen_last) begin
          if (w_merge_plane_q) begin
            w_gz_q    <= w_gz_q + 32'd1;
            w_pdram_q <= w_pdram_q + w_zstr_q;
          end else if (w_gy_q == w_ys_q - 32'd1) begin
            w_gy_q    <= 32'd0;
            w_gz_q    <= w_gz_q + 32'd1;
            w_pdram_q <= w_pdram_q + w_zstr_q;
            w_edram_q <= w_pdram_q + w_zstr_q;
          end else begin
            w_gy_q    <= w_gy_q + 32'd1;
            w_edram_q <= w_edram_q + w_ystr_q;
          end
        end
        default: ;
      endcase
      if (wgen_emit && wrun_free) begin
        wrun_valid_q <= 1'b1;
        wrun_sram_q  <= w_sram_q;
        wrun_dram_q  <= wgen_dram;
        wrun_len_q   <= wgen_len;
        w_sram_q     <= w_sram_q + wgen_len;
      end else if (wrun_last) begin
        wrun_valid_q <= 1'b0;
      end else if (stage_take) begin
        wrun_sram_q <= wrun_sram_q + wchunk_len;
        wrun_dram_q <= wrun_dram_q + wchunk_len;
        wrun_len_q  <= wrun_len_q - wchunk_len;
      end
      if (stage_take) begin
        stage_valid_q <= 1'b1;
        stage_dram_q  <= wrun_dram_q;
        stage_len_q   <= 16'(wchunk_len);
      end else if (wreq_fire) begin
        stage_valid_q <= 1'b0;
      end
      wout_q <= wout_q + 16'(wreq_fire) - 16'(rsp_wr);
    end
  end

  // =============================================================================================================
  // DRAM request arbitration: the channels take turns when both have a burst.
  logic last_wr_q, pick_wr;
  assign pick_wr   = stage_valid_q && (!rreq_valid || !last_wr_q);
  assign rreq_fire = rreq_valid && !pick_wr && dram_req_ready_i;
  assign wreq_fire = pick_wr && dram_req_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) last_wr_q <= 1'b0;
    else if (rreq_fire || wreq_fire) last_wr_q <= wreq_fire;
  end

  always_comb begin
    dram_req_valid_o = rreq_valid || stage_valid_q;
    dram_req_we_o    = pick_wr;
    dram_req_addr_o  = pick_wr ? stage_dram_q : run_dram_q;
    dram_req_len_o   = pick_wr ? stage_len_q : 16'(chunk_len);
    dram_req_wdata_o = '0;
    for (int unsigned i = 0; i < Z; i++) begin
      if (pick_wr && i < 32'(stage_len_q)) dram_req_wdata_o[8*i +: 8] = sr_rdata_i[8*(i % W) +: 8];
    end
  end

  assign rd_state_o = rst_q;
  assign wr_state_o = wst_q;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(rsp_rd && desc_cnt_q == 16'd0)) else $error("DMA: read data with no read burst in flight");
      assert (!(rbuf_push && 32'(rbuf_cnt_q) == FD)) else $error("DMA: read data buffer overflow");
      assert (!(rsp_wr && wout_q == 16'd0)) else $error("DMA: write acknowledgement with no write in flight");
      assert (!(run_valid_q && run_len_q == 32'd0)) else $error("DMA: empty read run");
      assert (!(wrun_valid_q && wrun_len_q == 32'd0)) else $error("DMA: empty write run");
    end
  end
`endif

endmodule
