// What differs between CPython versions, named: decoders choose a strategy from these values
// and never compare version numbers themselves.
import type { FieldName, SizedStruct } from './fields.js';

/**
 * One free list sys._debugmallocstats() reports after pymalloc's statistics, in its order. The
 * count (`int numfree`) is an interpreter-state field (3.10+), or a file-local static whose name
 * repeats across files: then the first instruction of CPython's own _Py*_DebugMallocStats()
 * function, which loads it, says which one (3.8, 3.9). Tuples have one count per length, in an
 * array indexed by the length (3.8-3.10, lengths 1..19) or by the length - 1 (3.11+, 1..20).
 */
export type FreeListSpec =
  | { name: SizedStruct; count: { field: FieldName } | { loadedBy: string } }
  | { name: 'tuple'; count: { field: FieldName } | { staticArray: string }; lengths: number; indexOfLength1: number };

/**
 * Static variables that hold what 3.7+ keep in `_PyRuntime` (2.7, 3.6), by LOCAL symbol name in
 * libpython's .symtab: the interpreter list of pystate.c, the current thread state, the GIL of
 * ceval_gil.h (3.x; 2.7's GIL is an opaque semaphore) and the GC state of gcmodule.c.
 */
export interface RuntimeStatics {
  interpretersHead: string;
  tstateCurrent: string;
  gilLastHolder: string | null;
  gilLocked: string | null;
  gcGenerations: string;
  gcEnabled: string;
  gcCollecting: string;
  gcGarbage: string;
}

export interface Capabilities {
  /** BaseException.__repr__ of one argument: `E('x')` (3.7+) or the args tuple's repr, `E('x',)`. */
  exceptionRepr: 'single-arg-bare' | 'args-tuple';
  /** The C function of the eval loop, one call per eval-loop entry (2.7: PyEval_EvalFrameEx). */
  evalLoop: '_PyEval_EvalFrameDefault' | 'PyEval_EvalFrameEx';
  /**
   * The debug hooks' (PYTHONMALLOC=debug) fill bytes: 0xCD/0xDD/0xFD since bpo-36389 (3.8,
   * backported to 3.7.4), or 0xCB/0xDB/0xFB before ('pre-3.7.4': 2.7, 3.6 and 3.7.0-3.7.3). 2.7's
   * release builds have no debug allocator to turn on (no PYTHONMALLOC; PYMALLOC_DEBUG is compiled
   * into debug builds only, with 3.6's bytes and serial): the memory check finds no debug block there.
   */
  debugFill: 'current' | 'pre-3.7.4';
  /**
   * Whether the debug hooks write a serial number (which call of their malloc/realloc made the
   * block, a big-endian size_t) after a block's trailing pad: 3.6 and 3.7 do, 3.8+ do not (their
   * blocks are 8 bytes shorter). Checked on pyenv's 3.6.15, 3.7.16 and 3.8.18.
   */
  debugSerial: 'after-tail-pad' | 'none';
  /** Where the runtime's roots live: `_PyRuntime` (3.7+) or static variables (2.7, 3.6). */
  runtimeState: { kind: 'struct' } | { kind: 'statics'; symbols: RuntimeStatics };
  /** 3.8-3.10 chain PyFrameObjects; 3.11+ chain _PyInterpreterFrames. */
  frameModel: 'frame-object' | 'interpreter-frame';
  /**
   * What interpreter frames hold in f_executable, f_funcobj, localsplus and the value stack:
   * plain PyObject pointers, or tagged _PyStackRefs (3.14+) whose low bits are masked off.
   */
  stackRefs: 'plain' | 'tagged';
  /** Where a thread state keeps its newest frame. */
  currentFrame: 'tstate.frame' | 'tstate.cframe.current_frame' | 'tstate.current_frame';
  /** How the frame records its position: f_lasti in bytes (3.8/3.9), in code units (3.10), or a pointer into the bytecode. */
  instruction: 'f_lasti-bytes' | 'f_lasti-units' | 'instr-pointer';
  /** Line-number table format of code objects. */
  lineTable: 'lnotab' | 'linetable-310' | 'locations-311';
  /** faulthandler's line: Addr2Line of the position (3.8/3.9, 3.11+) or PyFrame_GetLineNumber (3.10: f_lineno when non-zero). */
  frameLine: 'addr2line' | 'f_lineno-else-addr2line';
  /** _PyInterpreterFrame owners that faulthandler does not print (the C-stack entry shim). */
  skippedFrameOwners: readonly number[];
  /** Thread states carry the kernel thread id (native_thread_id). */
  nativeThreadId: boolean;
  /** Where the GIL's state lives: in _PyRuntime (<= 3.11) or behind interp->ceval.gil (3.12+). */
  gil: 'runtime' | 'interpreter-pointer';
  /**
   * What the `str` type is: PEP 393 unicode (3.x), or 2.7's PyStringObject (bytes: ob_sval after
   * ob_shash and ob_sstate; code names and filenames are of this type).
   */
  str: 'unicode' | 'bytes';
  /** co_lnotab line increments: signed bytes (3.6+) or unsigned (2.7, which never goes back a line). */
  lnotabDeltas: 'signed' | 'unsigned';
  /** str objects: legacy (wstr) fields exist before 3.12. */
  unicode: 'with-wstr' | 'compact-only';
  /** _Py_DebugOffsets at the start of _PyRuntime. */
  debugOffsets: boolean;
  /** int: signed digit count in ob_size (<= 3.11) or the tagged lv_tag (3.12+). */
  intLayout: 'ob_size' | 'lv_tag';
  /**
   * What the `int` type is: arbitrary precision digits (3.x), or 2.7's PyIntObject, one C long
   * (ob_ival), kept in PyIntBlock arrays that intobject.c mallocs (never pymalloc blocks; 2.7's
   * arbitrary precision type is `long`).
   */
  int: 'digits' | 'c-long';
  /**
   * sys.getsizeof() of a type object: type.__sizeof__ (3.x: PyTypeObject, or PyHeapTypeObject with
   * its cached keys), or object.__sizeof__ (2.7: the metatype's tp_basicsize, PyHeapTypeObject's
   * size for every type, plus the GC header for heap types only, static types being untracked).
   */
  typeSizeof: 'type-sizeof' | 'metatype-basicsize';
  /**
   * Whether a live type has Py_TPFLAGS_READY: always (3.x readies every static type at start-up), or
   * not necessarily (2.7 makes instances of static types such as method_descriptor before anything
   * readies them; PyType_Ready runs on a type's first attribute lookup).
   */
  typeReady: 'always' | 'lazy';
  /** dict keys: dk_size with entries after size*width index bytes (<= 3.10), or log2 sizes and key kinds (3.11+). */
  dictKeys: 'dk_size' | 'dk_log2' | 'ma_table';
  /** Order of a split dict's values: entry order (<= 3.10), order bytes before the values (3.11, 3.12), after values[capacity] (3.13). */
  splitOrder: 'entry-order' | 'prefix-bytes' | 'after-capacity';
  /** Where instances keep their attributes when the type manages the dict. */
  managedDict: 'none' | 'dict-and-values-pointers' | 'dict-or-values' | 'dict-or-inline-values';
  /** Names of a frame's fast locals: co_varnames/cellvars/freevars, or co_localsplusnames with kinds. */
  localNames: 'varnames' | 'localsplus';
  /** tp_flags bits whose presence puts a managed dict/weakref pre-header (two words) before the object. */
  preHeaderFlags: number;
  /** Generators point at a frame object (<= 3.10) or embed their interpreter frame (3.11+). */
  generatorFrame: 'frame-object' | 'embedded';
  /**
   * How CPython's _PyGen_yf finds what a suspended generator/coroutine awaits (the value stack
   * top): when the next opcode is YIELD_FROM (f_stacktop 3.8/3.9, f_valuestack[f_stackdepth-1]
   * 3.10), when the next instruction (a RESUME) has oparg >= 2 (3.11, 3.12), or when
   * gi_frame_state is FRAME_SUSPENDED_YIELD_FROM (3.13).
   */
  awaited: { kind: 'f_stacktop' | 'f_stackdepth'; yieldFromOpcode: number } | { kind: 'resume-oparg' } | { kind: 'frame-state' };
  /**
   * Py_TRACE_REFS builds: where the list of every live object starts. Up to 3.12 objects are
   * linked through _ob_next/_ob_prev at the start of their header (which grows by 16 bytes), from
   * the static `refchain` in object.c (3.8-3.11) or interp->object_state.refchain (3.12); 3.13 keeps
   * a hashtable instead and the header is the release one.
   */
  refchain: 'static-symbol' | 'interpreter' | 'hashtable';
  /** The free lists sys._debugmallocstats() prints, in order. */
  freeLists: readonly FreeListSpec[];
  /**
   * How an object's reference count is kept: one ob_refcnt word, or (free-threaded builds) a
   * 32-bit ob_ref_local of the owning thread plus ob_ref_shared, whose two low bits are flags;
   * Py_REFCNT is local + (shared >> 2), and a local count of UINT32_MAX means immortal.
   */
  refcount: 'ob_refcnt' | 'local-shared';
  /**
   * With refcount 'ob_refcnt', what the word holds: a Py_ssize_t count (<= 3.13), or (3.14+,
   * 64-bit) a uint32 ob_refcnt under ob_overflow and ob_flags (the upper 16 bits: statically
   * allocated objects set them, _Py_STATIC_IMMORTAL_INITIAL_REFCNT), Py_REFCNT being the uint32.
   */
  obRefcnt: 'ssize_t' | 'uint32-with-flags';
  /**
   * Where objects live and how the GC knows them: pymalloc pools and PyGC_Head generation lists
   * (a PyGC_Head before every GC object), or (free-threaded) mimalloc heaps per thread, GC objects
   * in their own heaps, tracked by a bit of ob_gc_bits, with no PyGC_Head and no lists.
   */
  objectHeap: 'pymalloc-gc-lists' | 'mimalloc';
  faulthandler: {
    /** Printed for a thread without Python frames. */
    emptyStack: string;
    /** Printed after MAX_FRAME_DEPTH frames; null when the dump just stops. */
    truncation: string | null;
    maxFrames: number;
    maxThreads: number;
    /** 3.10+ print `Extension modules: ...` after the dump. */
    extensionModules: boolean;
  };
}

const FH_OLD = { emptyStack: '<no Python frame>', truncation: '  ...', maxFrames: 100, maxThreads: 100, extensionModules: false };
const FH_310 = { ...FH_OLD, emptyStack: '  <no Python frame>', extensionModules: true };

// Each version is the previous one with what changed: reading down the table shows the history.
const v38: Capabilities = {
  runtimeState: { kind: 'struct' },
  evalLoop: '_PyEval_EvalFrameDefault',
  debugFill: 'current',
  debugSerial: 'none',
  exceptionRepr: 'single-arg-bare',
  str: 'unicode',
  lnotabDeltas: 'signed',
  frameModel: 'frame-object',
  currentFrame: 'tstate.frame',
  stackRefs: 'plain',
  instruction: 'f_lasti-bytes',
  lineTable: 'lnotab',
  frameLine: 'addr2line',
  skippedFrameOwners: [],
  nativeThreadId: false,
  gil: 'runtime',
  unicode: 'with-wstr',
  debugOffsets: false,
  intLayout: 'ob_size',
  int: 'digits',
  typeSizeof: 'type-sizeof',
  typeReady: 'always',
  dictKeys: 'dk_size',
  splitOrder: 'entry-order',
  managedDict: 'none',
  localNames: 'varnames',
  generatorFrame: 'frame-object',
  awaited: { kind: 'f_stacktop', yieldFromOpcode: 72 },
  preHeaderFlags: 0,
  refchain: 'static-symbol',
  refcount: 'ob_refcnt',
  obRefcnt: 'ssize_t',
  objectHeap: 'pymalloc-gc-lists',
  freeLists: [
    { name: 'PyCFunctionObject', count: { loadedBy: '_PyCFunction_DebugMallocStats' } },
    { name: 'PyDictObject', count: { loadedBy: '_PyDict_DebugMallocStats' } },
    { name: 'PyFloatObject', count: { loadedBy: '_PyFloat_DebugMallocStats' } },
    { name: 'PyFrameObject', count: { loadedBy: '_PyFrame_DebugMallocStats' } },
    { name: 'PyListObject', count: { loadedBy: '_PyList_DebugMallocStats' } },
    { name: 'PyMethodObject', count: { loadedBy: '_PyMethod_DebugMallocStats' } },
    { name: 'tuple', count: { staticArray: 'numfree' }, lengths: 19, indexOfLength1: 1 },
  ],
  faulthandler: FH_OLD,
};
const v39: Capabilities = {
  ...v38,
  // 3.9 dropped the method and C function free lists.
  freeLists: v38.freeLists.filter((f) => f.name !== 'PyCFunctionObject' && f.name !== 'PyMethodObject'),
};
const v310: Capabilities = {
  ...v39,
  instruction: 'f_lasti-units',
  lineTable: 'linetable-310',
  frameLine: 'f_lineno-else-addr2line',
  awaited: { kind: 'f_stackdepth', yieldFromOpcode: 72 },
  // Moved into the interpreter state.
  freeLists: [
    { name: 'PyDictObject', count: { field: 'interp.freelist.dict' } },
    { name: 'PyFloatObject', count: { field: 'interp.freelist.float' } },
    { name: 'PyFrameObject', count: { field: 'interp.freelist.frame' } },
    { name: 'PyListObject', count: { field: 'interp.freelist.list' } },
    { name: 'tuple', count: { field: 'interp.freelist.tuple' }, lengths: 19, indexOfLength1: 1 },
  ],
  faulthandler: FH_310,
};
const v311: Capabilities = {
  ...v310,
  frameModel: 'interpreter-frame',
  currentFrame: 'tstate.cframe.current_frame',
  instruction: 'instr-pointer',
  lineTable: 'locations-311',
  frameLine: 'addr2line',
  nativeThreadId: true,
  dictKeys: 'dk_log2',
  splitOrder: 'prefix-bytes',
  managedDict: 'dict-and-values-pointers',
  localNames: 'localsplus',
  generatorFrame: 'embedded',
  awaited: { kind: 'resume-oparg' },
  preHeaderFlags: 1 << 4,
  // Frames are no longer free-listed; tuples of length 20 are.
  freeLists: [
    { name: 'PyDictObject', count: { field: 'interp.freelist.dict' } },
    { name: 'PyFloatObject', count: { field: 'interp.freelist.float' } },
    { name: 'PyListObject', count: { field: 'interp.freelist.list' } },
    { name: 'tuple', count: { field: 'interp.freelist.tuple' }, lengths: 20, indexOfLength1: 0 },
  ],
};
const v312: Capabilities = {
  ...v311,
  skippedFrameOwners: [3],
  gil: 'interpreter-pointer',
  unicode: 'compact-only',
  intLayout: 'lv_tag',
  managedDict: 'dict-or-values',
  preHeaderFlags: (1 << 4) | (1 << 3),
  refchain: 'interpreter',
};
const v313: Capabilities = {
  ...v312,
  currentFrame: 'tstate.current_frame',
  debugOffsets: true,
  splitOrder: 'after-capacity',
  managedDict: 'dict-or-inline-values',
  awaited: { kind: 'frame-state' },
  refchain: 'hashtable',
  // Dict keys objects are free-listed too.
  freeLists: [v312.freeLists[0], { name: 'PyDictKeysObject', count: { field: 'interp.freelist.dictkeys' } }, ...v312.freeLists.slice(1)],
  faulthandler: { ...FH_310, truncation: null },
};

// Unverified (no 3.14 core in the corpus): from the 3.14 headers. FRAME_OWNED_BY_INTERPRETER (3)
// marks the eval loop's entry shim as FRAME_OWNED_BY_CSTACK did in 3.12/3.13; 3.14's
// FRAME_OWNED_BY_CSTACK (4) frames hold no Python code either.
const v314: Capabilities = {
  ...v313,
  stackRefs: 'tagged',
  obRefcnt: 'uint32-with-flags',
  skippedFrameOwners: [3, 4],
};

// Unverified (no 3.15 core in the corpus): from 3.15 development headers (headers/py315.ts). The
// owners keep their numbers, 4 now FRAME_OWNED_BY_THREAD_STATE, the thread state's sentinel base
// frame: no Python code either. _framestate was renumbered, but decoders read it by name.
const v315: Capabilities = { ...v314 };

// Older versions, each the next newer one with what differs (verified on pyenv 3.7.16, 3.6.15 cores).
// 3.7: what pycore reads is as in 3.8 (PyGC_Head is still the 3-word union, whose size the layout gives);
// 3.7.0-3.7.3 have the old debug fill bytes (capabilitiesOf tells them by the micro version); the
// debug hooks' blocks end in a serial number.
const v37: Capabilities = { ...v38, debugSerial: 'after-tail-pad' };
const STATICS_36: RuntimeStatics = {
  interpretersHead: 'interp_head',
  tstateCurrent: '_PyThreadState_Current',
  gilLastHolder: 'gil_last_holder',
  gilLocked: 'gil_locked',
  gcGenerations: 'generations',
  gcEnabled: 'enabled',
  gcCollecting: 'collecting',
  gcGarbage: 'garbage',
};
// 3.6: no _PyRuntime yet.
const v36: Capabilities = { ...v37, runtimeState: { kind: 'statics', symbols: STATICS_36 }, exceptionRepr: 'args-tuple', debugFill: 'pre-3.7.4' };

// 2.7: no GIL statics (its GIL is an opaque semaphore), str is bytes, unsigned lnotab deltas; no
// faulthandler (the truth of its cores is sys._current_frames()).
const v27: Capabilities = {
  ...v36,
  runtimeState: { kind: 'statics', symbols: { ...STATICS_36, gilLastHolder: null, gilLocked: null } },
  str: 'bytes',
  lnotabDeltas: 'unsigned',
  evalLoop: 'PyEval_EvalFrameEx',
  dictKeys: 'ma_table',
  int: 'c-long',
  typeSizeof: 'metatype-basicsize',
  typeReady: 'lazy',
  // No sys._debugmallocstats() (3.3+) to follow, and its counts are file-local statics all named
  // `numfree` with no function that loads one to tell them apart: no free lists are read.
  freeLists: [],
};

export const capabilitiesByMinor: Record<string, Capabilities> = { '2.7': v27, '3.6': v36, '3.7': v37, '3.8': v38, '3.9': v39, '3.10': v310, '3.11': v311, '3.12': v312, '3.13': v313, '3.14': v314, '3.15': v315 };

/**
 * A free-threaded build (Py_GIL_DISABLED, 3.13t) of a version: the same frames, code and
 * containers, but split reference counts and mimalloc heaps instead of pymalloc and GC lists.
 * Its free lists are per thread (struct _Py_object_freelists in each _PyThreadStateImpl), not in
 * the interpreter state: none are read.
 */
export function freeThreadedCapabilities(c: Capabilities): Capabilities {
  return { ...c, refcount: 'local-shared', objectHeap: 'mimalloc', freeLists: [] };
}

/** Versions with a free-threaded build (3.13+: PEP 703). */
export const freeThreadedMinors: readonly string[] = ['3.13', '3.14'];
