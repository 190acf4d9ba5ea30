// `npm pack`, then `npm install -g` of the tarball into a fresh prefix, gives a working `pycore`
// on that prefix's PATH: the tarball holds everything the command needs (bin, dist, the
// dependencies it declares), nothing is resolved from this checkout. dist/ is fresh (the test
// setup builds it), so the pack skips `prepare` (tsc); the install takes the dependencies from
// npm's cache when `npm ci` has filled it (--prefer-offline), else from the registry.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORES, ROOT, SYSROOT } from './helpers/corpus.js';

let work: string;
let files: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pycore-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
  files = packed[0].files.map((f) => f.path);
  execFileSync('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error', join(work, packed[0].filename)], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `pycore` found on a PATH that holds only the installed prefix's bin and node. */
function installed(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { ...process.env, ...extraEnv, PATH: `${join(work, 'prefix', 'bin')}:${join(process.execPath, '..')}` };
  return spawnSync('pycore', args, { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
}

describe('the npm package', () => {
  it('holds the entry point and the compiled CLI, no sources or tests', () => {
    expect(files).toContain('bin/pycore.js');
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('dist/src/cli/triage-worker.js');
    expect(files).toContain('dist/cli/census-worker.js');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('corpus/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('installed globally, `pycore --version` runs from PATH', () => {
    expect(readdirSync(join(work, 'prefix', 'bin'))).toEqual(['pycore']);
    const r = installed(['--version']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  });

  it('the installed pycore analyzes a corpus core and triages it on its worker threads', () => {
    const core = join(CORES, '3.12-segv-threads.core.gz');
    const a = installed(['analyze', core, '--sysroot', SYSROOT]);
    expect(a.status).toBe(0);
    expect(a.stdout).toContain('Current thread 0x');
    const t = installed(['triage', core, '--sysroot', SYSROOT, '--format', 'json']);
    expect(t.status).toBe(0);
    expect(JSON.parse(t.stdout).analyzed).toBe(1);
  });

  it('the installed pycore counts the heap on worker threads, as on one', () => {
    const core = join(CORES, '3.12-census.core.gz');
    const args = ['heap', core, '--sysroot', SYSROOT, '--format', 'json', '--top', '0'];
    const threads = installed(args, { PYCORE_HEAP_THREADS: '2' });
    expect(threads.stderr).toBe('');
    expect(threads.status).toBe(0);
    expect(threads.stdout).toBe(installed(args, { PYCORE_HEAP_THREADS: '0' }).stdout);
  });
});
