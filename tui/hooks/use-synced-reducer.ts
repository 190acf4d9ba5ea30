// useReducer whose latest state is readable at once. Ink does not re-render between the keys of
// one burst (keys that arrive together, a fast typist on a busy machine): a key handler that
// read the rendered state would act on the screen as it was before the previous key. Handlers
// read `latest()` instead; rendering still uses the returned state.
import { useCallback, useRef, useState } from 'react';

export function useSyncedReducer<S, A, I>(reducer: (s: S, a: A) => S, arg: I, init: (arg: I) => S): [S, (a: A) => void, () => S] {
  const ref = useRef<{ state: S } | null>(null);
  if (ref.current === null) ref.current = { state: init(arg) };
  const [state, setState] = useState(ref.current.state);
  const dispatch = useCallback(
    (a: A) => {
      const box = ref.current!;
      box.state = reducer(box.state, a);
      setState(box.state);
    },
    [reducer],
  );
  const latest = useCallback(() => ref.current!.state, []);
  return [state, dispatch, latest];
}
