// `pycore explain LOG --core CORE` text: under each finding, what the core says of the blocks,
// objects and threads the log named. Strings from the core are escaped.
import type { CoreBlock, CoreObject, CoreReferrers, CoreThread, ExplainCoreSummary, FindingCore } from '../analysis/explain-core.js';
import type { Finding } from '../analysis/findings.js';
import { badIdText } from './debug-block-text.js';
import { stackLines } from './native-text.js';
import { escapeForTerminal as esc, faulthandlerAscii } from './sanitize.js';

const MAX_REFERRERS_SHOWN = 10;

export function coreSummaryLines(c: ExplainCoreSummary): string[] {
  const what = [c.python ? `Python ${c.python}` : null, c.signal].filter(Boolean).join(', ');
  const out = [`Core: ${esc(c.core)}${what ? ` (${what})` : ''}; ${c.threads_matched} of the log's ${c.threads_in_log} thread id${c.threads_in_log === 1 ? '' : 's'} found in it`];
  for (const w of c.warnings) out.push(`[!] ${esc(w)}`);
  return out;
}

function allocated(frames: { filename: string | null; lineno: number }[] | undefined, indent: string): string[] {
  if (!frames) return [];
  return [`${indent}allocated at (tracemalloc, most recent call first):`, ...frames.map((f) => `${indent}  File "${f.filename === null ? '???' : faulthandlerAscii(f.filename)}", line ${f.lineno}`)];
}

function referrerLines(r: CoreReferrers | undefined, indent: string): string[] {
  if (!r) return [];
  const out = r.root ? [`${indent}held by: ${esc(r.root)}`] : [];
  if (r.total === 0) return [...out, `${indent}referrers: none in the heap`];
  out.push(`${indent}referrers (${r.total}):`);
  for (const x of r.list.slice(0, MAX_REFERRERS_SHOWN)) out.push(`${indent}  ${esc(x.label)}  ${x.address}  ${esc(x.type)}  ${esc(x.repr)}`);
  if (r.total > MAX_REFERRERS_SHOWN) out.push(`${indent}  ... ${r.total - MAX_REFERRERS_SHOWN} more (--format json lists ${r.list.length}; pycore referrers CORE ADDRESS lists all)`);
  return out;
}

function blockLines(b: CoreBlock): string[] {
  const how = b.memory_error ? ` (analyze's memory check found it via ${esc(b.memory_error.found_via)})` : '';
  const out = [`      Block p=${b.address}: ${esc(b.state)}${how}`];
  const badId = b.memory_error ? badIdText(b.memory_error) : null;
  if (badId) out.push(`        ${badId}${b.memory_error?.checked_by ? ` (in ${esc(b.memory_error.checked_by)})` : ''}`);
  if (b.object) out.push(`        holds ${esc(b.object.type)} ${esc(b.object.repr)}`);
  return [...out, ...allocated(b.allocated_at, '        '), ...referrerLines(b.referrers, '        ')];
}

function objectLines(o: CoreObject): string[] {
  const out = [`      Object ${o.address}: ${esc(o.type)} ${esc(o.repr)}${o.refcount !== null ? ` (refcount ${o.refcount})` : ''}`];
  if (o.unreadable) out.push(`        [!] ${esc(o.unreadable)}`);
  return [...out, ...allocated(o.allocated_at, '        '), ...referrerLines(o.referrers, '        ')];
}

function threadLines(t: CoreThread, full: boolean): string[] {
  if (!t.found) return [`      Thread ${t.thread_id}: not in the core`];
  const head = `      Thread ${t.thread_id} (LWP ${t.native_id ?? '?'})${t.current ? ', current' : ''}: ${t.frames?.length ?? 0} Python frame${t.frames?.length === 1 ? '' : 's'}`;
  if (!full) return [head];
  const out = [`${head}; full stack (most recent call first):`];
  const stack: string[] = [];
  if (t.native) stackLines(t.native, stack);
  else for (const f of t.frames ?? []) stack.push(`  Py  File ${f.file === null ? '???' : `"${faulthandlerAscii(f.file)}"`}, line ${f.line ?? '???'} in ${f.function === null ? '???' : faulthandlerAscii(f.function)}`);
  out.push(...stack.map((l) => `      ${l}`));
  if (t.unreadable) out.push(`        [!] ${esc(t.unreadable)}`);
  return out;
}

/** The "In the core" section of one finding (empty when the finding has no `details.core`). */
export function findingCoreLines(f: Finding): string[] {
  const c = f.details.core as FindingCore | undefined;
  if (!c) return [];
  const out = ['    In the core:'];
  if (c.block) out.push(...blockLines(c.block));
  for (const o of c.objects ?? []) out.push(...objectLines(o));
  // Full stacks once, under the thread dump; elsewhere one line per thread.
  for (const t of c.threads ?? []) out.push(...threadLines(t, f.kind === 'thread-dump'));
  return out;
}
