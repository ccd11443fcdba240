// The four dependency-token counters l2c, c2l, c2s, s2c (docs/architecture.md section 4, docs/isa.md section 2):
// saturating 8-bit counts of tokens. A pop takes effect in the cycle the popping instruction starts; a push is
// visible in the cycle after the pushing instruction completes. The queues never pop an empty counter (they wait
// on avail_o) and never push a full one (they wait on full_o); the assertions check that.
module lutsim_tokens (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       clear_i,   // back to 0 (start of a run)
  input  logic [3:0] pop_i,     // index 0 l2c, 1 c2l, 2 c2s, 3 s2c
  input  logic [3:0] push_i,
  output logic [3:0] avail_o,   // count > 0
  output logic [3:0] full_o,    // count == 255
  output logic [31:0] count_o   // counter i in bits [8i+7:8i]
);

  logic [7:0] cnt_q [4];

  for (genvar i = 0; i < 4; i++) begin : g_cnt
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        cnt_q[i] <= 8'd0;
      end else if (clear_i) begin
        cnt_q[i] <= 8'd0;
      end else begin
        cnt_q[i] <= cnt_q[i] + 8'(push_i[i]) - 8'(pop_i[i]);
      end
    end
    assign avail_o[i] = cnt_q[i] != 8'd0;
    assign full_o[i]  = cnt_q[i] == 8'd255;
    assign count_o[8*i +: 8] = cnt_q[i];

`ifndef SYNTHESIS
    always_ff @(posedge clk_i) begin
      if (rst_ni && !clear_i) begin
        assert (!(pop_i[i] && cnt_q[i] == 8'd0)) else $error("token counter %0d popped while empty", i);
        assert (!(push_i[i] && cnt_q[i] == 8'd255)) else $error("token counter %0d pushed while full", i);
      end
    end
`endif
  end

endmodule
