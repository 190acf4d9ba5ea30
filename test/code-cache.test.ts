// `pycore analyze` runs from dist/cli/analyze.cjs with a V8 code cache in pycore's cache
// directory (bin/pycore.js): the first run makes it, later runs use it, and a cache that does
// not fit (damaged, or made by another node) is turned away and remade.
// Every run must still print what CPython's faulthandler printed.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusCores, ROOT, SYSROOT } from './helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'pycore-code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const c = corpusCores().find((x) => x.name === '3.12-segv-threads')!;
// Uncompressed: a .gz core would be unpacked into the cache directory under test.
const core = join(dir, 'core');
writeFileSync(core, gunzipSync(readFileSync(c.core)));

function analyze(cacheDir: string, bin = join(ROOT, 'bin', 'pycore.js')) {
  const r = spawnSync(process.execPath, [bin, 'analyze', core, '--sysroot', SYSROOT], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PYCORE_CACHE_DIR: cacheDir },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(c.truth.faulthandler_text!);
  return r.stdout;
}

function caches(cacheDir: string): string[] {
  try {
    return readdirSync(join(cacheDir, 'code')).map((f) => join(cacheDir, 'code', f));
  } catch {
    return [];
  }
}

describe('the code cache of the analyze bundle', () => {
  it('is made by the first run and used by the next, which print the same tracebacks', () => {
    const cache = join(dir, 'fresh');
    const cold = analyze(cache);
    const made = caches(cache);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(new RegExp(`analyze-[0-9a-f]{32}-${process.version}-${process.arch}\\.v8$`));
    const bundle = readFileSync(join(ROOT, 'dist', 'cli', 'analyze.cjs'), 'latin1');
    expect(made[0]).toContain(/^\/\/ pycore-bundle ([0-9a-f]{32})\n/.exec(bundle)![1]);
    const before = statSync(made[0]).mtimeMs;
    const bytes = readFileSync(made[0]);
    expect(analyze(cache)).toBe(cold);
    // Accepted: not written again.
    expect(statSync(made[0]).mtimeMs).toBe(before);
    expect(readFileSync(made[0]).equals(bytes)).toBe(true);
  });

  it('turns away a damaged or foreign cache and writes a good one', () => {
    const cache = join(dir, 'damaged');
    analyze(cache);
    const [file] = caches(cache);
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    for (let i = 64; i < bad.length; i += 7) bad[i] ^= 0x5a;
    writeFileSync(file, bad);
    analyze(cache);
    expect(readFileSync(file).equals(bad)).toBe(false);
    expect(caches(cache)).toEqual([file]);
    // Whole, but made for a source of another length (a bundle edited after its hash line was
    // written): V8 turns it away, and the cache is made anew for this one.
    const other = join(dir, 'other');
    mkdirSync(join(other, 'bin'), { recursive: true });
    mkdirSync(join(other, 'dist', 'cli'), { recursive: true });
    cpSync(join(ROOT, 'bin', 'pycore.js'), join(other, 'bin', 'pycore.js'));
    writeFileSync(join(other, 'dist', 'cli', 'analyze.cjs'), `${readFileSync(join(ROOT, 'dist', 'cli', 'analyze.cjs'), 'latin1')}\n// edited\n`);
    const accepted = readFileSync(file);
    analyze(cache, join(other, 'bin', 'pycore.js'));
    expect(readFileSync(file).equals(accepted)).toBe(false);
    expect(caches(cache)).toEqual([file]);
  });

  it('runs without a cache when the cache directory cannot be made', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    analyze(join(blocker, 'pycore'));
  });
});
