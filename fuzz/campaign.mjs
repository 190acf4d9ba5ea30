#!/usr/bin/env node
// `npm run fuzz [-- --inputs N --seed S --budget-ms T --memory-mb M --workers W --mode inprocess|child]`:
// mutate corpus cores and crash logs and run every command on each (analyze with every option,
// heap, show, refs, referrers, path, files, triage on cores; explain on logs). By default each
// input runs in-process in a long-lived worker thread (fuzz/pool.mjs) with a heap cap and a
// watchdog; `--mode child` runs each in its own `node bin/pycore.js`. A failure is an uncaught
// exception or internal error (exit 3), a time or memory overrun, more than one line on stderr,
// JSON that breaks the documented schema (fuzz/schema.mjs), or raw control characters or
// terminal escapes in text output. Each failure is re-run in a child process to confirm it,
// minimized, and saved under test/fuzz-regressions/, which test/fuzz.test.ts replays.
// A JSON summary goes to fuzz/last-summary.json (or --summary FILE).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { applyLogMutations, applyMutations, planLogMutations, planMutations, rng } from './mutate.mjs';
import { SCHEMAS } from './schema.mjs';
import { describeBase, planTargeted } from './targets.mjs';

export const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const SYSROOT = join(ROOT, 'corpus', 'sysroot');
const LOGS = join(ROOT, 'corpus', 'logs');

/** Small cores of every version and build: the most inputs per second across all decoders. */
export const DEFAULT_CORES = ['3.8-hostile', '3.9-locals', '3.10-recursion', '3.11-locals', 'debian-3.11-hostile', 'debian-3.11d-locals', '3.12-locals', '3.12-debugmalloc', '3.13-hostile', '3.13-recursion', '3.8-tasks', '3.12-heap', '3.12-debugmalloc-trace', '3.12-tracerefs-locals', 'nonpython-sleep'].map((c) => `${c}.core.gz`);

/** The argv of `pycore` for one input: the command, the input file, the options. */
export function argvFor(path, command) {
  const [name, ...rest] = command;
  if (name === 'explain') return [name, path, ...rest];
  // '--no-binaries' (a campaign token, not a pycore option): a sysroot that holds none of the
  // core's files, so pycore must find the interpreter by scanning the mutated memory.
  const hidden = rest.includes('--no-binaries');
  return [name, path, '--sysroot', hidden ? join(ROOT, 'fuzz') : SYSROOT, ...rest.filter((x) => x !== '--no-binaries')];
}

/** Why a finished run is a failure, or null. `status` is the exit code. */
export function judge(command, status, stdout, stderr) {
  const lines = stderr.split('\n').filter(Boolean);
  if (status === 3) return `internal error: ${lines.pop() ?? ''}`;
  if (![0, 1, 2].includes(status)) return `exit ${status}: ${lines.pop() ?? ''}`;
  if (lines.length > 1) return `more than one line on stderr: ${stderr.slice(0, 300)}`;
  if (/^\s+at .*\(.*:\d+:\d+\)/m.test(stderr)) return `stack trace on stderr: ${stderr.slice(0, 300)}`;
  const fmt = command[command.indexOf('--format') + 1];
  const json = command.includes('--format') && fmt === 'json' && !command.includes('-');
  if (json && stdout.length > 0) {
    let j;
    try {
      j = JSON.parse(stdout);
    } catch {
      return `invalid JSON (exit ${status})`;
    }
    const bad = SCHEMAS[command[0]]?.(j);
    if (bad) return `JSON breaks the schema: ${bad}`;
    if (command[0] === 'triage') {
      const f = j.failed.find((x) => /internal error|took longer than|ran out of memory|worker analyzing it exited/.test(x.reason));
      if (f) return `triage: ${f.reason}`;
    }
  } else {
    // Text and Markdown: strings from the core or log are escaped, so no raw control character
    // (other than newline and tab) or C1 control may reach the terminal.
    // Nor may the line/paragraph separators and bidi overrides that disguise what is shown.
    const m = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/.exec(stdout);
    if (m) return `raw control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} in output: ${JSON.stringify(stdout.slice(Math.max(0, m.index - 60), m.index + 20))}`;
    if (command[0] === 'triage' && /internal error|took longer than|ran out of memory|worker analyzing it exited/.test(stdout)) return 'triage reported an internal failure';
  }
  return null;
}

/** Runs one input in its own node process (the reference mode, and how failures are confirmed). */
export function runCommand(path, command, budget = 20000, memory = 512) {
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, `--max-old-space-size=${memory}`, join(ROOT, 'bin', 'pycore.js'), ...argvFor(path, command)], {
    encoding: 'utf8',
    timeout: budget,
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Date.now() - t0;
  // /usr/bin/time appends the peak RSS (KiB) as the last stderr line.
  const errLines = (r.stderr ?? '').replace(/\n$/, '').split('\n');
  const rssMb = Number(errLines.pop()) / 1024;
  const stderr = errLines.filter((l) => !/^Command (exited with non-zero status|terminated by signal)/.test(l)).join('\n');
  let failure = null;
  if (r.error && r.error.code === 'ETIMEDOUT') failure = `over the ${budget} ms budget`;
  else if (r.signal) failure = `killed by ${r.signal}`;
  else if (rssMb > memory) failure = `peak RSS ${Math.round(rssMb)} MB over the ${memory} MB budget`;
  else failure = judge(command, r.status, r.stdout, stderr);
  return { failure, ms, status: r.status, rssMb };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith('--')) o[argv[i].slice(2)] = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  return o;
}

/** One command line for an input, chosen with the campaign's random source. */
/** One value in each command's band of planCommand: the first core inputs of a campaign run every command once, so a short campaign covers them all. */
const EVERY_COMMAND = [0.1, 0.5, 0.65, 0.75, 0.85, 0.9, 0.95, 0.99];

function planCommand(random, kind, addresses, coreIndex = Infinity) {
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const maybe = (p, xs) => (random() < p ? xs : []);
  if (kind === 'log') return ['explain', ...maybe(0.5, ['--format', 'json'])];
  const drawn = random();
  const r = coreIndex < EVERY_COMMAND.length ? EVERY_COMMAND[coreIndex] : drawn;
  const addr = addresses.length ? pick(addresses) : '0x10';
  if (r < 0.45) {
    const native = pick([[], [], ['--native'], ['--native-all']]);
    return ['analyze', '--format', pick(['text', 'json', 'md']), ...maybe(0.4, ['--locals']), ...native, ...maybe(0.25, ['--tasks']), ...maybe(0.2, ['--all-frames']), ...maybe(0.15, ['--layouts', pick(['dwarf', 'debug-offsets', 'builtin'])]), ...maybe(0.15, ['--max-depth', '2', '--max-items', '3', '--max-str', '8']), ...maybe(0.15, ['--check', addr]), ...maybe(0.1, ['--referrers']), ...maybe(0.15, ['--no-binaries'])];
  }
  if (r < 0.62) {
    const fmt = ['--format', pick(['text', 'json'])];
    return pick([['heap', ...fmt], ['heap', '--malloc-stats', ...fmt], ['heap', '--leaks', '--threshold', '1', ...fmt], ['heap', '--type', pick(['dict', 'Leaky', 'int', '__main__.Node']), '--sort', 'count', '--top', '5', ...fmt], ['heap', '--sort', pick(['bytes', 'count']), '--top', pick(['0', '3']), '--largest', '3', ...fmt]]);
  }
  const fmt = ['--format', pick(['text', 'json'])];
  if (r < 0.72) return ['show', addr, ...fmt, ...maybe(0.3, ['--offset', '1', '--limit', '3'])];
  if (r < 0.8) return ['refs', addr, ...fmt, ...maybe(0.2, ['--dot', '-'])];
  if (r < 0.87) return ['referrers', addr, ...fmt, ...maybe(0.2, ['--dot', '-'])];
  if (r < 0.93) return ['path', addr, ...fmt, ...maybe(0.3, ['--max-levels', '3']), ...maybe(0.2, ['--dot', '-'])];
  if (r < 0.98) return ['files', ...fmt];
  return ['triage', '--format', pick(['text', 'json', 'md']), '--jobs', '1', '--timeout', '15'];
}

/** The bytes of input `rec` ({kind, base, mutations}): how regression tests rebuild it. */
export function buildInput(rec, cache = new Map()) {
  const key = `${rec.kind ?? 'core'}:${rec.base}`;
  if (!cache.has(key)) cache.set(key, rec.kind === 'log' ? readFileSync(join(LOGS, rec.base)) : gunzipSync(readFileSync(join(ROOT, 'corpus', 'cores', rec.base))));
  const base = cache.get(key);
  return rec.kind === 'log' ? applyLogMutations(base, rec.mutations, (n) => readFileSync(join(LOGS, n))) : applyMutations(base, rec.mutations);
}

/** Fewest mutations that still fail in a child process (each one dropped in turn, greedily). */
function minimize(rec, work, budget, memory) {
  let muts = rec.mutations;
  for (let i = muts.length - 1; i >= 0 && muts.length > 1; i--) {
    const trial = muts.filter((_, k) => k !== i);
    const p = join(work, 'minimize.in');
    writeFileSync(p, buildInput({ ...rec, mutations: trial }));
    if (runCommand(p, rec.command, budget, memory).failure) muts = trial;
    rmSync(p, { force: true });
  }
  return muts;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const inputs = Number(a.inputs ?? 40);
  const seed = Number(a.seed ?? 1);
  const budgetMs = Number(a['budget-ms'] ?? 20000);
  const memoryMb = Number(a['memory-mb'] ?? 512);
  const mode = a.mode ?? 'inprocess';
  const workers = Number(a.workers ?? 1);
  const summaryPath = a.summary ?? join(ROOT, 'fuzz', 'last-summary.json');
  const save = a.save !== 'false';
  const cores = (a.cores ? a.cores.split(',').map((c) => (c.endsWith('.core.gz') ? c : `${c}.core.gz`)) : DEFAULT_CORES).filter((c) => existsSync(join(ROOT, 'corpus', 'cores', c)));
  const logs = readdirSync(LOGS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(LOGS, d.name)).filter((f) => f.endsWith('.log')).map((f) => `${d.name}/${f}`));
  const logShare = Number(a['log-share'] ?? 0.1);

  const random = rng(seed);
  const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'pycore-fuzz-'));
  const t0 = Date.now();
  const summary = {
    seed,
    mode,
    workers,
    inputs_planned: inputs,
    budget_ms: budgetMs,
    memory_mb: memoryMb,
    cores,
    logs: logs.length,
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? null, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
    started: new Date(t0).toISOString(),
    inputs_tried: 0,
    per_command: {},
    exit_codes: {},
    failures_found: 0,
    failures_unconfirmed: 0,
    failures_repeated: 0,
    failure_kinds: {},
    worker_respawns: 0,
    duration_s: 0,
    inputs_per_s: 0,
    failures: [],
  };
  const writeSummary = () => {
    summary.duration_s = Math.round((Date.now() - t0) / 100) / 10;
    summary.inputs_per_s = Math.round((summary.inputs_tried / Math.max(summary.duration_s, 0.1)) * 10) / 10;
    summary.worker_respawns = pool?.respawns ?? 0;
    writeFileSync(summaryPath, JSON.stringify(summary, null, 1) + '\n');
  };
  let pool = null;
  const cache = new Map();
  const described = new Map();
  const onSignal = () => {
    writeSummary();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (mode === 'inprocess') {
      const { WorkerPool } = await import('./pool.mjs');
      pool = new WorkerPool(ROOT, { size: workers, budgetMs, memoryMb });
      await pool.start();
    }
    // Every saved reproducer first: the summary says how many of the failures found so far
    // (in this and earlier campaigns) are fixed.
    const regDir = join(ROOT, 'test', 'fuzz-regressions');
    const saved = existsSync(regDir) ? readdirSync(regDir).filter((f) => f.endsWith('.json')) : [];
    summary.reproducers = { saved: saved.length, passing: 0, still_failing: [] };
    for (const f of saved) {
      const rec = JSON.parse(readFileSync(join(regDir, f), 'utf8'));
      const path = join(work, `reproducer${rec.kind === 'log' ? '.log' : '.core'}`);
      writeFileSync(path, buildInput(rec));
      const res = mode === 'child' ? runCommand(path, rec.command, budgetMs, memoryMb) : await pool.run(argvFor(path, rec.command));
      const failure = res.failure ?? (mode === 'child' ? null : judge(rec.command, res.status, res.stdout, res.stderr));
      if (failure) summary.reproducers.still_failing.push(`${f}: ${failure}`);
      else summary.reproducers.passing++;
      rmSync(path, { force: true });
    }
    const inflight = new Set();
    const record = async (i, rec, path, res) => {
      summary.inputs_tried++;
      summary.per_command[rec.command[0]] = (summary.per_command[rec.command[0]] ?? 0) + 1;
      // How deep inputs got: exit 0 (something shown), 1 (no Python state), 2 (input refused).
      const ec = (summary.exit_codes[rec.command[0]] ??= {});
      const st = res.failure ? 'failed' : String(res.status);
      ec[st] = (ec[st] ?? 0) + 1;
      const failure = res.failure ?? (mode === 'child' ? null : judge(rec.command, res.status, res.stdout, res.stderr));
      // One root cause tends to fail many inputs: the first few of each kind are confirmed,
      // minimized and saved; the rest are only counted.
      const kind = failure && `${rec.command[0]}: ${failure.replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 70)}`;
      if (kind) summary.failure_kinds[kind] = (summary.failure_kinds[kind] ?? 0) + 1;
      if (failure && summary.failure_kinds[kind] > 2) {
        summary.failures_repeated++;
      } else if (failure) {
        // The worker's verdict is confirmed in a fresh process before anything is saved.
        const confirmed = mode === 'child' ? { failure } : runCommand(path, rec.command, budgetMs, memoryMb);
        if (!confirmed.failure) {
          summary.failures_unconfirmed++;
          summary.failures.push({ ...rec, input: i, failure, confirmed: false });
          console.log(`UNCONFIRMED ${i} ${rec.base} ${rec.command.join(' ')}: ${failure}`);
        } else {
          const mutations = minimize(rec, work, budgetMs, memoryMb);
          const saved = { ...rec, mutations, failure: confirmed.failure, seed, input: i };
          summary.failures_found++;
          summary.failures.push({ ...saved, confirmed: true });
          if (save) {
            mkdirSync(join(ROOT, 'test', 'fuzz-regressions'), { recursive: true });
            writeFileSync(join(ROOT, 'test', 'fuzz-regressions', `${basename(rec.base).replace(/\.(core\.gz|log)$/, '')}-${rec.command[0]}-s${seed}-i${i}.json`), JSON.stringify(saved, null, 1) + '\n');
          }
          console.log(`FAIL ${i} ${rec.base} ${rec.command.join(' ')}: ${confirmed.failure}`);
        }
      }
      rmSync(path, { force: true });
      if (summary.inputs_tried % 500 === 0) {
        writeSummary();
        console.log(`${summary.inputs_tried} inputs, ${summary.failures_found} failures, ${summary.inputs_per_s}/s`);
      }
    };
    let coreInputs = 0;
    for (let i = 0; i < inputs; i++) {
      const isLog = random() < logShare;
      let rec;
      if (isLog) {
        const base = logs[Math.floor(random() * logs.length)];
        const bytes = readFileSync(join(LOGS, base));
        rec = { kind: 'log', base, mutations: planLogMutations(bytes, random, 1 + Math.floor(random() * 4), logs), command: null };
        rec.command = planCommand(random, 'log', []);
      } else {
        const base = cores[Math.floor(random() * cores.length)];
        const key = `core:${base}`;
        if (!cache.has(key)) cache.set(key, gunzipSync(readFileSync(join(ROOT, 'corpus', 'cores', base))));
        if (!described.has(base)) {
          const plain = join(work, `base-${base.replace(/\.gz$/, '')}`);
          writeFileSync(plain, cache.get(key));
          described.set(base, await describeBase(ROOT, plain));
        }
        // Half the inputs mutate random words; half the very fields pycore reads.
        const targeted = random() < 0.5;
        const mutations = targeted
          ? await planTargeted(ROOT, join(work, `base-${base.replace(/\.gz$/, '')}`), random, 1 + Math.floor(random() * 4))
          : planMutations(cache.get(key), random, 1 + Math.floor(random() * 6));
        rec = { kind: 'core', base, mutations, command: planCommand(random, 'core', described.get(base).addresses, coreInputs++) };
      }
      const path = join(work, `input-${i}${isLog ? '.log' : '.core'}`);
      writeFileSync(path, buildInput(rec, cache));
      if (mode === 'child') {
        await record(i, rec, path, runCommand(path, rec.command, budgetMs, memoryMb));
        continue;
      }
      const p = pool.run(argvFor(path, rec.command)).then((res) => record(i, rec, path, res));
      inflight.add(p);
      p.then(() => inflight.delete(p));
      if (inflight.size >= workers * 2) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    await pool?.close();
    rmSync(work, { recursive: true, force: true });
  }
  summary.finished = new Date().toISOString();
  writeSummary();
  console.log(`fuzz: ${summary.inputs_tried} inputs in ${summary.duration_s} s (${summary.inputs_per_s}/s), ${summary.failures_found} failures, ${summary.failures_unconfirmed} unconfirmed (seed ${seed})`);
  process.exitCode = summary.failures_found ? 1 : 0;
}

if (process.argv[1] && process.argv[1].endsWith('campaign.mjs')) await main();
