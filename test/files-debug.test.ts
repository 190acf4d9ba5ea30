// `pycore files` says where each found file's debug information is: in the file, in a separate
// debug file under a debug directory (by build-id), or nowhere, with the places looked at.
// The markdown report carries the memory errors.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../src/analysis/files.js';
import { openCore } from '../src/cli/open-core.js';
import { renderAnalyzeMarkdown } from '../src/reports/markdown.js';
import { NT_GNU_BUILD_ID, ET_DYN, EM_X86_64, SHT_NOTE } from './helpers/elf-constants.js';
import { buildElf, note } from './helpers/elf-builder.js';
import { analyzeCore, CORES, SYSROOT } from './helpers/corpus.js';

const LIBPY = 'root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0';

describe('files: debug information', () => {
  it('finds a separate debug file by build-id under the sysroot, and says where it looked otherwise', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pycore-files-debug-'));
    for (const f of [LIBPY, 'root/.pyenv/versions/3.12.1/bin/python3.12', 'usr/lib/x86_64-linux-gnu/libc.so.6']) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      copyFileSync(join(SYSROOT, f), join(root, f));
    }
    const core = join(CORES, '3.12-segv-threads.core.gz');
    const before = listFiles(await openCore(core, { sysroot: root }));
    const lib = before.files.find((f) => f.path.endsWith('libpython3.12.so.1.0'))!;
    expect(lib.debug_info?.file).toBeNull();
    expect(lib.debug_info?.looked_at[0]).toBe(join(root, 'usr/lib/debug/.build-id', lib.build_id!.slice(0, 2), `${lib.build_id!.slice(2)}.debug`));
    // A debug file with the same build-id and a .debug_info section.
    const debug = buildElf({
      type: ET_DYN,
      machine: EM_X86_64,
      sections: [
        { name: '.note.gnu.build-id', type: SHT_NOTE, data: note('GNU', NT_GNU_BUILD_ID, Buffer.from(lib.build_id!, 'hex')), addralign: 4 },
        { name: '.debug_info', type: 1, data: Buffer.alloc(16) },
      ],
    });
    mkdirSync(dirname(lib.debug_info!.looked_at[0]), { recursive: true });
    writeFileSync(lib.debug_info!.looked_at[0], debug);
    const after = listFiles(await openCore(core, { sysroot: root }));
    expect(after.files.find((f) => f.path.endsWith('libpython3.12.so.1.0'))!.debug_info).toMatchObject({ file: lib.debug_info!.looked_at[0], embedded: false });
  });
});

describe('markdown report', () => {
  it('lists memory errors in CPython words', async () => {
    const { report } = await analyzeCore(join(CORES, '3.12-debugmalloc.core.gz'));
    const md = renderAnalyzeMarkdown(report);
    expect(md).toContain('### Memory errors');
    expect(md).toMatch(/Debug memory block at address p=0x[0-9a-f]+: API 'o'\n {4}63 bytes originally requested/);
  });
});
