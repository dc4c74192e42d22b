// Who may call (docs/product.md §5): a trusted source address (an IP-authenticated
// trunk, then an interconnect peer), else a digest line, challenged with 407;
// a digest failure is 403 and malformed credentials 400, each reported as a
// failed authentication before the answer goes out.
import t from 'tap';
import { Headers, SipRequest, type SipResponse } from '../../../src/core/messages/index.js';
import { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import type { ServerTransaction } from '../../../src/core/transactions/server-transaction.js';
import type { AuthOutcome } from '../../../src/auth/authenticator.js';
import type { Peer } from '../../../src/features/settings.js';
import type { AuthFailure } from '../../../src/security/auth-failures.js';
import type { LineRecord } from '../../../src/store/line-store.js';
import { admitCaller, type CallerSources } from '../../../src/routing/caller.js';

const TRUNK_ADDRESS = '127.0.0.21';
const PEER_ADDRESS = '127.0.0.31';
const OTHER_ADDRESS = '127.0.0.99';

const line = (sipId: string, auth: LineRecord['auth']): LineRecord => ({
  sipId,
  voiceGroupId: 'vg',
  siteId: '1234567',
  channels: 2,
  auth,
  allowedAddresses: auth === 'ip' ? [TRUNK_ADDRESS] : [],
  basicNumber: '0311110000',
  dialInNumbers: [],
});
const TRUNK = line('trunk', 'ip');
const PHONE = line('phone', 'digest');
const PEER: Peer = { name: 'carrier', addresses: [PEER_ADDRESS] };
const CHALLENGE: Array<[string, string]> = [['Proxy-Authenticate', 'Digest realm="ss.test", nonce="n1"']];

type Outcome = Awaited<ReturnType<CallerSources['auth']['authenticate']>>;

/** Sources with one IP trunk and one peer; `authenticate` answers `outcome`, and every call is recorded. */
function sources(outcome: Outcome | AuthOutcome<LineRecord> = { kind: 'challenge', stale: false }) {
  const seen = { authenticate: [] as string[], challengeHeaders: [] as Array<[string, boolean | undefined]>, refused: [] as AuthFailure[] };
  const order: string[] = [];
  const s = {
    lines: { byAddress: async (address: string) => (address === TRUNK_ADDRESS ? TRUNK : null) },
    peerByAddress: async (address: string) => (address === PEER_ADDRESS || address === TRUNK_ADDRESS ? PEER : null),
    auth: {
      authenticate: async (_request: SipRequest, kind: string) => {
        seen.authenticate.push(kind);
        return outcome;
      },
      challengeHeaders: (kind: string, stale?: boolean) => {
        seen.challengeHeaders.push([kind, stale]);
        return CHALLENGE;
      },
    },
    failures: {
      refuse: async (_request: IncomingRequest, failure: AuthFailure, answer: () => void) => {
        seen.refused.push(failure);
        order.push('reported');
        answer();
      },
    },
  } as unknown as CallerSources;
  return { sources: s, seen, order };
}

function incoming(address: string, order: string[] = []) {
  const sent: SipResponse[] = [];
  const transaction = {
    lastStatus: 100,
    respond(r: SipResponse) {
      order.push(`sent ${r.status}`);
      sent.push(r);
    },
  };
  const message = new SipRequest(
    'INVITE',
    'sip:0312340101@ss.test',
    new Headers([
      ['Via', `SIP/2.0/UDP ${address}:5060;branch=z9hG4bK-1`],
      ['From', '<sip:0311110000@ss.test>;tag=a'],
      ['To', '<sip:0312340101@ss.test>'],
      ['Call-ID', 'c1'],
      ['CSeq', '1 INVITE'],
    ]),
  );
  const source = { transport: 'UDP' as const, address, port: 5060, localAddress: '127.0.0.1', localPort: 5060 };
  return { request: new IncomingRequest(message, source, transaction as unknown as ServerTransaction, []), sent };
}

t.test('an IP-authenticated trunk is admitted by its address, before a peer and without digest', async (t) => {
  const { sources: s, seen } = sources({ kind: 'authenticated', username: 'phone', user: PHONE, algorithm: 'MD5' });
  const { request, sent } = incoming(TRUNK_ADDRESS);
  t.same(await admitCaller(request, s), { ok: true, caller: { kind: 'line', line: TRUNK, via: 'ip' } });
  t.same(seen.authenticate, [], 'no digest asked of a trusted address');
  t.same(sent, [], 'nothing answered');
});

t.test('an interconnect peer is admitted by its address, without digest', async (t) => {
  const { sources: s, seen } = sources({ kind: 'authenticated', username: 'phone', user: PHONE, algorithm: 'MD5' });
  const { request, sent } = incoming(PEER_ADDRESS);
  t.same(await admitCaller(request, s), { ok: true, caller: { kind: 'peer', peer: PEER } });
  t.same(seen.authenticate, []);
  t.same(sent, []);
});

t.test('any other source: a digest line, checked as a proxy (Proxy-Authorization)', async (t) => {
  const { sources: s, seen } = sources({ kind: 'authenticated', username: 'phone', user: PHONE, algorithm: 'MD5' });
  const { request, sent } = incoming(OTHER_ADDRESS);
  t.same(await admitCaller(request, s), { ok: true, caller: { kind: 'line', line: PHONE, via: 'digest' } });
  t.same(seen.authenticate, ['proxy']);
  t.same(seen.refused, [], 'nothing reported');
  t.same(sent, []);
});

t.test('no credentials: 407 with the proxy challenge, not reported as a failure', async (t) => {
  const { sources: s, seen, order } = sources({ kind: 'challenge', stale: false });
  const { request, sent } = incoming(OTHER_ADDRESS, order);
  t.same(await admitCaller(request, s), { ok: false });
  t.same(
    sent.map((r) => [r.status, r.reason]),
    [[407, 'Proxy Authentication Required']],
  );
  t.equal(sent[0]!.headers.get('proxy-authenticate'), CHALLENGE[0]![1]);
  t.same(seen.challengeHeaders, [['proxy', false]]);
  t.same(seen.refused, [], 'asking for credentials is no failure');
});

t.test('a stale nonce: 407 with stale=true asked of the challenge', async (t) => {
  const { sources: s, seen } = sources({ kind: 'challenge', stale: true, username: 'phone' });
  const { request, sent } = incoming(OTHER_ADDRESS);
  t.same(await admitCaller(request, s), { ok: false });
  t.same(
    sent.map((r) => r.status),
    [407],
  );
  t.same(seen.challengeHeaders, [['proxy', true]]);
  t.same(seen.refused, []);
});

t.test('a challenge after a failure (invalid nonce): reported with the SIP-ID, then 407', async (t) => {
  const { sources: s, seen, order } = sources({ kind: 'challenge', stale: false, username: 'phone', failure: 'invalid nonce' });
  const { request, sent } = incoming(OTHER_ADDRESS, order);
  t.same(await admitCaller(request, s), { ok: false });
  t.same(seen.refused, [{ reason: 'invalid nonce', sipId: 'phone' }]);
  t.same(order, ['reported', 'sent 407'], 'the answer goes out through the report');
  t.same(
    sent.map((r) => r.status),
    [407],
  );
});

t.test('a wrong password: 403 Forbidden, reported with the SIP-ID', async (t) => {
  const { sources: s, seen, order } = sources({ kind: 'forbidden', username: 'phone', failure: 'wrong password' });
  const { request, sent } = incoming(OTHER_ADDRESS, order);
  t.same(await admitCaller(request, s), { ok: false });
  t.same(
    sent.map((r) => [r.status, r.reason]),
    [[403, 'Forbidden']],
  );
  t.same(seen.refused, [{ reason: 'wrong password', sipId: 'phone' }]);
  t.same(order, ['reported', 'sent 403']);
  t.same(seen.challengeHeaders, [], 'no new challenge after a wrong password');
});

t.test('malformed credentials: 400 with the reason in a Warning, reported as malformed', async (t) => {
  const why = 'digest credentials lack username, nonce, uri or response';
  const { sources: s, seen, order } = sources({ kind: 'bad-request', why });
  const { request, sent } = incoming(OTHER_ADDRESS, order);
  t.same(await admitCaller(request, s), { ok: false });
  t.same(
    sent.map((r) => [r.status, r.reason]),
    [[400, 'Bad Request']],
  );
  t.equal(sent[0]!.headers.get('warning'), `399 softswitch "${why}"`);
  t.same(seen.refused, [{ reason: 'malformed credentials', why }]);
  t.same(order, ['reported', 'sent 400']);
});
