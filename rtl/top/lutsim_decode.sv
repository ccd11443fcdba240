// Instruction decoder of the controller (docs/isa.md section 1, docs/architecture.md section 4).
//
// Combinational. Gives the executing queue, the dependency flags and, for LOAD and STORE, the DMA command in one
// normalised form (a STORE has no padding and always targets the act SRAM). Field positions come from the package
// lutsim_isa_pkg, generated from the C++ ISA definition, so this decoder cannot drift from the interpreter.
//
// illegal_o is set for what the DMA and the queues rely on: an illegal opcode, a SYNC queue of 3, a dependency flag
// illegal for the executing queue, a set reserved bit (above the opcode's last field), a LOAD buf of 3, LOAD
// padding above 64, an x_size of 0, a STORE y_size or z_size of 0. The compute units' fields are checked by the
// program loader (isa::check) before a run; the decoder does not repeat those range checks.
module lutsim_decode
(
  input  logic [lutsim_isa_pkg::INSN_BITS-1:0] insn_i,
  output logic [3:0]           opcode_o,
  output logic [1:0]           queue_o,       // 0 load, 1 compute, 2 store
  output logic                 pop_prev_o,
  output logic                 pop_next_o,
  output logic                 push_prev_o,
  output logic                 push_next_o,
  output logic                 illegal_o,
  // DMA command (LOAD and STORE)
  output logic                 dma_store_o,   // 1: STORE (act SRAM -> DRAM), 0: LOAD
  output logic [1:0]           dma_buf_o,     // LOAD destination: 0 act, 1 wgt, 2 param; STORE: 0
  output logic [7:0]           dma_pad_value_o,
  output logic [6:0]           dma_pad_top_o,
  output logic [6:0]           dma_pad_bottom_o,
  output logic [6:0]           dma_pad_left_o,
  output logic [6:0]           dma_pad_right_o,
  output logic [25:0]          dma_sram_addr_o,
  output logic [31:0]          dma_dram_addr_o,
  output logic [19:0]          dma_x_size_o,
  output logic [15:0]          dma_y_size_o,
  output logic [15:0]          dma_z_size_o,
  output logic [31:0]          dma_y_stride_o,
  output logic [31:0]          dma_z_stride_o
);

  logic [3:0] opc;
  logic       is_load, is_store, is_sync;
  logic [1:0] sync_q;
  int unsigned body_end;  // first reserved bit of the opcode
  logic       reserved_set, flags_bad, fields_bad;

  assign opc      = insn_i[lutsim_isa_pkg::OPCODE_LSB +: lutsim_isa_pkg::OPCODE_W];
  assign is_load  = opc == lutsim_isa_pkg::OPC_LOAD;
  assign is_store = opc == lutsim_isa_pkg::OPC_STORE;
  assign is_sync  = opc == lutsim_isa_pkg::OPC_SYNC;
  assign sync_q   = insn_i[lutsim_isa_pkg::SYNC_QUEUE_LSB +: lutsim_isa_pkg::SYNC_QUEUE_W];

  assign opcode_o    = opc;
  assign pop_prev_o  = insn_i[lutsim_isa_pkg::POP_PREV_BIT];
  assign pop_next_o  = insn_i[lutsim_isa_pkg::POP_NEXT_BIT];
  assign push_prev_o = insn_i[lutsim_isa_pkg::PUSH_PREV_BIT];
  assign push_next_o = insn_i[lutsim_isa_pkg::PUSH_NEXT_BIT];

  always_comb begin
    unique case (opc)
      lutsim_isa_pkg::OPC_SYNC:  queue_o = sync_q;
      lutsim_isa_pkg::OPC_LOAD:  queue_o = 2'd0;
      lutsim_isa_pkg::OPC_STORE: queue_o = 2'd2;
      default:   queue_o = 2'd1;
    endcase
  end

  always_comb begin
    unique case (opc)
      lutsim_isa_pkg::OPC_SYNC:  body_end = lutsim_isa_pkg::SYNC_QUEUE_LSB + lutsim_isa_pkg::SYNC_QUEUE_W;
      lutsim_isa_pkg::OPC_LOAD:  body_end = lutsim_isa_pkg::LOAD_Z_STRIDE_LSB + lutsim_isa_pkg::LOAD_Z_STRIDE_W;
      lutsim_isa_pkg::OPC_STORE: body_end = lutsim_isa_pkg::STORE_Z_STRIDE_LSB + lutsim_isa_pkg::STORE_Z_STRIDE_W;
      lutsim_isa_pkg::OPC_WCFG:  body_end = lutsim_isa_pkg::WCFG_OUT_OFFSET_LSB + lutsim_isa_pkg::WCFG_OUT_OFFSET_W;
      lutsim_isa_pkg::OPC_GEMM:  body_end = lutsim_isa_pkg::GEMM_IN_OFFSET_LSB + lutsim_isa_pkg::GEMM_IN_OFFSET_W;
      lutsim_isa_pkg::OPC_VEC:   body_end = lutsim_isa_pkg::VEC_ACC_ADDR_LSB + lutsim_isa_pkg::VEC_ACC_ADDR_W;
      lutsim_isa_pkg::OPC_PPU:   body_end = lutsim_isa_pkg::PPU_ACT_MAX_LSB + lutsim_isa_pkg::PPU_ACT_MAX_W;
      default:   body_end = lutsim_isa_pkg::INSN_BITS;
    endcase
  end

  always_comb begin
    reserved_set = 1'b0;
    for (int unsigned i = 0; i < lutsim_isa_pkg::INSN_BITS; i++) begin
      if (i >= body_end && insn_i[i]) reserved_set = 1'b1;
    end
  end

  // The load queue has no prev, the store queue no next.
  assign flags_bad = (queue_o == 2'd0 && (pop_prev_o || push_prev_o)) ||
                     (queue_o == 2'd2 && (pop_next_o || push_next_o));

  always_comb begin
    dma_store_o      = is_store;
    dma_buf_o        = 2'd0;
    dma_pad_value_o  = 8'd0;
    dma_pad_top_o    = 7'd0;
    dma_pad_bottom_o = 7'd0;
    dma_pad_left_o   = 7'd0;
    dma_pad_right_o  = 7'd0;
    if (is_store) begin
      dma_sram_addr_o = insn_i[lutsim_isa_pkg::STORE_SRAM_ADDR_LSB +: lutsim_isa_pkg::STORE_SRAM_ADDR_W];
      dma_dram_addr_o = insn_i[lutsim_isa_pkg::STORE_DRAM_ADDR_LSB +: lutsim_isa_pkg::STORE_DRAM_ADDR_W];
      dma_x_size_o    = insn_i[lutsim_isa_pkg::STORE_X_SIZE_LSB +: lutsim_isa_pkg::STORE_X_SIZE_W];
      dma_y_size_o    = insn_i[lutsim_isa_pkg::STORE_Y_SIZE_LSB +: lutsim_isa_pkg::STORE_Y_SIZE_W];
      dma_z_size_o    = insn_i[lutsim_isa_pkg::STORE_Z_SIZE_LSB +: lutsim_isa_pkg::STORE_Z_SIZE_W];
      dma_y_stride_o  = insn_i[lutsim_isa_pkg::STORE_Y_STRIDE_LSB +: lutsim_isa_pkg::STORE_Y_STRIDE_W];
      dma_z_stride_o  = insn_i[lutsim_isa_pkg::STORE_Z_STRIDE_LSB +: lutsim_isa_pkg::STORE_Z_STRIDE_W];
    end else begin
      dma_buf_o        = insn_i[lutsim_isa_pkg::LOAD_BUF_LSB +: lutsim_isa_pkg::LOAD_BUF_W];
      dma_pad_value_o  = insn_i[lutsim_isa_pkg::LOAD_PAD_VALUE_LSB +: lutsim_isa_pkg::LOAD_PAD_VALUE_W];
      dma_pad_top_o    = insn_i[lutsim_isa_pkg::LOAD_PAD_TOP_LSB +: lutsim_isa_pkg::LOAD_PAD_TOP_W];
      dma_pad_bottom_o = insn_i[lutsim_isa_pkg::LOAD_PAD_BOTTOM_LSB +: lutsim_isa_pkg::LOAD_PAD_BOTTOM_W];
      dma_pad_left_o   = insn_i[lutsim_isa_pkg::LOAD_PAD_LEFT_LSB +: lutsim_isa_pkg::LOAD_PAD_LEFT_W];
      dma_pad_right_o  = insn_i[lutsim_isa_pkg::LOAD_PAD_RIGHT_LSB +: lutsim_isa_pkg::LOAD_PAD_RIGHT_W];
      dma_sram_addr_o  = insn_i[lutsim_isa_pkg::LOAD_SRAM_ADDR_LSB +: lutsim_isa_pkg::LOAD_SRAM_ADDR_W];
      dma_dram_addr_o  = insn_i[lutsim_isa_pkg::LOAD_DRAM_ADDR_LSB +: lutsim_isa_pkg::LOAD_DRAM_ADDR_W];
      dma_x_size_o     = insn_i[lutsim_isa_pkg::LOAD_X_SIZE_LSB +: lutsim_isa_pkg::LOAD_X_SIZE_W];
      dma_y_size_o     = insn_i[lutsim_isa_pkg::LOAD_Y_SIZE_LSB +: lutsim_isa_pkg::LOAD_Y_SIZE_W];
      dma_z_size_o     = insn_i[lutsim_isa_pkg::LOAD_Z_SIZE_LSB +: lutsim_isa_pkg::LOAD_Z_SIZE_W];
      dma_y_stride_o   = insn_i[lutsim_isa_pkg::LOAD_Y_STRIDE_LSB +: lutsim_isa_pkg::LOAD_Y_STRIDE_W];
      dma_z_stride_o   = insn_i[lutsim_isa_pkg::LOAD_Z_STRIDE_LSB +: lutsim_isa_pkg::LOAD_Z_STRIDE_W];
    end
  end

  always_comb begin
    fields_bad = 1'b0;
    if (is_load) begin
      fields_bad = dma_buf_o == 2'd3 || dma_pad_top_o > 7'd64 || dma_pad_bottom_o > 7'd64 ||
                   dma_pad_left_o > 7'd64 || dma_pad_right_o > 7'd64 || dma_x_size_o == 20'd0;
    end else if (is_store) begin
      fields_bad = dma_x_size_o == 20'd0 || dma_y_size_o == 16'd0 || dma_z_size_o == 16'd0;
    end else if (is_sync) begin
      fields_bad = sync_q == 2'd3;
    end
  end

  assign illegal_o = opc > lutsim_isa_pkg::OPC_PPU || reserved_set || flags_bad || fields_bad;

endmodule
