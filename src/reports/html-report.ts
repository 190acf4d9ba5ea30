// `pycore report CORE -o crash.html`: one self-contained HTML page (inline CSS, a few lines of
// inline JS, an inline SVG treemap; a Content-Security-Policy that forbids every request) with the
// crash summary, every thread's stack and locals, the heap census, a treemap of retained size by
// module and type, the largest dominators, leak suspects and memory errors. Every string from the
// core is first made printable (escapeForTerminal: terminal escapes and control characters shown
// as \x1b...) and then HTML-escaped.
import type { DominatorsReport, DominatorView, RetainedByTypeView } from '../analysis/heap/dominators.js';
import type { HeapReport } from '../analysis/heap/view-model.js';
import type { MemoryErrorView } from '../analysis/memory-check.js';
import type { AnalyzeReport, ThreadView } from '../analysis/view-model.js';
import { pathExpression } from './heap-refs.js';
import { escapeForTerminal } from './sanitize.js';

export interface HtmlReportInput {
  analyze: AnalyzeReport;
  /** The heap sections, or why there are none. */
  heap: { census: HeapReport; dominators: DominatorsReport } | { unreadable: string };
}

/** Text from a core, safe inside HTML text and attribute values. */
export function h(s: string | number | null | undefined): string {
  if (s === null || s === undefined) return '';
  return escapeForTerminal(String(s)).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const num = (x: number) => x.toLocaleString('en-US');

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;border-bottom:1px solid #ccc;margin-top:1.6em}
code,pre,.mono{font-family:ui-monospace,monospace;font-size:12px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}tr:nth-child(even){background:#f7f7f7}
details{margin:.3em 0}summary{cursor:pointer}
.warn{color:#8a4b00}.crash{background:#fff0f0}.muted{color:#777}
svg text{font:11px system-ui,sans-serif;pointer-events:none}
`;

const JS = `
document.getElementById('expand-all').addEventListener('click', function () {
  var open = this.dataset.open !== '1';
  document.querySelectorAll('#threads details').forEach(function (d) { d.open = open; });
  this.dataset.open = open ? '1' : '0';
  this.textContent = open ? 'Collapse all' : 'Expand all';
});
`;

export function renderHtmlReport(r: HtmlReportInput): string {
  const a = r.analyze;
  const title = `pycore report: ${a.core}`;
  const body = [
    `<h1>${h(title)}</h1>`,
    summary(a),
    threads(a.threads),
    memoryErrors(a.memory_errors),
    ...('unreadable' in r.heap ? [`<h2 id="heap">Heap</h2><p class="warn">No heap sections: ${h(r.heap.unreadable)}</p>`] : [census(r.heap.census), treemapSection(r.heap.dominators.retained_by_type, r.heap.dominators), dominatorsSection(r.heap.dominators), suspects(r.heap.dominators)]),
    warnings([...new Set([...a.warnings, ...('unreadable' in r.heap ? [] : [...r.heap.census.warnings, ...r.heap.dominators.warnings])])]),
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title><style>${CSS}</style></head>
<body>
${body.join('\n')}
<script>${JS}</script>
</body></html>
`;
}

function summary(a: AnalyzeReport): string {
  const rows: [string, string][] = [];
  rows.push(['Python', a.python ? `${h(a.python.version)} (${h(a.python.build)}, ${h(a.python.executable ?? a.python.module)})` : '<span class="warn">not found</span>']);
  rows.push(['Process', `pid ${h(a.process.pid ?? '?')} <code>${h(a.process.argv.join(' '))}</code>`]);
  rows.push(['Signal', a.signal ? `${h(a.signal.name)} (${a.signal.number})${a.signal.code_text ? `, ${h(a.signal.code_text)}` : ''}${a.signal.address ? ` at ${h(a.signal.address)}` : ''}` : 'none (a live snapshot)']);
  if (a.fatal_error_from) rows.push(['Fatal error', h(a.fatal_error_from)]);
  const c = a.crash_site;
  if (c) rows.push(['Crash site', `<code>${h(c.symbol ?? '??')}+${h(c.offset)}</code> in ${h(c.module)} (${h(c.address)}), thread ${h(c.thread_native_id)}`]);
  const cur = a.threads.find((t) => t.current);
  const top = cur?.frames[0];
  if (top) rows.push(['Python frame', `<code>${h(top.function ?? '???')}</code> (${h(top.file ?? '???')}:${h(top.line ?? '?')})`]);
  rows.push(['Threads', String(a.threads.length)]);
  return `<h2 id="summary">Summary</h2><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function threads(ts: ThreadView[]): string {
  const out = [`<h2 id="threads">Threads</h2><button id="expand-all" type="button">Expand all</button>`, '<div id="threads">'];
  for (const t of ts) {
    const name = `${t.current ? 'Current thread' : 'Thread'} ${h(t.thread_id ?? '?')}${t.native_id !== null ? ` (native ${t.native_id})` : ''}`;
    out.push(`<section class="thread${t.current ? ' crash' : ''}"><h3>${name}</h3>`);
    if (t.unreadable) out.push(`<p class="warn">${h(t.unreadable)}</p>`);
    for (const f of t.frames) {
      const where = `<code>${h(f.function ?? '???')}</code> <span class="mono">${h(f.file ?? '???')}:${h(f.line ?? '?')}</span>`;
      const locals = f.locals ?? [];
      if (locals.length === 0 && !f.locals_unreadable && !f.unreadable) {
        out.push(`<div class="frame">${where}</div>`);
        continue;
      }
      out.push(`<details class="frame"><summary>${where} <span class="muted">(${locals.length} locals)</span></summary>`);
      if (f.unreadable) out.push(`<p class="warn">${h(f.unreadable)}</p>`);
      if (f.locals_unreadable) out.push(`<p class="warn">locals: ${h(f.locals_unreadable)}</p>`);
      if (locals.length) {
        out.push('<table><tr><th>name</th><th>type</th><th>address</th><th>repr</th></tr>');
        for (const l of locals) out.push(`<tr><td><code>${h(l.name)}</code></td><td>${h(l.type)}</td><td class="mono">${h(l.address)}</td><td class="mono">${h(l.repr)}</td></tr>`);
        out.push('</table>');
      }
      out.push('</details>');
    }
    out.push('</section>');
  }
  out.push('</div>');
  return out.join('\n');
}

function memoryErrors(errors: MemoryErrorView[]): string {
  if (errors.length === 0) return '<h2 id="memory-errors">Memory errors</h2><p>None found.</p>';
  const rows = errors.map((e) => `<tr><td>${h(e.kind)}</td><td class="mono">${h(e.address)}</td><td>${h(e.object ? `${e.object.type} ${e.object.repr}` : '')}</td><td>${h(e.found_via)}</td><td>${h(e.bad_pads.map((p) => `${p.base}+${p.offset}=${p.value}`).join(', '))}</td></tr>`);
  return `<h2 id="memory-errors">Memory errors</h2><table><tr><th>kind</th><th>block</th><th>object</th><th>found via</th><th>bad bytes</th></tr>${rows.join('')}</table>`;
}

function census(c: HeapReport): string {
  const rows = c.types.map((t) => `<tr><td>${h(t.module === 'builtins' ? t.name : `${t.module}.${t.name}`)}</td><td class="n">${num(t.count)}</td><td class="n">${t.estimated ? '~' : ''}${num(t.bytes)}</td><td class="n">${num(t.gc_tracked)}</td></tr>`);
  return `<h2 id="census">Heap census</h2><p>${num(c.objects_total)} objects, ${num(c.bytes_total)} bytes (sys.getsizeof)${c.bytes_estimated ? `, plus ~${num(c.bytes_estimated)} bytes estimated (types whose __sizeof__ pycore does not reproduce; not in the total)` : ''}.</p>
<table><tr><th>type</th><th class="n">count</th><th class="n">bytes</th><th class="n">gc tracked</th></tr>${rows.join('')}</table>`;
}

interface Cell {
  label: string;
  weight: number;
  title: string;
  children?: Cell[];
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Lays `cells` out in `r`: split the list where the weights balance, across the longer side, recursively. */
export function layoutTreemap(cells: { weight: number }[], r: Rect): Rect[] {
  const out: Rect[] = new Array(cells.length);
  const place = (lo: number, hi: number, box: Rect) => {
    if (hi - lo === 1) {
      out[lo] = box;
      return;
    }
    let total = 0;
    for (let i = lo; i < hi; i++) total += cells[i].weight;
    let acc = 0;
    let mid = lo + 1;
    for (let i = lo; i < hi - 1; i++) {
      acc += cells[i].weight;
      mid = i + 1;
      if (acc >= total / 2) break;
    }
    let first = 0;
    for (let i = lo; i < mid; i++) first += cells[i].weight;
    const f = total > 0 ? first / total : 0.5;
    if (box.w >= box.h) {
      place(lo, mid, { x: box.x, y: box.y, w: box.w * f, h: box.h });
      place(mid, hi, { x: box.x + box.w * f, y: box.y, w: box.w * (1 - f), h: box.h });
    } else {
      place(lo, mid, { x: box.x, y: box.y, w: box.w, h: box.h * f });
      place(mid, hi, { x: box.x, y: box.y + box.h * f, w: box.w, h: box.h * (1 - f) });
    }
  };
  if (cells.length > 0) place(0, cells.length, r);
  return out;
}

/** Cells shown at most (the rest are summed into one "other" cell per module). */
const TREEMAP_TYPES = 60;

function treemapSection(cells: RetainedByTypeView[], d: DominatorsReport): string {
  const W = 1100;
  const H = 520;
  // A cell of no exact bytes has no area: it joins the other types, so the cells' objects still sum to every reachable object.
  const shown = cells.filter((c) => c.bytes > 0).slice(0, TREEMAP_TYPES);
  const rest = cells.filter((c) => !shown.includes(c));
  const modules = new Map<string, Cell & { objects: number; estimated: number; unsized: number }>();
  for (const c of shown) {
    const m = modules.get(c.module) ?? { label: c.module, weight: 0, title: c.module, children: [], objects: 0, estimated: 0, unsized: 0 };
    m.weight += c.bytes;
    m.objects += c.objects;
    m.estimated += c.estimated_bytes;
    m.unsized += c.unsized_objects;
    m.children!.push({ label: c.type, weight: c.bytes, title: cellTitle(`${c.module}.${c.type}`, c.bytes, c.objects, c.estimated_bytes, c.unsized_objects) });
    modules.set(c.module, m);
  }
  if (rest.length) {
    const sum = (f: (c: RetainedByTypeView) => number) => rest.reduce((s, c) => s + f(c), 0);
    const [bytes, objects, estimated, unsized] = [sum((c) => c.bytes), sum((c) => c.objects), sum((c) => c.estimated_bytes), sum((c) => c.unsized_objects)];
    const title = cellTitle(`${rest.length} other types`, bytes, objects, estimated, unsized);
    modules.set('\0other', { label: 'other types', weight: bytes, title: `${rest.length} other types`, objects, estimated, unsized, children: [{ label: `${rest.length} other types`, weight: bytes, title }] });
  }
  const mods = [...modules.values()].sort((a, b) => b.weight - a.weight);
  const boxes = layoutTreemap(mods, { x: 0, y: 0, w: W, h: H });
  const svg: string[] = [];
  const palette = ['#8dd3c7', '#ffffb3', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69', '#fccde5', '#d9d9d9', '#bc80bd', '#ccebc5', '#ffed6f'];
  mods.forEach((m, i) => {
    const b = boxes[i];
    const kids = m.children!.sort((x, y) => y.weight - x.weight);
    const inner = layoutTreemap(kids, { x: b.x + 1, y: b.y + 14, w: Math.max(0, b.w - 2), h: Math.max(0, b.h - 15) });
    svg.push(`<g class="module"><rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w.toFixed(1)}" height="${b.h.toFixed(1)}" fill="#fff" stroke="#333"><title>${h(cellTitle(m.title, m.weight, m.objects, m.estimated, m.unsized))}</title></rect>`);
    if (b.w > 40) svg.push(`<text x="${(b.x + 3).toFixed(1)}" y="${(b.y + 11).toFixed(1)}">${h(clip(m.label, b.w / 6.5))}</text>`);
    kids.forEach((k, j) => {
      const r = inner[j];
      svg.push(`<rect class="cell" x="${r.x.toFixed(1)}" y="${r.y.toFixed(1)}" width="${r.w.toFixed(1)}" height="${r.h.toFixed(1)}" fill="${palette[i % palette.length]}" stroke="#fff"><title>${h(k.title)}</title></rect>`);
      if (r.w > 40 && r.h > 14) svg.push(`<text x="${(r.x + 3).toFixed(1)}" y="${(r.y + 12).toFixed(1)}">${h(clip(k.label, r.w / 6.5))}</text>`);
    });
    svg.push('</g>');
  });
  return `<h2 id="treemap">Retained size by module and type</h2>
<p>Each object that no other object dominates (only roots keep it alive) is counted in its type's cell with everything it retains: ${num(d.summary.heapBytes)} bytes in all.</p>
<svg id="treemap-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="treemap of retained size">${svg.join('')}</svg>`;
}

/** A treemap rectangle's tooltip: exact retained bytes and objects, the estimated bytes and unsized objects apart. */
function cellTitle(name: string, bytes: number, objects: number, estimated: number, unsized: number): string {
  const apart = [estimated > 0 ? `+${num(estimated)} bytes estimated` : '', unsized > 0 ? `${num(unsized)} objects of unknown size` : ''].filter(Boolean);
  return `${name}: ${num(bytes)} bytes retained by ${num(objects)} objects${apart.length ? ` (${apart.join(', ')})` : ''}`;
}

function clip(s: string, chars: number): string {
  const n = Math.max(1, Math.floor(chars));
  return s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s;
}

function why(d: DominatorView): string {
  return d.path.root === null ? 'no chain from a root' : pathExpression(d.path);
}

function apart(d: DominatorView): string {
  const parts: string[] = [];
  if (d.retained_estimated_bytes > 0) parts.push(`+${num(d.retained_estimated_bytes)} estimated`);
  if (d.retained_unsized_objects > 0) parts.push(`${num(d.retained_unsized_objects)} of unknown size`);
  return parts.length ? ` <span class="muted">(${parts.join(', ')})</span>` : '';
}

function dominatorsSection(d: DominatorsReport): string {
  const rows = d.dominators.map((x) => `<tr><td class="n">${num(x.retained_bytes)}${apart(x)}</td><td class="n">${(x.heap_fraction * 100).toFixed(1)}%</td><td class="n">${num(x.retained_objects)}</td><td class="n">${x.shallow_bytes === null ? '?' : num(x.shallow_bytes)}</td><td>${h(x.type)}</td><td class="mono">${h(x.address)}</td><td class="mono">${h(why(x))}</td></tr>`);
  return `<h2 id="dominators">Largest retained sizes</h2><table><tr><th class="n">retained bytes</th><th class="n">heap</th><th class="n">objects</th><th class="n">shallow</th><th>type</th><th>address</th><th>held by</th></tr>${rows.join('')}</table>`;
}

function suspects(d: DominatorsReport): string {
  const out = [`<h2 id="leak-suspects">Leak suspects</h2><p>Objects retaining over ${(d.suspect_threshold * 100).toFixed(0)}% of the heap, where the memory accumulates.</p>`];
  if (d.leak_suspects.length === 0) out.push('<p>None.</p>');
  for (const s of d.leak_suspects) {
    out.push(`<div class="suspect"><h3>${h(s.type)} at <span class="mono">${h(s.address)}</span>: ${num(s.retained_bytes)} bytes (${(s.heap_fraction * 100).toFixed(1)}%) in ${num(s.retained_objects)} objects${apart(s)}</h3>`);
    out.push(`<p>Held by ${h(s.path.root ?? 'no root')}:</p><ol class="mono">${s.path.hops.map((x) => `<li>${h(x.label ? `${x.label} -> ` : '')}${h(x.address)} ${h(x.type)} ${h(x.repr)}</li>`).join('')}</ol>`);
    out.push(`<table><tr><th>holds</th><th class="n">objects</th><th class="n">bytes</th></tr>${s.holds.map((x) => `<tr><td>${h(x.type)}</td><td class="n">${num(x.objects)}</td><td class="n">${num(x.bytes)}</td></tr>`).join('')}</table></div>`);
  }
  return out.join('\n');
}

function warnings(ws: string[]): string {
  if (ws.length === 0) return '';
  return `<h2 id="warnings">Warnings</h2><ul class="warn">${ws.map((w) => `<li>${h(w)}</li>`).join('')}</ul>`;
}
