// 3.13+ `_Py_DebugOffsets`: the interpreter publishes the offsets debuggers need at the start of
// _PyRuntime. Read from the core, they beat any table because they describe this very build.
import type { FieldName } from './fields.js';
import { layoutTables, tableFirstRelease } from './tables.js';
import type { Layout } from './layout.js';
import { minorKey, precedesHex, versionFromHex, type PythonVersion } from './version.js';

export const DEBUG_OFFSETS_COOKIE = 'xdebugpy';

/** Which published offset supplies which of our fields. */
const published: [string, FieldName][] = [
  ['runtime_state.interpreters_head', 'runtime.interpreters_head'],
  ['interpreter_state.next', 'interp.next'],
  ['interpreter_state.threads_head', 'interp.threads_head'],
  ['interpreter_state.id', 'interp.id'],
  ['interpreter_state.sysdict', 'interp.sysdict'],
  ['interpreter_state.imports_modules', 'interp.modules'],
  ['interpreter_state.ceval_gil', 'interp.gil_ptr'],
  ['thread_state.next', 'tstate.next'],
  ['thread_state.interp', 'tstate.interp'],
  ['thread_state.current_frame', 'tstate.current_frame'],
  ['thread_state.thread_id', 'tstate.thread_id'],
  ['thread_state.native_thread_id', 'tstate.native_thread_id'],
  ['interpreter_frame.previous', 'iframe.previous'],
  ['interpreter_frame.executable', 'iframe.code'],
  ['interpreter_frame.instr_ptr', 'iframe.instr'],
  ['interpreter_frame.owner', 'iframe.owner'],
  ['code_object.filename', 'code.filename'],
  ['code_object.name', 'code.name'],
  ['code_object.qualname', 'code.qualname'],
  ['code_object.linetable', 'code.linetable'],
  ['code_object.firstlineno', 'code.firstlineno'],
  ['code_object.co_code_adaptive', 'code.code_adaptive'],
  ['pyobject.ob_type', 'object.type'],
  ['type_object.tp_name', 'type.name'],
  ['type_object.tp_flags', 'type.flags'],
  ['unicode_object.length', 'unicode.length'],
  ['unicode_object.state', 'unicode.state'],
  ['bytes_object.ob_size', 'bytes.size'],
  ['bytes_object.ob_sval', 'bytes.sval'],
  ['interpreter_state.gc', 'interp.gc'],
  ['interpreter_state.builtins', 'interp.builtins'],
  ['tuple_object.ob_item', 'tuple.items'],
  ['list_object.ob_item', 'list.items'],
  ['dict_object.ma_keys', 'dict.keys'],
  ['dict_object.ma_values', 'dict.values'],
  ['float_object.ob_fval', 'float.value'],
  ['long_object.lv_tag', 'long.tag'],
  ['long_object.ob_digit', 'long.digits'],
  // 3.14+
  ['interpreter_frame.stackpointer', 'iframe.stackpointer'],
  ['set_object.used', 'set.used'],
  ['set_object.table', 'set.table'],
  ['set_object.mask', 'set.mask'],
  ['gen_object.gi_name', 'gen.name'],
  ['gen_object.gi_iframe', 'gen.iframe'],
  ['gen_object.gi_frame_state', 'gen.frame_state'],
  ['code_object.argcount', 'code.argcount'],
  ['code_object.localsplusnames', 'code.localsplusnames'],
  ['code_object.localspluskinds', 'code.localspluskinds'],
  // 3.15+
  ['type_object.tp_basicsize', 'type.basicsize'],
  ['type_object.tp_dictoffset', 'type.dictoffset'],
];

export interface DebugOffsetsHeader {
  version: PythonVersion;
  hex: number;
  freeThreaded: boolean;
}

/** The cookie and version at the start of `_PyRuntime`, or null when absent. */
export function parseDebugOffsetsHeader(head: Buffer): DebugOffsetsHeader | null {
  if (head.length < 24 || head.toString('latin1', 0, 8) !== DEBUG_OFFSETS_COOKIE) return null;
  const hex = Number(head.readBigUInt64LE(8));
  const version = versionFromHex(hex);
  if (!version) return null;
  return { version, hex, freeThreaded: head.readBigUInt64LE(16) !== 0n };
}

/** The `_Py_DebugOffsets` shape a table gives for this very release, if any. */
function debugOffsetsShape(version: PythonVersion) {
  const key = minorKey(version);
  const first = tableFirstRelease[key];
  if (first && precedesHex(version, first.hex)) return null;
  return layoutTables[key]?.structs['_Py_DebugOffsets'] ?? null;
}

/** Size of the `_Py_DebugOffsets` struct we know how to read for this version, if any. */
export function debugOffsetsSize(version: PythonVersion): number | null {
  return debugOffsetsShape(version)?.size ?? null;
}

/**
 * Overlay the published offsets on `base`; disagreements with it are recorded. `baseName` names
 * base's source in those messages ("table", "DWARF").
 */
export function applyDebugOffsets(base: Layout, struct: Buffer, baseName = 'table'): Layout {
  const shape = debugOffsetsShape(base.version);
  if (!shape) return base;
  const offsets = { ...base.offsets };
  const mismatches = [...base.mismatches];
  for (const [path, name] of published) {
    const at = shape.fields[path];
    if (at === undefined || at + 8 > struct.length) continue;
    const value = Number(struct.readBigUInt64LE(at));
    if (value > 1 << 20) continue; // not an offset: ignore rather than trust
    if (offsets[name] !== undefined && offsets[name] !== value) mismatches.push(`${name}: ${baseName} ${offsets[name]}, _Py_DebugOffsets ${value}`);
    offsets[name] = value;
  }
  const sizes = { ...base.sizes };
  const asciiAt = shape.fields['unicode_object.asciiobject_size'];
  if (asciiAt !== undefined && asciiAt + 8 <= struct.length) sizes.PyASCIIObject = Number(struct.readBigUInt64LE(asciiAt));
  return { ...base, offsets, sizes, source: 'debug-offsets', mismatches };
}
