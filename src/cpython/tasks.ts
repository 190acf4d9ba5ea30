// asyncio tasks and suspended coroutines found on the heap, each with its await chain
// (coroutine -> the coroutine or future it awaits -> ...) and the line each is suspended at.
import type { Layout } from '../cpython-layouts/layout.js';
import { generatorState } from './generators.js';
import { stackRefObject } from './frames.js';
import type { Heap } from './heap.js';
import type { ObjectDecoder } from './objects/decoder.js';
import type { TypeInfo } from './objects/types.js';

/** Bounds on what one scan collects. */
export const TASK_LIMITS = { maxTasks: 10_000, maxCoroutines: 100_000, maxChain: 64, maxTaskWords: 64 } as const;

export interface AwaitStep {
  address: number;
  /** Short type name: coroutine, generator, async_generator, FutureIter, ... */
  type: string;
  /** Generators, coroutines and async generators: their __qualname__, state and position. */
  qualname: string | null;
  state: string | null;
  file: string | null;
  line: number | null;
  unreadable?: string;
}

export interface TaskFound {
  address: number;
  /** `module.qualname` of the task's type. */
  type: string;
  name: string | null;
  /** The coroutine it runs and what that awaits, outermost first. */
  chain: AwaitStep[];
  unreadable?: string;
}

export interface TaskScan {
  tasks: TaskFound[];
  /** Suspended coroutines and async generators that no task runs and nothing found awaits. */
  others: AwaitStep[][];
  /** Something was cut short: the reason. */
  problems: string[];
}

const GENERATOR_KINDS = new Set(['generator', 'coroutine', 'async_generator']);

function isGeneratorKind(d: ObjectDecoder, t: TypeInfo): boolean {
  const k = d.kind(t);
  return k !== null && GENERATOR_KINDS.has(k);
}

function frameStateName(L: Layout, raw: number): string | null {
  const value = (raw << 24) >> 24;
  return Object.entries(L.enums['_framestate'] ?? {}).find(([, v]) => v === value)?.[0] ?? null;
}

/**
 * What a suspended generator, coroutine or async generator awaits (`gi_yieldfrom`/`cr_await`),
 * as CPython's _PyGen_yf finds it: the top of its frame's value stack when it is suspended in a
 * `yield from`/`await`. 0 when it awaits nothing; null when that cannot be read.
 */
export function awaitedObject(d: ObjectDecoder, gen: number): number | null {
  const { r, L } = d;
  const o = L.offsets;
  const a = L.caps.awaited;
  if (a.kind === 'f_stacktop' || a.kind === 'f_stackdepth') {
    if (o['gen.frame'] === undefined || o['frame.f_lasti'] === undefined || o['frame.f_code'] === undefined || o['code.code'] === undefined || o['bytes.sval'] === undefined) return null;
    const frame = r.ptr(gen + o['gen.frame']);
    if (frame === null) return null;
    if (frame === 0) return 0;
    const lasti = r.i32(frame + o['frame.f_lasti']);
    const code = r.ptr(frame + o['frame.f_code']);
    if (lasti === null || !code) return null;
    if (lasti < 0) return 0;
    const bytecode = r.ptr(code + o['code.code']);
    if (!bytecode) return null;
    // f_lasti counts bytes (3.8/3.9) or 2-byte code units (3.10); the next instruction's opcode.
    const next = a.kind === 'f_stacktop' ? lasti + 2 : (lasti + 1) * 2;
    const op = r.u8(bytecode + o['bytes.sval'] + next);
    if (op === null) return null;
    if (op !== a.yieldFromOpcode) return 0;
    if (a.kind === 'f_stacktop') {
      if (o['frame.f_stacktop'] === undefined) return null;
      const top = r.ptr(frame + o['frame.f_stacktop']);
      if (top === null) return null;
      return top === 0 ? 0 : r.ptr(top - 8); // f_stacktop is NULL while the frame runs
    }
    if (o['frame.f_stackdepth'] === undefined || o['frame.f_valuestack'] === undefined || o['frame.f_state'] === undefined) return null;
    const state = r.u8(frame + o['frame.f_state']);
    if (state === null) return null;
    if (frameStateName(L, state) !== 'FRAME_SUSPENDED') return 0;
    const depth = r.i32(frame + o['frame.f_stackdepth']);
    const stack = r.ptr(frame + o['frame.f_valuestack']);
    if (depth === null || !stack || depth <= 0 || depth > 1 << 20) return null;
    return r.ptr(stack + (depth - 1) * 8);
  }
  const hasStack = o['iframe.stacktop'] !== undefined || o['iframe.stackpointer'] !== undefined;
  if (o['gen.frame_state'] === undefined || o['gen.iframe'] === undefined || !hasStack || o['iframe.localsplus'] === undefined) return null;
  const raw = r.u8(gen + o['gen.frame_state']);
  if (raw === null) return null;
  const state = frameStateName(L, raw);
  const iframe = gen + o['gen.iframe'];
  if (a.kind === 'frame-state') {
    if (state !== 'FRAME_SUSPENDED_YIELD_FROM') return 0;
  } else {
    if (state !== 'FRAME_SUSPENDED' || o['iframe.instr'] === undefined) return 0;
    // The instruction after the YIELD_VALUE it stopped at is a RESUME whose oparg is >= 2
    // after `yield from`/`await` (code units are opcode byte, oparg byte).
    const prev = r.ptr(iframe + o['iframe.instr']);
    if (!prev) return null;
    const oparg = r.u8(prev + 2 + 1);
    if (oparg === null) return null;
    if (oparg < 2) return 0;
  }
  // 3.14+: stackpointer points just past the value stack's top, a tagged _PyStackRef (_PyFrame_StackPeek).
  if (o['iframe.stackpointer'] !== undefined) {
    const sp = r.ptr(iframe + o['iframe.stackpointer']);
    const base = iframe + o['iframe.localsplus'];
    if (!sp || sp <= base || sp > base + 8 * (1 << 20)) return null;
    return stackRefObject(L, r.ptr(sp - 8));
  }
  const stacktop = r.i32(iframe + o['iframe.stacktop']!);
  if (stacktop === null || stacktop <= 0 || stacktop > 1 << 20) return null;
  return r.ptr(iframe + o['iframe.localsplus'] + (stacktop - 1) * 8);
}

/**
 * generatorState, with the states told apart the same way in every version: 3.13's
 * "suspended yield from" is "suspended", and a 3.8-3.10 frame that is running (f_stacktop NULL,
 * or f_state FRAME_EXECUTING) is "executing".
 */
function coroutineState(d: ObjectDecoder, address: number): ReturnType<typeof generatorState> {
  const g = generatorState(d, address);
  if (!g) return g;
  if (g.state === 'suspended yield from') return { ...g, state: 'suspended' };
  if (g.state !== 'suspended' || !g.frame) return g;
  const { r, L } = d;
  const o = L.offsets;
  if (L.caps.awaited.kind === 'f_stacktop' && o['frame.f_stacktop'] !== undefined) {
    if (r.ptr(g.frame.address + o['frame.f_stacktop']) === 0) return { ...g, state: 'executing' };
  } else if (L.caps.awaited.kind === 'f_stackdepth' && o['frame.f_state'] !== undefined) {
    const raw = r.u8(g.frame.address + o['frame.f_state']);
    if (raw !== null && frameStateName(L, raw) === 'FRAME_EXECUTING') return { ...g, state: 'executing' };
  }
  return g;
}

function step(d: ObjectDecoder, address: number, t: TypeInfo): AwaitStep {
  const s: AwaitStep = { address, type: d.shortTypeName(t), qualname: null, state: null, file: null, line: null };
  if (!isGeneratorKind(d, t)) return s;
  const at = d.L.offsets['gen.qualname'];
  const qn = at === undefined ? null : d.r.ptr(address + at);
  s.qualname = qn ? (d.str(qn, 1024)?.value ?? null) : null;
  const g = coroutineState(d, address);
  if (!g) {
    s.unreadable = 'generator state unreadable';
    return s;
  }
  s.state = g.state;
  if (g.frame) {
    s.file = g.frame.file;
    s.line = g.frame.line;
  }
  return s;
}

/** The await chain from `start`: each generator-like object and then the first other object it awaits. */
export function awaitChain(d: ObjectDecoder, start: number): AwaitStep[] {
  const out: AwaitStep[] = [];
  const seen = new Set<number>();
  let cur = start;
  while (cur && out.length < TASK_LIMITS.maxChain && !seen.has(cur)) {
    seen.add(cur);
    const v = d.validate(cur);
    if (!v.ok) {
      out.push({ address: cur, type: '?', qualname: null, state: null, file: null, line: null, unreadable: v.reason });
      break;
    }
    const s = step(d, cur, v.type);
    out.push(s);
    if (!isGeneratorKind(d, v.type)) break;
    const next = awaitedObject(d, cur);
    if (next === null) {
      s.unreadable ??= 'the awaited object is unreadable';
      break;
    }
    cur = next;
  }
  return out;
}

type TaskKind = 'c' | 'python' | null;

/** Whether a type is asyncio's Task (the C `_asyncio.Task` or the pure-Python `asyncio.tasks.Task`) or derives from it. */
function taskKind(d: ObjectDecoder, t: TypeInfo): TaskKind {
  let cur: TypeInfo | string = t;
  for (let i = 0; i < 16 && typeof cur !== 'string'; i++) {
    const n = d.typeNames(cur);
    if (n.qualname === 'Task' && n.module === '_asyncio') return 'c';
    if (n.qualname === 'Task' && n.module === 'asyncio.tasks') return 'python';
    if (!cur.base) break;
    cur = d.types.get(cur.base);
  }
  return null;
}

function taskName(d: ObjectDecoder, name: number): string | null {
  const v = d.validate(name);
  if (!v.ok) return null;
  const k = d.kind(v.type);
  if (k === 'str') return d.str(name, 1024)?.value ?? null;
  // 3.12+ keep the default name as its number until get_name() formats it.
  if (k === 'int') {
    const n = d.int(name);
    return n === null ? null : `Task-${n}`;
  }
  return null;
}

/**
 * A C Task's coroutine and name. `task_coro` sits at an offset known only to the _asyncio
 * extension's DWARF (after FutureObj_HEAD, whose size changes between versions), so the
 * object's fields are scanned for the first pointer to a valid coroutine (or generator); no
 * field before it in any version (loop, callbacks, context, result, exception, tracebacks) holds
 * one. `task_name` is the next field in every version (3.8-3.13).
 */
function cTask(d: ObjectDecoder, address: number, t: TypeInfo): { coro: number; name: number } | null {
  const words = Math.min(TASK_LIMITS.maxTaskWords, Math.floor(t.basicsize / 8));
  for (let i = 2; i < words - 1; i++) {
    const p = d.r.ptr(address + i * 8);
    if (!p || p % 8 !== 0) continue;
    const v = d.validate(p);
    if (!v.ok || !isGeneratorKind(d, v.type)) continue;
    return { coro: p, name: d.r.ptr(address + (i + 1) * 8) ?? 0 };
  }
  return null;
}

function pythonTask(d: ObjectDecoder, address: number, t: TypeInfo): { coro: number; name: number } | null {
  const attrs = d.attributes(address, t, 256);
  if (typeof attrs === 'string') return null;
  const get = (k: string) => attrs.items.find(([n]) => n === k)?.[1] ?? 0;
  return { coro: get('_coro'), name: get('_name') };
}

/**
 * Every asyncio Task on the heap (objects in the GC lists and pymalloc blocks; see Heap.walk)
 * and every suspended coroutine or async generator that no task runs and nothing awaits.
 */
export function findTasks(heap: Heap, d: ObjectDecoder): TaskScan {
  const problems: string[] = [];
  const kinds = new Map<number, TaskKind>();
  const taskObjs: { address: number; type: TypeInfo; kind: 'c' | 'python' }[] = [];
  const coros: number[] = [];
  const summary = heap.walk(
    (o) => {
      const t = o.profile.type;
      if (o.profile.kind === 'coroutine' || o.profile.kind === 'async_generator') {
        if (coros.length < TASK_LIMITS.maxCoroutines) coros.push(o.address);
        return;
      }
      let k = kinds.get(o.profile.id);
      if (k === undefined) {
        k = taskKind(d, t);
        kinds.set(o.profile.id, k);
      }
      if (k && taskObjs.length < TASK_LIMITS.maxTasks) taskObjs.push({ address: o.address, type: t, kind: k });
    },
    { reachable: false },
  );
  problems.push(...summary.problems);
  if (taskObjs.length >= TASK_LIMITS.maxTasks) problems.push(`more than ${TASK_LIMITS.maxTasks} tasks; the rest are not shown`);
  if (coros.length >= TASK_LIMITS.maxCoroutines) problems.push(`more than ${TASK_LIMITS.maxCoroutines} coroutines; the rest are not considered`);

  const covered = new Set<number>();
  const tasks: TaskFound[] = [];
  for (const { address, type, kind } of taskObjs.sort((a, b) => a.address - b.address)) {
    const found = kind === 'c' ? cTask(d, address, type) : pythonTask(d, address, type);
    const n = d.typeNames(type);
    const task: TaskFound = { address, type: `${n.module}.${n.qualname}`, name: null, chain: [] };
    if (!found || !found.coro) {
      task.unreadable = 'no coroutine found in the task (finished tasks drop theirs)';
    } else {
      task.name = found.name ? taskName(d, found.name) : null;
      task.chain = awaitChain(d, found.coro);
      for (const s of task.chain) covered.add(s.address);
    }
    tasks.push(task);
  }
  // Roots among the remaining suspended coroutines: those nothing found awaits.
  const awaited = new Set<number>();
  const suspended: number[] = [];
  for (const c of coros) {
    const a = awaitedObject(d, c);
    if (a) awaited.add(a);
    if (!covered.has(c) && coroutineState(d, c)?.state === 'suspended') suspended.push(c);
  }
  const others = suspended.filter((c) => !awaited.has(c)).map((c) => awaitChain(d, c));
  return { tasks, others, problems };
}
