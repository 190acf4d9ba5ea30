#!/usr/bin/env node
// `npm run build`, second step: the CLI that bin/pycore.js runs is one bundle of tsc's output
// (dist/cli/main.js), not 230 modules: node resolves, reads and compiles each module file on its
// own, which cost `pycore analyze` more time than the analysis of a small core. Commands are
// split into chunks loaded on demand (the TUI and triage's workers are not read by `analyze`);
// npm packages other than commander stay outside the bundle, loaded from node_modules as before.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// commander requires node:child_process at load (for executable subcommands, which pycore has
// none of); loading it pulls in net and dgram too. It gets a stand-in that loads it on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (/[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // triage's and the census's workers are loaded by URL from beside the chunk that starts them: entries of their own.
  entryPoints: { main: 'dist/src/cli/main.js', 'triage-worker': 'dist/src/cli/triage-worker.js', 'census-worker': 'dist/src/cli/census-worker.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander (plain CommonJS, read by every command) goes into the bundle: node's CommonJS
  // loader and its export scan cost more than the few KB; the other packages stay in node_modules.
  external: Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies).filter((d) => d !== 'commander'),
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunk-[hash]',
  // commander's require() of node's own modules, inside an ES module.
  banner: { js: "import { createRequire as __pycoreRequire } from 'node:module'; const require = __pycoreRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [lazyChildProcess],
});
