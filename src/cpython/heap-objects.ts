// What the heap walk needs to know about each type (once per type): its display name, whether
// its instances carry a GC header and a managed pre-header, how sys.getsizeof() sizes them and
// whether pycore can compute that exactly; and the per-object work done tens of millions of
// times: recognising an object at the start of a pymalloc block, and its size.
import type { FieldName } from '../cpython-layouts/fields.js';
import { field, size, type Layout } from '../cpython-layouts/layout.js';
import { pymallocLayout } from '../cpython-layouts/pymalloc-layout.js';
import { debugHooksOf } from './debug-allocator.js';
import { HeapMemory, i64w, u64w } from './heap-memory.js';
import type { ObjectDecoder } from './objects/decoder.js';
import { gcHeadSize, preHeaderSize, TPFLAGS, type BuiltinKind, type TypeInfo } from './objects/types.js';
import { isFailure, readUnicode } from './strings.js';

/** Offsets the per-object code reads, resolved once (field() lookups are too slow for tens of millions of calls). */
export interface HotOffsets {
  /** The object header: 0 and 8, or 16 and 24 in a Py_TRACE_REFS build (_ob_next, _ob_prev first); -1 for a free-threaded build's split count (objects/refcount.ts). */
  obRefcnt: number;
  /** 3.14+ (caps.obRefcnt 'uint32-with-flags'): the count is the low 32 bits; ob_overflow and ob_flags (immortal, static) fill the high ones. */
  refcntFlags: boolean;
  obType: number;
  varSize: number;
  longDigits: number;
  bytesSval: number;
  tupleItems: number;
  listItems: number;
  listAllocated: number;
  bytearrayAlloc: number;
  setUsed: number;
  setMask: number;
  setTable: number;
  setSmalltable: number;
  setEntry: number;
  dictUsed: number;
  dictKeys: number;
  dictValues: number;
  keysRefcnt: number;
  keysSize: number | null;
  keysLog2Size: number | null;
  keysUsable: number;
  keysNentries: number;
  keysIndices: number;
  keysObject: number;
  keyEntry: number;
  unicodeKeyEntry: number;
  /** 2.7 (dictKeys 'ma_table'): the dict's table size - 1, its table, and the table inside the object it starts with. */
  dictMask: number;
  dictTable: number;
  dictSmalltable: number;
}

export function hotOffsets(L: Layout): HotOffsets {
  // A field this version's dict lacks (3.x: ma_table; 2.7: ma_keys) is -1: each dict rule reads only its own.
  const opt = (name: FieldName) => L.offsets[name] ?? -1;
  return {
    obRefcnt: L.caps.refcount === 'ob_refcnt' ? field(L, 'object.refcnt') : -1,
    refcntFlags: L.caps.obRefcnt === 'uint32-with-flags',
    obType: field(L, 'object.type'),
    varSize: field(L, 'var.size'),
    longDigits: field(L, 'long.digits'),
    bytesSval: field(L, 'bytes.sval'),
    tupleItems: field(L, 'tuple.items'),
    listItems: field(L, 'list.items'),
    listAllocated: field(L, 'list.allocated'),
    bytearrayAlloc: field(L, 'bytearray.alloc'),
    setUsed: field(L, 'set.used'),
    setMask: field(L, 'set.mask'),
    setTable: field(L, 'set.table'),
    setSmalltable: field(L, 'set.smalltable'),
    setEntry: size(L, 'setentry'),
    dictUsed: field(L, 'dict.used'),
    dictKeys: opt('dict.keys'),
    dictValues: opt('dict.values'),
    keysRefcnt: opt('keys.refcnt'),
    keysSize: L.offsets['keys.size'] ?? null,
    keysLog2Size: L.offsets['keys.log2_size'] ?? null,
    keysUsable: opt('keys.usable'),
    keysNentries: opt('keys.nentries'),
    keysIndices: opt('keys.indices'),
    keysObject: L.sizes.PyDictKeysObject ?? -1,
    keyEntry: size(L, 'PyDictKeyEntry'),
    unicodeKeyEntry: L.sizes.PyDictUnicodeEntry ?? 0,
    dictMask: opt('dict.mask'),
    dictTable: opt('dict.table'),
    dictSmalltable: opt('dict.smalltable'),
  };
}

/** How sys.getsizeof() sizes an object of the type. */
/** Built-in containers whose length is one word: items of a list/tuple, used entries of a dict/set. */
export const CONTAINER_KINDS: ReadonlySet<string> = new Set(['list', 'tuple', 'dict', 'set', 'frozenset']);

/** Where a container's length lives (ob_size, ma_used, a set's used count), or null for other kinds. */
export function containerLengthOffset(L: Layout, kind: string | null): number | null {
  if (kind === null || !CONTAINER_KINDS.has(kind)) return null;
  return kind === 'dict' ? field(L, 'dict.used') : kind === 'set' || kind === 'frozenset' ? field(L, 'set.used') : field(L, 'var.size');
}

/** 'table-dict': 2.7's dict (its table, once it outgrew ma_smalltable); 'unicode27': 2.7's unicode with its separate buffer. */
export type SizeRule = 'int' | 'str' | 'bytes' | 'list' | 'dict' | 'table-dict' | 'set' | 'bytearray' | 'type' | 'unicode27' | 'basic';

export interface TypeProfile {
  /** 0, 1, 2, ... in the order types were first met: an index for per-type arrays. */
  id: number;
  type: TypeInfo;
  module: string;
  qualname: string;
  /** Built-in behaviour: the type's own kind or that of the built-in it derives from. */
  kind: BuiltinKind | 'exception' | null;
  /** Instances carry a PyGC_Head. */
  gc: boolean;
  /** Bytes of the allocation before the object: GC header and managed dict/weakref words. */
  pre: number;
  /** What sys.getsizeof() adds to __sizeof__(). */
  sizeofHeader: number;
  rule: SizeRule;
  /** The size follows CPython's own __sizeof__ exactly; otherwise it is basicsize + items (an estimate). */
  exact: boolean;
  /** The type or a heap base defines __del__ (a finalizer). */
  finalizer: boolean;
  /** Instances can refer to other objects (not an int, str, bytes, float, ... of a built-in type). */
  mayRefer: boolean;
}

const LEAF_KINDS = new Set<string | null>(['int', 'bool', 'float', 'complex', 'str', 'bytes', 'bytearray', 'range', 'NoneType', 'ellipsis', 'NotImplementedType']);

/** Static types whose instances use object.__sizeof__ (basicsize + itemsize * ob_size), by tp_name. */
const OBJECT_SIZEOF = new Set([
  'object', 'float', 'complex', 'bool', 'NoneType', 'NotImplementedType', 'ellipsis', 'range', 'slice', 'tuple',
  'function', 'builtin_function_or_method', 'method', 'cell', 'module', 'staticmethod', 'classmethod', 'property',
  'wrapper_descriptor', 'method_descriptor', 'classmethod_descriptor', 'getset_descriptor', 'member_descriptor',
  'method-wrapper', 'mappingproxy', 'weakref', 'weakref.ReferenceType', 'weakproxy', 'weakcallableproxy', 'weakref.ProxyType',
  'weakref.CallableProxyType', 'super', 'enumerate', 'zip', 'map', 'filter', 'reversed', 'list_iterator', 'tuple_iterator',
  'dict_keyiterator', 'dict_valueiterator', 'dict_itemiterator', 'set_iterator', 'str_ascii_iterator', 'str_iterator',
  'range_iterator', 'longrange_iterator', 'callable_iterator', 'iterator', 'dict_keys', 'dict_values', 'dict_items',
  'instancemethod', 'functools.partial', 'functools._lru_cache_wrapper', 'operator.itemgetter', 'operator.attrgetter',
  'operator.methodcaller', 'itertools.count', 'itertools.chain', 'itertools.repeat', '_abc._abc_data', '_thread.lock',
  '_thread.RLock', '_thread._localdummy', '_thread._local', 'BaseException', 'traceback', 'EncodingMap', 'types.GenericAlias',
  'types.UnionType', 'typing.TypeVar', 'classmethod_descriptor', 'moduledef', 'PyCapsule', 'managedbuffer', 'memoryview',
  'code', 'frame', 'generator', 'coroutine', 'async_generator',
  // 2.7: old-style classes and instances, a type's dict proxy, xrange.
  'classobj', 'instance', 'dictproxy', 'xrange',
]);
/** Of those, the ones whose __sizeof__ is their own (so object.__sizeof__ does not apply): excluded again. */
const OWN_SIZEOF = new Set(['code', 'frame', 'generator', 'coroutine', 'async_generator', 'memoryview']);

/** High 32 bits of the largest reference count believed in a pymalloc block (2^40). */
const BLOCK_REFCOUNT_HI = 2 ** 8;
/** 3.14+: the largest ob_flags believed (a few bits: immortal, statically allocated, ...). */
const BLOCK_OB_FLAGS_MAX = 0xff;
const MAX_VAR_BYTES = 2 ** 36;
/** Kinds with an item size whose ob_size is not an item count (3.11+ frames and generators embed a frame). */
const NOT_COUNTED = new Set<string | null>(['frame', 'generator', 'coroutine', 'async_generator']);
/** Negative answers kept for candidate type pointers before the cache is cleared. */
const NEGATIVE_CACHE = 1 << 20;

/** Why a candidate that looked like an object at first sight is not counted as one. */
export type RejectReason = 'not-type' | 'dead' | 'refcount' | 'exceeds-block' | 'size' | 'unreadable';

export const REJECT_REASONS: Record<RejectReason, string> = {
  'not-type': 'type pointer is not a type',
  dead: 'refcount 0 (freed, on a free list, or being deallocated)',
  refcount: 'refcount implausible',
  'exceeds-block': 'object exceeds its pymalloc block or malloc chunk',
  size: "size implausible (under a header, or over the core's memory)",
  unreadable: 'header not in the core',
};

/** A debug-allocator block starts with the big-endian size, the API id ('o', 'm', 'r') and seven FORBIDDENBYTEs (the build's: 0xfd, 0xfb before 3.7.4). */
const DEBUG_HEADER = 16;
const DEBUG_APIS = new Set([0x6f, 0x6d, 0x72]);

export class HeapTypes {
  private readonly profiles = new Map<number, TypeProfile>();
  /** Every profile by id (types, then 2.7's old-style classes as they are met). */
  private readonly byId: TypeProfile[] = [];
  /** 2.7: a profile per old-style class (by the class object's address), for the instances of `instance`. */
  private readonly classes = new Map<number, TypeProfile>();
  private readonly rejected = new Set<number>();
  /** Rejected pointers to what looked like a type (its own type is a metatype) but failed the deeper checks. */
  private readonly implausible = new Set<number>();
  /** Called with each type profiled for the first time (a split walk places types in the order one thread would meet them). */
  onNew: ((p: TypeProfile) => void) | null = null;
  /** Tells whether an address is inside a pymalloc arena (set by the heap walk once the arenas are known). */
  inArena: ((address: number) => boolean) | null = null;
  /** A type object never sits in a pymalloc block: a heap type (PyHeapTypeObject) is bigger than the largest block. */
  private readonly typesOutsideArenas: boolean;
  private readonly metatypes = new Set<number>();
  readonly L: Layout;
  readonly off: HotOffsets;
  readonly gcHead: number;
  private readonly sizeofAddsPre: boolean;
  private readonly typeType: number | null;

  /** str layout (PEP 393 str; null for 2.7, whose str is bytes): field offsets and the bit positions of kind/compact/ascii in the 32-bit state word. */
  private readonly str: {
    length: number; state: number; kindShift: number; compactShift: number; asciiShift: number; asciiSize: number; compactSize: number;
    data: number | null; wstr: number | null; wstrLength: number | null; utf8: number; utf8Length: number; legacySize: number;
  } | null;
  /** 2.7: where an old-style instance points at its class (in_class); -1 in 3.x. */
  private readonly instanceClass: number;
  /** 2.7's unicode: where its length is, and bytes per Py_UNICODE of its separate buffer. */
  private readonly unicode27: { length: number; unit: number } | null;
  private lastTypePointer = -1;
  private lastProfile: TypeProfile | null = null;
  /** Four of the build's FORBIDDENBYTEs as a 32-bit word. */
  private readonly padWord: number;

  constructor(
    readonly decoder: ObjectDecoder,
    readonly mem: HeapMemory,
  ) {
    this.L = decoder.L;
    const L = this.L;
    this.off = hotOffsets(L);
    this.padWord = debugHooksOf(L.caps).fill.forbidden * 0x01010101;
    const stateOff = L.offsets['unicode.state'] ?? 0;
    const shift = (name: 'unicode.kind' | 'unicode.compact' | 'unicode.ascii', fallback: number) => {
      const bf = L.bitfields[name];
      return bf ? (bf.byteOffset - stateOff) * 8 + bf.bitOffset : fallback;
    };
    this.str = L.caps.str === 'bytes' ? null : {
      length: field(L, 'unicode.length'),
      state: stateOff,
      kindShift: shift('unicode.kind', 2),
      compactShift: shift('unicode.compact', 5),
      asciiShift: shift('unicode.ascii', 6),
      asciiSize: size(L, 'PyASCIIObject'),
      compactSize: size(L, 'PyCompactUnicodeObject'),
      data: L.offsets['unicode.data'] ?? null,
      wstr: L.offsets['unicode.wstr'] ?? null,
      wstrLength: L.offsets['unicode.wstr_length'] ?? null,
      utf8: field(L, 'unicode.utf8'),
      utf8Length: field(L, 'unicode.utf8_length'),
      legacySize: (L.offsets['unicode.data'] ?? size(L, 'PyCompactUnicodeObject')) + 8,
    };
    this.instanceClass = L.offsets['instance.class'] ?? -1;
    const u27 = L.offsets['unicode.length27'];
    this.unicode27 = u27 === undefined ? null : { length: u27, unit: decoder.unicodeUnit };
    this.gcHead = gcHeadSize(this.L);
    const P = pymallocLayout(this.L.version);
    this.sizeofAddsPre = P?.getsizeofHeader === 'pre-header';
    this.typesOutsideArenas = P !== null && size(L, 'PyHeapTypeObject') > P.threshold;
    this.typeType = decoder.types.typeType;
    if (this.typeType !== null) this.metatypes.add(this.typeType);
  }

  /** The profile of the type at `address` if it is a type object, else null. Cheap for repeated and for garbage pointers. */
  profile(address: number): TypeProfile | null {
    if (address === this.lastTypePointer) return this.lastProfile;
    const p = this.profiles.get(address);
    if (p) {
      this.lastTypePointer = address;
      this.lastProfile = p;
      return p;
    }
    if (address === 0 || address % 8 !== 0 || this.rejected.has(address) || this.implausible.has(address)) return null;
    const meta = this.mem.u64(address + this.off.obType);
    let ok = meta !== null && this.metatypes.has(meta);
    if (!ok && meta !== null && meta % 8 === 0 && this.typeType !== null && this.mem.u64(meta + this.off.obType) === this.typeType) {
      // A metaclass (ABCMeta, EnumMeta, ...): its own type is `type`.
      const mt = this.decoder.types.get(meta);
      if (typeof mt !== 'string') {
        this.metatypes.add(meta);
        ok = true;
      }
    }
    const t = ok && !(this.typesOutsideArenas && this.inArena?.(address)) ? this.decoder.types.get(address) : null;
    if (!t || typeof t === 'string') {
      const set = ok ? this.implausible : this.rejected;
      if (set.size >= NEGATIVE_CACHE) set.clear();
      set.add(address);
      return null;
    }
    const prof = this.build(t, this.byId.length);
    this.profiles.set(address, prof);
    this.byId.push(prof);
    this.onNew?.(prof);
    return prof;
  }

  /** The reference count of the object whose header starts at word `at` (objectInBlock accepted it). */
  refcountAt(w: Uint32Array, at: number): number {
    const k = at + (this.off.obRefcnt >>> 2);
    return this.off.refcntFlags ? w[k] : i64w(w, k);
  }

  /** Whether this build has old-style instances (2.7), whose profiles are keyed by class, not type. */
  get classicInstances(): boolean {
    return this.instanceClass >= 0;
  }

  /**
   * The profile of a 2.7 old-style instance (type `instance`): one per class, named after the
   * class (`__main__.Old`, as the census counts instances by class), with the class object's
   * address as its type address. The instance's own profile when its class is no classobj.
   */
  ofInstance(address: number, prof: TypeProfile): TypeProfile {
    const cls = this.mem.u64(address + this.instanceClass);
    if (!cls) return prof;
    const known = this.classes.get(cls);
    if (known) return known;
    const clsType = this.mem.u64(cls + this.off.obType);
    if (clsType === null || this.profile(clsType)?.kind !== 'classobj') return prof;
    const names = this.decoder.classNames(cls);
    const p: TypeProfile = { ...prof, id: this.byId.length, type: { ...prof.type, address: cls, name: names.name, qualname: names.name }, module: names.module, qualname: names.name };
    this.classes.set(cls, p);
    this.byId.push(p);
    return p;
  }

  /** After profile() refused `address`: whether it looked like a type (its own type is a metatype) and failed only the deeper checks. */
  typeLike(address: number): boolean {
    return this.implausible.has(address);
  }

  /** The profile of an already known type at `address` (no reads). */
  known(address: number): TypeProfile | undefined {
    return this.profiles.get(address);
  }

  /** Every profile, indexed by id. */
  all(): TypeProfile[] {
    return [...this.byId];
  }

  private build(t: TypeInfo, id: number): TypeProfile {
    const d = this.decoder;
    const names = d.typeNames(t);
    let kind = d.kind(t);
    const chain = t.heap ? d.heapChain(t) : [];
    if (t.heap && kind === null) kind = d.builtinBase(t)?.kind ?? (t.flags & TPFLAGS.BASE_EXC_SUBCLASS ? 'exception' : null);
    const defines = (name: string) => chain.some((x) => x.heap && x.dict !== 0 && d.lookup(x.dict, name) !== null);
    const gc = (t.flags & TPFLAGS.HAVE_GC) !== 0;
    const pre = preHeaderSize(this.L, t);
    let rule: SizeRule = 'basic';
    let exact = false;
    switch (kind) {
      case 'int':
      case 'bool':
        // 2.7's int is one C long: its size is tp_basicsize.
        rule = this.L.caps.int === 'c-long' ? 'basic' : 'int';
        exact = true;
        break;
      case 'long':
        rule = 'int';
        exact = true;
        break;
      case 'str':
        // 2.7's str is PyStringObject: sized like 3.x's bytes.
        rule = this.L.caps.str === 'bytes' ? 'bytes' : 'str';
        exact = !t.heap;
        break;
      case 'unicode':
        rule = 'unicode27';
        exact = !t.heap;
        break;
      case 'bytes':
        rule = 'bytes';
        exact = !t.heap;
        break;
      case 'type':
        rule = 'type';
        exact = true;
        break;
      case 'bytearray':
      case 'list':
      case 'set':
      case 'frozenset':
        rule = kind === 'frozenset' ? 'set' : kind;
        exact = true;
        break;
      case 'dict':
        rule = this.L.caps.dictKeys === 'ma_table' ? 'table-dict' : 'dict';
        exact = true;
        break;
      default: {
        const base = t.heap ? d.builtinBase(t) : t;
        const baseName = base ? base.name : 'object';
        exact = OBJECT_SIZEOF.has(baseName) && !OWN_SIZEOF.has(baseName);
      }
    }
    if (t.heap && defines('__sizeof__')) exact = false;
    return {
      id,
      type: t,
      module: names.module,
      qualname: names.qualname,
      kind,
      gc,
      pre,
      sizeofHeader: this.sizeofAddsPre ? pre : gc ? this.gcHead : 0,
      rule,
      exact,
      finalizer: t.heap && defines('__del__'),
      mayRefer: t.heap || !LEAF_KINDS.has(kind),
    };
  }

  /** Bytes between the block's start and the object found by the last successful objectInBlock(). */
  foundPre = 0;

  /**
   * The type of the object at the start of a used pymalloc block, or null. The block is the
   * 64-bit words from 32-bit index `k` of `w`, `blockSize` bytes long. It holds an object when,
   * after the pre-header its type implies, there is a sane reference count and a pointer to a
   * type object, and the object fits in the block. Sets `foundPre`.
   */
  objectInBlock(w: Uint32Array, k: number, blockSize: number): TypeProfile | null {
    // The debug allocator (debug builds, PYTHONMALLOC=debug) puts 16 bytes before what it hands out.
    const base = (w[k + 2] >>> 8 === this.padWord >>> 8 && w[k + 3] === this.padWord && DEBUG_APIS.has(w[k + 2] & 0xff)) ? DEBUG_HEADER : 0;
    const { obRefcnt, obType, varSize } = this.off;
    const rc = obRefcnt >>> 2;
    let why: RejectReason | null = null;
    for (let pre = 0; base + pre + obType + 8 <= blockSize && pre <= 32; pre += 16) {
      const at = k + ((base + pre) >>> 2);
      // The high word is the count's (up to 2^40), or 3.14+'s ob_overflow (0) and ob_flags (a few bits).
      const hi = w[at + rc + 1] | 0;
      const countHi = this.off.refcntFlags ? ((hi & 0xffff) === 0 && hi >>> 16 <= BLOCK_OB_FLAGS_MAX ? 0 : -1) : hi;
      if (countHi < 0 || countHi > BLOCK_REFCOUNT_HI || (countHi === 0 && w[at + rc] === 0)) {
        // A real type behind refcount 0: an object freed (kept on a free list) or being deallocated.
        // (A word too big to be a refcount is mostly a pointer, a GC header's: not a candidate.)
        if (why === null && countHi === 0 && this.profile(u64w(w, at + (obType >>> 2)))?.pre === pre) why = 'dead';
        continue;
      }
      const tp = u64w(w, at + (obType >>> 2));
      const prof = this.profile(tp);
      if (!prof) {
        if (why === null && this.implausible.has(tp)) why = 'not-type';
        continue;
      }
      if (prof.pre !== pre) continue;
      const t = prof.type;
      let need = base + pre + t.basicsize;
      // A compact str is smaller than str's tp_basicsize (the legacy PyUnicodeObject): its header and characters.
      if (prof.rule === 'str' && !t.heap) need = base + pre + this.strInline(w, at, blockSize - base - pre);
      else if (t.itemsize > 0 && need - t.basicsize + varSize + 8 <= blockSize && prof.rule !== 'int' && !NOT_COUNTED.has(prof.kind)) need += Math.abs(i64w(w, at + (varSize >>> 2))) * t.itemsize;
      if (need > blockSize) {
        why ??= 'exceeds-block';
        continue;
      }
      this.foundPre = base + pre;
      return prof;
    }
    this.blockRejected = why;
    return null;
  }

  /** Why the last objectInBlock() that found nothing refused a candidate object, or null when the block held none. */
  blockRejected: RejectReason | null = null;

  /**
   * Bytes of the object at `address` that must lie in its own allocation: the pre-header, the
   * fixed part and (for types whose ob_size counts items stored inline) the items. Null when unreadable.
   */
  inlineSize(address: number, prof: TypeProfile): number | null {
    const t = prof.type;
    if (prof.rule === 'str' && !t.heap) return prof.pre + this.strInline(null, 0, 0, address);
    if (t.itemsize === 0 || prof.rule === 'int' || NOT_COUNTED.has(prof.kind)) return prof.pre + t.basicsize;
    const n = this.mem.i64(address + this.off.varSize);
    return n === null ? null : prof.pre + t.basicsize + Math.abs(n) * t.itemsize;
  }

  /**
   * sys.getsizeof() of the object at `address`, reading its header from the words `w` from
   * index `k` on (`avail` bytes of it) when given, else from memory; null when part of what it
   * needs is unreadable.
   */
  sizeof(address: number, prof: TypeProfile, w: Uint32Array | null, k: number, avail: number): number | null {
    const { L } = this;
    const O = this.off;
    const t = prof.type;
    let own: number | null;
    switch (prof.rule) {
      case 'int': {
        const n = this.word(address, O.varSize, w, k, avail);
        if (n === null) return null;
        if (L.caps.intLayout === 'lv_tag') own = t.basicsize + t.itemsize * Math.max(Math.floor(n / 8), 1);
        else own = O.longDigits + 4 * Math.abs(n);
        break;
      }
      case 'str':
        own = this.strSize(address, w, k, avail);
        break;
      case 'bytes': {
        const n = this.word(address, O.varSize, w, k, avail);
        own = n === null ? null : O.bytesSval + 1 + n;
        break;
      }
      case 'list': {
        const alloc = this.word(address, O.listAllocated, w, k, avail);
        own = alloc === null ? null : t.basicsize + 8 * alloc;
        break;
      }
      case 'bytearray': {
        const alloc = this.word(address, O.bytearrayAlloc, w, k, avail);
        own = alloc === null ? null : t.basicsize + alloc;
        break;
      }
      case 'set': {
        const mask = this.word(address, O.setMask, w, k, avail);
        const table = this.word(address, O.setTable, w, k, avail);
        own = mask === null || table === null ? null : t.basicsize + (table !== address + O.setSmalltable ? (mask + 1) * O.setEntry : 0);
        break;
      }
      case 'type': {
        // A metaclass instance is a type too: its size is type.__sizeof__'s.
        const tv = this.decoder.types.get(address);
        if (typeof tv === 'string') return null;
        // 2.7: object.__sizeof__ (the metatype's tp_basicsize); only heap types are GC objects.
        if (L.caps.typeSizeof === 'metatype-basicsize') return t.basicsize + (tv.heap ? this.gcHead : 0);
        own = this.typeSize(address, tv.heap);
        break;
      }
      case 'dict':
        own = this.dictSize(t.basicsize, this.word(address, O.dictKeys, w, k, avail), this.word(address, O.dictValues, w, k, avail));
        break;
      case 'table-dict': {
        // dict.__sizeof__ of 2.7: the object, plus its table of PyDictEntry once it outgrew ma_smalltable.
        const mask = this.word(address, O.dictMask, w, k, avail);
        const table = this.word(address, O.dictTable, w, k, avail);
        own = mask === null || table === null || mask < 0 || mask > 2 ** 40 ? null : t.basicsize + (table !== address + O.dictSmalltable ? (mask + 1) * O.keyEntry : 0);
        break;
      }
      case 'unicode27': {
        // unicode.__sizeof__ of 2.7: the object and its separate buffer of length + 1 Py_UNICODE units.
        const U = this.unicode27!;
        const len = this.word(address, U.length, w, k, avail);
        own = len === null || len < 0 || len > 2 ** 40 ? null : t.basicsize + U.unit * (len + 1);
        break;
      }
      default: {
        own = t.basicsize;
        if (t.itemsize > 0) {
          const n = this.word(address, O.varSize, w, k, avail);
          if (n === null) return null;
          // Some types with an item size do not keep a count at ob_size (3.11+ frames): only an estimate then.
          if (prof.exact || Math.abs(n) * t.itemsize < MAX_VAR_BYTES) own += Math.abs(n) * t.itemsize;
        }
      }
    }
    return own === null ? null : own + prof.sizeofHeader;
  }

  /** The signed word at byte offset `off` of the object: from `w` when it holds it, else from memory. */
  private word(address: number, off: number, w: Uint32Array | null, k: number, avail: number): number | null {
    return w && off + 8 <= avail ? i64w(w, k + (off >>> 2)) : this.mem.i64(address + off);
  }

  /** dict.__sizeof__: the object, a split table's values and, unless the keys are shared, the keys table. */
  private dictSize(basicsize: number, keys: number | null, values: number | null): number | null {
    const { mem, L } = this;
    if (keys === null || values === null || keys === 0) return null;
    const refcnt = mem.i64(keys + this.off.keysRefcnt);
    const k = this.keysSize(keys);
    if (refcnt === null || k === null) return null;
    let res = basicsize;
    if (values) {
      if (L.caps.dictKeys === 'dk_size') res += k.usable * 8;
      else {
        const nentries = mem.i64(keys + this.off.keysNentries);
        const usableLeft = mem.i64(keys + this.off.keysUsable);
        if (nentries === null || usableLeft === null) return null;
        res += (nentries + usableLeft) * 8;
      }
    }
    return refcnt === 1 ? res + k.bytes : res;
  }

  /** _PyDict_KeysSize(): the keys object with its index and entry arrays; `usable` is USABLE_FRACTION(size). */
  private keysSize(keys: number): { bytes: number; usable: number } | null {
    const { mem, L } = this;
    if (L.caps.dictKeys === 'dk_size') {
      const n = mem.i64(keys + this.off.keysSize!);
      if (n === null || n <= 0 || n > 2 ** 40) return null;
      const usable = Math.floor((n * 2) / 3);
      const width = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffff ? 4 : 8;
      return { bytes: this.off.keysObject + width * n + this.off.keyEntry * usable, usable };
    }
    const head = mem.u32(keys + this.off.keysLog2Size!);
    if (head === null) return null;
    const [log2Size, log2IndexBytes, kind] = [head & 0xff, (head >>> 8) & 0xff, (head >>> 16) & 0xff];
    if (log2Size > 40 || log2IndexBytes > 43) return null;
    const usable = Math.floor((2 ** log2Size * 2) / 3);
    const entry = kind === 0 ? this.off.keyEntry : this.off.unicodeKeyEntry;
    return { bytes: this.off.keysObject + 2 ** log2IndexBytes + usable * entry, usable };
  }

  /** type.__sizeof__: a heap type's PyHeapTypeObject plus its cached shared keys. */
  private typeSize(address: number, heap: boolean): number | null {
    const { mem, L } = this;
    if (!heap) return size(L, 'PyTypeObject');
    const cached = mem.u64(address + field(L, 'heaptype.cached_keys'));
    if (cached === null) return null;
    const k = cached ? this.keysSize(cached) : { bytes: 0 };
    return k === null ? null : size(L, 'PyHeapTypeObject') + k.bytes;
  }

  /** Bytes a str object holds in its own allocation: the compact header and characters, or the legacy object alone. */
  private strInline(w: Uint32Array | null, k: number, avail: number, address = 0): number {
    const S = this.str!;
    const length = this.word(address, S.length, w, k, avail) ?? 0;
    const state = w && S.state + 4 <= avail ? w[k + (S.state >>> 2)] : (this.mem.u32(address + S.state) ?? 0);
    if (!((state >>> S.compactShift) & 1)) return S.legacySize;
    if ((state >>> S.asciiShift) & 1) return S.asciiSize + Math.abs(length) + 1;
    return S.compactSize + (Math.abs(length) + 1) * ((state >>> S.kindShift) & 7);
  }

  /** str.__sizeof__: header and characters, plus a separately allocated UTF-8 copy and (<= 3.11) wchar_t copy. */
  private strSize(address: number, w: Uint32Array | null, k: number, avail: number): number | null {
    const S = this.str!;
    const length = this.word(address, S.length, w, k, avail);
    const state = w && S.state + 4 <= avail ? w[k + (S.state >>> 2)] : this.mem.u32(address + S.state);
    if (length === null || state === null) return null;
    const kind = (state >>> S.kindShift) & 7;
    const compact = (state >>> S.compactShift) & 1;
    const ascii = (state >>> S.asciiShift) & 1;
    let res: number;
    let data: number | null;
    if (compact && ascii) {
      res = S.asciiSize + length + 1;
      data = address + S.asciiSize;
    } else if (compact) {
      res = S.compactSize + (length + 1) * kind;
      data = address + S.compactSize;
    } else {
      if (S.data === null) return null;
      data = this.word(address, S.data, w, k, avail);
      res = S.data + 8 + (data ? (length + 1) * kind : 0);
    }
    if (S.wstr !== null) {
      const wstr = this.word(address, S.wstr, w, k, avail);
      if (wstr && wstr !== data) {
        const wlen = compact && ascii ? length : this.word(address, S.wstrLength!, w, k, avail);
        if (wlen === null) return null;
        res += (wlen + 1) * 4;
      }
    }
    if (!(compact && ascii)) {
      const utf8 = this.word(address, S.utf8, w, k, avail);
      if (utf8 && utf8 !== data) {
        const ulen = this.word(address, S.utf8Length, w, k, avail);
        if (ulen === null) return null;
        res += ulen + 1;
      }
    }
    return res;
  }
}
