#!/usr/bin/env node
// `npm run build`, second step: the CLI that bin/pycore.js runs is one bundle of tsc's output
// (dist/cli/main.js), not 230 modules: node resolves, reads and compiles each module file on its
// own, which cost `pycore analyze` more time than the analysis of a small core. Commands are
// split into chunks loaded on demand (the TUI and triage's workers are not read by `analyze`);
// npm packages stay outside the bundle, loaded from node_modules as before.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // triage's worker is loaded by URL from beside the chunk that starts it: an entry of its own.
  entryPoints: { main: 'dist/src/cli/main.js', 'triage-worker': 'dist/src/cli/triage-worker.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
