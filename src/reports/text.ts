// `pycore analyze` text output: a short header, then faulthandler's dump.
import type { AnalyzeReport } from '../analysis/view-model.js';
import { faulthandlerBlock } from './faulthandler-text.js';
import { crashFrameLines, nativeBlock } from './native-text.js';
import { escapeForTerminal as esc } from './sanitize.js';
import { debugBlockText, pycoreBlockLines } from './debug-block-text.js';
import { allocationTracebackText } from './tracemalloc-text.js';
import { tasksBlock } from './tasks-text.js';

export function renderAnalyzeText(r: AnalyzeReport, options: { allFrames?: boolean } = {}): string {
  const out: string[] = [];
  const p = r.process;
  out.push(`Core:       ${esc(r.core)}`);
  const cmd = p.argv.length ? p.argv.map(esc).join(' ') + (p.argv_source === 'psargs' ? ' (from psargs, may be cut at 80 characters)' : p.argv_source === 'report' ? ' (from the report beside the core)' : '') : '(unknown)';
  out.push(`Process:    pid ${p.pid ?? '?'}: ${cmd}`);
  if (p.executable) out.push(`Executable: ${esc(p.executable)}`);
  const o = r.origin;
  if (o && o.container !== 'plain') {
    const m = o.metadata;
    const bits = [o.container === 'compressed' ? `${o.compression}-compressed core` : o.container === 'apport' ? 'apport report' : `systemd-coredump file${o.compression ? ` (${o.compression})` : ''}`];
    if (m?.time) bits.push(`recorded ${esc(m.time)}`);
    if (m?.extra?.Package) bits.push(`package ${esc(m.extra.Package)}`);
    out.push(`Origin:     ${bits.join(', ')}`);
  }
  if (r.python) out.push(`Python:     ${r.python.version} (${r.python.build}) in ${esc(r.python.module)}, layout from ${r.python.layout_source}${r.python.found_by === 'scan' ? ', found by scanning memory' : ''}`);
  if (r.signal) {
    const s = r.signal;
    const extra = [s.code_text, s.address !== null ? `fault address ${s.address}` : null].filter(Boolean).join(', ');
    out.push(`Signal:     ${s.name} (${s.number})${extra ? `, ${extra}` : ''}`);
  } else out.push(`Signal:     ${noSignalText(r)}`);
  if (r.crash_site) {
    const c = r.crash_site;
    const where = c.symbol ? `${esc(c.symbol)}+${c.offset}` : `offset ${c.offset}`;
    out.push(`Crash site: thread ${c.thread_native_id} in ${esc(c.module)} at ${where} (${c.address})`);
    out.push(...crashFrameLines(r));
  }
  for (const w of r.warnings) out.push(`[!] ${esc(w)}`);
  if (r.memory_errors.length) {
    out.push('', `Memory errors (${r.memory_errors.length}), in CPython's words:`, '');
    for (const e of r.memory_errors) {
      out.push(...debugBlockText(e).slice(0, -1));
      if (e.tracemalloc === 'traced') out.push('', ...allocationTracebackText(e).slice(0, -1));
      out.push(`    pycore: ${e.kind}; found via ${esc(e.found_via)}`);
      if (e.object && e.kind !== 'use-after-free') out.push(`    pycore: the block holds ${esc(e.object.type)} ${esc(e.object.repr)}`);
      out.push(...pycoreBlockLines(e));
      out.push('');
    }
  }
  if (r.checked_blocks?.length) {
    out.push('', `Checked blocks (--check), in CPython's words:`, '');
    for (const c of r.checked_blocks) {
      if ('error' in c) {
        out.push(`[!] --check ${c.given}: ${esc(c.error)}`, '');
        continue;
      }
      out.push(...debugBlockText(c).slice(0, -1));
      out.push(`    pycore: ${c.ok ? 'intact' : c.problems.join(', ')}${c.found_via !== '--check' ? `; ${esc(c.found_via)}` : ''}`);
      if (c.object) out.push(`    pycore: the block holds ${esc(c.object.type)} ${esc(c.object.repr)}`);
      out.push(...pycoreBlockLines({ ...c, kind: c.problems[0] ?? 'trailing-pad' }));
      out.push('');
    }
  }
  for (const t of r.threads) if (t.unreadable) out.push(`[!] thread ${t.thread_id ?? '?'}: ${esc(t.unreadable)}`);
  // With --native the merged native + Python stacks replace faulthandler's dump.
  const block = r.threads.some((t) => t.native) || r.native_threads ? nativeBlock(r) : faulthandlerBlock(r, options);
  if (block.length) out.push('', ...block);
  if (r.tasks) out.push('', ...tasksBlock(r.tasks));
  return out.join('\n') + '\n';
}

/**
 * The Signal line of a core no signal wrote (gcore, a debugger's snapshot): nothing was
 * signalled, so the current thread is the GIL holder, and the line says which rule applied.
 */
export function noSignalText(r: AnalyzeReport): string {
  const current = r.current_thread_rule === 'gil-holder' ? 'current thread: the one holding the GIL' : r.threads.length ? 'no thread held the GIL, so none is current' : null;
  return `none (a snapshot of a live process, e.g. by gcore${current ? `; ${current}` : ''})`;
}
