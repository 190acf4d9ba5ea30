// `pycore refs CORE ADDRESS`: what one object refers to, by its type's references.
import { Option, type Command } from 'commander';
import { refs } from '../../analysis/heap/references.js';
import { renderRefsDot, renderRefsText } from '../../reports/heap-refs.js';
import { withCoreOptions } from '../common.js';
import { addressesOrFail, heapOrFail, objectsOrFail, writeDot } from '../heap-common.js';
import type { CoreOptions } from '../open-core.js';

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('refs')
      .argument('<core>', 'core file')
      .argument('<address>', 'object address, e.g. 0x7f3b2c1d4e50')
      .description('what an object refers to (items, keys and values, attributes, fields), each with how it is held'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--dot <file>', 'also write a Graphviz graph of the references to FILE (- for stdout)')
    .action(async (core: string, address: string, o: CoreOptions & { format: string; dot?: string }) => {
      const [a] = addressesOrFail([address]);
      const s = await heapOrFail(core, o);
      objectsOrFail(s, [a]);
      const r = refs(s, a);
      if (o.dot) writeDot(o.dot, renderRefsDot(r, 'refs'));
      if (o.dot !== '-') process.stdout.write(o.format === 'json' ? JSON.stringify(r, null, 2) + '\n' : renderRefsText(r, 'refs'));
    });
}
