// Generators, coroutines and async generators: their state and the frame they are suspended in.
import { field, type Layout } from '../cpython-layouts/layout.js';
import { frameObject, interpreterFrame, type FrameInfo } from './frames.js';
import type { ObjectDecoder } from './objects/decoder.js';

export interface GeneratorState {
  state: string;
  frame: FrameInfo | null;
}

/** _framestate values whose generator frame holds a valid interpreter frame. */
const LIVE_STATES = new Set(['FRAME_CREATED', 'FRAME_SUSPENDED', 'FRAME_SUSPENDED_YIELD_FROM', 'FRAME_SUSPENDED_YIELD_FROM_LOCKED', 'FRAME_EXECUTING']);

/**
 * The name of a gi_frame_state value and whether the generator's frame is valid then (created,
 * suspended or running). Told by name, since 3.15 renumbered the states from 0; by the 3.11-3.14
 * numbering (those states <= 0) only when the layout has no _framestate enum.
 */
export function frameState(L: Layout, value: number): { name: string; live: boolean } {
  const names = L.enums['_framestate'] ?? {};
  const name = Object.entries(names).find(([, v]) => v === value)?.[0] ?? `state ${value}`;
  return { name, live: Object.keys(names).length > 0 ? LIVE_STATES.has(name) : value <= 0 };
}

export function generatorState(d: ObjectDecoder, address: number): GeneratorState | null {
  const { r, L } = d;
  if (L.caps.generatorFrame === 'embedded') {
    const raw = r.u8(address + field(L, 'gen.frame_state'));
    if (raw === null) return null;
    const value = (raw << 24) >> 24;
    const { name, live } = frameState(L, value);
    const state = name.replace(/^FRAME_/, '').toLowerCase().replace(/_/g, ' ');
    return { state, frame: live ? interpreterFrame(d.rt, address + field(L, 'gen.iframe'), d.codes) : null };
  }
  const frame = r.ptr(address + field(L, 'gen.frame'));
  if (frame === null) return null;
  if (frame === 0) return { state: 'completed', frame: null };
  const info = frameObject(d.rt, frame, d.codes);
  const lasti = r.i32(frame + field(L, 'frame.f_lasti'));
  return { state: lasti === -1 ? 'created' : 'suspended', frame: info };
}
