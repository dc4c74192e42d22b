import { Writable } from 'node:stream';
import t from 'tap';
import { Headers, SipResponse } from '../../../src/core/messages/index.js';
import type { SipServer } from '../../../src/core/server/sip-server.js';
import type { Destination, Source } from '../../../src/core/transport/transport.js';
import { createLogger } from '../../../src/log.js';
import { newBranch } from '../../../src/proxy/branch.js';
import { InDialogRelay } from '../../../src/proxy/in-dialog.js';
import { LocalIdentity } from '../../../src/proxy/record-route.js';
import { ProxySigner } from '../../../src/proxy/signing.js';

/**
 * Responses matching no transaction (no sockets: a stand-in for the SIP
 * server records what would be sent): only a 2xx to an INVITE on a branch we
 * signed for that Call-ID and upstream hop goes on, to that hop.
 */
const signer = new ProxySigner(Buffer.from('0123456789abcdef0123456789abcdef'));
const identity = new LocalIdentity(new Map([['UDP', { host: '127.0.0.1', port: 5090 }]]), [], 'ss.test');
const CALLER_VIA = 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-caller;rport=40000;received=10.0.0.1';
const FROM_CALLEE: Source = { transport: 'UDP', address: '10.0.0.2', port: 5060, localAddress: '127.0.0.1', localPort: 5090 };

function setup() {
  const sent: Array<{ response: SipResponse; to: Destination }> = [];
  const logged: Array<Record<string, unknown>> = [];
  const sip = {
    sendResponse: (response: SipResponse, to: Source) => sent.push({ response, to }),
  } as unknown as SipServer;
  const log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _e, done) {
        logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const relay = new InDialogRelay(
    sip,
    identity,
    signer,
    log,
    async () => false,
    () => Promise.reject(new Error('not used')),
  );
  const stray = (response: SipResponse, source = FROM_CALLEE) => relay.strayResponse(response, source);
  return { sent, logged, stray };
}

function response(status: number, branch: string, nextVia = CALLER_VIA, method = 'INVITE', callId = 'c1'): SipResponse {
  return new SipResponse(
    status,
    'OK',
    new Headers([
      ['Via', `SIP/2.0/UDP 127.0.0.1:5090;branch=${branch};rport`],
      ['Via', nextVia],
      ['From', '<sip:a@ss.test>;tag=1'],
      ['To', '<sip:b@ss.test>;tag=2'],
      ['Call-ID', callId],
      ['CSeq', `1 ${method}`],
    ]),
  );
}

const ourBranch = () => newBranch(signer, 'c1', 'UDP 10.0.0.1:40000');

t.test('a 2xx copy on our signed branch goes to the upstream hop, our Via removed', async (t) => {
  const { sent, stray } = setup();
  stray(response(200, ourBranch()));
  t.equal(sent.length, 1);
  t.match(sent[0]!.to, { transport: 'UDP', address: '10.0.0.1', port: 40000 });
  t.same(sent[0]!.response.headers.getAll('via'), [CALLER_VIA]);
});

t.test('dropped and counted: a forged next Via, another Call-ID, a branch we never made, not ours on top, not a 2xx to an INVITE', async (t) => {
  const { sent, logged, stray } = setup();
  stray(response(200, ourBranch(), 'SIP/2.0/UDP 192.0.2.66:5060;branch=z9hG4bK-victim'));
  stray(response(200, ourBranch(), CALLER_VIA, 'INVITE', 'c2'), { ...FROM_CALLEE, port: 5061 });
  stray(response(200, 'z9hG4bKforged.1.AAAAAAAAAAAAAAAAAAAAAA'), { ...FROM_CALLEE, port: 5062 });
  const notOurs = response(200, ourBranch());
  notOurs.headers.set('Via', 'SIP/2.0/UDP 127.0.0.9:5090;branch=z9hG4bK-x');
  notOurs.headers.append('Via', CALLER_VIA);
  stray(notOurs, { ...FROM_CALLEE, port: 5063 });
  stray(response(180, ourBranch()), { ...FROM_CALLEE, port: 5064 });
  stray(response(200, ourBranch(), CALLER_VIA, 'BYE'), { ...FROM_CALLEE, port: 5065 });
  t.equal(sent.length, 0, 'nothing relayed');
  const reasons = logged.filter((l) => l.event === 'security.response_dropped').map((l) => l.reason);
  t.same(reasons, [
    'branch not signed for this upstream',
    'branch not signed for this upstream',
    'branch not signed for this upstream',
    'top Via is not ours',
    'not a 2xx to an INVITE',
    'not a 2xx to an INVITE',
  ]);
  t.match(logged.at(-1), { address: '10.0.0.2', port: 5065, total: 6 }, 'each names its source; the count grows');
});
