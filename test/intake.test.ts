// Core intake: corpus cores compressed each way (by the real zstd, xz and lz4 tools, at test
// time), named as systemd-coredump names them, and wrapped in apport .crash reports, give exactly
// what the plain core gives, and exactly CPython's ground truth; broken ones get one line.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, deflateSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { openCore } from '../src/cli/open-core.js';
import { splitProcCmdline } from '../src/io/apport.js';
import { renderAnalyzeText } from '../src/reports/text.js';
import { cacheUsage, clearCache } from '../src/io/cache-store.js';
import { Lz4FrameDecoder } from '../src/io/lz4-frame.js';
import { Progress } from '../src/io/progress.js';
import { renderAnalyzeJson } from '../src/reports/json.js';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { CORES, SYSROOT, type Truth } from './helpers/corpus.js';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const TOOLS = { zstd: has('zstd'), xz: has('xz'), lz4: has('lz4') };

let work: string;
let cache: string;
let savedCache: string | undefined;
const plain: Record<string, string> = {};
const truth: Record<string, Truth> = {};
const NAMES = ['3.12-segv-threads', 'debian-3.11-abort'];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pycore-intake-'));
  cache = mkdtempSync(join(tmpdir(), 'pycore-intake-cache-'));
  savedCache = process.env.PYCORE_CACHE_DIR;
  process.env.PYCORE_CACHE_DIR = cache;
  for (const n of NAMES) {
    plain[n] = join(work, `${n}.core`);
    writeFileSync(plain[n], gunzipSync(readFileSync(join(CORES, `${n}.core.gz`))));
    truth[n] = JSON.parse(readFileSync(join(CORES, `${n}.truth.json`), 'utf8')) as Truth;
  }
});

afterAll(() => {
  process.env.PYCORE_CACHE_DIR = savedCache;
  rmSync(work, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** The analysis as JSON, with the core's name taken out (it is the only thing allowed to differ). */
async function analyzed(path: string) {
  const target = await openCore(path, { sysroot: SYSROOT, progress: false });
  const { report, fatal } = analyze(target);
  const origin = target.origin;
  target.close();
  // The analysis proper must not depend on the container; `origin` (and the path) says what it was.
  return { json: JSON.parse(renderAnalyzeJson({ ...report, core: '', origin: null })), fatal, origin, report };
}

function expectTruth(report: Awaited<ReturnType<typeof analyzed>>['report'], t: Truth): void {
  expect(report.python?.version).toBe(t.python.version);
  expect(report.signal?.number ?? null).toBe(t.signal?.number ?? null);
  expect(report.process.pid).toBe(t.process.pid);
  const cur = t.threads.find((x) => x.current)!;
  const mine = report.threads.find((x) => x.current)!;
  expect(mine.frames.slice(0, cur.frames.length).map((f) => [f.function, f.file, f.line])).toEqual(cur.frames.map((f) => [f.function, f.file, f.line]));
}

const variants: { name: string; tool: keyof typeof TOOLS; ext: string; args: (src: string, dst: string) => string[] }[] = [
  { name: 'zstd', tool: 'zstd', ext: 'zst', args: (s, d) => ['-q', '-f', s, '-o', d] },
  { name: 'zstd -1 without checksum', tool: 'zstd', ext: 'zst', args: (s, d) => ['-q', '-f', '-1', '--no-check', s, '-o', d] },
  { name: 'xz', tool: 'xz', ext: 'xz', args: (s) => ['-k', '-f', '-T1', '-3', s] },
  { name: 'lz4 (independent blocks)', tool: 'lz4', ext: 'lz4', args: (s, d) => ['-q', '-f', s, d] },
  { name: 'lz4 linked blocks, block checksums, content size', tool: 'lz4', ext: 'lz4', args: (s, d) => ['-q', '-f', '-BD', '-BX', '--content-size', '-B5', s, d] },
];

describe('compressed cores give what the plain core gives', () => {
  for (const n of NAMES) {
    for (const v of variants) {
      it.skipIf(!TOOLS[v.tool])(`${n}, ${v.name}`, async () => {
        const dst = join(work, `${n}.${v.name.replace(/\W+/g, '-')}.${v.ext}`);
        run(v.tool, v.args(plain[n], dst));
        if (v.tool === 'xz') copyFileSync(`${plain[n]}.xz`, dst);
        const a = await analyzed(dst);
        const b = await analyzed(plain[n]);
        expect(a.fatal).toBeNull();
        expect(a.json).toEqual(b.json);
        expectTruth(a.report, truth[n]);
        expect(a.origin).toMatchObject({ container: 'compressed', compression: v.tool === 'zstd' ? 'zstd' : v.tool, metadata: null });
      });
    }
  }

  it.skipIf(!TOOLS.zstd)('decompresses once: the second open reuses the cached file', async () => {
    const dst = join(work, 'reuse.zst');
    run('zstd', ['-q', '-f', plain[NAMES[0]], '-o', dst]);
    await analyzed(dst);
    const before = readdirSync(join(cache, 'cores')).map((f) => [f, statSync(join(cache, 'cores', f)).mtimeMs]);
    await analyzed(dst);
    const after = readdirSync(join(cache, 'cores')).map((f) => [f, statSync(join(cache, 'cores', f)).mtimeMs]);
    expect(after).toEqual(before);
  });
});

describe('broken compressed cores get one line and leave nothing behind', () => {
  const cases: { name: string; tool: keyof typeof TOOLS; make: (src: string, dst: string) => void; expect: RegExp }[] = [
    { name: 'a truncated zstd file', tool: 'zstd', make: (s, d) => cut(s, d, 'zstd', ['-q', '-f', s, '-o', `${d}.full`]), expect: /compressed data is corrupt or truncated/ },
    { name: 'a truncated xz file', tool: 'xz', make: (s, d) => cut(s, d, 'xz', ['-k', '-f', '-T1', '-0', '-c', s]), expect: /corrupt or truncated \(unexpected end of data/ },
    { name: 'a truncated lz4 file', tool: 'lz4', make: (s, d) => cut(s, d, 'lz4', ['-q', '-f', s, `${d}.full`]), expect: /corrupt or truncated \(unexpected end of data/ },
    { name: 'an lz4 file with a flipped bit', tool: 'lz4', make: (s, d) => flip(s, d, 'lz4', ['-q', '-f', s, `${d}.full`]), expect: /corrupt or truncated \((LZ4 content checksum mismatch|corrupt LZ4 block)/ },
    { name: 'an xz file with a flipped bit', tool: 'xz', make: (s, d) => flip(s, d, 'xz', ['-k', '-f', '-T1', '-0', '-c', s]), expect: /corrupt or truncated \(corrupt data\)/ },
  ];
  for (const c of cases) {
    it.skipIf(!TOOLS[c.tool])(c.name, () => {
      const dst = join(work, `broken-${c.name.replace(/\W+/g, '-')}`);
      c.make(plain[NAMES[0]], dst);
      const r = pycore(['analyze', dst, '--sysroot', SYSROOT]);
      expect(r.code).toBe(2);
      expect(expectOneLineError(r)).toMatch(c.expect);
      expect(readdirSync(join(cache, 'cores')).filter((f) => f.endsWith('.partial'))).toEqual([]);
    });
  }

  it('a bzip2 file is named as such, with the command that unpacks it', () => {
    const p = join(work, 'core.bz2');
    writeFileSync(p, Buffer.from('BZh91AY&SY'));
    const r = pycore(['analyze', p]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/bzip2-compressed, which pycore does not decompress .*bunzip2 -k/);
  });
});

/** Compresses with the tool (to stdout or to `${dst}.full`), then keeps the first 60 %. */
function cut(_src: string, dst: string, tool: string, args: string[]): void {
  const full = compressed(dst, tool, args);
  writeFileSync(dst, full.subarray(0, Math.floor(full.length * 0.6)));
}

function flip(_src: string, dst: string, tool: string, args: string[]): void {
  const full = Buffer.from(compressed(dst, tool, args));
  full[Math.floor(full.length / 2)] ^= 0x55;
  writeFileSync(dst, full);
}

function compressed(dst: string, tool: string, args: string[]): Buffer {
  const r = spawnSync(tool, args, { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
  return existsSync(`${dst}.full`) ? readFileSync(`${dst}.full`) : r.stdout;
}

describe('systemd-coredump', () => {
  it.skipIf(!TOOLS.zstd)('a core in /var/lib/systemd/coredump form opens directly, with the metadata in its name', async () => {
    const n = NAMES[0];
    const t = truth[n];
    const usec = 1716000000123456;
    const name = `core.python3\\x2e12.1000.0123456789abcdef0123456789abcdef.${t.process.pid}.${usec}.zst`;
    const dst = join(work, name);
    run('zstd', ['-q', '-f', plain[n], '-o', dst]);
    const a = await analyzed(dst);
    expect(a.json).toEqual((await analyzed(plain[n])).json);
    expectTruth(a.report, t);
    expect(a.origin?.container).toBe('systemd-coredump');
    expect(a.origin?.metadata).toMatchObject({ source: 'systemd-coredump file name', pid: t.process.pid, uid: 1000, comm: 'python3.12', bootId: '0123456789abcdef0123456789abcdef', time: new Date(usec / 1000).toISOString() });
  });
});

// ---------------------------------------------------------------------------------------------
// apport: reports written the way apport's problem_report.py writes them (ProblemReport.write):
// text keys first, then `CoreDump: base64` and one base64 line per compressor output: a gzip
// header naming the key, raw deflate pieces, the CRC32 and size trailer on the last line.

const apportEscape = (argv: string[]) => argv.map((a) => a.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')).join(' ');

function apportReport(core: Buffer, t: Truth, style: 'lines' | 'one-line' | 'legacy-zlib' | 'no-core'): Buffer {
  const fields: Record<string, string> = {
    ProblemType: 'Crash',
    Date: 'Thu May  9 07:40:00 2026',
    ExecutablePath: t.process.argv[t.process.argv.length - 1],
    InterpreterPath: t.python.executable,
    ProcCmdline: apportEscape(t.process.argv),
    ProcStatus: `Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t${t.process.pid}\nUid:\t1000\t1000\t1000\t1000`,
    Signal: String(t.signal!.number),
    Package: 'python3.12 3.12.1-1',
  };
  const lines: string[] = [];
  for (const [k, v] of Object.entries(fields)) lines.push(v.includes('\n') ? `${k}:\n ${v.replace(/\n/g, '\n ')}` : `${k}: ${v}`);
  if (style !== 'no-core') {
    lines.push('CoreDump: base64');
    if (style === 'legacy-zlib') {
      const z = deflateSync(core);
      for (let i = 0; i < z.length; i += 700_000) lines.push(` ${z.subarray(i, i + 700_000).toString('base64')}`);
    } else {
      const header = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0x02, 0xff]), Buffer.from('CoreDump\0')]);
      const body = deflateRawSync(core, { level: 6 });
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(crc32(core) >>> 0, 0);
      trailer.writeUInt32LE(core.length >>> 0, 4);
      if (style === 'one-line') lines.push(` ${Buffer.concat([header, body, trailer]).toString('base64')}`);
      else {
        lines.push(` ${header.toString('base64')}`);
        const pieces: Buffer[] = [];
        for (let i = 0; i < body.length; i += 333_333) pieces.push(body.subarray(i, i + 333_333));
        pieces[pieces.length - 1] = Buffer.concat([pieces[pieces.length - 1], trailer]);
        for (const p of pieces) lines.push(` ${p.toString('base64')}`);
      }
    }
  }
  lines.push('UserGroups: N/A');
  return Buffer.from(lines.join('\n') + '\n');
}

describe('apport .crash reports', () => {
  for (const style of ['lines', 'one-line', 'legacy-zlib'] as const) {
    it(`unpacks the CoreDump field (${style}) and reads the report's metadata`, async () => {
      const n = NAMES[0];
      const t = truth[n];
      const p = join(work, `_usr_bin_python3.12.1000.${style}.crash`);
      writeFileSync(p, apportReport(readFileSync(plain[n]), t, style));
      const a = await analyzed(p);
      expect(a.fatal).toBeNull();
      expect(a.json).toEqual((await analyzed(plain[n])).json);
      expectTruth(a.report, t);
      expect(a.origin?.container).toBe('apport');
      expect(a.origin?.metadata).toMatchObject({
        source: 'apport',
        executable: t.python.executable,
        script: t.process.argv[t.process.argv.length - 1],
        argv: t.process.argv,
        signal: t.signal!.number,
        pid: t.process.pid,
        uid: 1000,
        time: 'Thu May  9 07:40:00 2026',
        extra: { ProblemType: 'Crash', Package: 'python3.12 3.12.1-1' },
      });
      expect(a.report.origin?.container).toBe('apport');
      expect(renderAnalyzeText(a.report)).toMatch(/^Origin: {5}apport report, recorded Thu May  9 07:40:00 2026, package python3\.12 3\.12\.1-1$/m);
    });
  }

  it('a report without a core says so in one line', () => {
    const p = join(work, 'nocore.crash');
    writeFileSync(p, apportReport(Buffer.alloc(0), truth[NAMES[0]], 'no-core'));
    const r = pycore(['analyze', p]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/nocore\.crash: the report has no CoreDump field/);
  });

  it("apport's ProcCmdline escaping round-trips arguments with spaces, backslashes and empty ones (apport itself drops trailing empty ones)", () => {
    const argv = ['/usr/bin/python3', '-c', 'print("a b")', '', 'C:\\dir with space\\x'];
    expect(splitProcCmdline(apportEscape(argv))).toEqual(argv);
  });
});

describe('cache', () => {
  it('`pycore cache` shows the size and `pycore cache clear` removes only what pycore made', () => {
    const root = mkdtempSync(join(tmpdir(), 'pycore-cache-clear-'));
    const cores = join(root, 'cores');
    spawnSync('mkdir', ['-p', cores]);
    writeFileSync(join(cores, `${'a'.repeat(32)}.core`), Buffer.alloc(1000));
    writeFileSync(join(cores, `${'b'.repeat(32)}.apport.json`), '{}');
    writeFileSync(join(cores, `${'c'.repeat(32)}.core.1-0-abcd.partial`), 'x');
    writeFileSync(join(cores, 'unrelated.txt'), 'keep me');
    writeFileSync(join(root, 'other'), 'keep me');
    expect(cacheUsage(root)).toEqual({ dir: root, cores: 1, files: 3, bytes: 1003 });
    const env = { ...process.env, PYCORE_CACHE_DIR: root };
    const show = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'pycore.js'), 'cache'], { encoding: 'utf8', env });
    expect(show.stdout).toContain(`Cache: ${root}`);
    expect(show.stdout).toContain('1 decompressed core, 1003 bytes in 3 files');
    // The young partial file may belong to a run in progress: kept; an hour later it goes.
    expect(clearCache(root)).toEqual({ removed: 2, bytes: 1002, kept: 1 });
    expect(clearCache(root, Date.now() + 2 * 3600_000)).toEqual({ removed: 1, bytes: 1, kept: 0 });
    expect(readdirSync(cores)).toEqual(['unrelated.txt']);
    expect(existsSync(join(root, 'other'))).toBe(true);
    const clear = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'pycore.js'), 'cache', 'clear'], { encoding: 'utf8', env });
    expect(clear.status).toBe(0);
    expect(clear.stdout).toContain('Removed 0 files');
    rmSync(root, { recursive: true, force: true });
  });
});

describe('progress', () => {
  it('draws only on a terminal, only after a second, and erases itself', () => {
    let now = 0;
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) };
    const p = new Progress(tty, 'decompressing core.zst (zstd)', 2048, { now: () => now });
    p.update(100);
    now = 999;
    p.update(500);
    expect(written).toEqual([]);
    now = 1000;
    p.update(1024);
    expect(written).toEqual(['\r\x1b[Kpycore: decompressing core.zst (zstd): 50% of 2.0 KiB']);
    p.finish();
    expect(written[1]).toBe('\r\x1b[K');
    const pipe = { isTTY: false, write: (s: string) => written.push(s) };
    const q = new Progress(pipe, 'x', 10, { now: () => now, delayMs: 0 });
    now += 5000;
    q.update(5);
    q.finish();
    expect(written.length).toBe(2);
  });
});

describe('LZ4 frame decoder on malformed input', () => {
  const decode = (b: Buffer) => {
    const d = new Lz4FrameDecoder(() => {});
    d.push(b);
    d.end();
  };
  it('rejects bad magic, a bad header checksum, an oversized block and a truncated frame', () => {
    expect(() => decode(Buffer.from('not lz4 at all'))).toThrow(/not an LZ4 frame/);
    // magic, FLG (version 1, independent blocks), BD (64 KiB), wrong header checksum
    expect(() => decode(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x00]))).toThrow(/header checksum mismatch/);
    expect(() => decode(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]))).toThrow(/unexpected end of data/);
    expect(() => decode(Buffer.alloc(0))).toThrow(/no LZ4 frame/);
  });
});
