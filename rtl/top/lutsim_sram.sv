// A word SRAM of DEPTH entries of LANES x LW bits with one read and one write port (docs/architecture.md
// sections 3 and 7): the accumulator SRAM (entries of C lanes x 32 bits, written lane by lane under a mask). Reads
// are synchronous: rdata holds the entry from the cycle after the request until the next request; an index past
// the end reads as 0 and writing one is an assertion failure.
module lutsim_sram #(
  parameter int unsigned DEPTH = 1024,
  parameter int unsigned LANES = 16,
  parameter int unsigned LW    = 32,
  parameter int unsigned AW    = $clog2(DEPTH)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  wr_req_i,
  input  logic [AW-1:0]         wr_idx_i,
  input  logic [LANES*LW-1:0]   wr_wdata_i,
  input  logic [LANES-1:0]      wr_mask_i,
  input  logic                  rd_req_i,
  input  logic [AW-1:0]         rd_idx_i,
  output logic [LANES*LW-1:0]   rd_rdata_o
);

  logic [LANES*LW-1:0] mem_q [DEPTH];
  logic [LANES*LW-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (wr_req_i && 32'(wr_idx_i) < DEPTH) begin
      for (int unsigned l = 0; l < LANES; l++) begin
        if (wr_mask_i[l]) mem_q[wr_idx_i][LW*l +: LW] <= wr_wdata_i[LW*l +: LW];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rdata_q <= '0;
    end else if (rd_req_i) begin
      rdata_q <= 32'(rd_idx_i) < DEPTH ? mem_q[rd_idx_i] : '0;
    end
  end
  assign rd_rdata_o = rdata_q;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) assert (!(wr_req_i && 32'(wr_idx_i) >= DEPTH)) else $error("SRAM write past entry %0d", DEPTH);
  end
`endif

endmodule
