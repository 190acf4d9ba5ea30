// The "What a user does", end to end on a corpus core of every version: land on the
// crashed thread, move through its frames, open a local, follow it into an item and back, ask
// who refers to it and how a root reaches it, open the heap census, filter it by a type name and
// open an instance. Every expected value comes from what CPython recorded in that run.
import { afterEach, describe, expect, it } from 'vitest';
import { corpusCores } from '../test/helpers/corpus.js';
import { KEY, loadCore, renderTui, type Screen } from '../test/helpers/tui.js';

const WALK_MS = 30_000;
const VERSIONS = ['3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];

interface LocalsTruth {
  objects: Record<string, { id: string; repr: string; type: string }>;
}

let screen: Screen | null = null;
afterEach(() => screen?.unmount());

describe('what a user does, on every version', () => {
  const cores = corpusCores().filter((c) => c.truth.scenario === 'locals' && VERSIONS.includes(c.truth.label));

  it('has a locals core for every version', () => {
    expect(cores.map((c) => c.truth.label).sort()).toEqual([...VERSIONS].sort());
  });

  for (const c of cores) {
    it(c.name, async () => {
      const current = c.truth.threads.find((t) => t.current)!;
      const objects = (c.truth as unknown as { snapshot: { extra: LocalsTruth } }).snapshot.extra.objects;
      const s = (screen = await renderTui((await loadCore(c.name)).data, { columns: 120, rows: 40 }));
      // Lands on the crashed thread's traceback, newest frame first.
      let text = await s.waitFor(`Frames of Thread ${current.thread_id}`);
      expect(text).toMatch(new RegExp(`› #0 +\\S*${current.frames[0].function.replace(/[<>]/g, '.')} `));
      // Moves to the frame that holds the locals and opens one.
      const frame = current.frames.findIndex((f) => f.function === 'crash_here');
      await s.press(...Array.from({ length: frame }, () => KEY.down));
      await s.waitFor(`Frame #${frame} of ${current.frames.length}: crash_here`);
      await s.press(KEY.enter, '/', ...'nested', KEY.enter);
      await s.waitFor('› nested (dict)');
      await s.press(KEY.enter);
      text = await s.waitFor(`dict at ${objects.nested.id}`);
      expect(text).toContain(objects.nested.repr);
      // Into an item, and back.
      expect(text).toContain("› ['a'] (list) = [1, (2, 3), {'b': None}]");
      await s.press(KEY.enter);
      text = await s.waitFor("Inspector: nested › ['a']");
      expect(text).toContain("[2] (dict) = {'b': None}");
      await s.press(KEY.backspace);
      await s.waitFor(/Inspector: nested\n/);
      // Who refers to it: the frame, as the local `nested`; and a path from a root.
      await s.press('r');
      text = await s.waitFor(/\d+ referrers of dict at/, WALK_MS);
      expect(text).toMatch(/^› <local nested> 0x[0-9a-f]+ \(frame\)/m);
      await s.press(KEY.escape);
      await s.waitFor(/Inspector: nested\n/);
      await s.press('p');
      text = await s.waitFor('root: ', WALK_MS);
      expect(text).toContain(`${objects.nested.id} (dict)`);
      await s.press(KEY.escape, KEY.escape);
      await s.waitFor(`Frame #${frame} of`);
      // The heap census, filtered by a type name; its one instance opens in the inspector.
      await s.press('h');
      await s.waitFor('Heap census:', WALK_MS);
      await s.press('/', ...'Slotted', KEY.enter);
      text = await s.waitFor('filter: Slotted');
      expect(text).toMatch(/› __main__\.Slotted +1 +\d+/);
      await s.press(KEY.enter);
      await s.waitFor('1 instances of __main__.Slotted', WALK_MS);
      await s.press(KEY.enter);
      text = await s.waitFor('Inspector: #0');
      expect(text).toContain(`Slotted at ${objects.slotted.id}`);
      expect(text).toContain(objects.slotted.repr);
    });
  }
});
