// Heap walks in the TUI run in slices: the loading state's progress advances while the walk
// runs, the answer is the synchronous census's (and CPython's gc counts), and a key pressed
// during the walk is handled before it ends (Esc leaves the census and stops the walk).
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { census, censusSteps } from '../../src/analysis/heap/census.js';
import { openHeap, openHeapSteps, type HeapSession } from '../../src/analysis/heap/session.js';
import type { HeapReport } from '../../src/analysis/heap/view-model.js';
import { openCore } from '../../src/cli/open-core.js';
import { CORES, corpusCores, SYSROOT } from '../../test/helpers/corpus.js';
import { KEY, loadCore, renderTui, type Screen } from '../../test/helpers/tui.js';
import { asyncReducer, loading, type Async } from '../hooks/use-async.js';
import { HeapData, walkProgress } from './heap-data.js';
import type { LeakHints } from '../../src/analysis/heap/census.js';
import { keyBindings } from '../keys/bindings.js';
import { Cancelled, runInSlices, type Watch } from './steps.js';

const NAME = '3.12-heap';
const WALK_MS = 30_000;
type GcTypes = { gc_types: [string, string, number, number, number][] };
const truth = () => (corpusCores().find((c) => c.name === NAME)!.truth as unknown as { snapshot: { extra: GcTypes } }).snapshot.extra;

async function session(): Promise<HeapSession> {
  const s = openHeap(await openCore(join(CORES, `${NAME}.core.gz`), { sysroot: SYSROOT }));
  if ('fatal' in s) throw new Error(s.fatal);
  return s;
}

describe(`heap walk in slices on ${NAME}`, () => {
  let s: HeapSession;
  beforeAll(async () => {
    s = await session();
  });

  it('the loading state counts objects upwards, and ends with the synchronous census', async () => {
    let state: Async<HeapReport> = loading;
    const seen: number[] = [];
    const listing: number[] = [];
    const report = await runInSlices(() => censusSteps(s, { top: 0, largest: 1 }), walkProgress, {
      onProgress: (progress) => {
        state = asyncReducer(state, { type: 'progress', progress });
        if (state.status !== 'loading' || !state.progress) return;
        // First the GC generation lists are read (entries so far), then objects are visited.
        if (state.progress.where === 'reading the GC generation lists') listing.push(state.progress.objects);
        else seen.push(state.progress.objects);
      },
    }, 0);
    // The lists alone (gc.get_objects() had more than 8192 objects) pause too.
    const tracked = truth().gc_types.reduce((a, t) => a + t[3], 0);
    expect(tracked).toBeGreaterThan(8192);
    expect(listing.length).toBeGreaterThan(0);
    for (let i = 1; i < listing.length; i++) expect(listing[i]).toBeGreaterThan(listing[i - 1]);
    expect(listing[listing.length - 1]).toBeLessThan(tracked + 1000);
    state = asyncReducer(state, { type: 'done', value: report });
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    const whole = census(s, { top: 0, largest: 1 });
    expect(seen[seen.length - 1]).toBeLessThanOrEqual(whole.objects_total);
    expect(state).toEqual({ status: 'done', value: whole });
    // And the counts are CPython's: gc.get_objects() per type in the recorded run.
    const [, , , leaky] = truth().gc_types.find((t) => t[0] === '__main__' && t[1] === 'Leaky')!;
    expect(whole.types.find((t) => t.module === '__main__' && t.name === 'Leaky')?.count).toBe(leaky);
    // Progress after the end changes nothing.
    expect(asyncReducer(state, { type: 'progress', progress: { objects: 1, where: 'x' } })).toBe(state);
  });

  it('stops between slices when its signal aborts', async () => {
    const stop = new AbortController();
    let slices = 0;
    const run = runInSlices(() => censusSteps(s, { top: 0, largest: 1 }), walkProgress, {
      signal: stop.signal,
      onProgress: () => {
        if (++slices === 2) stop.abort();
      },
    }, 0);
    await expect(run).rejects.toBeInstanceOf(Cancelled);
    expect(slices).toBe(2);
  });
});

/** HeapData that records how each census (and leak-hints) walk ended. */
class WatchedHeap extends HeapData {
  readonly ends: unknown[] = [];
  private watched<T>(p: Promise<T>): Promise<T> {
    p.then(
      () => this.ends.push('done'),
      (e: unknown) => this.ends.push(e),
    );
    return p;
  }
  override census(watch?: Watch): Promise<HeapReport> {
    return this.watched(super.census(watch));
  }
  override leaks(watch?: Watch): Promise<LeakHints> {
    return this.watched(super.leaks(watch));
  }
}

describe('the largest corpus heap (3.12-big: a 10**7-item list, 1.2 GB core) stays responsive', () => {
  const BIG = '3.12-big';
  let screen: Screen | null = null;
  afterEach(() => screen?.unmount());

  it('opening the heap and reading the GC lists pause like the walk does', async () => {
    const target = await openCore(join(CORES, `${BIG}.core.gz`), { sysroot: SYSROOT });
    const opening = openHeapSteps(target);
    const steps: string[] = [];
    let r = opening.next();
    for (; !r.done; r = opening.next()) steps.push(r.value);
    expect(steps).toEqual(['runtime', 'interpreters', 'objects', 'heap']);
    if ('fatal' in r.value) throw new Error(r.value.fatal);
    // The walk pauses while it reads the GC lists, before it visits any object.
    const walk = r.value.heap.walkSteps(() => {});
    const first = walk.next();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ objects: 0 });
    expect((first.value as { listed?: number }).listed).toBeGreaterThan(0);
    walk.return(undefined as never);
  });

  it('a key pressed while the heap opens and the walk runs is handled at once, and stops the walk', async () => {
    const core = await loadCore(BIG, { locals: false });
    const target = await openCore(join(CORES, `${BIG}.core.gz`), { sysroot: SYSROOT });
    for (const view of ['h', 'l']) {
      const heap = new WatchedHeap(() => openHeapSteps(target));
      screen = await renderTui({ ...core.data, heap }, { columns: 100, rows: 30 });
      await screen.press(view, '?');
      await screen.waitFor(keyBindings.up.description);
      const deadline = Date.now() + WALK_MS;
      while (heap.ends.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      // The help opened before the walk got far, and replaced the view: the walk stopped unfinished.
      expect(heap.ends).toHaveLength(1);
      expect(heap.ends[0]).toBeInstanceOf(Cancelled);
      screen.unmount();
      screen = null;
    }
  });
});

describe(`keys during a heap walk on ${NAME}`, () => {
  let screen: Screen | null = null;
  afterEach(() => screen?.unmount());

  it('h shows the walk advancing; Esc pressed before it ends goes back and stops it', async () => {
    const core = await loadCore(NAME, { locals: false });
    const target = await openCore(join(CORES, `${NAME}.core.gz`), { sysroot: SYSROOT });
    const heap = new WatchedHeap(() => openHeapSteps(target));
    screen = await renderTui({ ...core.data, heap }, { columns: 100, rows: 30 });
    const main = screen.text();
    await screen.press('h');
    const text = await screen.waitFor(/[\d,]+ objects visited \((arena \d+ of \d+|GC lists)\); Esc stops/, WALK_MS);
    expect(text).toContain('walking the heap');
    expect(heap.ends).toEqual([]);
    await screen.press(KEY.escape);
    await screen.waitFor(main.split('\n')[0]);
    expect(screen.text()).not.toContain('objects visited');
    const deadline = Date.now() + WALK_MS;
    while (heap.ends.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(heap.ends).toHaveLength(1);
    expect(heap.ends[0]).toBeInstanceOf(Cancelled);
    // Back on h, the walk starts again (a stopped walk is not kept) and ends with the census.
    await screen.press('h');
    await screen.waitFor('Heap census:', WALK_MS);
    expect(heap.ends).toEqual([heap.ends[0], 'done']);
  });
});
