// `pycore report CORE -o crash.html`: the crash, every thread with its locals, the heap census,
// retained sizes (treemap, dominators, leak suspects) and memory errors in one self-contained HTML file.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyze } from '../../analysis/analyze.js';
import { census } from '../../analysis/heap/census.js';
import { dominatorsReport, dominatorSteps, retainedByType } from '../../analysis/heap/dominators.js';
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
    .option('--top <n>', 'dominators listed', (v) => Number(v), 20)
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
        const c = census(s, { top: 50, largest: 10, progress: progress.update });
        const steps = dominatorSteps(s);
        let step = steps.next();
        for (; !step.done; step = steps.next()) if (step.value.arenasTotal) progress.update(step.value.arenas ?? 0, step.value.arenasTotal);
        progress.finish();
        const tree = step.value;
        heap = { census: c, dominators: dominatorsReport(s, tree, o.top), treemap: retainedByType(tree) };
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
