// C arguments and locals of a native frame, as gdb's `bt full` prints them: the formal parameters
// and variables of the frame's function (the subprogram, or one inlined copy of a function, and
// the lexical blocks holding the pc), each located by its DW_AT_location at the frame's lookup pc
// (an exprloc or a location list entry) and evaluated with the registers the unwinder knows for
// the frame. An entry value (DW_OP_entry_value) is asked of the caller (the unwinder resolves it
// from the calling frame's call site, as gdb does, when it can). A register the unwinder did not
// recover, a location list with no entry for the pc, an unresolved entry value or an implicit
// pointer give `<optimized out>`: never a guess.
// Values: integers in decimal, pointers in hex, enums by name, aggregates as `{...}`.
import * as C from '../dwarf/constants.js';
import type { Dwarf } from '../dwarf/dwarf.js';
import { runExpression, type ExprRequest, type SimpleLocation } from '../dwarf/expr.js';
import type { ScopeAt } from '../dwarf/functions.js';
import type { Die } from '../dwarf/info.js';
import { VOID, type TypeRef } from '../dwarf/types.js';
import type { FrameRegisters } from './unwind.js';

export interface NativeVariable {
  name: string;
  /** The C type as written (`PyObject *`), null when DWARF gives none. */
  type: string | null;
  /** The value as gdb prints it; null when optimized out or unreadable. */
  value: string | null;
  optimizedOut: boolean;
  /** Why it is optimized out: no location at this pc, an entry value, a register the unwinder did not recover, no CFA, an implicit pointer. */
  why?: OptimizedOutWhy;
  /** Why the value is missing although it has a location (memory not in the core, an unsupported expression). */
  unreadable?: string;
}

export type OptimizedOutWhy = 'no location at this pc' | 'entry value' | 'register not recovered' | 'frame address unknown' | 'implicit pointer' | 'partly optimized out';

export interface NativeVariables {
  args: NativeVariable[];
  locals: NativeVariable[];
}

/** Memory of the target: `size` bytes at `address`, or null. */
export type ReadMemory = (address: number, size: number) => Buffer | null;

const MAX_VARIABLES = 4096;
const MAX_VALUE_BYTES = 16;
const MAX_TYPE_DEPTH = 16;

/**
 * The arguments and locals of scope `scope` (from FunctionIndex.scopesAt) of subprogram `sub` at
 * link-time `address`. Location expressions are evaluated against `regs`, the frame's registers.
 */
export function frameVariables(
  dwarf: Dwarf,
  sub: Die,
  scope: Pick<ScopeAt, 'die' | 'blocks'>,
  address: number,
  regs: FrameRegisters | null,
  read: ReadMemory,
  addressSize: 4 | 8,
  entryValue: (expr: Buffer) => bigint | null = () => null,
): NativeVariables {
  const out: NativeVariables = { args: [], locals: [] };
  const answerBase = (req: ExprRequest): bigint | null => {
    switch (req.kind) {
      case 'register': {
        const v = regs?.values.get(req.register);
        return v === undefined ? null : BigInt(v);
      }
      case 'memory': {
        const b = read(Number(req.address), req.size);
        return b ? BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`) : null;
      }
      case 'cfa':
        return regs?.cfa === null || regs?.cfa === undefined ? null : BigInt(regs.cfa);
      case 'entry-value':
        return entryValue(req.expr);
      default:
        return null;
    }
  };
  // The frame base of the out-of-line function holds for its inlined copies too (they share its frame).
  let frameBase: bigint | null | undefined;
  const answer = (req: ExprRequest): bigint | null => {
    if (req.kind !== 'frame-base') return answerBase(req);
    if (frameBase === undefined) {
      frameBase = null;
      const expr = dwarf.locationAt(sub, address, C.DW_AT_frame_base);
      if (expr) {
        const r = runExpression(expr, { addressSize }, answerBase);
        if (r.ok && (r.value.kind === 'address' || r.value.kind === 'value')) frameBase = r.value.value;
        else if (r.ok && r.value.kind === 'register') frameBase = answerBase({ kind: 'register', register: r.value.register });
      }
    }
    return frameBase;
  };
  const add = (d: Die, list: NativeVariable[]) => {
    if (out.args.length + out.locals.length >= MAX_VARIABLES) return;
    const name = originAttrString(dwarf, d, C.DW_AT_name);
    if (name === null) return;
    const typeRef = originType(dwarf, d);
    list.push({ name, type: typeRef === null ? null : typeName(dwarf, typeRef, 0), ...valueOf(dwarf, d, typeRef, address, answer, read, addressSize) });
  };
  for (const d of dwarf.info.children(scope.die)) if (d.tag === C.DW_TAG_formal_parameter) add(d, out.args);
  // gdb prints the innermost block's variables first, then each enclosing block's, then the function's.
  for (const b of [...scope.blocks, scope.die]) for (const d of dwarf.info.children(b)) if (d.tag === C.DW_TAG_variable) add(d, out.locals);
  return out;
}

function originAttrString(dwarf: Dwarf, d: Die, attr: number): string | null {
  const a = dwarf.info.originAttr(d, attr);
  return a ? dwarf.info.attrString(a.die.unit, a.value) : null;
}

function originType(dwarf: Dwarf, d: Die): TypeRef | null {
  const a = dwarf.info.originAttr(d, C.DW_AT_type);
  return a && a.value.cls === 'ref' && typeof a.value.value === 'number' ? a.value.value : null;
}

type Value = Pick<NativeVariable, 'value' | 'optimizedOut' | 'unreadable' | 'why'>;
const optimizedOut = (why: OptimizedOutWhy): Value => ({ value: null, optimizedOut: true, why });
const WHY: Record<ExprRequest['kind'], OptimizedOutWhy | null> = {
  register: 'register not recovered',
  cfa: 'frame address unknown',
  'frame-base': 'frame address unknown',
  'entry-value': 'entry value',
  'implicit-pointer': 'implicit pointer',
  memory: null,
  addrx: null,
};

function valueOf(dwarf: Dwarf, d: Die, t: TypeRef | null, address: number, answer: (r: ExprRequest) => bigint | null, read: ReadMemory, addressSize: 4 | 8): Value {
  const types = dwarf.types;
  const stripped = t === null ? VOID : types.strip(t);
  const kind = types.kind(stripped);
  const size = t === null ? null : types.sizeOf(t);
  const konst = d.attrs.get(C.DW_AT_const_value);
  if (konst && size !== null && kind !== 'struct' && kind !== 'union' && kind !== 'array') {
    const v = konst.value;
    const bytes = Buffer.isBuffer(v) ? v : typeof v === 'number' || typeof v === 'bigint' ? le(BigInt(v), size) : null;
    return bytes ? { value: format(dwarf, stripped, bytes), optimizedOut: false } : optimizedOut('no location at this pc');
  }
  const expr = dwarf.locationAt(d, address);
  if (!expr) return optimizedOut('no location at this pc');
  const r = runExpression(expr, { addressSize }, answer);
  if (!r.ok) {
    if (r.error.kind === 'dwarf') return { value: null, optimizedOut: false, unreadable: `its location could not be evaluated (${r.error.error.what})` };
    const req = r.error.request;
    const why = WHY[req.kind];
    if (why) return optimizedOut(why);
    return { value: null, optimizedOut: false, unreadable: req.kind === 'memory' ? `memory at 0x${req.address.toString(16)} is not in the core` : 'its .debug_addr entry is unreadable' };
  }
  if (kind === 'struct' || kind === 'union' || kind === 'array') return { value: '{...}', optimizedOut: false };
  if (size === null || size > MAX_VALUE_BYTES) return { value: null, optimizedOut: false, unreadable: 'its type has no size pycore can print' };
  const loc = r.value;
  const parts = loc.kind === 'pieces' ? loc.pieces : [{ size, location: loc as SimpleLocation }];
  const bytes: Buffer[] = [];
  for (const p of parts) {
    if (!p.location) return optimizedOut('partly optimized out');
    const b = locationBytes(p.location, p.size, answer, read);
    if (b === 'optimized-out') return optimizedOut('register not recovered');
    if (b === null) return { value: null, optimizedOut: false, unreadable: `memory at 0x${(p.location as { value: bigint }).value.toString(16)} is not in the core` };
    bytes.push(b);
  }
  const all = Buffer.concat(bytes);
  if (all.length < size) return optimizedOut('partly optimized out');
  return { value: format(dwarf, stripped, all.subarray(0, size)), optimizedOut: false };
}

function le(v: bigint, size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++, x >>= 8n) b[i] = Number(x & 0xffn);
  return b;
}

function locationBytes(loc: SimpleLocation, size: number, answer: (r: ExprRequest) => bigint | null, read: ReadMemory): Buffer | null | 'optimized-out' {
  switch (loc.kind) {
    case 'register': {
      const v = answer({ kind: 'register', register: loc.register });
      return v === null ? 'optimized-out' : le(v, Math.min(size, 8));
    }
    case 'value':
      return le(loc.value, Math.min(size, 8));
    case 'implicit':
      return loc.bytes.subarray(0, size);
    case 'address':
      return read(Number(loc.value), size);
  }
}

function format(dwarf: Dwarf, t: TypeRef, bytes: Buffer): string {
  const types = dwarf.types;
  const kind = types.kind(t);
  const u = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
  if (kind === 'pointer' || kind === 'function') return `0x${u.toString(16)}`;
  if (kind === 'enum') {
    const n = Number(BigInt.asIntN(bytes.length * 8, u));
    const hit = types.enumerators(t).find(([, v]) => v === n || v === Number(u));
    return hit ? hit[0] : String(n);
  }
  const enc = types.die(t).attrs.get(C.DW_AT_encoding)?.value;
  switch (enc) {
    case C.DW_ATE_boolean:
      return u === 0n ? 'false' : 'true';
    case C.DW_ATE_float:
      return bytes.length === 8 ? String(bytes.readDoubleLE(0)) : bytes.length === 4 ? String(bytes.readFloatLE(0)) : `0x${u.toString(16)}`;
    case C.DW_ATE_signed:
    case C.DW_ATE_signed_char:
      return charSuffix(enc, BigInt.asIntN(bytes.length * 8, u), bytes.length);
    default:
      return charSuffix(enc as number, u, bytes.length);
  }
}

/** gdb prints a char as its number and the character (`65 'A'`); escaped here, so a byte from the core cannot reach the terminal raw. */
function charSuffix(enc: number, v: bigint, size: number): string {
  if (size !== 1 || (enc !== C.DW_ATE_signed_char && enc !== C.DW_ATE_unsigned_char)) return v.toString();
  const c = Number(BigInt.asUintN(8, v));
  const ch = c === 0 ? '\\000' : c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
  return `${v} '${ch}'`;
}

/** A C type's name as written (`const char *`, `struct _object *`, `int[4]`). */
export function typeName(dwarf: Dwarf, t: TypeRef, depth: number): string {
  const types = dwarf.types;
  if (depth > MAX_TYPE_DEPTH) return '?';
  const k = types.kind(t);
  const name = types.name(t);
  switch (k) {
    case 'void':
      return 'void';
    case 'pointer':
      return `${typeName(dwarf, types.target(t), depth + 1)} *`;
    case 'qualifier': {
      const tag = types.die(t).tag;
      const q = tag === C.DW_TAG_const_type ? 'const' : tag === C.DW_TAG_volatile_type ? 'volatile' : tag === C.DW_TAG_restrict_type ? 'restrict' : '_Atomic';
      const inner = typeName(dwarf, types.target(t), depth + 1);
      return inner.endsWith('*') ? `${inner} ${q}` : `${q} ${inner}`;
    }
    case 'array':
      return `${typeName(dwarf, types.target(t), depth + 1)}[${types.dimensions(t).join('][')}]`;
    case 'struct':
    case 'union':
    case 'enum':
      return `${k} ${name ?? '{...}'}`;
    case 'function':
      return `${typeName(dwarf, types.target(t), depth + 1)} (...)`;
    default:
      return name ?? '?';
  }
}
