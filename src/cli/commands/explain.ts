// `pycore explain [FILE|-]`: what each part of a pasted crash log means and what to do next.
import { Option, type Command } from 'commander';
import { LogExplainer, type ExplainReport } from '../../analysis/log/explain.js';
import { formatIoError, openFile } from '../../io/file-source.js';
import { renderExplainJson } from '../../reports/explain-json.js';
import { renderExplainText } from '../../reports/explain-text.js';
import { existsSync, statSync } from 'node:fs';
import { EXIT, fail, withCoreOptions } from '../common.js';
import { openCore, type CoreOptions } from '../open-core.js';

const CHUNK = 1024 * 1024;
const WHAT = 'pass the text of a crash log (a file, or - to read it from stdin)';

function readFileLog(path: string): ExplainReport {
  // One 1 MiB page at a time: memory stays flat however large the log is.
  const opened = openFile(path, { pageSize: CHUNK, maxPages: 2 });
  if (!opened.ok) fail(`${formatIoError(opened.error)}; ${WHAT}`, EXIT.usage);
  const src = opened.value;
  try {
    const e = new LogExplainer(path);
    for (let off = 0; off < src.size; off += CHUNK) e.push(src.read(off, CHUNK));
    return e.finish();
  } finally {
    src.close();
  }
}

async function readStdinLog(): Promise<ExplainReport> {
  const e = new LogExplainer('-');
  for await (const chunk of process.stdin) e.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return e.finish();
}

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('explain')
      .argument('[log]', 'log file, or - for stdin (the default when stdin is not a terminal)')
      .description('explain a crash log: faulthandler dumps, fatal errors, memory-debugger reports, tracebacks'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--core <core>', "the core of the same run: look up the log's addresses (blocks, objects) and threads in it")
    .action(async (log: string | undefined, o: CoreOptions & { format: string; core?: string }) => {
      if (log === undefined && process.stdin.isTTY) fail(`no log given; ${WHAT}`, EXIT.usage);
      const source = log ?? '-';
      const report = source === '-' ? await readStdinLog() : readFileLog(source);
      if (report.bytes === 0) fail(`${source === '-' ? 'stdin' : source}: empty log; ${WHAT}`, EXIT.usage);
      if (o.core !== undefined) {
        if (existsSync(o.core) && statSync(o.core).isDirectory()) fail(`${o.core}: is a directory; pass a core file with --core`, EXIT.usage);
        const { explainWithCore } = await import('../../analysis/explain-core.js');
        report.core = explainWithCore(report, await openCore(o.core, o), o.core);
      }
      process.stdout.write(o.format === 'json' ? renderExplainJson(report) : renderExplainText(report));
      if (report.findings.length === 0) process.exitCode = EXIT.noPython;
    });
}
