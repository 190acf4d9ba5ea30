// The call frame instructions (DW_CFA_*) of a CIE and an FDE run up to one address: the row of
// the unwind table for that address, i.e. how to find the CFA and where each register of the
// caller was saved. A pure function of the bytes; evaluating the rules needs registers and
// memory and is the caller's business (src/target/unwind.ts), through src/dwarf/expr.ts.
import { err, ok, type Result } from '../io/result.js';
import * as C from './cfi-constants.js';
import { readEncodedPointer, type CallFrameTable, type Fde } from './cfi.js';
import { Cursor } from './cursor.js';
import { capture, fault, type DwarfError } from './errors.js';

export type CfaRule = { kind: 'register-offset'; register: number; offset: number } | { kind: 'expression'; expr: Buffer };

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'same-value' }
  /** Saved at CFA + offset. */
  | { kind: 'offset'; offset: number }
  /** The value is CFA + offset. */
  | { kind: 'val-offset'; offset: number }
  /** Saved in another register. */
  | { kind: 'register'; register: number }
  /** Saved at the address the expression computes (the CFA pushed first). */
  | { kind: 'expression'; expr: Buffer }
  /** The value is what the expression computes (the CFA pushed first). */
  | { kind: 'val-expression'; expr: Buffer };

export interface UnwindRow {
  /** The addresses the row applies to: [start, end). */
  start: number;
  end: number;
  cfa: CfaRule;
  /** Rules of the registers the instructions mention; others keep their value ("same value"). */
  registers: Map<number, RegisterRule>;
  /** AArch64 pointer authentication: the return address is signed (DW_CFA_AARCH64_negate_ra_state toggled). */
  returnAddressSigned: boolean;
  returnAddressRegister: number;
  /** The CIE has the 'S' augmentation: this frame is a signal trampoline. */
  signalFrame: boolean;
}

export interface CfaLimits {
  /** Instructions executed per lookup. */
  maxInstructions: number;
  /** DW_CFA_remember_state nesting. */
  maxStateDepth: number;
}

export const defaultCfaLimits: CfaLimits = { maxInstructions: 100_000, maxStateDepth: 64 };

interface State {
  cfa: CfaRule | null;
  registers: Map<number, RegisterRule>;
  raSigned: boolean;
}

const copy = (s: State): State => ({ cfa: s.cfa, registers: new Map(s.registers), raSigned: s.raSigned });

/** The unwind row of `fde` (from `table`) at link-time address `address`. */
export function unwindRow(table: CallFrameTable, fde: Fde, address: number, limits: CfaLimits = defaultCfaLimits): Result<UnwindRow, DwarfError> {
  const r = capture(() => computeRow(table, fde, address, limits));
  return r.ok ? ok(r.value) : err(r.error);
}

function computeRow(table: CallFrameTable, fde: Fde, address: number, limits: CfaLimits): UnwindRow {
  const cie = fde.cie;
  const section = table.section;
  const budget = { left: limits.maxInstructions };
  const initial: State = { cfa: null, registers: new Map(), raSigned: false };
  // The CIE's initial instructions set up the rules DW_CFA_restore returns to.
  run(section.data, section.name, cie.instructions, initial, null, { loc: fde.initialLocation, target: Infinity }, fde, table, budget, limits);
  const state = copy(initial);
  const span = { loc: fde.initialLocation, target: address, end: fde.initialLocation + fde.addressRange };
  const stopped = run(section.data, section.name, fde.instructions, state, initial, span, fde, table, budget, limits);
  if (!state.cfa) fault('malformed', section.name, fde.offset, 'no CFA rule is defined for this address');
  return {
    start: stopped.start,
    end: stopped.end,
    cfa: state.cfa!,
    registers: state.registers,
    returnAddressSigned: state.raSigned,
    returnAddressRegister: cie.returnAddressRegister,
    signalFrame: cie.signalFrame,
  };
}

/**
 * Execute instructions in [range.start, range.end) into `state` until the location passes
 * `span.target`; returns the address range of the row in effect.
 */
function run(
  data: Buffer,
  name: string,
  range: { start: number; end: number },
  state: State,
  initial: State | null,
  span: { loc: number; target: number; end?: number },
  fde: Fde,
  table: CallFrameTable,
  budget: { left: number },
  limits: CfaLimits,
): { start: number; end: number } {
  const cie = fde.cie;
  const c = new Cursor(data, name, range.start, range.end);
  const stack: State[] = [];
  let rowStart = span.loc;
  const regRule = (reg: number, rule: RegisterRule) => state.registers.set(reg, rule);
  const restore = (reg: number) => {
    if (!initial) fault('malformed', name, c.pos, 'DW_CFA_restore in a CIE');
    const r = initial!.registers.get(reg);
    if (r) state.registers.set(reg, r);
    else state.registers.delete(reg);
  };
  /** Move to a new location; returns true when the row for the target is complete. */
  const advance = (to: number): boolean => {
    if (to > span.target) return true;
    span.loc = to;
    rowStart = to;
    return false;
  };
  const block = () => c.bytes(c.uleb(), 'DWARF expression block');
  while (c.pos < c.end) {
    if (--budget.left < 0) fault('limit', name, c.pos, `more than ${limits.maxInstructions} call frame instructions`);
    const op = c.u8();
    const high = op & 0xc0;
    const low = op & 0x3f;
    if (high === C.DW_CFA_advance_loc) {
      if (advance(span.loc + low * cie.codeAlign)) return { start: rowStart, end: span.loc + low * cie.codeAlign };
      continue;
    }
    if (high === C.DW_CFA_offset) {
      regRule(low, { kind: 'offset', offset: c.uleb() * cie.dataAlign });
      continue;
    }
    if (high === C.DW_CFA_restore) {
      restore(low);
      continue;
    }
    switch (op) {
      case C.DW_CFA_nop:
        break;
      case C.DW_CFA_set_loc: {
        const to = readEncodedPointer(c, cie.fdeEncoding, { section: table.section, bases: table.bases, addressSize: cie.addressSize, funcStart: fde.initialLocation });
        if (to === null || to < span.loc) fault('malformed', name, c.pos, 'DW_CFA_set_loc moves backwards');
        if (advance(to!)) return { start: rowStart, end: to! };
        break;
      }
      case C.DW_CFA_advance_loc1:
      case C.DW_CFA_advance_loc2:
      case C.DW_CFA_advance_loc4: {
        const delta = op === C.DW_CFA_advance_loc1 ? c.u8() : op === C.DW_CFA_advance_loc2 ? c.u16() : c.u32();
        const to = span.loc + delta * cie.codeAlign;
        if (advance(to)) return { start: rowStart, end: to };
        break;
      }
      case C.DW_CFA_offset_extended:
        regRule(c.uleb(), { kind: 'offset', offset: c.uleb() * cie.dataAlign });
        break;
      case C.DW_CFA_offset_extended_sf:
        regRule(c.uleb(), { kind: 'offset', offset: c.sleb() * cie.dataAlign });
        break;
      case C.DW_CFA_GNU_negative_offset_extended:
        regRule(c.uleb(), { kind: 'offset', offset: -c.uleb() * cie.dataAlign });
        break;
      case C.DW_CFA_val_offset:
        regRule(c.uleb(), { kind: 'val-offset', offset: c.uleb() * cie.dataAlign });
        break;
      case C.DW_CFA_val_offset_sf:
        regRule(c.uleb(), { kind: 'val-offset', offset: c.sleb() * cie.dataAlign });
        break;
      case C.DW_CFA_restore_extended:
        restore(c.uleb());
        break;
      case C.DW_CFA_undefined:
        regRule(c.uleb(), { kind: 'undefined' });
        break;
      case C.DW_CFA_same_value:
        regRule(c.uleb(), { kind: 'same-value' });
        break;
      case C.DW_CFA_register: {
        const reg = c.uleb();
        regRule(reg, { kind: 'register', register: c.uleb() });
        break;
      }
      case C.DW_CFA_remember_state:
        if (stack.length >= limits.maxStateDepth) fault('limit', name, c.pos, `DW_CFA_remember_state nested deeper than ${limits.maxStateDepth}`);
        stack.push(copy(state));
        break;
      case C.DW_CFA_restore_state: {
        const s = stack.pop();
        if (!s) fault('malformed', name, c.pos, 'DW_CFA_restore_state without DW_CFA_remember_state');
        state.cfa = s!.cfa;
        state.registers = s!.registers;
        state.raSigned = s!.raSigned;
        break;
      }
      case C.DW_CFA_def_cfa:
        state.cfa = { kind: 'register-offset', register: c.uleb(), offset: c.uleb() };
        break;
      case C.DW_CFA_def_cfa_sf:
        state.cfa = { kind: 'register-offset', register: c.uleb(), offset: c.sleb() * cie.dataAlign };
        break;
      case C.DW_CFA_def_cfa_register: {
        const reg = c.uleb();
        if (state.cfa?.kind !== 'register-offset') fault('malformed', name, c.pos, 'DW_CFA_def_cfa_register without a register CFA rule');
        state.cfa = { kind: 'register-offset', register: reg, offset: (state.cfa as { offset: number }).offset };
        break;
      }
      case C.DW_CFA_def_cfa_offset:
      case C.DW_CFA_def_cfa_offset_sf: {
        const off = op === C.DW_CFA_def_cfa_offset ? c.uleb() : c.sleb() * cie.dataAlign;
        if (state.cfa?.kind !== 'register-offset') fault('malformed', name, c.pos, 'DW_CFA_def_cfa_offset without a register CFA rule');
        state.cfa = { kind: 'register-offset', register: (state.cfa as { register: number }).register, offset: off };
        break;
      }
      case C.DW_CFA_def_cfa_expression:
        state.cfa = { kind: 'expression', expr: block() };
        break;
      case C.DW_CFA_expression: {
        const reg = c.uleb();
        regRule(reg, { kind: 'expression', expr: block() });
        break;
      }
      case C.DW_CFA_val_expression: {
        const reg = c.uleb();
        regRule(reg, { kind: 'val-expression', expr: block() });
        break;
      }
      case C.DW_CFA_GNU_args_size:
        c.uleb();
        break;
      case C.DW_CFA_GNU_window_save:
        // On AArch64 (the only target whose CFI uses it today) this is negate_ra_state.
        state.raSigned = !state.raSigned;
        break;
      default:
        fault('malformed', name, c.pos - 1, `call frame instruction 0x${op.toString(16)}`);
    }
  }
  return { start: rowStart, end: span.end ?? Infinity };
}
