// Decoding any object in a core the way repr() shows it, after validating it: an address that
// is not a live object gives `<invalid object at 0x...: reason>`, never text made from garbage.
import { readRefcount } from './refcount.js';
import { field, type Layout } from '../../cpython-layouts/layout.js';
import type { Target } from '../../target/target.js';
import type { CodeCache } from '../code.js';
import { debugHooksOf, type DebugHooks, type FillKind, wordFill } from '../debug-allocator.js';
import type { Reader } from '../reader.js';
import type { PythonRuntime } from '../runtime.js';
import { isFailure, readBytes, readUnicode, readUnicode27 } from '../strings.js';
import { attributeItems, dictItems, instanceDict, listItems, setItems, slotItems, tupleItems, type Entries } from './containers.js';
import { intFromDigits, reprByteArray, reprBytes, reprComplex, reprFloat, reprStr, reprUnicode27 } from './format.js';
import { builtinTypeSymbols, builtinTypeSymbols27, TPFLAGS, TypeCache, type BuiltinKind, type TypeInfo } from './types.js';

export interface ReprLimits {
  maxDepth: number;
  maxItems: number;
  maxStr: number;
}

export const defaultReprLimits: ReprLimits = { maxDepth: 6, maxItems: 100, maxStr: 1000 };

const SINGLETONS: Record<string, string> = {
  _Py_NoneStruct: 'None',
  _Py_TrueStruct: 'True',
  _Py_FalseStruct: 'False',
  _Py_EllipsisObject: 'Ellipsis',
  _Py_NotImplementedStruct: 'NotImplemented',
};

export type Validated = { ok: true; type: TypeInfo; refcount: number } | { ok: false; reason: string };

const hex = (a: number) => `0x${a.toString(16)}`;

/** Why memory holding the debug allocator's fill is no object: freed, never written, or pads. */
function fillReason(h: DebugHooks): Readonly<Record<FillKind, string>> {
  return { dead: `freed memory (${h.meaning.dead})`, clean: `not an object: memory ${h.meaning.clean}`, forbidden: `not an object: ${h.meaning.forbidden}` };
}

export class ObjectDecoder {
  readonly r: Reader;
  readonly L: Layout;
  readonly types: TypeCache;
  private readonly singletons = new Map<number, string>();
  private readonly setDummy: number | null | ReadonlySet<number>;
  /** 2.7: the static `dummy` strs of setobject.c and dictobject.c (a set's deleted slots hold the former); null in 3.x. */
  get setDummies(): ReadonlySet<number> | null {
    return typeof this.setDummy === 'object' ? this.setDummy : null;
  }
  /** 2.7: bytes per Py_UNICODE (a UCS2 build exports its API as PyUnicodeUCS2_*). */
  readonly unicodeUnit: 2 | 4;
  /** The build's debug fill bytes, and why memory holding one is no object. */
  private readonly fills: DebugHooks['fill'][];
  private readonly fillReasons: Readonly<Record<FillKind, string>>;

  constructor(
    readonly rt: PythonRuntime,
    target: Target,
    readonly codes: CodeCache,
    readonly limits: ReprLimits = defaultReprLimits,
  ) {
    this.r = rt.reader;
    this.L = rt.layout;
    const hooks = debugHooksOf(this.L.caps);
    this.fills = [hooks.fill];
    this.fillReasons = fillReason(hooks);
    const kinds = new Map<number, BuiltinKind>();
    for (const [sym, kind] of Object.entries(this.L.caps.str === 'bytes' ? builtinTypeSymbols27 : builtinTypeSymbols)) {
      const a = target.symbolAddress(rt.module, sym);
      if (a && !kinds.has(a.address)) kinds.set(a.address, kind);
    }
    for (const [sym, text] of Object.entries(SINGLETONS)) {
      const a = target.symbolAddress(rt.module, sym);
      if (a) this.singletons.set(a.address, text);
    }
    this.unicodeUnit = target.symbolAddress(rt.module, 'PyUnicodeUCS2_FromString', true) ? 2 : 4;
    const dummy = target.symbolAddress(rt.module, '_PySet_Dummy');
    // 2.7: setobject.c's static `dummy` (a str); dictobject.c has one of the same name: skip both.
    this.setDummy = dummy ? this.r.ptr(dummy.address) : this.L.caps.str === 'bytes' ? new Set(target.symbolsNamed(rt.module, 'dummy').map((s) => this.r.ptr(s.address) ?? 0).filter((a) => a !== 0)) : null;
    this.types = new TypeCache(this.r, this.L, kinds);
  }

  validate(address: number): Validated {
    if (!address) return { ok: false, reason: 'NULL pointer' };
    if (address % 8 !== 0) return { ok: false, reason: 'misaligned address' };
    const split = this.L.caps.refcount === 'local-shared';
    const refcnt = split ? null : this.r.u64(address + field(this.L, 'object.refcnt'));
    const typePtr = this.r.u64(address + field(this.L, 'object.type'));
    const count = split ? readRefcount(this.r, this.L, address) : null;
    if ((split ? count === null : refcnt === null) || typePtr === null) return { ok: false, reason: 'memory not readable' };
    const fill = (refcnt !== null ? wordFill(refcnt, this.fills) : null) ?? wordFill(typePtr, this.fills);
    if (fill) return { ok: false, reason: this.fillReasons[fill] };
    // 3.14+: the count is the low 32 bits; ob_overflow and ob_flags sit above it.
    const rc = refcnt === null ? BigInt(count!) : this.L.caps.obRefcnt === 'ssize_t' ? BigInt.asIntN(64, refcnt) : refcnt & 0xffffffffn;
    if (rc <= 0n) return { ok: false, reason: `refcount ${rc}` };
    if (rc > 1n << 48n) return { ok: false, reason: `refcount ${rc} is implausible` };
    const t = this.types.get(Number(typePtr));
    if (typeof t === 'string') return { ok: false, reason: t };
    return { ok: true, type: t, refcount: Number(rc) };
  }

  /** The built-in behaviour an object has: its exact type, or the built-in base its flags name. */
  kind(t: TypeInfo): BuiltinKind | 'exception' | null {
    if (t.kind) return t.kind;
    const f = t.flags;
    if (f & TPFLAGS.BASE_EXC_SUBCLASS) return 'exception';
    // A metatype of an extension (_ctypes.PyCFuncPtrType): its instances are types.
    if (f & TPFLAGS.TYPE_SUBCLASS) return 'type';
    return null;
  }

  /** Module and qualified name, as object.__repr__ and type.__repr__ show them. */
  typeNames(t: TypeInfo): { module: string; qualname: string } {
    if (!t.heap) {
      const dot = t.name.lastIndexOf('.');
      return dot < 0 ? { module: 'builtins', qualname: t.name } : { module: t.name.slice(0, dot), qualname: t.name.slice(dot + 1) };
    }
    const mod = t.dict ? this.lookupStr(t.dict, '__module__') : null;
    return { module: mod ?? '?', qualname: t.qualname ?? t.name };
  }

  shortTypeName(t: TypeInfo): string {
    return t.heap ? (t.qualname ?? t.name).split('.').pop()! : t.name.slice(t.name.lastIndexOf('.') + 1);
  }

  str(address: number, max = this.limits.maxStr): { value: string; truncated: boolean } | null {
    const s = readUnicode(this.r, this.L, address, max);
    return isFailure(s) ? null : s;
  }

  int(address: number): bigint | null {
    const { r, L } = this;
    const digitsAt = address + field(L, 'long.digits');
    let n: number;
    let negative: boolean;
    if (L.caps.intLayout === 'lv_tag') {
      const tag = r.u64(address + field(L, 'long.tag'));
      if (tag === null) return null;
      const sign = Number(tag & 3n);
      n = Number(tag >> 3n);
      if (sign === 1) return 0n;
      negative = sign === 2;
    } else {
      const size = r.ssize(address + field(L, 'var.size'));
      if (size === null) return null;
      n = Math.abs(size);
      negative = size < 0;
    }
    if (n > 1 << 20) return null;
    const b = r.bytes(digitsAt, n * 4);
    if (!b) return null;
    const digits = Array.from({ length: n }, (_, i) => b.readUInt32LE(i * 4));
    return intFromDigits(digits, negative);
  }

  /** 2.7 old-style class: its name (cl_name) and __module__ (in cl_dict). */
  classNames(cls: number): { module: string; name: string } {
    const { r, L } = this;
    const namePtr = cls ? r.ptr(cls + field(L, 'class.name')) : null;
    const dict = cls ? r.ptr(cls + field(L, 'class.dict')) : null;
    const module = dict ? this.lookupStr(dict, '__module__') : null;
    const name = namePtr ? this.str(namePtr, 1024) : null;
    return { module: module ?? '?', name: name?.value ?? '?' };
  }

  /** A str key's value in a dict, for names like __module__ and __file__. */
  lookupStr(dict: number, key: string): string | null {
    const v = this.lookup(dict, key);
    if (v === null) return null;
    const s = this.str(v, 4096);
    return s ? s.value : null;
  }

  lookup(dict: number, key: string): number | null {
    const items = dictItems(this.r, this.L, dict, 100_000);
    if (typeof items === 'string') return null;
    for (const [k, v] of items.items) {
      const s = this.str(k, key.length + 1);
      if (s && s.value === key) return v;
    }
    return null;
  }

  /** The MRO a repr decision needs: the type and its heap bases, stopping at the first static type. */
  heapChain(t: TypeInfo): TypeInfo[] {
    const out: TypeInfo[] = [];
    let cur: TypeInfo | string = t;
    for (let i = 0; i < 64 && typeof cur !== 'string'; i++) {
      out.push(cur);
      if (!cur.heap || !cur.base) break;
      cur = this.types.get(cur.base);
    }
    return out;
  }

  /** The built-in base a heap type derives from, when it does (class MyList(list)). */
  builtinBase(t: TypeInfo): TypeInfo | null {
    const chain = this.heapChain(t);
    const last = chain[chain.length - 1];
    return last && !last.heap && last.kind && last.kind !== 'object' ? last : null;
  }

  definesRepr(t: TypeInfo): boolean {
    return this.heapChain(t).some((x) => x.heap && x.dict !== 0 && this.lookup(x.dict, '__repr__') !== null);
  }

  repr(address: number, depth = 0, active: Set<number> = new Set()): string {
    const single = this.singletons.get(address);
    if (single) return single;
    const v = this.validate(address);
    if (!v.ok) return `<invalid object at ${hex(address)}: ${v.reason}>`;
    const t = v.type;
    if (depth > this.limits.maxDepth) return '...';
    let kind = this.kind(t);
    if (t.heap && kind === null) {
      if (this.definesRepr(t)) {
        const n = this.typeNames(t);
        return `<${n.module === 'builtins' ? '' : `${n.module}.`}${n.qualname} object at ${hex(address)} (its __repr__ cannot run offline)>`;
      }
      const base = this.builtinBase(t);
      if (base) kind = base.kind;
    }
    const { r, L } = this;
    const lim = this.limits;
    const cyclic = (open: string, close: string, body: () => string) => {
      if (active.has(address)) return `${open}...${close}`;
      active.add(address);
      try {
        return body();
      } finally {
        active.delete(address);
      }
    };
    const join = (e: Entries<string> | string, open: string, close: string, trailingComma = false) => {
      if (typeof e === 'string') return `<invalid object at ${hex(address)}: ${e}>`;
      const more = e.total > e.items.length ? ', ...' : '';
      const comma = trailingComma && e.total === 1 ? ',' : '';
      return `${open}${e.items.join(', ')}${comma}${more}${close}`;
    };
    const mapItems = <T,>(e: Entries<T> | string, f: (x: T) => string): Entries<string> | string => (typeof e === 'string' ? e : { items: e.items.map(f), total: e.total });
    const sub = (a: number) => this.repr(a, depth + 1, active);

    switch (kind) {
      case 'bool':
      case 'int':
      case 'long': {
        if (kind !== 'long' && L.caps.int === 'c-long') {
          // 2.7's int is a C long (ob_ival); bool is an int subclass whose objects are the singletons.
          const b = r.bytes(address + field(L, 'int.ival'), 8);
          return b ? b.readBigInt64LE(0).toString() : `<invalid object at ${hex(address)}: unreadable>`;
        }
        const n = this.int(address);
        if (n === null) return `<invalid object at ${hex(address)}: int digits unreadable>`;
        return kind === 'long' ? `${n}L` : n.toString();
      }
      case 'unicode': {
        const s = readUnicode27(r, L, address, lim.maxStr, this.unicodeUnit);
        if (isFailure(s)) return `<invalid object at ${hex(address)}: ${s.what}>`;
        return s.truncated ? `${reprUnicode27(s.value)}...` : reprUnicode27(s.value);
      }
      case 'classobj': {
        const n = this.classNames(address);
        return `<class ${n.module}.${n.name} at ${hex(address)}>`;
      }
      case 'instance': {
        const cls = r.ptr(address + field(L, 'instance.class')) ?? 0;
        const n = this.classNames(cls);
        return `<${n.module}.${n.name} instance at ${hex(address)}>`;
      }
      case 'float': {
        const b = r.bytes(address + field(L, 'float.value'), 8);
        return b ? reprFloat(b.readDoubleLE(0)) : `<invalid object at ${hex(address)}: unreadable>`;
      }
      case 'complex': {
        const re = r.bytes(address + field(L, 'complex.real'), 8);
        const im = r.bytes(address + field(L, 'complex.imag'), 8);
        return re && im ? reprComplex(re.readDoubleLE(0), im.readDoubleLE(0)) : `<invalid object at ${hex(address)}: unreadable>`;
      }
      case 'str': {
        if (L.caps.str === 'bytes') {
          // 2.7's str is bytes, shown like 3.x's bytes without the b prefix.
          const b = readBytes(r, L, address, Math.max(lim.maxStr, 0));
          if (isFailure(b)) {
            // Longer than the limit: its first maxStr bytes, as 3.x's bytes are shown.
            const n = r.ssize(address + field(L, 'bytes.size'));
            const head = n !== null && n > lim.maxStr ? r.bytes(address + field(L, 'bytes.sval'), lim.maxStr) : null;
            return head ? `${reprBytes(head).slice(1)}...` : `<invalid object at ${hex(address)}: ${b.what}>`;
          }
          return reprBytes(b).slice(1);
        }
        const s = this.str(address);
        if (!s) return `<invalid object at ${hex(address)}: str data unreadable>`;
        return s.truncated ? `${reprStr(s.value)}...` : reprStr(s.value);
      }
      case 'bytes': {
        const b = readBytes(r, L, address, Math.max(lim.maxStr, 0));
        if (isFailure(b)) {
          const n = r.ssize(address + field(L, 'bytes.size'));
          if (n !== null && n > lim.maxStr) {
            const head = r.bytes(address + field(L, 'bytes.sval'), lim.maxStr);
            if (head) return `${reprBytes(head)}...`;
          }
          return `<invalid object at ${hex(address)}: ${b.what}>`;
        }
        return reprBytes(b);
      }
      case 'bytearray': {
        const n = r.ssize(address + field(L, 'var.size'));
        const start = r.ptr(address + field(L, 'bytearray.start'));
        if (n === null || start === null || n < 0) return `<invalid object at ${hex(address)}: bytearray header unreadable>`;
        const b = n === 0 ? Buffer.alloc(0) : r.bytes(start, Math.min(n, lim.maxStr));
        if (!b) return `<invalid object at ${hex(address)}: bytearray data unreadable>`;
        return n > lim.maxStr ? `${reprByteArray(b).slice(0, -1)}...)` : reprByteArray(b);
      }
      case 'tuple':
        return cyclic('(', ')', () => join(mapItems(tupleItems(r, L, address, lim.maxItems), sub), '(', ')', true));
      case 'list':
        return cyclic('[', ']', () => join(mapItems(listItems(r, L, address, lim.maxItems), sub), '[', ']'));
      case 'dict':
        return cyclic('{', '}', () => join(mapItems(dictItems(r, L, address, lim.maxItems), ([k, val]) => `${sub(k)}: ${sub(val)}`), '{', '}'));
      case 'set':
      case 'frozenset': {
        const name = kind;
        const items = setItems(r, L, address, lim.maxItems, this.setDummy);
        if (L.caps.str === 'bytes') return cyclic(`${name}(`, ')', () => `${name}(${join(mapItems(items, sub), '[', ']')})`); // 2.7: set([1, 2])
        if (typeof items !== 'string' && items.total === 0) return `${name}()`;
        return cyclic(`${name}(`, ')', () => {
          const body = join(mapItems(items, sub), '{', '}');
          return name === 'set' ? body : `frozenset(${body})`;
        });
      }
      case 'range': {
        const [a, b, c] = ['range.start', 'range.stop', 'range.step'].map((f) => r.ptr(address + field(L, f as 'range.start')) ?? 0);
        const step = sub(c);
        return step === '1' ? `range(${sub(a)}, ${sub(b)})` : `range(${sub(a)}, ${sub(b)}, ${step})`;
      }
      case 'slice': {
        const [a, b, c] = ['slice.start', 'slice.stop', 'slice.step'].map((f) => r.ptr(address + field(L, f as 'slice.start')) ?? 0);
        return `slice(${sub(a)}, ${sub(b)}, ${sub(c)})`;
      }
      case 'function': {
        const q = r.ptr(address + (L.offsets['func.qualname'] ?? field(L, 'func.name')));
        const s = q ? this.str(q, 1024) : null;
        return `<function ${s ? s.value : '?'} at ${hex(address)}>`;
      }
      case 'method': {
        const func = r.ptr(address + field(L, 'method.func')) ?? 0;
        const self = r.ptr(address + field(L, 'method.self')) ?? 0;
        const fv = this.validate(func);
        let name = '?';
        if (fv.ok && fv.type.kind === 'function') {
          const q = r.ptr(func + field(L, 'func.qualname'));
          name = (q && this.str(q, 1024)?.value) || '?';
        }
        return `<bound method ${name} of ${sub(self)}>`;
      }
      case 'builtin_function': {
        const ml = r.ptr(address + field(L, 'cfunc.ml'));
        const namePtr = ml ? r.ptr(ml + field(L, 'methoddef.name')) : null;
        const name = namePtr ? r.cString(namePtr, 256) : null;
        const self = r.ptr(address + field(L, 'cfunc.self')) ?? 0;
        const sv = self ? this.validate(self) : null;
        if (!self || (sv && sv.ok && sv.type.kind === 'module')) return `<built-in function ${name ?? '?'}>`;
        const selfType = sv && sv.ok ? sv.type.name : '?';
        return `<built-in method ${name ?? '?'} of ${selfType} object at ${hex(self)}>`;
      }
      case 'code': {
        const c = this.codes.get(address);
        return `<code object ${c.name ?? '?'} at ${hex(address)}, file "${c.filename ?? '?'}", line ${c.firstLine ?? '?'}>`;
      }
      case 'cell': {
        const ref = r.ptr(address + field(L, 'cell.ref'));
        if (!ref) return `<cell at ${hex(address)}: empty>`;
        const rv = this.validate(ref);
        return `<cell at ${hex(address)}: ${rv.ok ? rv.type.name : '?'} object at ${hex(ref)}>`;
      }
      case 'module': {
        const d = r.ptr(address + field(L, 'module.dict'));
        const name = d ? this.lookupStr(d, '__name__') : null;
        const file = d ? this.lookupStr(d, '__file__') : null;
        return file !== null ? `<module ${reprStr(name ?? '?')} from ${reprStr(file)}>` : `<module ${reprStr(name ?? '?')} (built-in)>`;
      }
      case 'type': {
        const tv = this.types.get(address);
        if (typeof tv === 'string') return `<invalid object at ${hex(address)}: ${tv}>`;
        const n = this.typeNames(tv);
        return `<class '${n.module === 'builtins' ? '' : `${n.module}.`}${n.qualname}'>`;
      }
      case 'generator':
      case 'coroutine':
      case 'async_generator': {
        const q = r.ptr(address + field(L, 'gen.qualname'));
        const s = q ? this.str(q, 1024) : null;
        return `<${kind} object ${s ? s.value : '?'} at ${hex(address)}>`;
      }
      case 'exception': {
        const args = r.ptr(address + field(L, 'exc.args')) ?? 0;
        const name = this.shortTypeName(t);
        const items = args ? tupleItems(r, L, args, lim.maxItems) : { items: [], total: 0 };
        if (typeof items === 'string') return `<invalid object at ${hex(address)}: exception args ${items}>`;
        if (items.total === 1 && L.caps.exceptionRepr === 'single-arg-bare') return `${name}(${sub(items.items[0])})`;
        return `${name}${join(mapItems(items, sub), '(', ')', true)}`;
      }
      case 'NoneType':
      case 'NotImplementedType':
      case 'ellipsis':
      case 'frame':
      case 'object':
      case null:
      default: {
        const n = this.typeNames(t);
        if (kind === 'frame') return `<frame at ${hex(address)}>`;
        return `<${n.module === 'builtins' ? '' : `${n.module}.`}${n.qualname} object at ${hex(address)}>`;
      }
    }
  }

  /** Attribute (name, value) pairs of an instance: __dict__ entries then slots. */
  attributes(address: number, t: TypeInfo, max: number): Entries<[string, number]> | string {
    const where = instanceDict(this.r, this.L, address, t);
    const out: [string, number][] = [];
    let total = 0;
    if (where) {
      const items = attributeItems(this.r, this.L, where, max);
      if (typeof items === 'string') return items;
      for (const [k, v] of items.items) out.push([this.str(k, 256)?.value ?? this.repr(k), v]);
      total = items.total;
    }
    const slots = slotItems(this.r, this.L, address, this.heapChain(t));
    for (const s of slots) if (out.length < max) out.push(s);
    return { items: out, total: total + slots.length };
  }
}
