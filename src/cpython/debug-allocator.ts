// PYTHONMALLOC=debug blocks: [size, 8 bytes big-endian][API id][7 forbidden bytes] data
// [8 forbidden bytes] (3.8+; no serial number). Checking one block is a pure read of the
// 16 bytes before the user pointer and the 8 after its data, like _PyMem_DebugCheckAddress.
import type { Reader } from './reader.js';

export const FORBIDDENBYTE = 0xfd;
/** PYMEM_DEADBYTE, what the debug hooks fill a block with when it is freed: 0xDD in 3.8-3.13
 *  (Include/internal/pycore_pymem.h); CPython 3.7 and older used 0xDB, the byte of the
 *  well-known `<refcnt -2604246222170760229 at 0x...>` signature, accepted too. */
export const DEADBYTE = 0xdd;
const DEAD_BYTES = new Set([DEADBYTE, 0xdb]);
export const CLEANBYTE = 0xcd;
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

/** What CPython's check would complain about, in its order (API id, leading pad, trailing pad). */
export function blockProblems(b: DebugBlock): BlockProblem[] {
  const out: BlockProblem[] = [];
  if (!API_IDS.has(b.api)) out.push('bad-api-id');
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

/** Bytes that are all one dead-fill byte: memory freed under the debug hooks and not reused since. */
export function isDeadFill(b: Buffer): boolean {
  if (b.length === 0 || !DEAD_BYTES.has(b[0])) return false;
  for (let i = 1; i < b.length; i++) if (b[i] !== b[0]) return false;
  return true;
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
