// The fuzz campaign's guarantees as regular tests: every saved reproducer (test/fuzz-regressions)
// stays fixed, and a short fixed-seed campaign runs in CI. `npm run fuzz` runs longer ones.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM JavaScript without type declarations
import { applyMutations, planMutations, rng } from '../fuzz/mutate.mjs';
// @ts-expect-error plain ESM JavaScript without type declarations
import { buildInput, runCommand } from '../fuzz/campaign.mjs';
import { CORES, ROOT } from './helpers/corpus.js';

const work = mkdtempSync(join(tmpdir(), 'pycore-fuzz-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const base = (name: string) => gunzipSync(readFileSync(join(CORES, name)));

const regressionDir = join(ROOT, 'test', 'fuzz-regressions');
const cases = readdirSync(regressionDir).filter((f) => f.endsWith('.json'));

// Each reproducer the campaign saved becomes a test of its own (none saved: no such tests).
describe.runIf(cases.length > 0)('fuzz regressions', () => {
  const dir = regressionDir;
  for (const f of cases) {
    it(`${f} no longer fails`, () => {
      const rec = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const path = join(work, f.replace(/\.json$/, rec.kind === 'log' ? '.log' : '.core'));
      writeFileSync(path, buildInput(rec));
      expect(runCommand(path, rec.command).failure, f).toBeNull();
    });
  }
});

describe('in-process worker pool', () => {
  it('captures output and exit codes, and stops hangs and memory overruns, replacing the worker', async () => {
    // @ts-expect-error plain ESM JavaScript without type declarations
    const { WorkerPool } = await import('../fuzz/pool.mjs');
    const pool = new WorkerPool(ROOT, { size: 1, budgetMs: 8000, memoryMb: 96, mainUrl: pathToFileURL(join(ROOT, 'test', 'helpers', 'fuzz-fake-main.mjs')).href });
    await pool.start();
    try {
      expect(await pool.run(['print'])).toMatchObject({ status: 0, stdout: 'out\n', stderr: 'err\n' });
      expect(await pool.run(['fail'])).toMatchObject({ status: 2, stdout: '', stderr: 'pycore: bad input\n' });
      expect(await pool.run(['exitcode'])).toMatchObject({ status: 1 });
      const thrown = await pool.run(['throw']);
      expect(thrown.status).toBe(3);
      expect(thrown.stderr).toMatch(/uncaught: Error: boom/);
      expect((await pool.run(['hang'])).failure).toBe('over the 8000 ms budget');
      expect((await pool.run(['heap'])).failure).toMatch(/^(over the 96 MB heap budget|process RSS over 1 x 96 MB)$/);
      expect((await pool.run(['buffers'])).failure).toBe('process RSS over 1 x 96 MB');
      // The replacement worker serves the next input as if nothing had happened.
      expect(await pool.run(['print'])).toMatchObject({ status: 0, stdout: 'out\n' });
      expect(pool.respawns).toBe(3);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

// Child-process mode, the reference: each input in its own `node bin/pycore.js`.
const COMMANDS = [
  ['analyze', '--format', 'json'],
  ['analyze', '--format', 'json', '--locals', '--native'],
  ['analyze', '--all-frames', '--tasks'],
  ['heap', '--format', 'json'],
  ['heap', '--malloc-stats'],
  ['files', '--format', 'json'],
];

describe('short fixed-seed campaign', () => {
  it('finds no crash, hang, overrun or broken JSON in 12 mutated cores, one process each', () => {
    const random = rng(20261122);
    const names = ['3.8-segv-threads.core.gz', '3.10-locals.core.gz', '3.11-gcore-live.core.gz', '3.12-segv-threads.core.gz', '3.13-locals.core.gz', 'debian-3.11-abort.core.gz'];
    for (let i = 0; i < 12; i++) {
      const name = names[i % names.length];
      const mutations = planMutations(base(name), random, 1 + Math.floor(random() * 6));
      const path = join(work, `c${i}.core`);
      writeFileSync(path, applyMutations(base(name), mutations));
      const command = COMMANDS[i % COMMANDS.length];
      const r = runCommand(path, command, 30_000, 512);
      expect(r.failure, `${name} ${command.join(' ')} ${JSON.stringify(mutations)}`).toBeNull();
    }
  }, 300_000);

  it('finds no failure in 100 mutated cores and logs across every command, in-process', () => {
    const summary = join(work, 'summary.json');
    // Five small cores (3.8, 3.10, 3.12, 3.13, a Debian debug build): ~10 s on an idle 2-CPU machine.
    const cores = '3.8-hostile,3.10-recursion,3.12-locals,3.13-hostile,debian-3.11d-locals';
    const r = spawnSync(process.execPath, [join(ROOT, 'fuzz', 'campaign.mjs'), '--inputs', '100', '--seed', '20261122', '--workers', '1', '--cores', cores, '--save', 'false', '--summary', summary], { encoding: 'utf8', timeout: 240_000 });
    const s = JSON.parse(readFileSync(summary, 'utf8'));
    expect(s.inputs_tried, r.stdout + r.stderr).toBe(100);
    expect(s.reproducers.still_failing).toEqual([]);
    expect(Object.keys(s.per_command).sort()).toEqual(['analyze', 'explain', 'files', 'heap', 'path', 'referrers', 'refs', 'show', 'triage']);
    expect(s.failures, r.stdout).toEqual([]);
  }, 300_000);
});
