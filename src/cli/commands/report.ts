// `pycore report CORE -o crash.html`: the crash, every thread with its locals, the heap census,
// retained sizes (treemap, dominators, leak suspects) and memory errors in one self-contained HTML file.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyze } from '../../analysis/analyze.js';
import { censusAndDominators } from '../../analysis/heap/census-and-dominators.js';
import { dominatorsReport } from '../../analysis/heap/dominators.js';
import { openHeap } from '../../analysis/heap/session.js';
import { renderHtmlReport, type HtmlReportInput } from '../../reports/html-report.js';
import { EXIT, fail, reprLimitOptions, reprLimits, withCoreOptions, type ReprLimitArgs } from '../common.js';
import { walkProgress } from '../heap-common.js';
import { openCore, type CoreOptions } from '../open-core.js';

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('report')
      .argument('<core>', 'core file')
      .description('one self-contained HTML page: the crash, every thread with its locals, heap census, retained sizes (treemap, dominators, leak suspects) and memory errors'),
  )
    .requiredOption('-o, --output <file>', 'the HTML file to write (- for standard output)')
    .option('--top <n>', 'how many of the largest retained sizes to list (0: all)', (v) => Number(v), 20)
    .addOption(reprLimitOptions.depth)
    .addOption(reprLimitOptions.items)
    .addOption(reprLimitOptions.str)
    .action(async (core: string, o: CoreOptions & ReprLimitArgs & { output: string; top: number }) => {
      if (!Number.isInteger(o.top) || o.top < 0) fail('--top takes a whole number', EXIT.usage);
      const target = await openCore(core, o);
      const { report, fatal } = analyze(target, { locals: true, reprLimits: reprLimits(o) });
      if (fatal) fail(fatal, EXIT.noPython);
      const s = openHeap(target, reprLimits(o));
      let heap: HtmlReportInput['heap'];
      if ('fatal' in s) heap = { unreadable: s.fatal };
      else {
        const progress = walkProgress('report: scanning arenas');
        // One walk for the census and the dominator tree.
        const { census: c, tree } = censusAndDominators(s, { top: 50, largest: 10, progress: progress.update });
        progress.finish();
        heap = { census: c, dominators: dominatorsReport(s, tree, o.top) };
      }
      const html = renderHtmlReport({ analyze: report, heap });
      if (o.output === '-') process.stdout.write(html);
      else {
        try {
          writeFileSync(o.output, html);
        } catch (e) {
          fail(`cannot write ${o.output}: ${(e as Error).message}; pass a writable path to -o`, EXIT.usage);
        }
      }
    });
}
