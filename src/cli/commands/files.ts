// `pycore files CORE`: which files the analysis wants, their build-ids, which were found and
// where, and what is missing.
import { Option, type Command } from 'commander';
import { listFiles } from '../../analysis/files.js';
import { renderFilesJson, renderFilesText } from '../../reports/files-text.js';
import { withCoreOptions } from '../common.js';
import { openCore, type CoreOptions } from '../open-core.js';

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('files')
      .argument('<core>', 'core file (plain, compressed, systemd-coredump or apport .crash)')
      .description('list the files the analysis needs (executable, libpython, libc, extension modules), their build-ids, which were found and where, and what is missing'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (core: string, o: CoreOptions & { format: string }) => {
      const target = await openCore(core, o);
      const report = listFiles(target);
      target.close();
      process.stdout.write(o.format === 'json' ? renderFilesJson(report) : renderFilesText(report));
    });
}
