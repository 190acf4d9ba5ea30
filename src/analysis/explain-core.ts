// `pycore explain LOG --core CORE`: the addresses and thread ids a crash log printed, looked up
// in the core of the same run. A debug-allocator block (p=) gains what the core's memory check
// says of it and the object in it; an object (`object address  :`, `<refcnt ... at 0x...>`)
// gains its type, repr, refcount and where tracemalloc saw it allocated; both gain their
// referrers (one heap walk for all, the list capped); a thread id gains the thread's full stack.
import { parseAddress } from './objects.js';
import { blockProblems, debugHooksOf, looksLikeDebugBlock, readDebugBlock } from '../cpython/debug-allocator.js';
import { defaultLimits, type Limits } from '../cpython/limits.js';
import type { Target } from '../target/target.js';
import { allocationTracer, objectAllocation, type AllocationTraceView } from './allocation-traceback.js';
import { analyze } from './analyze.js';
import type { Finding } from './findings.js';
import { pathRoots, referrers } from './heap/references.js';
import { openHeap } from './heap/session.js';
import type { ExplainReport } from './log/explain.js';
import { objectIn, type MemoryErrorView } from './memory-check.js';
import { hex, type FrameView, type ThreadView } from './view-model.js';
import type { NativeStackView } from './native-view-model.js';

/** Referrers listed per object (the count says how many there were in all). */
export const MAX_REFERRERS = 20;
/** Addresses looked up per log: a log can print thousands; the heap walk answers them all at once, but each costs a repr. */
const MAX_ADDRESSES = 200;

type Frames = Pick<FrameView, 'function' | 'file' | 'line'>[];

export interface CoreThread {
  thread_id: string;
  /** Whether the core has a thread with this id; the rest is set only when it has. */
  found: boolean;
  native_id?: number | null;
  current?: boolean;
  /** Every Python frame of the thread (faulthandler prints at most 100), newest first. */
  frames?: Frames;
  /** The native stack with the Python frames merged in, when the core's binaries allow unwinding it. */
  native?: NativeStackView;
  unreadable?: string;
}

export interface CoreReferrers {
  /** A root that holds the object directly (a thread's frame local, sys.modules...), which the heap walk may not see as an object (3.8-3.10 executing frames are not on the GC lists). */
  root?: string;
  total: number;
  /** The first MAX_REFERRERS: how each holds the object, and what it is. */
  list: { label: string; address: string; type: string; repr: string }[];
}

export interface CoreObject {
  address: string;
  type: string;
  repr: string;
  refcount: number | null;
  /** Why the object does not validate (freed, a bad type pointer...), when it does not. */
  unreadable?: string;
  allocated_at?: AllocationTraceView['frames'];
  referrers?: CoreReferrers;
}

export interface CoreBlock {
  address: string;
  /** What the core's memory check reported for this block (the same fields as analyze's memory_errors), or null when it found no damage there. */
  memory_error: Omit<MemoryErrorView, 'block' | 'object' | 'allocated_at' | 'tracemalloc' | 'tracemalloc_unreadable'> | null;
  /** The block as it is in the core: 'intact', the problems CPython would report, or why it is no debug block. */
  state: string;
  object: { address: string; type: string; repr: string } | null;
  allocated_at?: AllocationTraceView['frames'];
  referrers?: CoreReferrers;
}

export interface FindingCore {
  block?: CoreBlock;
  objects?: CoreObject[];
  threads?: CoreThread[];
}

export interface ExplainCoreSummary {
  core: string;
  python: string | null;
  signal: string | null;
  /** Thread ids of the log found in the core / printed in the log: 0 of N means the log is from another run. */
  threads_matched: number;
  threads_in_log: number;
  warnings: string[];
}

// Addresses come from an untrusted log: parseAddress caps the digits and keeps them exact.
const addr = (v: unknown): number | null => (typeof v === 'string' && /^0x/i.test(v) ? parseAddress(v) : null);

/** The addresses and thread ids a finding's details hold (as the log parser put them there). */
function wanted(f: Finding): { block: number | null; objects: number[]; threads: string[] } {
  const d = f.details;
  const block = Array.isArray(d.bad_pads) ? addr(d.address) : null;
  const objects: number[] = [];
  const o = d.object as { address?: unknown } | undefined;
  if (o && addr(o.address) !== null) objects.push(addr(o.address)!);
  if (block === null && 'refcount' in d && addr(d.address) !== null) objects.push(addr(d.address)!);
  const threads = new Set<string>();
  if (typeof d.current_thread === 'string') threads.add(d.current_thread.toLowerCase());
  if (Array.isArray(d.threads)) for (const t of d.threads as { thread_id?: unknown }[]) if (typeof t.thread_id === 'string') threads.add(t.thread_id.toLowerCase());
  return { block, objects, threads: [...threads] };
}

/** Adds `details.core` to the findings whose addresses or threads the core knows; returns what was matched. */
export function explainWithCore(report: ExplainReport, target: Target, coreName: string, limits: Limits = defaultLimits): ExplainCoreSummary {
  const { report: a, fatal } = analyze(target, { native: { all: false }, limits });
  const perFinding = report.findings.map(wanted);
  const logThreads = new Set(perFinding.flatMap((w) => w.threads));
  const summary: ExplainCoreSummary = { core: coreName, python: a.python?.version ?? null, signal: a.signal?.name ?? null, threads_matched: 0, threads_in_log: logThreads.size, warnings: [] };
  if (fatal) {
    summary.warnings.push(`no Python state in the core: ${fatal}`);
    return summary;
  }
  const s = openHeap(target, undefined, limits);
  if ('fatal' in s) {
    summary.warnings.push(s.fatal);
    return summary;
  }
  const d = s.objects.decoder;
  const trace = allocationTracer(s.rt, target, limits);
  const traced = (t: AllocationTraceView | null) => (t?.state === 'traced' ? { allocated_at: t.frames } : {});
  const byThread = new Map(a.threads.filter((t) => t.thread_id).map((t) => [t.thread_id!.toLowerCase(), t]));
  const errors = new Map(a.memory_errors.map((e) => [e.address, e]));
  let budget = MAX_ADDRESSES;
  const refTargets: number[] = [];
  const out: { f: Finding; core: FindingCore; refs: { on: { referrers?: CoreReferrers }; at: number }[] }[] = [];

  report.findings.forEach((f, i) => {
    const w = perFinding[i];
    const core: FindingCore = {};
    const refs: { on: { referrers?: CoreReferrers }; at: number }[] = [];
    if (w.block !== null && budget-- > 0) {
      const p = w.block;
      const e = errors.get(hex(p)) ?? null;
      const b = readDebugBlock(d.r, p, debugHooksOf(d.L.caps));
      // The block the hooks were checking when they aborted is bad by the API they checked it for.
      const problems = b ? blockProblems(b, e?.verified_api) : [];
      const state = !b ? 'not in the core' : !looksLikeDebugBlock(b) ? 'no debug-allocator header there (freed or reused since?)' : problems.length ? problems.join(', ') : 'intact';
      const object = e ? e.object : b ? objectIn(d, p) : null;
      // Its object and traceback are given once, at the block's level.
      const { block: _block, object: _o, allocated_at: _a, tracemalloc: _t, tracemalloc_unreadable: _u, ...rest } = e ?? ({} as MemoryErrorView);
      const cb: CoreBlock = { address: hex(p), memory_error: e ? rest : null, state, object, ...traced(trace(p)) };
      core.block = cb;
      const target = object ? Number.parseInt(object.address, 16) : p;
      refs.push({ on: cb, at: target });
      refTargets.push(target);
    }
    for (const o of w.objects) {
      if (budget-- <= 0) break;
      const v = s.objects.inspect(hex(o), 0, 0);
      const co: CoreObject = { address: v.address, type: v.type, repr: v.repr, refcount: v.refcount, ...(v.unreadable ? { unreadable: v.unreadable } : {}), ...traced(objectAllocation(d, o, trace)) };
      (core.objects ??= []).push(co);
      refs.push({ on: co, at: o });
      refTargets.push(o);
    }
    for (const id of w.threads) {
      const t = byThread.get(id);
      (core.threads ??= []).push(t ? threadOf(id, t) : { thread_id: id, found: false });
    }
    if (core.block || core.objects || core.threads) out.push({ f, core, refs });
  });

  // One walk of the heap answers every referrer question of the log.
  const unique = [...new Set(refTargets)];
  const found = unique.length ? referrers(s, unique) : [];
  const roots = unique.length ? pathRoots(s) : new Map<number, { label: string }>();
  const byTarget = new Map(unique.map((t, i) => [t, found[i]]));
  for (const { f, core, refs } of out) {
    for (const r of refs) {
      const rep = byTarget.get(r.at);
      const root = roots.get(r.at)?.label;
      if (rep) r.on.referrers = { ...(root ? { root } : {}), total: rep.references.length, list: rep.references.slice(0, MAX_REFERRERS) };
    }
    f.details.core = core;
  }
  summary.threads_matched = [...logThreads].filter((t) => byThread.has(t)).length;
  if (summary.threads_in_log > 0 && summary.threads_matched === 0)
    summary.warnings.push(`none of the log's ${summary.threads_in_log} thread id${summary.threads_in_log === 1 ? ' is' : 's are'} in the core: the log and the core are probably from different runs, and addresses from the log may name other things in this core`);
  summary.warnings.push(...s.warnings);
  return summary;
}

function threadOf(id: string, t: ThreadView): CoreThread {
  return {
    thread_id: id,
    found: true,
    native_id: t.native_id,
    current: t.current,
    frames: t.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })),
    ...(t.native ? { native: t.native } : {}),
    ...(t.unreadable ? { unreadable: t.unreadable } : {}),
  };
}
