import t from 'tap';
import { answer, callFrom, registerTrunk, startCallStack, trunk, type Trunk } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { describeSipp } from '../helpers/sipp.js';
import type { LogLine } from '../helpers/server-process.js';

/**
 * One node with two workers and the default `udpSteering: dialog`
 * (docs/workers.md): the kernel runs our eBPF program on every datagram and
 * gives it to the worker its Call-ID (a REGISTER: its To) hashes to. So lines
 * registering from one and the same source spread over both workers, and a
 * call's messages from both ends meet in one worker, with nothing passed
 * between them. (workers.test.ts covers the other mode, by source, and the
 * passing that makes it work.)
 */
const CALLER = { number: '0312348001' };
const CALLEE = { number: '0312348002' };
const LINES = 8;
const CALLS = 8;

const caller = await trunk('st-caller', 'caller-pw-8001');
const callee = await trunk('st-callee', 'callee-pw-8002');
const lines: Trunk[] = [];
for (let i = 1; i <= LINES; i++) lines.push(await trunk(`st-line-${i}`, `line-pw-80${String(i).padStart(2, '0')}`));

const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VGS',
        name: 'Steering',
        sites: [
          {
            id: '1000002',
            name: 'HQ',
            lines: [
              { sipId: caller.sipId, password: caller.password, auth: 'digest', channels: 4, basicNumber: CALLER.number },
              { sipId: callee.sipId, password: callee.password, auth: 'digest', channels: 4, basicNumber: CALLEE.number },
              ...lines.map((line, i) => ({
                sipId: line.sipId,
                password: line.password,
                auth: 'digest',
                channels: 1,
                basicNumber: `03123481${String(i).padStart(2, '0')}`,
              })),
            ],
          },
        ],
      },
    ],
  },
  1,
  // Always spread: this file is about where each message goes among every worker (workers-gathering.test.ts: a quiet node).
  { extra: { workers: 2, udpGatherSeconds: 0, log: { level: 'debug' } } },
);
const node = stack.nodes[0]!;
const workerOf = (line: LogLine): number => Number(line.worker);

t.test('each worker attaches the steering program to its UDP socket', async (t) => {
  const steering = node.events('udp.steering');
  t.same([...new Set(steering.map(workerOf))].sort(), [1, 2], 'workers 1 and 2 log udp.steering');
  t.match(steering[0], { transport: 'UDP', among: 2 });
  t.same(node.events('udp.steering_unavailable'), [], 'no worker fell back to the source hash');
});

t.test('lines registering from one source address and port reach both workers, each line always the same one', async (t) => {
  const port = await freePort();
  const since = node.mark();
  // Every line from the same port: the kernel's source hash would give them all to one worker.
  for (const line of lines) await registerTrunk(node, { ...line, port });
  for (const line of lines.slice(0, 2)) await registerTrunk(node, { ...line, port });
  await node.waitForEvent('registration.refreshed', { since, where: (l) => l.sipId === lines[1]!.sipId });
  const added = node.events('registration.added', since);
  t.equal(added.length, LINES, 'every line got a binding');
  t.same([...new Set(added.map(workerOf))].sort(), [1, 2], 'registered by both workers');
  for (const line of lines.slice(0, 2)) {
    const first = added.find((l) => l.sipId === line.sipId)!;
    const again = node.events('registration.refreshed', since).find((l) => l.sipId === line.sipId);
    t.equal(again && workerOf(again), workerOf(first), `${line.sipId}'s refresh (a new Call-ID) went to the same worker, by its To`);
  }
});

t.test("a call's messages from both ends meet in one worker: nothing is passed between them", async (t) => {
  await registerTrunk(node, callee);
  const since = node.mark();
  for (let i = 1; i <= CALLS; i++) {
    const answering = await answer(node, 'call-callee.xml', callee);
    const call = await callFrom(node, caller, { called: CALLEE.number, from: CALLER.number, expect: 200 });
    const answered = await answering.done;
    t.equal(call.code, 0, `call ${i}: 407, 200, BYE`, describeSipp(call));
    t.equal(answered.code, 0, `call ${i}: the callee got INVITE, ACK, BYE`, describeSipp(answered));
  }
  // By source, a callee's answers reach the other worker in about half of the calls.
  t.same(
    node.events('worker.passed', since).map((l) => l.kind),
    [],
    `no message of ${CALLS} calls was passed to another worker`,
  );
  const outcomes = node.events('call.outcome', since);
  t.same(
    outcomes.map((l) => l.status),
    Array(CALLS).fill(200),
    'each call ended with one outcome, answered',
  );
});
