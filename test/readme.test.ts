// The README's examples are what pycore prints on the corpus (scripts/readme-examples.mjs
// regenerates them; this fails when one has drifted), and its table of exit codes is the code's.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/common.js';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { CORES, ROOT, SYSROOT, nonPythonCore } from './helpers/corpus.js';
// @ts-expect-error: a plain .mjs script without types
import { parseMarker, regenerate, shape } from '../scripts/readme-examples.mjs';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README examples', () => {
  it('cuts and marks the output as the marker says', () => {
    const out = ['a', 'b', 'c', 'd', 'e', 'f'].join('\n') + '\n';
    expect(shape(out, parseMarker('x | head 2').filters)).toBe('a\nb\n...');
    expect(shape(out, parseMarker('x | lines 2-3,5').filters)).toBe('...\nb\nc\n...\ne\n...');
    expect(shape(out, parseMarker('x | lines 1-6').filters)).toBe(out.trimEnd());
    expect(shape(`at ${ROOT}/corpus/x on 2026-11-22 02:23:00\n`, [])).toBe('at corpus/x on YYYY-MM-DD hh:mm:ss');
    expect(() => parseMarker('x | tail 3')).toThrow(/unknown example filter/);
    // A path recorded inside a core (the scenario's source) stays, even under this checkout.
    expect(shape(`File "${ROOT}/corpus/scenarios/a.py"\n`, [])).toBe(`File "${ROOT}/corpus/scenarios/a.py"`);
  });

  it('refuses a marker without its closing line rather than dropping the prose after it', async () => {
    const open = '<!-- example: --version -->\n```\n```\n';
    await expect(regenerate(`${open}\nprose\n${open}<!-- /example -->\n`)).rejects.toThrow(/example markers but 1 <!-- \/example -->/);
  });

  it('the first example is what `npm run demo` runs', () => {
    const demo = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.demo as string;
    const first = /^<!-- example: (.+?) -->$/m.exec(readme)![1];
    expect(demo).toBe(`node bin/pycore.js ${first}`);
  });

  it('every marked example is what pycore prints now (`npm run readme:examples` rewrites them)', async () => {
    const { text, blocks } = await regenerate(readme);
    expect(blocks.length).toBeGreaterThanOrEqual(20);
    const at = (t: string) => [...t.matchAll(/^<!-- example: [\s\S]*?^<!-- \/example -->/gm)].map((m) => m[0]);
    const stale = at(readme).map((b, i) => ({ b, now: at(text)[i] })).filter((x) => x.b !== x.now);
    expect(stale.map((x) => x.now)).toEqual([]);
  }, 300_000);
});

describe('exit codes', () => {
  const table = readme.slice(readme.indexOf('### Exit codes'));
  const rows = [...table.slice(0, table.indexOf('\n\n', table.indexOf('| code |'))).matchAll(/^\| (\d) \| (.+) \|$/gm)].map((m) => Number(m[1]));

  it("the README's table lists exactly the codes the CLI uses", () => {
    expect(rows).toEqual(Object.values(EXIT).sort());
  });

  it('0: something was shown', () => {
    const r = pycore(['analyze', join(CORES, '3.12-segv-threads.core.gz'), '--sysroot', SYSROOT]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain('Current thread 0x');
  });

  it('1: a core without Python state', () => {
    const r = pycore(['analyze', nonPythonCore(), '--sysroot', SYSROOT]);
    expect(r.code).toBe(EXIT.noPython);
    expectOneLineError(r);
  });

  it('2: bad usage and unreadable input', () => {
    expect(pycore(['analyze']).code).toBe(EXIT.usage);
    expect(pycore(['analyze', join(ROOT, 'README.md')]).code).toBe(EXIT.usage);
  });

  it('3: pycore itself is broken (here: a copy of bin/ without its compiled dist/)', () => {
    const d = mkdtempSync(join(tmpdir(), 'pycore-nodist-'));
    try {
      cpSync(join(ROOT, 'bin'), join(d, 'bin'), { recursive: true });
      const r = spawnSync(process.execPath, [join(d, 'bin', 'pycore.js'), '--version'], { encoding: 'utf8' });
      expect(r.status).toBe(EXIT.internal);
      expect(r.stderr).toMatch(/^pycore: pycore is not built \(dist\/ is missing or incomplete\); run `npm ci` or `npm run build`\n$/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
