// Fitting text into a column: by code points (a wide character may still overflow; rows also
// use Ink's truncate so a line never wraps).

/** Keep the start: "very long na…". */
export function fitEnd(s: string, width: number): string {
  const cps = [...s];
  if (cps.length <= width) return s;
  if (width <= 1) return width === 1 ? '…' : '';
  return `${cps.slice(0, width - 1).join('')}…`;
}

/** Keep the end (for paths): "…/ctypes/__init__.py". */
export function fitStart(s: string, width: number): string {
  const cps = [...s];
  if (cps.length <= width) return s;
  if (width <= 1) return width === 1 ? '…' : '';
  return `…${cps.slice(cps.length - width + 1).join('')}`;
}

export function padEnd(s: string, width: number): string {
  const n = [...s].length;
  return n >= width ? s : s + ' '.repeat(width - n);
}

/** Wraps each line at `width` (on spaces where it can), continuation lines keeping the indent. */
export function wrapLines(lines: readonly string[], width: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const indent = /^ */.exec(line)![0].length + 2;
    let rest = [...line];
    let first = true;
    if (rest.length === 0) out.push('');
    while (rest.length > 0) {
      const room = Math.max(first ? width : width - indent, 8);
      if (rest.length <= room) {
        out.push((first ? '' : ' '.repeat(indent)) + rest.join(''));
        break;
      }
      const space = rest.lastIndexOf(' ', room);
      const cut = space > room / 2 ? space : room;
      out.push((first ? '' : ' '.repeat(indent)) + rest.slice(0, cut).join(''));
      rest = [...rest.slice(cut).join('').trimStart()];
      first = false;
    }
  }
  return out;
}
