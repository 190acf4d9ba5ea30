// Memory-corruption checks on a core: every debug-allocator block pycore can find (objects
// reachable from the threads' locals, their items, and pointers on the crashing thread's stack,
// where the block being freed when the check tripped still is) is checked like
// _PyMem_DebugCheckAddress; objects that live locals still point at but that show the
// allocator's freed-memory pattern are use-after-free.
import { blockProblems, looksLikeDebugBlock, readDebugBlock, type BlockProblem, type DebugBlock } from '../cpython/debug-allocator.js';
import type { FrameInfo } from '../cpython/frames.js';
import { frameLocals } from '../cpython/locals.js';
import type { ObjectDecoder } from '../cpython/objects/decoder.js';
import type { TypeInfo } from '../cpython/objects/types.js';
import type { ThreadStatus } from '../elf/core-notes.js';
import { stackPointerName } from '../elf/core-notes.js';
import type { Target } from '../target/target.js';
import { hex } from './view-model.js';
import type { AllocationTraceView } from './allocation-traceback.js';

export interface MemoryErrorView {
  kind: BlockProblem | 'use-after-free';
  /** The user pointer p of the block. */
  address: string;
  api: string;
  requested: number;
  bad_pads: { base: 'p' | 'tail'; offset: number; value: string }[];
  /** The object in the block, when one validates there. */
  object: { address: string; type: string; repr: string } | null;
  /** Where pycore found the block: a local's object, an item of one, or a pointer on the crashing thread's stack. */
  found_via: string;
  block: DebugBlock;
  /** Where the block was allocated (tracemalloc's traceback, newest frame first), when tracemalloc traced it. */
  allocated_at?: { filename: string | null; lineno: number }[] | null;
  /** What tracemalloc knew of the block: decides what CPython printed after the dump. */
  tracemalloc?: AllocationTraceView['state'];
  tracemalloc_unreadable?: string;
}

const STACK_SCAN_BYTES = 256 * 1024;
const MAX_CANDIDATES = 1_200_000;

/** Bytes before an object's own header that belong to its allocation (GC head, managed dict/weakref). */
export function preHeader(d: ObjectDecoder, t: TypeInfo): number {
  const gc = t.flags & (1 << 14) ? 16 : 0;
  return gc + (t.flags & d.L.caps.preHeaderFlags ? 16 : 0);
}

/** Used pymalloc blocks to check when the debug hooks are on: block start addresses. */
export type BlockSource = () => Iterable<{ block: number }>;

export function checkMemory(target: Target, d: ObjectDecoder, frames: FrameInfo[], crashing: ThreadStatus | undefined, pymallocBlocks?: BlockSource): MemoryErrorView[] {
  const candidates = new Map<number, string>();
  const add = (p: number, via: string) => {
    if (candidates.size < MAX_CANDIDATES && !candidates.has(p)) candidates.set(p, via);
  };
  // Objects the threads' locals hold, and the items of containers among them.
  for (const f of frames) {
    for (const l of frameLocals(d, f, 1000).locals) {
      const v = d.validate(l.value);
      if (!v.ok) continue;
      add(l.value - preHeader(d, v.type), `local ${l.name} in ${f.function ?? '?'}`);
    }
  }
  // Pointers on the crashing thread's stack: the block being freed or reallocated is there.
  if (crashing) {
    const spName = stackPointerName(target.core.header.machine);
    const sp = spName ? crashing.registers[spName] : undefined;
    if (sp !== undefined) {
      for (let off = 0; off < STACK_SCAN_BYTES; off += 4096) {
        const page = target.memory.read(sp + off, 4096);
        if (!page) break;
        for (let i = 0; i + 8 <= page.length; i += 8) {
          const w = Number(page.readBigUInt64LE(i));
          if (w % 16 === 0 && w > 0x10000) add(w, `a pointer on the stack of thread ${crashing.tid}`);
        }
      }
    }
  }
  // With the debug hooks on (some object's block carries an intact debug header), every block in
  // use in pymalloc's pools is a debug block too: check them all, not only those we can name.
  if (pymallocBlocks && [...candidates.keys()].some((p) => { const b = readDebugBlock(d.r, p); return b !== null && looksLikeDebugBlock(b) && blockProblems(b).length === 0; })) {
    for (const { block } of pymallocBlocks()) add(block + 16, "pymalloc's pools (a block in use)");
  }
  const out: MemoryErrorView[] = [];
  const seen = new Set<number>();
  for (const [p, via] of candidates) {
    const b = readDebugBlock(d.r, p);
    if (!b || !looksLikeDebugBlock(b) || seen.has(p)) continue;
    const problems = blockProblems(b);
    if (problems.length === 0) continue;
    seen.add(p);
    const bad: MemoryErrorView['bad_pads'] = [];
    b.leading.forEach((v, i) => v !== 0xfd && bad.push({ base: 'p', offset: -(7 - i), value: `0x${v.toString(16).padStart(2, '0')}` }));
    b.trailing?.forEach((v, i) => v !== 0xfd && bad.push({ base: 'tail', offset: i, value: `0x${v.toString(16).padStart(2, '0')}` }));
    out.push({
      kind: problems[0],
      address: hex(p),
      api: String.fromCharCode(b.api),
      requested: b.requested,
      bad_pads: bad,
      object: objectIn(d, p),
      found_via: via,
      block: b,
    });
  }
  return out.sort((a, b) => Number.parseInt(a.address, 16) - Number.parseInt(b.address, 16));
}

/** The object an allocation holds: at p itself, or after its GC head / pre-header. */
export function objectIn(d: ObjectDecoder, p: number): MemoryErrorView['object'] {
  for (const off of [0, 16, 32]) {
    const v = d.validate(p + off);
    if (v.ok && preHeader(d, v.type) === off) return { address: hex(p + off), type: d.typeNames(v.type).qualname, repr: d.repr(p + off) };
  }
  const v = d.validate(p);
  return v.ok ? null : { address: hex(p), type: '<invalid>', repr: `<invalid object at ${hex(p)}: ${v.reason}>` };
}
