import t from 'tap';
import { parseMessage, type SipRequest, type SipResponse } from '../../../src/core/messages/index.js';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import { SipServer } from '../../../src/core/server/sip-server.js';
import { ownBranch, type WorkerPeers } from '../../../src/core/server/worker-dispatch.js';
import type { Source } from '../../../src/core/transport/transport.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fakeTransports, type FakeTransport } from '../../helpers/fake-transport.js';

/**
 * Two or three SIP servers standing for the workers of one node, joined by
 * an in-memory channel: what the kernel hands to the wrong worker reaches
 * the one holding its transaction, and exactly one answer goes out.
 */
const TRUNK = { address: '10.0.0.2', port: 5060 };
const CALLER = { address: '10.0.0.1', port: 5060 };
const CALLER_OTHER_PORT = { address: '10.0.0.1', port: 5099 };

interface Worker {
  server: SipServer;
  transport: FakeTransport;
  clock: FakeClock;
  passedIn: number;
}

function node(count: number): Worker[] {
  const workers: Worker[] = [];
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  for (const self of ids) {
    const { factory, made } = fakeTransports();
    const peers: WorkerPeers = {
      self,
      workers: () => ids,
      pass: (to: number, data: Buffer, source: Source, origin: number) => {
        const target = workers[to - 1];
        if (!target) return false;
        target.passedIn++;
        target.server.receive(data, source, { origin });
        return true;
      },
      sendOn: () => false,
    };
    const clock = new FakeClock();
    const server = new SipServer({
      listen: [{ transport: 'udp', address: '127.0.0.1', port: 5090 }],
      log: createLogger('silent'),
      clock,
      transportFactory: factory,
    });
    server.setWorkerPeers(peers);
    t.teardown(() => server.close());
    workers.push({ server, transport: made[0]!, clock, passedIn: 0 });
  }
  return workers;
}

function raw(method: string, branch = 'z9hG4bK-c1'): string {
  return [
    `${method} sip:bob@example.test SIP/2.0`,
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${branch};rport`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.test>;tag=a1',
    'To: <sip:bob@example.test>',
    'Call-ID: wp-1',
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function responseTo(request: SipRequest, status: number): string {
  const h = request.headers;
  return [
    `SIP/2.0 ${status} Whatever`,
    ...h.getAll('via').map((v) => `Via: ${v}`),
    `From: ${h.get('from')}`,
    `To: ${h.get('to')};tag=t1`,
    `Call-ID: ${h.get('call-id')}`,
    `CSeq: ${h.get('cseq')}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

t.test('the worker tag in a branch is this worker’s', async (t) => {
  const [one, two] = node(2);
  t.equal(one!.server.worker, 1);
  t.equal(two!.server.worker, 2);
  t.throws(() => one!.server.setWorkerPeers({ self: 1, workers: () => [1], pass: () => false, sendOn: () => false }), /already set/);
});

t.test('a response arriving at another worker reaches the client transaction that sent its request', async (t) => {
  const [one, two] = node(2);
  const branch = ownBranch(1, 'out1');
  const request = parseMessage(Buffer.from(raw('OPTIONS', branch).replace('10.0.0.1:5060', '127.0.0.1:5090'))) as SipRequest;
  const got: SipResponse[] = [];
  one!.server.startClientTransaction(request, branch, { transport: 'UDP', ...TRUNK }, { onResponse: (r) => got.push(r), onTimeout: () => undefined });
  two!.transport.deliver(responseTo(request, 200), TRUNK);
  t.same(
    got.map((r) => r.status),
    [200],
    'worker 1 got it',
  );
  t.equal(one!.passedIn, 1, 'passed once');
  two!.transport.deliver(responseTo(request, 200), TRUNK);
  t.equal(one!.passedIn, 2, 'a retransmission goes the same way (absorbed by the transaction)');
});

t.test('a passed message is never passed again', async (t) => {
  const [one, two] = node(2);
  // A response naming worker 2, handed to worker 2 by worker 1, but 2 holds no transaction: it stays there (stray).
  const response = responseTo(parseMessage(Buffer.from(raw('OPTIONS', ownBranch(2, 'gone')))) as SipRequest, 200);
  one!.transport.deliver(response, TRUNK);
  t.equal(two!.passedIn, 1);
  t.equal(one!.passedIn, 0, 'not bounced back');
});

t.test('a CANCEL arriving at the worker not holding its INVITE: 200 and 487 from the one that does, nothing from the other', async (t) => {
  const [one, two] = node(2);
  let pending: IncomingRequest | undefined;
  one!.server.invite(
    (req) =>
      new Promise<void>(() => {
        pending = req;
      }),
  );
  two!.server.invite(() => {
    t.fail('worker 2 never sees the INVITE');
  });
  one!.transport.deliver(raw('INVITE'), CALLER);
  t.ok(pending, 'worker 1 routes the INVITE');
  two!.transport.deliver(raw('CANCEL'), CALLER_OTHER_PORT);
  t.same(
    two!.transport.responses().map((r) => r.status),
    [],
    'worker 2 answers nothing',
  );
  t.same(
    one!.transport.responses().map((r) => [r.status, r.cseq()?.method]),
    [
      [100, 'INVITE'],
      [200, 'CANCEL'],
      [487, 'INVITE'],
    ],
  );
  const toCancel = one!.transport.sent.find((s) => 'status' in s.message && s.message.cseq()?.method === 'CANCEL')!;
  t.equal(toCancel.to.port, CALLER_OTHER_PORT.port, 'the 200 goes back to where the CANCEL came from (rport)');
});

t.test('a CANCEL nobody holds: one 481, from the last worker asked', async (t) => {
  const workers = node(3);
  workers[1]!.transport.deliver(raw('CANCEL', 'z9hG4bK-none'), CALLER);
  const answers = workers.map((w) => w.transport.responses().map((r) => r.status));
  t.same(answers, [[481], [], []], 'arrived at 2, asked 3, then 1, which answers');
  t.same(
    workers.map((w) => w.passedIn),
    [1, 0, 1],
  );
});

t.test('the ACK of a non-2xx arriving at the other worker ends the INVITE transaction there', async (t) => {
  const [one, two] = node(2);
  one!.server.invite((req) => {
    req.respond(486);
  });
  one!.transport.deliver(raw('INVITE'), CALLER);
  t.same(
    one!.transport.responses().map((r) => r.status),
    [100, 486],
  );
  two!.transport.deliver(raw('ACK'), CALLER_OTHER_PORT);
  t.equal(one!.passedIn, 1, 'passed to worker 1');
  t.same(two!.transport.sent, [], 'worker 2 relayed nothing');
  // Confirmed: the 486 is no longer retransmitted (Timer G stops on the ACK, RFC 3261 §17.2.1).
  one!.clock.advance(4_000);
  t.same(
    one!.transport.responses().map((r) => r.status),
    [100, 486],
    'no retransmission of the 486',
  );
});

t.test('without the ACK the 486 would be retransmitted (the check above can fail)', async (t) => {
  const [one] = node(2);
  one!.server.invite((req) => {
    req.respond(486);
  });
  one!.transport.deliver(raw('INVITE'), CALLER);
  one!.clock.advance(4_000);
  t.ok(one!.transport.responses().filter((r) => r.status === 486).length > 1, 'retransmitted');
});

t.test('a request for a connection another worker holds is handed to it; one of ours or a lone process’s is sent here', async (t) => {
  const { factory, made } = fakeTransports();
  const handed: Array<{ to: number; connectionId?: string }> = [];
  const server = new SipServer({
    listen: [{ transport: 'tcp', address: '127.0.0.1', port: 5090 }],
    log: createLogger('silent'),
    clock: new FakeClock(),
    transportFactory: factory,
    worker: 1,
  });
  t.teardown(() => server.close());
  server.setWorkerPeers({
    self: 1,
    workers: () => [1, 2],
    pass: () => false,
    sendOn: (to, destination) => {
      handed.push({ to, connectionId: destination.connectionId });
      return true;
    },
  });
  const send = (connectionId: string): void => {
    const request = parseMessage(Buffer.from(raw('OPTIONS', ownBranch(1, connectionId)))) as SipRequest;
    server.sendRequest(request, { transport: 'TCP', address: '10.0.0.2', port: 40000, connectionId });
  };
  send('tcp-0a1b2c3dw2-5');
  t.same(handed, [{ to: 2, connectionId: 'tcp-0a1b2c3dw2-5' }], "worker 2's connection: handed to worker 2");
  t.equal(made[0]!.sent.length, 0, 'nothing sent here');
  send('tcp-0a1b2c3d-5');
  t.equal(made[0]!.sent.length, 1, 'an id naming no worker: sent here (a new connection if it is gone)');
  t.ok(server.heldByOtherWorker('tcp-0a1b2c3dw2-5'));
  t.notOk(server.heldByOtherWorker('tcp-0a1b2c3dw1-5'), 'our own');
  t.notOk(server.heldByOtherWorker('tcp-0a1b2c3dw3-5'), 'a worker that is not there');
  t.throws(() => server.setWorkerPeers({ self: 1, workers: () => [1], pass: () => false, sendOn: () => false }), /already set/);
});

t.test('peers of another worker number are refused', async (t) => {
  const server = new SipServer({
    listen: [{ transport: 'udp', address: '127.0.0.1', port: 5090 }],
    log: createLogger('silent'),
    transportFactory: fakeTransports().factory,
    worker: 2,
  });
  t.teardown(() => server.close());
  t.throws(() => server.setWorkerPeers({ self: 1, workers: () => [1], pass: () => false, sendOn: () => false }), /another worker/);
});
