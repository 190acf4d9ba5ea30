// Access to the committed corpus: real cores, their ground truth, and the sysroot of binaries.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/analysis/analyze.js';
import { openCore, type CoreOptions } from '../../src/cli/open-core.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CORPUS = join(ROOT, 'corpus');
export const CORES = join(CORPUS, 'cores');
export const SYSROOT = join(CORPUS, 'sysroot');

export interface TruthFrame {
  function: string;
  qualname: string | null;
  file: string;
  line: number;
}

export interface TruthThread {
  thread_id: string;
  native_id: number;
  name: string;
  current: boolean;
  frames: TruthFrame[];
  faulthandler_truncated: boolean;
  depth: number;
}

export interface Truth {
  label: string;
  scenario: string;
  python: { version: string; executable: string; build: string };
  process: { pid: number; argv: string[] };
  signal: { number: number; name: string } | null;
  faulthandler_text: string | null;
  threads: TruthThread[];
}

export interface CorpusCore {
  name: string;
  core: string;
  truth: Truth;
}

export function corpusCores(): CorpusCore[] {
  if (!existsSync(CORES)) return [];
  return readdirSync(CORES)
    .filter((f) => f.endsWith('.truth.json'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.truth\.json$/, '');
      return { name, core: join(CORES, `${name}.core.gz`), truth: JSON.parse(readFileSync(join(CORES, f), 'utf8')) as Truth };
    })
    .filter((c) => c.truth.python !== null);
}

export function nonPythonCore(): string {
  return join(CORES, 'nonpython-sleep.core.gz');
}

export async function analyzeCore(core: string, options: CoreOptions = { sysroot: SYSROOT }) {
  const target = await openCore(core, options);
  return analyze(target);
}
