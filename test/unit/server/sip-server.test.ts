import t from 'tap';
import type { SipRequest, SipResponse } from '../../../src/core/messages/index.js';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import { SipServer } from '../../../src/core/server/sip-server.js';
import type { Source } from '../../../src/core/transport/transport.js';
import { capturedLog } from '../../helpers/captured-log.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fakeTransports } from '../../helpers/fake-transport.js';

/**
 * The server's own answers (RFC 3261 §8.2, §9.2) and its split into
 * transport -> transactions -> dispatcher, with a fake transport (no socket)
 * and a fake clock.
 */
const CALLER = { address: '10.0.0.1', port: 5060 };

function setup() {
  const { factory, made } = fakeTransports();
  const { log, lines: logged } = capturedLog();
  const clock = new FakeClock();
  const server = new SipServer({ listen: [{ transport: 'udp', address: '127.0.0.1', port: 5090 }], log, clock, transportFactory: factory });
  t.teardown(() => server.close());
  const transport = made[0]!;
  const statuses = () => transport.responses().map((r) => r.status);
  return { server, transport, clock, logged, statuses };
}

function raw(method: string, opts: { branch?: string; uri?: string; toTag?: string; extra?: string[]; cseq?: number; version?: string } = {}): string {
  return [
    `${method} ${opts.uri ?? 'sip:bob@example.test'} ${opts.version ?? 'SIP/2.0'}`,
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${opts.branch ?? 'z9hG4bK-s1'}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.test>;tag=a1',
    `To: <sip:bob@example.test>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    'Call-ID: srv-1',
    `CSeq: ${opts.cseq ?? 1} ${method}`,
    ...(opts.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('a method with a handler reaches it once; a retransmission is absorbed and answered from the transaction', async (t) => {
  const { server, transport, statuses } = setup();
  const seen: string[] = [];
  server.options((req) => {
    seen.push(req.method);
    req.respond(200);
  });
  transport.deliver(raw('OPTIONS'), CALLER);
  transport.deliver(raw('OPTIONS'), CALLER);
  t.same(seen, ['OPTIONS']);
  t.same(statuses(), [200, 200]);
  t.same(transport.sent[0]!.to, { transport: 'UDP', address: '10.0.0.1', port: 5060 }, 'back to the top Via');
  t.equal(transport.responses()[0]!.headers.get('server'), 'softswitch', 'common headers on every response');
});

t.test('405 with Allow for a known method with no handler; 501 for an unknown one', async (t) => {
  const { server, transport, statuses } = setup();
  server.register(() => undefined);
  transport.deliver(raw('SUBSCRIBE'), CALLER);
  transport.deliver(raw('FROBNICATE', { branch: 'z9hG4bK-s2' }), CALLER);
  t.same(statuses(), [405, 501]);
  t.equal(transport.responses()[0]!.headers.get('allow'), 'ACK, CANCEL, REGISTER');
});

t.test('with an in-dialog handler: a dialog-only method outside a dialog gets 481, and Allow lists it', async (t) => {
  const { server, transport, statuses } = setup();
  server.register(() => undefined);
  server.inDialog(() => {
    t.fail('no dialog: the in-dialog handler must not run');
  });
  transport.deliver(raw('BYE'), CALLER);
  transport.deliver(raw('SUBSCRIBE', { branch: 'z9hG4bK-s2' }), CALLER);
  t.same(statuses(), [481, 405]);
  t.equal(transport.responses()[1]!.headers.get('allow'), 'ACK, CANCEL, BYE, REGISTER, UPDATE, INFO, PRACK');
  t.equal(server.allow(), transport.responses()[1]!.headers.get('allow'), 'the same list an OPTIONS answer gets');
});

t.test('416 for a Request-URI scheme we do not route; 420 with Unsupported for an unknown Require', async (t) => {
  const { server, transport, statuses } = setup();
  const seen: string[] = [];
  server.options((req) => {
    seen.push(req.method);
    req.respond(200);
  });
  transport.deliver(raw('OPTIONS', { uri: 'mailto:bob@example.test' }), CALLER);
  transport.deliver(raw('OPTIONS', { branch: 'z9hG4bK-s2', extra: ['Require: path, 100rel'] }), CALLER);
  transport.deliver(raw('OPTIONS', { branch: 'z9hG4bK-s3', extra: ['Require: path'] }), CALLER);
  t.same(statuses(), [416, 420, 200]);
  t.equal(transport.responses()[1]!.headers.get('unsupported'), '100rel');
  t.same(seen, ['OPTIONS'], 'only the acceptable one reaches the handler');
});

t.test('400 with a Warning for a malformed request, 505 for another SIP version; a malformed ACK gets nothing', async (t) => {
  const { transport, statuses, logged } = setup();
  transport.deliver(raw('OPTIONS').replace('Max-Forwards: 70', 'Max-Forwards: many'), CALLER);
  transport.deliver(raw('OPTIONS', { version: 'SIP/3.0', branch: 'z9hG4bK-s2' }), CALLER);
  transport.deliver(raw('ACK', { branch: 'z9hG4bK-s3' }).replace('Max-Forwards: 70', 'Max-Forwards: many'), CALLER);
  t.same(statuses(), [400, 505]);
  t.equal(transport.responses()[0]!.headers.get('warning'), '399 softswitch "malformed Max-Forwards"');
  t.ok(
    logged.some((l) => l.event === 'sip.malformed'),
    'logged',
  );
});

t.test('CANCEL: 481 with nothing pending; 200 and 487 to the INVITE it cancels', async (t) => {
  const { server, transport, statuses } = setup();
  let pending: IncomingRequest | undefined;
  server.invite(
    (req) =>
      new Promise<void>(() => {
        pending = req;
      }),
  ); // never answers by itself
  transport.deliver(raw('CANCEL', { branch: 'z9hG4bK-none' }), CALLER);
  t.same(statuses(), [481]);
  transport.deliver(raw('INVITE'), CALLER);
  t.ok(pending);
  t.same(statuses(), [481, 100], 'the INVITE gets 100 Trying from the core');
  transport.deliver(raw('INVITE'), CALLER);
  t.same(statuses(), [481, 100, 100], 'its retransmission gets the 100 again, the handler is not called twice');
  transport.deliver(raw('CANCEL'), CALLER);
  const cancelled = transport.responses().slice(3);
  t.same(
    cancelled.map((r) => [r.status, r.cseq()?.method]),
    [
      [200, 'CANCEL'],
      [487, 'INVITE'],
    ],
  );
  t.equal(pending?.answered, true);
});

t.test('a proxy delegate is set once; it takes the CANCEL, the 2xx ACK and stray responses', async (t) => {
  const { server, transport, statuses } = setup();
  const acks: SipRequest[] = [];
  const strays: SipResponse[] = [];
  const cancels: IncomingRequest[] = [];
  server.setProxyDelegate({
    onCancel: (invite) => {
      cancels.push(invite);
      return true;
    },
    onAck: (request: SipRequest, _source: Source) => acks.push(request),
    onStrayResponse: (response: SipResponse) => strays.push(response),
  });
  t.throws(() => server.setProxyDelegate({ onCancel: () => false, onAck: () => undefined, onStrayResponse: () => undefined }), /already set/);
  server.invite(() => new Promise<void>(() => undefined));
  transport.deliver(raw('INVITE'), CALLER);
  transport.deliver(raw('CANCEL'), CALLER);
  t.equal(cancels.length, 1);
  t.same(statuses(), [100, 200], "no 487 from the core: the proxy relays the callee's");
  transport.deliver(raw('ACK', { branch: 'z9hG4bK-ack2xx', toTag: 'b1' }), CALLER);
  t.equal(acks.length, 1, 'an ACK matching no transaction');
  transport.deliver(
    'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-nobody\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: z\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    CALLER,
  );
  t.equal(strays.length, 1, 'a response matching no client transaction');
});

t.test('requests with a To tag go to the in-dialog handler (REGISTER excepted)', async (t) => {
  const { server, transport } = setup();
  const seen: string[] = [];
  server.inDialog((req) => {
    seen.push(`dialog ${req.method}`);
    req.respond(200);
  });
  server.on('BYE', (req) => {
    seen.push('BYE');
    req.respond(200);
  });
  server.register((req) => {
    seen.push('REGISTER');
    req.respond(200);
  });
  transport.deliver(raw('BYE', { toTag: 'b1' }), CALLER);
  transport.deliver(raw('BYE', { branch: 'z9hG4bK-s2' }), CALLER);
  transport.deliver(raw('REGISTER', { branch: 'z9hG4bK-s3', toTag: 'b1' }), CALLER);
  t.same(seen, ['dialog BYE', 'BYE', 'REGISTER']);
});

t.test('a handler that throws or rejects gets a 500, logged', async (t) => {
  const { server, transport, statuses, logged } = setup();
  server.options(() => {
    throw new Error('boom');
  });
  server.on('INFO', () => Promise.reject(new Error('later')));
  transport.deliver(raw('OPTIONS'), CALLER);
  transport.deliver(raw('INFO', { branch: 'z9hG4bK-s2' }), CALLER);
  await flush();
  t.same(statuses(), [500, 500]);
  t.equal(logged.filter((l) => l.event === 'sip.handler_error').length, 2);
});

t.test('Timer J on the server clock: a retransmission after 64*T1 is a new request', async (t) => {
  const { server, transport, clock } = setup();
  let calls = 0;
  server.options((req) => {
    calls++;
    req.respond(200);
  });
  transport.deliver(raw('OPTIONS'), CALLER);
  clock.advance(31_000);
  transport.deliver(raw('OPTIONS'), CALLER);
  t.equal(calls, 1);
  t.equal(server.transactionCount, 1);
  clock.advance(1_200);
  t.equal(server.transactionCount, 0);
  transport.deliver(raw('OPTIONS'), CALLER);
  t.equal(calls, 2);
});

t.test('a stateless answer (RFC 3261 §8.2.7) keeps no transaction: a copy of the request is a new request, on UDP as on TCP', async (t) => {
  const { server, transport, statuses } = setup();
  let calls = 0;
  server.options((req) => {
    calls++;
    req.respondStatelessly(401, 'Unauthorized');
  });
  transport.deliver(raw('OPTIONS'), CALLER);
  t.same(statuses(), [401]);
  t.equal(server.transactionCount, 0, 'forgotten at once, not after 64*T1');
  transport.deliver(raw('OPTIONS'), CALLER);
  t.equal(calls, 2, 'the copy reaches the handler again');
  t.same(statuses(), [401, 401], 'and is answered anew');
});
