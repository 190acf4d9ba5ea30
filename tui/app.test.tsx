// The whole TUI on real corpus cores at 80x24, driven by keys as a terminal sends them. What
// the screen must show comes from the cores' ground truth (CPython's own records), from the
// source files themselves, and from the key-binding table.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectExplorer, ObjectView } from '../src/analysis/object-view.js';
import { join } from 'node:path';
import { corpusCores, ROOT } from '../test/helpers/corpus.js';
import { KEY, loadCore, renderTui, type CoreData, type Screen } from '../test/helpers/tui.js';
import { keyBindings } from './keys/bindings.js';

const truthOf = (name: string) => corpusCores().find((c) => c.name === name)!.truth;
let screen: Screen | null = null;
afterEach(() => screen?.unmount());

async function open(core: CoreData, size?: { columns: number; rows: number }): Promise<Screen> {
  screen = await renderTui(core.data, size);
  return screen;
}

const lines = (text: string) => text.split('\n');

interface LogFacts {
  current_thread: string;
  other_threads: string[];
}

/** A real faulthandler log of the segv-threads case and what the crashing program recorded about itself. */
function segvLog(): { path: string; facts: LogFacts } {
  const dir = join(ROOT, 'corpus', 'logs');
  const label = ['3.12', ...readdirSync(dir)].find((l) => existsSync(join(dir, l, 'segv-threads.log')) && existsSync(join(dir, l, 'truth.json')));
  if (!label) throw new Error('no corpus/logs/<label>/segv-threads.log');
  return { path: join(dir, label, 'segv-threads.log'), facts: JSON.parse(readFileSync(join(dir, label, 'truth.json'), 'utf8')).cases['segv-threads'].facts };
}

describe('tui on 3.12-segv-threads', () => {
  const truth = truthOf('3.12-segv-threads');
  const current = truth.threads.find((t) => t.current)!;
  const others = truth.threads.filter((t) => !t.current);
  let core: CoreData;
  beforeAll(async () => {
    core = await loadCore('3.12-segv-threads');
  });

  it("lands on the crashed thread's traceback, fits 80x24, with a status bar", async () => {
    const s = await open(core);
    const text = await s.waitFor(`1/${current.frames.length}`);
    expect(lines(text).length).toBeLessThanOrEqual(23);
    expect(Math.max(...lines(text).map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(text).toContain(`Thread ${current.thread_id} (LWP ${current.native_id})`);
    for (const [i, f] of current.frames.entries()) expect(text).toMatch(new RegExp(`#${i} +\\S*${f.function.replace(/[<>]/g, '.')} .*:${f.line}\\b`));
    expect(text).toContain(`Python ${truth.python.version}`);
    expect(text).toContain('SIGSEGV');
    expect(text).toContain('? help');
  });

  it('moves to a frame and shows its traceback line and the source line from the file', async () => {
    const s = await open(core);
    await s.press(KEY.down, KEY.down);
    const f = current.frames[2];
    const text = await s.waitFor(`line ${f.line} in ${f.function}`);
    const source = readFileSync(f.file, 'utf8').split('\n')[f.line - 1].trim();
    expect(await s.waitFor(source)).toMatch(new RegExp(`${f.line} │ +${source.replace(/[()[\].]/g, '\\$&')}`));
    expect(text).toContain(`Frame #2 of ${current.frames.length}`);
  });

  it('moves across threads: the frames pane follows the selected thread', async () => {
    const s = await open(core);
    await s.press(KEY.shiftTab);
    for (const t of others) {
      await s.press(KEY.down);
      const text = await s.waitFor(`Frames of Thread ${t.thread_id}`);
      const frameRows = lines(text).filter((l) => /^[ ›·] #\d+ /.test(l));
      const names = frameRows.map((l) => l.split(/\s+/)[2]);
      expect(names.length).toBeGreaterThan(0);
      expect(names).toEqual(t.frames.slice(0, names.length).map((f) => f.qualname ?? f.function));
    }
    await s.press(KEY.end);
    await s.waitFor(`${truth.threads.length}/${truth.threads.length}`);
  });

  it('searches the current list with /', async () => {
    const s = await open(core);
    await s.press('/', ...'run_j');
    await s.waitFor('/run_j');
    await s.press(KEY.enter);
    const i = current.frames.findIndex((f) => f.function === 'run_job');
    // Typing already jumps to the match, so the frame line shows while the prompt is still
    // open: wait for the prompt to go, not for the frame.
    await s.waitFor(() => s.text().includes(`Frame #${i} of`) && !s.text().includes('/run_j'));
    await s.press('/', ...'no-such-frame');
    await s.waitFor('no match');
    await s.press(KEY.escape);
    await s.waitFor(`Frame #${i} of`);
  });

  it('/ in the help finds a line (n/N: next/previous match, shown at the top); Esc clears, then closes', async () => {
    const s = await open(core);
    await s.press('?');
    await s.waitFor('Keys');
    const top = () => lines(s.text())[1];
    await s.press('/', ...'one page', KEY.enter);
    await s.waitFor('/one page  n/N next/previous match, Esc clears');
    expect(top()).toContain(keyBindings.pageUp.description);
    await s.press('n');
    await s.waitFor(() => top().includes(keyBindings.pageDown.description));
    await s.press('N');
    await s.waitFor(() => top().includes(keyBindings.pageUp.description));
    await s.press('/', ...'no-such-key');
    await s.waitFor('no match');
    await s.press(KEY.escape);
    await s.waitFor(() => !s.text().includes('/no-such-key'));
    expect(s.text()).toContain('Keys');
    await s.press(KEY.escape);
    await s.waitFor('Frames of Thread');
  });

  it('/ in the findings of explain', async () => {
    const { path: log } = segvLog();
    const s = await open(core);
    await s.press('x', log, KEY.enter);
    await s.waitFor('findings)');
    const more = () => Number(/… (\d+) more lines/.exec(s.text())?.[1] ?? 0);
    const before = more();
    await s.press('/', ...'Next steps:', KEY.enter);
    await s.waitFor(() => lines(s.text())[1].includes('Next steps:'));
    const first = more();
    expect(first).toBeLessThan(before);
    await s.press('n');
    // The next match is near the end: the text scrolls as far as it goes (it has a next match).
    await s.waitFor(() => more() < first);
    expect(s.text()).toContain('Next steps:');
    await s.press(KEY.escape, KEY.escape);
    await s.waitFor('Frames of Thread');
  });

  it('shows the help screen generated from the key table, and Esc closes it', async () => {
    const s = await open(core, { columns: 100, rows: 60 });
    await s.press('?');
    const text = await s.waitFor('Keys');
    for (const c of Object.values(keyBindings)) expect(text).toContain(c.description);
    await s.press(KEY.escape);
    await s.waitFor('Frames of Thread');
  });

  it('scrolls the help at 80x24', async () => {
    const s = await open(core);
    await s.press('?');
    await s.waitFor('more lines');
    await s.press(KEY.end);
    await s.waitFor(keyBindings.quit.description);
  });

  it('says which views need a heap when it was given none; the memory errors need none', async () => {
    const s = await open({ ...core, data: { ...core.data, heap: null } });
    for (const [key, title] of [
      ['h', 'Heap census'],
      ['m', 'pymalloc statistics'],
    ]) {
      await s.press(key);
      const text = await s.waitFor(title);
      expect(text).toContain('not available: needs the heap of the core');
    }
    await s.press('e');
    await s.waitFor('Memory errors (0)');
    await s.press(KEY.escape);
    await s.waitFor('Frames of Thread');
  });

  it('explains a fatal log opened from a file, with progress, and goes back', async () => {
    const { path: log, facts } = segvLog();
    const s = await open(core, { columns: 160, rows: 80 });
    await s.press('x');
    await s.waitFor('Type the path of a log file');
    await s.press(log, KEY.enter);
    const text = await s.waitFor('findings)');
    expect(text).toContain('Segmentation fault');
    for (const id of [facts.current_thread, ...facts.other_threads]) expect(text).toContain(id);
    await s.press(KEY.escape);
    await s.waitFor('Frames of Thread');
  });

  it('explains a pasted log (Ctrl+D) and says why a path cannot be read', async () => {
    const { path, facts } = segvLog();
    const text = readFileSync(path, 'utf8');
    const s = await open(core, { columns: 100, rows: 40 });
    await s.press('x', '/no/such/log', KEY.enter);
    await s.waitFor('/no/such/log: no such file');
    await s.press(...Array.from({ length: 12 }, () => KEY.backspace));
    await s.press(text.replace(/\n/g, '\r'));
    await s.waitFor(`pasted ${text.split('\n').length} lines`);
    await s.press('\x04');
    const shown = await s.waitFor('findings)');
    expect(shown).toContain('Log: pasted text');
    expect(shown).toContain(facts.current_thread);
  });

  it('says locals are pending when the view model has none', async () => {
    const bare = await loadCore('3.12-segv-threads', { locals: false, explorer: false });
    const s = await open(bare);
    await s.waitFor('locals: pending (objects issue)');
  });

  it('escapes hostile strings from the core before they reach the screen', async () => {
    const report = structuredClone(core.report);
    const t = report.threads.find((x) => x.current)!;
    t.frames[0] = { ...t.frames[0], function: 'evil\x1b[2J\x1b]0;pwned\x07', qualname: 'evil\x1b[2J\x1b]0;pwned\x07', file: '/tmp/\u202egnp.py\r\n' };
    report.core = 'core\x1b[31m';
    report.warnings = ['the thread list is cut short at \x1b[2J\x9b0x10'];
    const s = await open({ report, data: { ...core.data, report } });
    const text = await s.waitFor('evil');
    expect(text).toContain('evil\\x1b[2J\\x1b]0;pwned\\x07');
    expect(text).toContain('/tmp/\\u202egnp.py\\x0d\\x0a');
    expect(text).toContain('core\\x1b[31m');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(text).toContain('1 warning (w)');
    await s.press('w');
    const warnings = await s.waitFor('Warnings (1)');
    expect(warnings).toContain('[!] the thread list is cut short at \\x1b[2J\\x9b0x10');
    expect(warnings).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});

describe('tui on 3.12-locals: locals and the object inspector', () => {
  const truth = truthOf('3.12-locals');
  const extra = (truth as unknown as { snapshot: { extra: { locals: Record<string, Record<string, string>>; objects: Record<string, { id: string; repr: string; type: string; getsizeof: number }> } } }).snapshot.extra;
  const crashHere = truth.threads.find((t) => t.current)!.frames.findIndex((f) => f.function === 'crash_here');
  let core: CoreData;
  beforeAll(async () => {
    core = await loadCore('3.12-locals');
  });

  async function toLocal(s: Screen, name: string): Promise<string> {
    await s.press(...Array.from({ length: crashHere }, () => KEY.down));
    await s.waitFor('Frame #' + crashHere);
    await s.press(KEY.enter, '/', ...name, KEY.enter);
    return s.waitFor(`› ${name} (`);
  }

  it("lists the frame's locals with CPython's repr", async () => {
    const s = await open(core, { columns: 120, rows: 80 });
    await s.press(...Array.from({ length: crashHere }, () => KEY.down));
    const text = await s.waitFor(`locals 1/`);
    for (const name of ['s', 'u', 'big', 'cyclic', 'nested', 'ctrl']) expect(text).toContain(`${name} (`);
    for (const name of ['s', 'big', 'cyclic']) expect(text).toContain(`) = ${extra.locals.crash_here[name]}`);
  });

  it("shows a hostile string's repr escaped, as repr() wrote it", async () => {
    const s = await open(core);
    const text = await toLocal(s, 'ctrl');
    expect(text).toContain(`ctrl (str) = ${extra.locals.crash_here.ctrl}`);
    expect(text).not.toMatch(/[\x07\x1b]/);
  });

  it('opens a local, drills into an item, and goes back along the breadcrumb', async () => {
    const s = await open(core, { columns: 100, rows: 24 });
    await toLocal(s, 'nested');
    await s.press(KEY.enter);
    let text = await s.waitFor('Inspector: nested');
    expect(text).toContain(extra.objects.nested.repr);
    const facts = /dict at (0x[0-9a-f]+) +refcount \d+ +size (\d+ bytes|\?)/.exec(text)!;
    expect(facts[1]).toBe(extra.objects.nested.id);
    if (facts[2] !== '?') expect(facts[2]).toBe(`${extra.objects.nested.getsizeof} bytes`);
    expect(text).toContain("['a'] (list) = [1, (2, 3), {'b': None}]");
    await s.press(KEY.enter);
    text = await s.waitFor("Inspector: nested › ['a']");
    expect(text).toContain('[0] (int) = 1');
    expect(text).toContain("[2] (dict) = {'b': None}");
    await s.press(KEY.end, KEY.enter);
    await s.waitFor("Inspector: nested › ['a'] › [2]");
    await s.waitFor("['b'] (NoneType) = None");
    await s.press(KEY.backspace, KEY.backspace);
    text = await s.waitFor(/Inspector: nested\n/);
    expect(text).toContain("› ['a'] (list)");
    // The frame holds `nested` as a local: the referrers and the path from a root say so.
    await s.press('r');
    text = await s.waitFor(/\d+ referrers of dict at/, 30_000);
    expect(text).toMatch(/^› <local nested> 0x[0-9a-f]+ \(frame\)/m);
    await s.press(KEY.escape);
    await s.waitFor(/Inspector: nested\n/);
    await s.press('p');
    text = await s.waitFor('root: ', 30_000);
    expect(text).toContain(`${extra.objects.nested.id} (dict)`);
    await s.press(KEY.escape);
    await s.waitFor(/Inspector: nested\n/);
    await s.press(KEY.escape);
    await s.waitFor('Frame #' + crashHere);
  });

  it('says the inspector is pending when there is no explorer', async () => {
    const noExplorer = await loadCore('3.12-locals', { explorer: false });
    const s = await open(noExplorer);
    await toLocal(s, 'nested');
    await s.press(KEY.enter);
    await s.waitFor('the object inspector is not available yet');
  });

  it('shows a failing explorer as an error in the status bar, not a crash', async () => {
    const failing: ObjectExplorer = {
      inspect: () => {
        throw new Error('memory at 0x10 is \x1b[31munreadable');
      },
    };
    const s = await open({ ...core, data: { ...core.data, explorer: failing } });
    await toLocal(s, 'nested');
    await s.press(KEY.enter);
    const text = await s.waitFor('cannot inspect');
    expect(text).toContain('memory at 0x10 is \\x1b[31munreadable');
    await s.press(KEY.escape);
    await s.waitFor('Frame #' + crashHere);
  });

  it('handles a burst of keys (one read from the terminal) exactly as the same keys typed slowly', async () => {
    const s = await open(core, { columns: 100, rows: 24 });
    await s.waitFor('Frames of Thread');
    await s.press(KEY.down.repeat(crashHere) + '\r/nested\r\r\r');
    const text = await s.waitFor("Inspector: nested › ['a']");
    expect(text).toContain("[2] (dict) = {'b': None}");
    await s.press('?' + KEY.end);
    await s.waitFor(keyBindings.quit.description);
    // (Esc followed by a letter in one read is Alt+letter, as in any terminal.)
    await s.press(KEY.escape, KEY.escape, KEY.escape, 'jj');
    await s.waitFor('Frame #' + crashHere);
    const names = core.report.threads.find((t) => t.current)!.frames[crashHere].locals!.map((l) => l.name);
    expect(await s.waitFor(`› ${names[names.indexOf('nested') + 2]} (`)).not.toContain('Inspector');
  });

  it('pages through a container of 100 000 items, asking the explorer only for what is shown', async () => {
    const calls: [string, number | undefined, number | undefined][] = [];
    const big: ObjectExplorer = {
      inspect(address, offset = 0, limit = 50): ObjectView {
        calls.push([address, offset, limit]);
        const total = 100_000;
        const n = Math.max(Math.min(limit, total - offset), 0);
        const children = Array.from({ length: n }, (_, k) => ({ label: `[${offset + k}]`, object: { address: `0x${(0x1000 + offset + k).toString(16)}`, type: 'int', repr: String(offset + k) } }));
        return { address, type: 'list', repr: '[0, 1, 2, ...]', refcount: 1, size: 800_056, gc_tracked: true, children, children_total: total, children_offset: offset };
      },
    };
    const s = await open({ ...core, data: { ...core.data, explorer: big } });
    await toLocal(s, 'nested');
    await s.press(KEY.enter);
    await s.waitFor('1/100000');
    await s.press(KEY.pageDown, KEY.pageDown, KEY.end);
    const text = await s.waitFor('100000/100000');
    expect(text).toContain('› [99999] (int) = 99999');
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(calls.every(([, , limit]) => (limit ?? 0) <= 1000)).toBe(true);
    await s.press(KEY.enter);
    await s.waitFor('Inspector: nested › [99999]');
    // `/` searches all 100 000 items, page by page, without stopping the keys.
    await s.press(KEY.backspace, KEY.home);
    await s.waitFor('1/100000');
    await s.press('/', ...'9999', KEY.enter);
    let found = await s.waitFor('10000/100000');
    expect(found).toContain('› [9999] (int) = 9999');
    await s.press('n');
    found = await s.waitFor('20000/100000');
    expect(found).toContain('› [19999] (int) = 19999');
    await s.press('N');
    await s.waitFor('10000/100000');
    await s.press('/', ...'99998', KEY.enter);
    await s.waitFor('99999/100000');
    // Esc clears the query (the cursor stays), the next one goes back.
    await s.press(KEY.escape);
    await s.waitFor(() => !s.text().includes('/99998'));
    expect(s.text()).toContain('99999/100000');
    await s.press(KEY.escape);
    await s.waitFor('Frame #' + crashHere);
  });

  it('/ in the inspector finds an item by label, type or repr; Esc while typing returns the cursor', async () => {
    const s = await open(core, { columns: 100, rows: 24 });
    await toLocal(s, 'nested');
    await s.press(KEY.enter);
    await s.waitFor('Inspector: nested');
    await s.press('/', ...'(2, 3)', KEY.enter);
    let text = await s.waitFor("› ['a'] (list) = [1, (2, 3)");
    await s.press('/', ...'no-such-item');
    text = await s.waitFor('no match');
    expect(text).toContain('/no-such-item');
    await s.press(KEY.escape);
    await s.waitFor(() => !s.text().includes('no-such-item'));
  });
});

describe('tui on every version: traceback, locals, inspector', () => {
  for (const c of corpusCores().filter((x) => x.truth.scenario === 'locals')) {
    it(c.name, async () => {
      const current = c.truth.threads.find((t) => t.current)!;
      const objects = (c.truth as unknown as { snapshot: { extra: { objects: Record<string, { id: string; repr: string }> } } }).snapshot.extra.objects;
      // 2.7's locals scenario (locals27.py) has its own variables: its dict is `mapping`.
      const dictName = objects.nested ? 'nested' : 'mapping';
      const nested = objects[dictName];
      const s = await open(await loadCore(c.name), { columns: 120, rows: 30 });
      const first = await s.waitFor(`Frames of Thread ${current.thread_id}`);
      for (const [i, f] of current.frames.entries()) expect(first).toMatch(new RegExp(`#${i} +\\S*${f.function.replace(/[<>]/g, '.')} .*:${f.line}\\b`));
      const frame = current.frames.findIndex((f) => f.function === 'crash_here');
      await s.press(...Array.from({ length: frame }, () => KEY.down), KEY.enter, '/', ...dictName, KEY.enter);
      await s.waitFor(`› ${dictName} (dict)`);
      await s.press(KEY.enter);
      const text = await s.waitFor(`dict at ${nested.id}`);
      expect(text).toContain(nested.repr);
    });
  }

  it('scrolls a 300-deep stack (3.12-recursion) to its oldest frame', async () => {
    const c = corpusCores().find((x) => x.name === '3.12-recursion')!;
    const depth = c.truth.threads.find((t) => t.current)!.depth;
    const s = await open(await loadCore(c.name, { locals: false }));
    await s.waitFor(`1/${depth}`);
    await s.press(KEY.end);
    const text = await s.waitFor(`${depth}/${depth}`);
    expect(text).toContain(`Frame #${depth - 1} of ${depth}: <module>`);
  });
});

