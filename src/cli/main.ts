// The `pycore` command line. Heavy modules (the TUI's ink/react) are imported only by the
// commands that use them, so `analyze` starts as fast as node itself.
import { Command, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { analyze } from '../analysis/analyze.js';
import { knownMinorVersions } from '../cpython-layouts/layout.js';
import { renderAnalyzeJson } from '../reports/json.js';
import { renderAnalyzeText } from '../reports/text.js';
import { escapeForTerminal } from '../reports/sanitize.js';
import { openCore, UsageError, type CoreOptions } from './open-core.js';

export const EXIT = { ok: 0, noPython: 1, usage: 2, internal: 3 } as const;

const collect = (v: string, prev: string[]) => [...prev, v];

function coreOptions(cmd: Command): Command {
  return cmd
    .option('--executable <path>', 'the Python executable the core came from (default: the path recorded in the core)')
    .option('--lib-path <dir>', 'directory to search for libraries by name and build-id (repeatable)', collect, [])
    .option('--sysroot <dir>', 'prefix for every path named in the core (cores from another machine or container)');
}

function fail(message: string, code: number): never {
  process.stderr.write(`pycore: ${escapeForTerminal(message)}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('pycore')
    .description('Offline analyzer for CPython core dumps and fatal error logs')
    .option('--versions', 'list the CPython versions pycore can decode')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  coreOptions(program.command('analyze').argument('<core>', 'core file (plain or gzip-compressed)').description('faulthandler-style tracebacks of every thread, the signal and the crash site'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--all-frames', 'print every frame in text output (faulthandler stops at 100)')
    .action(async (core: string, o: CoreOptions & { format: string; allFrames?: boolean }) => {
      if (existsSync(core) && statSync(core).isDirectory()) fail(`${core}: is a directory; pass a core file`, EXIT.usage);
      const target = await openCore(core, o);
      const { report, fatal } = analyze(target);
      process.stdout.write(o.format === 'json' ? renderAnalyzeJson(report) : renderAnalyzeText(report, { allFrames: o.allFrames }));
      if (fatal) fail(fatal, EXIT.noPython);
    });

  program.action((o: { versions?: boolean }) => {
    if (o.versions) {
      for (const v of knownMinorVersions()) process.stdout.write(`${v}  verified on corpus cores (release builds; layouts from DWARF)\n`);
      return;
    }
    program.help();
  });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help' || code === 'commander.version') process.exit(0);
    if (code && code.startsWith('commander.')) process.exit(EXIT.usage);
    if (e instanceof UsageError) fail(e.message, EXIT.usage);
    fail(`internal error: ${(e as Error).message} (this is a bug in pycore; please report it with the core if you can)`, EXIT.internal);
  }
}
