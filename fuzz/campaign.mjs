#!/usr/bin/env node
// `npm run fuzz [-- --inputs N --seed S --budget-ms T]`: mutate corpus cores and run every
// command on each input in a child process with a time and memory budget. A failure is an
// internal error (exit 3), a crash, a time or memory overrun, or output that is not valid
// JSON; each is saved as a reproducer under test/fuzz-regressions/ and becomes a test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { applyMutations, planMutations, readBase, rng } from './mutate.mjs';
import { planTargeted } from './targets.mjs';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)));
const inputs = Number(args.inputs ?? 40);
const seed = Number(args.seed ?? 1);
const budgetMs = Number(args['budget-ms'] ?? 20000);
const memoryMb = Number(args['memory-mb'] ?? 512);
const SYSROOT = join(ROOT, 'corpus', 'sysroot');

export const COMMANDS = [
  ['analyze', '--format', 'json'],
  ['analyze', '--format', 'json', '--locals'],
  ['analyze', '--all-frames'],
];

export function runCommand(corePath, command, budget = budgetMs, memory = memoryMb) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${memory}`, join(ROOT, 'bin', 'pycore.js'), command[0], corePath, '--sysroot', SYSROOT, ...command.slice(1)], {
    encoding: 'utf8',
    timeout: budget,
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Date.now() - t0;
  let failure = null;
  if (r.error && r.error.code === 'ETIMEDOUT') failure = `over the ${budget} ms budget`;
  else if (r.signal) failure = `killed by ${r.signal}`;
  else if (r.status === 3) failure = `internal error: ${r.stderr.trim().split('\n').pop()}`;
  else if (![0, 1, 2].includes(r.status)) failure = `exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`;
  else if (r.stderr.split('\n').filter(Boolean).length > 1) failure = `more than one line on stderr: ${r.stderr.slice(0, 300)}`;
  else if (command.includes('json') && r.status !== 2) {
    try {
      const j = JSON.parse(r.stdout);
      if (!Array.isArray(j.threads) || !Array.isArray(j.warnings)) failure = 'JSON lacks threads/warnings';
    } catch {
      failure = `invalid JSON (exit ${r.status})`;
    }
  }
  return { failure, ms, status: r.status };
}

async function main() {
  const cores = readdirSync(join(ROOT, 'corpus', 'cores')).filter((f) => f.endsWith('.core.gz') && !f.includes('-big.'));
  const random = rng(seed);
  const work = mkdtempSync(join(tmpdir(), 'pycore-fuzz-'));
  const summary = { seed, inputs, budget_ms: budgetMs, memory_mb: memoryMb, runs: 0, per_command: {}, failures: [] };
  const bases = new Map();
  try {
    for (let i = 0; i < inputs; i++) {
      const name = cores[Math.floor(random() * cores.length)];
      if (!bases.has(name)) bases.set(name, gunzipSync(readBase(join(ROOT, 'corpus', 'cores', name))));
      const base = bases.get(name);
      // Half the inputs mutate random words; half the very fields pycore reads.
      const targeted = random() < 0.5;
      const mutations = targeted
        ? await planTargeted(ROOT, join(ROOT, 'corpus', 'cores', name), random, 1 + Math.floor(random() * 4))
        : planMutations(base, random, 1 + Math.floor(random() * 6));
      const path = join(work, `input-${i}.core`);
      writeFileSync(path, applyMutations(base, mutations));
      const command = COMMANDS[Math.floor(random() * COMMANDS.length)];
      const res = runCommand(path, command);
      summary.runs++;
      summary.per_command[command.join(' ')] = (summary.per_command[command.join(' ')] ?? 0) + 1;
      if (res.failure) {
        const rec = { base: name, command, mutations, failure: res.failure, seed, input: i };
        summary.failures.push(rec);
        mkdirSync(join(ROOT, 'test', 'fuzz-regressions'), { recursive: true });
        writeFileSync(join(ROOT, 'test', 'fuzz-regressions', `${basename(name, '.core.gz')}-s${seed}-i${i}.json`), JSON.stringify(rec, null, 1) + '\n');
        console.log(`FAIL ${i} ${name} ${command.join(' ')}: ${res.failure}`);
      }
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(ROOT, 'fuzz', 'last-summary.json'), JSON.stringify(summary, null, 1) + '\n');
  console.log(`fuzz: ${summary.runs} inputs, ${summary.failures.length} failures (seed ${seed})`);
  process.exitCode = summary.failures.length ? 1 : 0;
}

if (process.argv[1] && process.argv[1].endsWith('campaign.mjs')) await main();
