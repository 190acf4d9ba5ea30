import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { useEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { KeypressProvider, Priority, useKeyHold, useKeypress } from './keypress.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

function Listener({ name, priority, log, claims, active = () => true }: { name: string; priority: number; log: string[]; claims: (input: string) => boolean; active?: () => boolean }) {
  useKeypress(
    (input) => {
      log.push(`${name}:${input}`);
      return claims(input);
    },
    priority,
    active,
  );
  return null;
}

function Holder({ api }: { api: { hold?: () => void; release?: () => void } }) {
  const h = useKeyHold();
  useEffect(() => {
    api.hold = h.hold;
    api.release = h.release;
  }, [h]);
  return <Text>ok</Text>;
}

describe('KeypressProvider', () => {
  it('offers each key by priority until one claims it, skipping inactive subscribers', async () => {
    const log: string[] = [];
    let promptOpen = false;
    const ink = render(
      <KeypressProvider>
        <Listener name="global" priority={Priority.global} log={log} claims={() => true} />
        <Listener name="screen" priority={Priority.screen} log={log} claims={(i) => i === 'j'} />
        <Listener name="prompt" priority={Priority.prompt} log={log} claims={() => true} active={() => promptOpen} />
      </KeypressProvider>,
    );
    await tick();
    ink.stdin.write('j');
    ink.stdin.write('q');
    promptOpen = true;
    ink.stdin.write('q');
    await tick();
    expect(log).toEqual(['screen:j', 'screen:q', 'global:q', 'prompt:q']);
    ink.unmount();
  });

  it('splits characters that arrived together into keys when nobody takes them whole', async () => {
    const log: string[] = [];
    const ink = render(
      <KeypressProvider>
        <Listener name="screen" priority={Priority.screen} log={log} claims={(i) => i.length === 1} />
      </KeypressProvider>,
    );
    await tick();
    ink.stdin.write('jjk');
    await tick();
    expect(log).toEqual(['screen:jjk', 'screen:j', 'screen:j', 'screen:k']);
    ink.unmount();
  });

  it('holds keys while a screen opens and delivers them in order when released', async () => {
    const log: string[] = [];
    const api: { hold?: () => void; release?: () => void } = {};
    const ink = render(
      <KeypressProvider>
        <Holder api={api} />
        <Listener name="screen" priority={Priority.screen} log={log} claims={() => true} />
      </KeypressProvider>,
    );
    await tick();
    api.hold!();
    ink.stdin.write('a');
    ink.stdin.write('b');
    await tick();
    expect(log).toEqual([]);
    api.release!();
    expect(log).toEqual(['screen:a', 'screen:b']);
    ink.unmount();
  });
});
