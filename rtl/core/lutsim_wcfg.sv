// lutsim_wcfg: the weight-path state set by WCFG (docs/architecture.md section 6.2, docs/isa.md WCFG).
//
// Holds the weight format (mode, bits), the C column LUTs (16 x s8 each) and the group-mask fields (in_group,
// out_group, out_offset), and hands them to lutsim_gemm_ctrl as plain signals. The group mask itself is applied
// row by row as lutsim_gemm_ctrl loads a weight block, since it depends on the GEMM's in_offset and chunk.
//   mode 0 raw:         no LUT load (bits must be 8)
//   mode 1 per-layer:   the n = 2^bits bytes at lut_addr become every column's LUT: ceil(n / C) reads
//   mode 2 per-channel: column c's LUT is the n bytes at lut_addr + c*n: n reads of C bytes (read j at
//                       lut_addr + j*C carries table bytes j*C .. j*C + C - 1)
// Each LUT register (c, e) takes its byte from a fixed (read, byte) position per bits value, so the load path is a
// 4:1 byte mux per register, no crossbar.
// Latency, from the cycle the instruction is accepted to the cycle done_o is high, with every read granted at
// once:   1 + nreads,   nreads = 0 (raw), ceil(2^bits / C) (per-layer), 2^bits (per-channel).
// mode/bits/in_group/out_group/out_offset change at the accepting edge; the LUT registers take the last read's
// data at the end of the done cycle. Entries at and above 2^bits are left undefined: b-bit codes never select them.
// insn_ready_o is high while idle (also in the cycle done_o pulses); busy_o from acceptance until done_o.
// The top must not accept a WCFG while a GEMM runs (the PEs read the LUTs every cycle).
//
// Deviation from the RTL contract: none; the only memory port is the param read.
module lutsim_wcfg #(
  parameter int unsigned COLS   = 16,  // C
  parameter int unsigned PAR_AW = 14   // param SRAM byte address width
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,

  input  logic                       insn_valid_i,
  output logic                       insn_ready_o,
  input  logic [255:0]               insn_i,
  output logic                       busy_o,
  output logic                       done_o,

  output logic                       par_rd_req_o,
  input  logic                       par_rd_gnt_i,
  output logic [PAR_AW-1:0]          par_rd_addr_o,
  input  logic [8*COLS-1:0]          par_rd_rdata_i,

  output logic [1:0]                 wmode_o,      // 0 raw, 1 per-layer, 2 per-channel
  output logic [3:0]                 wbits_o,      // code width b
  output logic [COLS*128-1:0]        luts_o,       // column c, entry e: bits [128c + 8e +: 8]
  output logic [15:0]                in_group_o,   // 0: no group mask
  output logic [15:0]                out_group_o,
  output logic [15:0]                out_offset_o
);
  localparam int unsigned JW = 5;  // read index: up to 16 reads

  wire accept = insn_valid_i & insn_ready_o;
  wire [1:0]  f_mode  = insn_i[lutsim_isa_pkg::WCFG_MODE_LSB +: lutsim_isa_pkg::WCFG_MODE_W];
  wire [3:0]  f_bits  = insn_i[lutsim_isa_pkg::WCFG_BITS_LSB +: lutsim_isa_pkg::WCFG_BITS_W];
  wire [25:0] f_addr  = insn_i[lutsim_isa_pkg::WCFG_LUT_ADDR_LSB +: lutsim_isa_pkg::WCFG_LUT_ADDR_W];
  wire [15:0] f_ing   = insn_i[lutsim_isa_pkg::WCFG_IN_GROUP_LSB +: lutsim_isa_pkg::WCFG_IN_GROUP_W];
  wire [15:0] f_outg  = insn_i[lutsim_isa_pkg::WCFG_OUT_GROUP_LSB +: lutsim_isa_pkg::WCFG_OUT_GROUP_W];
  wire [15:0] f_outo  = insn_i[lutsim_isa_pkg::WCFG_OUT_OFFSET_LSB +: lutsim_isa_pkg::WCFG_OUT_OFFSET_W];

  // Reads needed: 2^b per channel; ceil(2^b / C) per layer, counted against constants (no divider).
  logic [JW-1:0] f_nreads;
  always_comb begin
    logic [4:0] n;
    n = 5'd1 << f_bits[2:0];
    f_nreads = '0;
    if (f_mode == 2'd2) begin
      f_nreads = n;
    end else if (f_mode == 2'd1) begin
      for (int unsigned k = 1; k <= 16; k++) begin
        if (32'(n) > (k - 1) * COLS && 32'(n) <= k * COLS) f_nreads = JW'(k);
      end
    end
  end

  logic              busy_q, pc_q, none_q;
  logic [JW-1:0]     nleft_q;   // reads still to issue
  logic [JW-1:0]     rj_q;      // index of the next read
  logic [PAR_AW-1:0] raddr_q;
  logic              rv_q;      // read data arrives this cycle
  logic [JW-1:0]     dj_q;      // its read index

  assign par_rd_req_o  = busy_q && nleft_q != '0;
  assign par_rd_addr_o = raddr_q;
  wire   granted       = par_rd_req_o && par_rd_gnt_i;

  // Done in the cycle the last read's data arrives (the LUT registers take it at the end of that cycle), or one
  // cycle after acceptance when there is nothing to read.
  assign done_o       = busy_q && nleft_q == '0 && (rv_q || none_q);
  assign busy_o       = busy_q;
  assign insn_ready_o = !busy_q || done_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q       <= 1'b0;
      pc_q         <= 1'b0;
      none_q       <= 1'b0;
      nleft_q      <= '0;
      rj_q         <= '0;
      raddr_q      <= '0;
      rv_q         <= 1'b0;
      dj_q         <= '0;
      wmode_o      <= 2'd0;
      wbits_o      <= 4'd8;
      in_group_o   <= '0;
      out_group_o  <= '0;
      out_offset_o <= '0;
    end else begin
      rv_q <= granted;
      if (granted) begin
        dj_q    <= rj_q;
        rj_q    <= rj_q + 1'b1;
        nleft_q <= nleft_q - 1'b1;
        raddr_q <= raddr_q + PAR_AW'(COLS);
      end
      if (accept) begin
        busy_q       <= 1'b1;
        pc_q         <= f_mode == 2'd2;
        none_q       <= f_nreads == '0;
        nleft_q      <= f_nreads;
        rj_q         <= '0;
        raddr_q      <= f_addr[PAR_AW-1:0];
        wmode_o      <= f_mode;
        wbits_o      <= f_bits;
        in_group_o   <= f_ing;
        out_group_o  <= f_outg;
        out_offset_o <= f_outo;
      end else if (done_o) begin
        busy_q <= 1'b0;
      end
    end
  end

  // LUT registers: register (c, e) loads byte m of read j, where (j, m) depends on the mode and bits.
  for (genvar c = 0; c < COLS; c++) begin : g_col
    for (genvar e = 0; e < 16; e++) begin : g_ent
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          luts_o[128*c + 8*e +: 8] <= 8'h00;
        end else if (rv_q) begin
          if (!pc_q) begin
            // Per layer: table byte e, in read e / C at byte e % C.
            if (dj_q == JW'(e / COLS)) luts_o[128*c + 8*e +: 8] <= par_rd_rdata_i[8 * (e % COLS) +: 8];
          end else begin
            // Per channel with n = 2^b: table byte t = c*n + e (for e < n), in read t / C at byte t % C.
            unique case (wbits_o)
              4'd1: if (e < 2 && dj_q == JW'((c * 2 + e) / COLS))
                luts_o[128*c + 8*e +: 8] <= par_rd_rdata_i[8 * ((c * 2 + e) % COLS) +: 8];
              4'd2: if (e < 4 && dj_q == JW'((c * 4 + e) / COLS))
                luts_o[128*c + 8*e +: 8] <= par_rd_rdata_i[8 * ((c * 4 + e) % COLS) +: 8];
              4'd3: if (e < 8 && dj_q == JW'((c * 8 + e) / COLS))
                luts_o[128*c + 8*e +: 8] <= par_rd_rdata_i[8 * ((c * 8 + e) % COLS) +: 8];
              4'd4: if (dj_q == JW'((c * 16 + e) / COLS))
                luts_o[128*c + 8*e +: 8] <= par_rd_rdata_i[8 * ((c * 16 + e) % COLS) +: 8];
              default: ;
            endcase
          end
        end
      end
    end
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && accept) begin
      assert (insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W] == lutsim_isa_pkg::OPC_WCFG)
        else $error("lutsim_wcfg: accepted opcode %0d", insn_i[3:0]);
      assert (f_mode <= 2'd2) else $error("lutsim_wcfg: mode %0d", f_mode);
      assert ((f_mode == 2'd0) ? f_bits == 4'd8 : (f_bits >= 4'd1 && f_bits <= 4'd4))
        else $error("lutsim_wcfg: bits %0d illegal for mode %0d", f_bits, f_mode);
    end
  end
`endif
endmodule
