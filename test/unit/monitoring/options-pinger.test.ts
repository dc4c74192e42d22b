import t from 'tap';
import { createResponse, type SipRequest } from '../../../src/core/messages/index.js';
import type { ClientTransactionUser } from '../../../src/core/transactions/client-transaction.js';
import type { Destination } from '../../../src/core/transport/transport.js';
import { OptionsPinger } from '../../../src/monitoring/options-pinger.js';

/** The OPTIONS a ping sends, and how it reads the answer, with a fake core (no sockets). */
function setup(timeoutMs = 1000) {
  const started: Array<{ request: SipRequest; branch: string; destination: Destination; user: ClientTransactionUser }> = [];
  const pinger = new OptionsPinger({
    sip: {
      startClientTransaction: (request, branch, destination, user) => {
        started.push({ request, branch, destination, user });
        return {} as never;
      },
    },
    sentBy: (transport) => (transport === 'TCP' ? '192.0.2.1:5070' : '192.0.2.1:5060'),
    domain: 'softswitch.test',
    timeoutMs,
  });
  return { pinger, started };
}

t.test('one OPTIONS as a client transaction, its Via branch the transaction key', async (t) => {
  const { pinger, started } = setup();
  const result = pinger.ping({ transport: 'TCP', address: '2001:db8::7', port: 5070 });
  const [{ request, branch, destination, user }] = started as [(typeof started)[0]];
  t.equal(request.method, 'OPTIONS');
  t.equal(request.uri, 'sip:[2001:db8::7]:5070;transport=tcp');
  t.match(request.headers.get('via'), new RegExp(`^SIP/2\\.0/TCP 192\\.0\\.2\\.1:5070;branch=${branch};rport$`));
  t.match(branch, /^z9hG4bK/, 'an RFC 3261 branch');
  t.equal(request.headers.get('cseq'), '1 OPTIONS');
  t.equal(request.headers.get('max-forwards'), '70');
  t.match(request.headers.get('from'), /^<sip:monitor@softswitch\.test>;tag=\w+$/);
  t.same(destination, { transport: 'TCP', address: '2001:db8::7', port: 5070 });
  user.onResponse(createResponse(request, 100));
  user.onResponse(createResponse(request, 405));
  t.same(await result, { status: 405 }, 'a provisional is passed over; the final status is the result');
});

t.test('no final answer within the timeout, or Timer F: a timeout', async (t) => {
  const { pinger, started } = setup(30);
  t.same(await pinger.ping({ transport: 'UDP', address: '192.0.2.7', port: 5060 }), { error: 'timeout' });
  const late = started[0]!;
  late.user.onResponse(createResponse(late.request, 200)); // absorbed: the ping already ended
  const second = setup(10_000);
  const pending = second.pinger.ping({ transport: 'UDP', address: '192.0.2.7', port: 5060 });
  second.started[0]!.user.onTimeout();
  t.same(await pending, { error: 'timeout' }, "the transaction's own Timer F");
  t.notOk(started[0]!.request.headers.get('via')?.includes('transport'), 'UDP: no transport parameter');
  t.equal(started[0]!.request.uri, 'sip:192.0.2.7:5060');
});
