import { readFile } from 'node:fs/promises';
import t from 'tap';
import { describePlacement, parseCpuList, placedCommand, placementFromOptions } from '../../../bench/lib/placement.js';
import { placeProcesses, startManaged, stopManaged } from '../../../bench/lib/proc.js';
import { eventually } from '../../helpers/eventually.js';

t.test('a CPU list is taken as taskset writes it, within the machine', async (t) => {
  for (const list of ['0', '1', '0,1', '0-1', '0-1,3', '2-3,0']) t.equal(parseCpuList('cpus-sipp', list, 4), list, list);
  t.throws(() => parseCpuList('cpus-sipp', '4', 4), /--cpus-sipp: this machine has cores 0\.\.3, not 4/);
  t.throws(() => parseCpuList('cpus-sipp', '1-4', 4), /not 4/, 'the end of a range counts');
  t.equal(parseCpuList('cpus-sipp', '3', 4), '3', 'the last core is a core');
  t.throws(() => parseCpuList('cpus-redis', '3-1', 4), /--cpus-redis: the range 3-1 runs backwards/);
  for (const bad of ['', 'a', '1,', ',1', '1-', '-1', '1 2', '1;2', '0-1-2'])
    t.throws(() => parseCpuList('cpus-target', bad, 4), /--cpus-target must be a list of cores/, JSON.stringify(bad));
});

t.test('the options give a placement per role; a role not given is left out', async (t) => {
  t.same(placementFromOptions({ 'cpus-target': '0-1', 'cpus-sipp': '2' }, 4), { target: '0-1', sipp: '2' });
  t.same(placementFromOptions({ 'cpus-redis': '' }, 4), {}, 'an empty value is no placement');
  t.same(placementFromOptions({}, 4), {});
  t.throws(() => placementFromOptions({ 'cpus-redis': '9' }, 4), /--cpus-redis/, 'the error names the option');
});

t.test('a placed role starts under taskset; any other as it is', async (t) => {
  const placement = { target: '0-1', sipp: '2' };
  t.same(placedCommand(placement, 'sipp', 'sipp', ['-sf', 'x.xml']), { cmd: 'taskset', args: ['-c', '2', 'sipp', '-sf', 'x.xml'] });
  t.same(placedCommand(placement, 'redis', 'redis-server', ['--port', '1']), { cmd: 'redis-server', args: ['--port', '1'] });
  t.same(placedCommand(placement, undefined, 'tcpdump', ['-i', 'lo']), { cmd: 'tcpdump', args: ['-i', 'lo'] });
  t.equal(describePlacement(placement), 'target on cores 0-1, sipp on cores 2');
  t.equal(describePlacement({}), '');
});

/** The cores a process may run on, from its /proc/<pid>/status. */
const cpusAllowed = (status: string): string | undefined => /^Cpus_allowed_list:\s+(\S+)$/m.exec(status)?.[1];

t.test('a process started for a placed role runs only on its cores', async (t) => {
  placeProcesses({ sipp: '0' });
  t.teardown(() => placeProcesses({}));
  const placed = startManaged('placed', 'sleep', ['30'], { role: 'sipp' });
  const free = startManaged('free', 'sleep', ['30']);
  t.teardown(() => Promise.all([stopManaged(placed, 100), stopManaged(free, 100)]));
  // taskset sets the affinity, then becomes the command (same pid).
  const allowed = async (pid: number | undefined): Promise<string | undefined> => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    return /^Name:\s+sleep$/m.test(status) ? cpusAllowed(status) : undefined;
  };
  t.equal(await eventually(() => allowed(placed.child.pid), { timeoutMs: 5000, everyMs: 20 }), '0', 'the placed one: core 0 only');
  const own = cpusAllowed(await readFile('/proc/self/status', 'utf8'));
  t.equal(await eventually(() => allowed(free.child.pid), { timeoutMs: 5000, everyMs: 20 }), own, 'the other: where this process may run');
});
