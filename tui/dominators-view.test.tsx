// The dominator-tree view (d) on the retained core: the dict cache that only a global holds is
// near the top with the retained size CPython's sys.getsizeof() gave; Enter goes down into what it
// dominates (20 000 bytearrays and 20 000 str keys), and Enter on the first row opens the cache in
// the inspector. A holder's level lists only its own list.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { corpusCores } from '../test/helpers/corpus.js';
import { KEY, loadCore, renderTui, type CoreData, type Screen } from '../test/helpers/tui.js';

const WALK_MS = 30_000;
const hex = (n: number) => `0x${n.toString(16)}`;
const name = '3.12-retained';

interface Truth {
  cache: { id: number; retained_bytes: number; retained_objects: number };
  holders: { id: number; list_id: number }[];
}

let screen: Screen | null = null;
afterEach(() => screen?.unmount());

describe('dominator tree view on 3.12-retained', () => {
  let core: CoreData;
  let truth: Truth;
  beforeAll(async () => {
    core = await loadCore(name, { locals: false });
    truth = (corpusCores().find((c) => c.name === name)!.truth as unknown as { snapshot: { extra: { retained: Truth } } }).snapshot.extra.retained;
  });

  it('d lists what only roots keep alive, largest first; Enter drills into the cache, then opens it in the inspector', async () => {
    const s = (screen = await renderTui(core.data, { columns: 160, rows: 40 }));
    await s.press('d');
    let text = await s.waitFor('Dominator tree', WALK_MS);
    text = await s.waitFor(hex(truth.cache.id), WALK_MS);
    const rows = text.split('\n').filter((l) => / 0x[0-9a-f]+ \(/.test(l));
    // The cache is the first row, with its retained bytes and objects.
    expect(rows[0]).toContain(hex(truth.cache.id));
    expect(rows[0]).toContain(truth.cache.retained_bytes.toLocaleString('en-US'));
    expect(rows[0]).toContain(`${truth.cache.retained_objects.toLocaleString('en-US')} obj`);
    expect(rows[0]).toContain('[thread]');
    await s.press(KEY.enter);
    text = await s.waitFor('this object:');
    expect(text).toContain(`What dict at ${hex(truth.cache.id)} dominates`);
    expect(text).toMatch(/\(bytearray\)|\(str\)/);
    await s.press(KEY.enter);
    text = await s.waitFor('Inspector:');
    expect(text).toContain(`dict at ${hex(truth.cache.id)}`);
    await s.press(KEY.escape);
    await s.waitFor(`What dict at ${hex(truth.cache.id)} dominates`);
  });

  it('a holder dominates only its own list', async () => {
    const s = (screen = await renderTui(core.data, { columns: 160, rows: 200 }));
    await s.press('d');
    await s.waitFor(hex(truth.cache.id), WALK_MS);
    const h = truth.holders[0];
    await s.press('/', ...hex(h.id), KEY.enter, KEY.enter);
    const text = await s.waitFor('this object:');
    expect(text).toMatch(/What \S*Holder at /);
    const rows = text.split('\n').filter((l) => / 0x[0-9a-f]+ \(/.test(l));
    expect(rows.length).toBe(2);
    expect(rows[0]).toContain('this object:');
    expect(rows[1]).toContain(`${hex(h.list_id)} (list)`);
  });
});
