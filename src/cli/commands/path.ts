// `pycore path CORE ADDRESS`: why an object is still alive: the shortest chain of references
// from a root (a thread's frame locals and thread state, sys.modules, the sys and builtins dicts,
// the interned strings, gc.garbage), searched forwards from the roots in one pass.
import { Option, type Command } from 'commander';
import { path } from '../../analysis/heap/references.js';
import { renderPathDot, renderPathText } from '../../reports/heap-refs.js';
import { withCoreOptions } from '../common.js';
import { addressesOrFail, heapOrFail, objectsOrFail, walkProgress, wholeNumber, writeDot } from '../heap-common.js';
import type { CoreOptions } from '../open-core.js';

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('path')
      .argument('<core>', 'core file')
      .argument('<address>', 'object address, e.g. 0x7f3b2c1d4e50')
      .description('the shortest chain of references from a root (frame locals, sys.modules, ...) to an object: why it is alive'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--max-levels <n>', 'longest chain of references searched from the roots', wholeNumber, 12)
    .option('--dot <file>', 'also write a Graphviz graph of the chain to FILE (- for stdout)')
    .action(async (core: string, address: string, o: CoreOptions & { format: string; maxLevels: number; dot?: string }) => {
      const [a] = addressesOrFail([address]);
      const s = await heapOrFail(core, o);
      objectsOrFail(s, [a]);
      const progress = walkProgress('path: following references from the roots', (done, level) => `${done} objects, ${level} references deep`);
      const r = path(s, a, o.maxLevels, progress.update);
      progress.finish();
      if (o.dot) writeDot(o.dot, renderPathDot(r));
      if (o.dot !== '-') process.stdout.write(o.format === 'json' ? JSON.stringify(r, null, 2) + '\n' : renderPathText(r));
    });
}
