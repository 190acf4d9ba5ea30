// 3.15 has no real core in the corpus and no 3.15 interpreter can be built here: its table is
// derived from 3.15 development headers. These tests check that table against the
// _Py_DebugOffsets layout those headers declare (transcribed below), and decode a synthetic 3.15
// interpreter: hand-made memory, as the malformed-input tests use, since no real 3.15 core can be
// made. They prove what the table claims (published offsets, the base frame skipped, the
// renumbered frame states read by name, earlier prereleases refused, the unverified mark), not
// that 3.15 itself is laid out so.
import { describe, expect, it } from 'vitest';
import { applyDebugOffsets, debugOffsetsSize, parseDebugOffsetsHeader } from '../src/cpython-layouts/debug-offsets.js';
import { builtinLayout, formatLayoutError, selectLayout, type Layout } from '../src/cpython-layouts/layout.js';
import { layoutTables, unverifiedTables } from '../src/cpython-layouts/tables.js';
import { versionSupport } from '../src/cpython-layouts/support.js';
import { err } from '../src/io/result.js';
import { CodeCache } from '../src/cpython/code.js';
import { walkFrames } from '../src/cpython/frames.js';
import { defaultLimits } from '../src/cpython/limits.js';
import { Reader } from '../src/cpython/reader.js';
import type { PythonRuntime } from '../src/cpython/runtime.js';
import { readInterpreters } from '../src/cpython/threads.js';
import { readRefcount } from '../src/cpython/objects/refcount.js';
import { frameState } from '../src/cpython/generators.js';
import { FakeMemory, str, word } from './helpers/fake-memory.js';
import { pycore } from './helpers/cli.js';

// struct _Py_DebugOffsets in 3.15's Include/internal/pycore_debug_offsets.h (3.15.0b4 on), member by member.
const HEADER_315: [string | null, string[]][] = [
  [null, ['cookie', 'version', 'free_threaded']],
  ['runtime_state', ['size', 'finalizing', 'interpreters_head']],
  ['interpreter_state', ['size', 'id', 'next', 'threads_head', 'threads_main', 'gc', 'imports_modules', 'sysdict', 'builtins', 'ceval_gil', 'gil_runtime_state', 'gil_runtime_state_enabled', 'gil_runtime_state_locked', 'gil_runtime_state_holder', 'code_object_generation', 'tlbc_generation']],
  ['thread_state', ['size', 'prev', 'next', 'interp', 'current_frame', 'base_frame', 'last_profiled_frame', 'last_profiled_frame_seq', 'thread_id', 'native_thread_id', 'datastack_chunk', 'status', 'holds_gil', 'gil_requested', 'current_exception', 'exc_state']],
  ['err_stackitem', ['exc_value']],
  ['interpreter_frame', ['size', 'previous', 'executable', 'instr_ptr', 'localsplus', 'owner', 'stackpointer', 'tlbc_index']],
  ['code_object', ['size', 'filename', 'name', 'qualname', 'linetable', 'firstlineno', 'argcount', 'localsplusnames', 'localspluskinds', 'co_code_adaptive', 'co_tlbc']],
  ['pyobject', ['size', 'ob_type']],
  ['type_object', ['size', 'tp_name', 'tp_repr', 'tp_flags', 'tp_basicsize', 'tp_dictoffset']],
  ['heap_type_object', ['size', 'ht_cached_keys']],
  ['tuple_object', ['size', 'ob_item', 'ob_size']],
  ['list_object', ['size', 'ob_item', 'ob_size']],
  ['set_object', ['size', 'used', 'table', 'mask']],
  ['dict_object', ['size', 'ma_keys', 'ma_values']],
  ['float_object', ['size', 'ob_fval']],
  ['long_object', ['size', 'lv_tag', 'ob_digit']],
  ['bytes_object', ['size', 'ob_size', 'ob_sval']],
  ['unicode_object', ['size', 'state', 'length', 'asciiobject_size', 'compactunicodeobject_size']],
  ['gc', ['size', 'collecting', 'frame', 'generation_stats_size', 'generation_stats']],
  ['gen_object', ['size', 'gi_name', 'gi_iframe', 'gi_frame_state']],
  ['llist_node', ['next', 'prev']],
  ['debugger_support', ['eval_breaker', 'remote_debugger_support', 'remote_debugging_enabled', 'debugger_pending_call', 'debugger_script_path', 'debugger_script_path_size']],
];
const members = HEADER_315.flatMap(([g, names]) => names.map((n) => (g ? `${g}.${n}` : n)));
const t315 = layoutTables['3.15'];
const shape = t315.structs['_Py_DebugOffsets'];
const V315 = { major: 3, minor: 15, micro: 0, level: 0xb, serial: 4 };

describe('the 3.15 table', () => {
  it('has every _Py_DebugOffsets member of the 3.15 header, in order, 8 bytes apart', () => {
    expect(members.map((m) => shape.fields[m])).toEqual(members.map((_, i) => i * 8));
    expect(shape.size).toBe(members.length * 8);
    expect(debugOffsetsSize(V315)).toBe(shape.size);
    // 3.15 moved every member after thread_state.current_frame: a 3.14 reader would misread them.
    expect(shape.fields['thread_state.thread_id']).not.toBe(layoutTables['3.14'].structs['_Py_DebugOffsets'].fields['thread_state.thread_id']);
  });

  it('lists each struct in declaration order: offsets never decrease and fit in the struct', () => {
    for (const [name, s] of Object.entries(t315.structs)) {
      const top = Object.entries(s.fields).filter(([k]) => !k.includes('.'));
      for (let i = 1; i < top.length; i++) expect(top[i][1], `${name}.${top[i][0]}`).toBeGreaterThanOrEqual(top[i - 1][1]);
      for (const [k, v] of Object.entries(s.fields)) expect(v, `${name}.${k}`).toBeLessThan(s.size);
    }
  });

  it('names the renumbered frame states and the base-frame owner', () => {
    expect(t315.enums['_framestate']).toMatchObject({ FRAME_CREATED: 0, FRAME_SUSPENDED: 1, FRAME_SUSPENDED_YIELD_FROM: 2, FRAME_EXECUTING: 4, FRAME_CLEARED: 5 });
    expect(t315.enums['_framestate']['FRAME_COMPLETED']).toBeUndefined();
    expect(t315.enums['_frameowner']['FRAME_OWNED_BY_THREAD_STATE']).toBe(4);
  });

  it('tells a generator frame valid by the state\'s name, not by the 3.11-3.14 numbers', () => {
    const L = builtinLayout(V315, { requireAll: false });
    if (!L.ok) throw new Error('no table');
    expect([0, 1, 2, 3, 4, 5].map((v) => frameState(L.value, v))).toEqual([
      { name: 'FRAME_CREATED', live: true }, { name: 'FRAME_SUSPENDED', live: true }, { name: 'FRAME_SUSPENDED_YIELD_FROM', live: true },
      { name: 'FRAME_SUSPENDED_YIELD_FROM_LOCKED', live: true }, { name: 'FRAME_EXECUTING', live: true }, { name: 'FRAME_CLEARED', live: false },
    ]);
    expect(frameState(L.value, -2)).toEqual({ name: 'state -2', live: false });
    const L314 = builtinLayout({ ...V315, minor: 14 }, { requireAll: false });
    if (!L314.ok) throw new Error('no 3.14 table');
    expect([-2, 0, 1, 4].map((v) => frameState(L314.value, v).live)).toEqual([true, true, false, false]);
  });

  it('is marked unverified, with its sources and unverified fields, in `pycore --versions`', () => {
    const row = versionSupport.find((v) => v.version === '3.15');
    expect(row?.verified).toEqual([]);
    const text = row?.unverified.join(' ') ?? '';
    expect(text).toMatch(/UNVERIFIED/);
    expect(text).toMatch(/methane\/cpython a93425f62b6b/);
    expect(text).toMatch(/unverified fields .*PyCodeObject members other than/);
    expect(unverifiedTables['3.15']).toMatch(/unverified/);
    const r = pycore(['--versions']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n3\.15\n  unverified: +release 3\.15\.0b4 and later, UNVERIFIED/);
    expect(r.stdout).toContain('carried over from 3.14 with no 3.15 header, PyCodeObject members other than');
  });

  it('cannot decode alone: it needs the core\'s _Py_DebugOffsets for the interpreter and thread states', () => {
    const L = builtinLayout(V315);
    expect(L.ok).toBe(false);
    if (!L.ok) expect(formatLayoutError(L.error)).toMatch(/lacks runtime\.interpreters_head.*needs the _Py_DebugOffsets of the core/);
  });

  it('refuses 3.15 prereleases before 3.15.0b4, whose _Py_DebugOffsets has another shape', () => {
    const a7 = { major: 3, minor: 15, micro: 0, level: 0xa, serial: 7 };
    const L = selectLayout({ version: a7, debugOffsets: debugOffsetsBlob(published({ version: 0x030f00a7 })), dwarf: () => err('no DWARF') });
    expect(L.ok).toBe(false);
    if (!L.ok) expect(formatLayoutError(L.error)).toMatch(/^Python 3\.15\.0a7 has no built-in layout: .*before 3\.15\.0b4.*; pass the build's debug info/);
    expect(debugOffsetsSize(a7)).toBeNull();
    expect(debugOffsetsSize({ ...V315, level: 0xf, serial: 0 })).toBe(shape.size);
  });
});

// A synthetic 3.15 process: _PyRuntime (debug offsets first), one interpreter, one thread, one
// frame above the thread state's base frame.
const OFF = {
  runtimeHead: 40, interpNext: 16, interpThreads: 72, interpId: 8,
  tsPrev: 8, tsNext: 16, tsInterp: 24, tsFrame: 72, tsThreadId: 168, tsNativeId: 176,
};
function debugOffsetsBlob(values: Record<string, number>): Buffer {
  const b = Buffer.alloc(shape.size);
  b.write('xdebugpy', 0, 'latin1');
  for (const [m, v] of Object.entries(values)) b.writeBigUInt64LE(BigInt(v), shape.fields[m]);
  return b;
}
/** Published values: made-up offsets for the big structs, the table's own for the rest. */
function published(overrides: Record<string, number> = {}): Record<string, number> {
  const s = t315.structs;
  return {
    version: 0x030f00b4,
    'runtime_state.interpreters_head': OFF.runtimeHead,
    'interpreter_state.id': OFF.interpId, 'interpreter_state.next': OFF.interpNext, 'interpreter_state.threads_head': OFF.interpThreads,
    'thread_state.prev': OFF.tsPrev, 'thread_state.next': OFF.tsNext, 'thread_state.interp': OFF.tsInterp, 'thread_state.current_frame': OFF.tsFrame,
    'thread_state.thread_id': OFF.tsThreadId, 'thread_state.native_thread_id': OFF.tsNativeId,
    'interpreter_frame.previous': s._PyInterpreterFrame.fields.previous, 'interpreter_frame.executable': s._PyInterpreterFrame.fields.f_executable,
    'interpreter_frame.instr_ptr': s._PyInterpreterFrame.fields.instr_ptr, 'interpreter_frame.owner': s._PyInterpreterFrame.fields.owner,
    'interpreter_frame.stackpointer': s._PyInterpreterFrame.fields.stackpointer,
    'code_object.filename': s.PyCodeObject.fields.co_filename, 'code_object.name': s.PyCodeObject.fields.co_name,
    'code_object.qualname': s.PyCodeObject.fields.co_qualname, 'code_object.linetable': s.PyCodeObject.fields.co_linetable,
    'code_object.firstlineno': s.PyCodeObject.fields.co_firstlineno, 'code_object.co_code_adaptive': 200,
    'code_object.argcount': s.PyCodeObject.fields.co_argcount,
    'code_object.localsplusnames': s.PyCodeObject.fields.co_localsplusnames, 'code_object.localspluskinds': s.PyCodeObject.fields.co_localspluskinds,
    'pyobject.ob_type': 8, 'type_object.tp_name': 24, 'type_object.tp_flags': 168, 'type_object.tp_basicsize': 32, 'type_object.tp_dictoffset': 288,
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


describe('the object header of 3.14 and 3.15 (64-bit GIL build)', () => {
  // A statically allocated immortal object: _Py_STATIC_IMMORTAL_INITIAL_REFCNT, the uint32
  // _Py_IMMORTAL_INITIAL_REFCNT (3 << 30) with ob_flags 5 (statically allocated | static immortal)
  // in the upper 16 bits of the word.
  const word = (3n << 30n) | (5n << 48n);
  const mem = { u32: () => Number(word & 0xffffffffn), i64: () => Number(BigInt.asIntN(64, word)) };

  it('reads Py_REFCNT as the uint32 ob_refcnt, not the whole word (ob_overflow and ob_flags above it)', () => {
    for (const minor of [14, 15]) {
      const L = builtinLayout({ ...V315, minor }, { requireAll: false });
      if (!L.ok) throw new Error(`no 3.${minor} table`);
      expect(L.value.caps.obRefcnt, `3.${minor}`).toBe('uint32-with-flags');
      expect(readRefcount(mem, L.value, 0x1000), `3.${minor}`).toBe(3 * 2 ** 30);
    }
    // 3.13's ob_refcnt is a Py_SSIZE_t: the whole word.
    const L313 = builtinLayout({ ...V315, minor: 13, level: 0xf, serial: 0 });
    expect(L313.ok && L313.value.caps.obRefcnt).toBe('ssize_t');
    if (L313.ok) expect(readRefcount(mem, L313.value, 0x1000)).toBe(Number(word));
  });
});

describe('a synthetic 3.15 core', () => {
  const RT = 0x10000, INTERP = 0x20000, TS = 0x30000, FRAME = 0x40000, BASE = 0x41000, CODE = 0x50000, NAME = 0x60000, FILE = 0x61000, TABLE = 0x62000;
  const blob = debugOffsetsBlob(published());

  it('picks the 3.15 table from the cookie and version, with the published offsets', () => {
    const h = parseDebugOffsetsHeader(blob.subarray(0, 24));
    expect(h?.version).toMatchObject({ major: 3, minor: 15, level: 0xb, serial: 4 });
    const L = selectLayout({ version: h!.version, debugOffsets: blob, dwarf: () => err('no DWARF') });
    expect(L.ok).toBe(true);
    if (!L.ok) return;
    expect(L.value.source).toBe('debug-offsets');
    expect(L.value.unverified).toMatch(/3\.15.*unverified/);
    expect(L.value.caps.stackRefs).toBe('tagged');
    expect(L.value.offsets['tstate.current_frame']).toBe(OFF.tsFrame);
    expect(L.value.offsets['tstate.thread_id']).toBe(OFF.tsThreadId);
    expect(L.value.offsets['type.basicsize']).toBe(32);
    expect(L.value.offsets['type.dictoffset']).toBe(288);
    // The core's co_code_adaptive wins over the table's (3.14's) where they differ, and is reported.
    expect(L.value.offsets['code.code_adaptive']).toBe(200);
    expect(L.value.mismatches).toEqual(['code.code_adaptive: table 208, _Py_DebugOffsets 200']);
  });

  it('a DWARF layout of a pre-3.15.0b4 build is not cross-checked against the 3.15.0b4 shape', () => {
    const a7 = { major: 3, minor: 15, micro: 0, level: 0xa, serial: 7 };
    const base = builtinLayout(V315, { requireAll: false });
    if (!base.ok) throw new Error('no table');
    const crossed = applyDebugOffsets({ ...base.value, version: a7 }, debugOffsetsBlob(published({ 'code_object.filename': 999 })));
    expect(crossed.source).toBe('builtin');
    expect(crossed.mismatches).toEqual([]);
  });

  it('walks interpreter -> thread -> frame, stopping at the base frame, and reads frame states by name', () => {
    const L = selectLayout({ version: V315, debugOffsets: blob, dwarf: () => err('no DWARF') });
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
    word(f, 8, BASE);
    word(f, 56, CODE + 200 + 0); // instr_ptr: the first code unit
    f.writeInt8(0, 74); // FRAME_OWNED_BY_THREAD
    mem.put(FRAME, f);
    const base = Buffer.alloc(88);
    word(base, 0, 1); // PyStackRef_NULL
    base.writeInt8(4, 74); // FRAME_OWNED_BY_THREAD_STATE
    mem.put(BASE, base);
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
    const runtime: PythonRuntime = { module: null as never, foundBy: 'scan', runtimeAddress: RT, detected: { version: V315, from: '_Py_DebugOffsets' }, build: 'release', layout: Lv, reader };
    const { interpreters } = readInterpreters(runtime, defaultLimits);
    expect(interpreters.map((i) => i.threads.map((t) => [t.threadId, t.nativeId]))).toEqual([[[0x7f00aa, 4242]]]);
    const walk = walkFrames(runtime, interpreters[0].threads[0], new CodeCache(reader, Lv, defaultLimits, null), defaultLimits);
    expect(walk.frames.map((x) => [x.code, x.function, x.file, x.line])).toEqual([[CODE, 'crash', 'app.py', 11]]);
    expect(walk.frames[0].entry).toBe(true);
  });
});
