import { Writable } from 'node:stream';
import t from 'tap';
import { SipServer } from '../../../src/core/server/sip-server.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fakeTransports } from '../../helpers/fake-transport.js';
import { settledArrayBuffers } from '../../helpers/heap.js';

/**
 * A final answer to a non-INVITE request over UDP is kept by its transaction
 * for 64*T1 (Timer J), to answer copies of the request. Bytes cut from Node's
 * shared buffer pool would keep their whole 64 KB pool block alive, with
 * everything else written into it meanwhile.
 */
t.test('kept answers hold their own bytes, not the pool blocks they were written beside', async (t) => {
  const { factory, made } = fakeTransports();
  const server = new SipServer({
    listen: [{ transport: 'udp', address: '127.0.0.1', port: 5090 }],
    log: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
    clock: new FakeClock(),
    transportFactory: factory,
  });
  t.teardown(() => server.close());
  server.options((req) => {
    req.respond(200);
  });
  const transport = made[0]!;
  const answers = 2_000;
  const busy: Buffer[] = [];
  const before = await settledArrayBuffers();
  for (let i = 0; i < answers; i++) {
    const options = [
      'OPTIONS sip:softswitch.test SIP/2.0',
      `Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK-kept-${i}`,
      'Max-Forwards: 70',
      'From: <sip:a@example.test>;tag=t1',
      'To: <sip:softswitch.test>',
      `Call-ID: kept-${i}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    transport.deliver(options, { address: '10.0.0.1', port: 5062 });
    // The rest of the traffic: short-lived messages written into the same pool.
    busy.push(Buffer.allocUnsafe(2_000));
    if (busy.length > 10) busy.shift();
  }
  t.equal(transport.responses().length, answers, 'every request answered, each answer kept for Timer J');
  transport.sent.length = 0; // the fake transport's record of what went out is not what is measured
  busy.length = 0;
  const grown = (await settledArrayBuffers()) - before;
  t.ok(grown < 2_000_000, `buffers grew ${grown} bytes for ${answers} kept answers (over 5,000,000 when each keeps its pool block)`);
});
