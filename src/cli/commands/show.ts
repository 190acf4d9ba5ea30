// `pycore show CORE ADDRESS`: one object — type, refcount, size, repr and its items.
import { Option, type Command } from 'commander';
import { Objects, parseAddress } from '../../analysis/objects.js';
import { allocationTracer, objectAllocation } from '../../analysis/allocation-traceback.js';
import { defaultLimits } from '../../cpython/limits.js';
import { dominators, retainedOf } from '../../analysis/heap/dominators.js';
import { openHeap } from '../../analysis/heap/session.js';
import { findRuntime, formatRuntimeError } from '../../cpython/runtime.js';
import { renderObjectJson, renderObjectText } from '../../reports/object-text.js';
import { EXIT, fail, notAnObjectFail, reprLimitOptions, reprLimits, wholeNumberArg, withCoreOptions, type ReprLimitArgs } from '../common.js';
import { openCore, type CoreOptions } from '../open-core.js';

export function register(program: Command): void {
  withCoreOptions(
    program
      .command('show')
      .argument('<core>', 'core file')
      .argument('<address>', 'object address, e.g. 0x7f3b2c1d4e50 (as printed by id() or by pycore)')
      .description('one object: type, refcount, size, repr and its items or attributes'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--offset <n>', 'first item to list', wholeNumberArg(0), 0)
    .option('--limit <n>', 'how many items to list', wholeNumberArg(0), 50)
    .addOption(reprLimitOptions.depth)
    .addOption(reprLimitOptions.items)
    .addOption(reprLimitOptions.str)
    .option('--retained', 'also its retained size: the bytes and objects freeing it would free (walks the whole heap)')
    .action(async (core: string, address: string, o: CoreOptions & ReprLimitArgs & { format: string; offset: number; limit: number; retained?: boolean }) => {
      const a = parseAddress(address);
      if (a === null) fail(`${address}: not an address; pass a hexadecimal address such as 0x7f3b2c1d4e50`, EXIT.usage);
      const target = await openCore(core, o);
      const rt = findRuntime(target);
      if (!rt.ok) fail(formatRuntimeError(rt.error, target.truncated), EXIT.noPython);
      const objects = Objects.create(rt.value, target, reprLimits(o));
      const valid = objects.decoder.validate(a);
      if (!valid.ok) notAnObjectFail(a, valid.reason, target);
      const view = objects.inspect(address, o.offset, Math.min(o.limit, 100_000));
      const trace = objectAllocation(objects.decoder, a, allocationTracer(rt.value, target, defaultLimits));
      if (trace?.state === 'traced') view.allocated_at = trace.frames;
      if (o.retained) {
        const s = openHeap(target);
        if ('fatal' in s) fail(s.fatal, EXIT.noPython);
        Object.assign(view, retainedOf(dominators(s), a));
      }
      process.stdout.write(o.format === 'json' ? renderObjectJson(view) : renderObjectText(view));
    });
}
