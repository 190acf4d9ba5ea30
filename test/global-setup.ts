// Runs once before the suite: builds dist/ when it is missing or older than src/ (CLI tests
// spawn bin/pycore.js), and points pycore's cache at a per-checkout directory so decompressed
// corpus cores are shared by every test file and reused across runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  // The bundle bin/pycore.js runs (scripts/bundle.mjs, from tsc's output): what users run.
  const stamp = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < Math.max(newest(join(root, 'src')), newest(join(root, 'tui')))) {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  }
  const cache = join(tmpdir(), `pycore-test-cache-${createHash('sha1').update(root).digest('hex').slice(0, 8)}`);
  mkdirSync(cache, { recursive: true });
  process.env.PYCORE_CACHE_DIR = cache;
}
