// Work that finishes later (a heap walk): loading (with how far it got, when the work says so)
// until the promise settles, then its value or its error. Closing the screen aborts the work's
// signal; a result that arrives after the screen closed is dropped.
import { useEffect, useReducer } from 'react';
import type { Watch, WorkProgress } from '../data/steps.js';

export type Async<T> = { status: 'loading'; progress: WorkProgress | null } | { status: 'done'; value: T } | { status: 'error'; error: string };

export type AsyncAction<T> = { type: 'start' } | { type: 'progress'; progress: WorkProgress } | { type: 'done'; value: T } | { type: 'error'; error: string };

export const loading: Async<never> = { status: 'loading', progress: null };

export function asyncReducer<T>(state: Async<T>, a: AsyncAction<T>): Async<T> {
  switch (a.type) {
    case 'start':
      return loading;
    case 'progress':
      // Progress that comes after the end (or an error) changes nothing.
      return state.status === 'loading' ? { status: 'loading', progress: a.progress } : state;
    case 'done':
      return { status: 'done', value: a.value };
    case 'error':
      return { status: 'error', error: a.error };
  }
}

export function useAsync<T>(start: (watch: Watch) => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, dispatch] = useReducer(asyncReducer<T>, loading);
  useEffect(() => {
    let live = true;
    const stop = new AbortController();
    dispatch({ type: 'start' });
    start({ signal: stop.signal, onProgress: (progress) => live && dispatch({ type: 'progress', progress }) }).then(
      (value) => live && dispatch({ type: 'done', value }),
      (e: unknown) => live && dispatch({ type: 'error', error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
      stop.abort();
    };
  }, deps);
  return state;
}
