// Interpreters and their thread states.
import { field, type Layout } from '../cpython-layouts/layout.js';
import type { Target } from '../target/target.js';
import type { Limits } from './limits.js';
import { truncationCause, type PythonRuntime } from './runtime.js';
import { followList, type WalkEnd } from './walk.js';

export interface ThreadStateInfo {
  address: number;
  interp: number;
  /** pthread_self() of the thread (faulthandler prints this). */
  threadId: number | null;
  /** The kernel's thread id (3.11+). */
  nativeId: number | null;
}

export interface InterpreterInfo {
  address: number;
  id: number | null;
  threads: ThreadStateInfo[];
  threadsEnd: WalkEnd;
}

/** Where the pointer to the first interpreter lives: in _PyRuntime (3.7+), or the static `interp_head` itself (2.7, 3.6: runtimeAddress is its address). */
function interpreterListHead(rt: PythonRuntime): number {
  return rt.layout.caps.runtimeState.kind === 'struct' ? rt.runtimeAddress + field(rt.layout, 'runtime.interpreters_head') : rt.runtimeAddress;
}

export function readInterpreters(rt: PythonRuntime, limits: Limits): { interpreters: InterpreterInfo[]; end: WalkEnd } {
  const { reader: r, layout: L } = rt;
  const end: WalkEnd = {};
  const out: InterpreterInfo[] = [];
  const head = r.ptr(interpreterListHead(rt));
  for (const interp of followList(head, (a) => r.ptr(a + field(L, 'interp.next')), limits.maxInterpreters, end)) {
    const idOff = L.offsets['interp.id'];
    const threadsEnd: WalkEnd = {};
    const threads: ThreadStateInfo[] = [];
    const first = r.ptr(interp + field(L, 'interp.threads_head'));
    for (const ts of followList(first, (a) => r.ptr(a + field(L, 'tstate.next')), limits.maxThreads, threadsEnd)) {
      const info = readThreadState(rt, L, ts);
      // Every thread state points back at its interpreter: an entry that does not is not a
      // thread state (a corrupt link led elsewhere), and neither is anything after it.
      if (info.interp !== interp) {
        threadsEnd.reason = 'invalid';
        threadsEnd.at = ts;
        break;
      }
      threads.push(info);
    }
    out.push({ address: interp, id: idOff === undefined ? null : r.ssize(interp + idOff), threads, threadsEnd });
  }
  return { interpreters: out, end };
}

/**
 * Why readInterpreters() found none. In a truncated core whose copy of _PyRuntime's interpreter
 * list is past the cut (what is read there then comes from the binary's initial data), the cut
 * is the cause and is named; otherwise the runtime's state.
 */
export function noInterpretersReason(rt: PythonRuntime, target: Target): string {
  const head = interpreterListHead(rt);
  if (target.truncated && target.memory.readCoreOnly(head, target.memory.pointerSize) === null) return truncationCause(target.truncated, "the Python runtime's interpreter list lies past the cut");
  return 'the Python runtime has no interpreters (the core is from before start-up or after shutdown, or the runtime state is unreadable)';
}

function readThreadState(rt: PythonRuntime, L: Layout, address: number): ThreadStateInfo {
  const r = rt.reader;
  const nat = L.offsets['tstate.native_thread_id'];
  return {
    address,
    interp: r.ptr(address + field(L, 'tstate.interp')) ?? 0,
    threadId: r.ptr(address + field(L, 'tstate.thread_id')),
    nativeId: nat === undefined ? null : r.ptr(address + nat),
  };
}

/** The thread state holding the GIL, if the GIL is held (for snapshots taken without a signal). */
export function gilHolder(rt: PythonRuntime, interp: InterpreterInfo): number | null {
  const { reader: r, layout: L } = rt;
  let gil: number | null = null;
  let holderOff: number | undefined;
  let lockedOff: number | undefined;
  if (L.caps.runtimeState.kind === 'statics') {
    // ceval_gil.h's statics gil_last_holder and gil_locked (_Py_atomic_address/_int: the value first).
    const { gilLastHolder, gilLocked, tstateCurrent } = rt.statics;
    if (gilLastHolder === undefined || gilLocked === undefined) {
      // 2.7's GIL is an opaque semaphore; _PyThreadState_Current is the running thread's state
      // while it holds the GIL and NULL while it has let it go (PyEval_SaveThread).
      return tstateCurrent === undefined ? null : r.ptr(tstateCurrent) || null;
    }
    gil = 0;
    holderOff = gilLastHolder;
    lockedOff = gilLocked;
  } else if (L.caps.gil === 'runtime') {
    gil = rt.runtimeAddress;
    holderOff = L.offsets['runtime.gil_last_holder'];
    lockedOff = L.offsets['runtime.gil_locked'];
  } else {
    const p = L.offsets['interp.gil_ptr'];
    gil = p === undefined ? null : r.ptr(interp.address + p) || null;
    holderOff = L.offsets['gil.last_holder'];
    lockedOff = L.offsets['gil.locked'];
  }
  if (gil === null || holderOff === undefined || lockedOff === undefined) return null;
  // last_holder is not cleared on release: it names the holder only while `locked` is set.
  const locked = r.i32(gil + lockedOff);
  const holder = r.ptr(gil + holderOff);
  return locked === 1 && holder ? holder : null;
}
