import t from 'tap';
import { FeatureStore } from '../../src/store/feature-store.js';
import { keys } from '../../src/store/keys.js';
import { FIX, startApiHarness } from '../helpers/api-harness.js';
import { client, IN_S1, IN_S3, matrix, WHO, type Who } from '../helpers/api-fixtures-org.js';

/**
 * Hunt groups and bulk-forwarding groups through the management API (real
 * app in-process, real redis-server): role checks, the spec's group rules as
 * 400s naming the field, ETag conflicts, and bulk start/stop as the state
 * machine with a per-number result, seen by the call router's FeatureStore.
 */

const h = await startApiHarness();
const c = await client(h);
const features = new FeatureStore(h.redis);

// More lines in S1: two basic numbers in no group, and one line with 1,000 numbers for the bulk limit.
const freeA = '0311110005';
const freeB = '0311110006';
const big = Array.from({ length: 1000 }, (_, i) => `0311130${String(i).padStart(3, '0')}`);
const digest = (sipId: string, basicNumber: string, dialInNumbers: string[] = []) => ({
  sipId,
  auth: 'digest',
  password: `${sipId}-pw-123`,
  channels: 2,
  basicNumber,
  dialInNumbers,
});
await h.provision({
  voiceGroups: [
    {
      id: FIX.vg1,
      name: 'Alpha Corp',
      sites: [{ id: FIX.s1, name: 'Alpha HQ', lines: [digest('line-a3', freeA), digest('line-a4', freeB), digest('line-big', big[0]!, big.slice(1))] }],
    },
  ],
  // Every other number of the big line has a slot-5 destination.
  features: Object.fromEntries(big.filter((_, i) => i % 2 === 0).map((n) => [n, { forwarding: { destinations: [null, null, null, null, '0312347777'] } }])),
});

t.test('hunt groups', async (t) => {
  t.test('reads', async (t) => {
    await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/sites/${FIX.s1}/hunt-groups`));
    await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/hunt-groups/${FIX.hunt}`));
    await matrix(t, c, IN_S3, (who) => c.as(who, 'GET', `/hunt-groups/${FIX.hunt3}`));
    const r = await c.as('siteAdmin', 'GET', `/sites/${FIX.s1}/hunt-groups`);
    t.same(r.body, [{ id: FIX.hunt, siteId: FIX.s1, pilot: FIX.n1, members: [FIX.n2], mode: 'sequential', presentation: 'pilot' }]);
    t.same((await c.as('operator', 'GET', `/sites/${FIX.s2}/hunt-groups`)).body, []);
    t.equal((await c.as('operator', 'GET', '/hunt-groups/NOPE')).status, 404);
  });

  const hg1 = (over: Record<string, unknown> = {}) => ({ siteId: FIX.s1, pilot: FIX.n1, members: [FIX.n2], ...over });

  t.test('replace: operator, voice-group admin, site admin', async (t) => {
    const mode: Partial<Record<Who, string>> = { operator: 'round-robin', vgAdmin: 'sequential', siteAdmin: 'round-robin' };
    await matrix(t, c, IN_S1, async (who) =>
      c.as(who, 'PUT', `/hunt-groups/${FIX.hunt}`, hg1({ mode: mode[who] ?? 'sequential', presentation: 'own' }), await c.ifMatch(`/hunt-groups/${FIX.hunt}`)),
    );
    const g = await features.huntGroupOf(FIX.n2);
    t.equal(g?.mode, 'round-robin', 'the call path reads the change');
    t.equal(g?.presentation, 'own');
  });

  t.test('create: the operator only (a contract item)', async (t) => {
    for (const who of ['siteAdmin', 'vgAdmin'] as Who[]) {
      const refused = await c.as(who, 'PUT', '/hunt-groups/HG2', { siteId: FIX.s1, pilot: '03-1111-0005', members: [freeB] });
      t.equal(refused.status, 403, `${who} cannot create a hunt group in its own scope`);
      t.match(refused.body.message, /contract item/);
    }
    t.equal(await h.redis.exists(keys.huntGroup('HG2')), 0, 'nothing was created');
    let r = await c.as('operator', 'PUT', '/hunt-groups/HG2', { siteId: FIX.s1, pilot: '03-1111-0005', members: [freeB] });
    t.equal(r.status, 201);
    t.same(r.body, { id: 'HG2', siteId: FIX.s1, pilot: freeA, members: [freeB], mode: 'sequential', presentation: 'pilot' });
    t.equal((await features.huntGroupOf(freeB))?.id, 'HG2');
    t.ok(await h.redis.sismember(keys.siteHuntGroups(FIX.s1), 'HG2'));
    for (const who of ['vgAdmin2', 'siteAdmin2', 'numberUser'] as Who[]) {
      r = await c.as(who, 'PUT', `/hunt-groups/HG-${who}`, { siteId: FIX.s1, pilot: FIX.n3, members: [freeB] });
      t.equal(r.status, 404, `${who} cannot create one in S1`);
    }
    t.equal(
      (await c.as('vgAdmin2', 'PUT', '/hunt-groups/HG2', { siteId: FIX.s3, pilot: FIX.n4, members: [FIX.n4] })).status,
      404,
      "an id taken in another customer's site looks missing",
    );
  });

  t.test("the pilot is the operator's; members, their order and the mode are the admins'", async (t) => {
    const hg2 = (over: Record<string, unknown>) => ({ siteId: FIX.s1, pilot: freeA, members: [freeB], ...over });
    const newPilot = await c.as('siteAdmin', 'PUT', '/hunt-groups/HG2', hg2({ pilot: freeB, members: [freeA] }), await c.ifMatch('/hunt-groups/HG2'));
    t.equal(newPilot.status, 403, 'a site admin cannot change the pilot');
    t.equal((await features.huntGroupOf(freeA))?.pilot, freeA, 'unchanged');
    const mode = await c.as('siteAdmin', 'PUT', '/hunt-groups/HG2', hg2({ mode: 'round-robin', presentation: 'own' }), await c.ifMatch('/hunt-groups/HG2'));
    t.equal(mode.status, 200, 'but changes the mode and the presentation');
    t.equal((await features.huntGroupOf(freeB))?.mode, 'round-robin');
    const back = await c.as('operator', 'PUT', '/hunt-groups/HG2', hg2({}), await c.ifMatch('/hunt-groups/HG2'));
    t.equal(back.status, 200);
  });

  t.test('spec rules as 400s naming the field; nothing applied', async (t) => {
    const before = await h.redis.get(keys.huntGroup(FIX.hunt));
    const etag = await c.ifMatch(`/hunt-groups/${FIX.hunt}`);
    const bad = async (body: Record<string, unknown>, expected: Array<string | RegExp>, id = FIX.hunt) => {
      const r = await c.as('operator', 'PUT', `/hunt-groups/${id}`, body, id === FIX.hunt ? etag : {});
      t.equal(r.status, 400, JSON.stringify(body));
      t.match(r.body.issues, expected);
      t.equal(r.body.issues?.length, expected.length, r.body.issues?.join('; '));
    };
    await bad(hg1({ members: [FIX.n1d] }), [`members[0]: number ${FIX.n1d} is not the basic number of a line (hunt groups hold basic numbers)`]);
    await bad(hg1({ members: [FIX.n3] }), [`members[0]: number ${FIX.n3} is not a number of site ${FIX.s1}`]);
    await bad(hg1({ members: [FIX.n2, freeB] }), [`members[1]: number ${freeB} is already in hunt group HG2`]);
    await bad(hg1({ members: [FIX.n2, FIX.n1] }), [`members[1]: number ${FIX.n1} is the pilot; members do not repeat it`]);
    await bad(hg1({ members: [] }), ['members: at least one member']);
    await bad(hg1({ members: ['12'] }), ['members[0]: not a national number (0 + 9 or 10 digits)']);
    await bad(hg1({ siteId: FIX.s2 }), [/^siteId: .*cannot move/]);
    await bad(
      { siteId: FIX.s1, pilot: freeA, members: [FIX.n2] },
      [`pilot: number ${freeA} is already in hunt group HG2`, `members[0]: number ${FIX.n2} is already in hunt group ${FIX.hunt}`],
      'HG9',
    );
    const r = await c.as('operator', 'PUT', `/hunt-groups/${FIX.hunt}`, hg1({ mode: 'random' }), etag);
    t.equal(r.status, 400);
    t.match(r.body.issues, [/^mode: /]);
    t.equal(await h.redis.get(keys.huntGroup(FIX.hunt)), before, 'unchanged');
    t.equal(await h.redis.exists(keys.huntGroup('HG9')), 0);
  });

  t.test('stale ETag 412, no If-Match 428, If-Match on creation 412', async (t) => {
    const etag = await c.ifMatch(`/hunt-groups/${FIX.hunt}`);
    t.equal((await c.as('vgAdmin', 'PUT', `/hunt-groups/${FIX.hunt}`, hg1({ mode: 'sequential' }), etag)).status, 200);
    t.equal((await c.as('siteAdmin', 'PUT', `/hunt-groups/${FIX.hunt}`, hg1({ mode: 'round-robin' }), etag)).status, 412);
    t.equal((await c.as('siteAdmin', 'PUT', `/hunt-groups/${FIX.hunt}`, hg1())).status, 428);
    t.equal((await c.as('operator', 'PUT', '/hunt-groups/HG7', hg1(), etag)).status, 412, "If-Match on a creation (creating is the operator's)");
    t.equal((await features.huntGroupOf(FIX.n1))?.mode, 'sequential');
  });
});

const bulk = `/bulk-groups/${FIX.bulk}`;
const NO_SLOT_5 = 'no bulk forwarding destination in slot 5';

t.test('bulk groups', async (t) => {
  t.test('reads', async (t) => {
    await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', `/sites/${FIX.s1}/bulk-groups`));
    await matrix(t, c, IN_S1, (who) => c.as(who, 'GET', bulk));
    await matrix(t, c, IN_S3, (who) => c.as(who, 'GET', `/bulk-groups/${FIX.bulk3}`));
    t.same((await c.as('operator', 'GET', bulk)).body, { id: FIX.bulk, siteId: FIX.s1, name: 'HQ night', state: 'stopped', members: [FIX.n1, FIX.n1d] });
  });

  t.test('replace: operator, voice-group admin, site admin', async (t) => {
    await matrix(t, c, IN_S1, async (who) =>
      c.as(who, 'PUT', bulk, { siteId: FIX.s1, name: `night by ${who}`, members: [FIX.n1, FIX.n1d] }, await c.ifMatch(bulk)),
    );
    t.equal((await c.as('operator', 'GET', bulk)).body.name, 'night by siteAdmin');
  });

  t.test('start and stop: who may', async (t) => {
    await matrix(t, c, IN_S1, async (who) => {
      const r = await c.as(who, 'POST', `${bulk}/start`);
      if (r.status === 200) t.equal((await c.as(who, 'POST', `${bulk}/stop`)).status, 200, `${who} stops it again`);
      return r;
    });
    t.equal((await c.as('operator', 'GET', bulk)).body.state, 'stopped');
  });

  t.test('a member without slot 5 is an error, the others are done', async (t) => {
    // n2 has no forwarding destinations at all.
    let r = await c.as('siteAdmin', 'PUT', bulk, { siteId: FIX.s1, name: 'HQ night', members: [FIX.n1, FIX.n1d, '03-1111-0003'] }, await c.ifMatch(bulk));
    t.equal(r.status, 200);
    t.same(r.body.members, [FIX.n1, FIX.n1d, FIX.n2]);
    t.equal((await features.bulkGroupOf(FIX.n2))?.id, FIX.bulk);

    r = await c.as('siteAdmin', 'POST', `${bulk}/start`);
    t.equal(r.status, 200);
    t.equal(r.body.state, 'started');
    t.same(r.body.results, [
      { number: FIX.n1, result: 'done' },
      { number: FIX.n1d, result: 'done' },
      { number: FIX.n2, result: 'error', why: NO_SLOT_5 },
    ]);
    t.equal(r.headers.etag, (await c.as('operator', 'GET', bulk)).headers.etag, 'the ETag of the started group');
    for (const n of [FIX.n1, FIX.n1d, FIX.n2]) t.equal((await features.bulkGroupOf(n))?.state, 'started', `the call router sees ${n}'s group started`);

    r = await c.as('vgAdmin', 'POST', `${bulk}/start`);
    t.equal(r.status, 409, 'starting twice');
    t.match(r.body.message, /is started; only a stopped group can be started/);
    r = await c.as('operator', 'PUT', bulk, { siteId: FIX.s1, name: 'HQ night', members: [FIX.n1] }, await c.ifMatch(bulk));
    t.equal(r.status, 409, 'members do not change while started');
    r = await c.as('operator', 'PUT', bulk, { siteId: FIX.s1, name: 'HQ night (on)', members: [FIX.n1, FIX.n1d, FIX.n2] }, await c.ifMatch(bulk));
    t.equal(r.status, 200, 'a rename is fine');
    t.equal(r.body.state, 'started', 'and keeps it started');

    // Slot 5 as it was at the start is what the calls use until the stop.
    t.equal(await features.bulkDestination(FIX.bulk, FIX.n1), '0312348888', 'frozen at the start');
    t.equal(await features.bulkDestination(FIX.bulk, FIX.n2), null, 'n2 had no slot 5: none frozen');
    const n1 = `/numbers/${FIX.n1}`;
    const changed = await c.as(
      'siteAdmin',
      'PATCH',
      `${n1}/features`,
      { forwarding: { destinations: ['0312349999', null, null, null, '0312347777'] } },
      await c.ifMatch(n1),
    );
    t.equal(changed.status, 200, 'a member may change slot 5 while started');
    t.equal(changed.body.features.forwarding.destinations[4], '0312347777', 'stored');
    t.equal(await features.bulkDestination(FIX.bulk, FIX.n1), '0312348888', 'but not used until the stop');

    r = await c.as('vgAdmin', 'POST', `${bulk}/stop`);
    t.equal(r.status, 200);
    t.equal(r.body.state, 'stopped');
    t.same(
      r.body.results.map((x: { result: string }) => x.result),
      ['done', 'done', 'done'],
    );
    t.equal((await features.bulkGroupOf(FIX.n1))?.state, 'stopped');
    t.equal(await features.bulkDestination(FIX.bulk, FIX.n1), undefined, 'nothing frozen once stopped');
    t.equal((await c.as('vgAdmin', 'POST', `${bulk}/stop`)).status, 409, 'stopping twice');

    const history = (await h.redis.zrange(keys.historyByTarget('bulk-group', FIX.bulk), 0, -1)).map((e) => JSON.parse(e));
    // The injected clock stands still, so find the entry by what it says rather than by time.
    const start = history.find((e) => e.action === 'bulk-group.start' && e.after.errors.length > 0);
    t.same(start.after, { state: 'started', done: 2, errors: [{ number: FIX.n2, result: 'error', why: NO_SLOT_5 }] });
    t.equal(start.account, 'site-one');
  });

  t.test('refused while starting or stopping; a stale If-Match is 412', async (t) => {
    const stored = JSON.parse((await h.redis.get(keys.bulkGroup(FIX.bulk)))!);
    for (const state of ['starting', 'stopping']) {
      await h.redis.set(keys.bulkGroup(FIX.bulk), JSON.stringify({ ...stored, state }));
      t.equal((await c.as('operator', 'POST', `${bulk}/start`)).status, 409, `start while ${state}`);
      t.equal((await c.as('operator', 'POST', `${bulk}/stop`)).status, 409, `stop while ${state}`);
      t.equal(
        (await c.as('operator', 'PUT', bulk, { siteId: FIX.s1, name: 'x', members: stored.members }, await c.ifMatch(bulk))).status,
        409,
        `PUT while ${state}`,
      );
    }
    await h.redis.set(keys.bulkGroup(FIX.bulk), JSON.stringify(stored));
    const etag = await c.ifMatch(bulk);
    await c.as('operator', 'PUT', bulk, { siteId: FIX.s1, name: 'renamed', members: stored.members }, etag);
    t.equal((await c.as('siteAdmin', 'POST', `${bulk}/start`, undefined, etag)).status, 412);
    t.equal((await features.bulkGroupOf(FIX.n1))?.state, 'stopped', 'not started');
    t.equal((await c.as('siteAdmin', 'POST', `${bulk}/start`, undefined, await c.ifMatch(bulk))).status, 200, 'a fresh If-Match is accepted');
    t.equal((await c.as('siteAdmin', 'POST', `${bulk}/stop`)).status, 200);
  });

  t.test('1,000 numbers in one request; 1,001 refused', async (t) => {
    let r = await c.as('siteAdmin', 'PUT', '/bulk-groups/BIG', { siteId: FIX.s1, name: 'everyone', members: big });
    t.equal(r.status, 201);
    r = await c.as('siteAdmin', 'POST', '/bulk-groups/BIG/start');
    t.equal(r.status, 200);
    t.equal(r.body.results.length, 1000);
    t.equal(r.body.results.filter((x: { result: string }) => x.result === 'done').length, 500);
    t.same(r.body.results[1], { number: big[1], result: 'error', why: NO_SLOT_5 });
    t.equal((await features.bulkGroupOf(big[999]!))?.state, 'started');
    t.equal((await c.as('siteAdmin', 'POST', '/bulk-groups/BIG/stop')).status, 200);
    r = await c.as('siteAdmin', 'PUT', '/bulk-groups/BIG2', { siteId: FIX.s1, name: 'too many', members: [...big, freeA] });
    t.equal(r.status, 400);
    t.match(r.body.issues, [/^members: at most 1000 numbers/]);
  });

  t.test('group rules as 400s naming the field', async (t) => {
    const bad = async (body: Record<string, unknown>, expected: string[]) => {
      const r = await c.as('operator', 'PUT', '/bulk-groups/BG9', body);
      t.equal(r.status, 400);
      t.same(r.body.issues, expected);
    };
    await bad({ siteId: FIX.s1, name: 'x', members: [FIX.n3] }, [`members[0]: number ${FIX.n3} is not a number of site ${FIX.s1}`]);
    await bad({ siteId: FIX.s1, name: 'x', members: [freeA, FIX.n1] }, [`members[1]: number ${FIX.n1} is already in bulk group ${FIX.bulk}`]);
    await bad({ siteId: FIX.s1, name: '', members: [freeA] }, ['name: must not be empty']);
    await bad({ siteId: FIX.s1, name: 'x', members: [freeA, '0311110005'] }, [`members[1]: duplicate bulk group member ${freeA} (also at members[0])`]);
    t.equal(await h.redis.exists(keys.bulkGroup('BG9')), 0);
    for (const who of ['vgAdmin2', 'siteAdmin2', 'numberUser', 'numberUser2'] as Who[]) {
      t.equal((await c.as(who, 'PUT', '/bulk-groups/BG8', { siteId: FIX.s1, name: 'x', members: [freeA] })).status, 404, `${who} cannot create one in S1`);
    }
  });

  t.test('another voice group: its own admin', async (t) => {
    const expected = { ...IN_S3 };
    await matrix(t, c, expected, async (who) => {
      const r = await c.as(who, 'POST', `/bulk-groups/${FIX.bulk3}/start`);
      if (r.status === 200) {
        t.same(r.body.results, [{ number: FIX.n4, result: 'error', why: NO_SLOT_5 }]);
        await c.as(who, 'POST', `/bulk-groups/${FIX.bulk3}/stop`);
      }
      return r;
    });
    t.equal(WHO.length, 7);
  });
});
