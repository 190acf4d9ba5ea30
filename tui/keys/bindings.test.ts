import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { commandFor, commands, helpLines, hints, keyBindings, keyLabel, matches } from './bindings.js';

const none: Key = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };

describe('key bindings', () => {
  it('gives every command a key and a description, and the help lists every command', () => {
    for (const c of commands) {
      expect(keyBindings[c].keys.length, c).toBeGreaterThan(0);
      expect(keyBindings[c].description.length, c).toBeGreaterThan(3);
    }
    expect(helpLines().map((l) => l.description).sort()).toEqual(commands.map((c) => keyBindings[c].description).sort());
  });

  it('binds no key to two commands', () => {
    const labels = commands.flatMap((c) => keyBindings[c].keys.map(keyLabel));
    expect(labels.length).toBe(new Set(labels).size);
  });

  it('tells Tab from Shift+Tab and q from Ctrl+q', () => {
    expect(commandFor(['nextPane', 'prevPane'], '', { ...none, tab: true })).toBe('nextPane');
    expect(commandFor(['nextPane', 'prevPane'], '', { ...none, tab: true, shift: true })).toBe('prevPane');
    expect(matches('quit', 'q', none)).toBe(true);
    expect(matches('quit', 'q', { ...none, ctrl: true })).toBe(false);
    expect(matches('last', 'G', { ...none, shift: true })).toBe(true);
  });

  it('merges hints of commands that share a word', () => {
    expect(hints(['up', 'down', 'help'])).toBe('↑↓ move  ? help');
  });
});
