// `pycore referrers CORE ADDRESS...`: what refers to each object, found by walking every object
// of the heap once (for all the addresses given): gc.get_referrers() for a dead process.
import { Option, type Command } from 'commander';
import { referrers } from '../../analysis/heap/references.js';
import { renderRefsDot, renderRefsText } from '../../reports/heap-refs.js';
import { withCoreOptions } from '../common.js';
import { addressesOrFail, heapOrFail, objectsOrFail, walkProgress, writeDot } from '../heap-common.js';
import type { CoreOptions } from '../open-core.js';

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('referrers')
      .argument('<core>', 'core file')
      .argument('<address...>', 'object addresses, e.g. 0x7f3b2c1d4e50 (one walk of the heap answers them all)')
      .description('what refers to an object, with how each referrer holds it (like gc.get_referrers())'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--dot <file>', 'also write a Graphviz graph of the referrers to FILE (- for stdout), like objgraph.show_backrefs')
    .action(async (core: string, addresses: string[], o: CoreOptions & { format: string; dot?: string }) => {
      const list = addressesOrFail(addresses);
      const s = await heapOrFail(core, o);
      objectsOrFail(s, list);
      const progress = walkProgress('referrers: scanning arenas');
      const reports = referrers(s, list, progress.update);
      progress.finish();
      if (o.dot) writeDot(o.dot, reports.map((r) => renderRefsDot(r, 'referrers')).join(''));
      if (o.dot === '-') return;
      process.stdout.write(o.format === 'json' ? JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n' : reports.map((r) => renderRefsText(r, 'referrers')).join('\n'));
    });
}
