// The status-bar message: the latest error or notice, cleared by the next key.
export type Status = { kind: 'info' | 'error'; text: string } | null;

export type StatusAction = { type: 'show'; kind: 'info' | 'error'; text: string } | { type: 'clear' };

export function statusReducer(s: Status, a: StatusAction): Status {
  if (a.type === 'clear') return s === null ? s : null;
  return { kind: a.kind, text: a.text };
}
