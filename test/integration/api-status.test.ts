import t from 'tap';
import type { Binding } from '../../src/registrar/binding.js';
import { BindingStore } from '../../src/store/binding-store.js';
import { RegistrationStatusStore } from '../../src/store/registration-status.js';
import { ChannelStore } from '../../src/store/channel-store.js';
import { FIX, startApiHarness } from '../helpers/api-harness.js';
import { client, fixturePassword, IN_S1, IN_S3, matrix, secretsOf } from '../helpers/api-fixtures-org.js';

/**
 * The operator's reads through the management API (real app in-process, real
 * redis-server): a site's lines with registration status and latest error,
 * one line's status, its live bindings and its channels in use. Bindings,
 * errors and channels are written through the stores the SIP side uses.
 */

const h = await startApiHarness();
const c = await client(h);
const { a1, a2, c1 } = FIX.lines;

await h.provision({
  voiceGroups: [
    {
      id: FIX.vg1,
      name: 'Alpha Corp',
      sites: [
        { id: FIX.s1, name: 'Alpha HQ', lines: [{ sipId: 'line-ip', auth: 'ip', allowedAddresses: ['192.0.2.20'], channels: 10, basicNumber: '0311110007' }] },
      ],
    },
  ],
});

const bindings = new BindingStore(h.redis);
const now = Date.now();
const binding = (key: string, expiresAt: number, over: Partial<Binding> = {}): Binding => ({
  key,
  uri: `sip:${key}@192.0.2.50:5062;transport=udp`,
  expiresAt,
  callId: `call-${key}`,
  cseq: 1,
  path: [],
  source: { transport: 'UDP', address: '192.0.2.50', port: 5062, node: 'node-1' },
  userAgent: 'TestPBX/1.0',
  registeredAt: now - 5000,
  ...over,
});
// The writes first, then their assertions: the root test ends by itself once it sits idle after an
// assertion, and a loaded machine can take that long for a few Redis round trips.
// a1: one live contact (q 0.5) and one that expired; a2: only an expired one.
const written = [
  await bindings.replace(a1, await bindings.load(a1), [binding('pbx', now + 3600_000, { q: 0.5 }), binding('old', now - 1000)]),
  await bindings.replace(a2, await bindings.load(a2), [binding('gone', now - 1000)]),
];
const errors = new RegistrationStatusStore(h.redis, h.config.timeZone);
const latest = await errors.recordError(a2, new Date('2026-03-10T01:11:52Z'), 'REGISTER authentication failed: wrong password');
const channels = new ChannelStore(h.redis);
const acquired = [await channels.acquire(a1, 'leg-1', 4, 60_000), await channels.acquire(a1, 'leg-2', 4, 60_000)];
// Asserted only once every await is done: an assertion followed by slow top-level awaits lets
// tap end the root test automatically (seen under load as "assertion after automatic end").
t.same(written, [true, true], 'bindings written');
t.equal(latest.at, '2026-03-10T10:11:52+09:00', 'in the service time zone');
t.same(acquired, [true, true], 'two channels in use');

t.test("a site's lines with their status", async (t) => {
  await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/sites/${FIX.s1}/lines`));
  const r = await c.as('siteAdmin', 'GET', `/sites/${FIX.s1}/lines`);
  t.same(
    r.body.map((l: { sipId: string }) => l.sipId),
    [a1, a2, 'line-ip'],
  );
  t.same(r.body[0], {
    sipId: a1,
    voiceGroupId: FIX.vg1,
    siteId: FIX.s1,
    auth: 'digest',
    channels: 4,
    basicNumber: FIX.n1,
    dialInNumbers: [FIX.n1d],
    allowedAddresses: [],
    delivery: 'number',
    registration: { status: 'registered', contacts: 1 },
  });
  t.same(r.body[1].registration, { status: 'not registered', contacts: 0, latestError: latest }, 'an expired binding does not count');
  t.same(r.body[2].registration, { status: 'not applicable', contacts: 0 });
  t.equal((await c.as('operator', 'GET', '/sites/9999999/lines')).status, 404);
  const s3 = (await c.as('vgAdmin2', 'GET', `/sites/${FIX.s3}/lines`)).body.map((l: { sipId: string }) => l.sipId);
  t.ok(s3.includes(c1) && !s3.includes(a1), "another voice group's admin sees its own site's lines");
});

t.test("one line's status", async (t) => {
  await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/lines/${a1}/status`));
  await matrix(t, c, IN_S3, (who) => c.as(who, 'GET', `/lines/${c1}/status`));
  t.same((await c.as('operator', 'GET', `/lines/${a1}/status`)).body, { sipId: a1, status: 'registered', contacts: 1 });
  t.same((await c.as('operator', 'GET', `/lines/${a2}/status`)).body, { sipId: a2, status: 'not registered', contacts: 0, latestError: latest });
  t.same((await c.as('operator', 'GET', '/lines/line-ip/status')).body, { sipId: 'line-ip', status: 'not applicable', contacts: 0 });
  t.equal((await c.as('operator', 'GET', '/lines/nope/status')).status, 404);
});

t.test('live bindings', async (t) => {
  await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/lines/${a1}/bindings`));
  const r = await c.as('operator', 'GET', `/lines/${a1}/bindings`);
  t.equal(r.body.length, 1, 'the expired one is not listed');
  const [b] = r.body;
  t.equal(b.contact, 'sip:pbx@192.0.2.50:5062;transport=udp');
  t.ok(b.expiresIn > 3590 && b.expiresIn <= 3600, `expires in ${b.expiresIn} s`);
  t.same(
    { q: b.q, source: b.source, userAgent: b.userAgent, registeredAt: b.registeredAt },
    {
      q: 0.5,
      source: { transport: 'UDP', address: '192.0.2.50', port: 5062 },
      userAgent: 'TestPBX/1.0',
      registeredAt: new Date(now - 5000).toISOString(),
    },
  );
  t.same((await c.as('operator', 'GET', `/lines/${a2}/bindings`)).body, []);
  t.equal((await c.as('operator', 'GET', '/lines/nope/bindings')).status, 404);
});

t.test('channels in use', async (t) => {
  await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/lines/${a1}/channels`));
  t.same((await c.as('operator', 'GET', `/lines/${a1}/channels`)).body, { channels: 4, inUse: 2 });
  await channels.release(a1, 'leg-1');
  t.same((await c.as('operator', 'GET', `/lines/${a1}/channels`)).body, { channels: 4, inUse: 1 });
  t.same((await c.as('operator', 'GET', '/lines/line-ip/channels')).body, { channels: 10, inUse: 0 });
  t.equal((await c.as('operator', 'GET', '/lines/nope/channels')).status, 404);
});

t.test('no response carried a password or HA1', async (t) => {
  const all = c.seen.join('\n');
  for (const sipId of [a1, a2, c1])
    for (const s of secretsOf(sipId, h.config.sip.realm, fixturePassword(sipId))) t.notOk(all.includes(s), `no secret of ${sipId}`);
  t.notOk(/ha1/i.test(all), 'no HA1 field');
});
