// What an object refers to, the way its type's tp_traverse sees it (plus dict keys, which
// dict_traverse skips for str-keyed dicts because strings cannot form cycles): container items,
// dict keys and values, an instance's __dict__ or its managed values and slots, a function's
// code/globals/defaults/closure, a frame's locals, a generator's frame. Each reference comes with how it is held
// (index, key, attribute or field name) so that paths can be printed.
import type { FieldName } from '../../cpython-layouts/fields.js';
import { field, type Layout } from '../../cpython-layouts/layout.js';
import { stackRefObject, type FrameInfo } from '../frames.js';
import { HeapMemory, u64w } from '../heap-memory.js';
import type { HeapTypes, TypeProfile } from '../heap-objects.js';
import { generatorState } from '../generators.js';
import { frameLocals } from '../locals.js';
import { attributeItems, instanceDict, slotItems } from './containers.js';
import type { ObjectDecoder } from './decoder.js';
import { TPFLAGS } from './types.js';

/** How a reference is held. */
export const VIA = { item: 0, key: 1, value: 2, attr: 3, field: 4, local: 5, setItem: 6, attrKey: 7 } as const;
export type Via = (typeof VIA)[keyof typeof VIA];

/**
 * One reference: `arg` is the index (item), the key's address (value, attrKey: an attribute
 * whose name is that str), the entry's index (key), or the attribute, field or variable name.
 */
export type ReferentVisitor = (target: number, via: Via, arg: number | string) => void;

/** Items read from one container at most (a corrupt size must not make us read gigabytes). */
const MAX_ITEMS = 1 << 28;
const CHUNK = 8192;

export class Referents {
  private readonly setDummy: number | null;
  /** What a Py_TRACE_REFS build's object header adds (0 otherwise): the C structs below start after it. */
  private readonly headerGrowth: number;

  constructor(
    readonly decoder: ObjectDecoder,
    readonly types: HeapTypes,
    readonly mem: HeapMemory,
    setDummy: number | null,
  ) {
    this.setDummy = setDummy;
    this.headerGrowth = (decoder.L.sizes.PyObject ?? 16) - 16;
  }

  /** Visits what the object at `address` refers to; returns why some of it could not be read, or null. */
  visit(address: number, prof: TypeProfile, visit: ReferentVisitor): string | null {
    const { mem } = this;
    const O = this.types.off;
    let problem: string | null;
    const rule = traverseRule(prof, this.decoder.L);
    if (rule) return this.traverse(address, prof, rule, visit);
    // The containers first, without the closures the other kinds need. A C subclass of dict,
    // tuple or list (OrderedDict, a struct sequence such as sys.flags) holds what its base holds.
    switch (prof.kind ?? subclassKind(prof)) {
      case 'tuple':
        problem = this.array(address + O.tupleItems, mem.i64(address + O.varSize), visit);
        break;
      case 'list': {
        const n = mem.i64(address + O.varSize);
        problem = n === 0 ? null : this.array(mem.u64(address + O.listItems), n, visit);
        break;
      }
      case 'dict':
        problem = this.dict(address, visit);
        break;
      case 'set':
      case 'frozenset':
        problem = this.set(address, visit);
        break;
      default:
        problem = this.fields(address, prof, visit);
    }
    if (prof.type.heap) problem = this.instance(address, prof, visit) ?? problem;
    return problem;
  }

  /** Objects that hold references in named fields: functions, methods, cells, modules, types, exceptions, frames. */
  private fields(address: number, prof: TypeProfile, visit: ReferentVisitor): string | null {
    const { mem } = this;
    const L = this.decoder.L;
    const f = (name: Parameters<typeof field>[1]) => field(L, name);
    const ptrField = (name: string, at: number) => {
      const v = mem.u64(address + at);
      if (v) visit(v, VIA.field, name);
    };
    let problem: string | null = null;
    switch (prof.kind) {
      case 'cell':
        ptrField('cell_contents', f('cell.ref'));
        break;
      case 'method':
        ptrField('__func__', f('method.func'));
        ptrField('__self__', f('method.self'));
        break;
      case 'builtin_function':
        ptrField('__self__', f('cfunc.self'));
        ptrField('__module__', f('cfunc.module'));
        break;
      case 'function':
        this.named(FUNCTION_FIELDS, ptrField);
        break;
      case 'module':
        ptrField('__dict__', f('module.dict'));
        break;
      case 'classobj':
        // 2.7 old-style class (class_traverse).
        this.named(CLASS_FIELDS, ptrField);
        break;
      case 'instance':
        // 2.7 old-style instance (instance_traverse).
        ptrField('__class__', f('instance.class'));
        ptrField('__dict__', f('instance.dict'));
        break;
      case 'type':
        if (prof.type.heap || this.isHeapType(address)) this.named(HEAP_TYPE_FIELDS, ptrField);
        break;
      case 'exception':
        this.named(EXCEPTION_FIELDS, ptrField);
        break;
      case 'frame':
        problem = this.frame(address, visit, ptrField);
        break;
      case 'generator':
      case 'coroutine':
      case 'async_generator':
        problem = this.generator(address, visit, ptrField);
        break;
      default:
        if (prof.kind === null) this.cFields(address, prof, visit);
        break;
    }
    return problem;
  }

  /** C types with a known layout whose tp_traverse visits object pointers after the header (C_TYPE_FIELDS). */
  private cFields(address: number, prof: TypeProfile, visit: ReferentVisitor): string | null {
    const rule = C_TYPE_FIELDS.get(`${prof.module}.${prof.qualname}`);
    if (!rule) return null;
    if (rule === 'deque') return this.deque(address, visit);
    // A heap type (partial from 3.10 on) lists these fields as members: instance() reads them.
    if (prof.type.heap) return null;
    for (const [name, at] of rule) {
      const v = this.mem.u64(address + at + this.headerGrowth);
      if (v) visit(v, VIA.field, name);
    }
    return null;
  }

  /**
   * A C type whose tp_traverse TRAVERSE_FIELDS lists, with offsets from the build's layout (a
   * field this version lacks is skipped). A type without GC support has no tp_traverse (3.8's
   * _abc_data); a heap type's traverse also visits its type.
   */
  private traverse(address: number, prof: TypeProfile, rule: TraverseRule, visit: ReferentVisitor): string | null {
    if (!prof.gc) return null;
    const { mem } = this;
    const off = this.decoder.L.offsets;
    if (prof.type.heap) visit(prof.type.address, VIA.field, '__class__');
    for (const [name, key] of rule) {
      const at = off[key];
      if (at === undefined) continue;
      if (key === 'teedata.values') {
        // teedataobject: values[0..numread) are the items read ahead for the tee iterators.
        const n = off['teedata.numread'] === undefined ? null : mem.i32(address + off['teedata.numread']!);
        if (n === null || n < 0 || n > TEE_LINKCELLS) return `impossible tee cell count ${n}`;
        for (let i = 0; i < n; i++) {
          const v = mem.u64(address + at + 8 * i);
          if (v) visit(v, VIA.item, i);
        }
        continue;
      }
      const v = mem.u64(address + at);
      if (v) visit(v, VIA.field, name);
    }
    return null;
  }

  /** A deque's items: blocks of 64 pointers linked both ways (_collectionsmodule.c). */
  private deque(address: number, visit: ReferentVisitor): string | null {
    const { mem } = this;
    const n = mem.i64(address + this.types.off.varSize);
    let block = mem.u64(address + DEQUE.leftblock + this.headerGrowth);
    let i = mem.i64(address + DEQUE.leftindex + this.headerGrowth);
    if (n === null || block === null || i === null) return 'deque header unreadable';
    if (n < 0 || n > MAX_ITEMS || i < 0 || i >= DEQUE.blockLen) return `impossible deque size ${n}`;
    for (let k = 0; k < n; k++) {
      if (!block) return 'deque block list ends early';
      const v = mem.u64(block + 8 + i * 8);
      if (v === null) return `deque block at 0x${block.toString(16)} unreadable`;
      if (v) visit(v, VIA.item, k);
      if (++i === DEQUE.blockLen) {
        block = mem.u64(block + 8 + DEQUE.blockLen * 8);
        i = 0;
      }
    }
    return null;
  }

  private isHeapType(address: number): boolean {
    const t = this.decoder.types.get(address);
    return typeof t !== 'string' && t.heap;
  }

  /** The fields of `list` this version has, by name. */
  private named(list: [string, Parameters<typeof field>[1]][], ptrField: (name: string, at: number) => void): void {
    for (const [name, key] of list) {
      const off = this.decoder.L.offsets[key];
      if (off !== undefined) ptrField(name, off);
    }
  }

  /** `n` object pointers at `items`, read in chunks. */
  private array(items: number | null, n: number | null, visit: ReferentVisitor): string | null {
    if (items === null || n === null) return 'header unreadable';
    if (n < 0 || n > MAX_ITEMS) return `impossible size ${n}`;
    if (n > 0 && !items) return 'item array is NULL';
    for (let start = 0; start < n; start += CHUNK) {
      const count = Math.min(CHUNK, n - start);
      const w = this.mem.view(items + start * 8, count * 8);
      if (!w) return `items at 0x${(items + start * 8).toString(16)} unreadable`;
      const base = this.mem.viewIndex;
      for (let i = 0; i < count; i++) {
        const p = w[base + 2 * i] + w[base + 2 * i + 1] * 4294967296;
        if (p) visit(p, VIA.item, start + i);
      }
    }
    return null;
  }

  private dict(address: number, visit: ReferentVisitor): string | null {
    const { mem } = this;
    const L = this.decoder.L;
    const O = this.types.off;
    if (L.caps.dictKeys === 'ma_table') return this.tableDict(address, visit);
    const used = mem.i64(address + O.dictUsed);
    const keys = mem.u64(address + O.dictKeys);
    const values = mem.u64(address + O.dictValues);
    if (used === null || keys === null || values === null) return 'dict header unreadable';
    if (used === 0) return null;
    if (!keys) return 'dict has no keys table';
    if (values) {
      // Split table: values here, keys shared with the type (reuse the general reader).
      const items = attributeItems(this.decoder.r, L, { values, keys }, MAX_ITEMS);
      if (typeof items === 'string') return items;
      items.items.forEach(([k, v], i) => {
        visit(k, VIA.key, i);
        visit(v, VIA.value, k);
      });
      return null;
    }
    const t = this.entryTable(keys);
    if (typeof t === 'string') return t;
    for (let start = 0; start < t.nentries; start += CHUNK) {
      const count = Math.min(CHUNK, t.nentries - start);
      const w = mem.view(t.entries + start * t.entrySize, count * t.entrySize);
      if (!w) return `dict entries at 0x${(t.entries + start * t.entrySize).toString(16)} unreadable`;
      const base = mem.viewIndex;
      for (let i = 0; i < count; i++) {
        const e = base + ((i * t.entrySize + t.keyOffset) >>> 2);
        const k = u64w(w, e);
        const v = u64w(w, e + 2);
        if (!k || !v) continue;
        visit(k, VIA.key, start + i);
        visit(v, VIA.value, k);
      }
    }
    return null;
  }

  /** 2.7: ma_mask + 1 PyDictEntry slots in ma_table; a slot holds an item when its value is set (a deleted one keeps the dummy key). */
  private tableDict(address: number, visit: ReferentVisitor): string | null {
    const { mem } = this;
    const L = this.decoder.L;
    const O = this.types.off;
    const mask = mem.i64(address + O.dictMask);
    const table = mem.u64(address + O.dictTable);
    if (mask === null || table === null) return 'dict header unreadable';
    if (mask < 0 || mask > MAX_ITEMS) return `impossible dict mask ${mask}`;
    const esize = O.keyEntry;
    const keyAt = field(L, 'keyentry.key') >>> 2;
    const valueAt = field(L, 'keyentry.value') >>> 2;
    for (let start = 0; start <= mask; start += CHUNK) {
      const count = Math.min(CHUNK, mask + 1 - start);
      const w = mem.view(table + start * esize, count * esize);
      if (!w) return `dict table at 0x${(table + start * esize).toString(16)} unreadable`;
      const base = mem.viewIndex;
      for (let i = 0; i < count; i++) {
        const e = base + ((i * esize) >>> 2);
        const k = u64w(w, e + keyAt);
        const v = u64w(w, e + valueAt);
        if (!k || !v) continue;
        visit(k, VIA.key, start + i);
        visit(v, VIA.value, k);
      }
    }
    return null;
  }

  /** Where a combined table's entries are: {hash, key, value} or (3.11+ unicode keys) {key, value}. */
  private entryTable(keys: number): { entries: number; entrySize: number; keyOffset: number; nentries: number } | string {
    const { mem } = this;
    const L = this.decoder.L;
    const O = this.types.off;
    const nentries = mem.i64(keys + O.keysNentries);
    if (nentries === null || nentries < 0 || nentries > MAX_ITEMS) return `impossible dict entry count ${nentries}`;
    const indices = keys + O.keysIndices;
    if (L.caps.dictKeys === 'dk_size') {
      const n = mem.i64(keys + O.keysSize!);
      if (n === null || n <= 0 || n > MAX_ITEMS * 2 || (n & (n - 1)) !== 0) return `impossible dict table size ${n}`;
      const width = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffff ? 4 : 8;
      return { entries: indices + n * width, entrySize: 24, keyOffset: 8, nentries };
    }
    // dk_log2_size, dk_log2_index_bytes and dk_kind are the bytes at offsets 8, 9 and 10.
    const head = mem.u32(keys + O.keysLog2Size!);
    const log2IndexBytes = head === null ? 0xff : (head >>> 8) & 0xff;
    const kind = head === null ? 0xff : (head >>> 16) & 0xff;
    if (log2IndexBytes > 40 || kind > 2) return 'dict keys header is corrupt';
    const general = kind === 0;
    return { entries: indices + 2 ** log2IndexBytes, entrySize: general ? 24 : 16, keyOffset: general ? 8 : 0, nentries };
  }

  private set(address: number, visit: ReferentVisitor): string | null {
    const { mem } = this;
    const L = this.decoder.L;
    const mask = mem.i64(address + this.types.off.setMask);
    const table = mem.u64(address + this.types.off.setTable);
    if (mask === null || table === null) return 'set header unreadable';
    if (mask < 0 || mask > MAX_ITEMS) return `impossible set mask ${mask}`;
    const slots = mask + 1;
    // setentry is { key, hash } (3.x) or { hash, key } (2.7), 16 bytes either way.
    const keyAt = (L.offsets['setentry.key'] ?? 0) >>> 2;
    const dummies = this.decoder.setDummies;
    for (let start = 0; start < slots; start += CHUNK) {
      const count = Math.min(CHUNK, slots - start);
      const w = mem.view(table + start * 16, count * 16);
      if (!w) return 'set table unreadable';
      const base = mem.viewIndex;
      for (let i = 0; i < count; i++) {
        const k = u64w(w, base + i * 4 + keyAt);
        if (k && k !== this.setDummy && !dummies?.has(k)) visit(k, VIA.setItem, 0);
      }
    }
    return null;
  }

  private frame(address: number, visit: ReferentVisitor, ptrField: (name: string, at: number) => void): string | null {
    const d = this.decoder;
    const L = d.L;
    ptrField('f_back', field(L, 'frame.f_back'));
    let frame: FrameInfo;
    if (L.caps.frameModel === 'frame-object') {
      ptrField('f_code', field(L, 'frame.f_code'));
      ptrField('f_globals', field(L, 'frame.f_globals'));
      ptrField('f_builtins', field(L, 'frame.f_builtins'));
      ptrField('f_locals', field(L, 'frame.f_locals'));
      frame = { address, code: this.mem.u64(address + field(L, 'frame.f_code')), function: null, qualname: null, file: null, line: null };
    } else {
      const iframe = this.mem.u64(address + field(L, 'frame.f_frame'));
      if (!iframe) return null;
      const code = stackRefObject(L, this.mem.u64(iframe + field(L, 'iframe.code')));
      if (code) visit(code, VIA.field, 'f_code');
      const locals = this.mem.u64(iframe + field(L, 'iframe.locals'));
      if (locals) visit(locals, VIA.field, 'f_locals');
      frame = { address: iframe, code, function: null, qualname: null, file: null, line: null };
    }
    const { locals, unreadable } = frameLocals(d, frame, 0);
    for (const l of locals) visit(l.value, VIA.local, l.name);
    return unreadable ?? null;
  }

  /** gen_traverse: name, qualname, code (up to 3.11), the exception being handled and the frame (3.11+: embedded, with its locals). */
  private generator(address: number, visit: ReferentVisitor, ptrField: (name: string, at: number) => void): string | null {
    const d = this.decoder;
    const L = d.L;
    this.named(GENERATOR_FIELDS, ptrField);
    if (L.caps.generatorFrame === 'frame-object') {
      ptrField('gi_frame', field(L, 'gen.frame'));
      return null;
    }
    const g = generatorState(d, address);
    if (!g?.frame) return null;
    const iframe = g.frame.address;
    for (const [name, key] of IFRAME_FIELDS) {
      const off = L.offsets[key];
      // f_executable and f_funcobj are tagged _PyStackRefs in 3.14; the others are aligned pointers either way.
      const v = off === undefined ? null : stackRefObject(L, this.mem.u64(iframe + off));
      if (v) visit(v, VIA.field, name);
    }
    const { locals, unreadable } = frameLocals(d, g.frame, 0);
    for (const l of locals) visit(l.value, VIA.local, l.name);
    return unreadable ?? null;
  }

  /** A heap type's instance: its class, its __dict__ (or 3.11+ managed values) and its slots. */
  private instance(address: number, prof: TypeProfile, visit: ReferentVisitor): string | null {
    const d = this.decoder;
    visit(prof.type.address, VIA.field, '__class__');
    const where = instanceDict(d.r, d.L, address, prof.type);
    if (where && 'dict' in where) visit(where.dict, VIA.field, '__dict__');
    else if (where) {
      const items = attributeItems(d.r, d.L, where, MAX_ITEMS);
      if (typeof items === 'string') return items;
      for (const [k, v] of items.items) visit(v, VIA.attrKey, k);
    }
    for (const [name, v] of slotItems(d.r, d.L, address, d.heapChain(prof.type))) visit(v, VIA.attr, name);
    return null;
  }
}

const FUNCTION_FIELDS: [string, Parameters<typeof field>[1]][] = [
  ['__code__', 'func.code'], ['__globals__', 'func.globals'], ['__builtins__', 'func.builtins'], ['__name__', 'func.name'],
  ['__qualname__', 'func.qualname'], ['__module__', 'func.module'], ['__defaults__', 'func.defaults'],
  ['__kwdefaults__', 'func.kwdefaults'], ['__doc__', 'func.doc'], ['__dict__', 'func.dict'], ['__closure__', 'func.closure'],
  ['__annotations__', 'func.annotations'],
];

/** 2.7 old-style class: what class_traverse visits. */
const CLASS_FIELDS: [string, Parameters<typeof field>[1]][] = [
  ['__bases__', 'class.bases'], ['__dict__', 'class.dict'], ['__name__', 'class.name'],
  ['<__getattr__>', 'class.getattr'], ['<__setattr__>', 'class.setattr'], ['<__delattr__>', 'class.delattr'],
];

const HEAP_TYPE_FIELDS: [string, Parameters<typeof field>[1]][] = [
  ['__dict__', 'type.dict'], ['__bases__', 'type.bases'], ['__mro__', 'type.mro'], ['__base__', 'type.base'],
  ['__name__', 'heaptype.name'], ['__qualname__', 'heaptype.qualname'], ['__slots__', 'heaptype.slots'], ['<module>', 'heaptype.module'],
  ['<cache>', 'type.cache'],
];

/** The kind of the built-in a static C type derives from, by its tp_flags (heap types get theirs from their bases). */
function subclassKind(prof: TypeProfile): 'dict' | 'tuple' | 'list' | null {
  if (prof.type.heap) return null;
  const f = prof.type.flags;
  return f & TPFLAGS.DICT_SUBCLASS ? 'dict' : f & TPFLAGS.TUPLE_SUBCLASS ? 'tuple' : f & TPFLAGS.LIST_SUBCLASS ? 'list' : null;
}

/** _collectionsmodule.c's dequeobject and block (BLOCKLEN 64), the same from 3.8 to 3.13. */
const DEQUE = { leftblock: 24, leftindex: 40, blockLen: 64 } as const;

/**
 * What the tp_traverse of some C types visits, as [name, offset] after the 16-byte object
 * header; the structs (descrobject.h, funcobject.c, traceback.h, weakrefobject.h,
 * namespaceobject.c, _functoolsmodule.c) have not changed from 3.8 to 3.13.
 */
const DESCRIPTOR: [string, number][] = [['__objclass__', 16]];
const C_TYPE_FIELDS = new Map<string, [string, number][] | 'deque'>([
  ['builtins.method_descriptor', DESCRIPTOR],
  ['builtins.classmethod_descriptor', DESCRIPTOR],
  ['builtins.wrapper_descriptor', DESCRIPTOR],
  ['builtins.getset_descriptor', DESCRIPTOR],
  ['builtins.member_descriptor', DESCRIPTOR],
  ['builtins.classmethod', [['__func__', 16], ['__dict__', 24]]],
  ['builtins.staticmethod', [['__func__', 16], ['__dict__', 24]]],
  ['builtins.traceback', [['tb_next', 16], ['tb_frame', 24]]],
  // A weak reference holds its callback; the referent (offset 16) is not a reference.
  ['builtins.weakref', [['__callback__', 24]]],
  ['weakref.ReferenceType', [['__callback__', 24]]],
  ['builtins.method-wrapper', [['<descriptor>', 16], ['__self__', 24]]],
  ['types.SimpleNamespace', [['__dict__', 16]]],
  ['functools.partial', [['func', 16], ['args', 24], ['keywords', 32], ['__dict__', 40]]],
  ['collections.deque', 'deque'],
]);

/** What tp_traverse visits, as [label, field]; the fields' offsets come from each build's layout (fields.ts). */
type TraverseRule = [string, FieldName][];
/** itertools.tee's LINKCELLS: the size of a teedataobject's values array. */
const TEE_LINKCELLS = 57;
const ABC_DATA: TraverseRule = [['_abc_registry', 'abc_data.registry'], ['_abc_cache', 'abc_data.cache'], ['_abc_negative_cache', 'abc_data.negative_cache']];
const BUFFERED: TraverseRule = [['raw', 'buffered.raw'], ['__dict__', 'buffered.dict']];
/** Keyed by `module.qualname` (3.8-3.11 name some of these `builtins.`, before they became heap types). */
const TRAVERSE_FIELDS = new Map<string, TraverseRule>([
  ['builtins.property', [['fget', 'property.get'], ['fset', 'property.set'], ['fdel', 'property.del'], ['__doc__', 'property.doc'], ['__name__', 'property.name']]],
  ['_abc._abc_data', ABC_DATA],
  ['builtins._abc_data', ABC_DATA],
  ['_io.TextIOWrapper', [
    ['buffer', 'textio.buffer'], ['encoding', 'textio.encoding'], ['<encoder>', 'textio.encoder'], ['<decoder>', 'textio.decoder'],
    ['<readnl>', 'textio.readnl'], ['<decoded_chars>', 'textio.decoded_chars'], ['<pending_bytes>', 'textio.pending_bytes'],
    ['<snapshot>', 'textio.snapshot'], ['errors', 'textio.errors'], ['<raw>', 'textio.raw'], ['__dict__', 'textio.dict'],
  ]],
  ['_io.BufferedReader', BUFFERED],
  ['_io.BufferedWriter', BUFFERED],
  ['_io.BufferedRandom', BUFFERED],
  ['_io.FileIO', [['__dict__', 'fileio.dict']]],
  ['itertools.count', [['<count>', 'count.long_cnt'], ['<step>', 'count.long_step']]],
  ['itertools.chain', [['<source>', 'chain.source'], ['<active>', 'chain.active']]],
  ['itertools.cycle', [['<it>', 'cycle.it'], ['<saved>', 'cycle.saved']]],
  ['itertools.islice', [['<it>', 'islice.it']]],
  ['itertools.groupby', [['<it>', 'groupby.it'], ['<keyfunc>', 'groupby.keyfunc'], ['<tgtkey>', 'groupby.tgtkey'], ['<currkey>', 'groupby.currkey'], ['<currvalue>', 'groupby.currvalue']]],
  ['itertools._tee', [['<dataobj>', 'tee.dataobj']]],
  ['itertools._tee_dataobject', [['<it>', 'teedata.it'], ['<values>', 'teedata.values'], ['<nextlink>', 'teedata.nextlink']]],
  // 2.7's bound method (3.x's instancemethod is another struct: see REQUIRED_FIELD) and generator,
  // which its decoder does not give a kind.
  ['builtins.instancemethod', [['__func__', 'method.func'], ['__self__', 'method.self'], ['im_class', 'method.class']]],
  ['builtins.generator', [['gi_frame', 'gen.frame'], ['gi_code', 'gen.code']]],
]);

/** Rules that hold only for the struct with this field (2.7's PyMethodObject has im_class; 3.x's instancemethod has one pointer). */
const REQUIRED_FIELD = new Map<string, FieldName>([['builtins.instancemethod', 'method.class']]);

function traverseRule(prof: TypeProfile, L: Layout): TraverseRule | undefined {
  if (prof.kind !== null && !prof.type.heap) return undefined;
  const name = `${prof.module}.${prof.qualname}`;
  const needs = REQUIRED_FIELD.get(name);
  return needs && L.offsets[needs] === undefined ? undefined : TRAVERSE_FIELDS.get(name);
}

/** Whether pycore knows what objects of this C type refer to (a rule for its tp_traverse). */
export function knowsReferences(prof: TypeProfile, L: Layout): boolean {
  return traverseRule(prof, L) !== undefined || C_TYPE_FIELDS.has(`${prof.module}.${prof.qualname}`);
}

const GENERATOR_FIELDS: [string, Parameters<typeof field>[1]][] = [
  ['gi_code', 'gen.code'], ['__name__', 'gen.name'], ['__qualname__', 'gen.qualname'],
  ['<exc_type>', 'gen.exc_type'], ['<exc_value>', 'gen.exc_value'], ['<exc_traceback>', 'gen.exc_traceback'],
];

/** What an embedded (3.11+) generator frame holds besides its locals. */
const IFRAME_FIELDS: [string, Parameters<typeof field>[1]][] = [
  ['gi_frame', 'iframe.frame_obj'], ['f_locals', 'iframe.locals'], ['<function>', 'iframe.funcobj'], ['gi_code', 'iframe.code'],
];

const EXCEPTION_FIELDS: [string, Parameters<typeof field>[1]][] = [
  ['args', 'exc.args'], ['__cause__', 'exc.cause'], ['__context__', 'exc.context'], ['__traceback__', 'exc.traceback'], ['__dict__', 'exc.dict'],
];

/** The text of a reference for paths and listings: [3], ['key'], .attr, <field>. */
export function referenceLabel(d: ObjectDecoder, via: Via, arg: number | string): string {
  switch (via) {
    case VIA.item:
      return `[${arg}]`;
    case VIA.value:
      return `[${keyText(d, arg as number)}]`;
    case VIA.key:
      return `<key ${arg}>`;
    case VIA.setItem:
      return '<item>';
    case VIA.local:
      return `<local ${arg}>`;
    case VIA.attr:
      return `.${arg}`;
    case VIA.attrKey:
      return `.${d.str(arg as number, 256)?.value ?? '?'}`;
    default:
      return `.${arg}`;
  }
}

function keyText(d: ObjectDecoder, key: number): string {
  const text = d.repr(key);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
