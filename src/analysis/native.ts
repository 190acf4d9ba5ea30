// Native stacks in the report: each thread unwound (src/target/unwind.ts), its Python frames placed
// under the eval-loop call that ran them (as pystack merges them), interpreter plumbing folded
// unless --native-all, and the crash's likely culprit: the first frame outside the interpreter
// and the C library, from the frame the signal interrupted down.
import { demangle } from '../target/demangle.js';
import type { ThreadStatus } from '../elf/core-notes.js';
import { walkFrames, type FrameInfo } from '../cpython/frames.js';
import type { CodeCache } from '../cpython/code.js';
import type { Limits } from '../cpython/limits.js';
import type { PythonRuntime } from '../cpython/runtime.js';
import type { ThreadStateInfo } from '../cpython/threads.js';
import { moduleBaseName, type Module } from '../target/modules.js';
import type { Target } from '../target/target.js';
import { NativeUnwinder, type NativeFrame, type NativeStack } from '../target/unwind.js';
import type { NativeVariable, NativeVariables } from '../target/native-locals.js';
import type { NativeFrameRef, NativeFrameView, NativeOnlyThreadView, NativeStackView, NativeVariableView, StackFrameView } from './native-view-model.js';
import { hex, type AnalyzeReport, type FrameView, type ThreadView } from './view-model.js';

export interface NativeOptions {
  /** --native-all: keep interpreter-internal frames. */
  all: boolean;
  maxFrames?: number;
  /** --locals: each shown C frame's arguments and locals from DWARF. */
  locals?: boolean;
}

// A 1000-deep Python recursion on 3.8-3.10 is ~3000 native frames; the walk also stops where the stack pointer stops growing.
export const DEFAULT_NATIVE_FRAMES = 100_000;

export function nativeUnwinder(target: Target, o: { maxFrames?: number }): NativeUnwinder {
  return new NativeUnwinder(target, { maxFrames: o.maxFrames ?? DEFAULT_NATIVE_FRAMES });
}

/** The eval loop's C function when no runtime was found to name it (layout.caps.evalLoop names it per version: 2.7's is PyEval_EvalFrameEx). */
export const EVAL_LOOP = '_PyEval_EvalFrameDefault';

/** pystack's list of call plumbing (src/pystack/types.py SYMBOL_IGNORELIST), matched as prefixes. */
const PLUMBING = [
  'PyObject_Call', 'call_function', 'classmethoddescr_call', 'cmpwrapper_call', 'fast_function', 'function_call', 'instance_call', 'instancemethod_call',
  'methoddescr_call', 'proxy_call', 'slot_tp_call', 'type_call', 'weakref_call', 'wrap_call', 'wrapper_call', 'wrapperdescr_call', 'do_call_core',
];

/** The symbol without GCC's clone suffixes (`.cold`, `.constprop.0`, `.isra.0`, ...). */
export function baseName(symbol: string): string {
  const dot = symbol.indexOf('.');
  return dot > 0 ? symbol.slice(0, dot) : symbol;
}

/**
 * Part of the interpreter: the module that defines _PyRuntime (libpython, or a statically linked
 * python), and a main program named like Python (the launcher that calls into libpython). When
 * the runtime is unknown, any module named like Python.
 */
export function isInterpreter(m: Module | null, interpreter: Module | null): boolean {
  if (!m) return false;
  if (m === interpreter) return true;
  const name = moduleBaseName(m);
  return interpreter ? m.isExecutable && /^python\d/.test(name) : /^(lib)?python\d/.test(name);
}

/** The C library and the dynamic linker (glibc's libc, libpthread, libm, libdl, librt, ld.so; musl's libc). */
export function isCLibrary(m: Module | null): boolean {
  return m !== null && /^(libc|libpthread|libm|libdl|librt|ld-linux[\w.-]*|ld-musl[\w.-]*)([.-]|$)/.test(moduleBaseName(m));
}

function role(f: NativeFrame, interpreter: Module | null, evalLoop: string): NativeFrameView['role'] {
  if (!isInterpreter(f.module, interpreter)) return 'other';
  if (!f.symbol) return 'internal';
  const name = baseName(f.symbol.name);
  // The eval loop's own frame runs the Python frames; an inlined copy of it (never seen in CPython) would count twice.
  if (name === evalLoop) return f.inlined ? 'internal' : 'eval';
  if (name.startsWith('PyEval') || name.startsWith('_PyEval') || name.startsWith('_Py') || name.toLowerCase().includes('vectorcall')) return 'internal';
  return PLUMBING.some((p) => name.startsWith(p)) ? 'internal' : 'other';
}

export function nativeFrameView(f: NativeFrame, interpreter: Module | null, evalLoop: string): NativeFrameView {
  return {
    kind: 'native',
    index: f.index,
    address: hex(f.pc),
    module: f.module ? moduleBaseName(f.module) : null,
    module_path: f.module?.path ?? null,
    symbol: f.symbol ? demangle(f.symbol.name) : null,
    inlined: f.inlined,
    offset: f.offset === null ? null : hex(f.offset),
    file: null,
    line: null,
    recovery: f.recovery,
    signal_frame: f.signalTrampoline,
    role: role(f, interpreter, evalLoop),
  };
}

function frameRef(f: NativeFrame): NativeFrameRef {
  return {
    module: f.module ? moduleBaseName(f.module) : null,
    module_path: f.module?.path ?? null,
    symbol: f.symbol ? demangle(f.symbol.name) : null,
    offset: f.offset === null ? null : hex(f.offset),
    address: hex(f.pc),
    frame: f.index,
  };
}

/** The frame a signal interrupted: the one right below the newest signal trampoline. */
function interruptedIndex(stack: NativeStack): number | null {
  const t = stack.frames.findIndex((f) => f.signalTrampoline);
  return t >= 0 && t + 1 < stack.frames.length ? t + 1 : null;
}

const FATAL_ERROR_FUNCTIONS = new Set(['fatal_error', 'fatal_error_exit', '_Py_FatalErrorFunc', 'Py_FatalError', '_Py_FatalErrorFormat', '_Py_FatalError_TstateNULL']);

/** Py_FatalError and the functions it goes through on its way to abort(). */
export function isFatalErrorFrame(f: NativeFrame): boolean {
  return f.symbol !== null && FATAL_ERROR_FUNCTIONS.has(baseName(f.symbol.name));
}

/** Index of the oldest fatal-error frame (the one its caller called), or -1. */
export function lastFatalErrorFrame(stack: NativeStack): number {
  let last = -1;
  stack.frames.forEach((f, i) => isFatalErrorFrame(f) && (last = i));
  return last;
}

/**
 * The function that called Py_FatalError (or its internal variants), if the stack shows one. A
 * caller without a symbol (a static function of a stripped build) is named by its address and
 * module, as gdb's `??` frames are, not by the next named frame further up, which did not call it.
 */
export function fatalErrorCaller(stack: NativeStack): string | null {
  const last = lastFatalErrorFrame(stack);
  const caller = last < 0 ? undefined : stack.frames[last + 1];
  if (!caller) return null;
  return caller.symbol?.name ?? (caller.module ? `?? (${moduleBaseName(caller.module)}+${hex(caller.pc - caller.module.start)})` : `?? (${hex(caller.pc)})`);
}

/** The interrupted frame and the likely culprit of the crashing thread's stack. */
export function crashFrames(stack: NativeStack, interpreter: Module | null): { interrupted: NativeFrameRef | null; culprit: NativeFrameRef | null } {
  const i = interruptedIndex(stack);
  const from = i ?? 0;
  const culprit = stack.frames.slice(from).find((f) => !f.signalTrampoline && f.module !== null && !isInterpreter(f.module, interpreter) && !isCLibrary(f.module));
  return { interrupted: i === null ? null : frameRef(stack.frames[i]), culprit: culprit ? frameRef(culprit) : null };
}

function stopText(stack: NativeStack): string | undefined {
  return stack.stop.reason === 'outermost' ? undefined : `the native stack ends early: ${stack.stop.detail}`;
}

/**
 * Merge a thread's native frames with its Python frames (newest first). Each eval-loop frame runs
 * the Python frames from the current one through the first marked `entry` (3.11+ inline calls
 * run several per C call; 3.8-3.10 one). The eval-loop frame itself and other interpreter
 * plumbing are folded unless `all`; frame 0, signal frames and the interrupted frame never are.
 */
export function mergeStacks(
  stack: NativeStack,
  python: { views: FrameView[]; entries: (boolean | undefined)[] } | null,
  interpreter: Module | null,
  all: boolean,
  lineOf: (f: NativeFrame) => { file: string | null; line: number } | null,
  evalLoop: string,
  variablesOf: ((f: NativeFrame, callerOf: (x: NativeFrame) => NativeFrame | null) => NativeVariables | string | null) | null = null,
): NativeStackView {
  const out: StackFrameView[] = [];
  const keep = new Set<number>([0]);
  const irq = interruptedIndex(stack);
  if (irq !== null) keep.add(irq);
  const py = python?.views ?? [];
  const entries = python?.entries ?? [];
  let p = 0;
  let folded = 0;
  let evalFrames = 0;
  // A physical frame and the calls inlined into it (listed before it) are shown or folded together.
  const views = stack.frames.map((f) => nativeFrameView(f, interpreter, evalLoop));
  const callers = callerLookup(stack);
  const shown = (i: number) => views[i].role === 'other' || all || keep.has(i) || stack.frames[i].signalTrampoline;
  let group: { start: number; show: boolean } | null = null;
  for (let i = 0; i < stack.frames.length; i++) {
    const f = stack.frames[i];
    const v = views[i];
    if (!group) {
      let end = i;
      while (end < stack.frames.length - 1 && stack.frames[end].inlined) end++;
      let show = false;
      for (let j = i; j <= end; j++) show ||= shown(j);
      group = { start: out.length, show };
    }
    if (v.role === 'eval') {
      evalFrames++;
      // The Python frames go above the eval-loop call and the calls inlined into it.
      const ran: StackFrameView[] = [];
      while (p < py.length) {
        ran.push({ kind: 'python', ...py[p] });
        p++;
        // Unknown entry flags: one Python frame per eval-loop call.
        if (entries[p - 1] !== false) break;
      }
      out.splice(group.start, 0, ...ran);
    }
    if (group.show) {
      // Line tables are read only for frames that are shown (the folded eval loop has a huge one).
      const at = lineOf(f);
      if (at) Object.assign(v, at);
      const vars = variablesOf?.(f, callers) ?? null;
      if (typeof vars === 'string') v.variables_unreadable = vars;
      else if (vars) {
        v.args = vars.args.map(variableView);
        v.locals = vars.locals.map(variableView);
      }
      out.push(v);
    } else folded++;
    if (!f.inlined) group = null;
  }
  const view: NativeStackView = { frames: out, folded, merged: true };
  const problems: string[] = [];
  const stop = stopText(stack);
  if (stop) problems.push(stop);
  const entryCount = entries.filter((e) => e !== false).length;
  if (p < py.length || (python && evalFrames !== entryCount)) {
    view.merged = false;
    problems.push(`${evalFrames} eval-loop frame(s) for ${entryCount} Python entry frame(s): ${py.length - p} Python frame(s) could not be placed and are listed last`);
    for (; p < py.length; p++) out.push({ kind: 'python', ...py[p] });
  }
  if (problems.length) view.unreadable = problems.join('; ');
  return view;
}

/** For a frame of `stack`: the frame that called its physical frame (the one after it and the calls inlined into it), or null. */
function callerLookup(stack: NativeStack): (f: NativeFrame) => NativeFrame | null {
  let index: Map<NativeFrame, number> | null = null;
  return (f) => {
    index ??= new Map(stack.frames.map((x, i) => [x, i]));
    let j = index.get(f);
    if (j === undefined) return null;
    while (j < stack.frames.length - 1 && stack.frames[j].inlined) j++;
    return stack.frames[j + 1] ?? null;
  };
}

function variableView(x: NativeVariable): NativeVariableView {
  const out: NativeVariableView = { name: x.name, type: x.type };
  if (x.value !== null) out.value = x.value;
  else if (x.optimizedOut) Object.assign(out, { optimized_out: true, why: x.why });
  else out.unreadable = x.unreadable ?? 'unreadable';
  return out;
}

/** The variables callback of mergeStacks for --locals (null without it). */
function variablesFor(unwinder: NativeUnwinder, options: NativeOptions): ((f: NativeFrame, callerOf: (x: NativeFrame) => NativeFrame | null) => NativeVariables | string | null) | null {
  return options.locals ? (f, callerOf) => unwinder.variablesOf(f, callerOf) : null;
}

export interface NativeContext {
  target: Target;
  unwinder: NativeUnwinder;
  rt: PythonRuntime;
  codes: CodeCache;
  limits: Limits;
  options: NativeOptions;
}

/** Attach a merged native stack to every thread view, and list the core's threads without a Python thread state. */
export function attachNativeStacks(ctx: NativeContext, report: AnalyzeReport, pairs: { view: ThreadView; ts: ThreadStateInfo }[]): void {
  const { target, unwinder, rt, codes, limits, options } = ctx;
  const used = new Set<number>();
  for (const { view, ts } of pairs) {
    const thread = view.native_id === null ? undefined : target.threads.find((t) => t.tid === view.native_id);
    if (!thread) {
      view.native = { frames: view.frames.map((f) => ({ kind: 'python', ...f })), folded: 0, merged: false, unreadable: 'no thread of the core matches this thread state, so it has no native stack' };
      continue;
    }
    used.add(thread.tid);
    // The walk is the one the view came from; it also says where each eval-loop call began.
    const walk: FrameInfo[] = walkFrames(rt, ts, codes, limits).frames;
    const entries = walk.length === view.frames.length ? walk.map((f) => f.entry) : view.frames.map(() => undefined);
    view.native = mergeStacks(unwinder.unwind(thread), { views: view.frames, entries }, rt.module, options.all, (f) => unwinder.lineOf(f), rt.layout.caps.evalLoop, variablesFor(unwinder, options));
  }
  report.native_threads = nativeOnlyThreads(target, unwinder, rt.module, rt.layout.caps.evalLoop, options, used);
}

/** Native stacks of the core's threads that are not in `used` (all of them for a process without Python); `evalLoop` as the runtime names it, or EVAL_LOOP without one. */
export function nativeOnlyThreads(target: Target, unwinder: NativeUnwinder, interpreter: Module | null, evalLoop: string, options: NativeOptions, used: ReadonlySet<number> = new Set()): NativeOnlyThreadView[] {
  return target.threads
    .filter((t: ThreadStatus) => !used.has(t.tid))
    .map((t) => ({ native_id: t.tid, native: mergeStacks(unwinder.unwind(t), null, interpreter, options.all, (f) => unwinder.lineOf(f), evalLoop, variablesFor(unwinder, options)) }));
}

/** Problems met reading call frame information, as report warnings. */
export function cfiWarnings(unwinder: NativeUnwinder): string[] {
  return unwinder.problems.map((p) => `call frame information: ${p}`);
}
