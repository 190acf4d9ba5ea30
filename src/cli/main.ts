// The `pycore` command line. Each command registers itself from src/cli/commands; heavy modules
// (the TUI's ink/react) are imported only inside the commands that use them, so `analyze`
// starts about as fast as node itself.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { versionSupport } from '../cpython-layouts/support.js';
import { allowProgress, EXIT, fail, quietOnClosedPipe, usageFail } from './common.js';
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
  report: () => import('./commands/report.js'),
};

/** The version in package.json (read only when asked: start-up stays one import lighter). */
function packageVersion(): string {
  // The nearest package.json above this module: dist/cli/ (the bundle users run) or dist/src/cli/ (tsc's output).
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pycore' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

export async function main(argvIn: string[]): Promise<void> {
  quietOnClosedPipe();
  // `pycore help [COMMAND]` is `pycore [COMMAND] --help` (commander adds no help command to a
  // program that has its own action, as this one has for --version and --versions).
  const argv = argvIn[2] === 'help' ? [...argvIn.slice(0, 2), ...argvIn.slice(3, 4), '--help'] : argvIn;
  const program = new Command();
  program
    .name('pycore')
    .description('Offline analyzer for CPython core dumps and fatal error logs')
    .option('-V, --version', "print pycore's version")
    .option('--versions', 'list the CPython versions pycore can decode')
    .exitOverride()
    .hook('preAction', (_program, command) => allowProgress(command.opts().format))
    // Commander's own messages are reworded into pycore's one-line form in the catch below.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => undefined });
  const first = argv[2];
  const named = first !== undefined && Object.hasOwn(commands, first) ? [first] : Object.keys(commands);
  // A word that is no command would otherwise reach the top level as "too many arguments".
  if (first !== undefined && !first.startsWith('-') && !Object.hasOwn(commands, first)) {
    usageFail(`unknown command '${first}'; the commands are ${Object.keys(commands).join(', ')}`, 'pycore --help');
  }
  for (const name of named) (await commands[name]()).register(program);

  program.action((o: { version?: boolean; versions?: boolean }) => {
    if (o.version) {
      process.stdout.write(`${packageVersion()}\n`);
      return;
    }
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
    if (code && code.startsWith('commander.')) usageFail((e as Error).message.replace(/^error: /, ''), named.length === 1 ? `pycore ${named[0]} --help` : 'pycore --help');
    if (e instanceof UsageError) fail(e.message, EXIT.usage);
    fail(`internal error: ${(e as Error).message} (this is a bug in pycore; please report it with the core if you can)`, EXIT.internal);
  }
}
