#!/usr/bin/env node
// Entry point: the bundled CLI lives in dist/cli/ (built by `npm ci` through the prepare script:
// tsc, then scripts/bundle.mjs). `pycore analyze` runs from a bundle of its own (analyze.cjs),
// compiled with a V8 code cache kept in pycore's cache directory: compiling the bundle's code
// is a large part of analyzing a small core, and node 20 caches no compiled code of its own.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Loaded only on the way to a bundle (other commands start without them).
const require = createRequire(import.meta.url);
let zlib;
const cliDir = fileURLToPath(new URL('../dist/cli/', import.meta.url));

function cannotStart(e) {
  const missing = e && e.code === 'ERR_MODULE_NOT_FOUND';
  process.stderr.write(`pycore: ${missing ? 'pycore is not built (dist/ is missing or incomplete); run `npm ci` or `npm run build`' : `cannot start: ${e && e.message ? e.message : e}`}\n`);
  process.exit(3);
}

/** src/io/cache-dir.ts's rule (the bundle is not loaded yet). */
function cacheDir(env) {
  if (env.PYCORE_CACHE_DIR) return env.PYCORE_CACHE_DIR;
  return path.join(env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache'), 'pycore');
}

/** mkdir -p, one level at a time: node 20's recursive mkdirSync can spin forever (e.g. under /proc). */
function makeDirs(dir) {
  const missing = [];
  for (let d = dir; !existsSync(d); d = path.dirname(d)) {
    if (missing.length > 32 || d === path.dirname(d)) return;
    missing.unshift(d);
  }
  for (const d of missing) mkdirSync(d);
}

/** Code caches of this bundle's earlier builds, unused for a week (other checkouts' are newer). */
function pruneOlder(dir, name, keep) {
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (p !== keep && f.startsWith(`${name}-`) && /\.v8(\.\d+\.partial)?$/.test(f) && statSync(p).mtimeMs < weekAgo) rmSync(p, { force: true });
  }
}

/**
 * The code cache file: the CRC-32 of V8's data, then the data. V8 checks that a cache fits its
 * version, its flags and the source's length, but not that the data is whole: a damaged cache
 * would crash it. (zlib.crc32 came with node 20.15; before it there is no cache.)
 */
function readCodeCache(file) {
  if (!zlib.crc32) return undefined;
  let b;
  try {
    b = readFileSync(file);
  } catch {
    return undefined;
  }
  const data = b.subarray(4);
  return b.length > 4 && zlib.crc32(data) === b.readUInt32LE(0) ? data : undefined;
}

function codeCacheFile(data) {
  const whole = Buffer.alloc(4 + data.length);
  whole.writeUInt32LE(zlib.crc32(data), 0);
  data.copy(whole, 4);
  return whole;
}

/**
 * Runs dist/cli/NAME.cjs's main, or returns false when there is no such bundle. The code cache
 * is named by the bundle's hash (its first line), node's version and the CPU; a cache that is
 * damaged or that V8 turns away is written anew when the run ends.
 */
function runBundle(name) {
  const file = path.join(cliDir, `${name}.cjs`);
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const hash = source && /^\/\/ pycore-bundle ([0-9a-f]{32})\n/.exec(source)?.[1];
  if (!hash) return false;
  const v8 = require('node:v8');
  const vm = require('node:vm');
  zlib = require('node:zlib');
  // V8 optimizes a function once it has run this many bytes of bytecode a few times over; the
  // default (67584) has TurboFan compile dozens of functions in a run that is over in a third
  // of a second (about a quarter of its CPU time). A long run still has its hot loops optimized,
  // a few milliseconds later. Set before compiling: the code cache records the flags it was made with.
  v8.setFlagsFromString('--interrupt-budget=2000000');
  const codeDir = path.join(cacheDir(process.env), 'code');
  const cacheFile = path.join(codeDir, `${name}-${hash}-${process.version}-${process.arch}.v8`);
  const cachedData = readCodeCache(cacheFile);
  const script = new vm.Script(source, { filename: file, cachedData });
  if (zlib.crc32 && (!cachedData || script.cachedDataRejected)) {
    // At exit the cache also holds the functions this run compiled (those analyze needs).
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.partial`;
      try {
        makeDirs(codeDir);
        writeFileSync(tmp, codeCacheFile(script.createCachedData()));
        renameSync(tmp, cacheFile);
        pruneOlder(codeDir, name, cacheFile);
      } catch {
        // no writable cache directory: the next run compiles again
        try {
          rmSync(tmp, { force: true });
        } catch {
          // nothing was written
        }
      }
    });
  }
  const module = { exports: {} };
  try {
    script.runInThisContext()(module.exports, createRequire(file), module, file, cliDir, pathToFileURL(file).href);
  } catch (e) {
    cannotStart(e);
  }
  module.exports.main(process.argv).catch(cannotStart);
  return true;
}

if (process.argv[2] !== 'analyze' || !runBundle('analyze')) import('../dist/cli/main.js').then((m) => m.main(process.argv), cannotStart);
