import t from 'tap';
import { answer, callFrom, DOMAIN, registerTrunk, startCallStack, trunk, type Trunk } from '../helpers/call-harness.js';
import { Scrape } from '../helpers/metrics-scrape.js';
import { DigestUa, RawSipClient, randomToken, type RawMessage } from '../helpers/raw-sip-client.js';
import { freePort } from '../helpers/free-port.js';
import { describeSipp } from '../helpers/sipp.js';
import type { LogLine } from '../helpers/server-process.js';

/**
 * One node with two workers on the same SIP port (docs/workers.md), with
 * `udpSteering: source` (workers-steering.test.ts covers the default): the
 * kernel hashes each UDP source to one worker, so traffic from many sources
 * reaches both; a response the kernel hands to the worker that did not send
 * the request, and a CANCEL arriving at the worker that does not hold its
 * INVITE, are passed to the right one; a worker killed is replaced; SIGTERM
 * drains every worker. Which worker took what is read from the logs' `worker`
 * field, and each test tries fresh source ports until the case it needs has
 * happened (each try lands on a worker at even odds), so none depends on luck.
 */
const CALLER = { number: '0312347001' };
const CALLEE = { number: '0312347002' };
const IP_CALLER = { number: '0312347003', address: '127.0.0.9' };
const TCP_CALLEE = { sipId: 'wk-tcp', password: 'tcp-pw-7004', number: '0312347004' };
/** Tries before giving up on a case that each try hits with probability 1/2. */
const TRIES = 12;

const caller = await trunk('wk-caller', 'caller-pw-7001');
const callee = await trunk('wk-callee', 'callee-pw-7002');
const spread: Trunk[] = [];
for (let i = 1; i <= TRIES; i++) spread.push(await trunk(`wk-reg-${i}`, `reg-pw-70${String(i).padStart(2, '0')}`));

const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VGW',
        name: 'Workers',
        sites: [
          {
            id: '1000001',
            name: 'HQ',
            lines: [
              { sipId: caller.sipId, password: caller.password, auth: 'digest', channels: 4, basicNumber: CALLER.number },
              { sipId: callee.sipId, password: callee.password, auth: 'digest', channels: 4, basicNumber: CALLEE.number },
              { sipId: TCP_CALLEE.sipId, password: TCP_CALLEE.password, auth: 'digest', channels: 4, basicNumber: TCP_CALLEE.number },
              { sipId: 'wk-ip', auth: 'ip', allowedAddresses: [IP_CALLER.address], channels: 4, basicNumber: IP_CALLER.number },
              ...spread.map((s, i) => ({
                sipId: s.sipId,
                password: s.password,
                auth: 'digest',
                channels: 1,
                basicNumber: `03123471${String(i).padStart(2, '0')}`,
              })),
            ],
          },
        ],
      },
    ],
  },
  1,
  { extra: { workers: 2, udpSteering: 'source', log: { level: 'debug' } } },
);
const node = stack.nodes[0]!;
await registerTrunk(node, callee);

const workerOf = (line: LogLine): number => Number(line.worker);
const passed = (since: number, kind: 'response' | 'request' | 'send', where: (l: LogLine) => boolean = () => true): LogLine[] =>
  node.events('worker.passed', since).filter((l) => l.kind === kind && where(l));

t.test('the primary announces both workers, and logs carry the worker id', async (t) => {
  const listening = node.events('worker.listening');
  t.same([...new Set(listening.map(workerOf))].sort(), [1, 2], 'workers 1 and 2 listen');
  t.equal(node.events('server.listening').length, 1, 'the node announces itself once, when both listen');
  t.equal(workerOf(node.events('server.listening')[0]!), 0, 'from the primary (worker 0)');
});

t.test('registrations from many source ports reach both workers, and the metrics merge them', async (t) => {
  const since = node.mark();
  let done = 0;
  for (const line of spread) {
    await registerTrunk(node, line);
    done++;
    const workers = new Set(node.events('registration.added', since).map(workerOf));
    if (done >= 4 && workers.has(1) && workers.has(2)) break;
  }
  await node.waitForEvent('registration.added', { since, where: (l) => l.sipId === spread[done - 1]!.sipId });
  const added = node.events('registration.added', since);
  t.equal(added.length, done, 'every REGISTER made a binding');
  t.same([...new Set(added.map(workerOf))].sort(), [1, 2], `both workers registered some (${done} sources)`);

  const scrape = Scrape.parse(await (await fetch(`http://127.0.0.1:${node.config.metricsPort}/metrics`)).text());
  t.ok(scrape.value('softswitch_registrations_total', { outcome: 'registered' }) >= done + 1, 'the primary sums every worker’s registrations');
  const ready = await fetch(`http://127.0.0.1:${node.config.metricsPort}/readyz`);
  t.equal(ready.status, 200);
  t.match(await ready.json(), { status: 'ready', checks: { workers: '2/2 ready' } });
});

t.test('calls whose answer the kernel hands to the other worker complete: the response is passed on', async (t) => {
  const since = node.mark();
  let calls = 0;
  while (calls < TRIES && passed(since, 'response').length === 0) {
    calls++;
    const answering = await answer(node, 'call-callee.xml', callee);
    const call = await callFrom(node, caller, { called: CALLEE.number, from: CALLER.number, expect: 200 });
    const answered = await answering.done;
    t.equal(call.code, 0, `call ${calls}: 407, 200, BYE`, describeSipp(call));
    t.equal(answered.code, 0, `call ${calls}: the callee got INVITE, ACK, BYE`, describeSipp(answered));
  }
  const responses = passed(since, 'response');
  t.ok(responses.length > 0, `a response was passed between workers within ${calls} calls`);
  t.not(responses[0]!.to, workerOf(responses[0]!), 'to the other worker');
  t.equal(node.events('security.response_dropped', since).length, 0, 'no response was dropped as stray');
});

/** The ACK for a non-2xx (RFC 3261 §17.1.1.3): the INVITE's Via, the answer's To. */
function ack(client: RawSipClient, invite: string, answer: RawMessage): void {
  client.sendRaw(
    [
      `ACK ${/^INVITE (\S+)/.exec(invite)![1]} SIP/2.0`,
      /^Via: .*$/m.exec(invite)![0],
      'Max-Forwards: 70',
      `From: ${answer.header('from')}`,
      `To: ${answer.header('to')}`,
      `Call-ID: ${answer.callId}`,
      `CSeq: ${answer.cseq.split(' ')[0]} ACK`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/** The CANCEL of `invite` (same Request-URI, Via, From, To, Call-ID, CSeq number), sent from another socket. */
function cancelOf(invite: string): string {
  const header = (name: string): string => new RegExp(`^${name}: .*$`, 'm').exec(invite)![0];
  return [
    `CANCEL ${/^INVITE (\S+)/.exec(invite)![1]} SIP/2.0`,
    header('Via'),
    'Max-Forwards: 70',
    header('From'),
    header('To'),
    header('Call-ID'),
    `CSeq: ${/^CSeq: (\d+)/m.exec(invite)![1]} CANCEL`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

t.test('a CANCEL from another port, hashed to the worker not holding the INVITE, still cancels the call', async (t) => {
  const since = node.mark();
  let tries = 0;
  while (tries < TRIES && passed(since, 'request', (l) => l.method === 'CANCEL').length === 0) {
    tries++;
    const ringing = await answer(node, 'call-callee-ring.xml', callee);
    const inviter = await RawSipClient.open('udp', { port: node.port }, IP_CALLER.address);
    const canceller = await RawSipClient.open('udp', { port: node.port }, IP_CALLER.address);
    try {
      const uri = `sip:${CALLEE.number}@${DOMAIN}`;
      const invite = inviter.buildRequest('INVITE', uri, [
        ['From', `<sip:${IP_CALLER.number}@${IP_CALLER.address}>;tag=${randomToken()}`],
        ['To', `<${uri}>`],
        ['Call-ID', `${randomToken()}@wk-cancel`],
        ['CSeq', '1 INVITE'],
        ['Contact', `<${inviter.contactUri('caller')}>`],
      ]);
      inviter.sendRaw(invite);
      await inviter.waitFor((m) => m.status === 180, { timeoutMs: 10_000 });
      canceller.sendRaw(cancelOf(invite));
      const cancelled = await canceller.waitFor((m) => m.cseq.endsWith('CANCEL'), { timeoutMs: 10_000 });
      t.equal(cancelled.status, 200, `try ${tries}: 200 to the CANCEL`);
      const final = await inviter.waitFor((m) => m.status !== undefined && m.status >= 200 && m.cseq.endsWith('INVITE'), { timeoutMs: 10_000 });
      t.equal(final.status, 487, `try ${tries}: 487 to the INVITE`);
      ack(inviter, invite, final);
      const rang = await ringing.done;
      t.equal(rang.code, 0, `try ${tries}: the callee was CANCELled`, describeSipp(rang));
    } finally {
      ringing.stop();
      inviter.close();
      canceller.close();
    }
  }
  const cancels = passed(since, 'request', (l) => l.method === 'CANCEL');
  t.ok(cancels.length > 0, `a CANCEL was passed to the other worker within ${tries} tries`);
});

/** A PBX on one TCP connection: answers every INVITE 200 and every BYE 200 on it, until stopped. */
function answerOnConnection(client: RawSipClient, contact: string): () => void {
  let stopped = false;
  let next = client.received.length;
  void (async () => {
    while (!stopped && !client.isClosed) {
      const message = await client.waitFor(() => true, { since: next, timeoutMs: 1_000 }).catch(() => undefined);
      if (!message) continue;
      next = client.received.indexOf(message, next) + 1;
      if (message.method === 'INVITE')
        client.sendRaw(client.buildResponse(message, 200, 'OK', { toTag: randomToken(), headers: [['Contact', `<${contact}>`]] }));
      else if (message.method === 'BYE') client.sendRaw(client.buildResponse(message, 200, 'OK'));
    }
  })();
  return () => {
    stopped = true;
  };
}

t.test('a call to a PBX whose TCP connection the other worker holds goes out on that connection', async (t) => {
  const pbx = await RawSipClient.open('tcp', { port: node.port });
  t.teardown(() => pbx.close());
  // The Contact leads nowhere: only the registered connection reaches this PBX.
  const contact = `sip:${TCP_CALLEE.sipId}@127.0.0.1:${await freePort()};transport=tcp`;
  const ua = new DigestUa(pbx, { user: TCP_CALLEE.sipId, password: TCP_CALLEE.password, domain: DOMAIN });
  t.equal((await ua.register({ contacts: [`<${contact}>`], expires: 600 })).status, 200, 'registered over TCP');
  const stop = answerOnConnection(pbx, contact);
  t.teardown(stop);

  const since = node.mark();
  let calls = 0;
  while (calls < TRIES && passed(since, 'send').length === 0) {
    calls++;
    const call = await callFrom(node, caller, { called: TCP_CALLEE.number, from: CALLER.number, expect: 200 });
    t.equal(call.code, 0, `call ${calls}: answered on the PBX's connection, and hung up`, describeSipp(call));
  }
  t.ok(passed(since, 'send').length > 0, `a worker handed a message to the one holding the connection within ${calls} calls`);
  t.equal(node.events('call.flow_gone', since).length, 0, 'the connection was never taken for gone');
  t.ok(
    pbx.received.slice(0).some((m) => m.method === 'BYE'),
    'the BYE reached the PBX on its connection',
  );
});

t.test('a worker killed with SIGKILL is restarted, and the node keeps serving', async (t) => {
  const since = node.mark();
  const victim = node.events('worker.listening').find((l) => workerOf(l) === 2)!;
  process.kill(Number(victim.pid), 'SIGKILL');
  const died = await node.waitForEvent('worker.died', { since, timeoutMs: 10_000 });
  t.match(died, { slot: 2, signal: 'SIGKILL' }, 'the primary saw it die');
  t.ok(Number(died.restartInMs) > 0, 'and restarts it after a back-off');
  const back = await node.waitForEvent('worker.listening', { since, where: (l) => workerOf(l) === 2, timeoutMs: 30_000 });
  t.not(back.pid, victim.pid, 'a new process took slot 2');
  // Registrations (each of which must succeed) until the new worker has taken one.
  const registered = node.mark();
  const byNewWorker = (): boolean =>
    node.lines.slice(registered).some((l) => (l.event === 'registration.added' || l.event === 'registration.refreshed') && l.pid === back.pid);
  let tries = 0;
  for (const line of spread) {
    if (byNewWorker()) break;
    tries++;
    await registerTrunk(node, line);
    const mine = { since: registered, where: (l: LogLine) => l.sipId === line.sipId };
    await Promise.any([node.waitForEvent('registration.added', mine), node.waitForEvent('registration.refreshed', mine)]);
  }
  t.ok(byNewWorker(), `the new worker serves REGISTERs (${tries} sources tried)`);
  const ready = await fetch(`http://127.0.0.1:${node.config.metricsPort}/readyz`);
  t.equal(ready.status, 200, 'ready again with both workers');
});

t.test('SIGTERM drains every worker, then the node exits 0', async (t) => {
  const since = node.mark();
  const code = await node.stop(20_000);
  t.equal(code, 0, 'clean exit');
  const drained = node.events('server.drained', since).map(workerOf).sort();
  t.same(drained, [1, 2], 'both workers drained');
  t.ok(
    node.events('server.stopped', since).some((l) => workerOf(l) === 0),
    'the primary stopped last',
  );
});
