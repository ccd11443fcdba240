// lutsim_core_tb: the Verilator test top of the compute core. It connects lutsim_wcfg to lutsim_gemm_ctrl the way
// lutsim_top does (the weight-path state as plain signals) and steers each instruction to its unit by opcode, one
// instruction at a time. The parameters are repeated on constant outputs so the C++ harness can check that the
// model it drives has the configuration it expects.
module lutsim_core_tb #(
  parameter int unsigned ROWS     = 4,
  parameter int unsigned COLS     = 4,
  parameter int unsigned ACC_BITS = 32,
  parameter int unsigned ACT_AW   = 14,
  parameter int unsigned WGT_AW   = 14,
  parameter int unsigned PAR_AW   = 12,
  parameter int unsigned ACC_AW   = 8,
  localparam int unsigned V       = ROWS > COLS ? ROWS : COLS
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  input  logic                 insn_valid_i,
  output logic                 insn_ready_o,
  input  logic [255:0]         insn_i,
  output logic                 busy_o,
  output logic                 done_o,

  output logic                 act_rd_req_o,
  input  logic                 act_rd_gnt_i,
  output logic [ACT_AW-1:0]    act_rd_addr_o,
  input  logic [8*V-1:0]       act_rd_rdata_i,

  output logic                 wgt_rd_req_o,
  input  logic                 wgt_rd_gnt_i,
  output logic [WGT_AW-1:0]    wgt_rd_addr_o,
  input  logic [8*COLS-1:0]    wgt_rd_rdata_i,

  output logic                 par_rd_req_o,
  input  logic                 par_rd_gnt_i,
  output logic [PAR_AW-1:0]    par_rd_addr_o,
  input  logic [8*COLS-1:0]    par_rd_rdata_i,

  output logic                 acc_rd_req_o,
  input  logic                 acc_rd_gnt_i,
  output logic [ACC_AW-1:0]    acc_rd_idx_o,
  input  logic [32*COLS-1:0]   acc_rd_rdata_i,

  output logic                 acc_wr_req_o,
  input  logic                 acc_wr_gnt_i,
  output logic [ACC_AW-1:0]    acc_wr_idx_o,
  output logic [32*COLS-1:0]   acc_wr_wdata_o,
  output logic [COLS-1:0]      acc_wr_mask_o,

  output logic [31:0]          cfg_rows_o,
  output logic [31:0]          cfg_cols_o,
  output logic [31:0]          cfg_acc_bits_o,
  output logic [31:0]          cfg_aw_o        // {ACT_AW, WGT_AW, PAR_AW, ACC_AW}, a byte each
);
  assign cfg_rows_o     = 32'(ROWS);
  assign cfg_cols_o     = 32'(COLS);
  assign cfg_acc_bits_o = 32'(ACC_BITS);
  assign cfg_aw_o       = {8'(ACT_AW), 8'(WGT_AW), 8'(PAR_AW), 8'(ACC_AW)};

  wire [3:0] opc     = insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W];
  wire       is_wcfg = opc == lutsim_isa_pkg::OPC_WCFG;

  logic wcfg_ready, wcfg_busy, wcfg_done, gemm_ready, gemm_busy, gemm_done;
  // One instruction at a time: the PEs read the LUTs while a GEMM runs.
  wire idle = !wcfg_busy && !gemm_busy;
  assign insn_ready_o = idle && (is_wcfg ? wcfg_ready : gemm_ready);
  assign busy_o       = wcfg_busy || gemm_busy;
  assign done_o       = wcfg_done || gemm_done;

  logic [1:0]                 wmode;
  logic [3:0]                 wbits;
  logic [COLS*128-1:0]        luts;
  logic [15:0]                in_group, out_group, out_offset;

  lutsim_wcfg #(
    .COLS  (COLS),
    .PAR_AW(PAR_AW)
  ) u_wcfg (
    .clk_i,
    .rst_ni,
    .insn_valid_i  (insn_valid_i && idle && is_wcfg),
    .insn_ready_o  (wcfg_ready),
    .insn_i,
    .busy_o        (wcfg_busy),
    .done_o        (wcfg_done),
    .par_rd_req_o,
    .par_rd_gnt_i,
    .par_rd_addr_o,
    .par_rd_rdata_i,
    .wmode_o       (wmode),
    .wbits_o       (wbits),
    .luts_o        (luts),
    .in_group_o    (in_group),
    .out_group_o   (out_group),
    .out_offset_o  (out_offset)
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
    .insn_valid_i  (insn_valid_i && idle && !is_wcfg),
    .insn_ready_o  (gemm_ready),
    .insn_i,
    .busy_o        (gemm_busy),
    .done_o        (gemm_done),
    .wmode_i       (wmode),
    .wbits_i       (wbits),
    .luts_i        (luts),
    .in_group_i    (in_group),
    .out_group_i   (out_group),
    .out_offset_i  (out_offset),
    .act_rd_req_o,
    .act_rd_gnt_i,
    .act_rd_addr_o,
    .act_rd_rdata_i,
    .wgt_rd_req_o,
    .wgt_rd_gnt_i,
    .wgt_rd_addr_o,
    .wgt_rd_rdata_i,
    .acc_rd_req_o,
    .acc_rd_gnt_i,
    .acc_rd_idx_o,
    .acc_rd_rdata_i,
    .acc_wr_req_o,
    .acc_wr_gnt_i,
    .acc_wr_idx_o,
    .acc_wr_wdata_o,
    .acc_wr_mask_o
  );
endmodule
