// Splitting a byte stream into lines for the parser: linear in the input, each line capped, CR
// before LF dropped, ANSI terminal sequences and CI timestamp prefixes removed so that colored or
// timestamped logs match like plain ones. Invalid UTF-8 becomes U+FFFD (reports escape it).

export interface LogLine {
  /** 1-based line number in the input. */
  no: number;
  text: string;
  /** The line was longer than the cap; `text` holds its beginning only. */
  cut: boolean;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private cut = false;
  private pendingBytes = false;
  private no = 0;
  cutLines = 0;
  bytes = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: LogLine) => void,
  ) {}

  get lines(): number {
    return this.no;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.append(chunk, pos, chunk.length);
        break;
      }
      if (this.pendingBytes) {
        this.append(chunk, pos, nl);
        this.emit();
      } else {
        // The whole line is in this chunk: decode it in place, no copy.
        const take = Math.min(nl - pos, this.maxLineBytes);
        this.deliver(chunk.toString('utf8', pos, pos + take), nl - pos > take);
      }
      pos = nl + 1;
    }
  }

  /** The last line, when the input does not end with a newline (a log cut mid-line). */
  finish(): void {
    if (this.pendingBytes) this.emit();
  }

  private append(chunk: Buffer, start: number, end: number): void {
    if (end > start) this.pendingBytes = true;
    const room = this.maxLineBytes - this.kept;
    const take = Math.min(room, end - start);
    if (take > 0) {
      this.parts.push(Buffer.from(chunk.subarray(start, start + take)));
      this.kept += take;
    }
    if (end - start > take) this.cut = true;
  }

  private emit(): void {
    const raw = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.kept);
    const cut = this.cut;
    this.parts = [];
    this.kept = 0;
    this.cut = false;
    this.pendingBytes = false;
    this.deliver(raw.toString('utf8'), cut);
  }

  private deliver(text: string, cut: boolean): void {
    if (cut) this.cutLines++;
    this.onLine({ no: ++this.no, text: normalizeLine(text), cut });
  }
}

/** Drop a trailing CR, ANSI escape sequences and a leading CI timestamp. */
export function normalizeLine(s: string): string {
  if (s.endsWith('\r')) s = s.slice(0, -1);
  if (s.includes('\x1b') || s.includes('\x9b')) s = stripAnsi(s);
  return stripTimestamp(s);
}

/** ESC [ ... final, ESC ] ... BEL/ST, other ESC sequences, and the 8-bit CSI; one pass. */
export function stripAnsi(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x1b && c !== 0x9b) {
      out += s[i++];
      continue;
    }
    if (c === 0x9b || s[i + 1] === '[') {
      i += c === 0x9b ? 1 : 2;
      while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x3f) i++;
      if (i < s.length && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x7e) i++;
    } else if (s[i + 1] === ']') {
      i += 2;
      while (i < s.length && s.charCodeAt(i) !== 0x07 && !(s.charCodeAt(i) === 0x1b && s[i + 1] === '\\')) i++;
      i += i < s.length && s.charCodeAt(i) === 0x07 ? 1 : 2;
    } else {
      // ESC, intermediate bytes (0x20-0x2f), one final byte: `ESC ( B`, `ESC 7`, `ESC c`.
      i++;
      while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x2f) i++;
      i++;
    }
  }
  return out;
}

const isDigit = (s: string, i: number) => s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39;

/** GitHub Actions and similar runners prefix each line with `2024-05-01T12:34:56.1234567Z `. */
export function stripTimestamp(s: string): string {
  if (s.length < 21 || !isDigit(s, 0) || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return s;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(s, i)) return s;
  let i = 19;
  if (s[i] === '.') {
    i++;
    while (i < s.length && i < 40 && isDigit(s, i)) i++;
  }
  if (s[i] !== 'Z' || s[i + 1] !== ' ') return s;
  return s.slice(i + 2);
}
