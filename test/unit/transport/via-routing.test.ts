import t from 'tap';
import { parseVia, type Via } from '../../../src/core/messages/index.js';
import type { Source } from '../../../src/core/transport/transport.js';
import { responseDestination, stampReceived } from '../../../src/core/transport/via-routing.js';

const from = (address: string, port: number): Source => ({ transport: 'UDP', address, port, localAddress: '127.0.0.1', localPort: 5060 });
const via = (text: string): Via => parseVia(text)![0]!;

t.test("a client's own received is never used: the response goes to the real source (RFC 3581)", async (t) => {
  const v = via('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=127.0.0.9');
  t.ok(stampReceived(v, from('10.0.0.1', 5060)));
  t.equal(v.params.received, undefined, 'removed: the sent-by host is the source');
  t.same(responseDestination(v, from('10.0.0.1', 5060)), { transport: 'UDP', address: '10.0.0.1', port: 5060 });
});

t.test('received and rport claimed by the client are replaced with the real source', async (t) => {
  const v = via('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=127.0.0.9;rport=9999');
  stampReceived(v, from('10.0.0.1', 40000));
  t.equal(v.params.received, '10.0.0.1');
  t.equal(v.params.rport, '40000');
  t.same(responseDestination(v, from('10.0.0.1', 40000)), { transport: 'UDP', address: '10.0.0.1', port: 40000 });
});

t.test('NAT: a private sent-by gets received; rport when asked', async (t) => {
  const v = via('SIP/2.0/UDP 192.168.1.2:5060;branch=z9hG4bK1;rport');
  t.ok(stampReceived(v, from('203.0.113.5', 61000)));
  t.same(responseDestination(v, from('203.0.113.5', 61000)), { transport: 'UDP', address: '203.0.113.5', port: 61000 });
  const noRport = via('SIP/2.0/UDP 192.168.1.2:5062;branch=z9hG4bK1');
  stampReceived(noRport, from('203.0.113.5', 61000));
  t.same(
    responseDestination(noRport, from('203.0.113.5', 61000)),
    { transport: 'UDP', address: '203.0.113.5', port: 5062 },
    'sent-by port without rport (RFC 3261 §18.2.2)',
  );
});

t.test('nothing to change: false', async (t) => {
  t.notOk(stampReceived(via('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1'), from('10.0.0.1', 5060)));
});
