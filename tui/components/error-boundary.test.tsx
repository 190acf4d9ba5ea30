import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from './error-boundary.js';

function Broken(): never {
  throw new Error('decoder bug at \x1b[31m0x10');
}

describe('ErrorBoundary', () => {
  it('turns a screen that throws into a line and a status-bar message, and resets on a new key', () => {
    const onError = vi.fn();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const ink = render(
      <ErrorBoundary resetKey="a" onError={onError}>
        <Broken />
      </ErrorBoundary>,
    );
    expect(ink.lastFrame()).toContain('this view failed: decoder bug at \\x1b[31m0x10');
    expect(onError).toHaveBeenCalledWith(expect.stringContaining('decoder bug at \\x1b[31m0x10'));
    ink.rerender(
      <ErrorBoundary resetKey="b" onError={onError}>
        <Text>fine again</Text>
      </ErrorBoundary>,
    );
    expect(ink.lastFrame()).toBe('fine again');
    ink.unmount();
    quiet.mockRestore();
  });
});
