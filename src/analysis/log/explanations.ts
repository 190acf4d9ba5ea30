// Every sentence `pycore explain` says about a finding: what happened, likely causes, next steps.
// All prose lives here (like pystack's errors.py) so that wording is reviewed in one place and
// the parser stays free of it. Strings from the log are embedded raw; reports escape them.
import type { BadPad, FindingKind, FrameRef, ObjectDumpDetails, ThreadRef } from '../findings.js';
import type { NativeFrame } from './scan.js';

export interface Explanation {
  summary: string;
  likely_causes: string[];
  next_steps: string[];
}

type D = Record<string, unknown>;

const str = (d: D, k: string): string | null => (typeof d[k] === 'string' ? (d[k] as string) : null);
const num = (d: D, k: string): number | null => (typeof d[k] === 'number' ? (d[k] as number) : null);
const list = <T>(d: D, k: string): T[] => (Array.isArray(d[k]) ? (d[k] as T[]) : []);
const obj = <T>(d: D, k: string): T | null => (d[k] && typeof d[k] === 'object' && !Array.isArray(d[k]) ? (d[k] as T) : null);

/** `fn (file:line)` */
export function where(f: FrameRef | null): string {
  if (!f) return 'an unknown place';
  const at = `${f.file}:${f.line ?? '???'}`;
  return f.function ? `${f.function} (${at})` : at;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function names(items: string[], max = 8): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

// ---------------------------------------------------------------------------------------------
// Next steps shared by several kinds.

const STEP = {
  core: 'If the process left a core file, run `pycore analyze CORE` on it: every thread\'s Python stack, the signal and the native crash site, without gdb. (Enable cores with `ulimit -c unlimited`; /proc/sys/kernel/core_pattern or `coredumpctl list` tell where they go.)',
  devMode: 'Re-run with `python -X dev`: it installs the debug memory hooks, enables faulthandler and extra runtime checks, so memory and API misuse tends to fail earlier and closer to its cause.',
  debugMalloc: 'Re-run with `PYTHONMALLOC=debug`: buffer overflows, writes to freed memory and mixed allocator families then stop with a "Debug memory block" report that names the block.',
  tracemalloc: 'Add `-X tracemalloc=5` (or `PYTHONTRACEMALLOC=5`): the debug allocator\'s report and ResourceWarnings then show the Python traceback where the block or object was allocated.',
  pydebug: 'Reproduce with a debug build of CPython (`./configure --with-pydebug`, or a distribution\'s python3-dbg): its assertions report refcount and GC errors at the place they happen, with the object dumped.',
  gcThreshold: 'Call `gc.set_threshold(5)` (or even 1) at start-up so the collector runs all the time: a crash caused by a broken object then happens soon after the object goes wrong, not much later.',
  gcDisable: 'To confirm the garbage collector is involved, run once with `gc.disable()` at start-up: if the crash goes away, look for an extension type with a wrong tp_traverse/tp_clear or a missing Py_INCREF.',
  faulthandler: 'Enable faulthandler (`python -X faulthandler` or `PYTHONFAULTHANDLER=1`) so that the next crash prints every thread\'s Python stack.',
  extensionsUnknown: 'List the third-party C extensions the program imports (on 3.10+ faulthandler prints them as "Extension modules:"), and check those first: update them, rebuild them for this Python version, or take them out one at a time.',
  gdb: 'Run the reproducer under gdb (`gdb -batch -ex run -ex bt --args python ...`) to see the native frames: the first frame outside CPython and libc is usually the culprit.',
};

function extensionsStep(mods: string[]): string {
  return `Check the non-standard C extensions loaded at the crash first (${names(mods)}): update them, rebuild them for this Python version, or take them out one at a time to find the culprit.`;
}

function extensionSteps(d: D): string[] {
  const mods = list<string>(d, 'extension_modules');
  return mods.length > 0 ? [extensionsStep(mods)] : [STEP.extensionsUnknown];
}

/** The debug allocator's API ids: which family of functions allocated or released a block. */
const API_FAMILIES: Record<string, { family: string; release: string }> = {
  r: { family: 'PyMem_Raw*', release: 'PyMem_RawFree/PyMem_RawRealloc' },
  m: { family: 'PyMem_*', release: 'PyMem_Free/PyMem_Realloc' },
  o: { family: 'PyObject_*', release: 'PyObject_Free/PyObject_Realloc' },
};

function apiFamily(api: string | null): string {
  return api ? `${API_FAMILIES[api]?.family ?? 'unknown'} (API '${api}')` : 'an unknown API';
}

function apiRelease(api: string | null): string {
  return api ? `${API_FAMILIES[api]?.release ?? 'an unknown function'} (API '${api}')` : 'an unknown API';
}

// ---------------------------------------------------------------------------------------------
// Crash context: what the parts after a fatal error tell.

function crashContext(d: D): string {
  const parts: string[] = [];
  const thread = str(d, 'current_thread');
  const top = obj<FrameRef>(d, 'top_frame');
  if (top) parts.push(`Python was running ${where(top)}${thread ? ` in thread ${thread}` : ''}`);
  if (d.garbage_collecting === true) parts.push('the garbage collector was running');
  const state = str(d, 'runtime_state');
  if (state === 'finalizing') parts.push('the interpreter was shutting down');
  const mods = list<string>(d, 'extension_modules');
  if (mods.length > 0) parts.push(`non-standard C extensions loaded: ${names(mods)}`);
  return parts.length ? ` ${capitalize(parts.join('; '))}.` : '';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function inCtypes(top: FrameRef | null): boolean {
  return top !== null && /(^|[/\\])ctypes[/\\]__init__\.py$/.test(top.file);
}

function gcCauses(d: D): string[] {
  return d.garbage_collecting === true ? ['It happened during a garbage collection: an object reachable by the collector is broken, typically an extension type whose tp_traverse visits a freed or wrong pointer, or an object whose refcount was decremented too often.'] : [];
}

function shutdownCauses(d: D): string[] {
  return str(d, 'runtime_state') === 'finalizing' ? ['It happened during interpreter shutdown: a __del__ method, an atexit or weakref callback, a daemon thread or an extension\'s module cleanup used something that was already torn down.'] : [];
}

function gcSteps(d: D): string[] {
  return d.garbage_collecting === true ? [STEP.gcThreshold, STEP.gcDisable] : [];
}

// ---------------------------------------------------------------------------------------------

function fatalSignal(d: D): Explanation {
  const sig = str(d, 'signal');
  const printed = str(d, 'printed') ?? 'a fatal signal';
  const top = obj<FrameRef>(d, 'top_frame');
  const depth = num(d, 'stack_depth');
  const summary = `The process died of a fatal signal: ${printed}${sig ? ` (${sig})` : ''}; faulthandler printed the Python stacks.${crashContext(d)}`;
  const causes: string[] = [];
  const steps: string[] = [];
  switch (sig) {
    case 'SIGSEGV':
    case 'SIGBUS':
      if (inCtypes(top)) causes.push('The top Python frame is in ctypes: a bad address, length or function signature given to ctypes (a NULL or freed pointer, a wrong argtypes/restype) makes the process touch memory it does not own.');
      if (list(d, 'extension_modules').length) causes.push(`A bug in one of the loaded C extensions (${names(list<string>(d, 'extension_modules'))}): a NULL or dangling pointer, a buffer overflow, or a reference-count error that freed an object still in use.`);
      else causes.push('Native code (a C extension, a library called through ctypes/cffi, or CPython itself after memory corruption) read or wrote an invalid address: NULL, freed memory, or past the end of a buffer.');
      causes.push('Memory corrupted earlier (a use-after-free, a refcount error, a buffer overflow) that only crashed now, far from its cause.');
      if (sig === 'SIGBUS') causes.push('SIGBUS specifically: a memory-mapped file was truncated while mapped, or a misaligned access on a strict architecture.');
      if (depth !== null && depth >= 100) causes.push(`The stack is at least ${depth} frames deep: the C stack may have overflowed (deep recursion, a low thread stack size).`);
      causes.push(...gcCauses(d), ...shutdownCauses(d));
      steps.push(...extensionSteps(d), STEP.core, STEP.devMode, STEP.debugMalloc, ...gcSteps(d), STEP.gdb);
      break;
    case 'SIGABRT':
      causes.push('abort() was called: a failed C assert() or a glibc heap check (`free(): invalid pointer`, `double free or corruption`) prints its message just before this; os.abort() and some C++ `std::terminate` paths end here too.');
      causes.push(...gcCauses(d), ...shutdownCauses(d));
      steps.push('Read the lines just before this one: the message of the assert() or of glibc names the check that failed.', ...extensionSteps(d), STEP.core, STEP.devMode, STEP.debugMalloc);
      break;
    case 'SIGFPE':
      causes.push('An integer division by zero (or INT_MIN / -1) in native code; Python-level division raises ZeroDivisionError instead.');
      steps.push(...extensionSteps(d), STEP.core, STEP.gdb);
      break;
    case 'SIGILL':
      causes.push('A native library or wheel built for a newer CPU (AVX2/AVX-512 instructions on an older machine or emulator), or a jump to a corrupted code pointer.');
      steps.push('Check which binary wheels were built for which CPU (e.g. reinstall with `pip install --no-binary :all:` or a baseline build), then the extensions loaded.', ...extensionSteps(d), STEP.core);
      break;
    default:
      causes.push('A signal faulthandler handles but does not name; see the signal number.');
      steps.push(STEP.core, ...extensionSteps(d));
  }
  return { summary, likely_causes: causes, next_steps: steps };
}

function fatalHeadline(d: D): string {
  const fn = str(d, 'function');
  const msg = str(d, 'message') ?? '';
  return fn ? `${msg} (reported by ${fn})` : msg;
}

function pendingException(d: D): string {
  const e = obj<{ exception: string | null; message: string | null }>(d, 'pending_exception');
  if (!e || !e.exception) return '';
  return ` An exception was pending: ${e.exception}${e.message ? `: ${e.message}` : ''}.`;
}

function fatalError(d: D): Explanation {
  const summary = `CPython stopped the process with a fatal error: ${fatalHeadline(d)}.${pendingException(d)}${crashContext(d)}`;
  const causes = ['CPython (or a C extension calling Py_FatalError) found an inconsistency it cannot recover from, and aborted.', ...shutdownCauses(d), ...gcCauses(d)];
  if (str(d, 'function') && !/^_?Py/.test(str(d, 'function')!)) causes.push(`The reporting function ${str(d, 'function')} is not part of CPython's API naming: it is probably in a C extension.`);
  return { summary, likely_causes: causes, next_steps: ['Search for the message in the source of CPython and of the loaded extensions: the check that failed names the broken invariant.', ...extensionSteps(d), STEP.core, STEP.devMode, ...gcSteps(d)] };
}

function startupFailure(d: D): Explanation {
  const pc = obj<Record<string, string>>(d, 'path_configuration');
  const home = pc?.PYTHONHOME;
  const summary = `Python failed while starting up: ${fatalHeadline(d)}.${pendingException(d)}${home && home !== '(not set)' ? ` PYTHONHOME was ${home}.` : ''}`;
  return {
    summary,
    likely_causes: [
      'The standard library could not be found or imported: a wrong or stale PYTHONHOME or PYTHONPATH, a moved or partially deleted installation, or a broken virtual environment (pyvenv.cfg pointing to a removed interpreter).',
      'An environment meant for another Python version (PYTHONHOME/PYTHONPATH from a different install, or a `python3X.zip`/lib directory of the wrong version).',
    ],
    next_steps: [
      'Run `env -u PYTHONHOME -u PYTHONPATH python -c "import sys; print(sys.prefix, sys.path)"`: if that works, fix or unset those variables where the failing process is started.',
      'Compare the "Python path configuration" lines (stdlib dir, sys.path) with where the standard library really is (`encodings/__init__.py` must be in one of them).',
      'Recreate a broken virtual environment (`python -m venv --clear ...`).',
    ],
  };
}

function stackOverflow(d: D): Explanation {
  return {
    summary: `Python gave up on a runaway recursion: ${fatalHeadline(d)}.${crashContext(d)}`,
    likely_causes: ['Code kept recursing while a RecursionError was being handled (for example `except RecursionError:` that calls the recursive function again, or a __repr__/__del__/__getattr__ that recurses while the error is reported).'],
    next_steps: ['Find the repeated frames in the dump below: the recursion that never ends is there; make it iterative or give it a base case.', 'Do not call back into the recursive code from an `except RecursionError` handler.', 'Raising sys.setrecursionlimit() only moves the limit, and too high a limit overflows the C stack (a segfault instead).'],
  };
}

function gilNotHeld(d: D): Explanation {
  return {
    summary: `C code called the Python C API without holding the GIL: ${fatalHeadline(d)}.${crashContext(d)}`,
    likely_causes: [
      'An extension released the GIL (Py_BEGIN_ALLOW_THREADS) and called a Python API function, or allocated Python memory, before re-acquiring it.',
      'A callback from a thread created in C (a library\'s worker thread) entered Python without PyGILState_Ensure().',
      'Code ran after Py_Finalize() or before Py_Initialize().',
    ],
    next_steps: [...extensionSteps(d), 'Look for Python API calls between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS, and in callbacks invoked from foreign threads (they need PyGILState_Ensure/Release).', STEP.devMode, STEP.debugMalloc],
  };
}

function blockPlace(d: D, withApi = true): string {
  const size = num(d, 'requested');
  const api = withApi ? str(d, 'api') : null;
  return `the ${size !== null ? `${size}-byte ` : ''}block at p=${str(d, 'address') ?? '?'}${api ? ` (a ${apiFamily(api)} block)` : ''}`;
}

/** `tail+0..tail+7 = 0x78 ('x')`: runs of consecutive offsets with the same value. */
function badPadText(pads: BadPad[]): string {
  const runs: string[] = [];
  const pos = (p: BadPad) => `${p.base}${p.offset >= 0 ? '+' : ''}${p.offset}`;
  for (let i = 0; i < pads.length; ) {
    let j = i;
    while (j + 1 < pads.length && pads[j + 1].base === pads[i].base && pads[j + 1].offset === pads[j].offset + 1 && pads[j + 1].value === pads[i].value) j++;
    const v = parseInt(pads[i].value, 16);
    const ch = v >= 0x20 && v <= 0x7e ? ` ('${String.fromCharCode(v)}')` : '';
    runs.push(`${pos(pads[i])}${j > i ? `..${pos(pads[j])}` : ''} = ${pads[i].value}${ch}`);
    i = j + 1;
  }
  return runs.join(', ');
}

function allocatedAtStep(d: D): string[] {
  const at = list<FrameRef>(d, 'allocated_at');
  if (at.length > 0) return [`The block was allocated at ${where(at[0])} (tracemalloc): start reading the code that owns the block there.`];
  return [STEP.tracemalloc];
}

function memoryError(kind: 'trailing-pad' | 'leading-pad' | 'bad-api-id', d: D): Explanation {
  const pads = list<BadPad>(d, 'bad_pads');
  const fn = str(d, 'function');
  const by = fn ? ` CPython's debug allocator noticed it in ${fn}.` : ' CPython\'s debug allocator (PYTHONMALLOC=debug) noticed it.';
  const common = [...allocatedAtStep(d), ...extensionSteps(d), STEP.core, 'Build the extension (or CPython) with AddressSanitizer (`-fsanitize=address`) to stop at the faulty write itself.'];
  if (kind === 'trailing-pad') {
    const n = pads.filter((p) => p.base === 'tail').length;
    return {
      summary: `Buffer overflow: something wrote past the end of ${blockPlace(d)}; ${n > 0 ? `${plural(n, 'guard byte')} after it ${n === 1 ? 'was' : 'were'} overwritten (${badPadText(pads.filter((p) => p.base === 'tail'))})` : 'the guard bytes after it were overwritten'}.${by}${crashContext(d)}`,
      likely_causes: [
        'The code that owns this block wrote more bytes than it asked for: an off-by-one, no room for a terminating NUL, or a wrong length given to memcpy/strcpy/sprintf.',
        'A block of the wrong size was allocated (e.g. the size of a pointer instead of the structure), then filled completely.',
        'The overwritten bytes often tell what was written: text (0x20-0x7e) points at a string copy, a pointer-like pattern at a structure.',
      ],
      next_steps: common,
    };
  }
  if (kind === 'leading-pad') {
    return {
      summary: `Memory corruption before ${blockPlace(d)}: the guard bytes in front of it were overwritten (${badPadText(pads.filter((p) => p.base === 'p')) || 'see the dump'}), so its recorded size may be wrong too.${by}${crashContext(d)}`,
      likely_causes: ['A write at a negative index (buf[-1]) or an underflowing pointer in the code that owns this block.', 'An overflow of the block just below it in memory that ran over its own guard bytes and into this block\'s header.', 'A pointer that does not point to the start of a block was passed to free/realloc.'],
      next_steps: common,
    };
  }
  const allocated = str(d, 'allocated_api');
  const verified = str(d, 'verified_api');
  return {
    summary: `Mixed memory allocators: ${blockPlace(d, false)} was allocated by the ${apiFamily(allocated ?? str(d, 'api'))} functions but released or resized with ${apiRelease(verified)}.${by}${crashContext(d)}`,
    likely_causes: [
      'C code frees or reallocates memory with a function from another family than the one that allocated it (PyMem_Malloc memory given to PyObject_Free, PyMem_RawMalloc memory to PyMem_Free, ...). Release builds usually survive this by luck; it corrupts memory when the allocators differ.',
      'A buffer allocated by one library or extension is freed by another that assumes a different allocator.',
    ],
    next_steps: ['Find the allocation and the release of this buffer in the extension\'s source and make them a matching pair (PyMem_Malloc/PyMem_Free, PyObject_Malloc/PyObject_Free, PyMem_RawMalloc/PyMem_RawFree).', ...common],
  };
}

function objectText(o: ObjectDumpDetails | null): string {
  if (!o) return '';
  if (o.freed) return `the object at ${o.address ?? '?'} (already freed)`;
  return `the ${o.type_name ?? 'object'} at ${o.address ?? '?'} (refcount ${o.refcount ?? '?'}${o.repr ? `, repr ${o.repr.length > 80 ? `${o.repr.slice(0, 80)}...` : o.repr}` : ''})`;
}

/** The fill byte a dead-fill refcount repeats, as `0xdd...` (3.6-3.7.3 wrote 0xdb). */
function deadFillText(refcount: string | null): string {
  if (refcount === null || !/^-?[0-9]{1,20}$/.test(refcount)) return '0xdd...';
  return `0x${(BigInt.asUintN(64, BigInt(refcount)) >> 56n).toString(16)}...`;
}

function useAfterFree(d: D): Explanation {
  // From an object dump alone, or from an assertion (negative refcount, GC) with the dump inside.
  const o = (obj<ObjectDumpDetails>(d, 'object') ?? d) as ObjectDumpDetails;
  const check = str(d, 'expression') !== null || str(d, 'message') !== null ? ` Detected by: ${assertionText(d)}.` : '';
  const summary = (o.freed
    ? `Use after free: CPython was asked to show the object at ${o.address ?? '?'}, and its memory holds the debug allocator's "freed" pattern.`
    : `Use after free: ${objectText(o)} has a refcount that is the debug allocator's dead-byte fill (${deadFillText(o.refcount)}), so this object's memory was freed while it is still being used.`) + check + crashContext(d);
  return {
    summary,
    likely_causes: [
      'A reference was used after its last owner released it: a borrowed reference (PyList_GetItem, PyDict_GetItem, PyTuple_GET_ITEM, ...) kept after the container changed or died.',
      'One Py_DECREF too many (or a missing Py_INCREF) in C code, so the object was freed while others still pointed to it.',
      'A C structure caches a PyObject* without owning a reference to it.',
    ],
    next_steps: [STEP.debugMalloc, STEP.tracemalloc, STEP.pydebug, STEP.extensionsUnknown, 'With a core of the crash, `pycore analyze CORE` shows the threads at that moment (looking up who refers to the freed block needs `pycore explain LOG --core CORE`, not available yet).'],
  };
}

function objectDump(d: D): Explanation {
  const o = d as unknown as ObjectDumpDetails;
  return {
    summary: `CPython printed a debugging dump of ${objectText(o)}; its header looks valid.`,
    likely_causes: ['_PyObject_Dump is printed by fatal-error and assertion reports (the object involved) and by debugging code; on its own it is information, not an error.'],
    next_steps: ['Read the error printed next to this dump: it says why this object was shown.'],
  };
}

function negativeRefcount(kind: 'dump' | 'assert', d: D): Explanation {
  const o = (kind === 'dump' ? d : obj<ObjectDumpDetails>(d, 'object')) as ObjectDumpDetails | null;
  const file = kind === 'assert' ? str(d, 'file') : null;
  // 3.11+ report the line inside Py_DECREF itself (Include/object.h), not its caller.
  const site = file ? ` Reported at ${file}:${num(d, 'line') ?? '?'}${/(^|\/)object\.h$/.test(file) ? ' (inside Py_DECREF: the caller is not named; the stack below shows the Python code that was running)' : ' (the Py_DECREF that found it)'}.` : '';
  return {
    summary: `Reference count below zero: ${o ? objectText(o) : 'an object'} was released more times than it was referenced.${site}${crashContext(d)}`,
    likely_causes: [
      'An extra Py_DECREF/Py_XDECREF in C code, or a reference released on an error path and again later.',
      'A stolen reference treated as borrowed: PyList_SetItem, PyTuple_SetItem and PyModule_AddObject (on success) take over the caller\'s reference, so the caller must not release it again.',
      'A function returned a borrowed reference without Py_INCREF, so its caller released a reference it never owned.',
    ],
    next_steps: [...extensionSteps(d), STEP.pydebug, STEP.devMode, 'Check the reference counting of every object the dumped type is built from or stored in, especially on error paths.'],
  };
}

function deallocatingNone(d: D): Explanation {
  const what = str(d, 'object') ?? 'None';
  return {
    summary: `The reference count of ${what} dropped to zero: C code released ${what} more times than it owned it.${crashContext(d)}`,
    likely_causes: [`\`return Py_${what};\` without Py_INCREF (use Py_RETURN_NONE / Py_RETURN_TRUE / Py_RETURN_FALSE), or a Py_DECREF on a borrowed reference to ${what}. The bug can be far from where the count reached zero.`],
    next_steps: [...extensionSteps(d), `Search the extensions' C source for \`return Py_${what}\` and for Py_DECREF calls on values that may be ${what}.`, STEP.pydebug],
  };
}

function assertionText(d: D): string {
  const fn = str(d, 'function');
  const file = str(d, 'file');
  const expr = str(d, 'expression');
  const msg = str(d, 'message');
  return `${expr !== null ? `\`${expr}\`` : 'assertion'}${msg ? ` ("${msg}")` : ''}${fn ? ` in ${fn}` : ''}${file ? ` at ${file}:${num(d, 'line') ?? '?'}` : ''}`;
}

function heapCorruption(d: D): Explanation {
  const m = str(d, 'message') ?? '';
  const double = m.includes('double free');
  return {
    summary: `The C library's malloc found its heap damaged and aborted the process: "${m}"${d.signal === 'SIGABRT' ? '' : ' (the abort itself is not in the log)'}.${crashContext(d)}`,
    likely_causes: [
      double ? 'The same block was freed twice: two owners of one pointer, or a pointer freed on an error path and again later.' : 'A free/realloc of a pointer malloc did not return (an interior pointer, a Python-allocated block, a stack address), or a buffer overflow that overwrote the heap\'s own bookkeeping.',
      'Native code called free() on memory from another allocator (PyMem_*/PyObject_* memory, or another library\'s), or Python memory was released with free().',
      'The damage may have happened long before: glibc only notices when it next touches the damaged chunk.',
    ],
    next_steps: [...extensionSteps(d), 'Run under valgrind (`PYTHONMALLOC=malloc valgrind python ...`) or build the extension with AddressSanitizer: both stop at the bad free or the write that damaged the heap.', STEP.debugMalloc, STEP.core],
  };
}

function gcAssertion(d: D): Explanation {
  const fn = str(d, 'function');
  const o = obj<ObjectDumpDetails>(d, 'object');
  const causes: string[] = [];
  if (fn === 'update_refs') causes.push('An object still tracked by the garbage collector had a reference count of 0 during a collection: its tp_dealloc ran (or is running) without calling PyObject_GC_UnTrack first, or its refcount was decremented too often.');
  else if (d.freed_referent === true) causes.push('A container visited by the collector refers to an object that was already freed: a missing Py_INCREF when the reference was stored, or an extra Py_DECREF elsewhere. The dumped object is the container that holds the dangling reference.');
  else causes.push('The collector counted more references to an object from other tracked objects than its reference count allows: a missing Py_INCREF when a reference was stored, or a tp_traverse that visits a reference the object does not own (or visits one twice).');
  causes.push('The object itself is usually fine; the bug is in the type or code that manages references to it (often a C extension type).');
  return {
    summary: `Garbage collector consistency check failed: ${assertionText(d)}.${o ? ` The object involved is ${objectText(o)}.` : ''}${crashContext(d)}`,
    likely_causes: causes,
    next_steps: [...extensionSteps(d), STEP.gcThreshold, STEP.gcDisable, 'Review tp_traverse, tp_clear and tp_dealloc of the extension types involved (tp_dealloc must call PyObject_GC_UnTrack before releasing members; tp_traverse must visit exactly the references the object owns).', STEP.devMode],
  };
}

function assertionFailed(d: D): Explanation {
  const file = str(d, 'file') ?? '';
  const cpython = /^(\.\.?\/)?(Objects|Python|Include|Modules|Parser)\//.test(file);
  const o = obj<ObjectDumpDetails>(d, 'object');
  const prog = str(d, 'program');
  return {
    summary: `Assertion failed: ${assertionText(d)}${prog ? ` (in ${prog})` : ''}${d.signal === 'SIGABRT' ? ', and the process aborted' : ''}.${o ? ` The object involved is ${objectText(o)}.` : ''}${crashContext(d)}`,
    likely_causes: cpython
      ? ['One of CPython\'s own internal checks (a debug or assert-enabled build) failed: usually the after-effect of an extension breaking an API rule (reference counts, the GIL, object state), rarely a CPython bug.']
      : [`A check in ${file || 'native code'} failed: that code (${file ? 'not part of CPython: a C extension or library' : 'the program'}) found its own state inconsistent.`],
    next_steps: [file ? `Open ${file} at line ${num(d, 'line') ?? '?'}: the assertion names the condition that was false; find how it became so.` : 'Find the assertion in the sources it names.', ...extensionSteps(d), STEP.core, STEP.devMode],
  };
}

function threadDump(d: D): Explanation {
  const threads = list<ThreadRef>(d, 'threads');
  const omitted = num(d, 'threads_omitted') ?? 0;
  const cur = threads.find((t) => t.current) ?? null;
  const total = threads.length + omitted;
  const printedFor = obj<{ kind: string; line: number }>(d, 'printed_for');
  const what = d.all_threads === false ? 'the stack of the current thread' : `the stacks of ${plural(total, 'thread')}`;
  const truncated = threads.filter((t) => t.truncated);
  let summary = `faulthandler printed ${what}${printedFor ? ` for the ${printedFor.kind} at line ${printedFor.line}` : ''}.`;
  if (cur && cur.frames.length > 0) summary += ` The current thread${cur.thread_id ? ` (${cur.thread_id})` : ''} was in ${where(cur.frames[0])}.`;
  else if (cur?.no_python_frame) summary += ' The current thread was running no Python code (C code only, or start-up/shutdown).';
  if (threads.some((t) => t.garbage_collecting)) summary += ' The garbage collector was running.';
  if (truncated.length) summary += ` ${plural(truncated.length, 'stack was', 'stacks were')} cut at 100 frames.`;
  const steps = ['Read each stack from the top: the first frame in your own code is where to look; for the current thread that is the Python code that was running at the moment of the report.'];
  if (truncated.length) steps.push('A stack of 100+ frames usually means deep or runaway recursion; `pycore analyze CORE --all-frames` prints all of them from a core.');
  if (!printedFor) steps.push('No fatal error precedes this dump: it was printed on request (faulthandler.dump_traceback, a registered signal) or the log starts after the error.');
  return { summary, likely_causes: [], next_steps: steps };
}

function timeout(d: D): Explanation {
  const threads = list<{ thread_id: string | null; top_frame: FrameRef | null }>(d, 'threads');
  const tops = threads.filter((t) => t.top_frame).map((t) => `${t.thread_id ?? 'thread'} in ${where(t.top_frame)}`);
  return {
    summary: `faulthandler.dump_traceback_later() fired after ${str(d, 'timeout') ?? '?'}: the process was still busy (or stuck) then${threads.length ? `; ${plural(threads.length, 'thread')}: ${names(tops, 4)}` : ''}.`,
    likely_causes: ['A deadlock (threads waiting on each other\'s locks, or on a lock held across a fork), a blocking call without a timeout (network, subprocess, queue), an endless loop, or a test that is simply slower than the timeout (pytest-timeout and CI watchdogs use this).'],
    next_steps: [
      'Look at what each thread is waiting on (its top frame): lock.acquire, Event.wait, queue.get, socket or subprocess calls show who waits for whom.',
      'For a hung process that is still running, take a snapshot (`gcore PID`) and run `pycore analyze` on it, or use `faulthandler.dump_traceback_later(timeout, repeat=True)` to see whether it is stuck or moving.',
    ],
  };
}

function runtimeState(d: D): Explanation {
  const state = str(d, 'state') ?? 'unknown';
  const meaning: Record<string, string> = {
    initialized: 'the interpreter was fully initialized and running normally',
    finalizing: 'the interpreter was shutting down (Py_Finalize had started)',
    'core initialized': 'the interpreter was still starting up (core initialized, the import system not yet complete)',
    preinitialized: 'the interpreter was starting up (pre-initialized only)',
    preinitializing: 'the interpreter was starting up (pre-initializing)',
    unknown: 'the runtime state could not be determined (not initialized or already finalized)',
  };
  const steps: string[] = [];
  if (state === 'finalizing') steps.push('Shutdown crashes come from __del__ methods, atexit and weakref callbacks, daemon threads still running, and extension module cleanup: make those tolerate missing globals/modules, and join threads before exit.');
  else if (STARTUP.has(state)) steps.push('Start-up failures are about the installation and environment: check PYTHONHOME, PYTHONPATH and the virtual environment.');
  return { summary: `When the fatal error happened, ${meaning[state] ?? `the runtime state was "${state}"`}.${str(d, 'tstate') ? ` Thread state ${str(d, 'tstate')}.` : ''}`, likely_causes: [], next_steps: steps };
}

const STARTUP = new Set(['core initialized', 'preinitialized', 'preinitializing']);

function extensionModules(d: D): Explanation {
  const mods = list<string>(d, 'modules');
  const total = num(d, 'total');
  return {
    summary: `${plural(total ?? mods.length, 'non-standard C extension module')} ${(total ?? mods.length) === 1 ? 'was' : 'were'} loaded: ${names(mods, 20)}${d.complete === false ? ' (list incomplete)' : ''}.`,
    likely_causes: ['faulthandler (3.10+) lists the extension modules that are not part of the standard library: these are the usual suspects for crashes in native code.'],
    next_steps: mods.length ? [extensionsStep(mods)] : [],
  };
}

function pathConfiguration(d: D): Explanation {
  const e = obj<Record<string, string>>(d, 'entries') ?? {};
  const keys = ['PYTHONHOME', 'PYTHONPATH', 'stdlib dir', 'sys.prefix'].filter((k) => e[k] !== undefined);
  return {
    summary: `Python printed its path configuration because it could not start${keys.length ? `: ${keys.map((k) => `${k} = ${e[k]}`).join(', ')}` : ''}.`,
    likely_causes: ['The standard library is not where this configuration looks for it.'],
    next_steps: ['Check that the "stdlib dir" and sys.path entries exist and contain the standard library of this Python version; unset or fix PYTHONHOME/PYTHONPATH.'],
  };
}

function exceptionText(d: D): string {
  const e = str(d, 'exception') ?? 'an exception';
  const m = str(d, 'message');
  return m ? `${e}: ${m}` : e;
}

function pythonException(d: D): Explanation {
  const top = obj<FrameRef>(d, 'top_frame');
  return {
    summary: `Uncaught ${exceptionText(d)}${top ? `, raised in ${where(top)}` : ''}.`,
    likely_causes: ['A Python-level error, not a crash of the interpreter: the traceback shows where it was raised and how the code got there.'],
    next_steps: ['Read the traceback from the bottom: the last frame raised the exception, the ones above it called it.'],
  };
}

function recursionError(d: D): Explanation {
  const top = obj<FrameRef>(d, 'top_frame');
  const repeated = num(d, 'repeated') ?? 0;
  return {
    summary: `RecursionError: Python's recursion limit was reached${top ? ` in ${where(top)}` : ''}${repeated ? `; the last line repeated ${repeated} more times` : ''}.`,
    likely_causes: ['Unbounded recursion (a missing or unreachable base case, a __getattr__/__repr__/property that calls itself), or legitimately deep data (deeply nested JSON, pickles, trees) processed recursively.'],
    next_steps: ['Find the repeating frame (the `[Previous line repeated N more times]` line) and check its termination condition.', 'For deep data, rewrite the recursion as a loop with an explicit stack; sys.setrecursionlimit() helps only a little and a too-high limit overflows the C stack (a segfault instead of this error).'],
  };
}

function memoryErrorKind(d: D): Explanation {
  if (!Array.isArray(d.frames)) {
    return { summary: `CPython gave up after repeated MemoryErrors: ${fatalHeadline(d)}.${crashContext(d)}`, likely_causes: ['Memory ran out while an exception was being handled.'], next_steps: ['Check the memory limits of the process (`ulimit -v`, the container\'s memory limit) and what was using the memory.', STEP.tracemalloc] };
  }
  const top = obj<FrameRef>(d, 'top_frame');
  return {
    summary: `MemoryError${top ? ` in ${where(top)}` : ''}${str(d, 'message') ? `: ${str(d, 'message')}` : ''}: an allocation failed.`,
    likely_causes: ['One allocation too large for the memory available (a huge list/bytes/array, often from a size computed from bad input).', 'An address-space or memory limit: `ulimit -v` (RLIMIT_AS), a container or cgroup memory limit, or a 32-bit process.', 'Memory used up gradually by a leak until this allocation failed.'],
    next_steps: ['Check the size requested at the raising line, and the limits the process ran under (`ulimit -a`, the container\'s memory limit).', 'For a leak: `tracemalloc` snapshots compared over time (`-X tracemalloc=5`, then `tracemalloc.take_snapshot().compare_to(...)`).'],
  };
}

function resourceWarning(d: D): Explanation {
  const at = list<FrameRef>(d, 'allocated_at');
  const alloc = at.length ? at[at.length - 1] : null;
  return {
    summary: `ResourceWarning: ${str(d, 'message') ?? ''} (reported at ${str(d, 'file') ?? '?'}:${num(d, 'line') ?? '?'}${alloc ? `; allocated at ${alloc.file}:${alloc.line ?? '?'}` : ''}).`,
    likely_causes: ['A file, socket or other resource was never closed and was cleaned up by the garbage collector instead; harmless once, but leaks descriptors in loops and hides errors on close.'],
    next_steps: [
      ...(alloc ? [`Close the resource opened at ${alloc.file}:${alloc.line ?? '?'}, preferably with a \`with\` block.`] : [STEP.tracemalloc]),
      'Run with `-W error::ResourceWarning` to turn the warning into an exception at the place the object is finalized.',
    ],
  };
}

const SYSTEM_LIB = /^(libc|libpthread|ld-linux|ld-2|libm|libdl|librt|libgcc_s|libstdc\+\+|linux-vdso)\b/;

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Which part of the process a native frame or module belongs to. */
export function nativeOwner(file: string | null, library: string | null): 'cpython' | 'system' | 'other' {
  const lib = library ? basename(library) : null;
  if (lib && (lib.startsWith('libpython') || /^python[0-9.]*$/.test(lib))) return 'cpython';
  if (lib && SYSTEM_LIB.test(lib)) return 'system';
  if (file) {
    if (/^(\.\.?\/)?(Objects|Python|Include|Modules|Parser|Programs)\//.test(file)) return 'cpython';
    if (/^(\.\.\/)?(sysdeps|csu|nptl|stdlib|string|libio|malloc|elf|misc|signal)\//.test(file) || file.startsWith('../sysdeps/')) return 'system';
    return 'other';
  }
  return lib ? 'other' : 'system';
}

function nativeCrash(d: D): Explanation {
  const source = str(d, 'source');
  if (source === 'kernel') {
    const mod = str(d, 'module');
    const owner = mod ? nativeOwner(null, mod) : null;
    return {
      summary: `The kernel reports a segmentation fault in ${str(d, 'process') ?? '?'} (pid ${num(d, 'pid') ?? '?'}) at address ${str(d, 'fault_address') ?? '?'}${mod ? `, in ${mod}${owner === 'other' ? ' (not CPython or the C library: most likely an extension module or a library it uses)' : owner === 'cpython' ? ' (CPython itself)' : ' (the C library)'}` : ''}.`,
      likely_causes: owner === 'other' ? [`A bug in ${mod}: a NULL or dangling pointer, or memory it corrupted.`] : ['A crash inside CPython or libc is usually the after-effect of memory corrupted by an extension (use-after-free, refcount error, buffer overflow).'],
      next_steps: [STEP.faulthandler, STEP.core, ...(owner === 'other' && mod ? [`Check ${mod} first: update or rebuild it for this Python version.`] : [STEP.extensionsUnknown]), STEP.devMode],
    };
  }
  const frames = list<NativeFrame>(d, 'frames');
  const top = frames[0] ?? null;
  const suspect = frames.find((f) => nativeOwner(f.file, f.library) === 'other') ?? null;
  const topOwner = top ? nativeOwner(top.file, top.library) : null;
  const fr = (f: NativeFrame) => `${f.function}${f.file ? ` at ${f.file}:${f.line ?? '?'}` : f.library ? ` in ${f.library}` : ''}`;
  let summary = `The debugger caught ${str(d, 'signal') ?? 'a signal'} (${str(d, 'description') ?? ''})`;
  if (top) summary += ` in ${fr(top)}`;
  if (topOwner === 'other') summary += ': that frame is not CPython or the C library, so the crash is inside an extension module or a library it uses';
  else if (suspect) summary += `, called from ${fr(suspect)} (the first frame outside CPython and the C library)`;
  else if (topOwner === 'cpython') summary += ': inside CPython itself';
  summary += '.';
  return {
    summary,
    likely_causes:
      topOwner === 'other' || suspect
        ? [`A bug in ${suspect ? fr(suspect) : 'that code'}: a NULL or dangling pointer, a buffer overflow, or a reference-count error.`]
        : ['A crash inside CPython is usually the after-effect of memory corrupted earlier by an extension (use-after-free, refcount error, buffer overflow).'],
    next_steps: [...(suspect ? [`Start at ${fr(suspect)}: print the variables there (\`frame N\`, \`info locals\` in gdb).`] : []), STEP.devMode, STEP.debugMalloc, STEP.core],
  };
}

function findingsCapped(d: D): Explanation {
  return {
    summary: `${num(d, 'total_omitted') ?? 0} more findings are not listed (pycore lists the first ${num(d, 'max_findings') ?? '?'}); see details.omitted for their kinds.`,
    likely_causes: ['A very long log, or the same failure repeated many times.'],
    next_steps: ['Cut the log to the part around the first failure and run `pycore explain` on that.'],
  };
}

export function explainFinding(kind: FindingKind, d: D): Explanation {
  switch (kind) {
    case 'fatal-signal':
      return fatalSignal(d);
    case 'fatal-error':
      return fatalError(d);
    case 'startup-failure':
      return startupFailure(d);
    case 'stack-overflow':
      return stackOverflow(d);
    case 'gil-not-held':
      return gilNotHeld(d);
    case 'bad-api-id':
    case 'trailing-pad':
    case 'leading-pad':
      return memoryError(kind, d);
    case 'use-after-free':
      return useAfterFree(d);
    case 'negative-refcount':
      return negativeRefcount(d.expression !== undefined || d.style !== undefined ? 'assert' : 'dump', d);
    case 'deallocating-none':
      return deallocatingNone(d);
    case 'gc-assertion':
      return gcAssertion(d);
    case 'heap-corruption':
      return heapCorruption(d);
    case 'assertion-failed':
      return assertionFailed(d);
    case 'object-dump':
      return objectDump(d);
    case 'thread-dump':
      return threadDump(d);
    case 'timeout':
      return timeout(d);
    case 'runtime-state':
      return runtimeState(d);
    case 'extension-modules':
      return extensionModules(d);
    case 'path-configuration':
      return pathConfiguration(d);
    case 'python-exception':
      return pythonException(d);
    case 'recursion-error':
      return recursionError(d);
    case 'memory-error':
      return memoryErrorKind(d);
    case 'resource-warning':
      return resourceWarning(d);
    case 'native-crash':
      return nativeCrash(d);
    case 'findings-capped':
      return findingsCapped(d);
  }
}
