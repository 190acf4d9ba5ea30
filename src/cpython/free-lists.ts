// The free lists sys._debugmallocstats() reports after pymalloc's statistics: how many freed
// dicts, floats, lists, tuples (per length), ... an interpreter keeps for reuse, and their sizes.
// Which lists exist and where their counts are is per-version data (capabilities.freeLists).
import type { FreeListSpec } from '../cpython-layouts/capabilities.js';
import { field, size } from '../cpython-layouts/layout.js';
import type { Target } from '../target/target.js';
import type { PythonRuntime } from './runtime.js';

export interface FreeList {
  /** What CPython prints: "PyDictObject", "2-sized PyTupleObject". */
  name: string;
  /** Objects on the list; null when unreadable. */
  count: number | null;
  /** Bytes per object. */
  size: number;
}

/** A free list never holds more than this (CPython's largest limit is 2000 tuples per length). */
const MAX_COUNT = 1 << 20;

/** The free lists of the interpreter at `interp`, in the order CPython prints them, and why a count is unknown. */
export function readFreeLists(rt: PythonRuntime, target: Target, interp: number): { lists: FreeList[]; problems: string[] } {
  const L = rt.layout;
  const lists: FreeList[] = [];
  const problems: string[] = [];
  const count = (address: number | null, what: string): number | null => {
    const v = address === null ? null : rt.reader.u32(address);
    const n = v === null ? null : v | 0;
    if (n === null || n < 0 || n > MAX_COUNT) {
      problems.push(`free list of ${what}: count ${address === null ? 'not found' : n === null ? 'unreadable' : `impossible (${n})`}`);
      return null;
    }
    return n;
  };
  for (const spec of L.caps.freeLists) {
    if (spec.name === 'tuple') {
      const base = tupleCounts(rt, target, interp, spec);
      // _PyObject_VAR_SIZE(&PyTuple_Type, n): the header and n item pointers.
      const header = field(L, 'tuple.items');
      for (let n = 1; n <= spec.lengths; n++) {
        const name = `${n}-sized PyTupleObject`;
        lists.push({ name, count: count(base === null ? null : base + 4 * (n - 1 + spec.indexOfLength1), name), size: header + 8 * n });
      }
      continue;
    }
    const where = 'field' in spec.count ? (L.offsets[spec.count.field] === undefined ? null : interp + L.offsets[spec.count.field]!) : loadedBy(rt, target, spec.count.loadedBy);
    lists.push({ name: spec.name, count: count(where, spec.name), size: size(L, spec.name) });
  }
  return { lists, problems };
}

function tupleCounts(rt: PythonRuntime, target: Target, interp: number, spec: Extract<FreeListSpec, { name: 'tuple' }>): number | null {
  if ('field' in spec.count) return rt.layout.offsets[spec.count.field] === undefined ? null : interp + rt.layout.offsets[spec.count.field]!;
  // The static `int numfree[PyTuple_MAXSAVESIZE]`: the one symbol of that name with the array's size.
  const bytes = 4 * (spec.lengths + spec.indexOfLength1);
  const hits = target.symbolsNamed(rt.module, spec.count.staticArray).filter((s) => s.size === bytes);
  return hits.length === 1 ? hits[0].address : null;
}

/**
 * The address of the `int` that the first instruction of function `name` loads: `mov
 * disp32(%rip), %r32` (8b, ModRM mod 00 r/m 101), as CPython's one-line _Py*_DebugMallocStats()
 * functions begin on x86-64. Null when the function is not there or starts otherwise.
 */
function loadedBy(rt: PythonRuntime, target: Target, name: string): number | null {
  const fn = target.symbolAddress(rt.module, name);
  const code = fn ? rt.reader.bytes(fn.address, 6) : null;
  if (!fn || !code || code[0] !== 0x8b || (code[1] & 0xc7) !== 0x05) return null;
  return fn.address + 6 + code.readInt32LE(2);
}
