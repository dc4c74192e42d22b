// Announcements instead of bare status codes (docs/product.md §4.7, RFC 4240):
// the target built from the configuration alone, and the router sending the
// four refusals there when a server is configured, and only then.
import t from 'tap';
import { configSchema } from '../../../src/config/schema.js';
import { defaultFeatures } from '../../../src/features/settings.js';
import { announcementTarget, escapeUriParam } from '../../../src/routing/announcements.js';
import { world } from './call-world.js';

const A = '0312340001';
const CALLER_LINE = '0311110000'; // the world's IP-trunk caller
const PEER_CALLER = '0612345678'; // the world's peer caller

const settings = (announcements: unknown) => configSchema.parse({ announcements }).announcements;
const SERVER = settings({ server: { address: '127.0.0.90', port: 5090 } });

t.test('the announcement URI: sip:annc@server;play=<url> from the configuration, one per reason', async (t) => {
  t.equal(announcementTarget(settings({}), 'nuisance'), undefined, 'no server: no announcement');
  const target = announcementTarget(SERVER, 'nuisance')!;
  t.equal(target.uri, 'sip:annc@127.0.0.90:5090;play=file:///var/lib/softswitch/announcements/call-declined.wav');
  t.same(target.destination, { transport: 'UDP', address: '127.0.0.90', port: 5090 });
  const defaults = ['nuisance', 'anonymous', 'internationalBar', 'outgoingRestriction'] as const;
  t.equal(new Set(defaults.map((r) => announcementTarget(SERVER, r)!.uri)).size, 4, 'each reason has its own default prompt');

  const tcp = settings({ server: { address: '::1', port: 5070 }, transport: 'tcp', user: 'prompts', play: { anonymous: 'http://media.example/anon.g711' } });
  const anon = announcementTarget(tcp, 'anonymous')!;
  t.equal(anon.uri, 'sip:prompts@[::1]:5070;transport=tcp;play=http://media.example/anon.g711');
  t.equal(anon.destination.transport, 'TCP');
});

t.test('the play URL is escaped: it cannot end its parameter or add one', async (t) => {
  t.equal(escapeUriParam('http://a.example/x.wav'), 'http://a.example/x.wav', 'RFC 4240 URLs stay readable');
  t.equal(escapeUriParam('http://a.example/p?x=1;maddr=203.0.113.9'), 'http://a.example/p%3Fx%3D1%3Bmaddr%3D203.0.113.9');
  t.equal(escapeUriParam('file:///a b@c%'), 'file:///a%20b%40c%25');
  const target = announcementTarget(settings({ server: { address: '127.0.0.90' }, play: { nuisance: 'http://a.example/p?x=1;lr' } }), 'nuisance')!;
  t.equal(target.uri.split(';').length, 2, 'exactly one URI parameter: play');
});

t.test('the configuration refuses a play value that is not an http/https/file URL, naming the field', async (t) => {
  for (const bad of ['javascript:alert(1)', 'http://a b', 'sip:x@y', '']) {
    const parsed = configSchema.safeParse({ announcements: { play: { nuisance: bad } } });
    t.notOk(parsed.success, `refused: ${JSON.stringify(bad)}`);
    t.same(parsed.error?.issues[0]?.path, ['announcements', 'play', 'nuisance']);
  }
  t.notOk(configSchema.safeParse({ announcements: { server: { address: 'media.example' } } }).success, 'the server is an IP address');
});

/** The four refusals, each set up on a fresh world. */
const CASES = [
  {
    reason: 'nuisance',
    status: 603,
    stage: 'nuisance-blocking',
    setUp: (w: ReturnType<typeof world>) => w.features.set(A, { ...defaultFeatures(A), blockedCallers: [PEER_CALLER] }),
    dialled: A,
    from: 'peer' as const,
  },
  {
    reason: 'anonymous',
    status: 433,
    stage: 'anonymous-rejection',
    setUp: (w: ReturnType<typeof world>) => w.features.set(A, { ...defaultFeatures(A), anonymousRejection: true }),
    dialled: A,
    from: 'anonymous' as const,
  },
  {
    reason: 'internationalBar',
    status: 403,
    stage: 'international-bar',
    setUp: (w: ReturnType<typeof world>) => w.features.set(CALLER_LINE, { ...defaultFeatures(CALLER_LINE), internationalBar: true }),
    dialled: '0101212555000',
    from: 'line' as const,
  },
  {
    reason: 'outgoingRestriction',
    status: 403,
    stage: 'origination',
    setUp: (w: ReturnType<typeof world>) => w.features.set(CALLER_LINE, { ...defaultFeatures(CALLER_LINE), outgoingRestriction: true }),
    dialled: A,
    from: 'line' as const,
  },
] as const;

for (const c of CASES) {
  t.test(`${c.reason}: with a server the call is answered there with its prompt; the refusal is still logged`, async (t) => {
    const w = world({ announcements: SERVER });
    w.line('alice', A);
    c.setUp(w);
    const call = await w.invite(c.dialled, c.from);
    t.same(call.sent, [], 'no status code: the announcement server answered');
    t.same(
      w.offers.map((o) => o.uri),
      [announcementTarget(SERVER, c.reason)!.uri],
      'one offer, to the announcement URI of this reason; the line is not rung',
    );
    t.match(
      w.events('call.decision', (l) => l.stage === c.stage),
      [{ outcome: 'reject' }],
      'the refusal is logged as its decision',
    );
    t.match(
      w.events('call.decision', (l) => l.stage === 'announcement'),
      [{ outcome: 'route', reason: c.reason, status: c.status }],
    );
    t.match(w.events('call.outcome'), [{ callId: call.callId, status: 200 }]);
  });

  t.test(`${c.reason}: without a server the status code is unchanged (${c.status})`, async (t) => {
    const w = world();
    w.line('alice', A);
    c.setUp(w);
    const call = await w.invite(c.dialled, c.from);
    t.same(
      call.sent.map((r) => r.status),
      [c.status],
    );
    t.same(w.offers, [], 'nothing is offered anywhere');
    t.same(
      w.events('call.decision', (l) => l.stage === 'announcement'),
      [],
    );
  });
}

t.test('the announcement server failing: the caller gets the status code after all', async (t) => {
  const w = world({ announcements: SERVER });
  w.line('alice', A);
  w.features.set(A, { ...defaultFeatures(A), blockedCallers: [PEER_CALLER] });
  w.behaviour.set('announcement', 503);
  const call = await w.invite(A);
  t.same(
    call.sent.map((r) => r.status),
    [603],
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'announcement'),
    [{ outcome: 'route' }, { outcome: 'failed', status: 603 }],
  );
});

t.test('other refusals (not found, busy) never go to the announcement server', async (t) => {
  const w = world({ announcements: SERVER });
  w.line('alice', A, 'busy');
  const call = await w.invite(A);
  t.same(
    call.sent.map((r) => r.status),
    [486],
  );
  t.notOk(
    w.offers.some((o) => o.uri.includes('annc@')),
    'only the four refusals are announced',
  );
});
