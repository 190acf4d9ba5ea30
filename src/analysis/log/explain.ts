// `pycore explain`: read a crash log (any size, any bytes) and say what each part of it means.
// Feed it chunks as they arrive; it keeps only the blocks being assembled and the findings.
import { TextDecoder } from 'node:util';
import type { Finding } from '../findings.js';
import type { ExplainCoreSummary } from '../explain-core.js';
import { BlockAssembler } from './blocks.js';
import { Correlator } from './correlate.js';
import { defaultLogLimits, type LogLimits } from './limits.js';
import { LineSplitter } from './lines.js';

export interface ExplainReport {
  /** What the user named: a path, or `-` for stdin. */
  source: string;
  findings: Finding[];
  lines: number;
  bytes: number;
  /** Lines longer than the cap: only their beginning was read. */
  cut_lines: number;
  /** The input did not end with a newline (a log cut mid-line, or a binary file). */
  ends_mid_line: boolean;
  /** --core: the core the log's addresses and threads were looked up in (findings then carry `details.core`). */
  core?: ExplainCoreSummary;
}

export class LogExplainer {
  private readonly splitter: LineSplitter;
  private readonly blocks: BlockAssembler;
  private readonly correlator: Correlator;
  private lastByte = 10;
  private utf16: TextDecoder | null = null;

  constructor(
    private readonly source: string,
    limits: LogLimits = defaultLogLimits,
  ) {
    this.correlator = new Correlator(limits);
    this.blocks = new BlockAssembler(limits, (b) => this.correlator.push(b));
    this.splitter = new LineSplitter(limits.maxLineBytes, (l) => this.blocks.feed(l));
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.splitter.bytes === 0 && this.utf16 === null) chunk = this.sniff(chunk);
    if (this.utf16) chunk = Buffer.from(this.utf16.decode(chunk, { stream: true }), 'utf8');
    if (chunk.length === 0) return;
    this.lastByte = chunk[chunk.length - 1];
    this.splitter.push(chunk);
  }

  /** Byte-order marks: drop UTF-8's; UTF-16 (PowerShell's `2> file`) is converted to UTF-8. */
  private sniff(chunk: Buffer): Buffer {
    if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return chunk.subarray(3);
    if (chunk[0] === 0xff && chunk[1] === 0xfe) this.utf16 = new TextDecoder('utf-16le');
    else if (chunk[0] === 0xfe && chunk[1] === 0xff) this.utf16 = new TextDecoder('utf-16be');
    return chunk;
  }

  finish(): ExplainReport {
    this.splitter.finish();
    this.blocks.finish();
    return {
      source: this.source,
      findings: this.correlator.finish(),
      lines: this.splitter.lines,
      bytes: this.splitter.bytes,
      cut_lines: this.splitter.cutLines,
      ends_mid_line: this.splitter.bytes > 0 && this.lastByte !== 10,
    };
  }
}

/** Explain a whole log held in memory (tests, small inputs). */
export function explainText(source: string, text: string | Buffer, limits: LogLimits = defaultLogLimits): ExplainReport {
  const e = new LogExplainer(source, limits);
  e.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  return e.finish();
}
