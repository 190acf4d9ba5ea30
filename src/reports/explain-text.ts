// `pycore explain` text output: one block per finding, with what happened, likely causes and
// next steps. Everything that came from the log is escaped for the terminal.
import type { Finding, ThreadRef } from '../analysis/findings.js';
import type { ExplainReport } from '../analysis/log/explain.js';
import { where } from '../analysis/log/explanations.js';
import { escapeForTerminal as esc } from './sanitize.js';
import { coreSummaryLines, findingCoreLines } from './explain-core-text.js';

const MAX_THREADS_SHOWN = 10;

function lineRange(f: Finding): string {
  const [a, b] = f.lines;
  return a === b ? `line ${a}` : `lines ${a}-${b}`;
}

/** For thread dumps: one line per thread, so that the other threads are visible too. */
function threadLines(f: Finding): string[] {
  if (f.kind !== 'thread-dump' || !Array.isArray(f.details.threads)) return [];
  const threads = f.details.threads as ThreadRef[];
  const out = threads.slice(0, MAX_THREADS_SHOWN).map((t) => {
    const tags = [t.current ? 'current' : null, t.garbage_collecting ? 'garbage-collecting' : null, t.truncated ? 'cut at 100 frames' : null].filter(Boolean).join(', ');
    const top = t.frames[0] ? where(t.frames[0]) : t.no_python_frame ? '<no Python frame>' : '(no frames)';
    const n = t.frames.length + (t.frames_omitted ?? 0);
    return `      ${t.thread_id ?? 'stack'}${tags ? ` (${tags})` : ''}: ${esc(top)}${n > 1 ? `, ${n} frames` : ''}`;
  });
  if (threads.length > MAX_THREADS_SHOWN) out.push(`      ... and ${threads.length - MAX_THREADS_SHOWN} more threads`);
  return out.length ? ['    Threads:', ...out] : [];
}

function section(title: string, items: string[]): string[] {
  return items.length ? [`    ${title}:`, ...items.map((s) => `      - ${esc(s)}`)] : [];
}

export function renderExplainText(r: ExplainReport): string {
  const out: string[] = [];
  const n = r.findings.length;
  out.push(`Log: ${esc(r.source)} (${r.lines} line${r.lines === 1 ? '' : 's'}, ${n} finding${n === 1 ? '' : 's'})`);
  if (r.cut_lines > 0) out.push(`[!] ${r.cut_lines} line${r.cut_lines === 1 ? ' was' : 's were'} too long; only the beginning of ${r.cut_lines === 1 ? 'it was' : 'each was'} read`);
  if (r.ends_mid_line) out.push('[!] the log ends in the middle of a line (cut off?)');
  if (r.core) out.push(...coreSummaryLines(r.core));
  r.findings.forEach((f, i) => {
    out.push('', `[${i + 1}] ${f.kind}, ${lineRange(f)}`, `    ${esc(f.summary)}`);
    out.push(...threadLines(f));
    out.push(...findingCoreLines(f));
    out.push(...section('Likely causes', Array.isArray(f.details.likely_causes) ? (f.details.likely_causes as string[]) : []));
    out.push(...section('Next steps', f.next_steps));
  });
  if (n === 0) out.push('', 'No known crash report was found: pycore recognizes faulthandler dumps, "Fatal Python error" reports, debug-allocator and object dumps, assertion failures, tracebacks, ResourceWarnings, gdb backtraces and kernel segfault lines.');
  return out.join('\n') + '\n';
}
