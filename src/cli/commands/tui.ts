// `pycore tui CORE`: browse threads, frames, locals and objects of a core in the terminal. The
// TUI (ink/react) is imported here lazily, so no other command loads it.
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { analyze } from '../../analysis/analyze.js';
import { openHeapSteps } from '../../analysis/heap/session.js';
import { Objects } from '../../analysis/objects.js';
import { findRuntime } from '../../cpython/runtime.js';
import { EXIT, fail, reprLimitOptions, reprLimits, withCoreOptions, type ReprLimitArgs } from '../common.js';
import { openCore, type CoreOptions } from '../open-core.js';
import { pathUnder } from '../../io/under-root.js';

/** Why the TUI cannot run here, or null when stdin and stdout are both terminals. */
export function notATerminal(core: string): string | null {
  const which = !process.stdout.isTTY ? 'standard output' : !process.stdin.isTTY ? 'standard input' : null;
  if (which === null) return null;
  return `tui needs a terminal, and its ${which} is not one; for text or JSON output use \`pycore analyze ${core}\` (add --format json for JSON)`;
}

export function register(program: Command): void {
  withCoreOptions(program.command('tui').argument('<core>', 'core file (plain or gzip-compressed)').description('browse threads, frames, locals and objects of a core in the terminal'))
    .addOption(reprLimitOptions.depth)
    .addOption(reprLimitOptions.items)
    .addOption(reprLimitOptions.str)
    .action(async (core: string, o: CoreOptions & ReprLimitArgs) => {
      const why = notATerminal(core);
      if (why) fail(why, EXIT.usage);
      if (existsSync(core) && statSync(core).isDirectory()) fail(`${core}: is a directory; pass a core file`, EXIT.usage);
      // Ink draws only the last frame when it believes it runs in CI (CI=true); both ends are
      // terminals here, so the session is interactive whatever the environment says.
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
      // Loading ink and react takes a moment: it overlaps with opening the core.
      const tui = import('../../../tui/index.js');
      tui.catch(() => undefined);
      const target = await openCore(core, o);
      const limits = reprLimits(o);
      const { report, fatal } = analyze(target, { locals: true, reprLimits: limits });
      if (fatal) fail(fatal, EXIT.noPython);
      const rt = findRuntime(target);
      const explorer = rt.ok ? Objects.create(rt.value, target, limits) : null;
      const { runTui, createSourceReader, HeapData } = await tui;
      const heap = new HeapData(() => openHeapSteps(target, limits));
      await runTui({ report, explorer, heap, sources: createSourceReader((file) => { const p = o.sysroot ? pathUnder(o.sysroot, file) : file; return p === null ? [] : [p]; }) });
    });
}
