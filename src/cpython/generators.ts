// Generators, coroutines and async generators: their state and the frame they are suspended in.
import { field } from '../cpython-layouts/layout.js';
import { frameObject, interpreterFrame, type FrameInfo } from './frames.js';
import type { ObjectDecoder } from './objects/decoder.js';

export interface GeneratorState {
  state: string;
  frame: FrameInfo | null;
}

export function generatorState(d: ObjectDecoder, address: number): GeneratorState | null {
  const { r, L } = d;
  if (L.caps.generatorFrame === 'embedded') {
    const raw = r.u8(address + field(L, 'gen.frame_state'));
    if (raw === null) return null;
    const value = (raw << 24) >> 24;
    const names = L.enums['_framestate'] ?? {};
    const name = Object.entries(names).find(([, v]) => v === value)?.[0] ?? `state ${value}`;
    const state = name.replace(/^FRAME_/, '').toLowerCase().replace(/_/g, ' ');
    const live = value < 0 || value === 0; // created, suspended or running: the frame is valid
    return { state, frame: live ? interpreterFrame(d.rt, address + field(L, 'gen.iframe'), d.codes) : null };
  }
  const frame = r.ptr(address + field(L, 'gen.frame'));
  if (frame === null) return null;
  if (frame === 0) return { state: 'completed', frame: null };
  const info = frameObject(d.rt, frame, d.codes);
  const lasti = r.i32(frame + field(L, 'frame.f_lasti'));
  return { state: lasti === -1 ? 'created' : 'suspended', frame: info };
}
