// Paths named inside a core are untrusted: pycore opens them only if they are regular files
// (never a FIFO, which would block, or a device), only for reading, and only under --sysroot
// when one is given, however many `..` the name holds. It never opens a network connection
// and never runs anything a core names.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathUnder } from '../src/io/under-root.js';
import { FileLocator } from '../src/target/file-locator.js';
import { pycore } from './helpers/cli.js';
import { corpusCores, ROOT } from './helpers/corpus.js';

describe('paths under a root', () => {
  it('keeps a name inside the root, whatever its dots', () => {
    expect(pathUnder('/sysroot', '/usr/lib/libc.so.6')).toBe('/sysroot/usr/lib/libc.so.6');
    expect(pathUnder('/sysroot/', 'usr/lib/x.so')).toBe('/sysroot/usr/lib/x.so');
    expect(pathUnder('/sysroot', '/usr/../lib/./x.so')).toBe('/sysroot/lib/x.so');
  });
  it('refuses what would land outside it', () => {
    expect(pathUnder('/sysroot', '/../../etc/shadow')).toBeNull();
    expect(pathUnder('/sysroot', 'a/../../etc/shadow')).toBeNull();
    expect(pathUnder('/sysroot', '../sysroot2/x')).toBeNull();
    expect(pathUnder('/', '/etc/passwd')).toBe('/etc/passwd');
  });
  it('the locator never looks outside --sysroot for a name from the core', () => {
    const loc = new FileLocator({ sysroot: '/sysroot', libPaths: [] });
    for (const name of ['/../../etc/passwd', 'x/../../../etc/passwd', '/usr/lib/libc.so.6'])
      for (const p of loc.places(name, false, null)) expect(p.path.startsWith('/sysroot/')).toBe(true);
  });
});

describe('files named by the core that are not regular files', () => {
  const core = corpusCores().find((c) => c.name === '3.12-segv-threads');
  it('has the core', () => expect(core).toBeDefined());
  it('a FIFO and a device where the binaries should be: skipped, no hang, the interpreter found by scanning', () => {
    if (!core) return;
    const listed = JSON.parse(pycore(['files', core.core, '--format', 'json']).stdout) as { files: { path: string }[] };
    const named = listed.files.map((f) => f.path);
    const lib = named.find((p) => /libpython3\.12/.test(p));
    const exe = named.find((p) => /bin\/python3\.12$/.test(p));
    expect(lib && exe).toBeTruthy();
    const root = mkdtempSync(join(tmpdir(), 'pycore-fifo-sysroot-'));
    mkdirSync(join(root, dirname(lib!)), { recursive: true });
    mkdirSync(join(root, dirname(exe!)), { recursive: true });
    execFileSync('mkfifo', [join(root, lib!)]);
    symlinkSync('/dev/zero', join(root, exe!));
    const r = pycore(['analyze', core.core, '--sysroot', root, '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.python.found_by).toBe('scan');
    expect(report.threads.length).toBe(core.truth.threads.length);
    expect(statSync(join(root, lib!)).isFIFO()).toBe(true);
    // `files` says what it found there instead of opening it.
    const again = JSON.parse(pycore(['files', core.core, '--sysroot', root, '--format', 'json']).stdout) as { files: { path: string; status: string }[] };
    for (const p of [lib, exe]) expect(again.files.find((f) => f.path === p)?.status).not.toBe('found');
  });
});

describe('no network, no programs run', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
  it('nothing pycore runs imports a network module or starts a process', () => {
    // generate-layouts.ts is the developers' generator (runs gdb for ground truth), not a user command.
    const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'tui'))].filter((f) => !f.endsWith('generate-layouts.ts'));
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from 'node:(net|http|https|http2|dgram|dns|tls|child_process)'/);
      expect(text, f).not.toMatch(/(require|import)\(['"](node:)?(net|http|https|http2|dgram|dns|tls|child_process)['"]\)/);
    }
  });
});
