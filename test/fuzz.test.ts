// The fuzz campaign's guarantees as regular tests: every saved reproducer (test/fuzz-regressions)
// stays fixed, and a short fixed-seed campaign runs in CI. `npm run fuzz` runs longer ones.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM JavaScript without type declarations
import { applyMutations, planMutations, rng } from '../fuzz/mutate.mjs';
// @ts-expect-error plain ESM JavaScript without type declarations
import { runCommand, COMMANDS } from '../fuzz/campaign.mjs';
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
      const path = join(work, f.replace(/\.json$/, '.core'));
      writeFileSync(path, applyMutations(base(rec.base), rec.mutations));
      expect(runCommand(path, rec.command).failure, f).toBeNull();
    });
  }
});

describe('short fixed-seed campaign', () => {
  it('finds no crash, hang, overrun or broken JSON in 12 mutated cores', () => {
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
});
