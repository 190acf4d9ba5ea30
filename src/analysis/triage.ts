// `pycore triage`: a crash signature per core, and cores grouped by identical signatures.
// The signature is what stays the same when the same bug crashes again on another day, another
// pid, another address layout: the Python version, the signal, the top Python frames of the
// current thread (function, file name without its directory, line), and the native crash site as
// module!symbol+offset (or module+offset from the module's start; both survive ASLR).
import type { AnalyzeReport } from './view-model.js';

export const DEFAULT_SIGNATURE_FRAMES = 5;

export interface SignatureFrame {
  function: string | null;
  file: string | null;
  line: number | null;
}

export interface CrashSignature {
  python: string | null;
  signal: string | null;
  crash_site: string | null;
  /** Most recent first; empty when no thread is current (or nothing could be read). */
  frames: SignatureFrame[];
  /** Why there are no frames, when there are none. */
  no_frames: 'no current thread' | 'no Python' | 'empty stack' | null;
}

export type TriageEntry =
  | { core: string; mtime_ms: number | null; status: 'analyzed'; signature: CrashSignature; partial: boolean; note: string | null }
  | { core: string; mtime_ms: number | null; status: 'failed'; reason: string };

export interface TriageGroup {
  signature: CrashSignature;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
  /** The most recent core with this signature. */
  example: string;
  cores: string[];
  /** How many of them were read only in part (truncated core, unreadable frames). */
  partial: number;
}

export interface TriageReport {
  frames_per_signature: number;
  total: number;
  analyzed: number;
  groups: TriageGroup[];
  failed: { core: string; reason: string }[];
}

const baseName = (p: string | null) => (p === null ? null : p.slice(p.lastIndexOf('/') + 1));

export function signatureOf(r: AnalyzeReport, frames: number, fatal: string | null): CrashSignature {
  // The most telling native site: the likely culprit (first frame outside the interpreter and
  // libc), else the frame the signal interrupted, else the PC (under faulthandler always its
  // re-raise in libc, the same for every crash).
  const cs = r.crash_site;
  const ref = cs?.culprit ?? cs?.interrupted ?? cs;
  const site = ref ? (ref.symbol ? `${ref.module}!${ref.symbol}+${ref.offset}` : `${ref.module}+${ref.offset}`) : null;
  const current = r.threads.find((t) => t.current);
  const top = current ? current.frames.slice(0, frames).map((f) => ({ function: f.function, file: baseName(f.file), line: f.line !== null && f.line >= 0 ? f.line : null })) : [];
  let noFrames: CrashSignature['no_frames'] = null;
  if (top.length === 0) noFrames = r.python === null || fatal !== null ? 'no Python' : current ? 'empty stack' : 'no current thread';
  return { python: r.python?.version ?? null, signal: r.signal?.name ?? null, crash_site: site, frames: top, no_frames: noFrames };
}

/** Whether the analysis was partial: a truncated core or frames that could not all be read. */
export function isPartial(r: AnalyzeReport): boolean {
  return r.warnings.some((w) => /truncated/.test(w)) || r.threads.some((t) => t.unreadable !== undefined || t.frames.some((f) => f.unreadable !== undefined));
}

export function signatureKey(s: CrashSignature): string {
  return JSON.stringify([s.python, s.signal, s.crash_site, s.no_frames, s.frames.map((f) => [f.function, f.file, f.line])]);
}

export function groupEntries(entries: TriageEntry[], frames: number): TriageReport {
  const groups = new Map<string, TriageGroup & { newest: number; oldest: number }>();
  const failed: { core: string; reason: string }[] = [];
  for (const e of entries) {
    if (e.status === 'failed') {
      failed.push({ core: e.core, reason: e.reason });
      continue;
    }
    const key = signatureKey(e.signature);
    const t = e.mtime_ms ?? 0;
    let g = groups.get(key);
    if (!g) {
      g = { signature: e.signature, count: 0, first_seen: null, last_seen: null, example: e.core, cores: [], partial: 0, newest: -Infinity, oldest: Infinity };
      groups.set(key, g);
    }
    g.count++;
    g.cores.push(e.core);
    if (e.partial) g.partial++;
    if (e.mtime_ms !== null) {
      if (t >= g.newest) {
        g.newest = t;
        g.example = e.core;
      }
      g.oldest = Math.min(g.oldest, t);
    }
  }
  const out: TriageGroup[] = [...groups.values()]
    .sort((a, b) => b.count - a.count || b.newest - a.newest || signatureKey(a.signature).localeCompare(signatureKey(b.signature)))
    .map(({ newest, oldest, ...g }) => ({
      ...g,
      first_seen: Number.isFinite(oldest) ? new Date(oldest).toISOString() : null,
      last_seen: Number.isFinite(newest) ? new Date(newest).toISOString() : null,
      cores: [...g.cores].sort(),
    }));
  return { frames_per_signature: frames, total: entries.length, analyzed: entries.length - failed.length, groups: out, failed: failed.sort((a, b) => a.core.localeCompare(b.core)) };
}

/** One line: "Python 3.12.1, SIGSEGV in libc.so.6!pthread_kill+0x11c" (raw strings; reports escape them). */
export function signatureHeadline(s: CrashSignature): string {
  const parts = [s.python ? `Python ${s.python}` : 'no Python found', s.signal ?? 'no signal (live snapshot)'];
  return `${parts.join(', ')}${s.crash_site ? ` in ${s.crash_site}` : ''}`;
}

/** "do_crash (segv_threads.py:39)" for a signature frame. */
export function signatureFrameText(f: SignatureFrame): string {
  return `${f.function ?? '???'} (${f.file ?? '???'}:${f.line ?? '???'})`;
}
