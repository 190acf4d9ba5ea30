import { describe, expect, it } from 'vitest';
import { breadcrumb, currentLevel, initialInspectorState, inspectorReducer, MAX_INSPECTOR_DEPTH } from './inspector-state.js';

describe('inspector state', () => {
  const root = initialInspectorState({ address: '0x100', label: 'nested' });

  it('goes deeper and back, keeping the cursor of each level', () => {
    let s = inspectorReducer(root, { type: 'move', move: { kind: 'by', delta: 2 }, count: 5 });
    s = inspectorReducer(s, { type: 'enter', address: '0x200', label: "['s']" });
    expect(breadcrumb(s)).toBe("nested › ['s']");
    expect(currentLevel(s)).toEqual({ address: '0x200', label: "['s']", selected: 0 });
    s = inspectorReducer(s, { type: 'back' });
    expect(currentLevel(s)).toEqual({ address: '0x100', label: 'nested', selected: 2 });
    expect(inspectorReducer(s, { type: 'back' })).toBe(s);
  });

  it('moves within the number of children and stops at a depth limit', () => {
    expect(currentLevel(inspectorReducer(root, { type: 'move', move: { kind: 'last' }, count: 100_000 })).selected).toBe(99_999);
    expect(inspectorReducer(root, { type: 'move', move: { kind: 'by', delta: 1 }, count: 0 })).toBe(root);
    let s = root;
    for (let i = 0; i < MAX_INSPECTOR_DEPTH + 10; i++) s = inspectorReducer(s, { type: 'enter', address: `0x${i}`, label: `[${i}]` });
    expect(s.path.length).toBe(MAX_INSPECTOR_DEPTH);
  });
});
