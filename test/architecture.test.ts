// The lint rules of the architecture: data flows one way (io -> elf -> target -> cpython ->
// analysis -> reports / tui), dwarf never imports elf, and only src/cpython-layouts compares
// Python version numbers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/corpus.js';

/** What each folder may import from (besides itself and node: built-ins and packages). */
const allowed: Record<string, string[]> = {
  'src/io': [],
  'src/elf': ['src/io'],
  'src/dwarf': ['src/io'],
  'src/target': ['src/io', 'src/elf', 'src/dwarf'],
  'src/cpython-layouts': ['src/io', 'src/dwarf'],
  'src/cpython': ['src/io', 'src/elf', 'src/target', 'src/cpython-layouts'],
  'src/analysis': ['src/io', 'src/elf', 'src/target', 'src/cpython-layouts', 'src/cpython'],
  'src/reports': ['src/analysis'],
  'src/cli': ['src/io', 'src/elf', 'src/target', 'src/cpython-layouts', 'src/cpython', 'src/analysis', 'src/reports', 'tui'],
  tui: ['src/analysis', 'src/reports'],
};

function files(dir: string): string[] {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.tsx?$/.test(e) && !/\.test\.tsx?$/.test(e)) out.push(p);
  }
  return out;
}

function layerOf(file: string): string | null {
  const rel = relative(ROOT, file);
  return Object.keys(allowed).find((l) => rel === l || rel.startsWith(`${l}/`)) ?? null;
}

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('architecture', () => {
  const all = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'tui'))];

  it('every source file lives in a known layer', () => {
    expect(all.filter((f) => layerOf(f) === null).map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('imports only go down the data flow', () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = layerOf(f)!;
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(importRe)) {
        const spec = m[1] ?? m[2];
        if (!spec.startsWith('.')) continue;
        const to = layerOf(resolve(dirname(f), spec));
        if (to === null || to === from) continue;
        if (!allowed[from].includes(to)) bad.push(`${relative(ROOT, f)} imports ${spec} (${from} -> ${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('analyze does not load the TUI (ink/react) at start-up', () => {
    const bad = all.filter((f) => !relative(ROOT, f).startsWith('tui')).filter((f) => /from\s+['"](ink|react)['"]/.test(readFileSync(f, 'utf8')));
    expect(bad.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('Python version numbers are compared only in src/cpython-layouts', () => {
    const cmp = [/\b(major|minor|micro)\s*(?:[<>]=?|===?|!==?)\s*\d/, /\d\s*(?:[<>]=?|===?|!==?)\s*[\w.]*\b(major|minor|micro)\b/, /\bPY_VERSION_HEX\b/, /0x030[0-9a-f]{5}\b/i];
    const bad: string[] = [];
    for (const f of all) {
      if (relative(ROOT, f).startsWith('src/cpython-layouts')) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (cmp.some((re) => re.test(line))) bad.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(bad).toEqual([]);
  });
});
