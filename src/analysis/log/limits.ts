// Caps for reading a log: a pasted log can be any size and any shape (binary garbage, one
// endless line, millions of repeated dumps), and none of that may cost more than linear time or
// memory bounded by these numbers.
export interface LogLimits {
  /** Bytes of one line kept for matching; the rest of a longer line is skipped. */
  maxLineBytes: number;
  /** Findings listed; the rest are counted in one `findings-capped` finding. */
  maxFindings: number;
  /** Frames kept per thread or traceback. */
  maxFrames: number;
  /** Threads kept per faulthandler dump. */
  maxThreads: number;
  /** Items kept from one list in a line (extension modules, path entries). */
  maxListItems: number;
  /** Lines one block may absorb before it is closed and a new one started. */
  maxBlockLines: number;
  /** Closed blocks waiting for an earlier, still open block (ordering buffer). */
  maxPendingBlocks: number;
}

export const defaultLogLimits: LogLimits = {
  maxLineBytes: 16 * 1024,
  maxFindings: 1000,
  maxFrames: 1000,
  maxThreads: 1000,
  maxListItems: 1000,
  maxBlockLines: 20_000,
  maxPendingBlocks: 10_000,
};
