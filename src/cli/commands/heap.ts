// `pycore heap CORE`: object census by type (count and sys.getsizeof() bytes), largest objects,
// GC generations, pymalloc totals and leak hints; `--malloc-stats` prints pymalloc's own report.
import { Option, type Command } from 'commander';
import { census, censusScanner, censusSplit, censusSplittable, type CensusOptions } from '../../analysis/heap/census.js';
import type { HeapReport } from '../../analysis/heap/view-model.js';
import { dominatorsReport, dominatorSteps, SUSPECT_THRESHOLD } from '../../analysis/heap/dominators.js';
import { mallocStatsViews } from '../../analysis/heap/session.js';
import { renderHeapJson, renderHeapText } from '../../reports/heap-text.js';
import { renderAllMallocStats } from '../../reports/malloc-stats.js';
import { renderDominatorsJson, renderDominatorsText } from '../../reports/dominators-text.js';
import { EXIT, fail, withCoreOptions } from '../common.js';
import { escapeForTerminal } from '../../reports/sanitize.js';
import { CensusPool, censusThreads } from '../census-pool.js';
import { heapOrFail, walkProgress, wholeNumber } from '../heap-common.js';
import type { CoreOptions } from '../open-core.js';

interface HeapArgs extends CoreOptions {
  format: string;
  sort: 'bytes' | 'count';
  top: number;
  type?: string;
  instances: number;
  largest: number;
  mallocStats?: boolean;
  leaks?: boolean;
  threshold: number;
  dominators?: boolean;
}

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('heap')
      .argument('<core>', 'core file')
      .description('which types fill the heap (count and bytes per type), the largest objects, GC generations, pymalloc and leak hints'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--sort <key>', 'order of the types').choices(['bytes', 'count']).default('bytes'))
    .option('--top <n>', 'how many types to list, with --dominators how many objects (0: all)', wholeNumber, 25)
    .option('--type <name>', 'only this type (every section), and list its instances: its name (Leaky) or qualified name (__main__.Leaky)')
    .option('--instances <n>', 'with --type: how many instances to list', wholeNumber, 100)
    .option('--largest <n>', 'how many of the largest objects and containers to list', wholeNumber, 10)
    .option('--malloc-stats', "print pymalloc's state as sys._debugmallocstats() would (PYTHONMALLOCSTATS), and nothing else")
    .option('--leaks', 'also find objects in uncollected reference cycles, the way gc.collect() would (a second pass over the GC-tracked objects)')
    .option('--threshold <n>', 'leak hint: list classes with at least this many instances', wholeNumber, 10_000)
    .option('--dominators', 'what holds the memory: the objects with the largest retained sizes (what freeing them would free), why each is alive, and leak suspects (objects retaining over 10% of the heap); --top N of them')
    .action(async (core: string, o: HeapArgs, cmd: Command) => {
      const s = await heapOrFail(core, o);
      if (o.dominators) {
        const progress = walkProgress('heap: scanning arenas');
        const steps = dominatorSteps(s);
        let step = steps.next();
        for (; !step.done; step = steps.next()) if (step.value.arenasTotal) progress.update(step.value.arenas ?? 0, step.value.arenasTotal);
        const tree = step.value;
        progress.finish();
        const top = cmd.getOptionValueSource('top') === 'default' ? 20 : o.top;
        const report = dominatorsReport(s, tree, top, SUSPECT_THRESHOLD);
        process.stdout.write(o.format === 'json' ? renderDominatorsJson(report) : renderDominatorsText(report));
        return;
      }
      if (o.mallocStats) {
        const views = mallocStatsViews(s);
        if (views.length === 0) fail(`cannot read pymalloc's state: ${s.heap.pymalloc.unreadable ?? 'no obmalloc state found'}`, EXIT.noPython);
        const note = s.heap.pymalloc.unreadable;
        process.stdout.write(o.format === 'json' ? JSON.stringify({ heaps: views, ...(note ? { warnings: [note] } : {}) }, null, 2) + '\n' : renderAllMallocStats(views, note ? [note] : []));
        return;
      }
      const progress = walkProgress('heap: scanning arenas');
      const options: CensusOptions = { sort: o.sort, top: o.top, type: o.type, instances: o.instances, largest: o.largest, leaks: o.leaks, threshold: o.threshold, progress: progress.update };
      const threads = censusSplittable(s, options) ? censusThreads(s.heap.arenas.length) : 1;
      let report: HeapReport | null = null;
      if (threads > 1) {
        // The workers open the core while this thread reads the GC lists.
        const pool = new CensusPool(core, o, { largest: o.largest }, threads - 1);
        try {
          report = await censusSplit(s, options, pool.scan(censusScanner(s, { largest: o.largest }), progress.update));
        } catch (e) {
          progress.finish();
          process.stderr.write(`pycore: ${escapeForTerminal((e as Error).message.replace(/\s*\n\s*/g, ' '))}; counting on one thread instead\n`);
        } finally {
          await pool.close();
        }
      }
      report ??= census(s, options);
      progress.finish();
      process.stdout.write(o.format === 'json' ? renderHeapJson(report) : renderHeapText(report));
    });
}
