// `pycore analyze --tasks`: asyncio tasks and other suspended coroutines, with their await chains.
import { Heap } from '../cpython/heap.js';
import type { ObjectDecoder } from '../cpython/objects/decoder.js';
import type { PythonRuntime } from '../cpython/runtime.js';
import { findTasks, type AwaitStep } from '../cpython/tasks.js';
import type { InterpreterInfo } from '../cpython/threads.js';
import type { Target } from '../target/target.js';
import { hex } from './view-model.js';

/** One link of an await chain (see AwaitStep): type, qualname, state and position; the address in hex. */
export type AwaitStepView = Omit<AwaitStep, 'address'> & { address: string };

export interface TaskView {
  address: string;
  /** `_asyncio.Task` (the C task) or `asyncio.tasks.Task` (the pure-Python one). */
  type: string;
  name: string | null;
  /** The task's coroutine, what it awaits, and so on: outermost first. */
  chain: AwaitStepView[];
  unreadable?: string;
}

export interface TasksView {
  tasks: TaskView[];
  /** Suspended coroutines and async generators no task runs and nothing found awaits: each its chain. */
  coroutines: AwaitStepView[][];
  problems: string[];
}

function stepView(s: AwaitStep): AwaitStepView {
  return { address: hex(s.address), type: s.type, qualname: s.qualname, state: s.state, file: s.file, line: s.line, ...(s.unreadable ? { unreadable: s.unreadable } : {}) };
}

export function tasksView(rt: PythonRuntime, target: Target, decoder: ObjectDecoder, interpreters: InterpreterInfo[]): TasksView {
  const heap = new Heap(rt, target, decoder, interpreters);
  try {
    const scan = findTasks(heap, decoder);
    const problems = [...scan.problems];
    if (heap.pymalloc.unreadable) problems.unshift(`pymalloc: ${heap.pymalloc.unreadable}; only tasks in the GC lists are found`);
    return {
      tasks: scan.tasks.map((t) => ({ address: hex(t.address), type: t.type, name: t.name, chain: t.chain.map(stepView), ...(t.unreadable ? { unreadable: t.unreadable } : {}) })),
      coroutines: scan.others.map((c) => c.map(stepView)),
      problems,
    };
  } finally {
    heap.close();
  }
}
