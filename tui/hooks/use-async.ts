// Work that finishes later (a heap walk): loading until the promise settles, then its value or
// its error. A result that arrives after the screen closed is dropped.
import { useEffect, useState } from 'react';

export type Async<T> = { status: 'loading' } | { status: 'done'; value: T } | { status: 'error'; error: string };

export function useAsync<T>(start: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<Async<T>>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    start().then(
      (value) => live && setState({ status: 'done', value }),
      (e: unknown) => live && setState({ status: 'error', error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}
