// The virtualized list with 100 000 items: only the visible rows render, and moving through
// the whole list stays fast.
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { useReducer } from 'react';
import { describe, expect, it } from 'vitest';
import { KEY } from '../../../test/helpers/tui.js';
import { commandFor } from '../../keys/bindings.js';
import { cursorCommands, cursorMove } from '../../keys/cursor-commands.js';
import { KeypressProvider, Priority, useKeypress } from '../../keys/keypress.js';
import { moveCursor, type CursorMove } from './cursor.js';
import { VirtualList } from './virtual-list.js';

const COUNT = 100_000;
const HEIGHT = 20;

function Harness({ rendered }: { rendered: Set<number> }) {
  const [selected, dispatch] = useReducer((i: number, m: CursorMove) => moveCursor(i, m, COUNT), 0);
  useKeypress((input, key) => {
    const c = commandFor(cursorCommands, input, key);
    const m = c && cursorMove(c, HEIGHT);
    if (m) dispatch(m);
    return m !== null;
  }, Priority.screen);
  return (
    <VirtualList
      count={COUNT}
      selected={selected}
      height={HEIGHT}
      renderRow={(i, sel) => {
        rendered.add(i);
        return <Text>{`${sel ? '>' : ' '} item ${i}`}</Text>;
      }}
    />
  );
}

const tick = () => new Promise((r) => setTimeout(r, 2));

/** Polls until `ok(frame)` (some keys reach the app a tick later). */
async function settle(frame: () => string, ok: (f: string) => boolean): Promise<string[]> {
  for (let i = 0; i < 2000 && !ok(frame()); i++) await tick();
  if (!ok(frame())) throw new Error(`the list did not get there:\n${frame()}`);
  return frame().split('\n');
}

describe('VirtualList', () => {
  it('renders only the visible rows of 100 000 items and keeps up with paging through them', async () => {
    const rendered = new Set<number>();
    const ink = render(
      <KeypressProvider>
        <Harness rendered={rendered} />
      </KeypressProvider>,
    );
    await tick();
    expect(ink.lastFrame()!.split('\n')).toHaveLength(HEIGHT);
    expect(rendered.size).toBe(HEIGHT);
    const started = performance.now();
    for (let i = 0; i < 200; i++) ink.stdin.write(KEY.pageDown);
    await settle(() => ink.lastFrame()!, (f) => f.includes(`> item ${200 * HEIGHT}`));
    const perKey = (performance.now() - started) / 200;
    expect(perKey).toBeLessThan(20);
    ink.stdin.write(KEY.end);
    const last = await settle(() => ink.lastFrame()!, (f) => f.includes(`> item ${COUNT - 1}`));
    expect(last[last.length - 1]).toBe(`> item ${COUNT - 1}`);
    expect(last[0]).toBe(`  item ${COUNT - HEIGHT}`);
    ink.stdin.write(KEY.up);
    const up = await settle(() => ink.lastFrame()!, (f) => f.includes(`> item ${COUNT - 2}`));
    expect(up[0]).toBe(`  item ${COUNT - HEIGHT}`);
    expect(rendered.size).toBeLessThan(200 * HEIGHT + 3 * HEIGHT);
    ink.unmount();
  });
});
