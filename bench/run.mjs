#!/usr/bin/env node
// `npm run bench`: how fast and how lean `pycore analyze` is on a large CPython core, measured
// against a `node -e 0` baseline and against gdb + CPython's libpython.py (`py-bt`) in the same run.
// See bench/README.md. Plain ESM, no dependencies beyond node itself.
//
// The cores are built here, at bench time, outside the repository: bench/workload.py is run under
// CPython 3.12 until it holds the target amount of Python objects, then `gcore` snapshots it and the
// process is killed. Cores are cached under os.tmpdir() and reused while still valid.

import { spawn } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import {
  accessSync, constants as fsc, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync,
  renameSync, rmSync, statfsSync, statSync, symlinkSync, writeFileSync, mkdtempSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH_DIR);
const WORKLOAD = path.join(BENCH_DIR, 'workload.py');
const RESULTS_FILE = path.join(BENCH_DIR, 'last-run.json');
const DIST_MAIN = path.join(REPO, 'dist', 'cli', 'main.js');
const DEFAULT_PYTHON = '/root/.pyenv/versions/3.12.1/bin/python3.12';
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const GOALS = { bigWallSeconds: 1, bigRssBytes: 200e6, rssFlatFraction: 0.1 };

// --------------------------------------------------------------------------------------------
// Options

function usage() {
  return `usage: npm run bench -- [options]

  --quick             only the small core (no big core build, no big-core timings)
  --size-gib N        big core target: Python objects held by the process, in GiB (default 2)
  --small-mib N       small core target in MiB (default 100)
  --runs N            timed runs per command, median reported (default 5; one untimed warm-up first)
  --python PATH       CPython 3.12 interpreter (default ${DEFAULT_PYTHON}; env PYCORE_BENCH_PYTHON)
  --libpython PATH    gdb extension to use (default: searched next to the interpreter; env PYCORE_BENCH_LIBPYTHON)
  --no-gdb            skip the gdb comparison
  --rebuild-cores     ignore cached cores and build them again
  --cache-dir DIR     where cores are kept (default: a directory under ${os.tmpdir()})
  --strict            exit 1 when a goal is missed
  --corpus-only       only the corpus cores against pystack (no workload cores, no gcore needed)
  --no-corpus         skip the corpus cores against pystack
  --pystack PATH      pystack to compare with (default: ~/.cache/pycore-anchors/venv/bin/pystack, else on PATH; env PYCORE_BENCH_PYSTACK)
  -h, --help          this text
`;
}

function parseArgs(argv) {
  const o = {
    quick: false, sizeGib: 2, smallMib: 100, runs: 5, gdb: true, rebuild: false, strict: false, corpus: true, corpusOnly: false,
    pystack: process.env.PYCORE_BENCH_PYSTACK || null,
    python: process.env.PYCORE_BENCH_PYTHON || DEFAULT_PYTHON, libpython: process.env.PYCORE_BENCH_LIBPYTHON || null, cacheDir: null,
  };
  const num = (name, v, min) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) die(`${name} needs a number >= ${min}, got ${v ?? 'nothing'}`, 2);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--quick': o.quick = true; break;
      case '--size-gib': o.sizeGib = num(flag, value(), 0.05); break;
      case '--small-mib': o.smallMib = num(flag, value(), 20); break;
      case '--runs': o.runs = Math.floor(num(flag, value(), 1)); break;
      case '--python': o.python = value(); break;
      case '--libpython': o.libpython = value(); break;
      case '--no-gdb': o.gdb = false; break;
      case '--rebuild-cores': o.rebuild = true; break;
      case '--cache-dir': o.cacheDir = value(); break;
      case '--strict': o.strict = true; break;
      case '--corpus-only': o.corpusOnly = true; break;
      case '--no-corpus': o.corpus = false; break;
      case '--pystack': o.pystack = value(); break;
      case '-h': case '--help': process.stdout.write(usage()); process.exit(0); break;
      default: die(`unknown option ${a}\n\n${usage()}`, 2);
    }
  }
  return o;
}

function die(message, code = 1) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(code);
}

function skip(message) {
  process.stdout.write(`bench: SKIPPED: ${message}\n`);
  process.exit(0);
}

// --------------------------------------------------------------------------------------------
// Child process bookkeeping: every process we start is tracked and killed on any way out.

const live = new Map(); // pid -> ChildProcess
const scratchDirs = new Set(); // temp dirs of this run, removed on the way out

function killAll() {
  for (const [pid] of live) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
  scratchDirs.clear();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, killing ${live.size} child process(es)\n`);
    killAll();
    process.exit(128 + (os.constants.signals[sig] ?? 0));
  });
}
process.on('uncaughtException', (e) => { killAll(); die(`error: ${e && e.stack ? e.stack : e}`); });
process.on('unhandledRejection', (e) => { killAll(); die(`error: ${e && e.stack ? e.stack : e}`); });

function track(child) {
  if (child.pid) {
    live.set(child.pid, child);
    child.once('exit', () => live.delete(child.pid));
  }
  return child;
}

/** Run to completion; resolves { code, signal, stdout, stderr, wallSeconds }. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = track(spawn(cmd, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (e) { reject(e); return; }
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let poller = null;
    let polledHwmKb = 0;
    if (opts.pollRss && child.pid) {
      const status = `/proc/${child.pid}/status`;
      const poll = () => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
          if (m) polledHwmKb = Math.max(polledHwmKb, Number(m[1]));
        } catch { /* exited */ }
      };
      poll();
      poller = setInterval(poll, 2);
    }
    child.on('error', (e) => { if (poller) clearInterval(poller); reject(e); });
    child.on('close', (code, signal) => {
      const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (poller) clearInterval(poller);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), wallSeconds, polledHwmKb });
    });
  });
}

// --------------------------------------------------------------------------------------------
// Measuring one command: wall time from spawn to exit, and the child's peak RSS.

const TIME_BIN = process.env.PYCORE_BENCH_NO_TIME ? null : (['/usr/bin/time'].find(isExecutable) ?? null);
let timeScratch = null;

function isExecutable(p) {
  try { accessSync(p, fsc.X_OK); return statSync(p).isFile(); } catch { return false; }
}

function which(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

async function measure(cmd, args, opts = {}) {
  if (TIME_BIN) {
    if (!timeScratch) scratchDirs.add(timeScratch = mkdtempSync(path.join(os.tmpdir(), 'pycore-bench-time-')));
    const tf = path.join(timeScratch, 'time.out');
    rmSync(tf, { force: true });
    const r = await run(TIME_BIN, ['-o', tf, '-f', '%e %M %U %S', cmd, ...args], opts);
    const lines = existsSync(tf) ? readFileSync(tf, 'utf8').trim().split('\n') : [];
    const last = (lines[lines.length - 1] || '').trim().split(/\s+/);
    const rssKb = Number(last[1]);
    // User + system CPU seconds: less sensitive than wall time to other work on the machine.
    const cpu = Number(last[2]) + Number(last[3]);
    return { ...r, rssBytes: Number.isFinite(rssKb) ? rssKb * 1024 : null, cpuSeconds: Number.isFinite(cpu) ? cpu : null, rssMethod: 'GNU time %M (ru_maxrss)' };
  }
  const r = await run(cmd, args, { ...opts, pollRss: true });
  return { ...r, rssBytes: r.polledHwmKb ? r.polledHwmKb * 1024 : null, rssMethod: '/proc/PID/status VmHWM, polled every 2 ms (may miss a last-moment peak)' };
}

// --------------------------------------------------------------------------------------------
// The CLI under test is a private copy of bin/ + dist/ taken at start-up: other people rebuild
// dist/ while the bench runs, and a half-written dist/ must not turn into a failed timing run.

function treeListing(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else { const st = statSync(p); out.push(`${path.relative(dir, p)}\t${st.size}\t${st.mtimeMs}`); }
    }
  };
  walk(dir);
  return out.sort().join('\n');
}

async function snapshotCli() {
  const dist = path.join(REPO, 'dist');
  for (let attempt = 1; ; attempt++) {
    const before = treeListing(dist);
    const newest = Math.max(...before.split('\n').map((l) => Number(l.split('\t')[2]) || 0));
    const snap = mkdtempSync(path.join(os.tmpdir(), 'pycore-bench-cli-'));
    scratchDirs.add(snap);
    cpSync(path.join(REPO, 'bin'), path.join(snap, 'bin'), { recursive: true });
    cpSync(dist, path.join(snap, 'dist'), { recursive: true });
    cpSync(path.join(REPO, 'package.json'), path.join(snap, 'package.json'));
    symlinkSync(path.join(REPO, 'node_modules'), path.join(snap, 'node_modules'), 'dir');
    const settled = Date.now() - newest > 2000;
    if (treeListing(dist) === before && settled) return { dir: snap, cli: path.join(snap, 'bin', 'pycore.js'), distBuilt: new Date(newest).toISOString() };
    rmSync(snap, { recursive: true, force: true });
    scratchDirs.delete(snap);
    if (attempt >= 10) die('dist/ keeps changing (someone is rebuilding it); try again in a moment');
    await sleep(2000);
  }
}

// --------------------------------------------------------------------------------------------
// Building (or reusing) a core of bench/workload.py holding `targetBytes` of Python objects.

function sha256(data) { return createHash('sha256').update(data).digest('hex'); }

function memAvailableBytes() {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* fall through */ }
  return os.freemem();
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function coreIdentity(python) {
  const st = statSync(python);
  return { python, python_size: st.size, python_mtime_ms: Math.round(st.mtimeMs), workload_sha256: sha256(readFileSync(WORKLOAD)) };
}

async function obtainCore({ label, targetBytes, python, cacheDir, rebuild }) {
  const base = path.join(cacheDir, `core-${targetBytes}`);
  const coreFile = `${base}.core`;
  const metaFile = `${base}.json`;
  const identity = coreIdentity(python);
  if (!rebuild && existsSync(metaFile) && existsSync(coreFile)) {
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
      const same = Object.entries(identity).every(([k, v]) => meta[k] === v) && meta.target_bytes === targetBytes && meta.core_size === statSync(coreFile).size;
      if (same) {
        log(`${label} core: reusing ${coreFile} (${fmtBytes(meta.core_size)}, built ${meta.created})`);
        return { ...meta, core: coreFile, reused: true };
      }
      log(`${label} core: cached core is stale (interpreter or workload changed), rebuilding`);
    } catch { /* unreadable metadata: rebuild */ }
  }
  rmSync(metaFile, { force: true });
  rmSync(coreFile, { force: true });

  const avail = memAvailableBytes();
  if (targetBytes > avail * 0.8) die(`${label} core: target ${fmtBytes(targetBytes)} is more than 80% of available memory (${fmtBytes(avail)}); use a smaller --size-gib`);
  const fs = statfsSync(cacheDir);
  const freeDisk = fs.bavail * fs.bsize;
  if (freeDisk < targetBytes * 1.3 + 1 * GIB) die(`${label} core: ${cacheDir} has ${fmtBytes(freeDisk)} free, not enough for a core of a ${fmtBytes(targetBytes)} process`);

  const ready = `${base}.ready`;
  rmSync(ready, { force: true });
  log(`${label} core: starting ${path.basename(python)} workload, target ${fmtBytes(targetBytes)} of Python objects ...`);
  const t0 = Date.now();
  const child = track(spawn(python, [WORKLOAD, String(targetBytes), ready], { cwd: cacheDir, stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const exitedPromise = new Promise((r) => child.once('close', r));
  try {
    const deadline = Date.now() + 60_000 + (targetBytes / GIB) * 60_000;
    while (!existsSync(ready)) {
      if (exited) throw new Error(`workload exited early (${exited.signal ?? `code ${exited.code}`}): ${stderr.trim().slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`workload not ready after ${Math.round((Date.now() - t0) / 1000)} s`);
      await sleep(100);
    }
    const info = JSON.parse(readFileSync(ready, 'utf8'));
    log(`${label} core: workload ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${info.pid}, RSS ${fmtBytes(info.rss)}); running gcore ...`);
    const prefix = path.join(cacheDir, `gcore-${targetBytes}`);
    const g = await run(which('gcore'), ['-o', prefix, String(child.pid)], { cwd: cacheDir });
    const produced = `${prefix}.${child.pid}`;
    if (g.code !== 0 || !existsSync(produced)) {
      rmSync(produced, { force: true });
      throw new Error(`gcore failed (exit ${g.code ?? g.signal}): ${(g.stderr || g.stdout).trim().slice(-2000)}`);
    }
    renameSync(produced, coreFile);
    const meta = {
      ...identity, target_bytes: targetBytes, core_size: statSync(coreFile).size, created: new Date().toISOString(),
      workload: info, gcore_seconds: Number(g.wallSeconds.toFixed(2)),
    };
    writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
    log(`${label} core: ${fmtBytes(meta.core_size)} written by gcore in ${g.wallSeconds.toFixed(1)} s -> ${coreFile}`);
    return { ...meta, core: coreFile, reused: false };
  } finally {
    if (exited === null) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      await exitedPromise;
    }
    rmSync(ready, { force: true });
  }
}

// --------------------------------------------------------------------------------------------
// gdb + libpython.py

function findLibpythonGdb(python, explicit) {
  const ok = (p) => {
    try { return statSync(p).isFile() && /py-bt|PyBacktrace/.test(readFileSync(p, 'utf8')); } catch { return false; }
  };
  if (explicit) return ok(explicit) ? { path: explicit } : { reason: `--libpython ${explicit} is not a readable libpython.py (no py-bt command in it)` };
  const real = realpathSync(python);
  const prefix = path.dirname(path.dirname(real));
  const m = /python(\d+\.\d+)/.exec(path.basename(real));
  const ver = m ? m[1] : '3.12';
  const candidates = [
    `${python}-gdb.py`, `${real}-gdb.py`,
    path.join(prefix, 'lib', `libpython${ver}.so.1.0-gdb.py`),
    path.join(prefix, 'lib', `libpython${ver}.so-gdb.py`),
    path.join(prefix, 'Tools', 'gdb', 'libpython.py'),
    path.join(prefix, 'share', 'gdb', 'auto-load', real + '-gdb.py'),
  ];
  for (const c of candidates) if (ok(c)) return { path: c };
  // Walk the install prefix (bounded) for libpython.py or *python<ver>*-gdb.py.
  const want = (name) => name === 'libpython.py' || (name.endsWith('-gdb.py') && name.includes(`python${ver}`));
  const stack = [prefix];
  let seen = 0;
  while (stack.length && seen < 50_000) {
    const dir = stack.pop();
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { continue; }
    for (const e of entries) {
      seen++;
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !e.isSymbolicLink()) stack.push(p);
      else if (e.isFile() && want(e.name) && ok(p)) return { path: p };
    }
  }
  return { reason: `no libpython.py / python${ver}-gdb.py found next to ${python} or under ${prefix} (CPython's Tools/gdb/libpython.py is not available offline); pass --libpython PATH` };
}

function gdbArgs(python, core, script) {
  return [
    '-batch', '-nx',
    '-iex', 'set auto-load safe-path /',
    '-iex', 'set auto-load python-scripts off', // we source the script ourselves, exactly once
    '-iex', 'set pagination off',
    '-ex', `source ${script}`,
    '-ex', 'thread apply all py-bt',
    python, core,
  ];
}

/** gdb's py-bt output -> Map(lwp -> [{file, line, function}]), plus anything that looks like an error. */
function parsePyBt(stdout, stderr) {
  const frames = new Map();
  let lwp = null;
  for (const line of stdout.split('\n')) {
    const t = /^Thread \d+ \(Thread 0x[0-9a-f]+ \(LWP (\d+)\)\)/.exec(line);
    if (t) { lwp = Number(t[1]); frames.set(lwp, []); continue; }
    const f = /^ {2}File "(.*)", line (\d+), in (.*)$/.exec(line);
    if (lwp !== null && f) frames.get(lwp).push({ file: f[1], line: Number(f[2]), function: f[3] });
  }
  const problems = [];
  const all = `${stdout}\n${stderr}`;
  for (const re of [/Python Exception[^\n]*/g, /Error occurred in Python[^\n]*/g, /Undefined command[^\n]*/g, /Unable to locate python frame/g, /Unable to read information on python frame/g]) {
    for (const m of all.match(re) ?? []) problems.push(m);
  }
  return { frames, problems: [...new Set(problems)] };
}

// --------------------------------------------------------------------------------------------
// Sanity checks on pycore's JSON for a workload core: does it show what the workload did?

function checkReport(stdout, stderr, code, coreInfo) {
  const notes = [];
  if (code !== 0) notes.push(`exit code ${code}`);
  if (stderr.trim()) notes.push(`stderr: ${stderr.trim().slice(0, 500)}`);
  let r;
  try { r = JSON.parse(stdout); } catch (e) { notes.push(`output is not JSON: ${e.message}`); return { notes, report: null }; }
  for (const w of r.warnings ?? []) notes.push(`warning: ${typeof w === 'string' ? w : JSON.stringify(w)}`);
  const pid = coreInfo.workload?.pid;
  if (r.process?.pid !== pid) notes.push(`process.pid is ${r.process?.pid}, the workload's pid was ${pid}`);
  if (r.python?.version !== '3.12.1' && !String(r.python?.version ?? '').startsWith('3.12')) notes.push(`python.version is ${r.python?.version}`);
  if (r.signal) notes.push(`signal reported for a live-process snapshot: ${JSON.stringify(r.signal)}`);
  const threads = r.threads ?? [];
  const depths = coreInfo.workload?.thread_depths ?? {};
  if (threads.length !== Object.keys(depths).length + 1) notes.push(`${threads.length} threads, expected ${Object.keys(depths).length + 1}`);
  for (const t of threads) {
    if (t.unreadable) notes.push(`thread ${t.native_id} unreadable: ${t.unreadable}`);
    for (const f of t.frames ?? []) if (f.unreadable) notes.push(`thread ${t.native_id} frame ${f.function ?? '?'} unreadable: ${f.unreadable}`);
    for (const f of t.frames ?? []) if (f.line === null) notes.push(`thread ${t.native_id} frame ${f.function ?? '?'} has no line number`);
  }
  const expectLeaf = { 'bench-waiter': 'waiter_leaf', 'bench-locker': 'locker_leaf', 'bench-sleeper': 'sleeper_leaf' };
  for (const [name, depth] of Object.entries(depths)) {
    const leaf = expectLeaf[name];
    const t = threads.find((x) => (x.frames ?? []).some((f) => f.function === leaf));
    if (!t) { notes.push(`no thread shows ${leaf} (${name})`); continue; }
    const n = t.frames.filter((f) => f.function === 'descend').length;
    if (n !== depth) notes.push(`${name}: ${n} descend frames, expected ${depth}`);
    const last = t.frames[t.frames.length - 1];
    if (last?.function !== '_bootstrap') notes.push(`${name}: outermost frame is ${last?.function}, expected threading's _bootstrap`);
  }
  const main = threads.find((t) => t.native_id === pid);
  if (!main) notes.push('no thread with the main thread\'s native id');
  else if (main.frames?.[0]?.function !== 'main_sleep_loop' || main.frames?.[main.frames.length - 1]?.function !== '<module>') {
    notes.push(`main thread frames ${main.frames.map((f) => f.function).join(' < ')}, expected main_sleep_loop < main < <module>`);
  }
  return { notes: [...new Set(notes)], report: r };
}

// --------------------------------------------------------------------------------------------
// Corpus cores against pystack: the issue's goals are ratios to pystack 1.6.0 on the same
// uncompressed core, measured in the same interleaved rounds as `node -e 0` and gdb.

const CORPUS_CASES = [
  { name: '3.12-segv-threads', goal: 1.3 },
  { name: 'debian-3.11-segv-threads', goal: 1.5 },
];
const CORPUS_GOALS = { nativeRatio: 1.0, rssBytes: 50 * MIB };

function findPystack(explicit) {
  if (explicit) return isExecutable(explicit) ? explicit : null;
  return [path.join(os.homedir(), '.cache', 'pycore-anchors', 'venv', 'bin', 'pystack'), which('pystack')].find((p) => p && isExecutable(p)) ?? null;
}

async function corpusBench(o, snap) {
  const cacheDir = path.join(o.cacheDir ? path.resolve(o.cacheDir) : os.tmpdir(), 'pycore-bench-corpus');
  mkdirSync(cacheDir, { recursive: true });
  const pystack = findPystack(o.pystack);
  const gdbBin = o.gdb ? which('gdb') : null;
  const node = process.execPath;
  const sysroot = path.join(REPO, 'corpus', 'sysroot');
  const notes = [];
  if (!pystack) notes.push(`pystack not found (${o.pystack ? `--pystack ${o.pystack}` : 'build it with ../shared/anchors/build-pystack.sh, or pass --pystack PATH'}): ratios to pystack not measured`);
  const commands = [{ key: 'baseline', label: 'node -e 0 (baseline)', cmd: node, args: ['-e', '0'] }];
  const cases = [];
  for (const c of CORPUS_CASES) {
    const gz = path.join(REPO, 'corpus', 'cores', `${c.name}.core.gz`);
    const truth = JSON.parse(readFileSync(gz.replace(/\.core\.gz$/, '.truth.json'), 'utf8'));
    // Both tools read one uncompressed file: pycore's unpacking of .gz is not what is compared.
    const core = path.join(cacheDir, `${c.name}.core`);
    if (!existsSync(core) || statSync(core).size !== truth.core.size) {
      writeFileSync(`${core}.tmp`, gunzipSync(readFileSync(gz)));
      renameSync(`${core}.tmp`, core);
    }
    const exe = truth.python.executable;
    const c2 = { ...c, core, exe };
    cases.push(c2);
    // pystack and gdb read the binaries at the paths the core names; pycore is given the corpus sysroot (the same build ids).
    const haveExe = isExecutable(exe);
    if (!haveExe) notes.push(`${c.name}: ${exe} is not on this machine: pystack and gdb not run on it`);
    const pc = [snap.cli, 'analyze', core, '--sysroot', sysroot];
    for (const native of [false, true]) {
      const m = native ? ' --native' : '';
      commands.push({ key: `${c.name}/pycore${m}`, label: `pycore analyze${m}, ${c.name}`, cmd: node, args: native ? [...pc, '--native'] : pc, tool: 'pycore', case: c2, native });
      if (pystack && haveExe) commands.push({ key: `${c.name}/pystack${m}`, label: `pystack core${m}, ${c.name}`, cmd: pystack, args: ['core', core, exe, ...(native ? ['--native'] : [])], tool: 'pystack', case: c2, native });
    }
    if (gdbBin && haveExe) {
      const found = findLibpythonGdb(exe, null);
      if (found.path) commands.push({ key: `${c.name}/gdb`, label: `gdb + python-gdb py-bt, ${c.name}`, cmd: gdbBin, args: gdbArgs(exe, core, found.path), tool: 'gdb', case: c2 });
      else notes.push(`${c.name}: gdb not run: ${found.reason}`);
    }
  }
  process.stdout.write(`\ncorpus cores against pystack (${pystack ?? 'no pystack'}): 1 warm-up + ${o.runs} timed runs each, interleaved\n`);
  for (const c of commands) {
    const r = await measure(c.cmd, c.args);
    if (r.code !== 0) notes.push(`${c.label}: warm-up exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
  }
  const samples = Object.fromEntries(commands.map((c) => [c.key, []]));
  for (let i = 0; i < o.runs; i++) for (const c of commands) samples[c.key].push(await measure(c.cmd, c.args));
  const results = Object.fromEntries(commands.map((c) => [c.key, { label: c.label, command: [c.cmd, ...c.args].join(' '), ...summarize(samples[c.key]) }]));
  const base = results.baseline.wall_median_s;
  const rows = [['command', 'median wall', 'min', 'max', 'median CPU', 'peak RSS', '× node -e 0', '× pystack', 'CPU × pystack']];
  for (const c of commands) {
    const r = results[c.key];
    const ref = c.case ? results[`${c.case.name}/pystack${c.native ? ' --native' : ''}`] : null;
    const vsPystack = ref && c.tool !== 'pystack' ? r.wall_median_s / ref.wall_median_s : null;
    const cpuVsPystack = ref && c.tool !== 'pystack' && r.cpu_median_s !== null && ref.cpu_median_s ? r.cpu_median_s / ref.cpu_median_s : null;
    r.ratio_node = r.wall_median_s / base;
    r.ratio_pystack = vsPystack;
    r.cpu_ratio_pystack = cpuVsPystack;
    const ratio = (x) => (c.tool === 'pystack' ? '1.00×' : x === null ? 'n/a' : `${x.toFixed(2)}×`);
    rows.push([r.label, fmtS(r.wall_median_s), fmtS(r.wall_min_s), fmtS(r.wall_max_s), r.cpu_median_s === null ? 'n/a' : fmtS(r.cpu_median_s), fmtMiB(r.rss_median_bytes), `${r.ratio_node.toFixed(2)}×`, ratio(vsPystack), ratio(cpuVsPystack)]);
  }
  process.stdout.write(`\n${table(rows)}\n`);
  const goals = [];
  for (const c of cases) {
    const a = results[`${c.name}/pycore`], n = results[`${c.name}/pycore --native`];
    const cpu = (x) => (x.cpu_ratio_pystack === null ? '' : ` (CPU ${x.cpu_ratio_pystack.toFixed(2)}×)`);
    if (a.ratio_pystack !== null) goals.push({ goal: `analyze <= ${c.goal}× pystack on ${c.name}`, value: `${a.ratio_pystack.toFixed(2)}×${cpu(a)}`, pass: a.ratio_pystack <= c.goal });
    if (n.ratio_pystack !== null) goals.push({ goal: `analyze --native <= ${CORPUS_GOALS.nativeRatio}× pystack --native on ${c.name}`, value: `${n.ratio_pystack.toFixed(2)}×${cpu(n)}`, pass: n.ratio_pystack <= CORPUS_GOALS.nativeRatio });
    goals.push({ goal: `analyze peak RSS <= ${fmtMiB(CORPUS_GOALS.rssBytes)} on ${c.name}`, value: fmtMiB(a.rss_median_bytes), pass: a.rss_median_bytes <= CORPUS_GOALS.rssBytes });
  }
  process.stdout.write('\ncorpus goals\n');
  for (const g of goals) process.stdout.write(`  [${g.pass ? 'PASS' : 'FAIL'}] ${g.goal}: ${g.value}\n`);
  for (const n of notes) process.stdout.write(`  note: ${n}\n`);
  const failed = Object.values(samples).flat().some((x) => x.code !== 0);
  return { pystack, results, goals, notes, failed, loadavg: os.loadavg() };
}

// --------------------------------------------------------------------------------------------
// Formatting

function log(s) { process.stdout.write(`  ${s}\n`); }
function fmtBytes(n) {
  if (n == null) return 'n/a';
  if (n >= GIB) return `${(n / GIB).toFixed(2)} GiB`;
  return `${(n / MIB).toFixed(1)} MiB`;
}
function fmtMiB(n) { return n == null ? 'n/a' : `${(n / MIB).toFixed(1)} MiB`; }
function fmtMB(n) { return n == null ? 'n/a' : `${(n / 1e6).toFixed(1)} MB`; }
function fmtS(s) { return s == null ? 'n/a' : s < 10 ? `${s.toFixed(3)} s` : `${s.toFixed(1)} s`; }
function median(xs) {
  const v = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
function summarize(samples) {
  const w = samples.map((s) => s.wallSeconds);
  const r = samples.map((s) => s.rssBytes);
  const c = samples.map((s) => s.cpuSeconds).filter((x) => x != null);
  return {
    runs: samples.length, wall_median_s: median(w), wall_min_s: Math.min(...w), wall_max_s: Math.max(...w),
    cpu_median_s: c.length === samples.length ? median(c) : null,
    rss_median_bytes: median(r), rss_max_bytes: Math.max(...r.filter((x) => x != null)),
    samples: samples.map((s) => ({ wall_s: Number(s.wallSeconds.toFixed(4)), cpu_s: s.cpuSeconds ?? null, rss_bytes: s.rssBytes, exit: s.code })),
  };
}
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('   ');
    return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('   ')}` : line;
  }).join('\n');
}

// --------------------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  process.stdout.write(`pycore bench — ${started.toISOString()}\n`);

  if (!existsSync(DIST_MAIN)) die(`${path.relative(REPO, DIST_MAIN)} is missing: build first (npm run build)`);
  const snap = await snapshotCli();
  log(`CLI under test: dist/ as built at ${snap.distBuilt}, copied to ${snap.dir}`);
  const distStale = newestMtime(path.join(REPO, 'src')) > Date.parse(snap.distBuilt) ? newestTs(path.join(REPO, 'src')) : null;
  if (distStale) log(`note: ${distStale} is newer than dist/ — the bench runs the compiled dist/; rebuild (npm run build) to measure current src/`);
  log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')} on ${os.cpus().length} CPUs`);
  const corpus = o.corpus ? await corpusBench(o, snap) : null;
  if (o.corpusOnly) {
    writeFileSync(RESULTS_FILE, JSON.stringify({ date: started.toISOString(), node: process.version, git_commit: gitHead(), runs: o.runs, corpus }, null, 2) + '\n');
    if (corpus?.failed) die('some runs exited non-zero (see notes above); figures are not meaningful');
    if (o.strict && corpus?.goals.some((g) => !g.pass)) die('goal(s) missed (--strict)');
    return;
  }

  // Preconditions: interpreter and gcore are needed to build cores at all.
  if (!isExecutable(o.python)) skip(`CPython interpreter ${o.python} not found (set --python or PYCORE_BENCH_PYTHON)`);
  const gcore = which('gcore');
  if (!gcore) skip('gcore (from gdb) not found on PATH; it is needed to snapshot the workload process');

  const cacheDir = o.cacheDir
    ? path.resolve(o.cacheDir)
    : path.join(os.tmpdir(), `pycore-bench-${sha256(realpathSync(o.python)).slice(0, 12)}`);
  mkdirSync(cacheDir, { recursive: true });

  const smallTarget = Math.round(o.smallMib * MIB);
  const bigTarget = Math.round(o.sizeGib * GIB);
  process.stdout.write(`\ncores (cache: ${cacheDir})\n`);
  const cores = { small: await obtainCore({ label: 'small', targetBytes: smallTarget, python: o.python, cacheDir, rebuild: o.rebuild }) };
  if (!o.quick) cores.big = await obtainCore({ label: 'big', targetBytes: bigTarget, python: o.python, cacheDir, rebuild: o.rebuild });
  if (live.size) die(`internal: ${live.size} workload process(es) still alive after core build`);

  // Timed runs. One warm-up of everything (page cache, node compile cache), then interleaved rounds
  // so that drift on a shared machine hits the baseline and the analyses alike.
  const node = process.execPath;
  const commands = [{ key: 'baseline', label: 'node -e 0 (baseline)', cmd: node, args: ['-e', '0'] }];
  for (const [k, c] of Object.entries(cores)) {
    commands.push({ key: `analyze_${k}`, label: `pycore analyze, ${k} core`, cmd: node, args: [snap.cli, 'analyze', c.core, '--format', 'json'], core: c });
  }
  process.stdout.write(`\nmeasuring: 1 warm-up + ${o.runs} timed runs each, interleaved; peak RSS via ${TIME_BIN ? TIME_BIN + ' %M' : '/proc VmHWM polling'}\n`);
  const samples = Object.fromEntries(commands.map((c) => [c.key, []]));
  const checks = {};
  for (const c of commands) {
    const r = await measure(c.cmd, c.args);
    if (c.core) {
      checks[c.key] = checkReport(r.stdout, r.stderr, r.code, c.core);
      if (r.code !== 0) log(`${c.label}: exit ${r.code}: ${r.stderr.trim().slice(0, 400)}`);
    }
  }
  for (let i = 0; i < o.runs; i++) {
    for (const c of commands) {
      const r = await measure(c.cmd, c.args);
      samples[c.key].push(r);
      if (c.core && r.code !== 0) checks[c.key].notes.push(`timed run ${i + 1} exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 400)}`);
    }
  }
  const results = Object.fromEntries(commands.map((c) => [c.key, { label: c.label, command: [c.cmd, ...c.args].join(' '), ...summarize(samples[c.key]) }]));

  // gdb + libpython.py py-bt on the biggest core.
  const gdbCoreKey = cores.big ? 'big' : 'small';
  let gdb = { skipped: null };
  if (!o.gdb) gdb.skipped = '--no-gdb';
  else if (!which('gdb')) gdb.skipped = 'gdb not found on PATH';
  else {
    const found = findLibpythonGdb(o.python, o.libpython);
    if (!found.path) gdb.skipped = found.reason;
    else {
      const args = gdbArgs(o.python, cores[gdbCoreKey].core, found.path);
      process.stdout.write(`\ngdb: ${['gdb', ...args.map((a) => (/\s/.test(a) ? `'${a}'` : a))].join(' ')}\n`);
      const warm = await measure(which('gdb'), args);
      const parsed = parsePyBt(warm.stdout, warm.stderr);
      if (warm.code !== 0 || parsed.problems.length || parsed.frames.size === 0) {
        gdb.skipped = `gdb run failed (exit ${warm.code}${parsed.problems.length ? `; ${parsed.problems.join('; ')}` : ''}${parsed.frames.size ? '' : '; no threads in py-bt output'}): ${warm.stderr.trim().slice(-400)}`;
      } else {
        const gs = [];
        for (let i = 0; i < o.runs; i++) gs.push(await measure(which('gdb'), args));
        gdb = { skipped: null, script: found.path, core: gdbCoreKey, label: `gdb + libpython.py py-bt, ${gdbCoreKey} core`, command: ['gdb', ...args].join(' '), ...summarize(gs) };
        // Cross-check: Python frames per thread, gdb's py-bt vs pycore.
        const rep = checks[`analyze_${gdbCoreKey}`]?.report;
        const diffs = [];
        for (const t of rep?.threads ?? []) {
          const g = parsed.frames.get(t.native_id);
          if (g === undefined) { diffs.push(`thread ${t.native_id}: not in gdb output`); continue; }
          if (g.length !== t.frames.length) { diffs.push(`thread ${t.native_id}: pycore ${t.frames.length} frames, gdb py-bt ${g.length}`); continue; }
          const i = g.findIndex((gf, k) => gf.file !== t.frames[k].file || gf.line !== t.frames[k].line || gf.function !== t.frames[k].function);
          if (i >= 0) diffs.push(`thread ${t.native_id} frame ${i}: pycore ${JSON.stringify(t.frames[i])}, gdb ${JSON.stringify(g[i])}`);
        }
        if (rep && parsed.frames.size !== rep.threads.length) diffs.push(`gdb shows ${parsed.frames.size} threads, pycore ${rep.threads.length}`);
        gdb.frames_per_thread = Object.fromEntries([...parsed.frames].map(([k, v]) => [k, v.length]));
        gdb.agrees_with_pycore = diffs.length === 0;
        gdb.disagreements = diffs;
      }
    }
  }

  // Report.
  const base = results.baseline.wall_median_s;
  const rows = [['command', 'median wall', 'min', 'max', 'peak RSS (median)', '× node -e 0']];
  const addRow = (r) => rows.push([r.label, fmtS(r.wall_median_s), fmtS(r.wall_min_s), fmtS(r.wall_max_s), fmtMB(r.rss_median_bytes), `${(r.wall_median_s / base).toFixed(2)}×`]);
  for (const c of commands) addRow(results[c.key]);
  if (!gdb.skipped) addRow(gdb);

  const env = {
    date: started.toISOString(), node: process.version, platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? null, mem_total_bytes: os.totalmem(), git_commit: gitHead(),
    dist_built: snap.distBuilt, dist_stale_vs_src: distStale, rss_method: TIME_BIN ? 'GNU time %M (ru_maxrss of the child)' : '/proc VmHWM polling', runs: o.runs,
  };
  process.stdout.write(`\nresults — node ${env.node}, ${env.cpus} CPUs, ${fmtBytes(env.mem_total_bytes)} RAM, median of ${o.runs} runs (warm page cache)\n`);
  for (const [k, c] of Object.entries(cores)) {
    process.stdout.write(`  ${k} core: ${fmtBytes(c.core_size)} on disk, workload RSS ${fmtBytes(c.workload?.rss)}, ${c.reused ? 'reused' : `built now (gcore ${c.gcore_seconds} s)`}\n`);
  }
  process.stdout.write(`\n${table(rows)}\n`);

  const goals = [];
  const big = results.analyze_big, small = results.analyze_small;
  if (big) {
    goals.push({ goal: `analyze on the ${fmtBytes(cores.big.workload?.rss)} core under ${GOALS.bigWallSeconds} s`, value: fmtS(big.wall_median_s), pass: big.wall_median_s < GOALS.bigWallSeconds });
    goals.push({ goal: `analyze on the ${fmtBytes(cores.big.workload?.rss)} core under ${GOALS.bigRssBytes / 1e6} MB peak RSS`, value: fmtMB(big.rss_median_bytes), pass: big.rss_median_bytes < GOALS.bigRssBytes });
    const growth = (big.rss_median_bytes - small.rss_median_bytes) / small.rss_median_bytes;
    goals.push({ goal: `RSS flat as the core grows (big vs small within ${GOALS.rssFlatFraction * 100}%)`, value: `${fmtMB(small.rss_median_bytes)} -> ${fmtMB(big.rss_median_bytes)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%)`, pass: Math.abs(growth) <= GOALS.rssFlatFraction });
  } else {
    goals.push({ goal: 'big-core goals', value: 'not measured (--quick)', pass: null });
  }
  process.stdout.write('\ngoals\n');
  for (const g of goals) process.stdout.write(`  [${g.pass === null ? 'n/a ' : g.pass ? 'PASS' : 'FAIL'}] ${g.goal}: ${g.value}\n`);
  const analyzeForRatio = big ?? small;
  process.stdout.write(`  [info] start-up ratio (analyze ${big ? 'big' : 'small'} / node -e 0): ${(analyzeForRatio.wall_median_s / base).toFixed(2)}×\n`);
  if (gdb.skipped) {
    process.stdout.write(`  [info] gdb comparison skipped: ${gdb.skipped}\n`);
  } else {
    const a = results[`analyze_${gdbCoreKey}`];
    gdb.ratio_time = a.wall_median_s / gdb.wall_median_s;
    gdb.ratio_rss = a.rss_median_bytes / gdb.rss_median_bytes;
    process.stdout.write(`  [info] pycore / gdb on the ${gdbCoreKey} core: time ${gdb.ratio_time.toFixed(2)}×, peak RSS ${gdb.ratio_rss.toFixed(2)}×\n`);
    process.stdout.write(`  [info] Python frames (file, line, function) per thread, pycore vs gdb py-bt: ${gdb.agrees_with_pycore ? 'identical' : gdb.disagreements.join('; ')}\n`);
  }

  process.stdout.write('\nchecks on pycore output (what the workload is known to contain)\n');
  for (const [k, c] of Object.entries(checks)) {
    process.stdout.write(`  ${k.replace('analyze_', '')} core: ${c.notes.length ? '' : 'threads, depths, functions and lines as expected; no warnings'}\n`);
    for (const n of c.notes) process.stdout.write(`    - ${n}\n`);
  }

  const out = {
    env, options: { quick: o.quick, size_gib: o.sizeGib, small_mib: o.smallMib, runs: o.runs, python: o.python },
    cores: Object.fromEntries(Object.entries(cores).map(([k, c]) => [k, { path: c.core, core_size: c.core_size, target_bytes: c.target_bytes, workload_rss: c.workload?.rss, workload: c.workload, reused: c.reused, gcore_seconds: c.gcore_seconds, created: c.created }])),
    results, gdb, goals, checks: Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, c.notes])), corpus,
  };
  writeFileSync(RESULTS_FILE, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}; cores kept in ${cacheDir} (delete it to reclaim ${fmtBytes(Object.values(cores).reduce((s, c) => s + c.core_size, 0))})\n`);

  const failedRuns = Object.values(samples).flat().some((s) => s.code !== 0);
  if (failedRuns) die('some runs exited non-zero (see checks above); figures are not meaningful');
  if (o.strict && goals.some((g) => g.pass === false)) die('goal(s) missed (--strict)');
}

function walkTs(dir, visit) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkTs(p, visit);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) visit(p);
  }
}
function newestMtime(dir) { let m = 0; walkTs(dir, (p) => { m = Math.max(m, statSync(p).mtimeMs); }); return m; }
function newestTs(dir) {
  let best = null, m = 0;
  walkTs(dir, (p) => { const t = statSync(p).mtimeMs; if (t > m) { m = t; best = p; } });
  return best ? path.relative(REPO, best) : null;
}
function gitHead() {
  try {
    const head = readFileSync(path.join(REPO, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const loose = path.join(REPO, '.git', ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(path.join(REPO, '.git', 'packed-refs'), 'utf8');
    return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
  } catch { return null; }
}

main().catch((e) => { killAll(); die(`error: ${e && e.stack ? e.stack : e}`); });
