// Targeted mutations: the fields pycore actually reads (thread and frame links, code object
// pointers, str lengths and kinds, tuple and dict sizes), located with pycore's own decoders
// on the intact core and turned into hostile values: loops, unmapped pointers, huge and
// negative sizes, lying lengths. Returned as plain 'word' records (file offset, value).
import { join } from 'node:path';

const described = new Map();

/** What the intact core offers the campaign: fields to corrupt and object addresses to query. */
export async function describeBase(root, corePath) {
  if (!described.has(corePath)) described.set(corePath, await describe(root, corePath));
  return described.get(corePath);
}

export async function planTargeted(root, corePath, random, count) {
  const { fields, toOffset } = await describeBase(root, corePath);
  return pickTargeted(fields, toOffset, random, count);
}

async function describe(root, corePath) {
  const dist = (p) => join(root, 'dist', 'src', p);
  const { openCore } = await import(dist('cli/open-core.js'));
  const { findRuntime } = await import(dist('cpython/runtime.js'));
  const { readInterpreters } = await import(dist('cpython/threads.js'));
  const { walkFrames } = await import(dist('cpython/frames.js'));
  const { CodeCache } = await import(dist('cpython/code.js'));
  const { defaultLimits } = await import(dist('cpython/limits.js'));
  const target = await openCore(corePath, { sysroot: join(root, 'corpus', 'sysroot'), progress: false });
  const rt = findRuntime(target);
  if (!rt.ok) return { fields: [], toOffset: () => null, addresses: [] };
  const L = rt.value.layout;
  const r = rt.value.reader;
  const fields = [];
  const add = (address, kind) => address && fields.push({ address, kind });
  const { interpreters } = readInterpreters(rt.value, defaultLimits);
  const codes = new CodeCache(r, L, defaultLimits, null);
  for (const interp of interpreters) {
    add(interp.address + L.offsets['interp.threads_head'], 'pointer');
    add(interp.address + L.offsets['interp.next'], 'pointer');
    for (const ts of interp.threads) {
      add(ts.address + L.offsets['tstate.next'], 'pointer');
      const walk = walkFrames(rt.value, ts, codes, defaultLimits);
      for (const f of walk.frames) {
        const prev = L.offsets['iframe.previous'] ?? L.offsets['frame.f_back'];
        const code = L.offsets['iframe.code'] ?? L.offsets['frame.f_code'];
        add(f.address + prev, 'pointer');
        add(f.address + code, 'pointer');
        if (f.code) {
          add(f.code + L.offsets['code.filename'], 'pointer');
          add(f.code + L.offsets['code.linetable'], 'pointer');
          const name = r.ptr(f.code + L.offsets['code.name']);
          if (name) {
            add(name + L.offsets['unicode.length'], 'size');
            add(name + L.offsets['unicode.state'], 'size');
          }
          const table = r.ptr(f.code + L.offsets['code.linetable']);
          if (table) add(table + L.offsets['bytes.size'], 'size');
        }
      }
    }
  }
  // Objects held in frame locals: their addresses are what show/refs/referrers/path are asked
  // about, and their headers (type pointer, sizes, dict keys) are fields worth corrupting.
  const { analyze } = await import(dist('analysis/analyze.js'));
  const { renderAnalyzeJson } = await import(dist('reports/json.js'));
  const addresses = new Set();
  try {
    const j = JSON.parse(renderAnalyzeJson(analyze(target, { locals: true }).report));
    for (const t of j.threads) for (const f of t.frames) for (const d of f.locals_detail ?? []) if (d.address) addresses.add(d.address);
  } catch {
    // no locals: only the frame fields are targeted
  }
  for (const a of addresses) {
    const address = Number(BigInt(a));
    add(address + 8, 'pointer');
    for (let k = 16; k <= 40; k += 8) add(address + k, random01(address + k) < 0.5 ? 'size' : 'pointer');
  }
  const regions = target.memory.coreRegions.map((g) => ({ start: g.start, end: g.end, sourceOffset: g.sourceOffset }));
  const toOffset = (address) => {
    const reg = regions.find((g) => address >= g.start && address + 8 <= g.end);
    return reg ? reg.sourceOffset + (address - reg.start) : null;
  };
  target.close?.();
  return { fields, toOffset, addresses: [...addresses] };
}

// A fixed choice per field (not from the campaign's random source, so describing a core does
// not shift the campaign's sequence).
const random01 = (x) => ((x * 2654435761) % 2 ** 32) / 2 ** 32;

function pickTargeted(fields, toOffset, random, count) {
  const out = [];
  for (let i = 0; i < count && fields.length; i++) {
    const f = fields[Math.floor(random() * fields.length)];
    const at = toOffset(f.address);
    if (at === null) continue;
    const other = fields[Math.floor(random() * fields.length)].address;
    const values = f.kind === 'pointer' ? [f.address, f.address - 8, other, 0, 0x10, 0xdeadbeef000, 2 ** 47 - 8] : [-1, 2 ** 40, 2 ** 62, 0x7fffffff, 0xffffffff, 3];
    out.push({ kind: 'word', at, value: String(values[Math.floor(random() * values.length)]) });
  }
  return out;
}
