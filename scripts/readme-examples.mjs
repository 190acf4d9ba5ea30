#!/usr/bin/env node
// README examples, produced from the corpus: every block between
//
//   <!-- example: ARGS [| head N] [| lines A-B,C-D] -->
//   ```
//   ...
//   ```
//   <!-- /example -->
//
// is rewritten with `$ pycore ARGS` and what `node bin/pycore.js ARGS` prints (stdout, then
// stderr), run from the repository root with an empty cache directory (so no layout cached by an
// earlier run changes the output). `| head N` keeps the first N lines, `| lines 1-9,20-24` keeps
// those lines; a cut is marked with a `...` line. What a checkout changes is normalised: the
// repository's own absolute path is dropped (paths print relative to it) and core mtimes
// (triage) become `YYYY-MM-DD hh:mm:ss`.
//
//   node scripts/readme-examples.mjs           rewrite README.md
//   node scripts/readme-examples.mjs --check   exit 1 and name the blocks that differ
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// Markers start their line (an indented one, as in the README's own description, is text).
const BLOCK = /^<!-- example: (.+?) -->\n[\s\S]*?^<!-- \/example -->/gm;

/** ARGS and its filters: "analyze core --native | head 20" -> {args, filters}. */
export function parseMarker(text) {
  const [command, ...filters] = text.split(' | ').map((s) => s.trim());
  const args = command.split(/\s+/).filter(Boolean);
  return {
    command,
    args,
    filters: filters.map((f) => {
      const head = /^head (\d+)$/.exec(f);
      if (head) return { kind: 'head', n: Number(head[1]) };
      const lines = /^lines ([\d,-]+)$/.exec(f);
      if (lines) return { kind: 'lines', ranges: lines[1].split(',').map((r) => r.split('-').map(Number)).map(([a, b]) => [a, b ?? a]) };
      throw new Error(`unknown example filter "${f}" (use "head N" or "lines A-B,C-D")`);
    }),
  };
}

/** The output as the README shows it: filtered, cuts marked with "...", mtimes normalised. */
export function shape(output, filters) {
  let lines = output.replace(/\n$/, '').split('\n');
  const total = lines.length;
  for (const f of filters) {
    if (f.kind === 'head') {
      if (lines.length > f.n) lines = [...lines.slice(0, f.n), '...'];
    } else {
      const out = [];
      let next = 1;
      for (const [a, b] of f.ranges) {
        if (a > next) out.push('...');
        out.push(...lines.slice(a - 1, b));
        next = b + 1;
      }
      if (next <= total) out.push('...');
      lines = out;
    }
  }
  return lines
    .join('\n')
    // Paths of files the checkout supplies (sysroot, debug files) are shown relative; paths recorded
    // inside a core or log (the scenario's source file) are the core's own and stay as they are, even
    // when the cores were made in a checkout at this same path.
    .replace(new RegExp(`${ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(?!corpus/(?:scenarios|logs)/)`, 'g'), '')
    .replace(/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b/g, 'YYYY-MM-DD hh:mm:ss');
}

function run(args, cache) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'pycore.js'), ...args], { cwd: ROOT, env: { ...process.env, PYCORE_CACHE_DIR: cache, COLUMNS: '100' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => resolve(out + err));
  });
}

/** README text with every example block regenerated. */
export async function regenerate(readme) {
  // An example marker without its closing line would make the next block's end its own, and the
  // rewrite would drop the prose between them: refuse instead.
  const opens = readme.match(/^<!-- example: .+? -->$/gm)?.length ?? 0;
  const closes = readme.match(/^<!-- \/example -->$/gm)?.length ?? 0;
  if (opens !== closes) throw new Error(`README has ${opens} example markers but ${closes} <!-- /example --> lines: close every block`);
  for (const m of readme.matchAll(BLOCK)) if (/^<!-- example: /m.test(m[0].slice(1))) throw new Error(`README example "${m[1]}" has no <!-- /example --> line before the next example`);
  const blocks = [...readme.matchAll(BLOCK)].map((m) => ({ whole: m[0], marker: m[1], ...parseMarker(m[1]) }));
  const cache = mkdtempSync(join(tmpdir(), 'pycore-readme-'));
  try {
    const outputs = new Array(blocks.length);
    let nextIndex = 0;
    const worker = async () => {
      while (nextIndex < blocks.length) {
        const i = nextIndex++;
        outputs[i] = shape(await run(blocks[i].args, cache), blocks[i].filters);
      }
    };
    await Promise.all(Array.from({ length: Math.min(blocks.length, availableParallelism()) }, worker));
    let i = 0;
    const text = readme.replace(BLOCK, (_, marker) => {
      const body = `$ pycore ${blocks[i].command}\n${outputs[i++]}`;
      const fence = '`'.repeat(Math.max(3, ...[...body.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)));
      return `<!-- example: ${marker} -->\n${fence}\n${body}\n${fence}\n<!-- /example -->`;
    });
    return { text, blocks };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = join(ROOT, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const { text, blocks } = await regenerate(readme);
  if (process.argv.includes('--check')) {
    const before = [...readme.matchAll(BLOCK)].map((m) => m[0]);
    const after = [...text.matchAll(BLOCK)].map((m) => m[0]);
    const stale = blocks.filter((_, i) => before[i] !== after[i]).map((b) => b.marker);
    if (stale.length) {
      process.stderr.write(`README examples out of date (run \`npm run readme:examples\`):\n${stale.map((s) => `  ${s}`).join('\n')}\n`);
      process.exit(1);
    }
    process.stdout.write(`${blocks.length} README examples match what pycore prints\n`);
  } else {
    writeFileSync(path, text);
    process.stdout.write(`${blocks.length} README examples rewritten\n`);
  }
}
