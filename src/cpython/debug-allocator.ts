// PYTHONMALLOC=debug blocks: [size, 8 bytes big-endian][API id][7 forbidden bytes] data
// [8 forbidden bytes] (3.8+; no serial number). Checking one block is a pure read of the
// 16 bytes before the user pointer and the 8 after its data, like _PyMem_DebugCheckAddress.
import type { Reader } from './reader.js';
import type { Capabilities } from '../cpython-layouts/capabilities.js';

/**
 * The debug hooks' fill bytes, one table for every reader (cores and logs): PYMEM_CLEANBYTE fills
 * a block that was allocated and not written yet, PYMEM_DEADBYTE a block that was freed (header
 * and pads included), PYMEM_FORBIDDENBYTE the pads around a live block's data. 0xCD/0xDD/0xFD
 * since bpo-36389 (3.8, backported to 3.7.4; Include/internal/pycore_pymem.h); 3.6 and 3.7.0-3.7.3
 * used 0xCB/0xDB/0xFB. Checked by running each interpreter here under PYTHONMALLOC=debug (3.6.15:
 * 0xCB/0xDB/0xFB; 3.7.16 and 3.8-3.13: 0xCD/0xDD/0xFD). No 3.8+ source uses 0xDB (the comment
 * in 3.13's Include/cpython/pymem.h that still says 0xCB/0xDB is stale). A core's bytes are
 * matched against the current values (a build's own are fillBytesOf(caps.debugFill): the memory
 * check says when they are the old ones, which it does not read yet); a log may come from any
 * version (`withOld`).
 */
export type FillKind = 'clean' | 'dead' | 'forbidden';
export const FILL_BYTES: Readonly<Record<FillKind, number>> = { clean: 0xcd, dead: 0xdd, forbidden: 0xfd };
const OLD_FILL_BYTES: Readonly<Record<FillKind, number>> = { clean: 0xcb, dead: 0xdb, forbidden: 0xfb };
/** The fill bytes of a build whose capabilities say `fill` (layout.caps.debugFill). */
export function fillBytesOf(fill: Exclude<Capabilities['debugFill'], 'none'>): Readonly<Record<FillKind, number>> {
  return fill === 'current' ? FILL_BYTES : OLD_FILL_BYTES;
}
/** What each fill says about the memory, in CPython's terms. */
export const FILL_MEANING: Readonly<Record<FillKind, string>> = {
  clean: "allocated and never written (the debug allocator's CLEANBYTE fill, 0xcd)",
  dead: "freed (the debug allocator's DEADBYTE fill, 0xdd)",
  forbidden: "pad bytes around a block (the debug allocator's FORBIDDENBYTE, 0xfd)",
};
export const FORBIDDENBYTE = FILL_BYTES.forbidden;
export const DEADBYTE = FILL_BYTES.dead;
export const CLEANBYTE = FILL_BYTES.clean;

/** Which fill `byte` is (with `withOld`, the pre-3.7.4 bytes count too), or null. */
export function fillKind(byte: number, withOld = false): FillKind | null {
  for (const table of withOld ? [FILL_BYTES, OLD_FILL_BYTES] : [FILL_BYTES])
    for (const k of ['clean', 'dead', 'forbidden'] as const) if (table[k] === byte) return k;
  return null;
}

/** A 64-bit word that is one fill byte repeated, within `slack` of it (a few INCREF/DECREFs on a refcount). */
export function wordFill(v: bigint, withOld = false, slack = 0n): FillKind | null {
  for (const table of withOld ? [FILL_BYTES, OLD_FILL_BYTES] : [FILL_BYTES])
    for (const k of ['clean', 'dead', 'forbidden'] as const) {
      const fill = BigInt(table[k]) * 0x0101010101010101n;
      if ((v > fill ? v - fill : fill - v) <= slack) return k;
    }
  return null;
}

/** Bytes that are all one fill byte: which one, or null. */
export function bufferFill(b: Buffer): FillKind | null {
  if (b.length === 0) return null;
  for (let i = 1; i < b.length; i++) if (b[i] !== b[0]) return null;
  return fillKind(b[0]);
}

const API_IDS = new Set(['r', 'm', 'o'].map((c) => c.charCodeAt(0)));
/** Larger requests are implausible for a header read from a core: treat them as not a block. */
const MAX_REQUEST = 2 ** 32;

export interface DebugBlock {
  /** The user pointer p (what malloc returned to the caller). */
  address: number;
  api: number;
  requested: number;
  /** Bytes p-7 .. p-1. */
  leading: number[];
  /** Bytes tail+0 .. tail+7, where tail = p + requested; null when unreadable. */
  trailing: number[] | null;
  /** Up to 8 bytes from p, and the last up-to-8 bytes before tail (CPython's "Data at p"). */
  dataHead: number[];
  dataTail: number[];
}

export type BlockProblem = 'bad-api-id' | 'leading-pad' | 'trailing-pad';

/** The block at user pointer `p`, when its header looks like a debug allocator's. */
export function readDebugBlock(r: Reader, p: number): DebugBlock | null {
  if (p % 8 !== 0) return null;
  const head = r.bytes(p - 16, 16);
  if (!head) return null;
  const requested = Number(head.readBigUInt64BE(0));
  if (requested > MAX_REQUEST) return null;
  const api = head[8];
  const leading = [...head.subarray(9, 16)];
  const trailingBytes = r.bytes(p + requested, 8);
  const headData = r.bytes(p, Math.min(8, requested)) ?? Buffer.alloc(0);
  let tailData: Buffer = Buffer.alloc(0);
  if (requested > 8) tailData = r.bytes(p + Math.max(8, requested - 8), Math.min(8, requested - 8)) ?? Buffer.alloc(0);
  return { address: p, api, requested, leading, trailing: trailingBytes ? [...trailingBytes] : null, dataHead: [...headData], dataTail: [...tailData] };
}

/**
 * What CPython's check would complain about, in its order (API id, leading pad, trailing pad).
 * The API id is bad when it is not the one the block is checked against (`verifiedApi`, known
 * for the block the hooks were checking when they aborted), or else not an id at all.
 */
export function blockProblems(b: DebugBlock, verifiedApi?: string): BlockProblem[] {
  const out: BlockProblem[] = [];
  if (verifiedApi !== undefined ? String.fromCharCode(b.api) !== verifiedApi : !API_IDS.has(b.api)) out.push('bad-api-id');
  if (b.leading.some((x) => x !== FORBIDDENBYTE)) out.push('leading-pad');
  if (b.trailing && b.trailing.some((x) => x !== FORBIDDENBYTE)) out.push('trailing-pad');
  return out;
}

/**
 * A header plausible enough to call this a debug block: a known API id and mostly-intact
 * leading pads. A header whose id byte is not 'r', 'm' or 'o' cannot be told from the tail of
 * the block before it (all 0xfd) or from any other bytes, so it is never reported: an
 * underflow that also overwrote the id goes unreported rather than a neighbour being blamed.
 */
export function looksLikeDebugBlock(b: DebugBlock): boolean {
  const intactLeading = b.leading.filter((x) => x === FORBIDDENBYTE).length;
  return API_IDS.has(b.api) && intactLeading >= 4;
}

/**
 * Whether the header before `p` can pass looksLikeDebugBlock, from its second word alone (the
 * API id and the 7 leading pad bytes): one small read that turns away most candidates (pointers
 * found on a stack) before readDebugBlock's four.
 */
export function mayBeDebugBlock(r: Reader, p: number): boolean {
  if (p % 8 !== 0) return false;
  const w = r.bytes(p - 8, 8);
  if (!w || !API_IDS.has(w[0])) return false;
  let intact = 0;
  for (let i = 1; i < 8; i++) if (w[i] === FORBIDDENBYTE) intact++;
  return intact >= 4;
}

/** Bytes that are all the dead fill: memory freed under the debug hooks and not reused since. */
export function isDeadFill(b: Buffer): boolean {
  return bufferFill(b) === 'dead';
}

/** The hooks' contexts, _PyMem_Debug's {raw, mem, obj} (3.12+: _PyRuntime.allocators.debug), in this order. */
const CONTEXT_APIS = 'rmo';
/** sizeof(debug_alloc_api_t): the char api_id, padded to 8, then PyMemAllocatorEx's ctx, malloc, calloc, realloc and free. */
const CONTEXT_SIZE = 48;
/** Bytes of the three contexts (_PyMem_Debug). */
export const DEBUG_CONTEXTS_SIZE = CONTEXT_APIS.length * CONTEXT_SIZE;

/**
 * The API id of the debug hooks' context at `a`, when `a` is one: the ctx every hook receives
 * (&_PyMem_Debug.raw, .mem or .obj), which _PyMem_DebugRawFree checks the block's id against.
 * Told by its shape, so that stripped builds need no symbol: three 48-byte entries whose ids are
 * 'r', 'm' and 'o', each followed by 7 zero padding bytes and non-null malloc, calloc, realloc
 * and free pointers.
 */
export function debugHooksContextApi(r: Reader, a: number): string | null {
  if (a % 8 !== 0) return null;
  const first = r.bytes(a, 1);
  const k = first ? CONTEXT_APIS.indexOf(String.fromCharCode(first[0])) : -1;
  if (k < 0) return null;
  const all = r.bytes(a - k * CONTEXT_SIZE, CONTEXT_APIS.length * CONTEXT_SIZE);
  if (!all) return null;
  for (let i = 0; i < CONTEXT_APIS.length; i++) {
    const e = all.subarray(i * CONTEXT_SIZE, (i + 1) * CONTEXT_SIZE);
    if (e[0] !== CONTEXT_APIS.charCodeAt(i) || e.subarray(1, 8).some((x) => x !== 0)) return null;
    for (let off = 16; off < CONTEXT_SIZE; off += 8) if (e.readBigUInt64LE(off) === 0n) return null;
  }
  return CONTEXT_APIS[k];
}

/** PYMEM_DEBUG_EXTRA_BYTES: the header and trailing pads the hooks add to every request (3.8+). */
export const DEBUG_EXTRA_BYTES = 24;
const API_RAW = 'r'.charCodeAt(0);

/**
 * The object allocator serves requests too big for pymalloc with PyMem_RawMalloc, which the debug
 * hooks wrap as well: such an 'o' or 'm' block at p sits inside an 'r' block at p-16 whose request is
 * DEBUG_EXTRA_BYTES more. That inner block, when there is one.
 */
export function rawLayer(r: Reader, b: DebugBlock): DebugBlock | null {
  if (b.api === API_RAW) return null;
  const inner = readDebugBlock(r, b.address - 16);
  return inner && inner.api === API_RAW && inner.requested === b.requested + DEBUG_EXTRA_BYTES && looksLikeDebugBlock(inner) ? inner : null;
}

/** The block an 'r' block wraps (see rawLayer), when it wraps one. */
export function objectLayer(r: Reader, b: DebugBlock): DebugBlock | null {
  if (b.api !== API_RAW || b.requested < DEBUG_EXTRA_BYTES) return null;
  const outer = readDebugBlock(r, b.address + 16);
  return outer && outer.api !== API_RAW && outer.requested + DEBUG_EXTRA_BYTES === b.requested && looksLikeDebugBlock(outer) ? outer : null;
}

/** What malloc returned for the debug block at p: its header, or the header of the raw layer around it. */
export function mallocPointer(r: Reader, b: DebugBlock): number {
  return rawLayer(r, b) ? b.address - 32 : b.address - 16;
}
