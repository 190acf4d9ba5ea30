// Py_TRACE_REFS builds of 3.8-3.12 link every live object into one circular doubly linked list
// (what sys.getobjects() returns) through _ob_next/_ob_prev at the start of the object header.
// The list's head is a PyObject of its own: the static `refchain` in Objects/object.c (3.8-3.11;
// a local symbol, so .symtab must be there) or each interpreter's interp->object_state.refchain
// (3.12). 3.13 keeps a hashtable instead, which is not walked here.
import { field } from '../cpython-layouts/layout.js';
import type { Target } from '../target/target.js';
import { walkCircularListSteps, type ListWalk } from './gc.js';
import type { HeapMemory } from './heap-memory.js';
import type { PythonRuntime } from './runtime.js';
import type { InterpreterInfo } from './threads.js';

export interface RefchainHead {
  address: number;
  /** The interpreter owning it; null for the process-wide list of 3.8-3.11. */
  interp: InterpreterInfo | null;
}

/** The refchain heads of a Py_TRACE_REFS build, or why there are none. */
export function refchainHeads(rt: PythonRuntime, target: Target, interps: InterpreterInfo[]): RefchainHead[] | string {
  if (rt.build !== 'trace-refs') return 'not a Py_TRACE_REFS build';
  const L = rt.layout;
  if (L.offsets['object.next'] === undefined) return 'the layout has no _ob_next';
  switch (L.caps.refchain) {
    case 'hashtable':
      return 'this version keeps its refchain in a hashtable, which pycore does not read yet';
    case 'interpreter': {
      const off = L.offsets['interp.refchain'];
      if (off === undefined) return 'the layout has no interp->object_state.refchain';
      return interps.map((i) => ({ address: i.address + off, interp: i }));
    }
    case 'static-symbol': {
      const s = target.symbolAddress(rt.module, 'refchain');
      return s ? [{ address: s.address, interp: null }] : `no symbol 'refchain' in ${rt.module.path} (it needs .symtab)`;
    }
  }
}

/** Visits every object on the list headed at `head`, at most `limit`, checking each back link; pauses now and then with the count so far. */
export function walkRefchainSteps(mem: HeapMemory, L: PythonRuntime['layout'], head: number, limit: number, visit: (object: number) => void): Generator<number, ListWalk, void> {
  return walkCircularListSteps(mem, head, { next: field(L, 'object.next'), prev: field(L, 'object.prev'), object: 0, tagBits: 1 }, false, limit, visit);
}
