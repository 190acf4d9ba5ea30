// Semantic colour tokens: components name what a thing is, never which colour it has.
export const theme = {
  text: undefined,
  muted: 'gray',
  accent: 'cyan',
  focus: 'cyan',
  selection: 'blue',
  current: 'yellow',
  signal: 'red',
  danger: 'red',
  warning: 'yellow',
  success: 'green',
  source: 'green',
  key: 'magenta',
} as const;

export type ThemeToken = keyof typeof theme;
