// `pycore triage` as a terminal table: one row per signature (count, first and last seen, the
// signature's headline), its top frames under it, and an example core; then what failed.
import { signatureFrameText, signatureHeadline, type TriageGroup, type TriageReport } from '../analysis/triage.js';
import { escapeForTerminal as esc } from './sanitize.js';

/** "2024-05-01 10:00:01" (UTC) from an ISO time, or "-". */
export function triageTime(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '') : '-';
}

export function triageSummary(r: TriageReport): string {
  const g = r.groups.length;
  const f = r.failed.length;
  return `${r.total} core${r.total === 1 ? '' : 's'}: ${g} signature${g === 1 ? '' : 's'}${f ? `, ${f} could not be analyzed` : ''}`;
}

export function noFramesText(g: TriageGroup): string | null {
  const n = g.signature.no_frames;
  // A live snapshot (gcore) has no signal: its current thread is the GIL holder, if any.
  const noCurrent = g.signature.signal === null ? '(no current thread: no thread held the GIL)' : '(no current thread: the signalled thread was not running Python)';
  return n === null ? null : n === 'no current thread' ? noCurrent : n === 'no Python' ? '(no Python state)' : '(the current thread has no Python frames)';
}

export function renderTriageText(r: TriageReport): string {
  const out: string[] = [`Triage of ${triageSummary(r)} (top ${r.frames_per_signature} frames of the current thread; times are core mtimes, UTC)`, ''];
  if (r.groups.length) out.push(`${'count'.padStart(5)}  ${'first seen'.padEnd(19)}  ${'last seen'.padEnd(19)}  signature`);
  const indent = ' '.repeat(5 + 2 + 19 + 2 + 19 + 2);
  for (const g of r.groups) {
    out.push(`${String(g.count).padStart(5)}  ${triageTime(g.first_seen).padEnd(19)}  ${triageTime(g.last_seen).padEnd(19)}  ${esc(signatureHeadline(g.signature))}`);
    for (const f of g.signature.frames) out.push(`${indent}  ${esc(signatureFrameText(f))}`);
    const nf = noFramesText(g);
    if (nf) out.push(`${indent}  ${nf}`);
    out.push(`${indent}example: ${esc(g.example)}${g.partial ? ` (${g.partial} read only in part: truncated or unreadable memory)` : ''}`);
  }
  if (r.failed.length) {
    out.push('', 'Could not be analyzed:');
    for (const f of r.failed) out.push(`  ${esc(f.core)}: ${esc(f.reason)}`);
  }
  return out.join('\n') + '\n';
}
