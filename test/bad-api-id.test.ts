// PYTHONMALLOC=debug cores of a wrong-API free (corpus/scenarios/wrong_api.py: a PyMem_Malloc
// block freed with PyMem_RawFree, one byte past its end overwritten): the block CPython's hooks
// were checking when they aborted is found from the crashing thread's stack on every version,
// stripped Debian included, and reported with the API, the verifying API, the size and the pads
// CPython printed on stderr (parsed here from the recorded stderr, not from the truth file). The
// block the program allocated and never wrote is called what it is: CLEANBYTE, not freed memory.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { explainWithCore, type FindingCore } from '../src/analysis/explain-core.js';
import { blockBeingChecked } from '../src/analysis/memory-check.js';
import { debugHooksOf } from '../src/cpython/debug-allocator.js';
import { nativeUnwinder } from '../src/analysis/native.js';
import { findRuntime } from '../src/cpython/runtime.js';
import { explainText } from '../src/analysis/log/explain.js';
import type { MemoryErrorView } from '../src/analysis/memory-check.js';
import { openCore } from '../src/cli/open-core.js';
import { debugBlockText } from '../src/reports/debug-block-text.js';
import { renderAnalyzeJson } from '../src/reports/json.js';
import { renderAnalyzeMarkdown } from '../src/reports/markdown.js';
import { renderAnalyzeText } from '../src/reports/text.js';
import { memoryErrorLines } from '../tui/screens/heap/report-lines.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

// wrong-api: ctypes calls PyMem_Malloc and PyMem_RawFree; wrong-api-testcapi: _testcapi.pymem_api_misuse() does, from C.
const cores = corpusCores().filter((c) => c.truth.scenario === 'wrong-api' || c.truth.scenario === 'wrong-api-testcapi');

interface Facts {
  /** wrong-api only: the testcapi block's address is only in CPython's dump. */
  block?: { address: string; requested: number; data: string; api: string };
  clean?: { address: string; requested: number; api: string };
}
/** Each core opened once for the whole file (lazily). */
const targets = new Map<string, ReturnType<typeof openCore>>();
const opened = (c: (typeof cores)[number]) => {
  if (!targets.has(c.name)) targets.set(c.name, openCore(c.core, { sysroot: SYSROOT }));
  return targets.get(c.name)!;
};
const factsOf = (c: (typeof cores)[number]) => (c.truth as unknown as { snapshot: { extra: { wrong_api: Facts } } }).snapshot.extra.wrong_api;

/** What CPython printed: its _PyObject_DebugDumpAddress dump (up to the blank line) and its fatal error's API ids. */
function printed(stderr: string) {
  const start = stderr.indexOf('Debug memory block at address p=');
  const dump = stderr.slice(start, stderr.indexOf('\n\n', start) + 1);
  const head = /^Debug memory block at address p=(0x[0-9a-f]+): API '(.)'$/m.exec(dump)!;
  const requested = Number(/^ {4}(\d+) bytes originally requested$/m.exec(dump)![1]);
  const badPads = [...dump.matchAll(/^ {8}at (p-|tail\+)(\d): (0x[0-9a-f]{2}) \*\*\* OUCH$/gm)].map((m) => ({
    base: m[1] === 'p-' ? 'p' : 'tail',
    offset: m[1] === 'p-' ? -Number(m[2]) : Number(m[2]),
    value: m[3],
  }));
  const fatal = /^Fatal Python error: (?:(\w+): )?bad ID: Allocated using API '(.)', verified using API '(.)'$/m.exec(stderr)!;
  return { dump, address: head[1], api: head[2], requested, badPads, leadingIntact: dump.includes('The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.'), function: fatal[1] ?? null, allocated: fatal[2], verified: fatal[3] };
}

describe('the debug hooks\' bad-ID abort (wrong-api cores)', () => {
  it('has both wrong-api cores for 3.8 to 3.13 and Debian 3.11', () => {
    for (const scenario of ['wrong-api', 'wrong-api-testcapi'])
      expect(cores.filter((c) => c.truth.scenario === scenario).map((c) => c.truth.label).sort()).toEqual(['3.10', '3.11', '3.12', '3.13', '3.8', '3.9', 'debian-3.11']);
  });

  for (const c of cores) {
    describe(c.name, () => {
      const facts = factsOf(c);
      const cpython = printed(readFileSync(c.core.replace(/\.core\.gz$/, '.stderr.txt'), 'utf8'));
      const run = (async () => {
        const t = await opened(c);
        return analyze(t, { checkAddresses: facts.clean ? [Number.parseInt(facts.clean.address, 16)] : [] }).report;
      })();

      it('reports the block CPython dumped with its API, the verifying API, its size and its pads, as CPython printed them', async () => {
        const report = await run;
        // The recorded stderr is the run the core is from: the dump is of the block the program freed.
        if (facts.block) expect([cpython.address, cpython.api, cpython.requested]).toEqual([facts.block.address, facts.block.api, facts.block.requested]);
        const json = JSON.parse(renderAnalyzeJson(report)) as { memory_errors: MemoryErrorView[] };
        expect(json.memory_errors).toHaveLength(1);
        const e = json.memory_errors[0];
        expect(e).toMatchObject({ kind: 'bad-api-id', address: cpython.address, api: cpython.allocated, verified_api: cpython.verified, requested: cpython.requested, bad_pads: cpython.badPads });
        expect(cpython.leadingIntact).toBe(e.bad_pads.every((b) => b.base === 'tail'));
        expect(e.found_via).toMatch(/(was|were) checking when (it|they) aborted/);
        // A buffer, not an object: no object diagnostics.
        expect(e.object).toBeNull();
        // 3.9+ name the hook in the message; pycore names it where the binary has symbols.
        if (cpython.function && e.checked_by) expect(e.checked_by).toBe(cpython.function);
        if (c.truth.label !== 'debian-3.11') expect(e.checked_by).toBe('_PyMem_DebugRawFree');
        // The dump itself, byte for byte.
        expect(debugBlockText(report.memory_errors[0]).join('\n')).toBe(cpython.dump);
        // pymem_api_misuse never writes its block: CPython's dump shows only CLEANBYTE, and pycore names it.
        const clean = /^ {4}Data at p:( cd| \.\.\.)+$/m.test(cpython.dump);
        expect(clean).toBe(c.truth.scenario === 'wrong-api-testcapi');
        expect(e.fill).toBe(clean ? 'clean' : undefined);
      });

      it('calls the block allocated and never written CLEANBYTE, not freed memory', async () => {
        const report = await run;
        if (!facts.clean) return expect(c.truth.scenario).toBe('wrong-api-testcapi');
        const checked = report.checked_blocks![0];
        expect('error' in checked).toBe(false);
        if ('error' in checked) return;
        expect(checked).toMatchObject({ address: facts.clean!.address, ok: true, api: facts.clean!.api, requested: facts.clean!.requested, fill: 'clean', object: null });
        const text = renderAnalyzeText(report);
        expect(text).toContain("    pycore: its data is all 0xcd: allocated and never written (the debug allocator's CLEANBYTE fill, 0xcd)");
        expect(text).not.toMatch(/freed memory/);
      });
    });
  }

  it('explain LOG --core CORE ties the log\'s bad-ID block to the same finding in the core (3.12, Debian 3.11)', async () => {
    for (const c of cores.filter((x) => x.truth.scenario === 'wrong-api' && (x.truth.label === '3.12' || x.truth.label === 'debian-3.11'))) {
      const log = c.core.replace(/\.core\.gz$/, '.stderr.txt');
      const cpython = printed(readFileSync(log, 'utf8'));
      const report = explainText(log, readFileSync(log));
      explainWithCore(report, await opened(c), c.core);
      const block = (report.findings.find((f) => f.kind === 'bad-api-id')!.details.core as FindingCore).block!;
      expect(block.address, c.name).toBe(cpython.address);
      expect(block.state, c.name).toBe('bad-api-id, trailing-pad');
      expect(block.memory_error, c.name).toMatchObject({ kind: 'bad-api-id', api: cpython.allocated, verified_api: cpython.verified, requested: cpython.requested, bad_pads: cpython.badPads });
    }
  });

  it('says it in the text, Markdown and TUI reports', async () => {
    const c = cores.find((x) => x.truth.scenario === 'wrong-api' && x.truth.label === '3.12')!;
    const report = analyze(await opened(c)).report;
    const line = "    pycore: bad ID: Allocated using API 'm', verified using API 'r' (the check that aborted, in _PyMem_DebugRawFree)";
    expect(renderAnalyzeText(report).split('\n')).toContain(line);
    expect(renderAnalyzeMarkdown(report).split('\n')).toContain(line);
    expect(memoryErrorLines(report.memory_errors)).toContain(line);
  });
});

describe('the bad-ID block without CFI-recovered registers (the stack-scan fallback)', () => {
  for (const c of cores) {
    it(`${c.name}: the stack words between Py_FatalError and the hooks' caller give the same block and API, or none`, async () => {
      const t = await opened(c);
      const rt = findRuntime(t);
      expect(rt.ok).toBe(true);
      if (!rt.ok) return;
      const crashing = t.threads.find((x) => x.signal === 6)!;
      const stack = nativeUnwinder(t, {}).unwind(crashing);
      const bare = { ...stack, frames: stack.frames.map((f) => ({ ...f, registers: f.registers && { ...f.registers, saved: [] } })) };
      const cpython = printed(readFileSync(c.core.replace(/\.core\.gz$/, '.stderr.txt'), 'utf8'));
      const got = blockBeingChecked(rt.value.reader, bare, rt.value.module, debugHooksOf(rt.value.layout.caps));
      // On 3.12's pymem_api_misuse the stack also holds a pointer to the object hook's context,
      // which no caller frame holds: two contexts remain and the scan declines rather than guess
      // (the registers, above, tell them apart).
      const expected = c.name === '3.12-wrong-api-testcapi' ? null : { p: cpython.address, api: cpython.verified };
      expect(got && { p: `0x${got.p.toString(16)}`, api: got.verifiedApi }).toEqual(expected);
    });
  }
});
