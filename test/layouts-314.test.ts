// 3.14 has no real core in the corpus: its table is derived from the 3.14 headers. These tests
// check that table against the _Py_DebugOffsets layout the 3.14 header declares (transcribed
// below), and decode a synthetic 3.14 interpreter (malformed-input style: hand-made memory) to
// prove the decoders use the table through the capabilities: tagged f_executable, published
// offsets, the unverified mark.
import { describe, expect, it } from 'vitest';
import { parseDebugOffsetsHeader, debugOffsetsSize } from '../src/cpython-layouts/debug-offsets.js';
import { builtinLayout, formatLayoutError, selectLayout, type Layout } from '../src/cpython-layouts/layout.js';
import { layoutTables, unverifiedTables } from '../src/cpython-layouts/tables.js';
import { versionSupport } from '../src/cpython-layouts/support.js';
import { err } from '../src/io/result.js';
import { CodeCache } from '../src/cpython/code.js';
import { stackRefObject, walkFrames } from '../src/cpython/frames.js';
import { defaultLimits } from '../src/cpython/limits.js';
import { Reader } from '../src/cpython/reader.js';
import type { PythonRuntime } from '../src/cpython/runtime.js';
import { readInterpreters } from '../src/cpython/threads.js';
import { FakeMemory, str, word } from './helpers/fake-memory.js';

// struct _Py_DebugOffsets in 3.14's Include/internal/pycore_debug_offsets.h, member by member.
const HEADER_314: [string | null, string[]][] = [
  [null, ['cookie', 'version', 'free_threaded']],
  ['runtime_state', ['size', 'finalizing', 'interpreters_head']],
  ['interpreter_state', ['size', 'id', 'next', 'threads_head', 'threads_main', 'gc', 'imports_modules', 'sysdict', 'builtins', 'ceval_gil', 'gil_runtime_state', 'gil_runtime_state_enabled', 'gil_runtime_state_locked', 'gil_runtime_state_holder', 'code_object_generation', 'tlbc_generation']],
  ['thread_state', ['size', 'prev', 'next', 'interp', 'current_frame', 'thread_id', 'native_thread_id', 'datastack_chunk', 'status']],
  ['interpreter_frame', ['size', 'previous', 'executable', 'instr_ptr', 'localsplus', 'owner', 'stackpointer', 'tlbc_index']],
  ['code_object', ['size', 'filename', 'name', 'qualname', 'linetable', 'firstlineno', 'argcount', 'localsplusnames', 'localspluskinds', 'co_code_adaptive', 'co_tlbc']],
  ['pyobject', ['size', 'ob_type']],
  ['type_object', ['size', 'tp_name', 'tp_repr', 'tp_flags']],
  ['tuple_object', ['size', 'ob_item', 'ob_size']],
  ['list_object', ['size', 'ob_item', 'ob_size']],
  ['set_object', ['size', 'used', 'table', 'mask']],
  ['dict_object', ['size', 'ma_keys', 'ma_values']],
  ['float_object', ['size', 'ob_fval']],
  ['long_object', ['size', 'lv_tag', 'ob_digit']],
  ['bytes_object', ['size', 'ob_size', 'ob_sval']],
  ['unicode_object', ['size', 'state', 'length', 'asciiobject_size']],
  ['gc', ['size', 'collecting']],
  ['gen_object', ['size', 'gi_name', 'gi_iframe', 'gi_frame_state']],
  ['llist_node', ['next', 'prev']],
  ['debugger_support', ['eval_breaker', 'remote_debugger_support', 'remote_debugging_enabled', 'debugger_pending_call', 'debugger_script_path', 'debugger_script_path_size']],
];
const members = HEADER_314.flatMap(([g, names]) => names.map((n) => (g ? `${g}.${n}` : n)));
const t314 = layoutTables['3.14'];
const V314 = { major: 3, minor: 14, micro: 0, level: 0xf, serial: 0 };

describe('the 3.14 table', () => {
  it('has every _Py_DebugOffsets member of the 3.14 header, in order, 8 bytes apart', () => {
    const shape = t314.structs['_Py_DebugOffsets'];
    expect(members.map((m) => shape.fields[m])).toEqual(members.map((_, i) => i * 8));
    expect(shape.size).toBe(members.length * 8);
    expect(debugOffsetsSize(V314)).toBe(shape.size);
    // The struct grew from 3.13's: a 3.13 reader would stop short of 3.14's later members.
    expect(shape.size).toBeGreaterThan(layoutTables['3.13'].structs['_Py_DebugOffsets'].size);
  });

  it('lists each struct in declaration order: offsets never decrease and fit in the struct', () => {
    for (const [name, s] of Object.entries(t314.structs)) {
      const top = Object.entries(s.fields).filter(([k]) => !k.includes('.'));
      for (let i = 1; i < top.length; i++) expect(top[i][1], `${name}.${top[i][0]}`).toBeGreaterThanOrEqual(top[i - 1][1]);
      for (const [k, v] of Object.entries(s.fields)) expect(v, `${name}.${k}`).toBeLessThan(s.size);
    }
  });

  it('is marked unverified in `pycore --versions` and in every layout made from it', () => {
    const row = versionSupport.find((v) => v.version === '3.14');
    expect(row?.verified).toEqual([]);
    expect(row?.unverified.join(' ')).toMatch(/UNVERIFIED/);
    expect(unverifiedTables['3.14']).toMatch(/unverified/);
  });

  it('cannot decode alone: it needs the core\'s _Py_DebugOffsets for the interpreter and thread states', () => {
    const L = builtinLayout(V314);
    expect(L.ok).toBe(false);
    if (!L.ok) expect(formatLayoutError(L.error)).toMatch(/lacks runtime\.interpreters_head.*needs the _Py_DebugOffsets of the core/);
  });
});

// A synthetic 3.14 process: _PyRuntime (debug offsets first), one interpreter, one thread, one frame.
const OFF = {
  runtimeHead: 40, interpNext: 16, interpThreads: 72, interpId: 8,
  tsPrev: 8, tsNext: 16, tsInterp: 24, tsFrame: 72, tsThreadId: 152, tsNativeId: 160,
};
function debugOffsetsBlob(values: Record<string, number>): Buffer {
  const b = Buffer.alloc(t314.structs['_Py_DebugOffsets'].size);
  b.write('xdebugpy', 0, 'latin1');
  for (const [m, v] of Object.entries(values)) b.writeBigUInt64LE(BigInt(v), t314.structs['_Py_DebugOffsets'].fields[m]);
  return b;
}
/** Published values: made-up offsets for the big structs, the table's own for the rest. */
function published(overrides: Record<string, number> = {}): Record<string, number> {
  const s = t314.structs;
  return {
    version: 0x030e00f0,
    'runtime_state.interpreters_head': OFF.runtimeHead,
    'interpreter_state.id': OFF.interpId, 'interpreter_state.next': OFF.interpNext, 'interpreter_state.threads_head': OFF.interpThreads,
    'thread_state.prev': OFF.tsPrev, 'thread_state.next': OFF.tsNext, 'thread_state.interp': OFF.tsInterp, 'thread_state.current_frame': OFF.tsFrame,
    'thread_state.thread_id': OFF.tsThreadId, 'thread_state.native_thread_id': OFF.tsNativeId,
    'interpreter_frame.previous': s._PyInterpreterFrame.fields.previous, 'interpreter_frame.executable': s._PyInterpreterFrame.fields.f_executable,
    'interpreter_frame.instr_ptr': s._PyInterpreterFrame.fields.instr_ptr, 'interpreter_frame.owner': s._PyInterpreterFrame.fields.owner,
    'interpreter_frame.stackpointer': s._PyInterpreterFrame.fields.stackpointer,
    'code_object.filename': s.PyCodeObject.fields.co_filename, 'code_object.name': s.PyCodeObject.fields.co_name,
    'code_object.qualname': s.PyCodeObject.fields.co_qualname, 'code_object.linetable': s.PyCodeObject.fields.co_linetable,
    'code_object.firstlineno': s.PyCodeObject.fields.co_firstlineno, 'code_object.co_code_adaptive': s.PyCodeObject.fields.co_code_adaptive,
    'code_object.argcount': s.PyCodeObject.fields.co_argcount, 'code_object.localsplusnames': s.PyCodeObject.fields.co_localsplusnames,
    'code_object.localspluskinds': s.PyCodeObject.fields.co_localspluskinds,
    'pyobject.ob_type': 8, 'type_object.tp_name': 24, 'type_object.tp_flags': 168,
    'unicode_object.state': 32, 'unicode_object.length': 16, 'unicode_object.asciiobject_size': 40,
    'bytes_object.ob_size': 16, 'bytes_object.ob_sval': 32,
    'tuple_object.ob_item': s.PyTupleObject.fields.ob_item, 'list_object.ob_item': s.PyListObject.fields.ob_item,
    'float_object.ob_fval': s.PyFloatObject.fields.ob_fval,
    'long_object.lv_tag': s.PyLongObject.fields['long_value.lv_tag'], 'long_object.ob_digit': s.PyLongObject.fields['long_value.ob_digit'],
    'gen_object.gi_name': s.PyGenObject.fields.gi_name, 'gen_object.gi_iframe': s.PyGenObject.fields.gi_iframe,
    'gen_object.gi_frame_state': s.PyGenObject.fields.gi_frame_state,
    ...overrides,
  };
}


describe('a synthetic 3.14 core', () => {
  const RT = 0x10000, INTERP = 0x20000, TS = 0x30000, FRAME = 0x40000, CODE = 0x50000, NAME = 0x60000, FILE = 0x61000, TABLE = 0x62000;
  const blob = debugOffsetsBlob(published());

  it('picks the 3.14 table from the cookie and version, with the published offsets', () => {
    const h = parseDebugOffsetsHeader(blob.subarray(0, 24));
    expect(h?.version).toMatchObject({ major: 3, minor: 14 });
    const L = selectLayout({ version: h!.version, debugOffsets: blob, dwarf: () => err('no DWARF') });
    expect(L.ok).toBe(true);
    if (!L.ok) return;
    expect(L.value.source).toBe('debug-offsets');
    expect(L.value.unverified).toMatch(/3\.14.*unverified/);
    expect(L.value.caps.stackRefs).toBe('tagged');
    expect(L.value.offsets['tstate.current_frame']).toBe(OFF.tsFrame);
    expect(L.value.offsets['interp.threads_head']).toBe(OFF.interpThreads);
    expect(L.value.offsets['iframe.stackpointer']).toBe(64);
    expect(L.value.offsets['tuple.items']).toBe(32);
    expect(L.value.mismatches).toEqual([]);
  });

  it('records where the core disagrees with the table', () => {
    const L = selectLayout({ version: V314, debugOffsets: debugOffsetsBlob(published({ 'code_object.filename': 120, 'code_object.name': 112 })), dwarf: () => err('no DWARF') });
    expect(L.ok && L.value.mismatches).toEqual(['code.filename: table 112, _Py_DebugOffsets 120', 'code.name: table 120, _Py_DebugOffsets 112']);
  });

  it('walks interpreter -> thread -> frame with a tagged f_executable', () => {
    const L = selectLayout({ version: V314, debugOffsets: blob, dwarf: () => err('no DWARF') });
    if (!L.ok) throw new Error('no layout');
    const Lv: Layout = L.value;
    const mem = new FakeMemory();
    const rt = Buffer.alloc(blob.length + 64);
    blob.copy(rt);
    word(rt, OFF.runtimeHead, INTERP);
    mem.put(RT, rt);
    const interp = Buffer.alloc(128);
    word(interp, OFF.interpThreads, TS);
    mem.put(INTERP, interp);
    const ts = Buffer.alloc(256);
    word(ts, OFF.tsInterp, INTERP);
    word(ts, OFF.tsFrame, FRAME);
    word(ts, OFF.tsThreadId, 0x7f00aa);
    word(ts, OFF.tsNativeId, 4242);
    mem.put(TS, ts);
    const f = Buffer.alloc(88);
    word(f, 0, CODE | 1); // _PyStackRef: Py_TAG_REFCNT set
    word(f, 56, CODE + 208 + 0); // instr_ptr: the first code unit
    f.writeInt8(0, 74); // FRAME_OWNED_BY_THREAD
    mem.put(FRAME, f);
    const code = Buffer.alloc(216 + 8);
    word(code, 112, FILE);
    word(code, 120, NAME);
    word(code, 128, NAME);
    word(code, 136, TABLE);
    code.writeInt32LE(10, 68); // co_firstlineno
    mem.put(CODE, code);
    str(mem, NAME, 'crash');
    str(mem, FILE, 'app.py');
    // bytes object: a one-line location entry (code 11: line +1) covering the first code unit.
    const table = Buffer.alloc(40);
    word(table, 16, 3);
    Buffer.from([0x80 | (11 << 3), 0, 5]).copy(table, 32);
    mem.put(TABLE, table);

    const reader = new Reader(mem);
    const runtime: PythonRuntime = { module: null as never, foundBy: 'scan', runtimeAddress: RT, detected: { version: V314, from: '_Py_DebugOffsets' }, build: 'release', layout: Lv, reader };
    const { interpreters } = readInterpreters(runtime, defaultLimits);
    expect(interpreters.map((i) => i.threads.map((t) => [t.threadId, t.nativeId]))).toEqual([[[0x7f00aa, 4242]]]);
    const walk = walkFrames(runtime, interpreters[0].threads[0], new CodeCache(reader, Lv, defaultLimits, null), defaultLimits);
    expect(walk.frames.map((x) => [x.code, x.function, x.file, x.line])).toEqual([[CODE, 'crash', 'app.py', 11]]);
    expect(stackRefObject(Lv, CODE | 1)).toBe(CODE);
    expect(stackRefObject(builtinLayout({ ...V314, minor: 13 }).ok ? (builtinLayout({ ...V314, minor: 13 }) as { value: Layout }).value : Lv, CODE | 1)).toBe(CODE | 1);
  });
});
