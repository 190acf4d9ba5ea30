// `npm run layouts`: regenerate src/cpython-layouts/generated/*.ts from the DWARF of the CPython
// builds on this machine, with pycore's own DWARF reader (src/dwarf; no gdb).
//
//   npm run layouts                      every build in BUILDS that is present
//   npm run layouts -- --check           write nothing; exit 1 when a generated file would change
//   npm run layouts -- --ground-truth    also write corpus/layouts-gdb/<module>.txt with gdb
//                                        (`ptype /o` and offsetof prints: the tests' ground truth)
//   npm run layouts -- --binary B --key K --micro M --out MOD [--debug-file F] [--note N]
//
// A build that is not present is skipped and its previously generated module is kept. Output is
// deterministic, so re-running gives byte-identical files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { openFile } from '../io/file-source.js';
import { ElfFile } from '../elf/elf-file.js';
import { DEFAULT_DEBUG_DIRS, openDebugInfo } from '../target/debug-info.js';
import { ELEM_SIZE, extractLayoutData, formatExtractionError, STRUCT_SPECS, ENUM_SPECS } from '../cpython-layouts/from-dwarf.js';
import { renderIndex, renderLayoutModule } from '../cpython-layouts/generator/render.js';

/** (layout key, micro version, module name[, libpython: a file name under pyenv's lib/, or an absolute path]) */
export const BUILDS: [string, string, string, string?][] = [
  // pyenv's 2.7/3.6/3.7 (--enable-shared) name libpython with the ABI flag 'm' (none on 2.7).
  ['2.7', '2.7.18', 'py27', 'libpython2.7.so.1.0'],
  ['3.6', '3.6.15', 'py36', 'libpython3.6m.so.1.0'],
  ['3.7', '3.7.16', 'py37', 'libpython3.7m.so.1.0'],
  ['3.8', '3.8.18', 'py38'],
  ['3.9', '3.9.18', 'py39'],
  ['3.10', '3.10.13', 'py310'],
  ['3.11', '3.11.7', 'py311'],
  ['3.12', '3.12.1', 'py312'],
  ['3.13', '3.13.0', 'py313'],
  // Built here (corpus/README.md): ./configure --with-trace-refs --with-pydebug --enable-shared --prefix=/opt/py312-tracerefs
  ['3.12-trace-refs', '3.12.1', 'py312_tracerefs', '/opt/py312-tracerefs/lib/libpython3.12d.so.1.0'],
  // Built here (corpus/README.md): free-threaded 3.13.0rc2, ./configure --disable-gil --prefix=/opt/py313t (static: no libpython)
  ['3.13-free-threaded', '3.13.0rc2', 'py313t', '/opt/py313t/bin/python3.13t'],
];

/** Where a build's libpython (with DWARF) lives on the machine that generates the tables. */
export function buildLibrary(build: (typeof BUILDS)[number], pyenvRoot: string): string {
  const [key, micro, , lib] = build;
  const libDir = join(pyenvRoot, 'versions', micro, 'lib');
  if (lib) return lib.startsWith('/') ? lib : join(libDir, lib);
  return join(libDir, `libpython${key}.so.1.0`);
}

/** Extra modules written with --binary that index.ts lists when present. */
const EXTRA_MODULES: [string, string][] = [['debian-3.11', 'py311_debian']];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(fileURLToPath(import.meta.url).includes('/dist/') ? ['..'] : []));
const OUT_DIR = join(ROOT, 'src', 'cpython-layouts', 'generated');
const TRUTH_DIR = join(ROOT, 'corpus', 'layouts-gdb');

interface Options {
  pyenvRoot: string;
  only?: string[];
  check?: boolean;
  groundTruth?: boolean;
  binary?: string;
  debugFile?: string;
  debugDir: string[];
  key?: string;
  micro?: string;
  out?: string;
  note?: string;
  index: boolean;
}

let changed = 0;

function writeIfChanged(path: string, text: string, check: boolean): void {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : null;
  const rel = relative(process.cwd(), path);
  if (old === text) {
    console.log(`  unchanged ${rel}`);
    return;
  }
  changed++;
  if (check) console.log(`  WOULD CHANGE ${rel}`);
  else {
    writeFileSync(path, text);
    console.log(`  wrote     ${rel}`);
  }
}

function one(key: string, micro: string, binary: string, mod: string, o: Options, debugFile?: string, note?: string): boolean {
  if (!existsSync(binary)) return false;
  const src = openFile(binary);
  if (!src.ok) throw new Error(`cannot open ${binary}`);
  const elf = ElfFile.open(src.value);
  if (!elf.ok) throw new Error(`${binary} is not an ELF file`);
  const dirs = debugFile ? [] : o.debugDir;
  let dbg;
  let dbgElfId: string | null = null;
  if (debugFile) {
    const ds = openFile(debugFile);
    const de = ds.ok ? ElfFile.open(ds.value) : null;
    if (!de?.ok) throw new Error(`cannot open debug file ${debugFile}`);
    dbgElfId = de.value.buildId();
    dbg = openDebugInfo(debugFile, de.value, []);
  } else dbg = openDebugInfo(binary, elf.value, dirs);
  if (!dbg.ok) throw new Error(dbg.error);
  const t0 = performance.now();
  console.log(`${key}: extracting from ${binary}${dbg.value.file !== binary ? ` (DWARF: ${dbg.value.file})` : ''}`);
  const binId = elf.value.buildId();
  const buildId = (debugFile ? dbgElfId : binId) ?? 'unknown';
  if (debugFile && binId !== buildId) {
    const extra = `build-id of the DWARF (${buildId}) does not match ${binary} as installed (${binId})`;
    note = note ? `${note}\n${extra}` : extra;
  }
  const data = extractLayoutData(dbg.value.dwarf);
  if (!data.ok) throw new Error(`${dbg.value.file}: ${formatExtractionError(data.error)}`);
  console.log(`  extracted in ${(performance.now() - t0).toFixed(0)} ms`);
  const dbgFile = dbg.value.file !== binary ? dbg.value.file : undefined;
  writeIfChanged(join(OUT_DIR, `${mod}.ts`), renderLayoutModule({ key, micro, binary, buildId, debugFile: dbgFile, note }, data.value), Boolean(o.check));
  if (o.groundTruth) writeGroundTruth(dbgFile ?? binary, mod, buildId, Boolean(o.check));
  dbg.value.close();
  src.value.close();
  return true;
}

// ---------------------------------------------------------------- gdb ground truth

function runGdb(file: string, commands: string[]): string {
  const args = ['-batch', '-nx', '-ex', 'set max-value-size unlimited', '-ex', 'set width 0', '-ex', 'set print type hex off'];
  for (const c of commands) args.push('-ex', c);
  args.push(file);
  const r = spawnSync('gdb', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.error) throw new Error(`gdb: ${r.error.message} (apt-get install gdb)`);
  return r.stdout;
}

/** Sections of a ground-truth file: "### <command>" then gdb's output for it. */
export function truthSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur: string | null = null;
  let buf: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) {
      if (cur !== null) out.set(cur, buf.join('\n'));
      cur = line.slice(4);
      buf = [];
    } else buf.push(line);
  }
  if (cur !== null) out.set(cur, buf.join('\n'));
  return out;
}

/** Type names of by-value members that gdb printed without expanding them (typedefs of structs). */
function embeddedTypeNames(ptype: string): string[] {
  const out: string[] = [];
  for (const line of ptype.split('\n')) {
    const m = /^\/\*[^*]*\*\/\s+(.*?)\s*;$/.exec(line);
    if (!m || m[1].includes('*') || m[1].includes('(') || m[1].includes(' : ')) continue;
    const decl = m[1].replace(/\[[^\]]*\]/g, '').trim();
    const name = /^(?:(?:const|volatile|_Atomic)\s+)*((?:struct |union |enum )?[A-Za-z_][A-Za-z0-9_]*(?: [A-Za-z_][A-Za-z0-9_]*)*) [A-Za-z_][A-Za-z0-9_]*$/.exec(decl);
    if (name && !/^(unsigned|signed|long|short|int|char|float|double|_Bool)\b/.test(name[1])) out.push(name[1]);
  }
  return out;
}

/**
 * corpus/layouts-gdb/<mod>.txt: what gdb printed for every struct pycore records (`ptype /o`,
 * followed through by-value members), every enum (`ptype`), and each requested path of the
 * giant state structs (`print/d (long)&((T *)0)->path`, their `ptype /o` being too big to keep).
 */
function writeGroundTruth(file: string, mod: string, buildId: string, check: boolean): void {
  const done = new Map<string, string>();
  let queue: string[] = [];
  const pathCmds: string[] = [];
  for (const s of STRUCT_SPECS) {
    if (s.mode === 'all') {
      queue.push(...s.names);
      for (const n of s.names) for (const p of ELEM_SIZE[s.key] ?? []) pathCmds.push(`print/d sizeof(((${n} *)0)->${p}[0])`);
    }
    else for (const n of s.names) for (const p of s.paths) pathCmds.push(`print/d (long)&((${n} *)0)->${p}`, `print/d sizeof(${n})`);
  }
  for (let round = 0; round < 10 && queue.length; round++) {
    const cmds = queue.flatMap((n) => [`echo ### ptype /o ${n}\\n`, `ptype /o ${n}`]);
    for (const [k, v] of truthSections(runGdb(file, cmds))) done.set(k, v);
    const next = new Set<string>();
    for (const n of queue) for (const t of embeddedTypeNames(done.get(`ptype /o ${n}`) ?? '')) if (!done.has(`ptype /o ${t}`)) next.add(t);
    queue = [...next];
  }
  const enumCmds = ENUM_SPECS.flatMap(([, names]) => names.flatMap((n) => [`echo ### ptype ${n}\\n`, `ptype ${n}`]));
  for (const [k, v] of truthSections(runGdb(file, enumCmds))) done.set(k, v);
  const uniq = [...new Set(pathCmds)];
  for (const [k, v] of truthSections(runGdb(file, uniq.flatMap((c) => [`echo ### ${c}\\n`, c])))) done.set(k, v);
  const keys = [...done.keys()].sort();
  const body = keys.map((k) => `### ${k}\n${done.get(k)!.replace(/\s+$/, '')}\n`).join('');
  const header = `# gdb output for ${file} (build-id ${buildId}), written by \`npm run layouts -- --ground-truth\`.\n# Ground truth for test/layouts-from-dwarf.test.ts; not read by pycore.\n`;
  mkdirSync(TRUTH_DIR, { recursive: true });
  writeIfChanged(join(TRUTH_DIR, `${mod}.txt`), header + body, check);
}

// ---------------------------------------------------------------- main

export function main(argv: string[]): number {
  const program = new Command('layouts')
    .option('--pyenv-root <dir>', 'where versions/<micro>/lib/libpython3.X.so.1.0 live', process.env.PYENV_ROOT ?? '/root/.pyenv')
    .option('--only <key...>', 'only these layout keys (3.12 ...)')
    .option('--check', 'write nothing; exit 1 when a generated file would change')
    .option('--ground-truth', 'also write corpus/layouts-gdb/<module>.txt with gdb')
    .option('--binary <path>', 'extract a single extra build from this binary')
    .option('--debug-file <path>', 'separate DWARF file for --binary')
    .option('--debug-dir <dir...>', 'where separate debug files live', DEFAULT_DEBUG_DIRS)
    .option('--key <key>', 'layout key for --binary (e.g. debian-3.11)')
    .option('--micro <micro>', 'micro version for --binary (e.g. 3.11.2)')
    .option('--out <module>', 'module name for --binary (e.g. py311_debian)')
    .option('--note <text>', 'note for the header comment of the --binary module')
    .option('--no-index', 'do not rewrite index.ts')
    .parse(argv);
  const o = program.opts<Options>();
  mkdirSync(OUT_DIR, { recursive: true });
  if (o.binary) {
    if (!o.key || !o.micro || !o.out) throw new Error('--binary needs --key, --micro and --out');
    if (!one(o.key, o.micro, o.binary, o.out, o, o.debugFile, o.note)) throw new Error(`${o.binary} not found`);
  } else {
    for (const b of BUILDS) {
      const [key, micro, mod] = b;
      if (o.only && !o.only.includes(key)) continue;
      const lib = buildLibrary(b, o.pyenvRoot);
      if (!one(key, micro, lib, mod, o)) {
        const keep = existsSync(join(OUT_DIR, `${mod}.ts`));
        console.log(`${key}: SKIPPED, ${lib} not present${keep ? ` (keeping existing ${mod}.ts)` : ''}`);
      }
    }
  }
  if (o.index) {
    const present = [...BUILDS.map(([k, , m]) => [k, m] as [string, string]), ...EXTRA_MODULES].filter(([, m]) => existsSync(join(OUT_DIR, `${m}.ts`)));
    writeIfChanged(join(OUT_DIR, 'index.ts'), renderIndex(present), Boolean(o.check));
  }
  return o.check && changed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv);
  } catch (e) {
    console.error(`layouts: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
