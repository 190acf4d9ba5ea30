// Recognizers for single lines of CPython's crash output. Each looks at one (capped) line with
// startsWith/indexOf and at most an anchored regex whose parts cannot overlap, so every line costs
// time linear in its length whatever it contains. The formats are CPython's (Python/traceback.c,
// Modules/faulthandler.c, Python/pylifecycle.c, Objects/obmalloc.c, Objects/object.c,
// Lib/warnings.py), glibc's assert(), gdb's backtrace and the Linux kernel's fault report.
import type { FrameRef } from '../findings.js';

const HEX = /^0x[0-9a-fA-F]+$/;
const DEC = /^-?[0-9]+$/;

/** `Fatal Python error: [func: ]message`, or `Fatal Python error from unexpected signum: N`. */
export interface FatalLine {
  func: string | null;
  message: string;
  signum: number | null;
}

const FATAL = 'Fatal Python error: ';
const FATAL_SIGNUM = 'Fatal Python error from unexpected signum: ';

export function parseFatal(line: string): FatalLine | null {
  if (line.startsWith(FATAL_SIGNUM)) {
    const n = line.slice(FATAL_SIGNUM.length).trim();
    return { func: null, message: line.slice('Fatal Python error '.length), signum: DEC.test(n) ? Number(n) : null };
  }
  if (!line.startsWith(FATAL)) return null;
  const rest = line.slice(FATAL.length);
  // 3.9+ prefix the C function: `func: message` (an identifier, no spaces, then ': ').
  const colon = rest.indexOf(': ');
  if (colon > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(rest.slice(0, colon))) return { func: rest.slice(0, colon), message: rest.slice(colon + 2), signum: null };
  return { func: null, message: rest, signum: null };
}

/** faulthandler's names for the signals it handles (3.13 spells `Floating-point exception`). */
export const FAULTHANDLER_SIGNALS: Record<string, { name: string; number: number }> = {
  'Segmentation fault': { name: 'SIGSEGV', number: 11 },
  'Bus error': { name: 'SIGBUS', number: 7 },
  'Illegal instruction': { name: 'SIGILL', number: 4 },
  'Floating point exception': { name: 'SIGFPE', number: 8 },
  'Floating-point exception': { name: 'SIGFPE', number: 8 },
  Aborted: { name: 'SIGABRT', number: 6 },
};

export interface RuntimeStateLine {
  state: string;
  tstate: string | null;
}

export function parseRuntimeState(line: string): RuntimeStateLine | null {
  const p = 'Python runtime state: ';
  if (!line.startsWith(p)) return null;
  const rest = line.slice(p.length).trim();
  const m = /^finalizing \(tstate=(0x[0-9a-fA-F]+)\)$/.exec(rest);
  if (m) return { state: 'finalizing', tstate: m[1] };
  return { state: rest, tstate: null };
}

export interface ThreadHeader {
  threadId: string | null;
  current: boolean;
  /** 3.14 prints ` [name]` after the id. */
  name: string | null;
}

const MOST_RECENT_FIRST = ' (most recent call first):';

export function parseThreadHeader(line: string): ThreadHeader | null {
  if (line === `Stack${MOST_RECENT_FIRST}`) return { threadId: null, current: true, name: null };
  let current: boolean;
  let rest: string;
  if (line.startsWith('Current thread 0x')) {
    current = true;
    rest = line.slice('Current thread '.length);
  } else if (line.startsWith('Thread 0x')) {
    current = false;
    rest = line.slice('Thread '.length);
  } else return null;
  if (!rest.endsWith(MOST_RECENT_FIRST)) return null;
  rest = rest.slice(0, -MOST_RECENT_FIRST.length);
  const space = rest.indexOf(' ');
  const id = space < 0 ? rest : rest.slice(0, space);
  if (!HEX.test(id)) return null;
  let name: string | null = null;
  if (space >= 0) {
    const tail = rest.slice(space + 1);
    if (!tail.startsWith('[') || !tail.endsWith(']')) return null;
    name = tail.slice(1, -1);
  }
  return { threadId: id, current, name };
}

/**
 * A `  File "..."` line. Styles: faulthandler `  File "f", line 3 in fn` (line may be `???`),
 * traceback `  File "f", line 3, in fn`, tracemalloc `  File "f", line 3`, warnings
 * `  File "f", lineno 3`.
 */
export interface FileLine extends FrameRef {
  style: 'faulthandler' | 'traceback' | 'tracemalloc' | 'warnings';
}

export function parseFileLine(line: string): FileLine | null {
  if (!line.startsWith('  File "')) return null;
  const body = line.slice('  File "'.length);
  for (const [marker, isLineno] of [['", line ', false], ['", lineno ', true]] as const) {
    const q = body.lastIndexOf(marker);
    if (q < 0) continue;
    const file = body.slice(0, q);
    const rest = body.slice(q + marker.length);
    let i = 0;
    while (i < rest.length && rest.charCodeAt(i) >= 0x30 && rest.charCodeAt(i) <= 0x39) i++;
    let lineNo: number | null = null;
    if (i > 0) lineNo = Number(rest.slice(0, i));
    else if (rest.startsWith('???')) i = 3;
    else return null;
    const after = rest.slice(i);
    if (isLineno) return after === '' ? { file, line: lineNo, function: null, style: 'warnings' } : null;
    if (after === '') return { file, line: lineNo, function: null, style: 'tracemalloc' };
    if (after.startsWith(', in ')) return { file, line: lineNo, function: after.slice(5), style: 'traceback' };
    if (after.startsWith(' in ')) return { file, line: lineNo, function: after.slice(4), style: 'faulthandler' };
    return null;
  }
  return null;
}

/** `Timeout (0:00:05)!` or `Timeout (0:00:00.500000)!` from faulthandler.dump_traceback_later. */
export function parseTimeout(line: string): { text: string; seconds: number } | null {
  if (!line.startsWith('Timeout (') || !line.endsWith(')!')) return null;
  const text = line.slice('Timeout ('.length, -2);
  const m = /^([0-9]+):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?$/.exec(text);
  if (!m) return null;
  return { text, seconds: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + (m[4] ? Number(`0${m[4]}`) : 0) };
}

/** `Extension modules: a, b.c (total: 2)` (3.10+; the list may have been cut by a line cap). */
export function parseExtensionModules(line: string, maxItems: number): { modules: string[]; total: number | null; complete: boolean } | null {
  const p = 'Extension modules: ';
  if (!line.startsWith(p)) return null;
  let body = line.slice(p.length);
  let total: number | null = null;
  const t = body.lastIndexOf(' (total: ');
  if (t >= 0 && body.endsWith(')')) {
    const n = body.slice(t + ' (total: '.length, -1);
    if (DEC.test(n)) {
      total = Number(n);
      body = body.slice(0, t);
    }
  }
  const modules = body.split(', ').filter((m) => m !== '');
  return { modules: modules.slice(0, maxItems), total, complete: total !== null && modules.length <= maxItems };
}

export interface DebugBlockHeader {
  address: string;
  api: string;
}

/** `Debug memory block at address p=0x7f...: API 'm'` */
export function parseDebugBlockHeader(line: string): DebugBlockHeader | null {
  const m = /^Debug memory block at address p=(0x[0-9a-fA-F]+|\(nil\)): API '(.)'$/.exec(line);
  return m ? { address: m[1], api: m[2] } : null;
}

/** `        at p-7: 0xfd` / `        at tail+0: 0x78 *** OUCH` */
export function parsePadByte(line: string): { base: 'p' | 'tail'; offset: number; value: string; bad: boolean } | null {
  const m = /^ {8}at (p|tail)([+-][0-9]+): (0x[0-9a-fA-F]{2})( \*\*\* OUCH)?$/.exec(line);
  return m ? { base: m[1] as 'p' | 'tail', offset: Number(m[2]), value: m[3], bad: m[4] !== undefined } : null;
}

/** The `object ...:` lines of `_PyObject_Dump`. */
const OBJECT_FIELDS = {
  'object address  : ': 'address',
  'object refcount : ': 'refcount',
  'object type     : ': 'type_address',
  'object type name: ': 'type_name',
  'object repr     : ': 'repr',
} as const;

export function parseObjectField(line: string): { field: (typeof OBJECT_FIELDS)[keyof typeof OBJECT_FIELDS]; value: string } | null {
  if (!line.startsWith('object ')) return null;
  for (const [prefix, field] of Object.entries(OBJECT_FIELDS)) if (line.startsWith(prefix)) return { field, value: line.slice(prefix.length) };
  return null;
}

/** 3.6-3.7's `_PyObject_Dump`: the repr first and the address last, no type address. */
const OLD_OBJECT_FIELDS = {
  'object  : ': 'repr',
  'type    : ': 'type_name',
  'refcount: ': 'refcount',
  'address : ': 'address',
} as const;

export function parseOldObjectField(line: string): { field: (typeof OLD_OBJECT_FIELDS)[keyof typeof OLD_OBJECT_FIELDS]; value: string } | null {
  for (const [prefix, field] of Object.entries(OLD_OBJECT_FIELDS)) if (line.startsWith(prefix)) return { field, value: line.slice(prefix.length) };
  return null;
}

/** `<object at 0x7f... is freed>` */
export function parseFreedObject(line: string): string | null {
  if (!line.startsWith('<object at ') || !line.endsWith(' is freed>')) return null;
  return line.slice('<object at '.length, -' is freed>'.length);
}

/**
 * An assertion message. CPython's _PyObject_AssertFailed: `FILE:LINE: FUNC: Assertion "EXPR"
 * failed[: MSG]` or `... Assertion failed[: MSG]`; glibc's assert(): `PROG: FILE:LINE: FUNC:
 * Assertion `EXPR' failed.`
 */
export interface AssertionLine {
  style: 'cpython' | 'c-assert';
  program: string | null;
  file: string | null;
  line: number | null;
  function: string | null;
  expression: string | null;
  message: string | null;
}

export function parseAssertion(text: string): AssertionLine | null {
  const at = text.indexOf(': Assertion ');
  if (at < 0) return null;
  const head = text.slice(0, at);
  const tail = text.slice(at + ': Assertion '.length);
  let style: AssertionLine['style'];
  let expression: string | null = null;
  let message: string | null = null;
  if (tail.startsWith('`') && tail.endsWith("' failed.")) {
    style = 'c-assert';
    expression = tail.slice(1, -"' failed.".length);
  } else if (tail.startsWith('"')) {
    style = 'cpython';
    const end = tail.lastIndexOf('" failed');
    if (end < 1) return null;
    expression = tail.slice(1, end);
    const after = tail.slice(end + '" failed'.length);
    if (after.startsWith(': ')) message = after.slice(2);
    else if (after !== '') return null;
  } else if (tail.startsWith('failed')) {
    style = 'cpython';
    const after = tail.slice('failed'.length);
    if (after.startsWith(': ')) message = after.slice(2);
    else if (after !== '') return null;
  } else return null;
  // head: [PROG: ]FILE:LINE: FUNC   (FUNC and PROG optional)
  const parts = head.split(': ');
  let fn: string | null = null;
  let program: string | null = null;
  let fileLine: string;
  if (parts.length === 1) fileLine = parts[0];
  else {
    const last = parts[parts.length - 1];
    if (/^[0-9]+$/.test(last.slice(last.lastIndexOf(':') + 1)) && last.includes(':')) {
      fileLine = last;
      program = parts.slice(0, -1).join(': ');
    } else {
      fn = last;
      fileLine = parts[parts.length - 2];
      program = parts.length > 2 ? parts.slice(0, -2).join(': ') : null;
    }
  }
  const c = fileLine.lastIndexOf(':');
  if (c <= 0 || !/^[0-9]+$/.test(fileLine.slice(c + 1))) return null;
  return { style, program, file: fileLine.slice(0, c), line: Number(fileLine.slice(c + 1)), function: fn, expression, message };
}

/** glibc's malloc consistency checks, printed just before it calls abort(). */
const GLIBC_HEAP_ERRORS = [
  'free(): ',
  'double free or corruption',
  'malloc(): ',
  'realloc(): ',
  'munmap_chunk(): ',
  'malloc_consolidate(): ',
  'corrupted size vs. prev_size',
  'corrupted double-linked list',
  'tcache_thread_shutdown(): ',
];

export function parseGlibcHeapError(line: string): string | null {
  return GLIBC_HEAP_ERRORS.some((p) => line.startsWith(p)) && line.length < 200 ? line : null;
}

/** A column-0 exception line: `ValueError: msg`, `MemoryError`, `pkg.mod.Error: msg`. */
export function parseExceptionLine(line: string): { exception: string; message: string | null } | null {
  let i = 0;
  const n = line.length;
  const c0 = line.charCodeAt(0);
  if (!((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a) || c0 === 0x5f)) return null;
  while (i < n) {
    const c = line.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e) i++;
    else break;
  }
  const name = line.slice(0, i);
  if (name.endsWith('.')) return null;
  if (i === n) return { exception: name, message: null };
  if (line.startsWith(': ', i)) return { exception: name, message: line.slice(i + 2) };
  if (line[i] === ':' && i === n - 1) return { exception: name, message: '' };
  return null;
}

/** Exception names worth treating as such outside a traceback (after `Python runtime state:`). */
export function looksLikeExceptionName(name: string): boolean {
  const base = name.slice(name.lastIndexOf('.') + 1);
  return /(Error|Exception|Warning|Exit|Interrupt|Iteration)$/.test(base) || base === 'GeneratorExit';
}

/** `FILE:LINE: ResourceWarning: MESSAGE` (also `sys:1: ResourceWarning: ...`). */
export function parseResourceWarning(line: string): { file: string; line: number | null; message: string } | null {
  const at = line.indexOf(': ResourceWarning: ');
  if (at <= 0) return null;
  const head = line.slice(0, at);
  const c = head.lastIndexOf(':');
  const lineText = c > 0 ? head.slice(c + 1) : '';
  if (c <= 0 || !/^[0-9]+$/.test(lineText)) return null;
  return { file: head.slice(0, c), line: Number(lineText), message: line.slice(at + ': ResourceWarning: '.length) };
}

/** gdb: `Program received signal SIGSEGV, Segmentation fault.` or `Thread 1 "python3" received signal ...`. */
export function parseGdbSignal(line: string): { signal: string; description: string; thread: string | null } | null {
  const marker = ' received signal ';
  const at = line.indexOf(marker);
  if (at < 0) return null;
  const who = line.slice(0, at);
  let thread: string | null = null;
  if (who === 'Program') thread = null;
  else if (who.startsWith('Thread ')) thread = who.slice('Thread '.length);
  else return null;
  const m = /^(SIG[A-Z0-9]+), ([^.]*)\.$/.exec(line.slice(at + marker.length));
  return m ? { signal: m[1], description: m[2], thread } : null;
}

export interface NativeFrame {
  index: number;
  address: string | null;
  function: string;
  file: string | null;
  line: number | null;
  library: string | null;
}

/** gdb `bt`: `#1  0x00007f... in func (args...) at file.c:12` / `... from /lib/x.so` / `#3  func (...) at f.c:1`. */
export function parseGdbFrame(line: string): NativeFrame | null {
  if (line.charCodeAt(0) !== 0x23) return null;
  const m = /^#([0-9]+) +(.*)$/.exec(line);
  if (!m) return null;
  let rest = m[2];
  let address: string | null = null;
  const sp = rest.indexOf(' in ');
  if (rest.startsWith('0x') && sp > 0 && HEX.test(rest.slice(0, sp))) {
    address = rest.slice(0, sp);
    rest = rest.slice(sp + 4);
  }
  let file: string | null = null;
  let lineNo: number | null = null;
  let library: string | null = null;
  const at = rest.lastIndexOf(') at ');
  const from = rest.lastIndexOf(') from ');
  if (at >= 0 && at > from) {
    const loc = rest.slice(at + ') at '.length);
    const c = loc.lastIndexOf(':');
    if (c > 0 && /^[0-9]+$/.test(loc.slice(c + 1))) {
      file = loc.slice(0, c);
      lineNo = Number(loc.slice(c + 1));
    } else file = loc;
    rest = rest.slice(0, at + 1);
  } else if (from >= 0) {
    library = rest.slice(from + ') from '.length);
    rest = rest.slice(0, from + 1);
  }
  const paren = rest.indexOf(' (');
  const fn = paren >= 0 ? rest.slice(0, paren) : rest;
  return { index: Number(m[1]), address, function: fn, file, line: lineNo, library };
}

/** Kernel: `[ 12.3] python3[123]: segfault at 0 ip 00007f.. sp 00007ff.. error 6 in libx.so[114c,7f..+1000] ...` */
export interface KernelFault {
  process: string;
  pid: number;
  fault_address: string;
  ip: string | null;
  sp: string | null;
  error: string | null;
  module: string | null;
}

export function parseKernelSegfault(line: string): KernelFault | null {
  const marker = ']: segfault at ';
  const at = line.indexOf(marker);
  if (at < 0) return null;
  const head = line.slice(0, at);
  const open = head.lastIndexOf('[');
  if (open < 0 || !/^[0-9]+$/.test(head.slice(open + 1))) return null;
  let process = head.slice(0, open);
  const sp = process.lastIndexOf(' ');
  if (sp >= 0) process = process.slice(sp + 1);
  const words = line.slice(at + marker.length).split(' ');
  const after = (w: string) => {
    const i = words.indexOf(w);
    return i >= 0 && i + 1 < words.length ? words[i + 1] : null;
  };
  let module: string | null = null;
  const inAt = words.indexOf('in');
  if (inAt >= 0 && inAt + 1 < words.length) {
    const w = words[inAt + 1];
    const b = w.indexOf('[');
    module = b > 0 ? w.slice(0, b) : w;
  }
  return { process, pid: Number(head.slice(open + 1)), fault_address: words[0], ip: after('ip'), sp: after('sp'), error: after('error'), module };
}
