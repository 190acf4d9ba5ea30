// `pycore tui` in a real terminal: tmux runs it at 80x24, keys go in with send-keys, and the
// screen comes back with capture-pane. Skipped (with the reason printed) only where tmux is
// missing. Also: not a terminal -> exit 2 and one line pointing to `analyze`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { corpusCores, ROOT } from './helpers/corpus.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.log('tui end-to-end test skipped: tmux is not installed (apt-get install tmux)');

const socket = `pycore-e2e-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.includes('.test.') ? 0 : statSync(p).mtimeMs);
  }
  return t;
}

/** The global setup rebuilds dist/ when src/ changed; the TUI's sources live in tui/. */
function ensureTuiBuilt(): void {
  const stamp = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest(join(ROOT, 'tui'))) return;
  spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
}

function screen(session: string): string {
  return tmux('capture-pane', '-p', '-t', session).stdout;
}

async function waitFor(session: string, pattern: string | RegExp, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = screen(session);
    if (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the screen was:\n${s}`);
    await sleep(50);
  }
}

async function keys(session: string, ...k: string[]): Promise<void> {
  for (const key of k) {
    tmux('send-keys', '-t', session, key);
    await sleep(30);
  }
}

/** Types text literally, one character at a time (as a person would). */
async function type(session: string, text: string): Promise<void> {
  for (const ch of text) {
    tmux('send-keys', '-t', session, '-l', ch);
    await sleep(20);
  }
}

/**
 * The corpus sysroot plus the scenario's source file at the path the core names: with --sysroot,
 * pycore reads source files only under it (a host file at the same path may be another version).
 */
function sysrootWithSource(file: string): string {
  const root = mkdtempSync(join(tmpdir(), 'pycore-e2e-sysroot-'));
  for (const e of readdirSync(join(ROOT, 'corpus', 'sysroot'))) symlinkSync(join(ROOT, 'corpus', 'sysroot', e), join(root, e));
  mkdirSync(join(root, dirname(file)), { recursive: true });
  symlinkSync(join(ROOT, 'corpus', 'scenarios', file.split('/').pop()!), join(root, file));
  return root;
}

/** Starts `pycore tui CORE` in a detached 80x24 terminal; after it exits the pane prints its status. */
function start(session: string, core: string, sysroot = 'corpus/sysroot'): void {
  const cmd = `cd '${ROOT}' && node bin/pycore.js tui corpus/cores/${core}.core.gz --sysroot '${sysroot}'; echo "pycore exited with $?"; sleep 60`;
  const r = tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', session, cmd);
  if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
}

describe.skipIf(!hasTmux)('pycore tui in a real terminal (tmux)', () => {
  beforeAll(() => ensureTuiBuilt(), 300_000);
  afterAll(() => {
    const path = tmux('display-message', '-p', '#{socket_path}').stdout.trim();
    tmux('kill-server');
    if (path.includes(socket)) rmSync(path, { force: true });
  });

  it('opens a corpus core at 80x24, moves to a frame, follows a resize, and quits cleanly', async () => {
    const truth = corpusCores().find((c) => c.name === '3.12-segv-threads')!.truth;
    const current = truth.threads.find((t) => t.current)!;
    const f = current.frames[2];
    start('segv', '3.12-segv-threads', sysrootWithSource(f.file));
    let s = await waitFor('segv', `Frames of Thread ${current.thread_id}`);
    expect(s).toContain(`Python ${truth.python.version}`);
    await keys('segv', 'Down');
    await waitFor('segv', 'Frame #1 of');
    await keys('segv', 'Down');
    s = await waitFor('segv', `line ${f.line} in ${f.function}`);
    const source = readFileSync(join(ROOT, 'corpus', 'scenarios', f.file.split('/').pop()!), 'utf8').split('\n')[f.line - 1].trim();
    s = await waitFor('segv', source);
    expect(s).toContain(`Frame #2 of ${current.frames.length}`);
    expect(s.split('\n').every((l) => [...l].length <= 80)).toBe(true);

    tmux('resize-window', '-t', 'segv', '-x', '110', '-y', '30');
    s = await waitFor('segv', /crash in \S+\+0x[0-9a-f]+ *\n/);
    expect(s.split('\n').some((l) => [...l].length > 80)).toBe(true);
    expect(s).toContain(`Frame #2 of ${current.frames.length}`);

    await keys('segv', 'q');
    s = await waitFor('segv', 'pycore exited with 0');
    expect(s).not.toContain('Frames of Thread');
  });

  it("opens a local in the inspector and shows CPython's repr of it; l shows the leak hints", async () => {
    const core = corpusCores().find((c) => c.name === '3.12-locals')!;
    const objects = (core.truth as unknown as { snapshot: { extra: { objects: Record<string, { repr: string; id: string }> } } }).snapshot.extra.objects;
    const frame = core.truth.threads.find((t) => t.current)!.frames.findIndex((f) => f.function === 'crash_here');
    start('locals', '3.12-locals');
    await waitFor('locals', 'Frames of Thread');
    for (let i = 1; i <= frame; i++) {
      await keys('locals', 'Down');
      await waitFor('locals', `Frame #${i} of`);
    }
    await keys('locals', 'Enter');
    await waitFor('locals', /▌Frame #/);
    await keys('locals', '/');
    await type('locals', 'cyclic');
    await waitFor('locals', '/cyclic');
    await keys('locals', 'Enter');
    await waitFor('locals', '› cyclic (list)');
    await keys('locals', 'Enter');
    const s = await waitFor('locals', 'Inspector: cyclic');
    expect(s).toContain(objects.cyclic.repr);
    expect(s).toContain(`list at ${objects.cyclic.id}`);
    await keys('locals', 'Escape');
    await waitFor('locals', '› cyclic (list)');
    // The leak hints: the heap opens and is walked in slices behind a spinner, then the list.
    await keys('locals', 'l');
    const leaks = await waitFor('locals', /Uncollected cycles: /);
    expect(leaks).toContain('GC generations');
    await keys('locals', 'Escape');
    await waitFor('locals', '› cyclic (list)');
    await keys('locals', 'q');
    await waitFor('locals', 'pycore exited with 0');
  });
});

describe('pycore tui without a terminal', () => {
  it('exits 2 with one line pointing to analyze', () => {
    const r = pycore(['tui', join(ROOT, 'corpus', 'cores', '3.12-segv-threads.core.gz'), '--sysroot', join(ROOT, 'corpus', 'sysroot')]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/^pycore: tui needs a terminal.*use `pycore analyze /);
    expect(r.stdout).toBe('');
  });
});
