// Finding _PyRuntime with no binary and no _Py_DebugOffsets (3.8-3.12), the way py-spy looks
// through BSS: _PyRuntime.interpreters holds `head` and `main` side by side, both pointing at the
// main interpreter while only one interpreter runs. Two equal adjacent user-space pointers are a
// cheap prefilter over the core's writable memory; a candidate is kept only when, with some
// version's layout, the whole chain validates: interpreter -> thread states that point back ->
// frames -> code objects -> str names, all of consistent types.
import { aligned, wordsOf } from './heap-memory.js';
import { field, type Layout } from '../cpython-layouts/layout.js';
import type { Module } from '../target/modules.js';
import type { Target } from '../target/target.js';
import { chunksOf } from '../io/byte-source.js';
import { CodeCache } from './code.js';
import { walkFrames } from './frames.js';
import { defaultLimits, type Limits } from './limits.js';
import type { Reader } from './reader.js';
import type { PythonRuntime } from './runtime.js';
import { isFailure, readUnicode } from './strings.js';
import { readInterpreters } from './threads.js';
import { writableSegmentsInOrder } from './runtime-scan.js';
import { dictItems } from './objects/containers.js';

// Read into one reused buffer (chunksOf), small enough to stay in the CPU cache while scanned.
const CHUNK = 1024 * 1024;

/** Bounds of one scan: a hostile core full of equal pointer pairs must not make it slow. */
export interface InterpreterScanLimits {
  /** Candidates given the cheap interpreter <-> thread state check. */
  maxCandidates: number;
  /** Candidates given the full chain validation. */
  maxValidations: number;
  /** Frames walked per validation. */
  maxFrames: number;
}

export const defaultScanLimits: InterpreterScanLimits = { maxCandidates: 2_000_000, maxValidations: 256, maxFrames: 20_000 };

export interface InterpreterScanOptions {
  limits?: InterpreterScanLimits;
  /** Scan heap and stacks too, not only module data (benchmarks: a per-GiB figure). */
  everywhere?: boolean;
}

export interface ChainCheck {
  layout: Layout;
  /** Python frames that decoded completely (code object, str names, line). */
  frames: number;
  threads: number;
  /** sys.version read through this layout's sysdict, when it decodes. */
  sysVersion: string | null;
}

export interface InterpreterScanResult {
  /** Where _PyRuntime is, and every layout whose whole chain validated there. */
  hit: { runtimeAddress: number; checks: ChainCheck[] } | null;
  bytesScanned: number;
  /** Prefilter hits given the cheap check. */
  candidates: number;
  validations: number;
  /** Why the scan stopped early, if it did. */
  capped?: string;
}

/**
 * Scan writable core memory for _PyRuntime using each of `layouts` (built-in tables of versions
 * without _Py_DebugOffsets), in module data (writableSegmentsInOrder), Python's first; the scan
 * stops at the first address where some layout validates.
 */
export function scanForInterpreterState(target: Target, reader: Reader, layouts: Layout[], holder: Module, options: InterpreterScanOptions = {}): InterpreterScanResult {
  const limits = options.limits ?? defaultScanLimits;
  const result: InterpreterScanResult = { hit: null, bytesScanned: 0, candidates: 0, validations: 0 };
  if (reader.mem.pointerSize !== 8 || !reader.mem.littleEndian || layouts.length === 0) return result;
  const heads = [...new Set(layouts.map((L) => field(L, 'runtime.interpreters_head')))];
  const mainAfterHead = layouts.every((L) => L.offsets['runtime.interpreters_main'] === field(L, 'runtime.interpreters_head') + 8);
  if (!mainAfterHead) return result;
  const src = target.core.source;
  const checked = new Map<number, Layout[]>();
  for (const p of writableSegmentsInOrder(target, options.everywhere)) {
    // 8 bytes of overlap so a pair straddling two chunks is seen.
    for (const { offset: off, bytes: raw } of chunksOf(src, p.offset, p.offset + p.filesz, CHUNK, 8)) {
      result.bytesScanned += Math.min(CHUNK, raw.length);
      const words = wordsOf(aligned(raw));
      const base = p.vaddr + (off - p.offset);
      for (let i = 0; i + 3 < words.length; i += 2) {
        // A user-space pointer (below 2^47, above the first 64 KiB, 8-aligned) repeated at once;
        // the equality test first, as it rejects almost every word.
        const lo = words[i];
        if (words[i + 2] !== lo || (lo & 7) !== 0) continue;
        const hi = words[i + 1];
        if (words[i + 3] !== hi || hi >= 0x8000 || (hi === 0 && lo < 0x10000)) continue;
        const at = base + i * 4;
        const ptr = hi * 0x1_0000_0000 + lo;
        if (Math.abs(ptr - at) < 64) continue; // an empty list head points at itself
        if (++result.candidates > limits.maxCandidates) {
          result.capped = `more than ${limits.maxCandidates} candidate pointer pairs`;
          return result;
        }
        // The same pointer recurs (many pairs name one object): check each pointer once.
        let passing = checked.get(ptr);
        if (!passing) {
          if (checked.size >= 1 << 20) checked.clear();
          passing = layouts.filter((L) => threadPointsBack(reader, L, ptr));
          checked.set(ptr, passing);
        }
        if (passing.length === 0) continue;
        for (const headOff of heads) {
          const group = passing.filter((L) => field(L, 'runtime.interpreters_head') === headOff);
          if (group.length === 0) continue;
          if (++result.validations > limits.maxValidations) {
            result.capped = `more than ${limits.maxValidations} candidates needed full validation`;
            return result;
          }
          const runtimeAddress = at - headOff;
          const checks = group.map((L) => validateChain(reader, L, runtimeAddress, holder, limits)).filter((c): c is ChainCheck => c !== null);
          if (checks.length > 0) {
            result.hit = { runtimeAddress, checks };
            return result;
          }
        }
      }
    }
  }
  return result;
}

/**
 * The cheap check: `head` and `main` name the main interpreter, whose id is 0, and its first
 * thread state, which has a thread id, points back at it.
 */
function threadPointsBack(r: Reader, L: Layout, interp: number): boolean {
  const idOff = L.offsets['interp.id'];
  if (idOff !== undefined && r.ssize(interp + idOff) !== 0) return false;
  const ts = r.ptr(interp + field(L, 'interp.threads_head'));
  if (!ts) return false;
  return r.ptr(ts + field(L, 'tstate.interp')) === interp && !!r.ptr(ts + field(L, 'tstate.thread_id'));
}

/** Every interpreter, thread and frame reachable from `runtimeAddress` decodes with `L`, or null. */
export function validateChain(reader: Reader, L: Layout, runtimeAddress: number, holder: Module, scan: InterpreterScanLimits = defaultScanLimits): ChainCheck | null {
  const rt: PythonRuntime = {
    module: holder,
    foundBy: 'scan',
    runtimeAddress,
    statics: {},
    detected: { version: L.version, from: 'interpreter scan' },
    build: 'release',
    layout: L,
    reader,
  };
  const limits: Limits = { ...defaultLimits, maxInterpreters: 64, maxThreads: 4096, maxFrames: scan.maxFrames, maxNameLength: 1024 };
  const { interpreters, end } = readInterpreters(rt, limits);
  if (end.reason || interpreters.length === 0) return null;
  const main = interpreters[0];
  if (main.threadsEnd.reason || main.threads.length === 0) return null;
  const codes = new CodeCache(reader, L, limits, null);
  const codeTypes = new Set<number>();
  const strTypes = new Set<number>();
  let frames = 0;
  let budget = scan.maxFrames;
  for (const ts of main.threads) {
    if (!ts.threadId) return null;
    const walk = walkFrames(rt, ts, codes, { ...limits, maxFrames: Math.max(0, budget) });
    if (walk.stopped) return null;
    budget -= walk.frames.length;
    for (const f of walk.frames) {
      if (f.unreadable || !f.code || f.function === null || f.file === null || f.line === null || f.line <= 0) return null;
      const t = reader.ptr(f.code + field(L, 'object.type'));
      const name = reader.ptr(f.code + field(L, 'code.name'));
      const file = reader.ptr(f.code + field(L, 'code.filename'));
      const nt = name ? reader.ptr(name + field(L, 'object.type')) : null;
      const ft = file ? reader.ptr(file + field(L, 'object.type')) : null;
      if (!t || !nt || !ft) return null;
      codeTypes.add(t);
      strTypes.add(nt).add(ft);
      frames++;
    }
  }
  // All code objects share one type, all names another: a layout reading the wrong fields does not.
  if (codeTypes.size > 1 || strTypes.size > 1 || [...codeTypes].some((t) => strTypes.has(t))) return null;
  if (strTypes.size === 1 && !isTypeObject(reader, L, [...strTypes][0])) return null;
  return { layout: L, frames, threads: main.threads.length, sysVersion: sysVersion(reader, L, main.address) };
}

/** A type's type is `type`, whose type is itself. */
function isTypeObject(r: Reader, L: Layout, t: number): boolean {
  const meta = r.ptr(t + field(L, 'object.type'));
  return !!meta && r.ptr(meta + field(L, 'object.type')) === meta;
}

/** sys.version, read from the interpreter's sys module dict. */
function sysVersion(r: Reader, L: Layout, interp: number): string | null {
  const off = L.offsets['interp.sysdict'];
  const sysdict = off === undefined ? null : r.ptr(interp + off);
  if (!sysdict) return null;
  const items = dictItems(r, L, sysdict, 4096);
  if (typeof items === 'string') return null;
  for (const [k, v] of items.items) {
    const key = readUnicode(r, L, k, 16);
    if (isFailure(key) || key.value !== 'version') continue;
    const value = readUnicode(r, L, v, 256);
    return isFailure(value) ? null : value.value;
  }
  return null;
}
