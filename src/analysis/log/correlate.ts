// From blocks to findings. A crash prints several parts in a row: `Fatal Python error: ...`,
// `Python runtime state: ...`, the pending exception, faulthandler's thread dump, the extension
// modules. The first part (the anchor) becomes the main finding and learns from the parts that
// follow it within a few lines (current thread, top frame, garbage collection, extensions); those
// parts are still listed as findings of their own. Parts that report the consequence of the
// anchor (the fatal error after a debug-allocator block or an assertion) are merged into it.
// Streaming: one pass over the blocks, bounded state, at most `maxFindings` findings kept.
import type { Finding, FindingKind, ThreadRef } from '../findings.js';
import type { RawBlock } from './blocks.js';
import { explainFinding } from './explanations.js';
import type { LogLimits } from './limits.js';
import { FAULTHANDLER_SIGNALS, type FatalLine } from './scan.js';

/** Lines between the end of one part of a crash report and the start of the next. */
const EPISODE_GAP = 3;

type Expect = 'memory-fatal' | 'assert-fatal' | 'abort' | null;

interface Episode {
  finding: Finding;
  lastEnd: number;
  lastPart: RawBlock['t'];
  expect: Expect;
}

const GC_FUNCTIONS = new Set(['gc_decref', 'update_refs', 'visit_decref', 'subtract_refs', 'visit_reachable', 'move_unreachable', 'delete_garbage', 'validate_list', 'gc_collect_main', 'collect', 'move_legacy_finalizers', 'handle_legacy_finalizers', 'finalize_garbage', 'deduce_unreachable']);
const STARTUP_STATES = new Set(['core initialized', 'preinitialized', 'preinitializing', 'unknown']);

/** What a `Fatal Python error:` message is about. */
export function classifyFatal(f: FatalLine): { kind: FindingKind; details: Record<string, unknown> } {
  const m = f.message;
  const base = { function: f.func, message: m };
  const sig = FAULTHANDLER_SIGNALS[m];
  if (sig) return { kind: 'fatal-signal', details: { signal: sig.name, signal_number: sig.number, printed: m } };
  if (f.signum !== null) return { kind: 'fatal-signal', details: { signal: null, signal_number: f.signum, printed: m } };
  const id = /^bad ID: Allocated using API '(.)', verified using API '(.)'$/.exec(m);
  if (id) return { kind: 'bad-api-id', details: { ...base, allocated_api: id[1], verified_api: id[2] } };
  if (m === 'bad trailing pad byte') return { kind: 'trailing-pad', details: base };
  if (m === 'bad leading pad byte') return { kind: 'leading-pad', details: base };
  if (m.includes('without holding the GIL') || m.includes('must be called with the GIL held') || m.endsWith('no current thread')) return { kind: 'gil-not-held', details: base };
  if (m.startsWith('Cannot recover from stack overflow')) return { kind: 'stack-overflow', details: base };
  if (m.startsWith('Cannot recover from MemoryErrors')) return { kind: 'memory-error', details: base };
  // 3.11+ append `: bug likely caused by a refcount error in a C extension`.
  const dealloc = /^deallocating (None|True|False|Ellipsis|NotImplemented)(:|$)/.exec(m);
  if (dealloc) return { kind: 'deallocating-none', details: { ...base, object: dealloc[1] } };
  if (m === '_PyObject_AssertFailed' || f.func === '_PyObject_AssertFailed') return { kind: 'assertion-failed', details: base };
  if ((f.func !== null && (f.func.startsWith('init_') || f.func.startsWith('pyinit_') || f.func.startsWith('pycore_init') || f.func === 'Py_InitializeFromConfig')) || m === 'Failed to import encodings module' || m.includes('failed to get the Python codec'))
    return { kind: 'startup-failure', details: base };
  return { kind: 'fatal-error', details: base };
}

function assertionKind(b: Extract<RawBlock, { t: 'assertion' }>): FindingKind {
  const a = b.assertion;
  // A "negative" count that is the debug allocator's dead-byte fill: the object was freed.
  if (b.object && (b.object.freed || b.object.refcount_pattern === 'dead-bytes')) return 'use-after-free';
  if (a.function === '_Py_NegativeRefcount' || a.message === 'object has negative ref count') return 'negative-refcount';
  if (a.style === 'cpython' && ((a.function !== null && GC_FUNCTIONS.has(a.function)) || /(gcmodule|gc|gc_free_threading)\.c$/.test(a.file ?? ''))) return 'gc-assertion';
  return 'assertion-failed';
}

function objectKind(freed: boolean, pattern: string | null): FindingKind {
  if (freed || pattern === 'dead-bytes') return 'use-after-free';
  if (pattern === 'negative') return 'negative-refcount';
  return 'object-dump';
}

function tracebackKind(exception: string | null): FindingKind {
  const base = exception?.slice(exception.lastIndexOf('.') + 1);
  if (base === 'RecursionError') return 'recursion-error';
  if (base === 'MemoryError') return 'memory-error';
  return 'python-exception';
}

function currentThread(threads: ThreadRef[]): ThreadRef | null {
  return threads.find((t) => t.current) ?? (threads.length === 1 ? threads[0] : null);
}

export class Correlator {
  readonly findings: Finding[] = [];
  private omitted = new Map<FindingKind, number>();
  private kept = new WeakSet<Finding>();
  private omittedLines: [number, number] | null = null;
  private episode: Episode | null = null;
  private pathConfig: { finding: Finding; end: number } | null = null;

  constructor(private readonly limits: LogLimits) {}

  push(b: RawBlock): void {
    const ep = this.episode;
    if (ep && b.start - ep.lastEnd <= EPISODE_GAP && this.attach(ep, b)) {
      ep.lastEnd = Math.max(ep.lastEnd, b.end);
      ep.lastPart = b.t;
      return;
    }
    this.closeEpisode();
    this.fresh(b);
  }

  finish(): Finding[] {
    this.closeEpisode();
    if (this.omitted.size > 0) {
      const omitted = Object.fromEntries([...this.omitted].sort((a, b) => b[1] - a[1]));
      const f = this.make('findings-capped', this.omittedLines ?? [0, 0], { omitted, total_omitted: [...this.omitted.values()].reduce((a, b) => a + b, 0), max_findings: this.limits.maxFindings });
      this.kept.add(f);
      this.finalize(f);
      this.findings.push(f);
    }
    return this.findings;
  }

  private make(kind: FindingKind, lines: [number, number], details: Record<string, unknown>): Finding {
    return { kind, summary: '', lines, details, next_steps: [] };
  }

  /** Reserve the finding's place in the output (its text is written when it is complete). */
  private add(f: Finding): Finding {
    if (this.findings.length < this.limits.maxFindings) {
      this.findings.push(f);
      this.kept.add(f);
    } else {
      this.omitted.set(f.kind, (this.omitted.get(f.kind) ?? 0) + 1);
      this.omittedLines = [this.omittedLines?.[0] ?? f.lines[0], f.lines[1]];
    }
    return f;
  }

  private finalize(f: Finding): void {
    if (!this.kept.has(f)) return; // counted only: no prose for findings that are not listed
    const e = explainFinding(f.kind, f.details);
    f.summary = e.summary;
    f.details.likely_causes = e.likely_causes;
    f.next_steps = e.next_steps;
  }

  private standalone(kind: FindingKind, b: RawBlock, details: Record<string, unknown>): Finding {
    const f = this.add(this.make(kind, [b.start, b.end], details));
    this.finalize(f);
    return f;
  }

  private anchor(kind: FindingKind, b: RawBlock, details: Record<string, unknown>, expect: Expect): void {
    const f = this.add(this.make(kind, [b.start, b.end], details));
    this.episode = { finding: f, lastEnd: b.end, lastPart: b.t, expect };
  }

  private closeEpisode(): void {
    if (this.episode) this.finalize(this.episode.finding);
    this.episode = null;
  }

  /** A block that starts no episode of its own, or the first part of one. */
  private fresh(b: RawBlock): void {
    switch (b.t) {
      case 'fatal': {
        const { kind, details } = classifyFatal(b.fatal);
        const pc = this.pathConfig;
        if (pc && b.start - pc.end <= EPISODE_GAP) details.path_configuration = pc.finding.details.entries;
        this.anchor(pc && b.start - pc.end <= EPISODE_GAP && kind === 'fatal-error' ? 'startup-failure' : kind, b, details, null);
        return;
      }
      case 'debug-block': {
        const bad = b.block.bad_pads;
        const kind: FindingKind = bad.some((p) => p.base === 'p') ? 'leading-pad' : bad.some((p) => p.base === 'tail') ? 'trailing-pad' : 'bad-api-id';
        this.anchor(kind, b, { ...b.block, corrupted_start: b.corruptedStart, function: null, message: null }, 'memory-fatal');
        return;
      }
      case 'assertion': {
        const a = b.assertion;
        const details: Record<string, unknown> = { ...a, object: b.object, allocated_at: b.allocatedAt };
        if (a.function === 'visit_decref' && a.expression?.includes('IsFreed')) details.freed_referent = true;
        this.anchor(assertionKind(b), b, details, a.style === 'c-assert' ? 'abort' : 'assert-fatal');
        return;
      }
      case 'timeout':
        this.anchor('timeout', b, { timeout: b.text, seconds: b.seconds }, null);
        return;
      case 'heap-error':
        this.anchor('heap-corruption', b, { message: b.message }, 'abort');
        return;
      case 'object':
        this.standalone(objectKind(b.object.freed, b.object.refcount_pattern), b, { ...b.object });
        return;
      case 'threads':
        this.standalone('thread-dump', b, this.threadDetails(b));
        return;
      case 'runtime-state':
        this.standalone('runtime-state', b, { state: b.state.state, tstate: b.state.tstate });
        return;
      case 'extension-modules':
        this.standalone('extension-modules', b, { modules: b.modules, total: b.total, complete: b.complete });
        return;
      case 'traceback':
        this.standalone(tracebackKind(b.exception), b, this.tracebackDetails(b));
        return;
      case 'resource-warning':
        this.standalone('resource-warning', b, { file: b.file, line: b.line, message: b.message, source: b.source, allocated_at: b.allocatedAt, tracemalloc: b.allocatedAt !== null ? true : b.tracemallocHint ? false : null });
        return;
      case 'gdb':
        this.standalone('native-crash', b, { source: 'gdb', signal: b.signal, description: b.description, thread: b.thread, location: b.location, frames: b.frames, frames_omitted: b.framesOmitted });
        return;
      case 'kernel':
        this.standalone('native-crash', b, { source: 'kernel', signal: 'SIGSEGV', ...b.fault, frames: [] });
        return;
      case 'path-config': {
        const f = this.standalone('path-configuration', b, { entries: b.entries, sys_path: b.sysPath });
        this.pathConfig = { finding: f, end: b.end };
        return;
      }
      case 'exception':
        return; // only meaningful right after a fatal error (attach)
    }
  }

  /** Merge or attach `b` to the open episode; false when it belongs to no episode. */
  private attach(ep: Episode, b: RawBlock): boolean {
    const f = ep.finding;
    const d = f.details;
    switch (b.t) {
      case 'fatal': {
        const c = classifyFatal(b.fatal);
        const merge =
          (ep.expect === 'memory-fatal' && (c.kind === 'bad-api-id' || c.kind === 'trailing-pad' || c.kind === 'leading-pad')) ||
          (ep.expect === 'assert-fatal' && c.kind === 'assertion-failed') ||
          (ep.expect === 'abort' && c.kind === 'fatal-signal' && c.details.signal === 'SIGABRT');
        if (!merge) return false;
        if (ep.expect === 'memory-fatal') {
          f.kind = c.kind;
          Object.assign(d, c.details);
        } else if (ep.expect === 'abort') d.signal = 'SIGABRT';
        else d.fatal_error = b.fatal.func ? `${b.fatal.func}: ${b.fatal.message}` : b.fatal.message;
        ep.expect = null;
        f.lines[1] = Math.max(f.lines[1], b.end);
        return true;
      }
      case 'runtime-state': {
        if (ep.lastPart !== 'fatal') return false;
        d.runtime_state = b.state.state;
        if (b.state.tstate) d.runtime_tstate = b.state.tstate;
        if (f.kind === 'fatal-error' && STARTUP_STATES.has(b.state.state)) f.kind = 'startup-failure';
        this.standalone('runtime-state', b, { state: b.state.state, tstate: b.state.tstate, printed_for: { kind: f.kind, line: f.lines[0] } });
        return true;
      }
      case 'exception':
        d.pending_exception = { exception: b.exception, message: b.message };
        return true;
      case 'traceback': {
        if (ep.lastPart !== 'runtime-state' && ep.lastPart !== 'fatal') return false;
        d.pending_exception = { exception: b.exception, message: b.message };
        this.standalone(tracebackKind(b.exception), b, this.tracebackDetails(b));
        return true;
      }
      case 'threads': {
        if (d.threads_dumped !== undefined) return false;
        const td = this.threadDetails(b);
        const cur = currentThread(b.threads);
        d.threads_dumped = b.threads.length + b.threadsOmitted;
        if (f.kind !== 'timeout') {
          d.current_thread = cur?.thread_id ?? null;
          d.top_frame = cur?.frames[0] ?? null;
          d.stack_depth = cur ? cur.frames.length + (cur.frames_omitted ?? 0) : null;
          d.stack_truncated = cur?.truncated ?? false;
          d.garbage_collecting = b.threads.some((t) => t.garbage_collecting);
        } else {
          d.threads = b.threads.map((t) => ({ thread_id: t.thread_id, top_frame: t.frames[0] ?? null }));
        }
        this.standalone('thread-dump', b, { ...td, printed_for: { kind: f.kind, line: f.lines[0] } });
        return true;
      }
      case 'extension-modules': {
        d.extension_modules = b.modules;
        this.standalone('extension-modules', b, { modules: b.modules, total: b.total, complete: b.complete, printed_for: { kind: f.kind, line: f.lines[0] } });
        return true;
      }
      default:
        return false;
    }
  }

  private threadDetails(b: Extract<RawBlock, { t: 'threads' }>): Record<string, unknown> {
    return { all_threads: b.allThreads, threads: b.threads, threads_omitted: b.threadsOmitted, threads_cut: b.threadsCut };
  }

  private tracebackDetails(b: Extract<RawBlock, { t: 'traceback' }>): Record<string, unknown> {
    return { exception: b.exception, message: b.message, frames: b.frames, frames_omitted: b.framesOmitted, repeated: b.repeated, top_frame: b.frames[b.frames.length - 1] ?? null };
  }
}
