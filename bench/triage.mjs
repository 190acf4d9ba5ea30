#!/usr/bin/env node
// `node bench/triage.mjs`: how fast `pycore triage` gets through a batch of cores, and how much
// memory it takes doing so. The batch is N symbolic links (default 200) to the corpus cores, in
// turn, in a temporary directory; every run uses a fresh, empty cache directory of its own.
//
//   cold: the cache starts empty, so each distinct core is also decompressed (gzip) once;
//   warm: the same batch again with that cache kept, so only analysis is measured.
//
// Figures: wall time, cores per second, peak RSS of the whole process (worker threads share it),
// via GNU time %M when /usr/bin/time exists, else by polling /proc/PID/status VmHWM.
// Plain ESM, no dependencies; measures the compiled dist/ (run `npm run build` first).
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CORES = path.join(REPO, 'corpus', 'cores');
const SYSROOT = path.join(REPO, 'corpus', 'sysroot');
const RESULTS = path.join(REPO, 'bench', 'triage-last-run.json');

function usage() {
  return `usage: node bench/triage.mjs [--count N] [--jobs N] [--runs N]

  --count N   cores in the batch (links to the corpus cores, in turn; default 200)
  --jobs N    passed to pycore triage --jobs (default: pycore's own, one per CPU)
  --runs N    warm runs, median reported (default 3)
`;
}

function parseArgs(argv) {
  const o = { count: 200, jobs: null, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) die(`${a} needs a whole number of at least 1`);
      return n;
    };
    if (a === '--count') o.count = num();
    else if (a === '--jobs') o.jobs = num();
    else if (a === '--runs') o.runs = num();
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage());
      process.exit(0);
    } else die(`unknown option ${a}\n${usage()}`);
  }
  return o;
}

function die(msg) {
  process.stderr.write(`bench/triage: ${msg}\n`);
  process.exit(2);
}

const TIME_BIN = (() => {
  try {
    accessSync('/usr/bin/time', constants.X_OK);
    return '/usr/bin/time';
  } catch {
    return null;
  }
})();

/** Runs the command; resolves wall seconds, peak RSS bytes and its stdout. */
function measure(args, env, scratch) {
  return new Promise((resolve, reject) => {
    const tf = path.join(scratch, 'time.out');
    rmSync(tf, { force: true });
    const cmd = TIME_BIN ?? process.execPath;
    const full = TIME_BIN ? ['-o', tf, '-f', '%M', process.execPath, ...args] : args;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, full, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let hwm = 0;
    const poll = TIME_BIN
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            // exited
          }
        }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const kb = TIME_BIN && existsSync(tf) ? Number(readFileSync(tf, 'utf8').trim().split('\n').pop()) : hwm;
      resolve({ code, wall, rss: kb * 1024, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(REPO, 'dist', 'src', 'cli', 'main.js'))) die('dist/ is missing; run `npm run build` first');
  const sources = readdirSync(CORES).filter((f) => f.endsWith('.core.gz')).sort();
  if (sources.length === 0) die(`no cores in ${CORES}`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'pycore-bench-triage-'));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
  const batch = path.join(scratch, 'batch');
  const cache = path.join(scratch, 'cache');
  mkdirSync(batch);
  for (let i = 0; i < o.count; i++) {
    const src = sources[i % sources.length];
    symlinkSync(path.join(CORES, src), path.join(batch, `${String(i).padStart(4, '0')}-${src}`));
  }
  const args = [path.join(REPO, 'bin', 'pycore.js'), 'triage', batch, '--sysroot', SYSROOT, '--format', 'json', ...(o.jobs ? ['--jobs', String(o.jobs)] : [])];
  const env = { ...process.env, PYCORE_CACHE_DIR: cache };
  process.stdout.write(`triage of ${o.count} cores (links to ${sources.length} corpus cores), ${o.jobs ?? os.availableParallelism()} jobs, ${os.availableParallelism()} CPUs\n`);

  const check = (r) => {
    if (r.code !== 0) die(`pycore triage exited ${r.code}: ${r.stderr.trim()}`);
    const rep = JSON.parse(r.stdout);
    if (rep.total !== o.count) die(`expected ${o.count} cores in the report, got ${rep.total}`);
    return rep;
  };
  const cold = await measure(args, env, scratch);
  const rep = check(cold);
  const warm = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await measure(args, env, scratch);
    check(r);
    warm.push(r);
  }
  const w = { wall: median(warm.map((r) => r.wall)), rss: median(warm.map((r) => r.rss)) };
  const rows = [
    ['run', 'wall', 'cores/s', 'peak RSS'],
    ['cold (decompress + analyze)', `${cold.wall.toFixed(2)} s`, (o.count / cold.wall).toFixed(1), mb(cold.rss)],
    [`warm (analyze; median of ${o.runs})`, `${w.wall.toFixed(2)} s`, (o.count / w.wall).toFixed(1), mb(w.rss)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) process.stdout.write(`  ${r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ')}\n`);
  process.stdout.write(`  ${rep.groups.length} signatures, ${rep.failed.length} failed; RSS via ${TIME_BIN ? 'GNU time %M' : '/proc VmHWM polling'}\n`);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    count: o.count,
    jobs: o.jobs,
    cold: { wall_s: Number(cold.wall.toFixed(3)), cores_per_s: Number((o.count / cold.wall).toFixed(2)), peak_rss_bytes: cold.rss },
    warm: { runs: o.runs, wall_s: Number(w.wall.toFixed(3)), cores_per_s: Number((o.count / w.wall).toFixed(2)), peak_rss_bytes: w.rss },
    signatures: rep.groups.length,
    failed: rep.failed.length,
  };
  writeFileSync(RESULTS, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), RESULTS) || RESULTS}\n`);
}

main().catch((e) => die(e.stack ?? String(e)));
