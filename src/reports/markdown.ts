// `pycore analyze --format md`: a report to paste into a bug tracker, from the same view model
// as the text and JSON: a header table, warnings, then each thread's traceback (faulthandler's
// lines) in its own fenced block.
import { debugBlockText, pycoreBlockLines } from './debug-block-text.js';
import { allocationTracebackText } from './tracemalloc-text.js';
import { faulthandlerSignalText } from '../analysis/signals.js';
import type { AnalyzeReport } from '../analysis/view-model.js';
import { faulthandlerBlock } from './faulthandler-text.js';
import { noSignalText } from './text.js';
import { mdCell, mdCode, mdFence, mdText } from './markdown-util.js';

export function renderAnalyzeMarkdown(r: AnalyzeReport, options: { allFrames?: boolean } = {}): string {
  const out: string[] = [];
  const what = r.signal ? r.signal.name : 'Snapshot';
  out.push(`## pycore: ${what}${r.python ? ` in Python ${r.python.version}` : ''}${r.process.pid !== null ? ` (pid ${r.process.pid})` : ''}`, '');
  const rows: [string, string][] = [['Core', mdCode(r.core)]];
  const p = r.process;
  const cmd = p.argv.length ? mdCode(p.argv.join(' ')) + (p.argv_source === 'psargs' ? ' (from psargs, may be cut at 80 characters)' : '') : '(unknown)';
  rows.push(['Process', `pid ${p.pid ?? '?'}: ${cmd}`]);
  if (p.executable) rows.push(['Executable', mdCode(p.executable)]);
  if (r.python) rows.push(['Python', `${mdText(r.python.version)} (${mdText(r.python.build)}) in ${mdCode(r.python.module)}`]);
  if (r.signal) {
    const s = r.signal;
    const extra = [s.code_text, s.address !== null ? `fault address ${s.address}` : null].filter((x): x is string => Boolean(x)).map(mdText).join(', ');
    rows.push(['Signal', `${s.name} (${s.number})${extra ? `, ${extra}` : ''}`]);
  } else rows.push(['Signal', mdText(noSignalText(r))]);
  if (r.crash_site) {
    const c = r.crash_site;
    rows.push(['Crash site', `thread ${c.thread_native_id} in ${mdCode(c.module)} at ${mdCode(c.symbol ? `${c.symbol}+${c.offset}` : `offset ${c.offset}`)} (${c.address})`]);
  }
  out.push('| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${mdCell(v)} |`));
  const warnings = [...r.warnings, ...r.threads.filter((t) => t.unreadable).map((t) => `thread ${t.thread_id ?? '?'}: ${t.unreadable}`)];
  if (warnings.length) out.push('', '### Warnings', '', ...warnings.map((w) => `- ${mdText(w)}`));
  if (r.memory_errors.length) {
    out.push('', '### Memory errors');
    for (const e of r.memory_errors) {
      const held = e.object ? `; the block holds ${e.object.type} ${e.object.repr}` : '';
      out.push('', mdText(`${e.kind} at ${e.address}, found via ${e.found_via}${held}`), '', ...mdFence([...debugBlockText(e).slice(0, -1), ...pycoreBlockLines(e)]));
      if (e.tracemalloc === 'traced') out.push('', ...mdFence(allocationTracebackText(e).slice(0, -1)));
    }
  }
  if (r.faulthandler && r.threads.length) {
    out.push('', '### Python tracebacks');
    const fatal = r.signal ? faulthandlerSignalText[r.signal.number] : undefined;
    if (fatal) out.push('', mdCode(`Fatal Python error: ${fatal}`));
    for (const t of r.threads) {
      // One thread at a time through the faulthandler renderer (no signal: no "Fatal" line).
      const lines = faulthandlerBlock({ ...r, signal: null, threads: [t] }, options);
      out.push('', ...mdFence(lines));
    }
  }
  return out.join('\n') + '\n';
}
