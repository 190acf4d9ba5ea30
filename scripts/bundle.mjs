#!/usr/bin/env node
// `npm run build`, second step: the CLI that bin/pycore.js runs is one bundle of tsc's output
// (dist/cli/main.js), not 230 modules: node resolves, reads and compiles each module file on its
// own, which cost `pycore analyze` more time than the analysis of a small core. Commands are
// split into chunks loaded on demand (the TUI and triage's workers are not read by `analyze`);
// npm packages other than commander stay outside the bundle, loaded from node_modules as before.
import assert from 'node:assert';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

// The generated layout tables (190 KB of object literals, one per CPython build) are evaluated
// when their module loads, though a run reads one. In the bundle each is a JSON string parsed on
// first use, behind a getter (src/cpython-layouts/tables.ts copies the getters without calling them).
const generatedIndex = path.join(root, 'dist', 'src', 'cpython-layouts', 'generated', 'index.js');
const { generatedLayouts } = await import(pathToFileURL(generatedIndex).href);
const lazyLayouts = {
  name: 'lazy-layouts',
  setup(b) {
    b.onLoad({ filter: /[\\/]cpython-layouts[\\/]generated[\\/]index\.js$/ }, (args) => {
      if (path.resolve(args.path) !== generatedIndex) return undefined;
      const entries = Object.entries(generatedLayouts).map(([k, v]) => {
        const json = JSON.stringify(v);
        // Only plain data survives JSON as it is: anything else stops the build.
        assert.deepStrictEqual(JSON.parse(json), v, `layout table ${k} is not plain JSON data`);
        return `${JSON.stringify(k)}: lazy(${JSON.stringify(json)})`;
      });
      return {
        contents: `const lazy = (json) => { let v; return { enumerable: true, get: () => (v ??= JSON.parse(json)) }; };\nexport const generatedLayouts = Object.defineProperties({}, {\n${entries.join(',\n')}\n});\n`,
        loader: 'js',
      };
    });
  },
};
const outdir = path.join(root, 'dist', 'cli');
const dependencies = Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies);
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
  external: dependencies.filter((d) => d !== 'commander'),
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunk-[hash]',
  // commander's require() of node's own modules, inside an ES module.
  banner: { js: "import { createRequire as __pycoreRequire } from 'node:module'; const require = __pycoreRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [lazyChildProcess, lazyLayouts],
});

// `pycore analyze` (the command run most, on small cores, where start-up is most of the time)
// also gets a bundle of its own: one classic script holding main.js with only the analyze
// command, which bin/pycore.js compiles through node:vm with a V8 code cache (node 20's ES
// module loader has none). Its first line names the hash of the rest: the code cache is kept
// under that name, so a rebuilt bundle never meets the code of an older one.
const onlyAnalyze = {
  name: 'only-analyze',
  setup(b) {
    // main.js imports the command it is given; with this bundle that is always analyze.
    b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) => (/[\\/]cli[\\/]main\.js$/.test(args.importer) && args.path !== './commands/analyze.js' ? { path: args.path, namespace: 'not-analyze' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'not-analyze' }, () => ({ contents: "throw new Error('the analyze bundle holds no other command');", loader: 'js' }));
  },
};
// A classic script compiled through node:vm has dynamic import() only behind an experimental
// option (which prints a warning): the one package analyze imports on demand, fzstd (for zstd
// cores), is required through its CommonJS entry instead, and the build checks none is left.
const requireFzstd = {
  name: 'require-fzstd',
  setup(b) {
    b.onResolve({ filter: /^fzstd$/ }, (args) => (args.namespace === 'require-fzstd' ? { path: 'fzstd', external: true } : { path: 'fzstd', namespace: 'require-fzstd' }));
    b.onLoad({ filter: /.*/, namespace: 'require-fzstd' }, () => ({ contents: "module.exports = require('fzstd');", loader: 'js' }));
  },
};
const analyze = await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/main.js'],
  write: false,
  outfile: path.join(outdir, 'analyze.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: dependencies.filter((d) => d !== 'commander'),
  minifyWhitespace: true,
  minifySyntax: true,
  // bin/pycore.js passes the bundle's own file URL (a classic script has no import.meta).
  define: { 'import.meta.url': '__pycoreUrl' },
  logLevel: 'warning',
  plugins: [lazyChildProcess, lazyLayouts, onlyAnalyze, requireFzstd],
});
const code = analyze.outputFiles[0].text;
if (/\bimport\(/.test(code)) throw new Error('dist/cli/analyze.cjs would hold a dynamic import(), which a node:vm script cannot run without an experimental option');
// Written as the function node's CommonJS loader would wrap it, so that bin/pycore.js compiles
// the file's text as it is (no second copy of 600 KB of source made by concatenation).
const wrapped = `(function (exports, require, module, __filename, __dirname, __pycoreUrl) {${code}\n})`;
writeFileSync(path.join(outdir, 'analyze.cjs'), `// pycore-bundle ${createHash('sha256').update(wrapped).digest('hex').slice(0, 32)}\n${wrapped}\n`);
