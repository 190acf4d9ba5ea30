// Reads corpus/layouts-gdb/<module>.txt: what gdb printed at generation time (`ptype /o`,
// `ptype` of enums, `print/d` of offsets and sizes), and flattens structs the way the layout
// tables record them — from gdb's text alone, so the comparison does not go through src/dwarf.
export interface PMember {
  name: string | null;
  offset: number;
  bit: number | null;
  bitsize: number;
  size: number;
  typeText: string;
  pointer: boolean;
  dims: number[] | null;
  inline: PMember[] | null;
}

export interface PType {
  aggregate: boolean;
  size: number;
  members: PMember[];
}

const MEMBER = /^\/\*\s*(?:(\d+)(?::\s*(\d+))?\s*\|)?\s*(\d+)\s*\*\/\s+(.*)$/;

function leaf(decl: string): { name: string | null; typeText: string; bitsize: number; pointer: boolean; dims: number[] | null } {
  let d = decl.replace(/;$/, '').trim();
  let bitsize = 0;
  const bf = /^(.*?)\s*:\s*(\d+)$/.exec(d);
  if (bf) {
    d = bf[1];
    bitsize = +bf[2];
  }
  const fp = /\(\*\s*([A-Za-z_]\w*)\)/.exec(d);
  if (fp) return { name: fp[1], typeText: d, bitsize, pointer: true, dims: null };
  const m = /^(.*?)\b([A-Za-z_]\w*)((?:\[\d*\])*)$/.exec(d);
  if (!m) return { name: null, typeText: d, bitsize, pointer: false, dims: null };
  const typeText = m[1].trim();
  const dims = m[3] ? [...m[3].matchAll(/\[(\d*)\]/g)].map((x) => (x[1] === '' ? 0 : +x[1])) : null;
  return { name: m[2], typeText, bitsize, pointer: typeText.endsWith('*'), dims };
}

/** Parse one `ptype /o` output. */
export function parsePtype(text: string): PType | null {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /type = (struct|union)\b.*\{$/.test(l));
  if (start < 0) return null;
  // A pointer or function type whose target is a struct prints the struct, then "} *" or "} *(*)(…)".
  const last = lines.filter((l) => l.trim() !== '').pop() ?? '';
  if (!/^\s*\}\s*$/.test(last)) return null;
  const root: PType = { aggregate: true, size: 0, members: [] };
  // Stack of open aggregates: their member lists and (for nested ones) the member to name on close.
  const stack: { members: PMember[]; owner: PMember | null; offset: number }[] = [{ members: root.members, owner: null, offset: 0 }];
  for (const line of lines.slice(start + 1)) {
    const top = stack[stack.length - 1];
    const total = /\/\* total size \(bytes\):\s*(\d+) \*\//.exec(line);
    if (total) {
      if (top.owner) top.owner.size = +total[1];
      else root.size = +total[1];
      continue;
    }
    const close = /^\s*\}\s*([A-Za-z_]\w*)?\s*;\s*$/.exec(line);
    if (close) {
      const done = stack.pop()!;
      if (done.owner) done.owner.name = close[1] ?? null;
      continue;
    }
    const m = MEMBER.exec(line);
    if (!m) continue;
    const offset = m[1] !== undefined ? +m[1] : top.offset;
    const bit = m[2] !== undefined ? +m[2] : null;
    const decl = m[4];
    if (decl.endsWith('{')) {
      const mem: PMember = { name: null, offset, bit, bitsize: 0, size: +m[3], typeText: decl.slice(0, -1).trim(), pointer: false, dims: null, inline: [] };
      top.members.push(mem);
      stack.push({ members: mem.inline!, owner: mem, offset });
      continue;
    }
    const l = leaf(decl);
    top.members.push({ ...l, offset, bit, size: +m[3], inline: null });
  }
  return root;
}

export function printed(sections: Map<string, string>, cmd: string): number | null {
  const m = /^\$\d+ = (-?\d+)\s*$/m.exec(sections.get(cmd) ?? '');
  return m ? +m[1] : null;
}

/** `ptype` of an enum: "type = enum X {A, B = 4}" -> {A: 0, B: 4}. */
export function parseEnum(text: string): Record<string, number> | null {
  const m = /type = enum [^{]*\{(.*)\}/.exec(text);
  if (!m) return null;
  const out: Record<string, number> = {};
  let next = 0;
  for (const part of m[1].split(',')) {
    const e = /^\s*([A-Za-z_]\w*)(?:\s*=\s*(-?\d+))?\s*$/.exec(part);
    if (!e) return null;
    const v = e[2] !== undefined ? +e[2] : next;
    out[e[1]] = v;
    next = v + 1;
  }
  return out;
}

const cv = (t: string) => t.replace(/\b(const|volatile|_Atomic)\s+/g, '').trim();

/** Flatten struct `t` as the layout tables do: dotted paths up to `maxDepth`, every bitfield. */
export function flatten(sections: Map<string, string>, t: PType, key: string, maxDepth: number) {
  const fields: Record<string, number> = {};
  const bitfields: Record<string, { byteOffset: number; bitOffset: number; bitSize: number }> = {};
  const typeOf = (text: string): PType | null => parsePtype(sections.get(`ptype /o ${cv(text)}`) ?? '');
  // Offsets in one printout are from the start of the printed type, inline members included.
  const walk = (members: PMember[], base: number, prefix: string, depth: number) => {
    for (const m of members) {
      const off = base + m.offset;
      let sub: { members: PMember[]; base: number } | null = null;
      if (m.inline) sub = { members: m.inline, base };
      else if (!m.pointer && !m.dims) {
        const ty = typeOf(m.typeText);
        if (ty) sub = { members: ty.members, base: off };
      }
      if (m.name === null) {
        if (sub) walk(sub.members, sub.base, prefix, depth);
        continue;
      }
      const path = prefix + m.name;
      if (m.bitsize) {
        bitfields[`${key}.${path}`] = { byteOffset: off, bitOffset: m.bit ?? 0, bitSize: m.bitsize };
        continue;
      }
      if (depth <= maxDepth) fields[path] = off;
      if (sub) walk(sub.members, sub.base, `${path}.`, depth + 1);
    }
  };
  walk(t.members, 0, '', 1);
  return { fields, bitfields };
}
