// `pycore triage --format md`: the same table in Markdown, for a bug tracker or a wiki page.
import { signatureFrameText, signatureHeadline, type TriageReport } from '../analysis/triage.js';
import { mdCell, mdCode } from './markdown-util.js';
import { noFramesText, triageSummary, triageTime } from './triage-text.js';

export function renderTriageMarkdown(r: TriageReport): string {
  const out: string[] = [`## pycore triage: ${triageSummary(r)}`, ''];
  out.push(`Signature: Python version, signal, native crash site, and the top ${r.frames_per_signature} frames of the current thread. Times are core mtimes (UTC).`, '');
  if (r.groups.length) {
    out.push('| Count | First seen | Last seen | Signature | Example |', '| ---: | --- | --- | --- | --- |');
    for (const g of r.groups) {
      const lines = [mdCode(signatureHeadline(g.signature)), ...g.signature.frames.map((f) => mdCode(signatureFrameText(f)))];
      const nf = noFramesText(g);
      if (nf) lines.push(nf);
      const example = mdCode(g.example) + (g.partial ? ` (${g.partial} partial)` : '');
      out.push(`| ${g.count} | ${triageTime(g.first_seen)} | ${triageTime(g.last_seen)} | ${mdCell(lines.join('<br>'))} | ${mdCell(example)} |`);
    }
  }
  if (r.failed.length) {
    out.push('', '### Could not be analyzed', '');
    for (const f of r.failed) out.push(`- ${mdCode(f.core)}: ${mdCode(f.reason)}`);
  }
  return out.join('\n') + '\n';
}
