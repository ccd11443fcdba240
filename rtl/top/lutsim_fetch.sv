// Instruction fetch, decode and dispatch (docs/architecture.md sections 4 and 11).
//
// Fetches the program's instructions in order from an instruction memory with one cycle of read latency (the
// memory holds its read data until the next request), decodes them (lutsim_decode) and offers each to the queue it
// belongs to. One instruction per cycle when the target queues accept; an instruction reaches its queue 2 cycles
// after its fetch (fetch, decode register, dispatch). A full target queue stalls the pipeline. An illegal
// instruction stops fetching and raises err_o with its program counter.
module lutsim_fetch
(
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 start_i,       // pulse: fetch from pc 0
  input  logic [31:0]          n_insns_i,     // program length, sampled with start_i
  // instruction memory
  output logic                 imem_req_o,
  output logic [31:0]          imem_addr_o,
  input  logic [lutsim_isa_pkg::INSN_BITS-1:0] imem_rdata_i,
  // dispatch
  output logic                 out_valid_o,
  input  logic                 out_ready_i,   // the target queue (out_queue_o) has room
  output logic [lutsim_isa_pkg::INSN_BITS-1:0] out_insn_o,
  output logic [31:0]          out_pc_o,
  output logic [1:0]           out_queue_o,
  output logic                 idle_o,        // every instruction dispatched (or stopped by an error)
  output logic                 err_o,
  output logic [31:0]          err_pc_o
);

  logic [31:0]          pc_q, n_q;
  logic                 run_q;
  logic                 f_valid_q;  // imem_rdata_i holds the instruction at f_pc_q
  logic [31:0]          f_pc_q;
  logic                 d_valid_q;
  logic [lutsim_isa_pkg::INSN_BITS-1:0] d_insn_q;
  logic [31:0]          d_pc_q;
  logic [1:0]           d_queue_q;
  logic                 err_q;
  logic [31:0]          err_pc_q;

  logic [3:0]  dec_opcode;
  logic [1:0]  dec_queue;
  logic        dec_illegal;
  logic        d_fire, d_take, f_issue;

  lutsim_decode u_decode (
    .insn_i           (imem_rdata_i),
    .opcode_o         (dec_opcode),
    .queue_o          (dec_queue),
    .pop_prev_o       (),
    .pop_next_o       (),
    .push_prev_o      (),
    .push_next_o      (),
    .illegal_o        (dec_illegal),
    .dma_store_o      (),
    .dma_buf_o        (),
    .dma_pad_value_o  (),
    .dma_pad_top_o    (),
    .dma_pad_bottom_o (),
    .dma_pad_left_o   (),
    .dma_pad_right_o  (),
    .dma_sram_addr_o  (),
    .dma_dram_addr_o  (),
    .dma_x_size_o     (),
    .dma_y_size_o     (),
    .dma_z_size_o     (),
    .dma_y_stride_o   (),
    .dma_z_stride_o   ()
  );

  assign d_fire  = d_valid_q && out_ready_i;
  // The decode register takes the fetched instruction when it is empty or being dispatched.
  assign d_take  = f_valid_q && !err_q && (!d_valid_q || d_fire) && !dec_illegal;
  // A new fetch while the fetched instruction moves on (or none is pending).
  assign f_issue = run_q && !err_q && pc_q < n_q && (!f_valid_q || d_take);

  assign imem_req_o  = f_issue;
  assign imem_addr_o = pc_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pc_q      <= 32'd0;
      n_q       <= 32'd0;
      run_q     <= 1'b0;
      f_valid_q <= 1'b0;
      f_pc_q    <= 32'd0;
      d_valid_q <= 1'b0;
      d_insn_q  <= '0;
      d_pc_q    <= 32'd0;
      d_queue_q <= 2'd0;
      err_q     <= 1'b0;
      err_pc_q  <= 32'd0;
    end else if (start_i) begin
      pc_q      <= 32'd0;
      n_q       <= n_insns_i;
      run_q     <= 1'b1;
      f_valid_q <= 1'b0;
      d_valid_q <= 1'b0;
      err_q     <= 1'b0;
    end else begin
      if (f_issue) begin
        pc_q      <= pc_q + 32'd1;
        f_pc_q    <= pc_q;
        f_valid_q <= 1'b1;
      end else if (d_take) begin
        f_valid_q <= 1'b0;
      end
      if (f_valid_q && !err_q && dec_illegal) begin
        err_q     <= 1'b1;
        err_pc_q  <= f_pc_q;
        f_valid_q <= 1'b0;
      end
      if (d_take) begin
        d_valid_q <= 1'b1;
        d_insn_q  <= imem_rdata_i;
        d_pc_q    <= f_pc_q;
        d_queue_q <= dec_queue;
      end else if (d_fire) begin
        d_valid_q <= 1'b0;
      end
    end
  end

  assign out_valid_o = d_valid_q;
  assign out_insn_o  = d_insn_q;
  assign out_pc_o    = d_pc_q;
  assign out_queue_o = d_queue_q;
  assign idle_o      = (err_q || pc_q >= n_q) && !f_valid_q && !d_valid_q;
  assign err_o       = err_q;
  assign err_pc_o    = err_pc_q;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && d_valid_q) assert (d_queue_q != 2'd3);
  end
`endif

  logic unused_opcode;
  assign unused_opcode = ^dec_opcode;

endmodule
