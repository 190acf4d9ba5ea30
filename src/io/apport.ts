// Ubuntu's apport `.crash` files: RFC822-like text, `Key: value`, continuation lines starting
// with a space, keys written as ProblemType first. Binary values (CoreDump among them) are
// written as `Key: base64` followed by continuation lines, each line base64-encoded on its own
// (each with its own padding): the first line a gzip header, the rest raw deflate output, the
// last one ending with the gzip trailer (CRC32, size). Old apport wrote a bare zlib stream
// instead, and a value re-written from a loaded report is one line holding the whole gzip member.
// (apport's problem_report.py: ProblemReport.write and _decompress_line.)
//
// The parser is a byte-level state machine: it never holds more than one field's text (capped)
// and a few base64 characters, so a multi-gigabyte CoreDump streams through.

/** Text fields longer than this are cut (ProcMaps and the like can be long; we need short ones). */
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELDS = 1000;
const MAX_KEY_LINE = 64 * 1024;
const CORE_KEY = 'CoreDump';

export class ApportError extends Error {}

/** The first bytes of an apport report: `ProblemType: ` on the first line. */
export function looksLikeApport(head: Buffer): boolean {
  return /^ProblemType: ?[A-Za-z]/.test(head.toString('latin1', 0, Math.min(head.length, 64)));
}

type Mode = 'text' | 'core' | 'skip';

export class ApportParser {
  readonly fields = new Map<string, string>();
  /** Base64 value lines seen for CoreDump; 0 means the report has none. */
  coreLines = 0;
  private atLineStart = true;
  private inKeyLine = false;
  private keyLine: Buffer[] = [];
  private keyLineLength = 0;
  private mode: Mode = 'skip';
  private key: string | null = null;
  private value: string[] = [];
  private valueLength = 0;
  private b64carry = '';
  private coreSeen = false;
  /** True until the first byte of a continuation line (its leading space) has been dropped. */
  private skipLead = false;

  constructor(private readonly onCore: (bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.atLineStart) {
        this.atLineStart = false;
        if (chunk[i] === 0x20) {
          this.skipLead = true;
        } else {
          this.finishField();
          this.inKeyLine = true;
        }
      }
      if (this.skipLead) {
        this.skipLead = false;
        i++;
        if (this.mode === 'text' && this.key !== null) this.appendText('\n');
        continue;
      }
      const nl = chunk.indexOf(0x0a, i);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(i, end);
      if (this.inKeyLine) {
        if (this.keyLineLength < MAX_KEY_LINE) {
          this.keyLine.push(piece.subarray(0, MAX_KEY_LINE - this.keyLineLength));
          this.keyLineLength += piece.length;
        }
      } else if (this.mode === 'text') this.appendText(piece.toString('utf8'));
      else if (this.mode === 'core') this.decodeBase64(piece.toString('latin1'), false);
      if (nl < 0) return;
      this.endLine();
      i = nl + 1;
    }
  }

  /** Call after the last chunk. */
  end(): void {
    if (!this.atLineStart) this.endLine();
    this.finishField();
  }

  private endLine(): void {
    this.atLineStart = true;
    if (this.inKeyLine) {
      this.inKeyLine = false;
      this.startField(Buffer.concat(this.keyLine).toString('utf8'));
      this.keyLine = [];
      this.keyLineLength = 0;
    } else if (this.mode === 'core') this.decodeBase64('', true);
  }

  private startField(line: string): void {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ApportError(`line "${line.slice(0, 40)}" has no "Key:"; this is not an apport .crash file`);
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    this.key = key;
    this.value = [];
    this.valueLength = 0;
    if (value === 'base64') {
      this.mode = key === CORE_KEY && !this.coreSeen ? 'core' : 'skip';
      if (this.mode === 'core') this.coreSeen = true;
      return;
    }
    this.mode = 'text';
    this.appendText(value);
  }

  private finishField(): void {
    if (this.key !== null && this.mode === 'text' && this.fields.size < MAX_FIELDS) this.fields.set(this.key, this.value.join(''));
    this.key = null;
    this.mode = 'skip';
  }

  private appendText(s: string): void {
    if (this.valueLength >= MAX_FIELD_BYTES) return;
    const part = s.slice(0, MAX_FIELD_BYTES - this.valueLength);
    this.value.push(part);
    this.valueLength += part.length;
  }

  private decodeBase64(text: string, lineEnd: boolean): void {
    const s = this.b64carry + text.replace(/[\r\t ]/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new ApportError('the CoreDump field holds something other than base64');
    const whole = lineEnd ? s.length : s.length - (s.length % 4);
    this.b64carry = s.slice(whole);
    if (whole === 0) return;
    if (lineEnd && whole % 4 !== 0) throw new ApportError('a CoreDump base64 line is cut short');
    this.coreLines++;
    this.onCore(Buffer.from(s.slice(0, whole), 'base64'));
  }
}

/** Streams the compressed CoreDump bytes out of an apport report; `fields` fills as the text is read. */
export async function* apportCoreDump(input: AsyncIterable<Buffer>, fields: Map<string, string>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const parser = new ApportParser((b) => out.push(b));
  for await (const chunk of input) {
    parser.push(chunk);
    while (out.length) yield out.shift()!;
  }
  parser.end();
  for (const [k, v] of parser.fields) fields.set(k, v);
  if (parser.coreLines === 0)
    throw new ApportError(
      parser.fields.has('Traceback')
        ? 'the report is of a Python exception (a Traceback field, no CoreDump): there is no core to analyze; read its Traceback field'
        : 'the report has no CoreDump field (apport keeps the core only for some crashes); pass the core file itself',
    );
}

/** apport's ProcCmdline: arguments joined by spaces, with `\` and spaces inside them escaped by `\`. */
export function splitProcCmdline(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      any = true;
    } else if (c === ' ') {
      out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any || cur) out.push(cur);
  return out;
}
