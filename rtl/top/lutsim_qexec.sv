// The head of one instruction queue (docs/architecture.md section 4): starts the head instruction when every token
// counter it pops holds a token and its unit accepts it, pops the tokens and dequeues it as it starts, waits for
// the unit's done pulse, then pushes its tokens (waiting while a pushed counter is full) and completes. One
// instruction in flight per queue. SYNC needs no unit: it completes in the cycle after it starts.
//
// Cycles: start at s; a unit instruction completes in the cycle its unit pulses done (d); a SYNC at s + 1; the next
// head may start in the cycle of that completion.
module lutsim_qexec
(
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // queue head
  input  logic                 head_valid_i,
  input  logic [lutsim_isa_pkg::INSN_BITS-1:0] head_insn_i,
  input  logic [31:0]          head_pc_i,
  output logic                 head_ready_o,
  // tokens (prev/next counters this queue pops from and pushes to)
  input  logic                 avail_prev_i,
  input  logic                 avail_next_i,
  input  logic                 full_prev_i,
  input  logic                 full_next_i,
  output logic                 pop_prev_o,
  output logic                 pop_next_o,
  output logic                 push_prev_o,
  output logic                 push_next_o,
  // the unit that executes non-SYNC instructions
  output logic                 unit_valid_o,
  input  logic                 unit_ready_i,
  input  logic                 unit_done_i,
  // state, for the harness
  output logic                 busy_o,        // an instruction is in flight
  output logic [31:0]          cur_pc_o,      // its program counter
  output logic                 complete_o,    // pulse: the in-flight instruction completed
  output logic [1:0]           state_o        // 0 idle, 1 waiting for the unit, 2 waiting to push
);

  typedef enum logic [1:0] {
    StIdle = 2'd0,
    StWait = 2'd1,
    StPush = 2'd2
  } state_e;

  state_e      state_q, state_d;
  logic [31:0] pc_q;
  logic        push_prev_q, push_next_q;
  logic        is_sync, tokens_ok, start, can_push, finish, free;
  logic        h_pop_prev, h_pop_next;

  assign is_sync    = head_insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W] == lutsim_isa_pkg::OPC_SYNC;
  assign h_pop_prev = head_insn_i[lutsim_isa_pkg::POP_PREV_BIT];
  assign h_pop_next = head_insn_i[lutsim_isa_pkg::POP_NEXT_BIT];
  assign tokens_ok  = (!h_pop_prev || avail_prev_i) && (!h_pop_next || avail_next_i);

  // The next head may start in the cycle the previous instruction completes (its pushes are visible only in the
  // next cycle, so it cannot pop its own tokens).
  assign free         = state_q == StIdle || finish;
  assign unit_valid_o = free && head_valid_i && tokens_ok && !is_sync;
  assign start        = free && head_valid_i && tokens_ok && (is_sync || unit_ready_i);
  assign head_ready_o = start;
  assign pop_prev_o   = start && h_pop_prev;
  assign pop_next_o   = start && h_pop_next;

  assign can_push = (!push_prev_q || !full_prev_i) && (!push_next_q || !full_next_i);
  assign finish   = ((state_q == StWait && unit_done_i) || state_q == StPush) && can_push;
  assign push_prev_o = finish && push_prev_q;
  assign push_next_o = finish && push_next_q;

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIdle:  if (start) state_d = is_sync ? StPush : StWait;
      StWait:  if (unit_done_i) state_d = !can_push ? StPush : (start ? (is_sync ? StPush : StWait) : StIdle);
      StPush:  if (can_push) state_d = start ? (is_sync ? StPush : StWait) : StIdle;
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      pc_q        <= 32'd0;
      push_prev_q <= 1'b0;
      push_next_q <= 1'b0;
    end else begin
      state_q <= state_d;
      if (start) begin
        pc_q        <= head_pc_i;
        push_prev_q <= head_insn_i[lutsim_isa_pkg::PUSH_PREV_BIT];
        push_next_q <= head_insn_i[lutsim_isa_pkg::PUSH_NEXT_BIT];
      end
    end
  end

  assign busy_o     = state_q != StIdle;
  assign cur_pc_o   = pc_q;
  assign complete_o = finish;
  assign state_o    = state_q;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (state_q != 2'd3);
      assert (!(unit_done_i && state_q != StWait)) else $error("unit done pulse with no instruction in flight");
    end
  end
`endif

endmodule
