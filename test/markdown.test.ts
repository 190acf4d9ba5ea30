// `pycore analyze --format md`: the tracebacks in the fenced blocks are faulthandler's own output
// (the corpus ground truth), and nothing from a core can break out of a code span, a fence or a
// table cell.
import { describe, expect, it } from 'vitest';
import type { AnalyzeReport } from '../src/analysis/view-model.js';
import { renderAnalyzeMarkdown } from '../src/reports/markdown.js';
import { pycore } from './helpers/cli.js';
import { SYSROOT, corpusCores } from './helpers/corpus.js';

/** The lines inside every fenced block, blocks separated by a blank line. */
function fenced(md: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    if (fence === null) {
      const m = /^(`{3,})text$/.exec(line);
      if (m) {
        fence = m[1];
        if (out.length) out.push('');
      }
    } else if (line === fence) fence = null;
    else out.push(line);
  }
  return out;
}

describe('analyze --format md', () => {
  const picks = corpusCores().filter((c) => ['3.12-segv-threads', 'debian-3.11-abort', '3.13-recursion'].includes(c.name));
  for (const c of picks) {
    it(`${c.name}: header, crash site and faulthandler's tracebacks in fences`, () => {
      const r = pycore(['analyze', c.core, '--sysroot', SYSROOT, '--format', 'md']);
      expect(r.code).toBe(0);
      const md = r.stdout;
      const t = c.truth;
      expect(md.split('\n')[0]).toBe(`## pycore: ${t.signal!.name} in Python ${t.python.version} (pid ${t.process.pid})`);
      expect(md).toContain(`| Process | pid ${t.process.pid}: \`${t.process.argv.join(' ')}\` |`);
      expect(md).toMatch(/\| Crash site \| thread \d+ in `libc\.so\.6` at `/);
      // Plain text stays plain: no backslash before punctuation that cannot act ("3.12.1", "SI_TKILL (").
      expect(md).toContain(`| Python | ${t.python.version} (${t.python.build === 'debug' ? 'debug' : 'release'}) in \``);
      expect(md).toMatch(/\| Signal \| SIG[A-Z]+ \(\d+\), SI_[A-Z]+ \(sent by [a-z/]+\)/);
      const [fatal, , ...rest] = t.faulthandler_text!.replace(/\n$/, '').split('\n');
      expect(md).toContain(`\`${fatal}\``);
      expect(fenced(md)).toEqual(rest);
    });
  }

  it('keeps hostile strings from a core inside their code spans, fences and cells', () => {
    const evil = 'x```\n| <script>`';
    const report: AnalyzeReport = {
      core: `/tmp/${evil}`,
      python: { version: '3.12.1', version_source: 'Py_Version', executable: null, module: `/lib/${evil}`, build: 'release', layout_source: 'builtin' },
      process: { pid: 1, argv: [evil], argv_source: 'stack', executable: null },
      signal: null,
      crash_site: null,
      current_thread_rule: 'none',
      threads: [{ native_id: 1, thread_id: '0x0000000000000001', current: false, interpreter_id: 0, frames: [{ function: evil, qualname: null, file: `/${evil}.py`, line: 3 }] }],
      warnings: [`cannot read ${evil}`],
      memory_errors: [],
      extension_modules: null,
      origin: null,
      faulthandler: { emptyStack: '  <no Python frame>', truncation: '  ...', maxFrames: 100, maxThreads: 100 },
    } as AnalyzeReport;
    const md = renderAnalyzeMarkdown(report);
    // Table rows stay one line each, with exactly two cells.
    for (const row of md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))) expect(row.split(/(?<!\\)\|/).length, row).toBe(4);
    // The fence is longer than any backtick run inside it.
    const open = md.split('\n').find((l) => /^`{3,}text$/.test(l))!;
    expect(open.length - 'text'.length).toBeGreaterThan(3);
    expect(fenced(md).join('\n')).toContain('  File "/x```\\x0a| <script>`.py", line 3 in x```\\x0a| <script>`');
    expect(md).toContain('- cannot read x\\`\\`\\`\\\\x0a\\| \\<script\\>\\`');
  });
});
