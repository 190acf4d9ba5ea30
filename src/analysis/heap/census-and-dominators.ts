// The heap census and the dominator tree from one heap walk (`pycore report` shows both): the
// census's per-object counting rides on the walk that records the object graph.
import type { HeapObject, HeapWalkOptions, HeapWalkSummary, WalkProgress } from '../../cpython/heap.js';
import { census, type CensusOptions } from './census.js';
import { dominatorSteps, type DominatorTree } from './dominators.js';
import type { HeapSession } from './session.js';
import type { HeapReport } from './view-model.js';

export function censusAndDominators(s: HeapSession, o: Omit<CensusOptions, 'walkSteps' | 'leaks'> = {}): { census: HeapReport; tree: DominatorTree } {
  let tree: DominatorTree | null = null;
  function* walkSteps(visit: (x: HeapObject) => void, options: HeapWalkOptions): Generator<WalkProgress, HeapWalkSummary, void> {
    const steps = dominatorSteps(s, { visit, progress: options.progress });
    let step = steps.next();
    for (; !step.done; step = steps.next()) if (step.value.phase === 'walk' && step.value.arenasTotal !== undefined) yield step.value as WalkProgress;
    tree = step.value;
    return tree.walk;
  }
  const report = census(s, { ...o, walkSteps });
  return { census: report, tree: tree! };
}
