// What a screen may ask of the root: open or close a screen, say something in the status bar.
import { createContext, useContext } from 'react';
import type { Screen } from './screens.js';

export interface AppActions {
  push(screen: Screen): void;
  pop(): void;
  notify(kind: 'info' | 'error', text: string): void;
}

export const AppActionsContext = createContext<AppActions | null>(null);

export function useAppActions(): AppActions {
  const a = useContext(AppActionsContext);
  if (!a) throw new Error('useAppActions outside the app root');
  return a;
}

/** What every screen component receives from the root. */
export interface ScreenProps {
  /** Only the top screen is active (sees keys, is shown): as last rendered. */
  active: boolean;
  /** The same, now (for key handlers: the stack may have changed since the last render). */
  isActive: () => boolean;
  width: number;
  height: number;
}
