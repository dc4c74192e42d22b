import { Writable } from 'node:stream';
import t from 'tap';
import { SipServer } from '../../../src/core/server/sip-server.js';
import type { WireMessage } from '../../../src/core/transport/transport.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fakeTransports } from '../../helpers/fake-transport.js';

/** The wire tap (for SIP capture) sees each message received and sent as the bytes on the wire; a failing tap changes nothing. */
function setup(tap: (m: WireMessage) => void) {
  const { factory, made } = fakeTransports();
  const log = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
  const server = new SipServer({
    listen: [{ transport: 'udp', address: '127.0.0.1', port: 5090 }],
    log,
    clock: new FakeClock(),
    transportFactory: factory,
    wireTap: tap,
  });
  t.teardown(() => server.close());
  server.options((req) => {
    req.respond(200);
  });
  return { server, transport: made[0]! };
}

const OPTIONS = [
  'OPTIONS sip:softswitch.test SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK-tap1',
  'Max-Forwards: 70',
  'From: <sip:a@example.test>;tag=t1',
  'To: <sip:softswitch.test>',
  'Call-ID: tap-1',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

t.test('a request in and its answer out, each with both ends and the exact bytes', async (t) => {
  const seen: WireMessage[] = [];
  const { transport } = setup((m) => seen.push(m));
  transport.deliver(OPTIONS, { address: '10.0.0.1', port: 5062 });
  t.equal(seen.length, 2, 'one in, one out');
  const [inbound, outbound] = seen;
  t.equal(inbound!.direction, 'in');
  t.same(inbound!.remote, { address: '10.0.0.1', port: 5062 });
  t.same(inbound!.local, { address: '127.0.0.1', port: 5090 });
  t.equal(inbound!.data.toString('latin1'), OPTIONS, 'the received bytes as they came');
  t.equal(outbound!.direction, 'out');
  t.equal(outbound!.transport, 'UDP');
  t.same(outbound!.remote, { address: '10.0.0.1', port: 5062 }, 'the answer goes back where the request came from');
  t.match(outbound!.data.toString('latin1'), /^SIP\/2\.0 200 /, 'the bytes sent');
});

t.test('a tap that throws does not stop the request or its answer', async (t) => {
  const { transport } = setup(() => {
    throw new Error('capture broken');
  });
  transport.deliver(OPTIONS, { address: '10.0.0.1', port: 5062 });
  t.same(
    transport.responses().map((r) => r.status),
    [200],
    'answered all the same',
  );
});
