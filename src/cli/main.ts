// The `pycore` command line. Each command registers itself from src/cli/commands; heavy modules
// (the TUI's ink/react) are imported only inside the commands that use them, so `analyze`
// starts about as fast as node itself.
import { Command } from 'commander';
import { versionSupport } from '../cpython-layouts/support.js';
import { EXIT, fail } from './common.js';
import { UsageError } from './open-core.js';

type Register = (program: Command) => void;

/**
 * Every command, loaded on demand: a run imports only the module of the command it names
 * (`pycore analyze` never loads the log parser, triage's workers or the TUI); help and
 * unknown commands load them all.
 */
const commands: Record<string, () => Promise<{ register: Register }>> = {
  analyze: () => import('./commands/analyze.js'),
  show: () => import('./commands/show.js'),
  tui: () => import('./commands/tui.js'),
  files: () => import('./commands/files.js'),
  triage: () => import('./commands/triage.js'),
  cache: () => import('./commands/cache.js'),
  explain: () => import('./commands/explain.js'),
  heap: () => import('./commands/heap.js'),
  refs: () => import('./commands/refs.js'),
  referrers: () => import('./commands/referrers.js'),
  path: () => import('./commands/path.js'),
};

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('pycore')
    .description('Offline analyzer for CPython core dumps and fatal error logs')
    .option('--versions', 'list the CPython versions pycore can decode')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const named = argv[2] !== undefined && Object.hasOwn(commands, argv[2]) ? [argv[2]] : Object.keys(commands);
  for (const name of named) (await commands[name]()).register(program);

  program.action((o: { versions?: boolean }) => {
    if (o.versions) {
      for (const v of versionSupport) {
        process.stdout.write(`${v.version}\n`);
        if (v.verified.length) process.stdout.write(`  verified:    ${v.verified.join('; ')}\n`);
        if (v.unverified.length) process.stdout.write(`  unverified:  ${v.unverified.join('; ')}\n`);
        if (v.unsupported.length) process.stdout.write(`  unsupported: ${v.unsupported.join('; ')}\n`);
        if (v.corpus?.length) process.stdout.write(`  corpus:      ${v.corpus.map((c) => `${c.label}-* (${c.build})`).join('; ')}\n`);
      }
      return;
    }
    program.help();
  });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help' || code === 'commander.version') process.exit(EXIT.ok);
    if (code && code.startsWith('commander.')) process.exit(EXIT.usage);
    if (e instanceof UsageError) fail(e.message, EXIT.usage);
    fail(`internal error: ${(e as Error).message} (this is a bug in pycore; please report it with the core if you can)`, EXIT.internal);
  }
}
