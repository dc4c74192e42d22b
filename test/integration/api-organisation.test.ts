import t from 'tap';
import { computeHa1 } from '../../src/auth/digest.js';
import { RouteStore } from '../../src/store/route-store.js';
import { keys } from '../../src/store/keys.js';
import { FIX, startApiHarness } from '../helpers/api-harness.js';
import { client, CONTRACT_S1, fixturePassword, IN_S1, matrix, OPERATOR_ONLY, S, secretsOf, WHO, type Who } from '../helpers/api-fixtures-org.js';

/**
 * Voice groups, sites, lines and routing through the management API, against
 * the real app (in-process) and a real redis-server: every route's role
 * checks, validation naming the field, ETag conflicts, and that no password
 * or HA1 ever appears in a response.
 */

const h = await startApiHarness();
const c = await client(h);
const realm = h.config.sip.realm;

t.test('voice groups', async (t) => {
  t.test('list shows only what the account may see', async (t) => {
    t.same((await c.as('operator', 'GET', '/voice-groups')).body, [
      { id: FIX.vg1, name: 'Alpha Corp' },
      { id: FIX.vg2, name: 'Beta Ltd' },
    ]);
    t.same((await c.as('vgAdmin', 'GET', '/voice-groups')).body, [{ id: FIX.vg1, name: 'Alpha Corp' }]);
    t.same((await c.as('vgAdmin2', 'GET', '/voice-groups')).body, [{ id: FIX.vg2, name: 'Beta Ltd' }]);
    t.same((await c.as('siteAdmin', 'GET', '/voice-groups')).body, []);
    t.same((await c.as('numberUser', 'GET', '/voice-groups')).body, []);
  });

  t.test('read one', async (t) => {
    await matrix(t, c, S(200, 200, 404, 404, 404, 404, 404), (who) => c.as(who, 'GET', `/voice-groups/${FIX.vg1}`));
    t.equal((await c.as('operator', 'GET', '/voice-groups/NOPE')).status, 404);
  });

  t.test('rename: operator and its voice-group admin', async (t) => {
    await matrix(t, c, S(200, 200, 404, 404, 404, 404, 404), async (who) =>
      c.as(who, 'PUT', `/voice-groups/${FIX.vg1}`, { name: `Alpha by ${who}` }, await c.ifMatch(`/voice-groups/${FIX.vg1}`)),
    );
    t.equal((await c.as('operator', 'GET', `/voice-groups/${FIX.vg1}`)).body.name, 'Alpha by vgAdmin');
  });

  t.test('create: operator only', async (t) => {
    await matrix(t, c, S(201, 404, 404, 404, 404, 404, 404), (who) => c.as(who, 'PUT', `/voice-groups/NEW-${who}`, { name: 'New Co' }));
    t.ok(await h.redis.sismember(keys.voiceGroupIndex, 'NEW-operator'), 'indexed');
    t.equal(await h.redis.exists(keys.voiceGroup('NEW-vgAdmin')), 0, 'nothing created for a refused account');
  });

  t.test('If-Match: 428 without, 412 stale, 412 when creating with one', async (t) => {
    const url = `/voice-groups/${FIX.vg2}`;
    const stale = await c.ifMatch(url);
    t.equal((await c.as('operator', 'PUT', url, { name: 'Beta 2' })).status, 428);
    t.equal((await c.as('operator', 'PUT', url, { name: 'Beta 2' }, stale)).status, 200);
    const r = await c.as('vgAdmin2', 'PUT', url, { name: 'Beta 3' }, stale);
    t.equal(r.status, 412, 'a second admin with the ETag read before the first change is refused');
    t.equal((await c.as('operator', 'GET', url)).body.name, 'Beta 2', 'the first change stands');
    t.equal((await c.as('operator', 'PUT', '/voice-groups/GHOST', { name: 'x' }, stale)).status, 412);
  });

  t.test('validation names the field', async (t) => {
    let r = await c.as('operator', 'PUT', '/voice-groups/bad%20id', { name: 'x' });
    t.equal(r.status, 400);
    t.match(r.body.issues, [/^id: must be 1-32 characters/]);
    r = await c.as('operator', 'PUT', '/voice-groups/OK1', { name: '' });
    t.same(r.body.issues, ['name: must not be empty']);
    r = await c.as('operator', 'PUT', '/voice-groups/OK1', { name: 'x', extra: 1 });
    t.equal(r.status, 400, 'unknown fields are refused');
  });
});

t.test('sites', async (t) => {
  t.test('list of a voice group', async (t) => {
    const r = await c.as('vgAdmin', 'GET', `/voice-groups/${FIX.vg1}/sites`);
    t.same(
      r.body.map((s: { id: string }) => s.id),
      [FIX.s1, FIX.s2],
    );
    await matrix(t, c, S(200, 200, 404, 404, 404, 404, 404), (who) => c.as(who, 'GET', `/voice-groups/${FIX.vg1}/sites`));
  });

  t.test('read one', async (t) => {
    await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/sites/${FIX.s1}`));
    t.same((await c.as('siteAdmin', 'GET', `/sites/${FIX.s1}`)).body, { id: FIX.s1, voiceGroupId: FIX.vg1, name: 'Alpha HQ' });
  });

  t.test('rename: operator, voice-group admin, its site admin', async (t) => {
    await matrix(t, c, IN_S1, async (who) =>
      c.as(who, 'PUT', `/sites/${FIX.s1}`, { voiceGroupId: FIX.vg1, name: `HQ by ${who}` }, await c.ifMatch(`/sites/${FIX.s1}`)),
    );
    t.equal((await c.as('operator', 'GET', `/sites/${FIX.s1}`)).body.name, 'HQ by siteAdmin');
  });

  t.test('create: operator and the voice-group admin', async (t) => {
    let n = 0;
    await matrix(t, c, S(201, 201, 404, 404, 404, 404, 404), (who) => c.as(who, 'PUT', `/sites/300000${n++}`, { voiceGroupId: FIX.vg1, name: `by ${who}` }));
    t.same((await c.as('operator', 'GET', '/sites/3000001')).body, { id: '3000001', voiceGroupId: FIX.vg1, name: 'by vgAdmin' });
    const listed = (await c.as('vgAdmin', 'GET', `/voice-groups/${FIX.vg1}/sites`)).body.map((s: { id: string }) => s.id);
    t.ok(listed.includes('3000000') && listed.includes('3000001'), 'listed under the voice group');
  });

  t.test('an id taken in another voice group cannot be created again', async (t) => {
    t.equal((await c.as('vgAdmin2', 'PUT', `/sites/${FIX.s1}`, { voiceGroupId: FIX.vg2, name: 'mine now' })).status, 404);
    t.equal((await c.as('operator', 'GET', `/sites/${FIX.s1}`)).body.voiceGroupId, FIX.vg1);
  });

  t.test('validation', async (t) => {
    let r = await c.as('operator', 'PUT', '/sites/12345', { voiceGroupId: FIX.vg1, name: 'short' });
    t.equal(r.status, 400);
    t.same(r.body.issues, ['id: must be a 7-digit site id']);
    r = await c.as('operator', 'PUT', `/sites/${FIX.s2}`, { voiceGroupId: FIX.vg2, name: 'moved' }, await c.ifMatch(`/sites/${FIX.s2}`));
    t.equal(r.status, 400);
    t.match(r.body.issues, [/^voiceGroupId: .*cannot move/]);
    r = await c.as('operator', 'PUT', '/sites/3000009', { voiceGroupId: 'NOPE', name: 'x' });
    t.equal(r.status, 404, 'a voice group that is not there');
  });
});

const a1 = FIX.lines.a1;

t.test('lines', async (t) => {
  t.test('read one, never with a secret', async (t) => {
    await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/lines/${a1}`));
    const r = await c.as('operator', 'GET', `/lines/${a1}`);
    t.same(r.body, {
      sipId: a1,
      voiceGroupId: FIX.vg1,
      siteId: FIX.s1,
      auth: 'digest',
      channels: 4,
      basicNumber: FIX.n1,
      dialInNumbers: [FIX.n1d],
      allowedAddresses: [],
      delivery: 'number',
    });
  });

  const body = (over: Record<string, unknown> = {}) => ({
    siteId: FIX.s1,
    auth: 'digest',
    channels: 4,
    basicNumber: FIX.n1,
    dialInNumbers: [FIX.n1d],
    ...over,
  });

  t.test('update: the operator only (lines are contract items); customers in scope get 403', async (t) => {
    const ha1 = await h.redis.hget(keys.line(a1), 'ha1Md5');
    const channels: Partial<Record<Who, number>> = { operator: 5, vgAdmin: 6, siteAdmin: 7 };
    await matrix(t, c, CONTRACT_S1, async (who) => c.as(who, 'PUT', `/lines/${a1}`, body({ channels: channels[who] ?? 9 }), await c.ifMatch(`/lines/${a1}`)));
    t.equal((await c.as('operator', 'GET', `/lines/${a1}`)).body.channels, 5, "only the operator's change applied");
    t.equal(await h.redis.hget(keys.line(a1), 'ha1Md5'), ha1, 'no password given: the credentials are kept');
  });

  t.test('a new password is stored as HA1 only', async (t) => {
    const password = 'NewSecret-987';
    t.equal((await c.as('siteAdmin', 'PUT', `/lines/${a1}`, body({ password }), await c.ifMatch(`/lines/${a1}`))).status, 403, 'a site admin cannot');
    const r = await c.as('operator', 'PUT', `/lines/${a1}`, body({ password }), await c.ifMatch(`/lines/${a1}`));
    t.equal(r.status, 200);
    const stored = await h.redis.hgetall(keys.line(a1));
    t.equal(stored.ha1Md5, computeHa1('MD5', a1, realm, password));
    t.equal(stored.ha1Sha256, computeHa1('SHA-256', a1, realm, password));
    t.notOk(JSON.stringify(stored).includes(password), 'no clear password stored');
    const history = (await c.as('operator', 'GET', `/lines/${a1}`)).text;
    t.notOk(history.includes(password));
    const entries = await h.redis.zrange(keys.historyByTarget('line', a1), 0, -1);
    t.ok(entries.length >= 2, 'every change is in the history');
    t.ok(
      entries.some((e) => JSON.parse(e).after.passwordChanged === true),
      'the history says the password changed',
    );
    for (const s of secretsOf(a1, realm, password)) t.notOk(entries.join('').includes(s), 'no secret in the history');
  });

  t.test('create: digest and ip lines', async (t) => {
    const password = 'Created-pw-555';
    let r = await c.as('vgAdmin', 'PUT', '/lines/new-digest', { siteId: FIX.s2, auth: 'digest', password, channels: 2, basicNumber: '03-1112-0009' });
    t.equal(r.status, 403, 'a voice-group admin cannot create a line');
    r = await c.as('operator', 'PUT', '/lines/new-digest', { siteId: FIX.s2, auth: 'digest', password, channels: 2, basicNumber: '03-1112-0009' });
    t.equal(r.status, 201);
    t.same(r.body, {
      sipId: 'new-digest',
      voiceGroupId: FIX.vg1,
      siteId: FIX.s2,
      auth: 'digest',
      channels: 2,
      basicNumber: '0311120009',
      dialInNumbers: [],
      allowedAddresses: [],
      delivery: 'number',
    });
    t.equal(r.headers.etag, (await c.as('operator', 'GET', '/lines/new-digest')).headers.etag, 'the ETag of what was written');
    t.equal(await h.redis.hget(keys.number('0311120009'), 'sipId'), 'new-digest');
    const ipLine = { siteId: FIX.s1, auth: 'ip', allowedAddresses: ['192.0.2.10'], channels: 8, basicNumber: '+81311110099' };
    t.equal((await c.as('siteAdmin', 'PUT', '/lines/new-ip', ipLine)).status, 403, 'a site admin cannot declare a trusted address');
    r = await c.as('operator', 'PUT', '/lines/new-ip', ipLine);
    t.equal(r.status, 201);
    t.same(r.body.allowedAddresses, ['192.0.2.10']);
    t.equal(r.body.basicNumber, '0311110099', 'E.164 normalised');
    t.equal(await h.redis.get(keys.ipAuth('192.0.2.10')), 'new-ip');
    for (const who of ['vgAdmin2', 'siteAdmin2', 'numberUser'] as Who[]) {
      r = await c.as(who, 'PUT', `/lines/refused-${who}`, { siteId: FIX.s1, auth: 'digest', password, channels: 1, basicNumber: '0311110088' });
      t.equal(r.status, 404, `${who} cannot create a line in S1`);
    }
    t.equal(await h.redis.exists(keys.number('0311110088')), 0);
  });

  t.test('validation names the field; nothing is half-applied', async (t) => {
    const before = await h.redis.hgetall(keys.line(a1));
    const etag = await c.ifMatch(`/lines/${a1}`);
    const bad = async (over: Record<string, unknown>, expected: Array<string | RegExp>) => {
      const r = await c.as('operator', 'PUT', `/lines/${a1}`, body(over), etag);
      t.equal(r.status, 400, JSON.stringify(over));
      t.match(r.body.issues, expected);
      t.equal(r.body.issues.length, expected.length, r.body.issues.join('; '));
    };
    await bad({ basicNumber: 'abc' }, ['basicNumber: not a national number (0 + 9 or 10 digits)']);
    await bad({ channels: 0 }, [/^channels: must be/]);
    await bad({ dialInNumbers: [FIX.n1d, FIX.n2] }, [`dialInNumbers[1]: number ${FIX.n2} already belongs to line ${FIX.lines.a2}`]);
    await bad({ password: 'Zq1x' }, ['password: must be 8-128 characters']);
    await bad({ auth: 'ip' }, ['allowedAddresses: is required for auth: ip (at least one address)']);
    await bad({ allowedAddresses: ['10.0.0.1'] }, ['allowedAddresses: only allowed with auth: ip']);
    await bad({ siteId: FIX.s2 }, [/^siteId: .*cannot move/]);
    const both = await c.as('operator', 'PUT', `/lines/${a1}`, body({ basicNumber: 'abc', channels: 0 }), etag);
    t.same([...both.body.issues].map((i: string) => i.split(':')[0]).sort(), ['basicNumber', 'channels'], 'every problem at once');
    // The dial-in number n1d is in hunt/bulk groups: dropping it from its line is refused by the groups.
    await bad({ dialInNumbers: [] }, [/^line: number 0311110002 leaves its line but is still in bulk group BG1/]);
    const r = await c.as('operator', 'PUT', '/lines/no-password', { siteId: FIX.s1, auth: 'digest', channels: 1, basicNumber: '0311110077' });
    t.same(r.body.issues, ['password: is required for auth: digest']);
    t.same(await h.redis.hgetall(keys.line(a1)), before, 'the line is unchanged');
    t.equal(await h.redis.exists(keys.line('no-password')), 0);
  });

  t.test('conflicting concurrent change: 412; no If-Match: 428', async (t) => {
    const etag = await c.ifMatch(`/lines/${a1}`);
    t.equal((await c.as('operator', 'PUT', `/lines/${a1}`, body({ channels: 10 }), etag)).status, 200);
    t.equal((await c.as('operator', 'PUT', `/lines/${a1}`, body({ channels: 11 }), etag)).status, 412);
    t.equal((await c.as('operator', 'PUT', `/lines/${a1}`, body({ channels: 11 }))).status, 428);
    t.equal((await c.as('operator', 'GET', `/lines/${a1}`)).body.channels, 10);
    t.equal((await c.as('operator', 'PUT', '/lines/ghost', body({ basicNumber: '0311110066', password: 'Ghost-pw-1' }), etag)).status, 412);
  });
});

t.test('routing (operator only)', async (t) => {
  await matrix(t, c, OPERATOR_ONLY, (who) => c.as(who, 'GET', '/routing'));
  t.same((await c.as('operator', 'GET', '/routing')).body, { peers: [], outboundRoutes: [], emergencyRoutes: [], voicemail: null });
  const next = {
    peers: [{ name: 'carrier', addresses: ['198.51.100.1'] }],
    outboundRoutes: [{ name: 'all', prefix: '', target: '198.51.100.1:5070' }],
    emergencyRoutes: [{ name: 'emergency-tokyo', areaCodes: ['03'], target: '198.51.100.2', transport: 'tcp' }],
    voicemail: { name: 'vm', target: '198.51.100.5:5080' },
  };
  await matrix(t, c, OPERATOR_ONLY, async (who) => c.as(who, 'PUT', '/routing', next, await c.ifMatch('/routing')));
  const r = await c.as('operator', 'GET', '/routing');
  t.same(r.body, {
    peers: [{ name: 'carrier', addresses: ['198.51.100.1'] }],
    outboundRoutes: [{ name: 'all', prefix: '', target: '198.51.100.1:5070', transport: 'udp' }],
    emergencyRoutes: [{ name: 'emergency-tokyo', areaCodes: ['03'], target: '198.51.100.2', transport: 'tcp' }],
    voicemail: { name: 'vm', target: '198.51.100.5:5080', transport: 'udp' },
  });
  const routes = new RouteStore(h.redis);
  t.same(
    (await routes.outboundRoutes()).map((x) => x.target),
    ['198.51.100.1:5070'],
    'the call router reads the new table',
  );
  t.equal((await routes.peerByAddress('198.51.100.1'))?.name, 'carrier');
  t.same(await routes.voicemailRoute(), { name: 'vm', target: '198.51.100.5:5080', transport: 'udp' });
  t.ok(await routes.isRouteTarget('198.51.100.5'), 'the voice-mail platform is a trusted hop (it believes our Diversion)');

  t.test('sections left out are kept; an empty list removes the emergency routes', async (t) => {
    const res = await c.as('operator', 'PUT', '/routing', { emergencyRoutes: [] }, await c.ifMatch('/routing'));
    t.equal(res.status, 200);
    t.same(res.body.emergencyRoutes, []);
    t.equal(res.body.outboundRoutes.length, 1);
  });

  t.test('an emergency route with a non-geographic area code is refused with the field named', async (t) => {
    const bad = { emergencyRoutes: [{ name: 'e', areaCodes: ['050'], target: '198.51.100.2' }] };
    const res = await c.as('operator', 'PUT', '/routing', bad, await c.ifMatch('/routing'));
    t.equal(res.status, 400);
    t.match(res.body.issues, [/^emergencyRoutes\[0\]\.areaCodes\[0\]: must be a geographic area code/]);
    t.same((await c.as('operator', 'GET', '/routing')).body.emergencyRoutes, [], 'nothing applied');
  });

  t.test('validation and conflicts', async (t) => {
    const etag = await c.ifMatch('/routing');
    let res = await c.as('operator', 'PUT', '/routing', { outboundRoutes: [{ name: 'x', prefix: '03-', target: 'bad host!' }] }, etag);
    t.equal(res.status, 400);
    t.match(res.body.issues, [/^outboundRoutes\[0\]\.prefix: /, /^outboundRoutes\[0\]\.target: /]);
    res = await c.as('operator', 'PUT', '/routing', { peers: [{ name: 'p', addresses: ['192.0.2.10'] }] }, etag);
    t.same(res.body.issues, ['peers[0].addresses[0]: address 192.0.2.10 already authenticates line new-ip']);
    t.equal((await c.as('operator', 'PUT', '/routing', { peers: [] })).status, 428);
    await c.as('operator', 'PUT', '/routing', { peers: [] }, etag);
    t.equal((await c.as('operator', 'PUT', '/routing', { outboundRoutes: [] }, etag)).status, 412, 'stale ETag');
  });
});

t.test('OpenAPI lists every route of these modules', async (t) => {
  const doc = (await h.req(undefined, 'GET', '/openapi.json')).body;
  for (const [path, method] of [
    ['/voice-groups', 'get'],
    ['/voice-groups/{id}', 'put'],
    ['/voice-groups/{id}/sites', 'get'],
    ['/sites/{id}', 'put'],
    ['/lines/{sipId}', 'put'],
    ['/routing', 'put'],
  ] as const)
    t.ok(doc.paths[path]?.[method], `${method} ${path}`);
});

t.test('no response ever carried a password or HA1', async (t) => {
  const all = c.seen.join('\n');
  const secrets = [
    ...secretsOf(a1, realm, fixturePassword(a1)),
    ...secretsOf(a1, realm, 'NewSecret-987'),
    ...secretsOf('new-digest', realm, 'Created-pw-555'),
    'Ghost-pw-1',
    'Zq1x',
  ];
  t.ok(c.seen.length > 100, `scanned ${c.seen.length} responses`);
  for (const s of secrets) t.notOk(all.includes(s), `no ${s.length > 20 ? 'HA1' : 'password'} in any response`);
  t.notOk(/ha1/i.test(all.replace(/ha1Md5 \+ ha1Sha256/g, '')), 'no HA1 field');
  t.equal(WHO.length, 7);
});
