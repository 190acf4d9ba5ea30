// One provider owns stdin: it reads every keypress once and offers it to the subscribers in
// priority order (highest first; among equals the newest first) until one says it handled it.
// Whether a subscriber is active is asked at the moment of the key (not at the last render):
// Ink does not re-render between the keys of a burst (keys that arrive together, a fast typist
// on a busy machine). When a key opens or closes a screen, the root holds the keys that follow
// until that screen is mounted, so they reach it.
import { useInput, type Key } from 'ink';
import { createContext, useCallback, useContext, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';

/** Who sees a key first: a text prompt, then the screen on top, then the global keys. */
export const Priority = { global: 0, screen: 10, prompt: 100 } as const;

/** Returns true when it handled the key (nobody else sees it). */
export type KeyHandler = (input: string, key: Key) => boolean;

interface Subscriber {
  handler: { current: KeyHandler };
  active: { current: () => boolean };
  priority: number;
  order: number;
}

interface Router {
  subscribe(s: Subscriber): () => void;
  /** Queue keys from now on (a screen is being opened or closed). */
  hold(): void;
  /** Deliver the queued keys (the screen is there now). */
  release(): void;
  /** A key from the terminal. */
  route(input: string, key: Key): void;
}

/** Keys queued beyond this while held are dropped (input far faster than any screen). */
const MAX_HELD_KEYS = 1000;
/** Longer unclaimed input is a paste nobody asked for, not typed keys. */
const MAX_SPLIT_CHARS = 256;

const noKey: Key = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };

/** One typed character as Ink would have reported it alone. */
export function keyOfChar(ch: string): Key {
  return { ...noKey, return: ch === '\r' || ch === '\n', tab: ch === '\t', backspace: ch === '\x7f' || ch === '\b', shift: /^[A-Z]$/.test(ch) };
}

const KeypressContext = createContext<Router | null>(null);

export function KeypressProvider({ children }: { children: ReactNode }) {
  const subscribers = useRef<Subscriber[]>([]);
  const held = useRef<[string, Key][] | null>(null);
  const router = useMemo<Router>(() => {
    const offer = (input: string, key: Key) => subscribers.current.some((s) => s.active.current() && s.handler.current(input, key));
    const deliver = (input: string, key: Key) => {
      if (offer(input, key)) return;
      // Ink hands characters that arrived together (a busy terminal, a fast typist) over as
      // one string; a text prompt takes it whole, otherwise they are keys, one by one.
      const chars = [...input];
      if (chars.length > 1 && chars.length <= MAX_SPLIT_CHARS && !key.ctrl && !key.meta) for (const ch of chars) router.route(ch, keyOfChar(ch));
    };
    const router: Router = {
      subscribe(s) {
        subscribers.current = [...subscribers.current, s].sort((a, b) => b.priority - a.priority || b.order - a.order);
        return () => {
          subscribers.current = subscribers.current.filter((x) => x !== s);
        };
      },
      hold() {
        held.current ??= [];
      },
      release() {
        const queue = held.current ?? [];
        held.current = null;
        // A delivered key may hold again: the rest wait for the next release, after the keys
        // that key itself queued (the characters that followed it in the same input).
        while (held.current === null && queue.length > 0) deliver(...queue.shift()!);
        if (queue.length > 0) held.current = [...(held.current ?? []), ...queue];
      },
      route(input: string, key: Key) {
        if (held.current === null) deliver(input, key);
        else if (held.current.length < MAX_HELD_KEYS) held.current.push([input, key]);
      },
    };
    return router;
  }, []);
  const route = useCallback((input: string, key: Key) => router.route(input, key), [router]);
  useInput(route);
  return <KeypressContext.Provider value={router}>{children}</KeypressContext.Provider>;
}

/** For the root: hold keys while a screen opens or closes, release them once it has. */
export function useKeyHold(): Pick<Router, 'hold' | 'release'> {
  const router = useContext(KeypressContext);
  if (!router) throw new Error('useKeyHold outside KeypressProvider');
  return router;
}

let nextOrder = 0;
const always = () => true;

/**
 * Subscribe `handler` at `priority`; both it and `isActive` are used in their latest version.
 * Subscribing at commit (a layout effect) means a new screen is subscribed before the root
 * releases the keys held for it.
 */
export function useKeypress(handler: KeyHandler, priority: number, isActive: () => boolean = always): void {
  const router = useContext(KeypressContext);
  if (!router) throw new Error('useKeypress outside KeypressProvider');
  const handlerRef = useRef(handler);
  handlerRef.current = handler;
  const activeRef = useRef(isActive);
  activeRef.current = isActive;
  useLayoutEffect(() => router.subscribe({ handler: handlerRef, active: activeRef, priority, order: nextOrder++ }), [router, priority]);
}
