// The part of the text report that reproduces faulthandler's dump byte for byte.
import { faulthandlerSignalText } from '../analysis/signals.js';
import type { AnalyzeReport, FrameView, ThreadView } from '../analysis/view-model.js';
import { escapeForTerminal, faulthandlerAscii } from './sanitize.js';

function frameLine(f: FrameView): string {
  const file = f.file === null ? '???' : `"${faulthandlerAscii(f.file)}"`;
  const line = f.line === null || f.line < 0 ? '???' : String(f.line);
  const name = f.function === null ? '???' : faulthandlerAscii(f.function);
  return `  File ${file}, line ${line} in ${name}`;
}

function threadBlock(t: ThreadView, r: AnalyzeReport, out: string[]): void {
  const style = r.faulthandler!;
  const id = t.thread_id ?? '0x' + '?'.repeat(16);
  out.push(`${t.current ? 'Current thread' : 'Thread'} ${id} (most recent call first):`);
  if (t.frames.length === 0) {
    out.push(style.emptyStack);
    return;
  }
  t.frames.slice(0, style.maxFrames).forEach((f) => {
    out.push(frameLine(f));
    // --locals: pycore's addition, indented under the frame line it belongs to.
    for (const l of f.locals ?? []) out.push(`    ${escapeForTerminal(l.name)} = ${escapeForTerminal(l.repr)}`);
    if (f.locals_unreadable) out.push(`    [!] locals: ${escapeForTerminal(f.locals_unreadable)}`);
  });
  if (t.frames.length > style.maxFrames && style.truncation !== null) out.push(style.truncation);
}

/** faulthandler's output for this report: the fatal line (when a signal is known), then every thread. */
export function faulthandlerBlock(r: AnalyzeReport, options: { allFrames?: boolean } = {}): string[] {
  const out: string[] = [];
  if (!r.faulthandler) return out;
  const style = options.allFrames ? { ...r.faulthandler, maxFrames: Number.MAX_SAFE_INTEGER } : r.faulthandler;
  const view = { ...r, faulthandler: style };
  const text = r.signal && !r.fatal_error_from ? faulthandlerSignalText[r.signal.number] : undefined;
  if (text) out.push(`Fatal Python error: ${text}`, '');
  r.threads.forEach((t, i) => {
    if (i > 0) out.push('');
    if (i >= style.maxThreads) {
      out.push('...');
      return;
    }
    threadBlock(t, view, out);
  });
  const ext = r.extension_modules;
  if (r.faulthandler.extensionModules && ext && ext.length > 0) out.push('', `Extension modules: ${ext.map((m) => faulthandlerAscii(m)).join(', ')} (total: ${ext.length})`);
  return out;
}
