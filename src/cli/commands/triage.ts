// `pycore triage DIR|FILES...`: analyze many cores in parallel (worker threads, at most one per
// CPU), compute each one's crash signature, group identical ones, and print the table.
import { Option, type Command } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIGNATURE_FRAMES, groupEntries, type TriageEntry } from '../../analysis/triage.js';
import { Progress } from '../../io/progress.js';
import { renderTriageJson } from '../../reports/triage-json.js';
import { renderTriageMarkdown } from '../../reports/triage-md.js';
import { renderTriageText } from '../../reports/triage-text.js';
import { EXIT, fail, progressStream, wholeNumberArg, withCoreOptions } from '../common.js';
import type { CoreOptions } from '../open-core.js';
import { runTriagePool } from '../triage-pool.js';

/** More inputs than this is a mistake (a directory of something else), not a batch of cores. */
const MAX_INPUTS = 100_000;
const WORKER_HEAP_MB = 1024;

type TriageArgs = CoreOptions & { format: string; frames: number; jobs?: number; timeout: number };

/** How deep below a DIR triage looks (crash trees are a few levels: host/date/core). */
const MAX_DEPTH = 8;

/**
 * The files to triage: each FILE as given, each DIR's regular files and those of its
 * subdirectories (at most MAX_DEPTH levels down), in name order. Symbolic links are followed,
 * but a directory or file already seen (by device and inode) is not taken again, so a link
 * loop ends and a linked file is counted once.
 */
function collectInputs(args: string[]): { cores: string[]; missing: TriageEntry[] } {
  const cores: string[] = [];
  const missing: TriageEntry[] = [];
  const seen = new Set<string>();
  const once = (st: { dev: number; ino: number }) => {
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      missing.push({ core: dir, mtime_ms: null, status: 'failed', reason: `cannot list the directory (${(e as Error).message})` });
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // a dangling link or a file removed meanwhile
      }
      if (st.isDirectory()) {
        if (!once(st)) continue;
        if (depth < MAX_DEPTH) walk(p, depth + 1);
        else missing.push({ core: p, mtime_ms: null, status: 'failed', reason: `a directory more than ${MAX_DEPTH} levels down: not searched; pass it as a DIR of its own` });
      } else if (st.isFile() && once(st)) cores.push(p);
      if (cores.length > MAX_INPUTS) fail(`more than ${MAX_INPUTS} files to triage; pass a directory of cores (or fewer files)`, EXIT.usage);
    }
  };
  for (const a of args) {
    let st;
    try {
      st = statSync(a);
    } catch {
      missing.push({ core: a, mtime_ms: null, status: 'failed', reason: 'no such file or directory' });
      continue;
    }
    if (!once(st)) continue;
    if (st.isDirectory()) walk(a, 1);
    else cores.push(a);
  }
  return { cores, missing };
}

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('triage')
      .argument('<paths...>', `core files, or directories of them, searched ${MAX_DEPTH} levels deep (e.g. /var/lib/systemd/coredump, /var/crash)`)
      .description('analyze many cores in parallel and group them by crash signature (Python version, signal, top frames, crash site)'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'md']).default('text'))
    .option('--frames <n>', 'Python frames of the current thread in the signature', wholeNumberArg(1, 1000), DEFAULT_SIGNATURE_FRAMES)
    .option('--jobs <n>', `cores analyzed at once (default: the number of CPUs, ${availableParallelism()})`, wholeNumberArg(1, 1024))
    .option('--timeout <seconds>', 'give up on a core after this long (it is reported as failed)', wholeNumberArg(1), 300)
    .action(async (paths: string[], o: TriageArgs) => {
      const { frames, timeout } = o;
      const jobs = o.jobs ?? availableParallelism();
      const { cores, missing } = collectInputs(paths);
      if (cores.length === 0 && missing.length === 0) fail(`no files in ${paths.join(', ')}; pass core files or a directory that holds them`, EXIT.usage);
      const progress = new Progress(progressStream(), 'triage', cores.length, { describe: (d, t) => `${d} of ${t} cores` });
      const coreOptions: CoreOptions = { executable: o.executable, libPath: o.libPath, sysroot: o.sysroot };
      let entries: TriageEntry[];
      try {
        entries = await runTriagePool(cores, coreOptions, frames, { concurrency: jobs, timeoutMs: timeout * 1000, heapMb: WORKER_HEAP_MB, onProgress: (d) => progress.update(d) });
      } finally {
        progress.finish();
      }
      const report = groupEntries([...missing, ...entries], frames);
      process.stdout.write(o.format === 'json' ? renderTriageJson(report) : o.format === 'md' ? renderTriageMarkdown(report) : renderTriageText(report));
      if (report.analyzed === 0) fail(`none of the ${report.total} files could be analyzed; pass core files (see the reasons above)`, EXIT.usage);
    });
}
