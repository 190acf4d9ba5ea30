// A screen that throws while rendering becomes a message in the status bar, not a crash.
import { Text } from 'ink';
import { Component, type ReactNode } from 'react';
import { escapeForTerminal } from '../../src/reports/sanitize.js';
import { theme } from '../theme.js';

interface Props {
  onError: (message: string) => void;
  /** Changing it clears the error (e.g. another screen was opened). */
  resetKey: string;
  children: ReactNode;
}

export class ErrorBoundary extends Component<Props, { error: string | null; key: string }> {
  override state = { error: null as string | null, key: this.props.resetKey };

  static getDerivedStateFromError(e: unknown) {
    return { error: escapeForTerminal(e instanceof Error ? e.message : String(e)) };
  }

  static getDerivedStateFromProps(p: Props, s: { error: string | null; key: string }) {
    return p.resetKey === s.key ? null : { error: null, key: p.resetKey };
  }

  override componentDidCatch(e: unknown) {
    this.props.onError(`this view failed: ${escapeForTerminal(e instanceof Error ? e.message : String(e))} (a bug in pycore; Esc goes back, q quits)`);
  }

  override render() {
    if (this.state.error !== null) return <Text color={theme.danger}>{`  this view failed: ${this.state.error}`}</Text>;
    return this.props.children;
  }
}
