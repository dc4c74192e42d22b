import t from 'tap';
import { DEFAULT_STEERING_LIMITS } from '../../src/cluster/steering-policy.js';
import { registerTrunk, startCallStack, trunk, type Trunk } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import type { LogLine } from '../helpers/server-process.js';

/**
 * A quiet node gathers its UDP traffic on one worker (docs/workers.md,
 * "Gathering when quiet"): the primary sees the workers' event loops together
 * below the gathering limit for `udpGatherSeconds` (2 here), tells a worker
 * to steer among one socket, and from then on lines registering from one
 * source all reach the same worker. (workers-steering.test.ts: the same node shape always spread,
 * where those lines reach both.)
 */
const LINES = 8;
const lines: Trunk[] = [];
for (let i = 1; i <= LINES; i++) lines.push(await trunk(`ga-line-${i}`, `line-pw-81${String(i).padStart(2, '0')}`));

const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VGG',
        name: 'Gathering',
        sites: [
          {
            id: '1000003',
            name: 'HQ',
            lines: lines.map((line, i) => ({
              sipId: line.sipId,
              password: line.password,
              auth: 'digest',
              channels: 1,
              basicNumber: `03123482${String(i).padStart(2, '0')}`,
            })),
          },
        ],
      },
    ],
  },
  1,
  { extra: { workers: 2, udpGatherSeconds: 2, log: { level: 'debug' } } },
);
const node = stack.nodes[0]!;
const workerOf = (line: LogLine): number => Number(line.worker);

t.test('a quiet node gathers its UDP traffic on one worker', async (t) => {
  const changed = await node.waitForEvent('udp.steering_changed', { timeoutMs: 15_000 });
  t.match(changed, { worker: 0, among: 1, workers: 2 }, 'the primary decides: among 1 of 2');
  t.equal((changed.loads as number[]).length, 2, 'from both workers’ loads');
  // The rule: the workers' loads together below gatherBelow. The log rounds each to hundredths, hence the 0.01.
  // One 100 ms sample may be busier than the rest (a worker's start, a collection): only the sum counts.
  const total = (changed.loads as number[]).reduce((sum, load) => sum + load, 0);
  t.ok(total < DEFAULT_STEERING_LIMITS.gatherBelow + 0.01, `together below the gathering limit (${String(changed.loads)})`);
  const attached = await node.waitForEvent('udp.steering', { where: (l) => l.among === 1 });
  t.not(workerOf(attached), 0, 'a worker attached the program for one socket');

  const port = await freePort();
  const since = node.mark();
  for (const line of lines) await registerTrunk(node, { ...line, port });
  await node.waitForEvent('registration.added', { since, where: (l) => l.sipId === lines.at(-1)!.sipId });
  const added = node.events('registration.added', since);
  t.equal(added.length, LINES, 'every line got a binding');
  t.equal(new Set(added.map(workerOf)).size, 1, 'all by one worker');
});
