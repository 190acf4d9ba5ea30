// `pycore analyze`: from an opened target to the report's view model.
import { AT_EXECFN } from '../elf/constants.js';
import { formatVersion } from '../cpython-layouts/version.js';
import { CodeCache } from '../cpython/code.js';
import { walkFrames, type FrameInfo, type FrameWalk } from '../cpython/frames.js';
import { defaultLimits, type Limits } from '../cpython/limits.js';
import { findRuntime, formatRuntimeError, whyMissing, type PythonRuntime, type RuntimeOptions } from '../cpython/runtime.js';
import { gilHolder, noInterpretersReason, readInterpreters, type InterpreterInfo, type ThreadStateInfo } from '../cpython/threads.js';
import type { ThreadStatus } from '../elf/core-notes.js';
import { formatMemoryFault } from '../target/address-space.js';
import type { Target } from '../target/target.js';
import { readArgv, readCString } from './process-args.js';
import { signalCodeText, signalName } from './signals.js';
import { hex, threadIdHex, type AnalyzeReport, type CrashSiteView, type FrameView, type SignalView, type ThreadView } from './view-model.js';
import { Objects } from './objects.js';
import { attachNativeStacks, cfiWarnings, crashFrames, EVAL_LOOP, fatalErrorCaller, nativeOnlyThreads, nativeUnwinder, type NativeOptions } from './native.js';
import { extensionModules } from '../cpython/modules.js';
import { blockBeingChecked, checkBlocks, checkMemory } from './memory-check.js';
import { debugHooksOf } from '../cpython/debug-allocator.js';
import { allocationTracer, attachAllocationTracebacks } from './allocation-traceback.js';
import { Heap } from '../cpython/heap.js';
import { usedBlocks } from '../cpython/pymalloc.js';

/** Debug-allocator blocks checked in pymalloc's pools at most (a 2 GiB heap has tens of millions). */
const MAX_CHECKED_BLOCKS = 1_000_000;
import { demangle } from '../target/demangle.js';
import type { ReprLimits } from '../cpython/objects/decoder.js';
import { tasksView } from './tasks.js';

export interface AnalyzeOptions {
  /** Check debug-allocator blocks and look for use-after-free (default on). */
  memoryCheck?: boolean;
  /** Decode every frame's arguments and locals. */
  locals?: boolean;
  reprLimits?: ReprLimits;
  limits?: Limits;
  /** Layout source (--layouts); the debug-file search (--debug-dir) is the target's. */
  runtime?: RuntimeOptions;
  /** --native / --native-all: every thread's native stack merged with its Python frames. */
  native?: NativeOptions;
  /** --tasks: asyncio tasks and suspended coroutines found on the heap. */
  tasks?: boolean;
  /** --check ADDR: debug-allocator blocks to report whether or not they are damaged. */
  checkAddresses?: number[];
  /** --referrers: who refers to each damaged block's object (one more heap walk). */
  referrers?: boolean;
}

export interface AnalyzeResult {
  report: AnalyzeReport;
  /** Set when no Python state could be shown: the one-line reason. */
  fatal: string | null;
}

export function analyze(target: Target, options: AnalyzeOptions = {}): AnalyzeResult {
  const limits = options.limits ?? defaultLimits;
  const warnings = target.warnings.map((w) => w.message);
  const signal = signalOf(target);
  const crashing = signal ? (target.threads.find((t) => t.signal === signal.number) ?? target.threads[0]) : undefined;
  const report: AnalyzeReport = {
    core: target.corePath,
    python: null,
    process: processOf(target),
    origin: target.origin,
    signal,
    crash_site: crashing ? crashSite(target, crashing) : null,
    current_thread_rule: 'none',
    threads: [],
    extension_modules: null,
    memory_errors: [],
    warnings,
    faulthandler: null,
  };
  if (report.crash_site === null && crashing) {
    const pc = target.programCounter(crashing);
    const m = pc === null ? undefined : target.moduleAt(pc);
    if (m && !m.elf) warnings.push(`the crash address is in ${m.path}, which was not found; pass it with --lib-path DIR or --sysroot DIR to name the function`);
  }

  const found = findRuntime(target, options.runtime);
  // The crashing thread's native stack names the frame the signal interrupted and the likely culprit.
  const unwinder = crashing || options.native ? nativeUnwinder(target, { maxFrames: options.native?.maxFrames }) : null;
  if (crashing && unwinder && report.crash_site) {
    const stack = unwinder.unwind(crashing);
    Object.assign(report.crash_site, crashFrames(stack, found.ok ? found.value.module : null));
    // Frame 0 as the unwinder names it (DWARF, inlined calls, a debug file's .symtab), not only the binary's symbols.
    const top = stack.frames[0];
    if (top?.symbol && top.offset !== null) Object.assign(report.crash_site, { symbol: demangle(top.symbol.name), offset: hex(top.offset) });
  }
  // SIGABRT from Py_FatalError: CPython printed its own message and turned faulthandler off, so
  // the "Fatal Python error: Aborted" a faulthandler dump would show was never printed.
  const fatalCaller = crashing && unwinder && signal?.number === 6 ? fatalErrorCaller(unwinder.unwind(crashing)) : null;
  if (fatalCaller) {
    report.fatal_error_from = fatalCaller;
    warnings.push(`the process aborted in Py_FatalError, called by ${fatalCaller}: CPython printed the fatal message to stderr itself (\`pycore explain\` reads that log); the threads below are what its dump would have shown`);
  }
  if (!found.ok) {
    if (options.native && unwinder) {
      report.native_threads = nativeOnlyThreads(target, unwinder, null, EVAL_LOOP, options.native);
      warnings.push(...cfiWarnings(unwinder));
    }
    return { report, fatal: formatRuntimeError(found.error, target.truncated) };
  }
  const rt = found.value;
  const L = rt.layout;
  report.python = {
    version: formatVersion(L.version),
    version_source: rt.detected.from,
    executable: target.executable?.path ?? null,
    module: rt.module.path,
    build: rt.build,
    layout_source: L.source,
    found_by: rt.foundBy,
  };
  report.faulthandler = { ...L.caps.faulthandler };
  if (rt.foundBy === 'scan' && rt.scannedFor === 'interpreter state')
    warnings.push(`${rt.module.path} is not available (${whyMissing(target, rt.module)}): the interpreter was found by scanning the core's writable memory for an interpreter state whose thread states point back at it, and Python ${formatVersion(L.version)} was told by ${rt.detected.from === 'sys.version' ? 'sys.version in memory and the layout that decodes every frame' : 'the only layout that decodes every frame (sys.version was unreadable)'}; type names and objects in the binary's read-only memory cannot be shown (pass the binary with --executable PATH, --lib-path DIR or --sysroot DIR)`);
  else if (rt.foundBy === 'scan')
    warnings.push(`${rt.module.path} is not available (${whyMissing(target, rt.module)}): the interpreter was found by scanning the core for _Py_DebugOffsets and decoded with the offsets it publishes; type names and objects in the binary's read-only memory cannot be shown (pass the binary with --lib-path DIR or --sysroot DIR)`);
  if (L.unverified) warnings.push(`${L.unverified}: tracebacks may be wrong; pass a build with DWARF (--lib-path DIR, --debug-dir DIR) to decode it from its own debug info`);
  for (const m of L.mismatches) warnings.push(`layout mismatch (using ${L.source === 'dwarf' ? 'DWARF' : '_Py_DebugOffsets'}): ${m}`);
  if (options.runtime?.layouts === 'dwarf' || target.locatorOptions.debugDirs) warnings.push(...(L.notes ?? []));
  if (L.version.micro === null) warnings.push(`only the minor version (${formatVersion(L.version)}) could be determined, from ${rt.detected.from === 'file name' ? 'the file name' : 'the layout that decodes the interpreter'}`);

  const codeType = target.symbolAddress(rt.module, 'PyCode_Type')?.address ?? null;
  const codes = new CodeCache(rt.reader, L, limits, codeType);
  const { interpreters, end } = readInterpreters(rt, limits);
  if (end.reason) warnings.push(listProblem('interpreter list', end.reason, end.at, target));
  if (interpreters.length === 0 && options.native && unwinder) report.native_threads = nativeOnlyThreads(target, unwinder, rt.module, L.caps.evalLoop, options.native);
  if (interpreters.length === 0) return { report, fatal: noInterpretersReason(rt, target) };

  // Frames left to walk over all threads (Limits.maxTotalFrames): many long chains in a corrupt
  // core must not multiply. Each thread is walked once; the memory check reuses the walks.
  let frameBudget = limits.maxTotalFrames;
  const allFrames: FrameInfo[] = [];
  const { current, rule } = currentThreadState(rt, target, interpreters, crashing);
  report.current_thread_rule = rule;
  const objects = options.locals ? new Objects(rt, target, codes, options.reprLimits, limits) : null;
  const pairs: { view: ThreadView; ts: ThreadStateInfo }[] = [];
  for (const interp of interpreters) {
    if (interp.threadsEnd.reason) warnings.push(listProblem(`thread list of interpreter ${interp.id ?? hex(interp.address)}`, interp.threadsEnd.reason, interp.threadsEnd.at, target));
    for (const ts of interp.threads) {
      const walk = walkFrames(rt, ts, codes, { ...limits, maxFrames: Math.min(limits.maxFrames, Math.max(0, frameBudget)) });
      frameBudget -= walk.frames.length;
      allFrames.push(...walk.frames);
      const view = threadView(walk, ts, interp, limits, current, target, objects);
      report.threads.push(view);
      pairs.push({ view, ts });
    }
  }
  if (options.native && unwinder) {
    attachNativeStacks({ target, unwinder, rt, codes, limits, options: options.native }, report, pairs);
    warnings.push(...cfiWarnings(unwinder));
    unwinder.close();
  }
  const decoder = (objects ?? new Objects(rt, target, codes, options.reprLimits, limits)).decoder;
  if (L.caps.faulthandler.extensionModules) {
    const main = L.offsets['runtime.interpreters_main'] === undefined ? null : rt.reader.ptr(rt.runtimeAddress + L.offsets['runtime.interpreters_main']!);
    const interp = main || interpreters[interpreters.length - 1].address;
    report.extension_modules = extensionModules(decoder, interp);
  }
  if (options.tasks) report.tasks = tasksView(rt, target, decoder, interpreters);
  if (options.memoryCheck !== false) {
    const frames = allFrames;
    const heap = new Heap(rt, target, decoder, interpreters);
    const blocks = function* () {
      for (const h of heap.pymalloc.heaps) yield* usedBlocks(h, L, heap.mem, MAX_CHECKED_BLOCKS);
    };
    // A Py_FatalError from the debug hooks: the block they were checking, and the API they checked it for.
    const checking = crashing && unwinder && fatalCaller ? blockBeingChecked(rt.reader, unwinder.unwind(crashing), rt.module, debugHooksOf(L.caps)) : null;
    report.memory_errors = checkMemory(target, decoder, frames, crashing, blocks, { heap, referrers: options.referrers, checking });
    if (report.memory_errors.length) attachAllocationTracebacks(report.memory_errors, allocationTracer(rt, target, limits));
    if (options.checkAddresses?.length) report.checked_blocks = checkBlocks(target, decoder, heap, options.checkAddresses);
  }
  if (signal && current === null && crashing)
    warnings.push(`the thread that received ${signal.name} (LWP ${crashing.tid}) has no Python thread state: it was running C code outside Python`);
  return { report, fatal: null };
}

function listProblem(what: string, reason: string, at: number | undefined, target: Target): string {
  if (reason === 'cycle') return `the ${what} loops back on itself at ${hex(at ?? 0)}; showing each entry once`;
  if (reason === 'limit') return `the ${what} is longer than the limit; the rest is not shown`;
  if (reason === 'invalid') return `the ${what} leads to ${hex(at ?? 0)}, which is not a thread state of this interpreter (its interp pointer differs); the list is cut there`;
  const fault = at === undefined ? null : target.memory.fault(at);
  return `the ${what} is cut short: ${fault ? formatMemoryFault(fault) : `memory at ${hex(at ?? 0)} is unreadable`}`;
}

function threadView(walk: FrameWalk, ts: ThreadStateInfo, interp: InterpreterInfo, limits: Limits, current: number | null, target: Target, objects: Objects | null): ThreadView {
  const view: ThreadView = {
    native_id: ts.nativeId ?? nativeIdFromPthread(target, ts.threadId),
    thread_id: ts.threadId === null ? null : threadIdHex(ts.threadId),
    current: ts.address === current,
    interpreter_id: interp.id,
    frames: walk.frames.map((f) => {
      const frame: FrameView = { function: f.function, qualname: f.qualname, file: f.file, line: f.line, ...(f.unreadable ? { unreadable: f.unreadable } : {}) };
      if (objects) {
        const l = objects.locals(f);
        frame.locals = l.locals;
        if (l.unreadable) frame.locals_unreadable = l.unreadable;
      }
      return frame;
    }),
  };
  if (walk.stopped) {
    const s = walk.stopped;
    view.unreadable =
      s.reason === 'cycle'
        ? `frame chain loops back to ${hex(s.at)}`
        : s.reason === 'limit'
          ? `more than ${limits.maxFrames} frames; the rest are not shown`
          : `frame chain cut short at ${hex(s.at)}: ${formatMemoryFault(target.memory.fault(s.at) ?? { kind: 'unmapped', address: s.at })}`;
  }
  return view;
}

/** ≤3.10 thread states lack the kernel id: match pthread_self (the thread pointer) to a core thread. */
function nativeIdFromPthread(target: Target, threadId: number | null): number | null {
  if (threadId === null) return null;
  return target.threads.find((t) => t.threadPointer === threadId)?.tid ?? null;
}

function currentThreadState(rt: PythonRuntime, target: Target, interps: InterpreterInfo[], crashing: ThreadStatus | undefined): { current: number | null; rule: AnalyzeReport['current_thread_rule'] } {
  const all = interps.flatMap((i) => i.threads);
  if (crashing) {
    // faulthandler's "Current thread" is the thread state of the OS thread that took the signal;
    // the kernel writes that thread's NT_PRSTATUS first.
    const byNative = all.find((t) => t.nativeId !== null && t.nativeId === crashing.tid);
    const byPthread = crashing.threadPointer === null ? undefined : all.find((t) => t.threadId === crashing.threadPointer);
    return { current: (byNative ?? byPthread)?.address ?? null, rule: 'signal' };
  }
  // A live snapshot (gcore) has no signal: the thread holding the GIL is the one running Python.
  for (const i of interps) {
    const h = gilHolder(rt, i);
    if (h && all.some((t) => t.address === h)) return { current: h, rule: 'gil-holder' };
  }
  return { current: null, rule: 'none' };
}

// A debugger's snapshot (gcore) stops the process with SIGSTOP, which never dumps core by itself:
// such a core is a live snapshot, not a crash.
const SNAPSHOT_SIGNALS = new Set([0, 19]);

function signalOf(target: Target): SignalView | null {
  const si = target.notes.signal;
  const fromThread = target.threads.find((t) => !SNAPSHOT_SIGNALS.has(t.signal))?.signal ?? 0;
  const signo = si && !SNAPSHOT_SIGNALS.has(si.signo) ? si.signo : fromThread;
  if (SNAPSHOT_SIGNALS.has(signo)) {
    // The core itself names no signal; an apport report beside it may.
    const recorded = target.origin?.metadata?.signal;
    return recorded ? { number: recorded, name: signalName(recorded), code: null, code_text: `as recorded by ${target.origin!.metadata!.source}`, address: null } : null;
  }
  const useInfo = si && si.signo === signo;
  return {
    number: signo,
    name: signalName(signo),
    code: useInfo ? si.code : null,
    code_text: useInfo ? signalCodeText(signo, si.code) : null,
    address: useInfo && si.address !== null ? hex(si.address) : null,
  };
}

function crashSite(target: Target, t: ThreadStatus): CrashSiteView | null {
  const pc = target.programCounter(t);
  if (pc === null) return null;
  const s = target.symbolize(pc);
  if (!s) return null;
  return { module: s.module, module_path: s.modulePath, symbol: s.symbol === null ? null : demangle(s.symbol), offset: hex(s.offset), address: hex(pc), thread_native_id: t.tid };
}

function processOf(target: Target): AnalyzeReport['process'] {
  const ps = target.notes.process;
  const meta = target.origin?.metadata ?? null;
  const argv = readArgv(target);
  const execfn = target.notes.auxv.get(AT_EXECFN);
  let executable: string | null = null;
  if (execfn) executable = readCString(target, execfn, 4096);
  executable ??= meta?.executable ?? null;
  const pid = ps?.pid ?? meta?.pid ?? target.threads[0]?.tid ?? null;
  if (argv) return { pid, argv, argv_source: 'stack', executable };
  // apport's ProcCmdline is the whole command line; NT_PRPSINFO keeps only 80 characters.
  if (meta?.argv?.length) return { pid, argv: meta.argv, argv_source: 'report', executable };
  const fallback = ps?.psargs ? ps.psargs.split(' ').filter(Boolean) : [];
  return { pid, argv: fallback, argv_source: fallback.length ? 'psargs' : 'none', executable };
}
