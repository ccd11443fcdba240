// A byte-addressed SRAM of SIZE bytes with unaligned vector access (docs/architecture.md section 3): NB byte-wide
// banks (bank = address mod NB, row = address / NB) and a rotator on each port's data, so that every port reads or
// writes up to its width of consecutive bytes at any byte address in one cycle. Used for the act, wgt and param
// SRAMs. Two write ports (0: DMA, 1: compute) and two read ports (0: DMA, 1: compute) of independent widths; a port
// a memory does not use is tied off.
//
// Reads are synchronous: rdata holds bytes addr .. addr+W-1 (byte 0 in bits [7:0]) from the cycle after the request
// until the next request of that port; bytes past the end read as 0. A write writes the bytes whose enable is set.
// Every port is always granted. Writing one byte from both write ports in one cycle, or any byte past the end, is
// an assertion failure (two rows of one bank may be written at once: the model has two write ports per bank).
module lutsim_sram_banked #(
  parameter int unsigned SIZE = 4096,  // bytes, a multiple of NB
  parameter int unsigned NB   = 64,    // banks, a power of two >= every port width
  parameter int unsigned WW0  = 64,    // write port widths (bytes)
  parameter int unsigned WW1  = 16,
  parameter int unsigned RW0  = 64,    // read port widths (bytes)
  parameter int unsigned RW1  = 16,
  parameter int unsigned AW   = $clog2(SIZE)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              w0_req_i,
  input  logic [AW-1:0]     w0_addr_i,
  input  logic [8*WW0-1:0]  w0_wdata_i,
  input  logic [WW0-1:0]    w0_be_i,
  input  logic              w1_req_i,
  input  logic [AW-1:0]     w1_addr_i,
  input  logic [8*WW1-1:0]  w1_wdata_i,
  input  logic [WW1-1:0]    w1_be_i,
  input  logic              r0_req_i,
  input  logic [AW-1:0]     r0_addr_i,
  output logic [8*RW0-1:0]  r0_rdata_o,
  input  logic              r1_req_i,
  input  logic [AW-1:0]     r1_addr_i,
  output logic [8*RW1-1:0]  r1_rdata_o
);

  localparam int unsigned LNB   = $clog2(NB);
  localparam int unsigned DEPTH = SIZE / NB;
  localparam int unsigned RWID  = AW > LNB ? AW - LNB + 1 : 1;  // row index, one bit more to see "past the end"

  // Bank b serves byte offset (b - addr) mod NB of a port at address addr.
  function automatic logic [LNB-1:0] offs(input logic [LNB-1:0] addr_lo, input logic [LNB-1:0] bank);
    offs = bank - addr_lo;
  endfunction
  function automatic logic [RWID-1:0] row_of(input logic [AW-1:0] addr, input logic [LNB-1:0] off);
    logic [AW:0] a;
    a = {1'b0, addr} + (AW+1)'(off);
    row_of = RWID'(a >> LNB);
  endfunction

  logic [7:0]     bank_r0_q [NB];
  logic [7:0]     bank_r1_q [NB];
  logic [LNB-1:0] r0_lo_q, r1_lo_q;

  for (genvar b = 0; b < NB; b++) begin : g_bank
    logic [7:0] mem_q [DEPTH];
    logic [LNB-1:0] w0_off, w1_off, r0_off, r1_off;
    logic [RWID-1:0] w0_row, w1_row, r0_row, r1_row;
    logic w0_en, w1_en;

    assign w0_off = offs(w0_addr_i[LNB-1:0], LNB'(b));
    assign w1_off = offs(w1_addr_i[LNB-1:0], LNB'(b));
    assign r0_off = offs(r0_addr_i[LNB-1:0], LNB'(b));
    assign r1_off = offs(r1_addr_i[LNB-1:0], LNB'(b));
    assign w0_row = row_of(w0_addr_i, w0_off);
    assign w1_row = row_of(w1_addr_i, w1_off);
    assign r0_row = row_of(r0_addr_i, r0_off);
    assign r1_row = row_of(r1_addr_i, r1_off);
    assign w0_en  = w0_req_i && 32'(w0_off) < WW0 && w0_be_i[32'(w0_off) % WW0];
    assign w1_en  = w1_req_i && 32'(w1_off) < WW1 && w1_be_i[32'(w1_off) % WW1];

    always_ff @(posedge clk_i) begin
      if (w0_en && 32'(w0_row) < DEPTH) mem_q[w0_row[RWID-2:0]] <= w0_wdata_i[8*(32'(w0_off) % WW0) +: 8];
      if (w1_en && 32'(w1_row) < DEPTH) mem_q[w1_row[RWID-2:0]] <= w1_wdata_i[8*(32'(w1_off) % WW1) +: 8];
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        bank_r0_q[b] <= 8'd0;
        bank_r1_q[b] <= 8'd0;
      end else begin
        if (r0_req_i) bank_r0_q[b] <= 32'(r0_row) < DEPTH ? mem_q[r0_row[RWID-2:0]] : 8'd0;
        if (r1_req_i) bank_r1_q[b] <= 32'(r1_row) < DEPTH ? mem_q[r1_row[RWID-2:0]] : 8'd0;
      end
    end

`ifndef SYNTHESIS
    always_ff @(posedge clk_i) begin
      if (rst_ni) begin
        assert (!(w0_en && w1_en && w0_row == w1_row)) else $error("SRAM byte written by both write ports (bank %0d)", b);
        assert (!(w0_en && 32'(w0_row) >= DEPTH)) else $error("SRAM write port 0 past the end (%0d bytes)", SIZE);
        assert (!(w1_en && 32'(w1_row) >= DEPTH)) else $error("SRAM write port 1 past the end (%0d bytes)", SIZE);
      end
    end
`endif
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r0_lo_q <= '0;
      r1_lo_q <= '0;
    end else begin
      if (r0_req_i) r0_lo_q <= r0_addr_i[LNB-1:0];
      if (r1_req_i) r1_lo_q <= r1_addr_i[LNB-1:0];
    end
  end

  // The rotators: byte i of a port comes from bank (addr + i) mod NB.
  always_comb begin
    for (int unsigned i = 0; i < RW0; i++) r0_rdata_o[8*i +: 8] = bank_r0_q[r0_lo_q + LNB'(i)];
    for (int unsigned i = 0; i < RW1; i++) r1_rdata_o[8*i +: 8] = bank_r1_q[r1_lo_q + LNB'(i)];
  end

endmodule
