// CPython layouts from DWARF: which structs, member paths, bitfields and enums pycore records,
// and the flattening rules that turn a struct's members into "dotted.path" -> byte offset.
// The same code serves `npm run layouts` (the committed generated/*.ts tables) and run-time
// extraction from an interpreter's own debug info, so the two agree by construction.
import { fault, formatDwarfError, UNSUPPORTED_FEATURE, type Dwarf, type DwarfError, type TypeRef } from '../dwarf/dwarf.js';

export { formatDwarfError as formatExtractionError };
import type { Result } from '../io/result.js';
import type { BitFieldLayout, GeneratedLayout, StructLayout } from './generated/types.js';

/** Depth of member paths recorded for object structs ("ob_base.ob_base.ob_refcnt" is 3). */
const OBJECT_DEPTH = 3;

/** Member paths of one struct: every member up to a depth, or only the listed paths (giant state structs). */
export type StructSpec = { key: string; names: string[] } & ({ mode: 'all'; depth: number } | { mode: 'paths'; paths: string[] });

const all = (key: string, names: string[], depth = OBJECT_DEPTH): StructSpec => ({ key, names, mode: 'all', depth });

export const STRUCT_SPECS: StructSpec[] = [
  {
    key: '_PyRuntimeState',
    names: ['_PyRuntimeState', 'struct pyruntimestate'],
    mode: 'paths',
    paths: [
      'interpreters.head', 'interpreters.main', 'gilstate.tstate_current', 'gilstate.autoTSSkey', 'autoTSSkey',
      'ceval.gil', 'ceval.gil.last_holder', 'ceval.gil.locked', 'ceval.gil.switch_number',
      '_main_interpreter', 'finalizing', 'initialized', 'main_thread', 'gc', 'debug_offsets', 'obmalloc', 'tracemalloc',
      '_finalizing', '_finalizing_id', 'main_tstate',
    ],
  },
  {
    key: 'PyInterpreterState',
    names: ['PyInterpreterState', 'struct _is'],
    mode: 'paths',
    paths: [
      'next', 'tstate_head', 'threads.head', 'id', 'modules', 'sysdict', 'builtins', 'gc', 'ceval.gil', '_gil', '_gil.last_holder',
      '_gil.locked', 'obmalloc', 'runtime', 'finalizing', 'threads.main', 'imports.modules', 'cached_objects', 'types',
      '_finalizing', '_finalizing_id',
      // Py_TRACE_REFS (3.12): the head of the list of every live object.
      'object_state.refchain',
      // Static builtin types' per-interpreter state (3.12+: their __dict__ lives there).
      'types.builtins', 'types.builtins.initialized', 'types.for_extensions.initialized',
      // Free lists (3.10+; before that they are static variables of Objects/*.c).
      'dict_state.numfree', 'float_state.numfree', 'frame.numfree', 'list.numfree', 'tuple.numfree',
      'object_state.freelists.dicts.numfree', 'object_state.freelists.dictkeys.numfree', 'object_state.freelists.floats.numfree',
      'object_state.freelists.lists.numfree', 'object_state.freelists.tuples.numfree',
    ],
  },
  all('PyThreadState', ['PyThreadState', 'struct _ts']),
  all('_PyThreadStateImpl', ['_PyThreadStateImpl']),
  all('_PyCFrame', ['_PyCFrame', 'struct _PyCFrame']),
  all('CFrame', ['CFrame', 'struct _cframe']),
  all('PyFrameObject', ['PyFrameObject', 'struct _frame']),
  all('_PyInterpreterFrame', ['_PyInterpreterFrame', 'struct _PyInterpreterFrame']),
  all('_PyErr_StackItem', ['_PyErr_StackItem', 'struct _err_stackitem']),
  all('_PyStackChunk', ['_PyStackChunk', 'struct _PyStackChunk']),
  all('PyCodeObject', ['PyCodeObject', 'struct PyCodeObject']),
  all('PyObject', ['PyObject', 'struct _object']),
  all('PyVarObject', ['PyVarObject']),
  all('PyTypeObject', ['PyTypeObject', 'struct _typeobject']),
  all('PyHeapTypeObject', ['PyHeapTypeObject', 'struct _heaptypeobject'], 1),
  ...['PyASCIIObject', 'PyCompactUnicodeObject', 'PyUnicodeObject', 'PyByteArrayObject', 'PyTupleObject', 'PyListObject'].map((n) => all(n, [n])),
  // 2.7's str is PyStringObject, the struct 3.x renamed PyBytesObject.
  all('PyBytesObject', ['PyBytesObject', 'PyStringObject']),
  // 2.7 only: int (a C long), old-style classes and their instances.
  ...['PyIntObject', 'PyClassObject', 'PyInstanceObject'].map((n) => all(n, [n])),
  all('PyLongObject', ['PyLongObject', 'struct _longobject']),
  all('PyFloatObject', ['PyFloatObject']),
  all('PyComplexObject', ['PyComplexObject']),
  all('PyDictObject', ['PyDictObject']),
  all('PyDictKeysObject', ['PyDictKeysObject', 'struct _dictkeysobject']),
  all('PyDictKeyEntry', ['PyDictKeyEntry', 'PyDictEntry']),
  all('PyDictUnicodeEntry', ['PyDictUnicodeEntry']),
  all('PyDictValues', ['PyDictValues', 'struct _dictvalues']),
  all('PySetObject', ['PySetObject']),
  all('setentry', ['setentry']),
  all('PyFunctionObject', ['PyFunctionObject']),
  all('PyMethodObject', ['PyMethodObject']),
  all('PyCFunctionObject', ['PyCFunctionObject']),
  all('PyMethodDef', ['PyMethodDef', 'struct PyMethodDef']),
  all('PyMemberDef', ['PyMemberDef', 'struct PyMemberDef']),
  all('PyGetSetDef', ['PyGetSetDef', 'struct PyGetSetDef']),
  ...['PyModuleObject', 'PyCellObject', 'PyGenObject', 'PyCoroObject', 'PyBaseExceptionObject', 'PyGC_Head', 'PySliceObject', 'rangeobject'].map((n) => all(n, [n])),
  all('static_type_state', ['managed_static_type_state', 'static_builtin_state'], 1),
  // Objects of C types whose tp_traverse pycore follows (refs, referrers, path).
  ...['propertyobject', '_abc_data', 'textio', 'buffered', 'fileio', 'countobject', 'chainobject', 'cycleobject', 'isliceobject',
    'groupbyobject', 'teeobject', 'teedataobject'].map((n) => all(n, [n], 1)),
  all('_Py_DebugOffsets', ['_Py_DebugOffsets', 'struct _Py_DebugOffsets'], 8),
  ...['_gc_runtime_state', 'gc_generation', 'pool_header', 'arena_object', '_gil_runtime_state'].map((n) => all(n, [`struct ${n}`])),
];

/** Arrays whose element size is recorded as "<path>.__elem_size". */
export const ELEM_SIZE: Record<string, string[]> = {
  PyTupleObject: ['ob_item'],
  PyLongObject: ['ob_digit', 'long_value.ob_digit'],
  PyBytesObject: ['ob_sval'],
  PyDictKeysObject: ['dk_indices'],
  PyFrameObject: ['f_localsplus'],
  _PyInterpreterFrame: ['localsplus'],
  PyCodeObject: ['co_code_adaptive'],
  teedataobject: ['values'],
};

/** Enums by key (tag or typedef name), with the C names to try. */
export const ENUM_SPECS: [string, string[]][] = [
  ['_frameowner', ['enum _frameowner']],
  ['_framestate', ['enum _framestate', 'PyFrameState']],
  ['PyUnicode_Kind', ['enum PyUnicode_Kind']],
  ['DictKeysKind', ['DictKeysKind']],
  ['PyGILState_STATE', ['PyGILState_STATE']],
  ['_PyCodeLocationInfoKind', ['enum _PyCodeLocationInfoKind']],
  ['PyLockStatus', ['enum PyLockStatus']],
  ['_PyLockFlags', ['enum _PyLockFlags']],
];

export interface Extraction {
  structs: Record<string, StructLayout>;
  bitfields: Record<string, BitFieldLayout>;
  enums: Record<string, Record<string, number>>;
  /** What was asked for and is not in this build (kept for the generated files' header). */
  missing: { structs: string[]; paths: Record<string, string[]>; enums: string[] };
}

/** Limits nesting of embedded structs (valid C cannot nest a struct in itself; malformed DWARF can). */
const MAX_NESTING = 64;

function isAggregate(d: Dwarf, t: TypeRef): boolean {
  const k = d.types.kind(t);
  return k === 'struct' || k === 'union';
}

/** Every member of an embedded struct, flattened; members deeper than `maxDepth` contribute only bitfields. */
class Walker {
  fields: Record<string, number> = {};
  bitfields: Record<string, BitFieldLayout> = {};

  constructor(
    private readonly d: Dwarf,
    private readonly key: string,
    private readonly elemPaths: Set<string>,
  ) {}

  bitfield(path: string, bitpos: number, bitSize: number): void {
    this.bitfields[`${this.key}.${path}`] = { byteOffset: Math.floor(bitpos / 8), bitOffset: bitpos % 8, bitSize };
  }

  walk(t: TypeRef, baseBits: number, prefix: string, depth: number, maxDepth: number): void {
    if (depth > MAX_NESTING) fault('reference-loop', '.debug_info', t, `${this.key}: members nested deeper than ${MAX_NESTING}`);
    const types = this.d.types;
    for (const m of types.members(t)) {
      const ft = types.strip(m.type);
      const bitpos = baseBits + m.bitpos;
      if (m.name === null || m.name === '') {
        if (isAggregate(this.d, ft)) this.walk(ft, bitpos, prefix, depth, maxDepth);
        continue; // unnamed padding bitfield
      }
      const path = prefix + m.name;
      if (m.bitsize) {
        this.bitfield(path, bitpos, m.bitsize);
        continue;
      }
      if (depth <= maxDepth) {
        if (bitpos % 8) fault('malformed', '.debug_info', t, `${this.key}.${path} is not byte aligned`);
        this.fields[path] = bitpos / 8;
        if (types.kind(ft) === 'array' && this.elemPaths.has(path)) {
          const es = types.elementSize(ft);
          if (es !== null) this.fields[`${path}.__elem_size`] = es;
        }
      }
      if (isAggregate(this.d, ft)) this.walk(ft, bitpos, `${path}.`, depth + 1, maxDepth);
    }
  }
}

function findMember(d: Dwarf, t: TypeRef, name: string, depth = 0): { bitpos: number; type: TypeRef; bitsize: number } | null {
  if (depth > MAX_NESTING) return null;
  for (const m of d.types.members(t)) {
    if (m.name === name) return m;
    if ((m.name === null || m.name === '') && isAggregate(d, d.types.strip(m.type))) {
      const r = findMember(d, d.types.strip(m.type), name, depth + 1);
      if (r) return { ...r, bitpos: m.bitpos + r.bitpos };
    }
  }
  return null;
}

function resolvePath(d: Dwarf, t: TypeRef, path: string): { bitpos: number; bitsize: number } | null {
  let bits = 0;
  let cur = t;
  let found: { bitpos: number; type: TypeRef; bitsize: number } | null = null;
  for (const comp of path.split('.')) {
    const s = d.types.strip(cur);
    if (!isAggregate(d, s)) return null; // e.g. a pointer in newer versions: the sub-path does not exist
    found = findMember(d, s, comp);
    if (!found) return null;
    bits += found.bitpos;
    cur = found.type;
  }
  return found ? { bitpos: bits, bitsize: found.bitsize } : null;
}

/** First candidate name that resolves to a complete type. */
function lookupStruct(d: Dwarf, names: string[]): TypeRef | null {
  for (const n of names) {
    const t = d.types.lookup(n);
    if (t === null) continue;
    const s = d.types.strip(t);
    if (isAggregate(d, s) && d.types.members(s).length === 0) continue; // opaque declaration only
    return t;
  }
  return null;
}

function lookupEnum(d: Dwarf, names: string[]): TypeRef | null {
  for (const n of names) {
    const t = d.types.lookup(n);
    if (t !== null && d.types.kind(d.types.strip(t)) === 'enum') return d.types.strip(t);
  }
  return null;
}

/** Extract every struct, bitfield and enum pycore records from one build's DWARF. */
export function extractLayoutData(dwarf: Dwarf): Result<Extraction, DwarfError> {
  return dwarf.use((d) => {
    // Split DWARF: the skeleton units here hold no types; say so instead of "no PyObject".
    if (lookupStruct(d, ['PyObject', 'struct _object']) === null) {
      const split = d.info.splitUnit();
      if (split) fault('unsupported-feature', '.debug_info', split.offset, UNSUPPORTED_FEATURE.splitDwarf(split.dwo));
    }
    const out: Extraction = { structs: {}, bitfields: {}, enums: {}, missing: { structs: [], paths: {}, enums: [] } };
    const missPath = (key: string, p: string) => (out.missing.paths[key] ??= []).push(p);
    for (const spec of STRUCT_SPECS) {
      const t = lookupStruct(d, spec.names);
      if (t === null) {
        out.missing.structs.push(spec.key);
        continue;
      }
      const elem = ELEM_SIZE[spec.key] ?? [];
      const w = new Walker(d, spec.key, new Set(elem));
      if (spec.mode === 'all') {
        w.walk(d.types.strip(t), 0, '', 1, spec.depth);
        for (const p of elem) if (!(`${p}.__elem_size` in w.fields)) missPath(spec.key, `${p}.__elem_size`);
      } else {
        for (const p of spec.paths) {
          const r = resolvePath(d, t, p);
          if (!r) missPath(spec.key, p);
          else if (r.bitsize) w.bitfield(p, r.bitpos, r.bitsize);
          else w.fields[p] = Math.floor(r.bitpos / 8);
        }
      }
      out.structs[spec.key] = { size: d.types.sizeOf(d.types.strip(t)) ?? 0, fields: w.fields };
      Object.assign(out.bitfields, w.bitfields);
    }
    for (const [key, names] of ENUM_SPECS) {
      const t = lookupEnum(d, names);
      if (t === null) out.missing.enums.push(key);
      else out.enums[key] = Object.fromEntries(d.types.enumerators(t));
    }
    return out;
  });
}

/** The GeneratedLayout for one build. */
export function layoutFromDwarf(dwarf: Dwarf, from: { version: string; micro: string; binary: string; buildId: string }): Result<GeneratedLayout, DwarfError> {
  const x = extractLayoutData(dwarf);
  if (!x.ok) return x;
  const { structs, bitfields, enums } = x.value;
  return { ok: true, value: { version: from.version, generatedFrom: { micro: from.micro, binary: from.binary, buildId: from.buildId }, structs, bitfields, enums } };
}
