// Step-by-step computations (generators that pause so a UI can stay responsive) run to their
// end in one go: how the CLI uses the same walks the TUI runs in slices.

/** Runs a step-by-step computation to its end and returns its result. */
export function runSteps<T>(steps: Generator<unknown, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
