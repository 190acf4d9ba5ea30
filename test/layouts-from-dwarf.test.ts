// The committed layout tables (src/cpython-layouts/generated) against two references:
//  1. what gdb printed at generation time (corpus/layouts-gdb/*.txt: `ptype /o`, enum `ptype`,
//     offsetof/sizeof prints) — always runs, needs no interpreter;
//  2. what src/dwarf extracts from the real builds' DWARF (/root/.pyenv) — runs where they exist.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../src/elf/elf-file.js';
import { openFile } from '../src/io/file-source.js';
import { openDebugInfo } from '../src/target/debug-info.js';
import { ELEM_SIZE, ENUM_SPECS, extractLayoutData, STRUCT_SPECS } from '../src/cpython-layouts/from-dwarf.js';
import { generatedLayouts } from '../src/cpython-layouts/generated/index.js';
import { moduleBody, renderLayoutModule } from '../src/cpython-layouts/generator/render.js';
import { BUILDS, buildLibrary, truthSections } from '../src/cli/generate-layouts.js';
import { flatten, parseEnum, parsePtype, printed } from './helpers/gdb-truth.js';
import { CORPUS, ROOT } from './helpers/corpus.js';

describe.each(BUILDS)('layout table %s against gdb at generation time', (key, micro, mod) => {
  const text = readFileSync(join(CORPUS, 'layouts-gdb', `${mod}.txt`), 'utf8');
  const sections = truthSections(text);
  const g = generatedLayouts[key];

  it('was generated from the build gdb read', () => {
    expect(text).toContain(`build-id ${g.generatedFrom.buildId}`);
    expect(g.generatedFrom.micro).toBe(micro);
  });

  it('every struct has the size, member offsets and bitfields gdb printed', () => {
    let checked = 0;
    for (const spec of STRUCT_SPECS) {
      const st = g.structs[spec.key];
      if (spec.mode === 'all') {
        const name = spec.names.find((n) => (parsePtype(sections.get(`ptype /o ${n}`) ?? '')?.members.length ?? 0) > 0);
        if (!name) {
          expect(st, `${spec.key} absent in gdb's output`).toBeUndefined();
          continue;
        }
        const t = parsePtype(sections.get(`ptype /o ${name}`)!)!;
        const truth = flatten(sections, t, spec.key, spec.depth);
        expect(st.size, `${spec.key} size`).toBe(t.size);
        const ours = Object.fromEntries(Object.entries(st.fields).filter(([p]) => !p.endsWith('.__elem_size')));
        expect(ours, spec.key).toEqual(truth.fields);
        const bits = Object.fromEntries(Object.entries(g.bitfields).filter(([p]) => p.startsWith(`${spec.key}.`)));
        expect(bits, `${spec.key} bitfields`).toEqual(truth.bitfields);
        for (const p of ELEM_SIZE[spec.key] ?? []) {
          const es = printed(sections, `print/d sizeof(((${name} *)0)->${p}[0])`);
          expect(st.fields[`${p}.__elem_size`], `${spec.key}.${p}.__elem_size`).toBe(es ?? undefined);
        }
      } else {
        const name = spec.names.find((n) => printed(sections, `print/d sizeof(${n})`) !== null);
        if (!name) {
          // 2.7 and 3.6 have no _PyRuntimeState.
          expect(st, `${spec.key} absent in gdb's output`).toBeUndefined();
          continue;
        }
        expect(st.size).toBe(printed(sections, `print/d sizeof(${name})`));
        for (const p of spec.paths) expect(st.fields[p], `${spec.key}.${p}`).toBe(printed(sections, `print/d (long)&((${name} *)0)->${p}`) ?? undefined);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('every enum has the enumerators gdb printed', () => {
    for (const [ekey, names] of ENUM_SPECS) {
      const truth = names.map((n) => parseEnum(sections.get(`ptype ${n}`) ?? '')).find((e) => e !== null) ?? undefined;
      expect(g.enums[ekey], ekey).toEqual(truth);
    }
  });
});

// The real builds carry DWARF; the corpus sysroot copies are stripped, so this half needs them.
const pyenv = process.env.PYENV_ROOT ?? '/root/.pyenv';
const present = BUILDS.filter((b) => existsSync(buildLibrary(b, pyenv)));
if (present.length < BUILDS.length)
  console.log(`layouts-from-dwarf: skipping src/dwarf extraction for ${BUILDS.filter((b) => !present.includes(b)).map((b) => b[0]).join(', ')}: the build's libpython with DWARF is not under ${pyenv}/versions`);

describe.runIf(present.length > 0).each(present)('layout table %s against src/dwarf on the real build', (key, micro, mod, explicitLib) => {
  it('src/dwarf extracts exactly the committed table', () => {
    const lib = buildLibrary([key, micro, mod, explicitLib], pyenv);
    const src = openFile(lib);
    if (!src.ok) throw new Error(lib);
    const elf = ElfFile.open(src.value);
    if (!elf.ok) throw new Error(lib);
    const dbg = openDebugInfo(lib, elf.value);
    if (!dbg.ok) throw new Error(dbg.error);
    const x = extractLayoutData(dbg.value.dwarf);
    if (!x.ok) throw new Error(JSON.stringify(x.error));
    const text = renderLayoutModule({ key, micro, binary: lib, buildId: elf.value.buildId()! }, x.value);
    const committed = readFileSync(join(ROOT, 'src', 'cpython-layouts', 'generated', `${mod}.ts`), 'utf8');
    expect(moduleBody(text)).toBe(moduleBody(committed));
    expect(text).toBe(committed);
    src.value.close();
  });
});
