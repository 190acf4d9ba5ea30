// `pycore analyze CORE`: faulthandler-style tracebacks of every thread, signal and crash site.
import { Option, type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { analyze } from '../../analysis/analyze.js';
import { parseAddress } from '../../analysis/objects.js';
import { renderAnalyzeJson } from '../../reports/json.js';
import { renderAnalyzeMarkdown } from '../../reports/markdown.js';
import { renderAnalyzeText } from '../../reports/text.js';
import type { LayoutChoice } from '../../cpython-layouts/layout.js';
import { EXIT, fail, reprLimitOptions, reprLimits, withCoreOptions, type ReprLimitArgs } from '../common.js';
import { openCore, type CoreOptions } from '../open-core.js';

export function register(program: Command): void {
  withCoreOptions(program.command('analyze').argument('<core>', 'core file (plain, compressed with gzip/zstd/xz/lz4, systemd-coredump or apport .crash)').description('faulthandler-style tracebacks of every thread, the signal and the crash site'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'md']).default('text'))
    .option('--all-frames', 'print every frame in text output (faulthandler stops at 100)')
    .option('--locals', "show every frame's arguments and local variables (with --native, C frames' too, from DWARF)")
    .option('--native', "every thread's native (C) stack, with its Python frames placed under the eval-loop call that ran them")
    .option('--native-all', 'like --native, without folding interpreter-internal frames')
    .option('--tasks', 'asyncio tasks and other suspended coroutines, each with its await chain and suspended line')
    .addOption(reprLimitOptions.depth)
    .addOption(reprLimitOptions.items)
    .addOption(reprLimitOptions.str)
    .addOption(new Option('--layouts <source>', 'where struct offsets come from (default: DWARF when the interpreter has it, else _Py_DebugOffsets, else built-in tables)').choices(['dwarf', 'debug-offsets', 'builtin']))
    .option('--check <addr>', "report the debug-allocator block at ADDR (p as CPython prints it, or an object's address) whether or not it is damaged; repeatable", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--referrers', 'for each damaged block, who refers to the object in it (one more walk of the heap)')
    .action(async (core: string, o: CoreOptions & ReprLimitArgs & { format: string; allFrames?: boolean; locals?: boolean; native?: boolean; nativeAll?: boolean; tasks?: boolean; layouts?: LayoutChoice; check?: string[]; referrers?: boolean }) => {
      if (existsSync(core) && statSync(core).isDirectory()) fail(`${core}: is a directory; pass a core file`, EXIT.usage);
      const checkAddresses = o.check?.map((t) => {
        const a = parseAddress(t);
        return a === null ? fail(`--check ${t}: not an address; pass a hexadecimal address such as 0x7f3b2c1d4e50 (p= as CPython printed it, or an object's id())`, EXIT.usage) : a;
      });
      const target = await openCore(core, o);
      const { report, fatal } = analyze(target, { locals: o.locals, reprLimits: reprLimits(o), runtime: { layouts: o.layouts }, native: o.native || o.nativeAll ? { all: Boolean(o.nativeAll), locals: Boolean(o.locals) } : undefined, tasks: o.tasks, checkAddresses, referrers: o.referrers });
      process.stdout.write(o.format === 'json' ? renderAnalyzeJson(report) : o.format === 'md' ? renderAnalyzeMarkdown(report, { allFrames: o.allFrames }) : renderAnalyzeText(report, { allFrames: o.allFrames }));
      if (fatal) fail(fatal, EXIT.noPython);
      // Every other block was reported; an address with no block there is bad input.
      const bad = report.checked_blocks?.find((c) => 'error' in c);
      if (bad && 'error' in bad) fail(`--check: ${bad.error}`, EXIT.usage);
    });
}
