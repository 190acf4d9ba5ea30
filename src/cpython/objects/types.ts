// Type objects: names, flags and sizes, cached per address; the built-in types are recognised
// by the addresses of their symbols in the interpreter module.
import { readRefcount } from './refcount.js';
import { field, size, type Layout } from '../../cpython-layouts/layout.js';
import type { Reader } from '../reader.js';
import { isFailure, readUnicode } from '../strings.js';

export type BuiltinKind =
  | 'int' | 'bool' | 'float' | 'complex' | 'str' | 'bytes' | 'bytearray' | 'tuple' | 'list' | 'dict' | 'set' | 'frozenset'
  | 'range' | 'slice' | 'function' | 'method' | 'builtin_function' | 'code' | 'frame' | 'cell' | 'module' | 'type' | 'object'
  | 'generator' | 'coroutine' | 'async_generator' | 'NoneType' | 'NotImplementedType' | 'ellipsis'
  // 2.7: long (repr ends in L), unicode (u'...'), old-style classes and their instances.
  | 'long' | 'unicode' | 'classobj' | 'instance';

/** Symbol of each built-in type object. */
export const builtinTypeSymbols: Record<string, BuiltinKind> = {
  PyLong_Type: 'int', PyBool_Type: 'bool', PyFloat_Type: 'float', PyComplex_Type: 'complex', PyUnicode_Type: 'str',
  PyBytes_Type: 'bytes', PyByteArray_Type: 'bytearray', PyTuple_Type: 'tuple', PyList_Type: 'list', PyDict_Type: 'dict',
  PySet_Type: 'set', PyFrozenSet_Type: 'frozenset', PyRange_Type: 'range', PySlice_Type: 'slice', PyFunction_Type: 'function',
  PyMethod_Type: 'method', PyCFunction_Type: 'builtin_function', PyCMethod_Type: 'builtin_function', PyCode_Type: 'code',
  PyFrame_Type: 'frame', PyCell_Type: 'cell', PyModule_Type: 'module', PyType_Type: 'type', PyBaseObject_Type: 'object',
  PyGen_Type: 'generator', PyCoro_Type: 'coroutine', PyAsyncGen_Type: 'async_generator', _PyNone_Type: 'NoneType',
  _PyNotImplemented_Type: 'NotImplementedType', PyEllipsis_Type: 'ellipsis',
};

/** 2.7's names for its built-in types, where they differ from 3.x's (its str is PyString_Type). */
export const builtinTypeSymbols27: Record<string, BuiltinKind> = {
  // Not xrange (start, step, len), generators (no gi_qualname) or bound methods (im_class): 2.7
  // shapes their 3.x decoders do not read; they show as `<xrange object at 0x...>`.
  ...Object.fromEntries(Object.entries(builtinTypeSymbols).filter(([s]) => !['PyRange_Type', 'PyGen_Type', 'PyCoro_Type', 'PyAsyncGen_Type', 'PyMethod_Type'].includes(s))),
  PyInt_Type: 'int', PyLong_Type: 'long', PyString_Type: 'str', PyUnicode_Type: 'unicode', PyClass_Type: 'classobj', PyInstance_Type: 'instance',
};

export const TPFLAGS = {
  HEAPTYPE: 1 << 9,
  READY: 1 << 12,
  HAVE_GC: 1 << 14,
  LONG_SUBCLASS: 1 << 24,
  LIST_SUBCLASS: 1 << 25,
  TUPLE_SUBCLASS: 1 << 26,
  BYTES_SUBCLASS: 1 << 27,
  UNICODE_SUBCLASS: 1 << 28,
  DICT_SUBCLASS: 1 << 29,
  BASE_EXC_SUBCLASS: 1 << 30,
  TYPE_SUBCLASS: 2 ** 31,
} as const;

export interface TypeInfo {
  address: number;
  /** tp_name: "int", "collections.OrderedDict", or a heap type's bare name. */
  name: string;
  flags: number;
  basicsize: number;
  itemsize: number;
  dictoffset: number;
  members: number;
  base: number;
  dict: number;
  heap: boolean;
  qualname: string | null;
  kind: BuiltinKind | null;
}

export class TypeCache {
  private readonly cache = new Map<number, TypeInfo | string>();
  readonly typeType: number | null;

  constructor(
    private readonly r: Reader,
    private readonly L: Layout,
    private readonly kindsByAddress: Map<number, BuiltinKind>,
  ) {
    this.typeType = [...kindsByAddress].find(([, k]) => k === 'type')?.[0] ?? null;
  }

  /** The type at `address`, or why it is not one. */
  get(address: number): TypeInfo | string {
    let t = this.cache.get(address);
    if (t === undefined) {
      t = this.read(address);
      this.cache.set(address, t);
    }
    return t;
  }

  private isTypeObject(address: number): boolean {
    // A type's own type is `type` or a metaclass whose type is `type`.
    const meta = this.r.ptr(address + field(this.L, 'object.type'));
    if (meta === null || meta === 0) return false;
    if (this.typeType === null) return true;
    if (meta === this.typeType) return true;
    const metaMeta = this.r.ptr(meta + field(this.L, 'object.type'));
    return metaMeta === this.typeType;
  }

  private read(address: number): TypeInfo | string {
    const { r, L } = this;
    if (address % 8 !== 0) return `type pointer 0x${address.toString(16)} is misaligned`;
    if (!this.isTypeObject(address)) return `type pointer 0x${address.toString(16)} is not a type object`;
    const namePtr = r.ptr(address + field(L, 'type.name'));
    let name = namePtr ? r.cString(namePtr, 512) : null;
    const flags = r.u64(address + field(L, 'type.flags'));
    if (flags === null) return `type object at 0x${address.toString(16)} is unreadable`;
    const f = Number(flags & 0xffffffffn);
    // tp_name as read: latin1, one char per byte (the plausibility check decodes it as UTF-8).
    let rawName = name;
    if (name === null && f & TPFLAGS.HEAPTYPE) {
      // An extension's heap type (PyType_FromSpec) points tp_name into the module's read-only
      // data, which cores leave out; ht_name, a str on the heap, holds the same (last) name.
      const p = r.ptr(address + field(L, 'heaptype.name'));
      const v = p ? readUnicode(r, L, p, 512) : null;
      if (v && !isFailure(v)) {
        name = v.value;
        rawName = Buffer.from(v.value, 'utf8').toString('latin1');
      }
    }
    if (name === null || rawName === null) return `type object at 0x${address.toString(16)} is unreadable`;
    const bad = implausibleType(L, rawName, f, readRefcount(r, L, address), r.ssize(address + field(L, 'type.basicsize')), r.ssize(address + field(L, 'type.itemsize')));
    if (bad) return `type object at 0x${address.toString(16)} is implausible: ${bad}`;
    const heap = (f & TPFLAGS.HEAPTYPE) !== 0;
    let qualname: string | null = null;
    if (heap && L.offsets['heaptype.qualname'] !== undefined) {
      const q = r.ptr(address + L.offsets['heaptype.qualname']);
      const s = q ? readUnicode(r, L, q, 1024) : null;
      qualname = s && !isFailure(s) ? s.value : null;
    }
    return {
      address,
      name,
      flags: f,
      basicsize: r.ssize(address + field(L, 'type.basicsize')) ?? 0,
      itemsize: r.ssize(address + field(L, 'type.itemsize')) ?? 0,
      dictoffset: r.ssize(address + field(L, 'type.dictoffset')) ?? 0,
      members: r.ptr(address + field(L, 'type.members')) ?? 0,
      base: r.ptr(address + field(L, 'type.base')) ?? 0,
      dict: r.ptr(address + field(L, 'type.dict')) ?? 0,
      heap,
      qualname,
      kind: this.kindsByAddress.get(address) ?? null,
    };
  }
}

/** The largest tp_basicsize / tp_itemsize believed (real ones are a few hundred bytes at most). */
const MAX_BASICSIZE = 2 ** 20;
const MAX_ITEMSIZE = 2 ** 16;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Why what looks like a type object (its own type is a metatype) cannot be one, or null: a live
 * type has a positive refcount, a printable UTF-8 tp_name, sizes that fit an object header and
 * (3.x) has been through PyType_Ready(). Freed types and stale pointers into other blocks fail here.
 * `name` is tp_name as read (latin1, one char per byte).
 */
export function implausibleType(L: Layout, name: string, flags: number, refcount: number | null, basicsize: number | null, itemsize: number | null): string | null {
  if (refcount === null || refcount <= 0) return `refcount ${refcount ?? 'unreadable'}`;
  if (!(flags & TPFLAGS.READY) && L.caps.typeReady === 'always') return 'not readied (no Py_TPFLAGS_READY)';
  if (basicsize === null || basicsize < field(L, 'object.type') + 8 || basicsize > MAX_BASICSIZE) return `tp_basicsize ${basicsize ?? 'unreadable'}`;
  if (itemsize === null || itemsize < 0 || itemsize > MAX_ITEMSIZE) return `tp_itemsize ${itemsize ?? 'unreadable'}`;
  if (!printableName(name)) return 'tp_name is not printable text';
  return null;
}

/** A type name as read from tp_name / ht_name (latin1 bytes): non-empty UTF-8 without control characters. */
export function printableName(name: string): boolean {
  if (name.length === 0 || name.length > 512) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return false;
  if (!/[\x80-\xff]/.test(name)) return true;
  try {
    return !/[\u0080-\u009f]/.test(utf8.decode(Buffer.from(name, 'latin1')));
  } catch {
    return false;
  }
}

/** Static types' states an interpreter keeps at most (CPython's _Py_MAX_STATIC_BUILTIN_TYPES is 200; some room to spare). */
const MAX_STATIC_TYPE_INDEX = 1024;

/**
 * The __dict__ an interpreter keeps for a static type whose tp_dict is NULL (3.12+: static
 * builtin types, _PyStaticType_GetState()). tp_subclasses holds 1 + the index of the type's state
 * in interp->types.builtins (3.13: .builtins.initialized, or .for_extensions.initialized for a
 * static type of an extension module); the state names its type, which must be this one. Null
 * when the build keeps no such states or the type has none in this interpreter.
 */
export function staticTypeDict(r: Reader, L: Layout, interp: number, type: number): number | null {
  const O = L.offsets;
  const size = L.sizes.static_type_state;
  if (O['type.subclasses'] === undefined || O['static_type.type'] === undefined || O['static_type.dict'] === undefined || !size) return null;
  const sub = r.ptr(type + O['type.subclasses']);
  if (sub === null || sub < 1 || sub > MAX_STATIC_TYPE_INDEX) return null;
  for (const arrayField of ['interp.static_types', 'interp.static_ext_types'] as const) {
    if (O[arrayField] === undefined) continue;
    const state = interp + O[arrayField]! + (sub - 1) * size;
    if (r.ptr(state + O['static_type.type']) !== type) continue;
    return r.ptr(state + O['static_type.dict']) || null;
  }
  return null;
}

/** Bytes an object's allocation holds before its header: the GC head, then (3.11+) the managed dict/weakref words its type's flags ask for. */
export function preHeaderSize(L: Layout, t: TypeInfo): number {
  return (t.flags & TPFLAGS.HAVE_GC ? gcHeadSize(L) : 0) + (t.flags & L.caps.preHeaderFlags ? 16 : 0);
}

/** sizeof(PyGC_Head) before each GC object; none in a free-threaded build (its GC finds objects in mimalloc's heaps). */
export function gcHeadSize(L: Layout): number {
  return L.caps.objectHeap === 'mimalloc' ? 0 : size(L, 'PyGC_Head');
}
