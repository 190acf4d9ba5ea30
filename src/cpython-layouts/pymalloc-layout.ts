// pymalloc's geometry and where its state lives, per minor version: the constants of
// Objects/obmalloc.c (arena and pool sizes, the arena map's node sizes) and the layout of
// `struct _obmalloc_state` (3.12+), which the generated tables do not hold. Verified with
// `gdb ptype /o struct _obmalloc_state` on the 3.12.1 and 3.13.0 builds and against
// sys._debugmallocstats() of every corpus version (test/heap.test.ts).
import { minorKey, type PythonVersion } from './version.js';

/** Where the arena table and its counters live. */
export type PymallocState =
  /** LOCAL statics of obmalloc.c, found by name in libpython's .symtab (3.8-3.11). */
  | { kind: 'statics'; allocatedBlocks: 'counter' | 'raw-plus-pools' | 'none' }
  /** `struct _obmalloc_state` embedded in PyInterpreterState at interp.obmalloc (3.12). */
  | { kind: 'interp-embedded' }
  /** PyInterpreterState.obmalloc points at it; the main interpreter's is the static obmalloc_state_main (3.13). */
  | { kind: 'interp-pointer' };

export interface PymallocLayout {
  arenaSize: number;
  poolSize: number;
  /** Bytes before the first block of a pool (sizeof(struct pool_header) rounded to ALIGNMENT). */
  poolOverhead: number;
  alignment: number;
  /** SMALL_REQUEST_THRESHOLD: the largest request pymalloc serves. */
  threshold: number;
  state: PymallocState;
  /** The radix tree of arenas (3.10+): sizes of its root and of one mid and one bottom node. */
  arenaMap: { rootBytes: number; midBytes: number; botBytes: number } | null;
  /** LOCAL symbol names of the statics (kind 'statics'). */
  symbols: {
    arenas: string;
    maxarenas: string;
    narenasCurrentlyAllocated: string;
    ntimesArenaAllocated: string;
    narenasHighwater: string;
    /** `_Py_AllocatedBlocks` (3.8) or `raw_allocated_blocks` (3.9-3.11). */
    allocatedBlocks: string;
    arenaMapMidCount: string;
    arenaMapBotCount: string;
  };
  /** Offsets inside struct _obmalloc_state (3.12+). */
  stateOffsets: {
    usedPools: number;
    arenas: number;
    maxarenas: number;
    narenasCurrentlyAllocated: number;
    ntimesArenaAllocated: number;
    narenasHighwater: number;
    rawAllocatedBlocks: number;
    arenaMapMidCount: number;
    arenaMapBotCount: number;
  };
  /** _PyRuntime.obmalloc.interpreter_leaks, relative to _PyRuntime.obmalloc (3.12+), counted by sys.getallocatedblocks(). */
  interpreterLeaksOffset: number | null;
  /** Name of the LOCAL static holding the main interpreter's state (3.13). */
  mainStateSymbol: string | null;
  /** sys.getsizeof() adds the GC header only (<= 3.10) or the whole pre-header (3.11+: GC header + managed dict/weakref words). */
  getsizeofHeader: 'gc-head' | 'pre-header';
}

const STATIC_SYMBOLS = {
  arenas: 'arenas',
  maxarenas: 'maxarenas',
  narenasCurrentlyAllocated: 'narenas_currently_allocated',
  ntimesArenaAllocated: 'ntimes_arena_allocated',
  narenasHighwater: 'narenas_highwater',
  allocatedBlocks: 'raw_allocated_blocks',
  arenaMapMidCount: 'arena_map_mid_count',
  arenaMapBotCount: 'arena_map_bot_count',
};

// struct _obmalloc_state { _obmalloc_pools pools (poolp used[64]); _obmalloc_mgmt mgmt; _obmalloc_usage usage; }
const STATE_OFFSETS = {
  usedPools: 0,
  arenas: 512,
  maxarenas: 520,
  narenasCurrentlyAllocated: 1064,
  ntimesArenaAllocated: 1072,
  narenasHighwater: 1080,
  rawAllocatedBlocks: 1088,
  arenaMapMidCount: 1096 + 262144,
  arenaMapBotCount: 1096 + 262148,
};

const KIB = 1024;
const SMALL = { arenaSize: 256 * KIB, poolSize: 4 * KIB };
const BIG = { arenaSize: 1024 * KIB, poolSize: 16 * KIB };
const MAP_310 = { rootBytes: 8192, midBytes: 8192, botBytes: 2048 };
const MAP_311 = { rootBytes: 262144, midBytes: 262144, botBytes: 131072 };
const COMMON = { poolOverhead: 48, alignment: 16, threshold: 512, stateOffsets: STATE_OFFSETS };

const V38: PymallocLayout = { ...COMMON, ...SMALL, state: { kind: 'statics', allocatedBlocks: 'counter' }, arenaMap: null, symbols: { ...STATIC_SYMBOLS, allocatedBlocks: '_Py_AllocatedBlocks' }, interpreterLeaksOffset: null, mainStateSymbol: null, getsizeofHeader: 'gc-head' };

// 2.7.18 as pyenv builds it has the geometry of 3.8: 16-byte size classes up to 512 bytes (the
// 2.7 cores' pools say so: every used pool has maxnextoffset = 4096 - (szidx + 1) * 16, and pools of
// szidx 31, 512-byte blocks, are in use), 4 KiB pools in 256 KiB arenas, sizeof(struct pool_header)
// 48 (the DWARF's). Its libpython's .symtab has narenas_currently_allocated but neither
// ntimes_arena_allocated nor narenas_highwater (PYMALLOC_DEBUG statics), and no block counter
// (sys.getallocatedblocks() is 3.4+).
const V27: PymallocLayout = { ...V38, state: { kind: 'statics', allocatedBlocks: 'none' } };

const byMinor: Record<string, PymallocLayout> = {
  '2.7': V27,
  '3.8': V38,
  // pyenv's 3.6.15 and 3.7.16 align to 16 bytes like 3.8 (their sys._debugmallocstats() prints 32 size classes).
  '3.7': V38,
  '3.6': V38,
  '3.9': { ...COMMON, ...SMALL, state: { kind: 'statics', allocatedBlocks: 'raw-plus-pools' }, arenaMap: null, symbols: STATIC_SYMBOLS, interpreterLeaksOffset: null, mainStateSymbol: null, getsizeofHeader: 'gc-head' },
  '3.10': { ...COMMON, ...BIG, state: { kind: 'statics', allocatedBlocks: 'raw-plus-pools' }, arenaMap: MAP_310, symbols: STATIC_SYMBOLS, interpreterLeaksOffset: null, mainStateSymbol: null, getsizeofHeader: 'gc-head' },
  '3.11': { ...COMMON, ...BIG, state: { kind: 'statics', allocatedBlocks: 'raw-plus-pools' }, arenaMap: MAP_311, symbols: STATIC_SYMBOLS, interpreterLeaksOffset: null, mainStateSymbol: null, getsizeofHeader: 'pre-header' },
  '3.12': { ...COMMON, ...BIG, state: { kind: 'interp-embedded' }, arenaMap: MAP_311, symbols: STATIC_SYMBOLS, interpreterLeaksOffset: 8, mainStateSymbol: null, getsizeofHeader: 'pre-header' },
  '3.13': { ...COMMON, ...BIG, state: { kind: 'interp-pointer' }, arenaMap: MAP_311, symbols: STATIC_SYMBOLS, interpreterLeaksOffset: 8, mainStateSymbol: 'obmalloc_state_main', getsizeofHeader: 'pre-header' },
};

export function pymallocLayout(version: PythonVersion): PymallocLayout | null {
  return byMinor[minorKey(version)] ?? null;
}
