// The DMA engine (docs/architecture.md section 5): a read channel that executes LOAD (DRAM -> act/wgt/param SRAM,
// 3D box with pad insertion) and a write channel that executes STORE (act SRAM -> DRAM), sharing one DRAM port.
//
// Both channels cut their box into runs of contiguous bytes: one run per element of x_size bytes, one per plane
// when y_stride == x_size (a plane's elements are contiguous in DRAM and in SRAM), one for the whole box when
// z_stride makes the planes contiguous too (and a LOAD has no left/right padding). A LOAD's padding forms runs of
// its own (the top planes, each plane's left and right padding, the bottom planes). DRAM runs are cut into bursts
// of at most Z bytes that do not cross a Z-aligned boundary; pad runs are written at D bytes per cycle, in cycles
// when no read data arrives, without DRAM traffic.
//
// DRAM port: one request per cycle (valid/ready; the read and write channels take turns when both want it), a
// write request carries its data; every burst is answered, in issue order, by one response beat (rsp_valid_i;
// rsp_we_i tells a write acknowledgement from read data, byte 0 = the burst's first byte in bits [7:0]). The read
// channel keeps the SRAM destination of each burst in flight in a FIFO of M entries.
//
// Timing (cycles): a command accepted in cycle s spends 2 setup cycles (s+1, s+2: the products of the box sizes),
// its first run is formed in s+3 and its first burst can issue in s+4 (a pad chunk is written in s+4); afterwards one burst or pad chunk per cycle.
// A LOAD pulses rd_done_o in the cycle after its last SRAM write, a STORE pulses wr_done_o in the cycle after the
// acknowledgement of its last burst. Each channel runs one command at a time.
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
  localparam int unsigned MW = M > 1 ? $clog2(M) : 1;

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
    RIdle  = 4'd0,
    RSet1  = 4'd1,
    RSet2  = 4'd2,
    RTop   = 4'd3,
    RBox   = 4'd4,
    RLpad  = 4'd5,
    RData  = 4'd6,
    RRpad  = 4'd7,
    RBot   = 4'd8,
    RFin   = 4'd9
  } rstate_e;

  rstate_e     rst_q, rst_d;
  logic [1:0]  r_buf_q;
  logic [7:0]  r_pad_q;
  logic [6:0]  r_pt_q, r_pb_q, r_pl_q, r_pr_q;
  logic [31:0] r_x_q, r_ys_q, r_zs_q, r_ystr_q, r_zstr_q;
  logic [31:0] r_plane_q, r_row_q, r_lpad_q, r_rpad_q, r_top_q, r_bot_q, r_box_q;
  logic        r_merge_plane_q, r_merge_box_q;
  logic [31:0] r_gz_q, r_gy_q, r_sram_q, r_pdram_q, r_edram_q;

  // the current run
  logic        run_valid_q, run_pad_q;
  logic [31:0] run_sram_q, run_dram_q, run_len_q;
  // the generator's next run
  logic        gen_emit, gen_pad;
  logic [31:0] gen_len, gen_dram;
  logic        run_free, run_last;
  logic [31:0] chunk_len;
  logic        rreq_valid, rreq_fire, pad_fire, rsp_rd;

  // FIFO of the SRAM destinations of read bursts in flight
  logic [31:0] fifo_addr_q [M];
  logic [15:0] fifo_len_q  [M];
  logic [MW-1:0] fifo_rd_q, fifo_wr_q;
  logic [15:0] fifo_cnt_q;

  assign rd_ready_o = rst_q == RIdle;

  // The states of a plane in order (left pad, data, right pad), skipping the empty ones.
  logic    r_has_l, r_has_d, r_has_r, r_last_plane, plane_done;
  rstate_e plane_first, after_plane, after_top;
  assign r_has_l      = r_pl_q != 7'd0;
  assign r_has_d      = r_ys_q != 32'd0;
  assign r_has_r      = r_pr_q != 7'd0;
  assign r_last_plane = r_gz_q == r_zs_q - 32'd1;
  assign plane_first  = r_has_l ? RLpad : (r_has_d ? RData : RRpad);
  assign after_plane  = r_last_plane ? (r_pb_q != 7'd0 ? RBot : RFin) : plane_first;
  assign after_top    = r_zs_q == 32'd0 ? (r_pb_q != 7'd0 ? RBot : RFin) : (r_merge_box_q ? RBox : plane_first);

  always_comb begin
    rst_d      = rst_q;
    gen_emit   = 1'b0;
    gen_pad    = 1'b1;
    gen_len    = 32'd0;
    gen_dram   = 32'd0;
    plane_done = 1'b0;
    unique case (rst_q)
      RIdle: if (rd_valid_i) rst_d = RSet1;
      RSet1: rst_d = RSet2;
      // An empty box (no elements per plane) writes nothing.
      RSet2: rst_d = r_plane_q == 32'd0 ? RFin : (r_pt_q != 7'd0 ? RTop : after_top);
      RTop: begin
        gen_emit = 1'b1;
        gen_len  = r_top_q;
        if (run_free) rst_d = after_top;
      end
      RBox: begin
        gen_emit = 1'b1;
        gen_pad  = 1'b0;
        gen_len  = r_box_q;
        gen_dram = r_pdram_q;
        if (run_free) rst_d = r_pb_q != 7'd0 ? RBot : RFin;
      end
      RLpad: begin
        gen_emit = 1'b1;
        gen_len  = r_lpad_q;
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
        if (run_free && (r_merge_plane_q || r_gy_q == r_ys_q - 32'd1)) begin
          rst_d      = r_has_r ? RRpad : after_plane;
          plane_done = !r_has_r;
        end
      end
      RRpad: begin
        gen_emit = 1'b1;
        gen_len  = r_rpad_q;
        if (run_free) begin
          rst_d      = after_plane;
          plane_done = 1'b1;
        end
      end
      RBot: begin
        gen_emit = 1'b1;
        gen_len  = r_bot_q;
        if (run_free) rst_d = RFin;
      end
      RFin: if (!run_valid_q && fifo_cnt_q == 16'd0) rst_d = RIdle;
      default: rst_d = RIdle;
    endcase
  end

  assign rd_done_o = rst_q == RFin && !run_valid_q && fifo_cnt_q == 16'd0;

  // Chunks of the current run.
  assign chunk_len  = run_pad_q ? min32(run_len_q, 32'(D)) : min32(run_len_q, to_boundary(run_dram_q[LZ-1:0]));
  assign rsp_rd     = dram_rsp_valid_i && !dram_rsp_we_i;
  assign rreq_valid = run_valid_q && !run_pad_q && fifo_cnt_q < 16'(M);
  assign pad_fire   = run_valid_q && run_pad_q && !rsp_rd;
  assign run_last   = (rreq_fire || pad_fire) && chunk_len == run_len_q;
  assign run_free   = !run_valid_q || run_last;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rst_q           <= RIdle;
      r_buf_q         <= 2'd0;
      r_pad_q         <= 8'd0;
      r_pt_q          <= 7'd0;
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
      r_merge_plane_q <= 1'b0;
      r_merge_box_q   <= 1'b0;
      r_gz_q          <= 32'd0;
      r_gy_q          <= 32'd0;
      r_sram_q        <= 32'd0;
      r_pdram_q       <= 32'd0;
      r_edram_q       <= 32'd0;
      run_valid_q     <= 1'b0;
      run_pad_q       <= 1'b0;
      run_sram_q      <= 32'd0;
      run_dram_q      <= 32'd0;
      run_len_q       <= 32'd0;
    end else begin
      rst_q <= rst_d;
      unique case (rst_q)
        RIdle: if (rd_valid_i) begin
          r_buf_q   <= rd_buf_i;
          r_pad_q   <= rd_pad_value_i;
          r_pt_q    <= rd_pad_top_i;
          r_pb_q    <= rd_pad_bottom_i;
          r_pl_q    <= rd_pad_left_i;
          r_pr_q    <= rd_pad_right_i;
          r_x_q     <= 32'(rd_x_size_i);
          r_ys_q    <= 32'(rd_y_size_i);
          r_zs_q    <= 32'(rd_z_size_i);
          r_ystr_q  <= rd_y_stride_i;
          r_zstr_q  <= rd_z_stride_i;
          r_sram_q  <= 32'(rd_sram_addr_i);
          r_pdram_q <= rd_dram_addr_i;
          r_edram_q <= rd_dram_addr_i;
          r_gz_q    <= 32'd0;
          r_gy_q    <= 32'd0;
        end
        RSet1: begin
          r_plane_q       <= (r_ys_q + 32'(r_pl_q) + 32'(r_pr_q)) * r_x_q;
          r_row_q         <= r_ys_q * r_x_q;
          r_lpad_q        <= 32'(r_pl_q) * r_x_q;
          r_rpad_q        <= 32'(r_pr_q) * r_x_q;
          r_merge_plane_q <= r_ystr_q == r_x_q;
          r_merge_box_q   <= r_ystr_q == r_x_q && r_pl_q == 7'd0 && r_pr_q == 7'd0 &&
                             r_zstr_q == r_ys_q * r_x_q;
        end
        RSet2: begin
          r_top_q <= 32'(r_pt_q) * r_plane_q;
          r_bot_q <= 32'(r_pb_q) * r_plane_q;
          r_box_q <= r_zs_q * r_row_q;
        end
        RData: if (run_free) begin
          if (r_merge_plane_q || r_gy_q == r_ys_q - 32'd1) begin
            r_gy_q <= 32'd0;
          end else begin
            r_gy_q    <= r_gy_q + 32'd1;
            r_edram_q <= r_edram_q + r_ystr_q;
          end
        end
        default: ;
      endcase
      if (plane_done) begin
        r_gz_q    <= r_gz_q + 32'd1;
        r_pdram_q <= r_pdram_q + r_zstr_q;
        r_edram_q <= r_pdram_q + r_zstr_q;
      end
      // The run register: advance by one chunk, or take the generator's next run.
      if (gen_emit && run_free) begin
        run_valid_q <= 1'b1;
        run_pad_q   <= gen_pad;
        run_sram_q  <= r_sram_q;
        run_dram_q  <= gen_dram;
        run_len_q   <= gen_len;
        r_sram_q    <= r_sram_q + gen_len;
      end else if (run_last) begin
        run_valid_q <= 1'b0;
      end else if (rreq_fire || pad_fire) begin
        run_sram_q <= run_sram_q + chunk_len;
        run_dram_q <= run_dram_q + chunk_len;
        run_len_q  <= run_len_q - chunk_len;
      end
    end
  end

  // The FIFO of read bursts in flight.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fifo_rd_q  <= '0;
      fifo_wr_q  <= '0;
      fifo_cnt_q <= 16'd0;
    end else begin
      if (rreq_fire) fifo_wr_q <= 32'(fifo_wr_q) == M - 1 ? '0 : fifo_wr_q + MW'(1);
      if (rsp_rd) fifo_rd_q <= 32'(fifo_rd_q) == M - 1 ? '0 : fifo_rd_q + MW'(1);
      fifo_cnt_q <= fifo_cnt_q + 16'(rreq_fire) - 16'(rsp_rd);
    end
  end
  always_ff @(posedge clk_i) begin
    if (rreq_fire) begin
      fifo_addr_q[fifo_wr_q] <= run_sram_q;
      fifo_len_q[fifo_wr_q]  <= 16'(chunk_len);
    end
  end

  // SRAM writes: read data first, pad chunks in the other cycles.
  logic [31:0] sw_len;
  always_comb begin
    sw_req_o   = rsp_rd || pad_fire;
    sw_buf_o   = r_buf_q;
    sw_addr_o  = rsp_rd ? fifo_addr_q[fifo_rd_q] : run_sram_q;
    sw_len     = rsp_rd ? 32'(fifo_len_q[fifo_rd_q]) : chunk_len;
    sw_wdata_o = '0;
    for (int unsigned i = 0; i < W; i++) begin
      sw_be_o[i] = i < sw_len;
      if (rsp_rd) begin
        if (i < Z) sw_wdata_o[8*i +: 8] = dram_rsp_rdata_i[8*(i % Z) +: 8];
      end else begin
        sw_wdata_o[8*i +: 8] = r_pad_q;
      end
    end
  end

  // =============================================================================================================
  // Write channel
  typedef enum logic [2:0] {
    WIdle = 3'd0,
    WSet1 = 3'd1,
    WSet2 = 3'd2,
    WGen  = 3'd3,
    WFin  = 3'd4
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

  assign wr_ready_o = wst_q == WIdle;
  assign rsp_wr     = dram_rsp_valid_i && dram_rsp_we_i;

  always_comb begin
    wst_d     = wst_q;
    wgen_emit = 1'b0;
    wgen_last = 1'b0;
    wgen_len  = 32'd0;
    wgen_dram = 32'd0;
    unique case (wst_q)
      WIdle: if (wr_valid_i) wst_d = WSet1;
      WSet1: wst_d = WSet2;
      WSet2: wst_d = WGen;
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
        WSet1: begin
          w_row_q         <= w_ys_q * w_x_q;
          w_merge_plane_q <= w_ystr_q == w_x_q;
        end
        WSet2: begin
          w_box_q       <= w_zs_q * w_row_q;
          w_merge_box_q <= w_merge_plane_q && w_zstr_q == w_row_q;
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
      assert (!(rsp_rd && fifo_cnt_q == 16'd0)) else $error("DMA: read data with no read burst in flight");
      assert (!(rsp_wr && wout_q == 16'd0)) else $error("DMA: write acknowledgement with no write in flight");
      assert (!(run_valid_q && run_len_q == 32'd0)) else $error("DMA: empty read run");
      assert (!(wrun_valid_q && wrun_len_q == 32'd0)) else $error("DMA: empty write run");
    end
  end
`endif

endmodule
