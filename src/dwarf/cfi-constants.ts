// Numbers of call frame information (DWARF 5 spec 6.4, 7.24; LSB "Exception Frames") and of the
// DWARF expression operations the CFI evaluator runs (7.7.1). Names only; no logic.

// Call frame instructions whose opcode sits in the top two bits (operand in the low six).
export const DW_CFA_advance_loc = 0x40;
export const DW_CFA_offset = 0x80;
export const DW_CFA_restore = 0xc0;

// Call frame instructions with a full opcode byte.
export const DW_CFA_nop = 0x00;
export const DW_CFA_set_loc = 0x01;
export const DW_CFA_advance_loc1 = 0x02;
export const DW_CFA_advance_loc2 = 0x03;
export const DW_CFA_advance_loc4 = 0x04;
export const DW_CFA_offset_extended = 0x05;
export const DW_CFA_restore_extended = 0x06;
export const DW_CFA_undefined = 0x07;
export const DW_CFA_same_value = 0x08;
export const DW_CFA_register = 0x09;
export const DW_CFA_remember_state = 0x0a;
export const DW_CFA_restore_state = 0x0b;
export const DW_CFA_def_cfa = 0x0c;
export const DW_CFA_def_cfa_register = 0x0d;
export const DW_CFA_def_cfa_offset = 0x0e;
export const DW_CFA_def_cfa_expression = 0x0f;
export const DW_CFA_expression = 0x10;
export const DW_CFA_offset_extended_sf = 0x11;
export const DW_CFA_def_cfa_sf = 0x12;
export const DW_CFA_def_cfa_offset_sf = 0x13;
export const DW_CFA_val_offset = 0x14;
export const DW_CFA_val_offset_sf = 0x15;
export const DW_CFA_val_expression = 0x16;
/** SPARC register windows; on AArch64 the same number is DW_CFA_AARCH64_negate_ra_state. */
export const DW_CFA_GNU_window_save = 0x2d;
export const DW_CFA_GNU_args_size = 0x2e;
export const DW_CFA_GNU_negative_offset_extended = 0x2f;

// Pointer encodings (DW_EH_PE_*): the low nibble is the value format, bits 4-6 the base it is
// relative to, bit 7 "the value is the address of the pointer".
export const DW_EH_PE_absptr = 0x00;
export const DW_EH_PE_uleb128 = 0x01;
export const DW_EH_PE_udata2 = 0x02;
export const DW_EH_PE_udata4 = 0x03;
export const DW_EH_PE_udata8 = 0x04;
export const DW_EH_PE_sleb128 = 0x09;
export const DW_EH_PE_sdata2 = 0x0a;
export const DW_EH_PE_sdata4 = 0x0b;
export const DW_EH_PE_sdata8 = 0x0c;
export const DW_EH_PE_pcrel = 0x10;
export const DW_EH_PE_textrel = 0x20;
export const DW_EH_PE_datarel = 0x30;
export const DW_EH_PE_funcrel = 0x40;
export const DW_EH_PE_aligned = 0x50;
export const DW_EH_PE_indirect = 0x80;
export const DW_EH_PE_omit = 0xff;

// DWARF expression operations.
export const DW_OP_addr = 0x03;
export const DW_OP_deref = 0x06;
export const DW_OP_const1u = 0x08;
export const DW_OP_const1s = 0x09;
export const DW_OP_const2u = 0x0a;
export const DW_OP_const2s = 0x0b;
export const DW_OP_const4u = 0x0c;
export const DW_OP_const4s = 0x0d;
export const DW_OP_const8u = 0x0e;
export const DW_OP_const8s = 0x0f;
export const DW_OP_constu = 0x10;
export const DW_OP_consts = 0x11;
export const DW_OP_dup = 0x12;
export const DW_OP_drop = 0x13;
export const DW_OP_over = 0x14;
export const DW_OP_pick = 0x15;
export const DW_OP_swap = 0x16;
export const DW_OP_rot = 0x17;
export const DW_OP_abs = 0x19;
export const DW_OP_and = 0x1a;
export const DW_OP_div = 0x1b;
export const DW_OP_minus = 0x1c;
export const DW_OP_mod = 0x1d;
export const DW_OP_mul = 0x1e;
export const DW_OP_neg = 0x1f;
export const DW_OP_not = 0x20;
export const DW_OP_or = 0x21;
export const DW_OP_plus = 0x22;
export const DW_OP_plus_uconst = 0x23;
export const DW_OP_shl = 0x24;
export const DW_OP_shr = 0x25;
export const DW_OP_shra = 0x26;
export const DW_OP_xor = 0x27;
export const DW_OP_bra = 0x28;
export const DW_OP_eq = 0x29;
export const DW_OP_ge = 0x2a;
export const DW_OP_gt = 0x2b;
export const DW_OP_le = 0x2c;
export const DW_OP_lt = 0x2d;
export const DW_OP_ne = 0x2e;
export const DW_OP_skip = 0x2f;
export const DW_OP_lit0 = 0x30;
export const DW_OP_lit31 = 0x4f;
export const DW_OP_reg0 = 0x50;
export const DW_OP_reg31 = 0x6f;
export const DW_OP_breg0 = 0x70;
export const DW_OP_breg31 = 0x8f;
export const DW_OP_regx = 0x90;
export const DW_OP_bregx = 0x92;
export const DW_OP_deref_size = 0x94;
export const DW_OP_nop = 0x96;
export const DW_OP_stack_value = 0x9f;
// Variable locations (DWARF 5 2.5.1, 2.6.1): frame base, CFA, pieces, entry values, implicit values.
export const DW_OP_fbreg = 0x91;
export const DW_OP_piece = 0x93;
export const DW_OP_call_frame_cfa = 0x9c;
export const DW_OP_implicit_value = 0x9e;
export const DW_OP_implicit_pointer = 0xa0;
export const DW_OP_addrx = 0xa1;
export const DW_OP_constx = 0xa2;
export const DW_OP_entry_value = 0xa3;
export const DW_OP_GNU_implicit_pointer = 0xf2;
export const DW_OP_GNU_entry_value = 0xf3;
export const DW_OP_GNU_parameter_ref = 0xfa;
export const DW_OP_GNU_addr_index = 0xfb;
export const DW_OP_GNU_const_index = 0xfc;
