import { describe, expect, it } from 'vitest';
import { initialStack, navReducer } from './screens.js';
import { statusReducer } from './status.js';

describe('screen stack', () => {
  it('opens screens on top and goes back, never below the main screen', () => {
    let s = navReducer(initialStack, { type: 'push', screen: { kind: 'inspector', address: '0x10', label: 'x' } });
    s = navReducer(s, { type: 'push', screen: { kind: 'help' } });
    expect(s.map((x) => x.kind)).toEqual(['main', 'inspector', 'help']);
    s = navReducer(s, { type: 'pop' });
    s = navReducer(s, { type: 'pop' });
    expect(s).toEqual(initialStack);
    expect(navReducer(s, { type: 'pop' })).toBe(s);
  });

  it('replaces a view with another view instead of piling them up', () => {
    let s = navReducer(initialStack, { type: 'push', screen: { kind: 'help' } });
    s = navReducer(s, { type: 'push', screen: { kind: 'pending', view: 'heap' } });
    s = navReducer(s, { type: 'push', screen: { kind: 'pending', view: 'heap' } });
    expect(s).toEqual([{ kind: 'main' }, { kind: 'pending', view: 'heap' }]);
  });

  it('stacks the screens drilled into from a view (census -> instances -> inspector -> referrers)', () => {
    let s = navReducer(initialStack, { type: 'push', screen: { kind: 'census' } });
    s = navReducer(s, { type: 'push', screen: { kind: 'instances', typeAddress: '0x1', typeName: 'Leaky' } });
    s = navReducer(s, { type: 'push', screen: { kind: 'inspector', address: '0x10', label: '#0' } });
    s = navReducer(s, { type: 'push', screen: { kind: 'referrers', address: '0x10', label: '#0' } });
    expect(s.map((x) => x.kind)).toEqual(['main', 'census', 'instances', 'inspector', 'referrers']);
    expect(navReducer(navReducer(initialStack, { type: 'push', screen: { kind: 'census' } }), { type: 'push', screen: { kind: 'malloc' } })).toEqual([{ kind: 'main' }, { kind: 'malloc' }]);
  });

  it('keeps the latest status message until cleared', () => {
    const s = statusReducer(null, { type: 'show', kind: 'error', text: 'boom' });
    expect(s).toEqual({ kind: 'error', text: 'boom' });
    expect(statusReducer(s, { type: 'clear' })).toBeNull();
  });
});
