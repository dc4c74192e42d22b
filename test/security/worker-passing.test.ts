import t from 'tap';
import { DOMAIN, startCallStack } from '../helpers/call-harness.js';
import { RawSipClient, randomToken } from '../helpers/raw-sip-client.js';
import { quietPeriod, UdpSink } from '../helpers/udp-sink.js';

/**
 * Attack: with several workers on one port, a response whose branch names a
 * worker is passed to that worker (docs/workers.md). An outsider forges such
 * responses, naming each worker, a worker that does not exist, and one with
 * a second Via aimed at a victim, hoping the pass skips the checks a stray
 * response gets or bounces between workers. Every one is dropped as stray
 * by a worker (logged with its source and reason), none reaches the victim,
 * and none is passed more than once.
 */
const stack = await startCallStack({ voiceGroups: [] }, 1, { extra: { workers: 2, log: { level: 'debug' } } });
const node = stack.nodes[0]!;
const victim = await UdpSink.open('127.0.0.81');
t.teardown(() => victim.close());

t.test('forged responses naming a worker are dropped, never relayed, never passed twice', async (t) => {
  // One forged response per source: refusals are logged once per source (RefusalLog).
  const targets = [1, 2, 99, 1, 2, 99, 1, 2, 99];
  const attackers = await Promise.all(targets.map(() => RawSipClient.open('udp', { port: node.port })));
  t.teardown(() => attackers.forEach((a) => a.close()));
  const since = node.mark();
  const callIds = new Map<string, number>();
  for (const [i, attacker] of attackers.entries()) {
    const worker = targets[i]!;
    const callId = `${randomToken()}@forged-${worker}`;
    callIds.set(callId, worker);
    attacker.sendRaw(
      [
        'SIP/2.0 200 OK',
        `Via: SIP/2.0/UDP 127.0.0.1:${node.port};branch=z9hG4bKw${worker}.${randomToken()}.1.${randomToken(16)}`,
        `Via: SIP/2.0/UDP ${victim.address}:${victim.port};branch=z9hG4bK-victim`,
        `From: <sip:a@${DOMAIN}>;tag=1`,
        `To: <sip:b@${DOMAIN}>;tag=2`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }
  for (const [callId, worker] of callIds) {
    const dropped = await node.waitForEvent('security.response_dropped', { since, where: (l) => l.callId === callId });
    t.match(dropped, { address: '127.0.0.1', status: 200, reason: 'branch not signed for this upstream' }, `naming worker ${worker}: dropped`);
    if (worker !== 99) t.equal(dropped.worker, worker, 'by the worker its branch names');
    const passes = node.events('worker.passed', since).filter((l) => l.callId === callId);
    t.ok(passes.length <= 1, 'passed at most once');
    if (worker === 99) t.equal(passes.length, 0, 'a worker that does not exist: dropped where it arrived');
  }
  await quietPeriod();
  t.equal(victim.received.length, 0, 'the victim got nothing');
});
