// Memory-corruption checks on a core: every debug-allocator block pycore can find is checked
// like _PyMem_DebugCheckAddress — objects reachable from the threads' locals, pointers on the
// crashing thread's stack (where the block being freed when the check tripped still is) and,
// with the debug hooks on, every used block of pymalloc's pools and every object the heap walk
// finds outside them (system-malloc blocks: big str/bytes/tuple objects, GC-tracked or not).
// Each damaged block comes with the block just before it (the likely source of an overflow into
// its header). References from live objects and frames' locals to freed memory (a pool's free
// block, or bytes still holding the debug allocator's dead fill) are use-after-free.
import { readRefcount } from '../cpython/objects/refcount.js';
import { blockProblems, bufferFill, DEBUG_CONTEXTS_SIZE, debugHooksContextApi, debugHooksOf, type DebugHooks, fillBytesOf, fillMeaningOf, type FillKind, isDeadFill, looksLikeDebugBlock, mallocPointer, mayBeDebugBlock, objectLayer, padByte, rawLayer, readDebugBlock, type BlockProblem, type DebugBlock } from '../cpython/debug-allocator.js';
import type { FrameInfo } from '../cpython/frames.js';
import { SOURCE, type Heap } from '../cpython/heap.js';
import { containerLengthOffset } from '../cpython/heap-objects.js';
import { frameLocals } from '../cpython/locals.js';
import { chunkStarts, mallocChunk, previousChunk } from '../cpython/malloc-chunk.js';
import type { ObjectDecoder } from '../cpython/objects/decoder.js';
import { referenceLabel, type Via } from '../cpython/objects/referents.js';
import { preHeaderSize, type TypeInfo } from '../cpython/objects/types.js';
import { PoolLookup, type PoolBlock } from '../cpython/pymalloc.js';
import { field } from '../cpython-layouts/layout.js';
import type { ThreadStatus } from '../elf/core-notes.js';
import { stackPointerName } from '../elf/core-notes.js';
import type { Module } from '../target/modules.js';
import type { Target } from '../target/target.js';
import type { NativeStack } from '../target/unwind.js';
import type { Reader } from '../cpython/reader.js';
import { baseName, isFatalErrorFrame, lastFatalErrorFrame } from './native.js';
import { hex } from './view-model.js';
import type { AllocationTraceView } from './allocation-traceback.js';

export interface ObjectRefView {
  address: string;
  type: string;
  repr: string;
}

/** The block just before a damaged one: the likely writer when the damage is in the header. */
export interface NeighborView {
  /** The neighbour's user pointer p (its block start + 16); a malloc chunk that is no debug block: what malloc returned. */
  address: string;
  /** The neighbour carries a debug-allocator header (false: some other malloc'd memory, or free). */
  debug_block: boolean;
  where: 'same pool' | 'previous malloc chunk';
  state: 'in use' | 'free';
  /** Its own debug block's problems, and what it asked for (null when it is not a readable debug block). */
  problems: BlockProblem[];
  requested: number | null;
  object: ObjectRefView | null;
  /** The damage is in the header (leading pad bytes): an overflow of this neighbour reaches there first. */
  likely_source: boolean;
}

/** Who holds a reference: an object (address and type) or a frame's local (address null). */
export interface ReferrerView {
  address: string | null;
  type: string;
  how: string;
}

export interface MemoryErrorView {
  kind: BlockProblem | 'use-after-free';
  /** The user pointer p of the block (use-after-free: the address the references hold). */
  address: string;
  /** API id and bytes requested (null for use-after-free: the header is gone). */
  api: string | null;
  /** bad-api-id: the API the hooks checked the block against (the one it was freed or reallocated with), as CPython's "verified using API" names it. */
  verified_api?: string;
  /** bad-api-id: the hook that checked it (CPython's fatal error starts with its name), when the binary names it. */
  checked_by?: string | null;
  requested: number | null;
  bad_pads: { base: 'p' | 'tail'; offset: number; value: string }[];
  /** The object in the block, when one validates there (use-after-free: its freed signature); null for a block that holds no object. */
  object: ObjectRefView | null;
  /** The block's data is all one debug-allocator fill byte: 'clean' (allocated, never written), 'dead' (freed) or 'forbidden'. */
  fill?: FillKind;
  /** Where pycore found the block: a local's object, a pointer on the crashing thread's stack, pymalloc's pools, the heap walk. */
  found_via: string;
  /** The block before it (damaged blocks; null when there is none or it is unknown). */
  neighbor?: NeighborView | null;
  /** Who refers to the object (use-after-free always; damaged blocks with --referrers). */
  referrers?: ReferrerView[];
  /** use-after-free: how pycore knows the memory is free. */
  freed?: string;
  /** The block as read (absent for use-after-free). */
  block?: DebugBlock;
  /** Where the block was allocated (tracemalloc's traceback, newest frame first), when tracemalloc traced it. */
  allocated_at?: { filename: string | null; lineno: number }[] | null;
  /** What tracemalloc knew of the block: decides what CPython printed after the dump. */
  tracemalloc?: AllocationTraceView['state'];
  tracemalloc_unreadable?: string;
}

/**
 * The block the crashing thread's debug hooks were checking when they aborted, and the API id
 * they checked it against (the one the block was freed or reallocated with).
 */
export interface BlockBeingChecked {
  p: number;
  verifiedApi: string;
  /** The hook that asked for the check (_PyMem_DebugRawFree, ...: the name CPython's fatal error starts with), when the binary names it. */
  checker: string | null;
}

/** A frame of the debug hooks, or the public function that called them. */
const ALLOCATOR_FRAME = /^(_PyMem_Debug\w+|PyMem_(Raw)?(Free|Realloc)|PyObject_(Free|Realloc))$/;
/** The hooks' frames below Py_FatalError: the check, the hook, the public entry, perhaps the GIL check. */
const MAX_ALLOCATOR_FRAMES = 4;
/** Frames above the hooks whose stack tells inherited register values from the hooks' own. */
const CALLER_FRAMES = 2;
const CALLER_WINDOW = 256;

/**
 * Which block the debug hooks were checking when Py_FatalError aborted the process, read from
 * the crashing thread's stack: above the fatal-error frames come the hooks' frames (named in a
 * binary with symbols; in a stripped one, the unnamed frames of the interpreter's own module), and
 * the areas of those frames hold the block's pointer p (the saved registers of the hook that
 * still needs it) and the hooks' context (whose first byte is the API id the hook checks). The
 * stack is read between the fatal-error frames and the hooks' caller only, so no stale pointer
 * from older calls is taken for them. Null when the stack does not show exactly one of each.
 */
export function blockBeingChecked(r: Reader, stack: NativeStack, interpreter: Module, hooks: DebugHooks): BlockBeingChecked | null {
  const frames = stack.frames;
  const fatal = lastFatalErrorFrame(stack);
  if (fatal < 0) return null;
  let last = fatal;
  // The limit counts physical frames: calls inlined into one (listed with it) take no slot.
  let physical = 0;
  while (last + 1 < frames.length && physical < MAX_ALLOCATOR_FRAMES) {
    const f = frames[last + 1];
    const name = f.symbol && baseName(f.symbol.name);
    if (name ? !ALLOCATOR_FRAME.test(name) : f.module !== interpreter) break;
    last++;
    if (!f.inlined) physical++;
  }
  const firstFatal = frames.findIndex(isFatalErrorFrame);
  const start = frames[firstFatal].sp;
  // Tail-call frames have no stack pointer of their own: take the next frame that has one.
  const spFrom = (i: number) => frames.slice(i).find((f) => f.sp !== null)?.sp;
  const hooksStart = spFrom(fatal + 1);
  const end = spFrom(last + 1);
  if (last === fatal || start === null || hooksStart === null || hooksStart === undefined || end === null || end === undefined || end <= start || end - start > MAX_HOOK_STACK) return null;
  const checker = frames.slice(fatal + 1, last + 1).find((f) => f.symbol && !f.symbol.name.startsWith('_PyMem_DebugCheckAddress'))?.symbol?.name ?? null;
  // First the hooks' own registers, as the CFI recovers them: the values the hooks put in the
  // registers they saved for their callers (p and the context among them), not values passing through.
  const own = frames.slice(fatal + 1, last + 1).flatMap((f) => (f.registers ? f.registers.saved.map((n) => f.registers!.values.get(n)).filter((v) => v !== undefined) : []));
  const byRegisters = chooseChecked(r, hooks, own, own);
  if (byRegisters) return { ...byRegisters, checker };
  const words = r.bytes(start, end - start);
  if (!words) return null;
  const all: number[] = [];
  let hooksFrom = 0;
  for (let i = 0; i + 8 <= words.length; i += 8) {
    if (start + i < hooksStart) hooksFrom = all.length + 1;
    all.push(Number(words.readBigUInt64LE(i)));
  }
  // Then the stack: contexts from the fatal-error frames up, the block's pointer in the hooks' own
  // frames. These also hold the callers' saved registers, which may point at other blocks or at
  // another hook's context: a pointer the two frames above the hooks hold too came in with those
  // registers (without the callers' unwind tables, a fixed window above the hooks stands for them).
  let held: Set<number> | null = null;
  const inherited = (w: number) => {
    if (!held) {
      const unwound = frames[last + 1 + CALLER_FRAMES]?.sp ?? null;
      const callerEnd = unwound !== null && unwound > end && unwound - end <= MAX_HOOK_STACK ? unwound : end + CALLER_WINDOW;
      const callers = r.bytes(end, callerEnd - end);
      held = new Set<number>();
      for (let i = 0; callers && i + 8 <= callers.length; i += 8) held.add(Number(callers.readBigUInt64LE(i)));
    }
    return held.has(w);
  };
  const byStack = chooseChecked(r, hooks, all, all.slice(hooksFrom), inherited);
  return byStack ? { ...byStack, checker } : null;
}

/**
 * Of the contexts and debug blocks some words point at, the API the hooks verified and the block
 * their check aborted on: exactly one of each, or null. The check aborts on a block whose id is
 * not the verified API, or whose id is and whose pads are damaged: an intact block of the
 * verified API is a bystander. `inherited` drops pointers that came in with a caller's registers.
 */
function chooseChecked(r: Reader, hooks: DebugHooks, contextWords: number[], blockWords: number[], inherited?: (w: number) => boolean): { p: number; verifiedApi: string } | null {
  const contexts = new Map<number, string>();
  for (const w of contextWords) {
    const api = debugHooksContextApi(r, w);
    if (api) contexts.set(w, api);
  }
  let apis = new Set(contexts.values());
  if (apis.size > 1 && inherited) apis = new Set([...contexts].filter(([w]) => !inherited(w)).map(([, api]) => api));
  if (apis.size !== 1) return null;
  const verifiedApi = [...apis][0];
  let candidates = [...new Set(blockWords)].filter((w) => {
    const b = readDebugBlock(r, w, hooks);
    return b !== null && looksLikeDebugBlock(b) && blockProblems(b, verifiedApi).length > 0;
  });
  if (candidates.length > 1 && inherited) candidates = candidates.filter((p) => !inherited(p));
  return candidates.length === 1 ? { p: candidates[0], verifiedApi } : null;
}

/** The FORBIDDENBYTE of a block's build, for the reports (which read no decoder). */
export { padByte };

/** A block asked about with --check: its report whether or not it is damaged, or why there is none. */
export type CheckedBlockView =
  | ({ given: string; ok: boolean; problems: BlockProblem[] } & Omit<MemoryErrorView, 'kind' | 'referrers' | 'freed'>)
  | { given: string; error: string };

export interface MemoryCheckOptions {
  /** The heap: its pools (neighbours, free blocks) and its walk (system-malloc blocks, use-after-free). */
  heap?: Heap;
  /** Also find who refers to each damaged object (one more walk of the heap). */
  referrers?: boolean;
  /** The block the debug hooks were checking when they aborted (blockBeingChecked). */
  checking?: BlockBeingChecked | null;
}

const STACK_SCAN_BYTES = 256 * 1024;
/** The fatal-error and debug hooks' frames take a few hundred bytes; more means the unwind went astray. */
const MAX_HOOK_STACK = 64 * 1024;
const MAX_CANDIDATES = 1_200_000;
/** Freed addresses reported, and referrers listed per address, at most. */
const MAX_FREED = 1000;
const MAX_REFERRERS = 100;
/** Answers about "is this address freed memory" kept during a walk. */
const MAX_VERDICTS = 1 << 20;
const REPR_MAX = 200;
/** Without a heap walk, the locals' containers' items are checked for freed memory only up to this many in all. */
const MAX_LOCAL_ITEMS = 5_000;
/** Blocks in use in pymalloc's pools looked at to tell whether the debug hooks were on. */
const POOL_SAMPLE = 64;


/** Bytes before an object's own header that belong to its allocation (GC head, managed dict/weakref). */
export function preHeader(d: ObjectDecoder, t: TypeInfo): number {
  return preHeaderSize(d.L, t);
}

/** The static allocator domains of obmalloc.c (3.6-3.11), and the debug hooks' contexts their ctx points into when the hooks are on. */
const DOMAINS = ['_PyMem_Raw', '_PyMem', '_PyObject'];
const DEBUG_CONTEXTS = '_PyMem_Debug';

/**
 * Whether PYTHONMALLOC=debug's hooks were installed in a build with static allocator domains
 * (3.6-3.11; 3.12+ keep them in _PyRuntime): a domain's ctx (its PyMemAllocatorEx's first word)
 * points into _PyMem_Debug. Null when those local symbols are unknown.
 */
export function staticDebugHooksInstalled(target: Target, r: Reader, interpreter: Module): boolean | null {
  const debug = target.symbolAddress(interpreter, DEBUG_CONTEXTS);
  if (!debug) return null;
  let known = false;
  for (const name of DOMAINS) {
    const d = target.symbolAddress(interpreter, name);
    const ctx = d ? r.ptr(d.address) : null;
    if (ctx === null) continue;
    known = true;
    if (ctx >= debug.address && ctx < debug.address + DEBUG_CONTEXTS_SIZE) return true;
  }
  return known ? false : null;
}

/** Used pymalloc blocks to check when the debug hooks are on: block start addresses. */
export type BlockSource = () => Iterable<{ block: number }>;

export function checkMemory(target: Target, d: ObjectDecoder, frames: FrameInfo[], crashing: ThreadStatus | undefined, pymallocBlocks?: BlockSource, options: MemoryCheckOptions = {}): MemoryErrorView[] {
  const heap = options.heap;
  const pools = heap ? new PoolLookup(heap.arenas, d.L, heap.mem) : null;
  const candidates = new Map<number, string>();
  const add = (p: number, via: string) => {
    if (candidates.size < MAX_CANDIDATES && !candidates.has(p)) candidates.set(p, via);
  };
  const hooks = debugHooksOf(d.L.caps);
  const freed = new FreedReferences(d, pools, hooks);
  const checking = options.checking ?? null;
  if (checking) add(checking.p, `the block ${checking.checker ? `${checking.checker} was` : 'the debug hooks were'} checking when ${checking.checker ? 'it' : 'they'} aborted (its pointer is in the hooks' frames on the crashing thread's stack)`);
  // Objects the threads' locals hold (and, without a heap walk, what those hold).
  const locals: { name: string; value: number; where: string }[] = [];
  for (const f of frames) {
    for (const l of frameLocals(d, f, 1000).locals) {
      locals.push({ name: l.name, value: l.value, where: `local ${l.name} in ${f.function ?? '?'}` });
      freed.check(l.value, () => ({ address: null, type: 'frame', how: `local ${l.name} in ${f.function ?? '?'} (${f.file ?? '?'}:${f.line ?? '?'})` }));
      const v = d.validate(l.value);
      if (!v.ok) continue;
      add(l.value - preHeader(d, v.type), `local ${l.name} in ${f.function ?? '?'}`);
    }
  }
  // malloc hands out writable memory only: a header elsewhere (code, read-only data, what a
  // stack word points at in a library) is no block, and is turned away before any read there.
  const writable = target.writable;
  const mayBeBlock = (p: number) => writable.holds(p - 16) && mayBeDebugBlock(d.r, p, hooks);
  // With the debug hooks on (some object's block carries an intact debug header), every block in
  // use in pymalloc's pools is a debug block too, and so is every object's block outside them:
  // check them all, not only those we can name. The locals' objects tell first; else the first
  // blocks in use in the pools (with the hooks off their 16 bytes before are the previous
  // block's data, which never reads as an intact header).
  const intact = (p: number) => {
    if (!mayBeBlock(p)) return false;
    const b = readDebugBlock(d.r, p, hooks);
    return b !== null && looksLikeDebugBlock(b) && blockProblems(b).length === 0;
  };
  // The binary's symbols may say it at once (the domains' ctx points into the hooks' contexts).
  let hooksOn = staticDebugHooksInstalled(target, d.r, d.rt.module) === true || [...candidates.keys()].some(intact);
  let sampled = false;
  if (!hooksOn && pymallocBlocks) {
    let n = 0;
    for (const { block } of pymallocBlocks()) {
      sampled = true;
      if (intact(block + 16)) hooksOn = true;
      if (hooksOn || ++n >= POOL_SAMPLE) break;
    }
  }
  // Pointers on the crashing thread's stack: the block being freed or reallocated is there.
  // Without the hooks no block has a header to check, and the scan (thousands of reads) is skipped.
  if (crashing && (hooksOn || !sampled)) {
    const spName = stackPointerName(target.core.header.machine);
    const sp = spName ? crashing.registers[spName] : undefined;
    if (sp !== undefined) {
      for (let off = 0; off < STACK_SCAN_BYTES; off += 4096) {
        const page = target.memory.read(sp + off, 4096);
        if (!page) break;
        for (let i = 0; i + 8 <= page.length; i += 8) {
          const w = page.readUInt32LE(i) + page.readUInt32LE(i + 4) * 4294967296;
          if (w % 16 === 0 && w > 0x10000 && writable.holds(w - 16)) add(w, `a pointer on the stack of thread ${crashing.tid}`);
        }
      }
    }
  }
  // Pool blocks decided nothing (no pymalloc, e.g. PYTHONMALLOC=malloc_debug): the stack's blocks decide.
  if (!hooksOn && !sampled) hooksOn = [...candidates.keys()].some(intact);
  if (hooksOn && pymallocBlocks) for (const { block } of pymallocBlocks()) add(block + 16, "pymalloc's pools (a block in use)");
  if (hooksOn && heap) {
    heap.walk(
      (o) => {
        if (o.sources & SOURCE.pymalloc) return;
        add(o.address - o.profile.pre, o.sources & SOURCE.gc ? "the GC lists (a block outside pymalloc's pools)" : "a reference from another object (a block outside pymalloc's pools)");
      },
      {
        onReference: (from, t, via, arg) => {
          const fromAddress = from.address;
          const type = from.profile.qualname;
          freed.check(t, () => ({ address: hex(fromAddress), type, how: referenceLabel(d, via, arg) }));
        },
      },
    );
  } else if (heap) {
    // No walk: the references of the locals' own objects (a list's items, a dict's values), within a budget.
    let budget = MAX_LOCAL_ITEMS;
    for (const l of locals) {
      if (budget <= 0) break;
      const v = d.validate(l.value);
      const prof = v.ok ? heap.types.profile(v.type.address) : null;
      if (!v.ok || !prof || !prof.mayRefer) continue;
      // A container's length (ob_size, ma_used, a set's used count): big ones are left to a walk.
      const lengthAt = containerLengthOffset(d.L, prof.kind);
      const n = lengthAt !== null ? (heap.mem.i64(l.value + lengthAt) ?? Infinity) : 16;
      if (n > budget) continue;
      budget -= Math.max(1, n);
      heap.referents.visit(l.value, prof, (t: number, via: Via, arg: number | string) => freed.check(t, () => ({ address: hex(l.value), type: prof.qualname, how: referenceLabel(d, via, arg) })));
    }
  }

  const ctx = new BlockContext(d, hooks, pools, candidates, target, heap ?? null);
  const out: MemoryErrorView[] = [];
  const report = (p: number, b: DebugBlock, via: string) => {
    const verified = checking && checking.p === p ? checking.verifiedApi : undefined;
    const problems = blockProblems(b, verified);
    if (problems.length === 0) return;
    const badId = problems[0] === 'bad-api-id' && verified !== undefined ? { verified_api: verified, checked_by: checking!.checker } : {};
    const { address, api, ...rest } = ctx.describe(p, b, problems);
    out.push({ kind: problems[0], address, api, ...badId, ...rest, found_via: via });
  };
  for (const [p, via] of candidates) {
    if (!mayBeBlock(p)) continue;
    const b = readDebugBlock(d.r, p, hooks);
    if (!b || !looksLikeDebugBlock(b)) continue;
    report(p, b, via);
    // A big object's block has the raw allocator's debug block around it: an overflow of more than 8 bytes reaches its pads too.
    const inner = rawLayer(d.r, b, hooks);
    if (inner && !candidates.has(inner.address)) report(inner.address, inner, `the raw allocator's block around p=${hex(p)}`);
  }
  if (options.referrers && heap) addReferrers(d, heap, out, locals);
  out.push(...freed.views());
  return out.sort((a, b) => Number.parseInt(a.address, 16) - Number.parseInt(b.address, 16));
}

/** --check ADDR: the block at each address (p as CPython prints it, or an object's address), damaged or not. */
export function checkBlocks(target: Target, d: ObjectDecoder, heap: Heap | undefined, addresses: number[]): CheckedBlockView[] {
  const pools = heap ? new PoolLookup(heap.arenas, d.L, heap.mem) : null;
  const hooks = debugHooksOf(d.L.caps);
  const ctx = new BlockContext(d, hooks, pools, new Map(), target, heap ?? null);
  return addresses.map((a) => {
    const given = hex(a);
    if (!target.memory.read(a, 1)) return { given, error: `${given} is not mapped in the core; pass the address CPython printed as p=0x..., or an object's address` };
    let p: number | null = null;
    const direct = readDebugBlock(d.r, a, hooks);
    if (direct && looksLikeDebugBlock(direct)) p = a;
    else {
      const v = d.validate(a);
      const q = v.ok ? a - preHeader(d, v.type) : null;
      const b = q === null ? null : readDebugBlock(d.r, q, hooks);
      if (q !== null && b && looksLikeDebugBlock(b)) p = q;
    }
    if (p === null) {
      const where = pools?.at(a);
      const head = d.r.bytes(a, 16);
      if (where && where.state !== 'used') return { given, error: `${given} is freed memory (${poolStateText(where)}), not a block in use; pass the address of a live block or object` };
      if (head && isDeadFill(head, hooks)) return { given, error: `${given} is freed memory (its bytes are the debug allocator's dead fill), not a block in use; pass the address of a live block or object` };
      return { given, error: `${given} is not a debug-allocator block (no API id 'r', 'm' or 'o' between forbidden bytes at p-8, at it or before the object there); pass the address CPython printed as p=0x..., with the debug hooks on (PYTHONMALLOC=debug, -X dev or a debug build)` };
    }
    const b = readDebugBlock(d.r, p, hooks)!;
    const problems = blockProblems(b);
    return { given, ok: problems.length === 0, problems, ...ctx.describe(p, b, problems), found_via: p === a ? '--check' : `--check (the object at ${given})` };
  });
}

function poolStateText(b: PoolBlock): string {
  switch (b.state) {
    case 'free':
      return "on its pool's free list";
    case 'uncarved':
      return "past its pool's nextoffset (not handed out since the pool was set up)";
    case 'empty-pool':
      return 'in a pool with no block in use';
    case 'unused-pool':
      return 'in a pool its arena has not carved out yet';
    default:
      return 'in use';
  }
}

/** Data bytes read to tell a filled block (CLEANBYTE: never written since it was allocated). */
const MAX_FILL_CHECK = 4096;

/** "all 0xcd: allocated and never written (...)": a block's data that is one fill byte (of the block's build). */
export function fillText(kind: FillKind, b: Pick<DebugBlock, 'fillBytes'>): string {
  return `all 0x${fillBytesOf(b.fillBytes)[kind].toString(16)}: ${fillMeaningOf(b.fillBytes)[kind]}`;
}

/** The fill byte all of a block's data holds (up to MAX_FILL_CHECK bytes of it), if one does. */
function blockFill(r: Reader, b: DebugBlock, h: DebugHooks): FillKind | null {
  const data = b.requested > 0 ? r.bytes(b.address, Math.min(b.requested, MAX_FILL_CHECK)) : null;
  return data ? bufferFill(data, h) : null;
}

/** What a block report adds to the bytes: the bad pads, the object inside, the block before it. */
class BlockContext {
  /** System-malloc debug blocks by where their chunk ends: the block before a chunk starting there. */
  private byChunkEnd: Map<number, number> | null = null;
  /** Chunk starts of the regions walked for neighbours, by region start (each walked once). */
  private readonly chunkWalks = new Map<number, Float64Array>();

  constructor(
    private readonly d: ObjectDecoder,
    private readonly hooks: DebugHooks,
    private readonly pools: PoolLookup | null,
    private readonly candidates: Map<number, string>,
    private readonly target: Target | null = null,
    private readonly heap: Heap | null = null,
  ) {}

  /** Built on the first damaged system-malloc block only: most cores have none. */
  private chunkEnds(): Map<number, number> {
    if (this.byChunkEnd) return this.byChunkEnd;
    const m = (this.byChunkEnd = new Map<number, number>());
    for (const p of this.candidates.keys()) {
      if (this.pools!.at(p - 16)) continue;
      const b = readDebugBlock(this.d.r, p, this.hooks);
      if (!b || !looksLikeDebugBlock(b)) continue;
      const q = mallocPointer(this.d.r, b, this.hooks);
      const c = mallocChunk(this.d.r, q);
      if (c && !c.mmapped) m.set(c.next, q);
    }
    return m;
  }

  describe(p: number, b: DebugBlock, problems: BlockProblem[]): Omit<MemoryErrorView, 'kind' | 'found_via'> {
    const bad: MemoryErrorView['bad_pads'] = [];
    const pad = padByte(b);
    b.leading.forEach((v, i) => v !== pad && bad.push({ base: 'p', offset: -(7 - i), value: `0x${v.toString(16).padStart(2, '0')}` }));
    b.trailing?.forEach((v, i) => v !== pad && bad.push({ base: 'tail', offset: i, value: `0x${v.toString(16).padStart(2, '0')}` }));
    const fill = blockFill(this.d.r, b, this.hooks);
    return { address: hex(p), api: String.fromCharCode(b.api), requested: b.requested, bad_pads: bad, object: objectIn(this.d, p), ...(fill ? { fill } : {}), neighbor: this.neighbor(p, problems), block: b };
  }

  private neighbor(p: number, problems: BlockProblem[]): NeighborView | null {
    const likely = problems.includes('leading-pad');
    const q = p - 16;
    const here = this.pools?.at(q);
    if (here) {
      if (here.state !== 'used' || here.block !== q) return null;
      const prev = this.pools!.at(q - here.blockSize);
      if (!prev || prev.pool !== here.pool || prev.block !== q - here.blockSize) return null;
      return this.view(prev.block, 'same pool', prev.state === 'used' ? 'in use' : 'free', likely);
    }
    if (!this.pools) return null;
    const self = readDebugBlock(this.d.r, p, this.hooks);
    const c = self ? mallocChunk(this.d.r, mallocPointer(this.d.r, self, this.hooks)) : null;
    if (!c || c.mmapped) return null;
    if (c.previousFree !== null) return this.view(c.previousFree + 16, 'previous malloc chunk', 'free', likely);
    const before = this.chunkEnds().get(c.chunk);
    if (before !== undefined) return this.view(before, 'previous malloc chunk', 'in use', likely);
    // Not among the blocks pycore found: walk the region's chunks (once per region).
    const region = this.target?.memory.coreRegions.find((r) => c.chunk >= r.start && c.chunk < r.end);
    const mem = this.heap?.mem;
    if (!region || !mem) return null;
    let starts = this.chunkWalks.get(region.start);
    if (!starts) this.chunkWalks.set(region.start, (starts = chunkStarts((a) => mem.u64(a), region)));
    const prev = previousChunk(starts, c.chunk);
    return prev === null ? null : this.view(prev + 16, 'previous malloc chunk', 'in use', likely);
  }

  /** The neighbour whose block (debug header or, for a malloc chunk, what malloc returned) starts at `q`. */
  private view(q: number, where: NeighborView['where'], state: NeighborView['state'], likely: boolean): NeighborView {
    let b = state === 'in use' ? readDebugBlock(this.d.r, q + 16, this.hooks) : null;
    const isBlock = b !== null && looksLikeDebugBlock(b);
    // A big object's block: the object allocator's block inside the raw allocator's.
    if (isBlock) b = objectLayer(this.d.r, b!, this.hooks) ?? b;
    if (isBlock) q = b!.address - 16;
    // A chunk in glibc's tcache or fastbins still looks in use to its neighbour; its bytes tell.
    const body = !isBlock && state === 'in use' ? this.d.r.bytes(q + 16, 16) : null;
    if (body && isDeadFill(body, this.hooks)) state = 'free';
    const object = isBlock ? objectIn(this.d, q + 16) : null;
    return { address: hex(isBlock || where === 'same pool' ? q + 16 : q), debug_block: isBlock, where, state, problems: isBlock ? blockProblems(b!) : [], requested: isBlock ? b!.requested : null, object, likely_source: likely };
  }
}

/** References to freed memory, gathered from locals and the heap walk, one entry per address. */
class FreedReferences {
  private readonly verdicts = new Map<number, string | null>();
  private readonly found = new Map<number, { freed: string; referrers: ReferrerView[] }>();

  constructor(
    private readonly d: ObjectDecoder,
    private readonly pools: PoolLookup | null,
    private readonly hooks: DebugHooks,
  ) {}

  /** `ref` describes the referrer; it is called only when `t` is freed memory. */
  check(t: number, describe: () => ReferrerView): void {
    if (t % 8 !== 0 || t < 0x10000) return;
    let verdict = this.verdicts.get(t);
    if (verdict === undefined) {
      verdict = this.freedReason(t);
      if (this.verdicts.size >= MAX_VERDICTS) this.verdicts.clear();
      this.verdicts.set(t, verdict);
    }
    if (verdict === null) return;
    let entry = this.found.get(t);
    if (!entry) {
      if (this.found.size >= MAX_FREED) return;
      entry = { freed: verdict, referrers: [] };
      this.found.set(t, entry);
    }
    const ref = describe();
    if (entry.referrers.length < MAX_REFERRERS && !entry.referrers.some((r) => r.address === ref.address && r.how === ref.how)) entry.referrers.push(ref);
  }

  /** Why the memory at `t` is free, or null when it is not known to be. */
  private freedReason(t: number): string | null {
    const where = this.pools?.at(t);
    if (where && where.state === 'used') return null;
    const head = this.d.r.bytes(t, 16);
    const dead = head !== null && isDeadFill(head, this.hooks) ? `its refcount and type read 0x${head[0].toString(16).repeat(8)} (the debug allocator's dead-byte fill)` : null;
    if (where) return [`the block is free (${poolStateText(where)})`, dead].filter(Boolean).join('; ');
    return dead;
  }

  views(): MemoryErrorView[] {
    return [...this.found].map(([t, e]) => {
      // The raw 64-bit word where there is one (exact even for fill patterns); a free-threaded build's split count otherwise.
      const raw = this.d.L.caps.refcount === 'ob_refcnt' ? this.d.r.bytes(t, 8) : null;
      const split = raw ? null : readRefcount(this.d.r, this.d.L, t);
      const refcnt = raw ? raw.readBigInt64LE(0) : split === null ? null : BigInt(split);
      // What PyObject_Print shows for an object whose refcount is not positive.
      const repr = refcnt !== null && refcnt <= 0n ? `<refcnt ${refcnt} at ${hex(t)}>` : `<freed memory at ${hex(t)}>`;
      return {
        kind: 'use-after-free' as const,
        address: hex(t),
        api: null,
        requested: null,
        bad_pads: [],
        object: { address: hex(t), type: '<freed>', repr },
        found_via: e.referrers[0] ? referrerText(e.referrers[0]) : 'a reference',
        referrers: e.referrers,
        freed: e.freed,
      };
    });
  }
}

export function referrerText(r: ReferrerView): string {
  return r.address === null ? r.how : `${r.type} at ${r.address}, as ${r.how}`;
}

/** --referrers: who refers to each damaged block's object (one walk of the heap, plus the locals). */
function addReferrers(d: ObjectDecoder, heap: Heap, errors: MemoryErrorView[], locals: { name: string; value: number; where: string }[]): void {
  const wanted = new Map<number, ReferrerView[]>();
  for (const e of errors) if (e.object && e.object.type !== '<invalid>') wanted.set(Number.parseInt(e.object.address, 16), []);
  if (wanted.size === 0) return;
  for (const l of locals) wanted.get(l.value)?.push({ address: null, type: 'frame', how: l.where });
  heap.walk(() => {}, {
    onReference: (from, t, via, arg) => {
      const list = wanted.get(t);
      if (list && list.length < MAX_REFERRERS) list.push({ address: hex(from.address), type: from.profile.qualname, how: referenceLabel(d, via, arg) });
    },
  });
  for (const e of errors) if (e.object && wanted.has(Number.parseInt(e.object.address, 16))) e.referrers = wanted.get(Number.parseInt(e.object.address, 16));
}

/** The object an allocation holds: at p itself, or after its GC head / pre-header. */
export function objectIn(d: ObjectDecoder, p: number): ObjectRefView | null {
  for (const off of [0, 16, 32]) {
    const v = d.validate(p + off);
    if (v.ok && preHeader(d, v.type) === off) {
      const repr = d.repr(p + off);
      return { address: hex(p + off), type: d.typeNames(v.type).qualname, repr: repr.length > REPR_MAX ? `${repr.slice(0, REPR_MAX - 3)}...` : repr };
    }
  }
  const v = d.validate(p);
  if (v.ok) return null;
  // The block that trips the check is usually one being freed: its object's refcount has just
  // reached 0, and its type still says what it was.
  if (v.reason === 'refcount 0') {
    for (const off of [0, 16, 32]) {
      const rc = readRefcount(d.r, d.L, p + off);
      const tp = d.r.u64(p + off + field(d.L, 'object.type'));
      const t = rc === 0 && tp !== null ? d.types.get(Number(tp)) : null;
      if (t && typeof t !== 'string' && preHeader(d, t) === off)
        return { address: hex(p + off), type: d.typeNames(t).qualname, repr: `<${d.typeNames(t).qualname} object at ${hex(p + off)} being deallocated (refcount 0)>` };
    }
  }
  // A block that holds no object (a buffer, or memory not written yet) gets no object diagnostics.
  return null;
}
