// pymalloc, CPython's small-object allocator: where its arena table lives in each version, the
// arenas and pools in it, which blocks of a pool are in use, and the numbers
// sys._debugmallocstats() prints. Every table read is capped and every free list is bounded.
import { field, size, type Layout } from '../cpython-layouts/layout.js';
import { pymallocLayout, type PymallocLayout } from '../cpython-layouts/pymalloc-layout.js';
import type { Target } from '../target/target.js';
import { HeapMemory, u64At } from './heap-memory.js';
import type { PythonRuntime } from './runtime.js';
import { RangeIndex } from './range-index.js';
import type { InterpreterInfo } from './threads.js';

/** More arena slots than this means the table pointer or its length is corrupt (2^22 arenas = 4 TiB). */
const MAX_ARENA_SLOTS = 1 << 22;
const TWO32 = 2 ** 32;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
export const NUM_CLASSES = 32;

export interface Arena {
  /** Slot in the arena table. */
  index: number;
  address: number;
  /** First pool not yet carved out of the arena. */
  poolAddress: number;
  nfreepools: number;
  ntotalpools: number;
  /** Address of the first pool (the arena's address rounded up to a pool boundary). */
  firstPool: number;
  /** Bytes from `address` to `address + arenaSize`: the range blocks of this arena live in. */
  end: number;
}

export interface PymallocCounters {
  narenasCurrentlyAllocated: number | null;
  ntimesArenaAllocated: number | null;
  narenasHighwater: number | null;
  arenaMapMidCount: number | null;
  arenaMapBotCount: number | null;
  /** 3.8: `_Py_AllocatedBlocks`, the running count sys.getallocatedblocks() returns. */
  allocatedBlocks: number | null;
  /** 3.9+: blocks of the object allocator served by malloc because they were too big for pymalloc. */
  rawAllocatedBlocks: number | null;
  /** 3.12+: blocks leaked by finalized sub-interpreters (_PyRuntime.obmalloc.interpreter_leaks). */
  interpreterLeaks: number | null;
}

export interface PymallocHeap {
  /** Where the state was found, for messages: "obmalloc.c statics", "interpreter 0". */
  where: string;
  layout: PymallocLayout;
  maxarenas: number;
  /** Allocated arenas (address != 0), in table order. */
  arenas: Arena[];
  counters: PymallocCounters;
}

export interface PymallocFind {
  heaps: PymallocHeap[];
  /** Why pymalloc's state could not be read (or only partly), when so. */
  unreadable?: string;
}

/** The pymalloc heaps of a process: one (3.8-3.11, or 3.12+ interpreters sharing the main one's) or one per interpreter with its own allocator. */
export function findPymalloc(rt: PythonRuntime, target: Target, interps: InterpreterInfo[], mem: HeapMemory): PymallocFind {
  const P = pymallocLayout(rt.layout.version);
  if (!P) return { heaps: [], unreadable: 'no pymalloc layout for this version' };
  const L = rt.layout;
  const sym = (name: string) => target.symbolAddress(rt.module, name)?.address ?? null;
  if (P.state.kind === 'statics') {
    const arenas = sym(P.symbols.arenas);
    const maxarenas = sym(P.symbols.maxarenas);
    if (arenas === null || maxarenas === null) {
      const noSymbols = `pymalloc keeps its arena table in static variables of obmalloc.c, and ${rt.module.path} has no symbol table (.symtab) naming them; pass an unstripped copy of it (--lib-path DIR or --sysroot DIR)`;
      const found = scanForArenaTable(L, P, target, rt, mem);
      if (!found) return { heaps: [], unreadable: noSymbols };
      const counters: PymallocCounters = {
        narenasCurrentlyAllocated: null, ntimesArenaAllocated: null, narenasHighwater: null, arenaMapMidCount: null, arenaMapBotCount: null,
        allocatedBlocks: null, rawAllocatedBlocks: null, interpreterLeaks: null,
      };
      return {
        heaps: [{ where: `arena table at 0x${found.table.toString(16)} (found by scanning ${rt.module.path}, which has no symbols)`, layout: P, maxarenas: found.maxarenas, arenas: found.arenas, counters }],
        unreadable: `${rt.module.path} has no symbol table: the arena table was found by scanning its data, and pymalloc's counters (arenas allocated in all, highwater mark, blocks served by malloc) are unknown`,
      };
    }
    const read = (name: string) => {
      const a = sym(name);
      return a === null ? null : mem.u64(a);
    };
    const counters: PymallocCounters = {
      narenasCurrentlyAllocated: read(P.symbols.narenasCurrentlyAllocated),
      ntimesArenaAllocated: read(P.symbols.ntimesArenaAllocated),
      narenasHighwater: read(P.symbols.narenasHighwater),
      arenaMapMidCount: P.arenaMap ? int32(mem, sym(P.symbols.arenaMapMidCount)) : null,
      arenaMapBotCount: P.arenaMap ? int32(mem, sym(P.symbols.arenaMapBotCount)) : null,
      allocatedBlocks: P.state.allocatedBlocks === 'counter' ? read(P.symbols.allocatedBlocks) : null,
      rawAllocatedBlocks: P.state.allocatedBlocks === 'raw-plus-pools' ? read(P.symbols.allocatedBlocks) : null,
      interpreterLeaks: null,
    };
    const table = readArenaTable(L, P, mem, mem.u64(arenas), mem.u32(maxarenas));
    if (typeof table === 'string') return { heaps: [], unreadable: table };
    return { heaps: [{ where: 'obmalloc.c statics', layout: P, ...table, counters }] };
  }

  // 3.12+: per-interpreter state (embedded in PyInterpreterState, or pointed to from it in 3.13).
  const off = L.offsets['interp.obmalloc'];
  const leaksAt = L.offsets['runtime.obmalloc'] !== undefined && P.interpreterLeaksOffset !== null ? rt.runtimeAddress + L.offsets['runtime.obmalloc']! + P.interpreterLeaksOffset : null;
  const interpreterLeaks = leaksAt === null ? null : mem.i64(leaksAt);
  const states: { address: number; where: string }[] = [];
  const seen = new Set<number>();
  for (const interp of interps) {
    if (off === undefined) break;
    const state = P.state.kind === 'interp-embedded' ? interp.address + off : mem.u64(interp.address + off);
    if (!state || seen.has(state)) continue;
    seen.add(state);
    states.push({ address: state, where: `interpreter ${interp.id ?? `0x${interp.address.toString(16)}`}` });
  }
  if (states.length === 0 && P.mainStateSymbol && sym(P.mainStateSymbol) !== null) states.push({ address: sym(P.mainStateSymbol)!, where: P.mainStateSymbol });
  if (states.length === 0) return { heaps: [], unreadable: 'no interpreter has a readable obmalloc state' };
  const heaps: PymallocHeap[] = [];
  const problems: string[] = [];
  const S = P.stateOffsets;
  for (const s of states) {
    const table = readArenaTable(L, P, mem, mem.u64(s.address + S.arenas), mem.u32(s.address + S.maxarenas));
    if (typeof table === 'string') {
      problems.push(`${s.where}: ${table}`);
      continue;
    }
    // Sub-interpreters that use the main interpreter's allocator leave their own state empty.
    if (table.maxarenas === 0 && heaps.length > 0) continue;
    const counters: PymallocCounters = {
      narenasCurrentlyAllocated: mem.u64(s.address + S.narenasCurrentlyAllocated),
      ntimesArenaAllocated: mem.u64(s.address + S.ntimesArenaAllocated),
      narenasHighwater: mem.u64(s.address + S.narenasHighwater),
      arenaMapMidCount: mem.i32(s.address + S.arenaMapMidCount),
      arenaMapBotCount: mem.i32(s.address + S.arenaMapBotCount),
      allocatedBlocks: null,
      rawAllocatedBlocks: mem.i64(s.address + S.rawAllocatedBlocks),
      interpreterLeaks: heaps.length === 0 ? interpreterLeaks : null,
    };
    heaps.push({ where: s.where, layout: P, ...table, counters });
  }
  return { heaps, ...(problems.length ? { unreadable: problems.join('; ') } : {}) };
}

function int32(mem: HeapMemory, address: number | null): number | null {
  return address === null ? null : mem.i32(address);
}

function readArenaTable(L: Layout, P: PymallocLayout, mem: HeapMemory, table: number | null, maxarenas: number | null): { maxarenas: number; arenas: Arena[] } | string {
  if (table === null || maxarenas === null) return 'the arena table pointer is unreadable';
  if (maxarenas === 0) return { maxarenas: 0, arenas: [] };
  if (maxarenas > MAX_ARENA_SLOTS) return `the arena table claims ${maxarenas} slots, more than pycore believes`;
  if (!table) return `the arena table is NULL but has ${maxarenas} slots`;
  const esize = size(L, 'arena_object');
  const o = {
    address: field(L, 'arena.address'),
    poolAddress: field(L, 'arena.pool_address'),
    nfree: field(L, 'arena.nfreepools'),
    ntotal: field(L, 'arena.ntotalpools'),
  };
  const arenas: Arena[] = [];
  const CHUNK = 4096;
  for (let start = 0; start < maxarenas; start += CHUNK) {
    const n = Math.min(CHUNK, maxarenas - start);
    const b = mem.mem.read(table + start * esize, n * esize);
    if (!b) return `the arena table at 0x${(table + start * esize).toString(16)} is unreadable`;
    for (let i = 0; i < n; i++) {
      const e = i * esize;
      const address = u64At(b, e + o.address);
      if (!address) continue;
      const firstPool = Math.ceil(address / P.poolSize) * P.poolSize;
      arenas.push({
        index: start + i,
        address,
        poolAddress: u64At(b, e + o.poolAddress),
        nfreepools: b.readUInt32LE(e + o.nfree),
        ntotalpools: b.readUInt32LE(e + o.ntotal),
        firstPool,
        end: address + P.arenaSize,
      });
    }
  }
  return { maxarenas, arenas };
}

/**
 * A stripped binary (no .symtab) still holds the `arenas` pointer somewhere in its data: look
 * for a word there pointing at a table of arena_objects that is consistent in every slot (used
 * slots: an arena whose first pool names this slot as its arenaindex, with sane pool counts;
 * unused slots: address 0, the free-slot link NULL or inside the table), with at least one arena.
 * maxarenas (16, 32, 64, ...) is taken as the largest such size that is consistent throughout.
 */
function scanForArenaTable(L: Layout, P: PymallocLayout, target: Target, rt: PythonRuntime, mem: HeapMemory): { table: number; maxarenas: number; arenas: Arena[] } | null {
  const m = rt.module;
  const esize = size(L, 'arena_object');
  const o = { address: field(L, 'arena.address'), poolAddress: field(L, 'arena.pool_address'), nfree: field(L, 'arena.nfreepools'), ntotal: field(L, 'arena.ntotalpools') };
  const arenaIndexAt = field(L, 'pool.arenaindex');
  const poolsPerArena = P.arenaSize / P.poolSize;
  // The module's own mappings and the anonymous .bss right after them.
  const regions = target.memory.coreRegions.filter((r) => r.end > m.start && r.start < m.end + (1 << 20));
  const slot = (table: number, i: number): Arena | 'unused' | null => {
    const e = table + i * esize;
    const address = mem.u64(e + o.address);
    if (address === null) return null;
    if (address === 0) return 'unused';
    const poolAddress = mem.u64(e + o.poolAddress);
    const nfreepools = mem.u32(e + o.nfree);
    const ntotalpools = mem.u32(e + o.ntotal);
    if (address % 4096 !== 0 || poolAddress === null || nfreepools === null || ntotalpools === null) return null;
    if (poolAddress < address || poolAddress > address + P.arenaSize || ntotalpools > poolsPerArena || ntotalpools < poolsPerArena - 1 || nfreepools > ntotalpools) return null;
    const firstPool = Math.ceil(address / P.poolSize) * P.poolSize;
    if (poolAddress > firstPool && mem.u32(firstPool + arenaIndexAt) !== i) return null;
    return { index: i, address, poolAddress, nfreepools, ntotalpools, firstPool, end: address + P.arenaSize };
  };
  // The table is malloc'd and its arenas are anonymous mappings: both are in the core's own
  // memory. Words pointing elsewhere are dismissed before anything is read there.
  const inCore = new RangeIndex(target.memory.coreRegions);
  const lowest = inCore.length ? inCore.starts[0] : 0;
  const highest = inCore.length ? Math.max(...inCore.ends) : 0;
  // Many words point at the same place (a 3.11 module's data: 55,000 candidates, 9,000 distinct): each is judged once.
  const tried = new Set<number>();
  let best: { table: number; maxarenas: number; arenas: Arena[] } | null = null;
  const consider = (table: number): void => {
    // The table is PyMem_RawRealloc'd (obmalloc.c's new_arena): never inside the interpreter's
    // own image, where most of its data's pointers lead (Debian's 3.11: 6,900 of 9,200).
    if (table >= m.start && table < m.end) return;
    if (!table || table % 8 !== 0 || tried.has(table)) return;
    tried.add(table);
    if (inCore.find(table) < 0) return;
    const first = mem.u64(table);
    if (first === null || first % 4096 !== 0 || (first !== 0 && inCore.find(first) < 0)) return;
    const arenas: Arena[] = [];
    let consistent = 0;
    for (let n = 16; n <= MAX_ARENA_SLOTS; n *= 2) {
      let ok = true;
      for (let i = consistent; i < n && ok; i++) {
        const x = slot(table, i);
        if (x === null) ok = false;
        else if (x !== 'unused') arenas.push(x);
      }
      if (!ok) break;
      consistent = n;
    }
    const used = arenas.filter((x) => x.index < consistent);
    if (consistent > 0 && used.length > 0 && (!best || used.length > best.arenas.length)) best = { table, maxarenas: consistent, arenas: used };
  };
  for (const r of regions) {
    // The region's words in one read (a few MiB at most), else word by word.
    const whole = r.end - r.start <= 64 << 20 ? mem.mem.read(r.start, r.end - r.start) : null;
    if (whole && LITTLE_ENDIAN_HOST && whole.byteOffset % 4 === 0) {
      // Most of a module's data words are not aligned pointers into the core's memory: they are
      // passed over here, a few bytecodes each (a short run never has this loop optimized).
      const w = new Uint32Array(whole.buffer, whole.byteOffset, (whole.length >>> 3) * 2);
      for (let k = 0; k < w.length; k += 2) {
        const lo = w[k];
        if ((lo & 7) !== 0) continue;
        const table = lo + w[k + 1] * TWO32;
        if (table >= lowest && table < highest) consider(table);
      }
    } else for (let a = r.start; a + 8 <= r.end; a += 8) consider((whole ? u64At(whole, a - r.start) : mem.u64(a)) ?? 0);
  }
  return best;
}

export interface PoolHeader {
  address: number;
  /** ref.count: blocks in use. */
  count: number;
  szidx: number;
  blockSize: number;
  nextoffset: number;
  maxnextoffset: number;
  freeblock: number;
  arenaindex: number;
}

interface PoolOffsets {
  count: number;
  freeblock: number;
  szidx: number;
  nextoffset: number;
  maxnextoffset: number;
  arenaindex: number;
}

export function poolOffsets(L: Layout): PoolOffsets {
  return {
    count: field(L, 'pool.count'),
    freeblock: field(L, 'pool.freeblock'),
    szidx: field(L, 'pool.szidx'),
    nextoffset: field(L, 'pool.nextoffset'),
    maxnextoffset: field(L, 'pool.maxnextoffset'),
    arenaindex: field(L, 'pool.arenaindex'),
  };
}

/** The header of the pool at `buf[off...]`. */
export function poolHeaderAt(P: PymallocLayout, o: PoolOffsets, address: number, buf: Buffer, off: number): PoolHeader {
  const szidx = buf.readUInt32LE(off + o.szidx);
  return {
    address,
    count: buf.readUInt32LE(off + o.count),
    szidx,
    blockSize: (szidx + 1) * P.alignment,
    nextoffset: buf.readUInt32LE(off + o.nextoffset),
    maxnextoffset: buf.readUInt32LE(off + o.maxnextoffset),
    freeblock: u64At(buf, off + o.freeblock),
    arenaindex: buf.readUInt32LE(off + o.arenaindex),
  };
}

/** Blocks a pool of this size class holds. */
export function blocksPerPool(P: PymallocLayout, szidx: number): number {
  return Math.floor((P.poolSize - P.poolOverhead) / ((szidx + 1) * P.alignment));
}

/** Why a used pool's header cannot be right, or null when it is plausible. */
export function poolProblem(P: PymallocLayout, h: PoolHeader): string | null {
  if (h.szidx >= NUM_CLASSES) return `size class index ${h.szidx}`;
  const n = blocksPerPool(P, h.szidx);
  if (h.count > n) return `${h.count} blocks in use of ${n}`;
  if (h.nextoffset < P.poolOverhead || h.nextoffset > P.poolSize || (h.nextoffset - P.poolOverhead) % h.blockSize !== 0) return `next offset ${h.nextoffset}`;
  return null;
}

/**
 * Marks in `free` (indexed by block number) the blocks of a used pool that are on its free list,
 * reading the list from the pool's own bytes `buf[off ... off+poolSize)`. Returns how many
 * blocks below nextoffset are free, or a reason the list is corrupt.
 */
export function markFreeBlocks(P: PymallocLayout, h: PoolHeader, buf: Buffer, off: number, free: Uint8Array): number | string {
  const carved = (h.nextoffset - P.poolOverhead) / h.blockSize;
  free.fill(0, 0, carved);
  let p = h.freeblock;
  let n = 0;
  while (p !== 0) {
    const rel = p - h.address;
    if (rel < P.poolOverhead || rel >= h.nextoffset || (rel - P.poolOverhead) % h.blockSize !== 0) return `free block 0x${p.toString(16)} outside the pool's carved blocks`;
    const i = (rel - P.poolOverhead) / h.blockSize;
    if (free[i]) return 'the free list loops';
    free[i] = 1;
    if (++n > carved) return 'the free list is longer than the pool';
    p = u64At(buf, off + rel);
  }
  return n;
}

export interface SizeClassStats {
  index: number;
  size: number;
  pools: number;
  blocks: number;
  avail: number;
}

/** What _PyObject_DebugMallocStats() computes, from the same tables it reads. */
export interface MallocStats {
  threshold: number;
  numClasses: number;
  classes: SizeClassStats[];
  arenaSize: number;
  poolSize: number;
  poolOverhead: number;
  narenas: number;
  ntimesArenaAllocated: number | null;
  narenasHighwater: number | null;
  narenasCurrentlyAllocated: number | null;
  numFreePools: number;
  allocatedBytes: number;
  availableBytes: number;
  poolHeaderBytes: number;
  quantization: number;
  arenaAlignment: number;
  arenaMap: { mid: number | null; bot: number | null; rootBytes: number; midBytes: number; botBytes: number } | null;
  /** sys.getallocatedblocks() as this process would have returned it, when it can be computed. */
  allocatedBlocks: number | null;
  /** Pools whose header was unreadable or implausible (skipped), with why. */
  problems: string[];
}

/** The pool headers of an arena, from its first pool up to the pools not yet carved. */
export function* arenaPools(heap: PymallocHeap, L: Layout, mem: HeapMemory, arena: Arena): Generator<PoolHeader | { address: number; unreadable: string }> {
  const P = heap.layout;
  const o = poolOffsets(L);
  const limit = Math.min(arena.poolAddress, arena.address + P.arenaSize);
  for (let pool = arena.firstPool; pool < limit; pool += P.poolSize) {
    // The header alone: pymalloc's statistics read every pool's, and need none of the blocks.
    const b = mem.peek(pool, P.poolOverhead);
    if (!b) {
      yield { address: pool, unreadable: 'pool header unreadable' };
      continue;
    }
    yield poolHeaderAt(P, o, pool, b, 0);
  }
}

export function mallocStats(heap: PymallocHeap, L: Layout, mem: HeapMemory): MallocStats {
  const P = heap.layout;
  const pools = new Array<number>(NUM_CLASSES).fill(0);
  const blocks = new Array<number>(NUM_CLASSES).fill(0);
  const avail = new Array<number>(NUM_CLASSES).fill(0);
  const problems: string[] = [];
  let numFreePools = 0;
  let arenaAlignment = 0;
  let poolBlocks = 0;
  for (const a of heap.arenas) {
    numFreePools += a.nfreepools;
    if (a.address % P.poolSize !== 0) arenaAlignment += P.poolSize;
    for (const h of arenaPools(heap, L, mem, a)) {
      if ('unreadable' in h) {
        problems.push(`pool 0x${h.address.toString(16)}: ${h.unreadable}`);
        continue;
      }
      if (h.count === 0) continue;
      if (h.szidx >= NUM_CLASSES || h.count > blocksPerPool(P, h.szidx)) {
        problems.push(`pool 0x${h.address.toString(16)}: ${poolProblem(P, h)}`);
        continue;
      }
      pools[h.szidx]++;
      blocks[h.szidx] += h.count;
      avail[h.szidx] += blocksPerPool(P, h.szidx) - h.count;
      poolBlocks += h.count;
    }
  }
  const classes: SizeClassStats[] = [];
  let allocatedBytes = 0;
  let availableBytes = 0;
  let poolHeaderBytes = 0;
  let quantization = 0;
  for (let i = 0; i < NUM_CLASSES; i++) {
    if (pools[i] === 0) continue;
    const sz = (i + 1) * P.alignment;
    classes.push({ index: i, size: sz, pools: pools[i], blocks: blocks[i], avail: avail[i] });
    allocatedBytes += blocks[i] * sz;
    availableBytes += avail[i] * sz;
    poolHeaderBytes += pools[i] * P.poolOverhead;
    quantization += pools[i] * ((P.poolSize - P.poolOverhead) % sz);
  }
  const c = heap.counters;
  let allocatedBlocks: number | null = null;
  if (c.allocatedBlocks !== null) allocatedBlocks = c.allocatedBlocks;
  else if (c.rawAllocatedBlocks !== null) allocatedBlocks = poolBlocks + c.rawAllocatedBlocks + (c.interpreterLeaks ?? 0);
  return {
    threshold: P.threshold,
    numClasses: P.threshold / P.alignment,
    classes,
    arenaSize: P.arenaSize,
    poolSize: P.poolSize,
    poolOverhead: P.poolOverhead,
    narenas: heap.arenas.length,
    ntimesArenaAllocated: c.ntimesArenaAllocated,
    narenasHighwater: c.narenasHighwater,
    narenasCurrentlyAllocated: c.narenasCurrentlyAllocated,
    numFreePools,
    allocatedBytes,
    availableBytes,
    poolHeaderBytes,
    quantization,
    arenaAlignment,
    arenaMap: P.arenaMap ? { mid: c.arenaMapMidCount, bot: c.arenaMapBotCount, ...P.arenaMap } : null,
    allocatedBlocks,
    problems,
  };
}

/** The arenas of every heap by address: "is this address inside a pymalloc arena, and which". */
export class ArenaIndex extends RangeIndex {
  /** Heap and arena of each range, in the index's (address) order. */
  readonly refs: { heap: PymallocHeap; arena: Arena }[];

  constructor(heaps: PymallocHeap[]) {
    const all = heaps.flatMap((heap) => heap.arenas.map((arena) => ({ heap, arena, start: arena.address, end: arena.end }))).sort((a, b) => a.start - b.start);
    super(all);
    this.refs = all.map(({ heap, arena }) => ({ heap, arena }));
  }
}

/**
 * Every block in use in every used pool (its first byte's address), pool by pool: one read per
 * pool, free-list blocks and the never-carved tail left out. Stops after `max` blocks.
 */
export function* usedBlocks(heap: PymallocHeap, L: Layout, mem: HeapMemory, max: number): Generator<{ block: number; blockSize: number; pool: Buffer; offset: number }> {
  const P = heap.layout;
  const free = new Uint8Array(Math.ceil(P.poolSize / P.alignment));
  let n = 0;
  for (const arena of heap.arenas) {
    for (const h of arenaPools(heap, L, mem, arena)) {
      if ('unreadable' in h || h.count === 0 || poolProblem(P, h)) continue;
      const buf = mem.bytes(h.address, P.poolSize);
      if (!buf || typeof markFreeBlocks(P, h, buf, 0, free) === 'string') continue;
      const carved = (h.nextoffset - P.poolOverhead) / h.blockSize;
      for (let i = 0; i < carved; i++) {
        if (free[i]) continue;
        if (n++ >= max) return;
        const offset = P.poolOverhead + i * h.blockSize;
        yield { block: h.address + offset, blockSize: h.blockSize, pool: buf, offset };
      }
    }
  }
}

/** Where an address falls in pymalloc's pools, and whether the block there is allocated. */
export interface PoolBlock {
  pool: number;
  blockSize: number;
  /** First byte of the block holding the address. */
  block: number;
  /** used: allocated; free: on the pool's free list; uncarved: past nextoffset (never handed out
   *  since the pool was last initialised); empty-pool: no block of the pool is in use; unused-pool:
   *  the arena never carved the pool out. */
  state: 'used' | 'free' | 'uncarved' | 'empty-pool' | 'unused-pool';
}

/** Pools whose header and free list are kept once read (a use-after-free scan asks about many addresses). */
const MAX_CACHED_POOLS = 4096;

/** "Is this address inside a pymalloc block, and is that block allocated": one pool read per pool, cached. */
export class PoolLookup {
  private readonly pools = new Map<number, { h: PoolHeader; free: Uint8Array } | null>();

  constructor(
    private readonly arenas: ArenaIndex,
    private readonly L: Layout,
    private readonly mem: HeapMemory,
  ) {}

  /** null: not in an arena's pools, or the pool's header or free list is unreadable or corrupt. */
  at(address: number): PoolBlock | null {
    const ai = this.arenas.find(address);
    if (ai < 0) return null;
    const { heap, arena } = this.arenas.refs[ai];
    const P = heap.layout;
    if (address < arena.firstPool) return null;
    const pool = arena.firstPool + Math.floor((address - arena.firstPool) / P.poolSize) * P.poolSize;
    if (pool >= arena.poolAddress) return { pool, blockSize: 0, block: address, state: 'unused-pool' };
    const entry = this.pool(P, pool);
    if (!entry) return null;
    const { h, free } = entry;
    if (h.count === 0) return { pool, blockSize: h.blockSize, block: address, state: 'empty-pool' };
    const rel = address - pool - P.poolOverhead;
    if (rel < 0) return null;
    const i = Math.floor(rel / h.blockSize);
    const block = pool + P.poolOverhead + i * h.blockSize;
    if (block + h.blockSize > pool + P.poolSize) return null;
    const state = block - pool >= h.nextoffset ? 'uncarved' : free[i] ? 'free' : 'used';
    return { pool, blockSize: h.blockSize, block, state };
  }

  private pool(P: PymallocLayout, pool: number): { h: PoolHeader; free: Uint8Array } | null {
    if (this.pools.has(pool)) return this.pools.get(pool)!;
    if (this.pools.size >= MAX_CACHED_POOLS) this.pools.clear();
    let entry: { h: PoolHeader; free: Uint8Array } | null = null;
    const buf = this.mem.bytes(pool, P.poolSize);
    if (buf) {
      const h = poolHeaderAt(P, poolOffsets(this.L), pool, buf, 0);
      if (h.count === 0) entry = { h, free: new Uint8Array(0) };
      else if (!poolProblem(P, h)) {
        const free = new Uint8Array(Math.ceil(P.poolSize / P.alignment));
        if (typeof markFreeBlocks(P, h, buf, 0, free) !== 'string') entry = { h, free };
      }
    }
    this.pools.set(pool, entry);
    return entry;
  }
}
