// DWARF expressions (DWARF 5 spec 2.5), as call frame information uses them (the CFA of
// DW_CFA_def_cfa_expression, the register rules of DW_CFA_expression / val_expression) and as
// variable locations do (DW_OP_fbreg, DW_OP_call_frame_cfa, DW_OP_piece, implicit values; an
// entry value or implicit pointer is asked of the caller, which may not know it).
// The evaluator never reads memory or registers itself: it is a generator that yields a request
// ("the value of register N", "N bytes at address A") and resumes with the caller's answer
// (a bigint, or null when that value is not available), like gimli's RequiresMemory.
// Values are 64-bit (or 32-bit) unsigned integers held in bigints, wrapped like the target's.
import { err, ok, type Result } from '../io/result.js';
import * as C from './cfi-constants.js';
import { Cursor } from './cursor.js';
import { capture, fault, type DwarfError } from './errors.js';

export type ExprRequest =
  | { kind: 'register'; register: number }
  | { kind: 'memory'; address: bigint; size: number }
  /** The frame's CFA (DW_OP_call_frame_cfa), its frame base (DW_OP_fbreg), a .debug_addr entry (DW_OP_addrx/constx). */
  | { kind: 'cfa' }
  | { kind: 'frame-base' }
  | { kind: 'addrx'; index: number }
  /** A value the frame had on entry (DW_OP_entry_value), or a pointer to a variable with no address (DW_OP_implicit_pointer). */
  | { kind: 'entry-value'; expr: Buffer }
  | { kind: 'implicit-pointer' };

/** A simple location: an address (a memory location), a value (DW_OP_stack_value), or a register (DW_OP_regN). */
export type SimpleLocation = { kind: 'address' | 'value'; value: bigint } | { kind: 'register'; register: number } | { kind: 'implicit'; bytes: Buffer };

/** What an expression computed: a simple location, or DW_OP_piece parts (location null: that part is optimized out). */
export type ExprResult = SimpleLocation | { kind: 'pieces'; pieces: { size: number; location: SimpleLocation | null }[] };

export type ExprFailure = { kind: 'dwarf'; error: DwarfError } | { kind: 'unavailable'; request: ExprRequest };

export interface ExprOptions {
  addressSize: 4 | 8;
  /** Pushed before the first operation (CFI pushes the CFA for register rules). */
  initialStack?: readonly bigint[];
  /** Operations executed at most (a backward DW_OP_skip/bra can loop). */
  maxSteps?: number;
  /** For error messages: where the expression sits. */
  section?: string;
  offset?: number;
}

export const DEFAULT_MAX_EXPR_STEPS = 10_000;
const MAX_STACK = 1024;

/** Evaluate `expr`; yields requests, returns the result. */
export function* evaluateExpression(expr: Buffer, o: ExprOptions): Generator<ExprRequest, Result<ExprResult, ExprFailure>, bigint | null> {
  const bits = BigInt(o.addressSize * 8);
  const mask = (1n << bits) - 1n;
  const wrap = (v: bigint) => v & mask;
  const signed = (v: bigint) => BigInt.asIntN(Number(bits), v);
  const section = o.section ?? 'expression';
  const base = o.offset ?? 0;
  const c = new Cursor(expr, section, 0);
  const stack: bigint[] = (o.initialStack ?? []).map(wrap);
  let result: SimpleLocation | null = null;
  const pieces: { size: number; location: SimpleLocation | null }[] = [];

  const bad = (what: string): never => fault('malformed', section, base + c.pos, what);
  const pop = (): bigint => {
    const v = stack.pop();
    return v === undefined ? bad('DWARF expression pops an empty stack') : v;
  };
  const push = (v: bigint) => {
    if (stack.length >= MAX_STACK) fault('limit', section, base + c.pos, `DWARF expression stack deeper than ${MAX_STACK}`);
    stack.push(wrap(v));
  };
  // Faults raised by the cursor or `bad` are DwarfFaults; `capture` turns each step's into a value.
  const steps = o.maxSteps ?? DEFAULT_MAX_EXPR_STEPS;
  let count = 0;
  while (c.pos < c.end) {
    if (++count > steps) return err({ kind: 'dwarf', error: { kind: 'limit', section, offset: base + c.pos, what: `DWARF expression ran more than ${steps} operations` } });
    const at = c.pos;
    const decoded = capture(() => decode(c, o.addressSize));
    if (!decoded.ok) return err({ kind: 'dwarf', error: decoded.error });
    const d = decoded.value;
    // A register or value location ends the expression, or the piece it describes.
    if (result !== null && d.kind !== 'piece') break;
    if (d.kind === 'piece') {
      pieces.push({ size: d.size, location: result ?? (stack.length > 0 ? { kind: 'address', value: stack.pop()! } : null) });
      result = null;
      stack.length = 0;
      continue;
    }
    if (d.kind === 'implicit') {
      result = { kind: 'implicit', bytes: d.bytes };
      continue;
    }
    if (d.kind === 'ask') {
      // An implicit pointer points at a value with no address: there is nothing to print but gdb's `<synthetic pointer>`.
      if (d.request.kind === 'implicit-pointer') return err({ kind: 'unavailable', request: d.request });
      const v = yield d.request;
      if (v === null) return err({ kind: 'unavailable', request: d.request });
      stack.push(wrap(v + d.offset));
      continue;
    }
    const r = capture((): Decoded | null => {
      switch (d.kind) {
        case 'push':
          push(d.value);
          return null;
        case 'stack':
          stackOp(d.op, d.operand, stack, pop, push, signed, bad);
          return null;
        case 'branch': {
          const take = d.op === C.DW_OP_skip || pop() !== 0n;
          if (take) {
            const target = c.pos + d.offset;
            if (target < 0 || target > c.end) bad(`DW_OP_${d.op === C.DW_OP_skip ? 'skip' : 'bra'} to ${target}, outside the expression`);
            c.pos = target;
          }
          return null;
        }
        case 'stack_value':
          return { kind: 'push', value: pop() };
        default:
          return d;
      }
    });
    if (!r.ok) return err({ kind: 'dwarf', error: r.error });
    const need = r.value;
    if (d.kind === 'stack_value' && need?.kind === 'push') result = { kind: 'value', value: need.value };
    else if (need?.kind === 'reg') result = { kind: 'register', register: need.register };
    else if (need?.kind === 'breg' || need?.kind === 'deref') {
      let req: ExprRequest;
      if (need.kind === 'breg') req = { kind: 'register', register: need.register };
      else {
        const a = stack.pop();
        if (a === undefined) return err({ kind: 'dwarf', error: { kind: 'malformed', section, offset: base + at, what: 'DW_OP_deref on an empty stack' } });
        req = { kind: 'memory', address: a, size: need.size };
      }
      const v = yield req;
      if (v === null) return err({ kind: 'unavailable', request: req });
      if (stack.length >= MAX_STACK) return err({ kind: 'dwarf', error: { kind: 'limit', section, offset: base + at, what: `DWARF expression stack deeper than ${MAX_STACK}` } });
      stack.push(wrap(need.kind === 'breg' ? v + need.offset : v));
    }
  }
  if (pieces.length > 0) {
    if (result !== null || stack.length > 0) return err({ kind: 'dwarf', error: { kind: 'malformed', section, offset: base, what: 'DWARF expression ends with a location after its last DW_OP_piece' } });
    return ok({ kind: 'pieces', pieces });
  }
  if (result) return ok(result);
  const top = stack[stack.length - 1];
  if (top === undefined) return err({ kind: 'dwarf', error: { kind: 'malformed', section, offset: base, what: 'DWARF expression leaves an empty stack' } });
  return ok({ kind: 'address', value: top });
}

type Decoded =
  | { kind: 'push'; value: bigint }
  | { kind: 'breg'; register: number; offset: bigint }
  | { kind: 'reg'; register: number }
  | { kind: 'deref'; size: number }
  | { kind: 'stack'; op: number; operand: bigint }
  | { kind: 'branch'; op: number; offset: number }
  | { kind: 'stack_value' }
  | { kind: 'nop' }
  | { kind: 'piece'; size: number }
  | { kind: 'implicit'; bytes: Buffer }
  /** Pushes the caller's answer to `request` plus `offset`. */
  | { kind: 'ask'; request: ExprRequest; offset: bigint };

function decode(c: Cursor, addressSize: number): Decoded {
  const op = c.u8();
  if (op >= C.DW_OP_lit0 && op <= C.DW_OP_lit31) return { kind: 'push', value: BigInt(op - C.DW_OP_lit0) };
  if (op >= C.DW_OP_breg0 && op <= C.DW_OP_breg31) return { kind: 'breg', register: op - C.DW_OP_breg0, offset: sleb(c) };
  if (op >= C.DW_OP_reg0 && op <= C.DW_OP_reg31) return { kind: 'reg', register: op - C.DW_OP_reg0 };
  switch (op) {
    case C.DW_OP_addr:
      return { kind: 'push', value: unsigned(c, addressSize) };
    case C.DW_OP_const1u:
      return { kind: 'push', value: BigInt(c.u8()) };
    case C.DW_OP_const1s:
      return { kind: 'push', value: BigInt((c.u8() << 24) >> 24) };
    case C.DW_OP_const2u:
      return { kind: 'push', value: BigInt(c.u16()) };
    case C.DW_OP_const2s:
      return { kind: 'push', value: BigInt((c.u16() << 16) >> 16) };
    case C.DW_OP_const4u:
      return { kind: 'push', value: BigInt(c.u32()) };
    case C.DW_OP_const4s:
      return { kind: 'push', value: BigInt(c.u32() | 0) };
    case C.DW_OP_const8u:
      return { kind: 'push', value: unsigned(c, 8) };
    case C.DW_OP_const8s:
      return { kind: 'push', value: BigInt.asIntN(64, unsigned(c, 8)) };
    case C.DW_OP_constu:
      return { kind: 'push', value: uleb(c) };
    case C.DW_OP_consts:
      return { kind: 'push', value: sleb(c) };
    case C.DW_OP_bregx:
      return { kind: 'breg', register: c.uleb(), offset: sleb(c) };
    case C.DW_OP_regx:
      return { kind: 'reg', register: c.uleb() };
    case C.DW_OP_deref:
      return { kind: 'deref', size: addressSize };
    case C.DW_OP_deref_size: {
      const size = c.u8();
      if (size < 1 || size > addressSize) fault('malformed', c.section, c.pos - 1, `DW_OP_deref_size of ${size} bytes`);
      return { kind: 'deref', size };
    }
    case C.DW_OP_pick:
      return { kind: 'stack', op, operand: BigInt(c.u8()) };
    case C.DW_OP_plus_uconst:
      // The operand is a ULEB128 that may exceed 2^53: read it as a bigint.
      return { kind: 'stack', op, operand: uleb(c) };
    case C.DW_OP_skip:
    case C.DW_OP_bra:
      return { kind: 'branch', op, offset: (c.u16() << 16) >> 16 };
    case C.DW_OP_stack_value:
      return { kind: 'stack_value' };
    case C.DW_OP_nop:
      return { kind: 'nop' };
    case C.DW_OP_fbreg:
      return { kind: 'ask', request: { kind: 'frame-base' }, offset: sleb(c) };
    case C.DW_OP_call_frame_cfa:
      return { kind: 'ask', request: { kind: 'cfa' }, offset: 0n };
    case C.DW_OP_addrx:
    case C.DW_OP_constx:
    case C.DW_OP_GNU_addr_index:
    case C.DW_OP_GNU_const_index:
      return { kind: 'ask', request: { kind: 'addrx', index: c.uleb() }, offset: 0n };
    case C.DW_OP_entry_value:
    case C.DW_OP_GNU_entry_value: {
      const n = c.uleb();
      return { kind: 'ask', request: { kind: 'entry-value', expr: c.bytes(n, 'DW_OP_entry_value expression') }, offset: 0n };
    }
    case C.DW_OP_implicit_pointer:
    case C.DW_OP_GNU_implicit_pointer:
      // The DIE reference is 4 bytes in 32-bit DWARF (the only kind GCC emits for x86-64 and aarch64).
      c.offset(4);
      sleb(c);
      return { kind: 'ask', request: { kind: 'implicit-pointer' }, offset: 0n };
    case C.DW_OP_piece:
      return { kind: 'piece', size: c.uleb() };
    case C.DW_OP_implicit_value: {
      const n = c.uleb();
      return { kind: 'implicit', bytes: c.bytes(n, 'DW_OP_implicit_value') };
    }
    default:
      if (STACK_OPS.has(op)) return { kind: 'stack', op, operand: 0n };
      return fault('malformed', c.section, c.pos - 1, `DWARF expression operation 0x${op.toString(16)} is not supported`);
  }
}

const STACK_OPS = new Set([
  C.DW_OP_dup, C.DW_OP_drop, C.DW_OP_over, C.DW_OP_swap, C.DW_OP_rot, C.DW_OP_abs, C.DW_OP_and, C.DW_OP_div, C.DW_OP_minus, C.DW_OP_mod, C.DW_OP_mul,
  C.DW_OP_neg, C.DW_OP_not, C.DW_OP_or, C.DW_OP_plus, C.DW_OP_shl, C.DW_OP_shr, C.DW_OP_shra, C.DW_OP_xor, C.DW_OP_eq, C.DW_OP_ge, C.DW_OP_gt, C.DW_OP_le,
  C.DW_OP_lt, C.DW_OP_ne,
]);

function stackOp(op: number, operand: bigint, stack: bigint[], pop: () => bigint, push: (v: bigint) => void, signed: (v: bigint) => bigint, bad: (w: string) => never): void {
  const cmp = (f: (a: bigint, b: bigint) => boolean) => {
    const b = signed(pop());
    const a = signed(pop());
    push(f(a, b) ? 1n : 0n);
  };
  const bin = (f: (a: bigint, b: bigint) => bigint) => {
    const b = pop();
    const a = pop();
    push(f(a, b));
  };
  switch (op) {
    case C.DW_OP_dup: {
      const v = pop();
      push(v);
      push(v);
      return;
    }
    case C.DW_OP_drop:
      pop();
      return;
    case C.DW_OP_over: {
      if (stack.length < 2) bad('DW_OP_over needs two entries');
      push(stack[stack.length - 2]);
      return;
    }
    case C.DW_OP_pick: {
      const i = Number(operand);
      if (i >= stack.length) bad(`DW_OP_pick ${i} on a stack of ${stack.length}`);
      push(stack[stack.length - 1 - i]);
      return;
    }
    case C.DW_OP_swap: {
      const b = pop();
      const a = pop();
      push(b);
      push(a);
      return;
    }
    case C.DW_OP_rot: {
      const a = pop();
      const b = pop();
      const c3 = pop();
      push(a);
      push(c3);
      push(b);
      return;
    }
    case C.DW_OP_abs: {
      const v = signed(pop());
      push(v < 0n ? -v : v);
      return;
    }
    case C.DW_OP_neg:
      push(-signed(pop()));
      return;
    case C.DW_OP_not:
      push(~pop());
      return;
    case C.DW_OP_plus_uconst:
      push(pop() + operand);
      return;
    case C.DW_OP_and:
      return bin((a, b) => a & b);
    case C.DW_OP_or:
      return bin((a, b) => a | b);
    case C.DW_OP_xor:
      return bin((a, b) => a ^ b);
    case C.DW_OP_plus:
      return bin((a, b) => a + b);
    case C.DW_OP_minus:
      return bin((a, b) => a - b);
    case C.DW_OP_mul:
      return bin((a, b) => a * b);
    case C.DW_OP_div:
      return bin((a, b) => {
        if (b === 0n) bad('DW_OP_div by zero');
        return signed(a) / signed(b);
      });
    case C.DW_OP_mod:
      return bin((a, b) => {
        if (b === 0n) bad('DW_OP_mod by zero');
        return a % b;
      });
    case C.DW_OP_shl:
      return bin((a, b) => (b >= 64n ? 0n : a << b));
    case C.DW_OP_shr:
      return bin((a, b) => (b >= 64n ? 0n : a >> b));
    case C.DW_OP_shra:
      return bin((a, b) => signed(a) >> (b >= 64n ? 63n : b));
    case C.DW_OP_eq:
      return cmp((a, b) => a === b);
    case C.DW_OP_ne:
      return cmp((a, b) => a !== b);
    case C.DW_OP_lt:
      return cmp((a, b) => a < b);
    case C.DW_OP_le:
      return cmp((a, b) => a <= b);
    case C.DW_OP_gt:
      return cmp((a, b) => a > b);
    case C.DW_OP_ge:
      return cmp((a, b) => a >= b);
  }
}

function unsigned(c: Cursor, size: number): bigint {
  const b = c.bytes(size, 'constant');
  return size === 8 ? b.readBigUInt64LE(0) : BigInt(b.readUIntLE(0, size));
}

/** LEB128 as a bigint (expression operands are full 64-bit values; Cursor's readers give numbers). */
function leb(c: Cursor, signed: boolean): bigint {
  let result = 0n;
  let shift = 0n;
  const start = c.pos;
  for (;;) {
    const b = c.u8();
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return signed && b & 0x40 ? result - (1n << shift) : result;
    if (c.pos - start > 10) fault('malformed', c.section, start, `${signed ? 'S' : 'U'}LEB128 longer than 10 bytes`);
  }
}

const uleb = (c: Cursor) => leb(c, false);
const sleb = (c: Cursor) => leb(c, true);

/** Drive an evaluation synchronously: `answer` supplies registers and memory (null: unavailable). */
export function runExpression(
  expr: Buffer,
  o: ExprOptions,
  answer: (req: ExprRequest) => bigint | null,
): Result<ExprResult, ExprFailure> {
  const gen = evaluateExpression(expr, o);
  let step = gen.next(null);
  while (!step.done) step = gen.next(answer(step.value));
  return step.value;
}
