// An instruction queue (docs/architecture.md section 4): a FIFO of DEPTH entries of WIDTH bits with valid/ready on
// both sides. The head is visible in the cycle after its push (registered storage).
module lutsim_queue #(
  parameter int unsigned DEPTH = 16,
  parameter int unsigned WIDTH = 288
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [WIDTH-1:0] in_data_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [WIDTH-1:0] out_data_o,
  output logic             empty_o,
  output logic [15:0]      count_o
);

  localparam int unsigned PW = DEPTH > 1 ? $clog2(DEPTH) : 1;

  logic [WIDTH-1:0] mem_q [DEPTH];
  logic [PW-1:0]    rd_q, wr_q;
  logic [15:0]      cnt_q;
  logic             push, pop;

  assign in_ready_o  = cnt_q < 16'(DEPTH);
  assign out_valid_o = cnt_q != 16'd0;
  assign out_data_o  = mem_q[rd_q];
  assign push        = in_valid_i && in_ready_o;
  assign pop         = out_valid_o && out_ready_i;
  assign empty_o     = cnt_q == 16'd0;
  assign count_o     = cnt_q;

  function automatic logic [PW-1:0] incr(input logic [PW-1:0] p);
    incr = (32'(p) == DEPTH - 1) ? '0 : p + PW'(1);
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_q  <= '0;
      wr_q  <= '0;
      cnt_q <= 16'd0;
    end else begin
      if (push) wr_q <= incr(wr_q);
      if (pop) rd_q <= incr(rd_q);
      cnt_q <= cnt_q + 16'(push) - 16'(pop);
    end
  end

  always_ff @(posedge clk_i) begin
    if (push) mem_q[wr_q] <= in_data_i;
  end

endmodule
