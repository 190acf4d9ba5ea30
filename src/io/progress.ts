// Progress for long reads (hashing and decompressing a large core): one line on a terminal,
// rewritten in place, shown only when the stream is a TTY and the work has taken over a second,
// and erased when it is done. Never written to a pipe or a file.
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Nothing is shown before this many milliseconds. */
  delayMs?: number;
  /** At most one redraw per this many milliseconds. */
  intervalMs?: number;
  now?: () => number;
  /** The text after the label; default: a percentage of a number of bytes. */
  describe?: (done: number, total: number) => string;
}

function progressDelayFromEnv(): number | null {
  const v = Number(process.env.PYCORE_PROGRESS_DELAY_MS);
  return process.env.PYCORE_PROGRESS_DELAY_MS !== undefined && Number.isFinite(v) && v >= 0 ? v : null;
}

export class Progress {
  private readonly started: number;
  private lastDraw = -Infinity;
  private shown = false;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly describe: (done: number, total: number) => string;

  constructor(
    private readonly stream: ProgressStream | null,
    private label: string,
    private total: number,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    // PYCORE_PROGRESS_DELAY_MS: how long work runs before progress shows (tests set 0: fast work would otherwise never show it).
    this.delayMs = options.delayMs ?? progressDelayFromEnv() ?? 1000;
    this.intervalMs = options.intervalMs ?? 100;
    this.describe = options.describe ?? ((done, total) => `${total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0}% of ${formatBytes(total)}`);
    this.started = this.now();
  }

  /** Starts a new phase (e.g. from hashing to decompressing) on the same line. */
  phase(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.lastDraw = -Infinity;
  }

  update(done: number): void {
    if (!this.stream?.isTTY) return;
    const t = this.now();
    if (t - this.started < this.delayMs || t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.stream.write(`\r\x1b[Kpycore: ${this.label}: ${this.describe(done, this.total)}`);
    this.shown = true;
  }

  finish(): void {
    if (this.shown && this.stream) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
