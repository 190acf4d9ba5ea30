#!/usr/bin/env node
// `npm run bench:layouts`: the costs issue 3 sets goals for, measured on this machine.
//
//   dwarf-cold   layouts extracted from libpython's DWARF with an empty cache (goal < 2 s)
//   dwarf-cache  the same layouts read back from the per-build-id cache     (goal < 50 ms)
//   cookie-scan  3.13+ with no binary: the _Py_DebugOffsets cookie scan over every writable
//                segment of a large 3.13 core, per GiB (goal < 1 s/GiB); and as pycore runs it,
//                over module data only (_PyRuntime is a static of the interpreter binary).
//   interp-scan  3.8-3.12 with no binary: the interpreter-state scan. A pass over every writable
//                segment that finds nothing (a large 3.13 core, where no 3.8-3.12 layout
//                validates: the worst case), per GiB; the same over module data only, as pycore
//                runs it; and the time to find _PyRuntime in a large 3.12 core.
//   analyze      `pycore analyze` on the large 3.12 and 3.13 cores with an empty --sysroot.
//
// Each measurement runs in a fresh node process (so "cold" is cold: nothing cached in memory),
// `--runs` times, median reported; the figure excludes node's start-up. The large cores are built
// here by bench/workload.py under CPython 3.12 and 3.13 and `gcore`, cached under the temp
// directory like bench/run.mjs's. Measures the compiled dist/: run `npm run build` first.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const DIST = path.join(REPO, 'dist', 'src');
const WORKLOAD = path.join(REPO, 'bench', 'workload.py');
const RESULTS = path.join(REPO, 'bench', 'layouts-last-run.json');
const GIB = 1024 ** 3;
const PY = { '3.12': '/root/.pyenv/versions/3.12.1/bin/python3.12', '3.13': '/root/.pyenv/versions/3.13.0/bin/python3.13' };
const LIBPYTHON = { '3.12': '/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0', '3.13': '/root/.pyenv/versions/3.13.0/lib/libpython3.13.so.1.0' };
const GOALS = { dwarfColdMs: 2000, dwarfCacheMs: 50, scanSecondsPerGib: 1 };

function parseArgs(argv) {
  const o = { runs: 5, sizeGib: 1, cacheDir: path.join(os.tmpdir(), 'pycore-bench-layouts'), rebuild: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Math.max(1, Number(argv[++i]) | 0);
    else if (a === '--size-gib') o.sizeGib = Math.max(0.1, Number(argv[++i]));
    else if (a === '--cache-dir') o.cacheDir = argv[++i];
    else if (a === '--rebuild-cores') o.rebuild = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: npm run bench:layouts -- [--runs N] [--size-gib N] [--cache-dir DIR] [--rebuild-cores]\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${a}\n`);
      process.exit(2);
    }
  }
  return o;
}

/** One measurement in a fresh node process: `body` is an async function body returning a number of ms (or an object). */
function measure(body, args) {
  const script = `const args = ${JSON.stringify(args)}; const DIST = ${JSON.stringify(DIST)};\n(async () => { ${body} })().then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`measurement failed: ${r.stderr.trim().slice(-2000)}`);
  return JSON.parse(r.stdout);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function repeat(runs, f) {
  const out = [];
  for (let i = 0; i < runs; i++) out.push(f(i));
  return out;
}

const DWARF_BODY = `
  const { openFile } = await import(DIST + '/io/file-source.js');
  const { ElfFile } = await import(DIST + '/elf/elf-file.js');
  const { openDebugInfo } = await import(DIST + '/target/debug-info.js');
  const { dwarfLayoutCached } = await import(DIST + '/cpython-layouts/layout-cache.js');
  const t0 = performance.now();
  const src = openFile(args.lib);
  if (!src.ok) throw new Error('cannot open ' + args.lib);
  const elf = ElfFile.open(src.value);
  if (!elf.ok) throw new Error('not ELF');
  const r = dwarfLayoutCached({ cacheRoot: args.cacheRoot, buildId: elf.value.buildId(), version: args.version, micro: args.version, binary: args.lib,
    open: () => { const d = openDebugInfo(args.lib, elf.value, []); return d.ok ? { ok: true, value: d.value.dwarf } : d; } });
  if (!r.ok) throw new Error(r.error);
  return { ms: performance.now() - t0, cached: r.value.cached, structs: Object.keys(r.value.layout.structs).length };
`;

const SCAN_BODY = `
  const { openCore } = await import(DIST + '/cli/open-core.js');
  const { Reader } = await import(DIST + '/cpython/reader.js');
  const { scanForDebugOffsets } = await import(DIST + '/cpython/runtime-scan.js');
  const { scanForInterpreterState } = await import(DIST + '/cpython/interpreter-scan.js');
  const { scanCandidateLayouts } = await import(DIST + '/cpython-layouts/layout.js');
  const target = await openCore(args.core, { sysroot: args.empty });
  const { writableSegmentsInOrder } = await import(DIST + '/cpython/runtime-scan.js');
  const writable = writableSegmentsInOrder(target, args.everywhere).reduce((n, p) => n + p.filesz, 0);
  const t0 = performance.now();
  let found, bytes = writable;
  if (args.kind === 'cookie') found = scanForDebugOffsets(target, 1e9, args.everywhere).length > 0;
  else {
    const r = scanForInterpreterState(target, new Reader(target.memory), scanCandidateLayouts(), target.modules[0], { everywhere: args.everywhere });
    found = r.hit !== null;
    bytes = r.bytesScanned;
  }
  return { ms: performance.now() - t0, found, bytes, writable };
`;

const ANALYZE_BODY = `
  const { openCore } = await import(DIST + '/cli/open-core.js');
  const { analyze } = await import(DIST + '/analysis/analyze.js');
  const t0 = performance.now();
  const target = await openCore(args.core, { sysroot: args.empty });
  const { report, fatal } = analyze(target);
  return { ms: performance.now() - t0, fatal, foundBy: report.python && report.python.found_by, threads: report.threads.length };
`;

async function buildCore(version, o) {
  const file = path.join(o.cacheDir, `core-${version}-${o.sizeGib}gib.core`);
  if (!o.rebuild && existsSync(file) && statSync(file).size > o.sizeGib * GIB * 0.5) return file;
  mkdirSync(o.cacheDir, { recursive: true });
  const ready = path.join(o.cacheDir, `ready-${version}`);
  rmSync(ready, { force: true });
  log(`building a ${o.sizeGib} GiB ${version} core (bench/workload.py + gcore) ...`);
  const child = spawn(PY[version], [WORKLOAD, String(Math.round(o.sizeGib * GIB)), ready], { stdio: ['ignore', 'ignore', 'inherit'] });
  const kill = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.on('exit', kill);
  try {
    const deadline = Date.now() + 10 * 60 * 1000;
    while (!existsSync(ready)) {
      if (child.exitCode !== null) throw new Error(`workload exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('workload not ready after 10 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    const prefix = path.join(o.cacheDir, `gcore-${version}`);
    const g = spawnSync('gcore', ['-o', prefix, String(child.pid)], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(`gcore failed: ${(g.stderr || g.stdout).slice(-1000)}`);
    spawnSync('mv', [`${prefix}.${child.pid}`, file]);
  } finally {
    kill();
    rmSync(ready, { force: true });
  }
  return file;
}

function log(s) {
  process.stderr.write(`${s}\n`);
}

const o = parseArgs(process.argv.slice(2));
if (!existsSync(path.join(DIST, 'cli', 'main.js'))) {
  log('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const empty = mkdtempSync(path.join(os.tmpdir(), 'pycore-bench-empty-'));
const results = { runs: o.runs, size_gib: o.sizeGib, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, dwarf: {}, scans: {}, analyze: {} };

for (const v of ['3.12', '3.13']) {
  if (!existsSync(LIBPYTHON[v])) {
    log(`skipping DWARF figures for ${v}: ${LIBPYTHON[v]} not found`);
    continue;
  }
  const cold = repeat(o.runs, () => {
    const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'pycore-bench-cache-'));
    const r = measure(DWARF_BODY, { lib: LIBPYTHON[v], version: v, cacheRoot });
    rmSync(cacheRoot, { recursive: true, force: true });
    if (r.cached) throw new Error('cold run hit a cache');
    return r.ms;
  });
  const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'pycore-bench-cache-'));
  measure(DWARF_BODY, { lib: LIBPYTHON[v], version: v, cacheRoot });
  const warm = repeat(o.runs, () => {
    const r = measure(DWARF_BODY, { lib: LIBPYTHON[v], version: v, cacheRoot });
    if (!r.cached) throw new Error('warm run missed the cache');
    return r.ms;
  });
  rmSync(cacheRoot, { recursive: true, force: true });
  results.dwarf[v] = { cold_ms: median(cold), cache_ms: median(warm) };
}

const cores = {};
for (const v of ['3.12', '3.13']) {
  if (!existsSync(PY[v])) log(`skipping the ${v} core: ${PY[v]} not found`);
  else cores[v] = await buildCore(v, o);
}
const perGib = (rs) => median(rs.map((r) => r.ms / 1000 / (r.bytes / GIB)));
if (cores['3.13']) {
  // Per GiB: every writable segment (heap and stacks too). As pycore runs: module data only.
  const cookie = repeat(o.runs, () => measure(SCAN_BODY, { core: cores['3.13'], empty, kind: 'cookie', everywhere: true }));
  const none = repeat(o.runs, () => measure(SCAN_BODY, { core: cores['3.13'], empty, kind: 'interp', everywhere: true }));
  const cookieModules = repeat(o.runs, () => measure(SCAN_BODY, { core: cores['3.13'], empty, kind: 'cookie', everywhere: false }));
  const noneModules = repeat(o.runs, () => measure(SCAN_BODY, { core: cores['3.13'], empty, kind: 'interp', everywhere: false }));
  results.scans.cookie = { found: cookie[0].found, gib: cookie[0].writable / GIB, ms: median(cookie.map((r) => r.ms)), seconds_per_gib: perGib(cookie.map((r) => ({ ...r, bytes: r.writable }))) };
  results.scans.interp_full_pass = { found: none[0].found, gib: none[0].bytes / GIB, ms: median(none.map((r) => r.ms)), seconds_per_gib: perGib(none) };
  results.scans.cookie_module_data = { found: cookieModules[0].found, mib: cookieModules[0].writable / 2 ** 20, ms: median(cookieModules.map((r) => r.ms)) };
  results.scans.interp_module_data_nothing = { found: noneModules[0].found, mib: noneModules[0].bytes / 2 ** 20, ms: median(noneModules.map((r) => r.ms)) };
  const a = measure(ANALYZE_BODY, { core: cores['3.13'], empty });
  results.analyze['3.13'] = { found_by: a.foundBy, fatal: a.fatal, ms: median(repeat(o.runs, () => measure(ANALYZE_BODY, { core: cores['3.13'], empty }).ms)) };
}
if (cores['3.12']) {
  const find = repeat(o.runs, () => measure(SCAN_BODY, { core: cores['3.12'], empty, kind: 'interp' }));
  results.scans.interp_find = { found: find[0].found, core_gib: statSync(cores['3.12']).size / GIB, scanned_gib: find[0].bytes / GIB, ms: median(find.map((r) => r.ms)) };
  const a = measure(ANALYZE_BODY, { core: cores['3.12'], empty });
  results.analyze['3.12'] = { found_by: a.foundBy, fatal: a.fatal, ms: median(repeat(o.runs, () => measure(ANALYZE_BODY, { core: cores['3.12'], empty }).ms)) };
}
rmSync(empty, { recursive: true, force: true });
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

const f = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const goal = (ok) => (ok ? 'meets goal' : 'MISSES goal');
const out = [];
for (const [v, d] of Object.entries(results.dwarf)) {
  out.push(`layouts from libpython${v} DWARF, cold:   ${f(d.cold_ms).padStart(9)}  (${goal(d.cold_ms < GOALS.dwarfColdMs)} < 2 s)`);
  out.push(`layouts from libpython${v} DWARF, cached: ${f(d.cache_ms).padStart(9)}  (${goal(d.cache_ms < GOALS.dwarfCacheMs)} < 50 ms)`);
}
const s = results.scans;
if (s.cookie) out.push(`cookie scan over every writable segment (3.13, ${s.cookie.gib.toFixed(2)} GiB): ${f(s.cookie.ms)} = ${s.cookie.seconds_per_gib.toFixed(3)} s/GiB (${goal(s.cookie.seconds_per_gib < GOALS.scanSecondsPerGib)} < 1 s/GiB)${s.cookie.found ? '' : ' [cookie NOT found]'}`);
if (s.interp_full_pass) out.push(`interpreter scan over every writable segment, finding nothing (${s.interp_full_pass.gib.toFixed(2)} GiB): ${f(s.interp_full_pass.ms)} = ${s.interp_full_pass.seconds_per_gib.toFixed(3)} s/GiB (${goal(s.interp_full_pass.seconds_per_gib < GOALS.scanSecondsPerGib)} < 1 s/GiB)`);
if (s.cookie_module_data) out.push(`cookie scan as pycore runs it (module data only, ${s.cookie_module_data.mib.toFixed(1)} MiB): ${f(s.cookie_module_data.ms)}${s.cookie_module_data.found ? '' : ' [NOT found]'}`);
if (s.interp_module_data_nothing) out.push(`interpreter scan as pycore runs it, finding nothing (3.13 core, module data only, ${s.interp_module_data_nothing.mib.toFixed(1)} MiB): ${f(s.interp_module_data_nothing.ms)}`);
if (s.interp_find) out.push(`interpreter scan finding 3.12's _PyRuntime (${s.interp_find.core_gib.toFixed(2)} GiB core, ${(s.interp_find.scanned_gib * 1024).toFixed(1)} MiB scanned): ${f(s.interp_find.ms)}${s.interp_find.found ? '' : ' [NOT found]'}`);
for (const [v, a] of Object.entries(results.analyze)) out.push(`pycore analyze, ${v} core, no binaries: ${f(a.ms)} (found by ${a.found_by ?? 'nothing'}${a.fatal ? `; error: ${a.fatal}` : ''})`);
process.stdout.write(`${out.join('\n')}\n(medians of ${o.runs} runs, each in a fresh node process; results in ${path.relative(REPO, RESULTS)})\n`);
