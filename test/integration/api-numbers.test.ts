import t, { type Test } from 'tap';
import { FeatureStore } from '../../src/store/feature-store.js';
import { ACCOUNTS, FIX, startApiHarness, withEtag, type AccountKey } from '../helpers/api-harness.js';

/** Numbers and their features through the real API app on a real Redis: roles, every validation rule, conflicts, history. */

const h = await startApiHarness();
const url = (n: string) => `/numbers/${n}`;
const featuresUrl = (n: string) => `/numbers/${n}/features`;

async function features(n: string): Promise<unknown> {
  const res = await h.req(await h.login('operator'), 'GET', url(n));
  return res.body.features;
}

/** PATCH with a fresh ETag as `who`. */
async function patch(who: AccountKey, n: string, body: unknown) {
  const token = await h.login(who);
  const ifMatch = await withEtag(h, await h.login('operator'), url(n));
  return h.req(token, 'PATCH', featuresUrl(n), body, ifMatch);
}

t.test('GET /numbers/:number shows where the number lives and every feature', async (t) => {
  const res = await h.req(await h.login('operator'), 'GET', url('03-1111-0001'));
  t.equal(res.status, 200);
  t.match(res.headers.etag, /^"[A-Za-z0-9_-]+"$/, 'ETag');
  t.same(res.body, {
    number: FIX.n1,
    kind: 'basic',
    sipId: FIX.lines.a1,
    siteId: FIX.s1,
    voiceGroupId: FIX.vg1,
    features: {
      blockedCallers: [],
      blockAnnouncementUri: null,
      anonymousRejection: false,
      internationalBar: false,
      outgoingRestriction: false,
      presentation: 'present',
      specificPresentation: null,
      tollFreeForwarding: false,
      forwarding: {
        enabled: false,
        unconditional: false,
        busy: false,
        noAnswer: false,
        unreachable: false,
        ringTime: 15,
        active: 1,
        destinations: ['0312349999', null, null, null, '0312348888'],
        schedule: [],
      },
    },
    // Provisioned without subscription records: every option (docs/product.md §4.6).
    options: {
      subscribed: [
        'nuisance-blocking',
        'anonymous-rejection',
        'international-bar',
        'forwarding',
        'scheduled-forwarding',
        'bulk-forwarding',
        'specific-presentation',
        'hunt-group',
      ],
      legacy: true,
      number: null,
      site: null,
      lockedFields: [],
      slot5Option: 'bulk-forwarding',
    },
  });
  t.equal((await h.req(await h.login('operator'), 'GET', url('+81311110002'))).body.kind, 'dial-in', 'E.164 form, dial-in number');
  t.equal((await h.req(await h.login('operator'), 'GET', url('0399999999'))).status, 404, 'not one of our numbers');
  const bad = await h.req(await h.login('operator'), 'GET', url('12345'));
  t.equal(bad.status, 400);
  t.same(bad.body.issues, ['number: not a national number (0 + 9 or 10 digits)']);
  t.equal((await h.req(undefined, 'GET', url(FIX.n1))).status, 401, 'no token');
});

t.test('who may read a number', async (t) => {
  const expect: Record<AccountKey, number> = {
    operator: 200,
    vgAdmin: 200,
    vgAdmin2: 404,
    siteAdmin: 200,
    siteAdmin2: 404,
    numberUser: 200,
    numberUser2: 404,
  };
  for (const [who, status] of Object.entries(expect) as Array<[AccountKey, number]>) {
    t.equal((await h.req(await h.login(who), 'GET', url(FIX.n1))).status, status, `${who} GET ${FIX.n1}`);
    t.equal((await h.req(await h.login(who), 'GET', `${url(FIX.n1)}/nuisance-counts`)).status, status, `${who} GET nuisance counts`);
  }
});

t.test('who may change forwarding of a number', async (t) => {
  const expect: Record<AccountKey, number> = {
    operator: 200,
    vgAdmin: 200,
    vgAdmin2: 404,
    siteAdmin: 200,
    siteAdmin2: 404,
    numberUser: 200,
    numberUser2: 404,
  };
  let ringTime = 10;
  for (const [who, status] of Object.entries(expect) as Array<[AccountKey, number]>) {
    ringTime++;
    const before = await features(FIX.n1);
    const res = await patch(who, FIX.n1, { forwarding: { ringTime } });
    t.equal(res.status, status, `${who} PATCH forwarding of ${FIX.n1}`);
    if (status === 200) t.equal(res.body.features.forwarding.ringTime, ringTime, 'applied');
    else t.same(await features(FIX.n1), before, 'nothing changed');
  }
  t.equal((await patch('vgAdmin2', FIX.n4, { forwarding: { ringTime: 9 } })).status, 200, 'the other voice group admin in its own scope');
  t.equal((await patch('siteAdmin2', FIX.n3, { anonymousRejection: true })).status, 200, 'the other site admin in its own site');
});

t.test('each field needs its role right; a number user is refused the others, with nothing applied', async (t) => {
  const allowedToUser = {
    blockedCallers: ['0312345678'],
    blockAnnouncementUri: 'sip:blocked@announce.example',
    anonymousRejection: true,
    presentation: 'withhold',
    forwarding: { enabled: true, busy: true },
  };
  for (const [field, value] of Object.entries(allowedToUser)) {
    const res = await patch('numberUser', FIX.n1, { [field]: value });
    t.equal(res.status, 200, `number user may change ${field}`);
  }
  const forbidden = { internationalBar: true, outgoingRestriction: true, specificPresentation: { number: '0120123456', enabled: true } };
  for (const [field, value] of Object.entries(forbidden)) {
    const before = await features(FIX.n1);
    const res = await patch('numberUser', FIX.n1, { [field]: value });
    t.equal(res.status, 403, `number user may not change ${field}`);
    t.equal(res.body.error, 'forbidden');
    t.same(await features(FIX.n1), before, 'nothing changed');
  }
  const before = await features(FIX.n1);
  const mixed = await patch('numberUser', FIX.n1, { anonymousRejection: false, internationalBar: true });
  t.equal(mixed.status, 403, 'one forbidden field refuses the whole request');
  t.match(mixed.body.message, /international-bar/);
  t.same(await features(FIX.n1), before, 'not even the allowed field was applied');

  const setNumber = await patch('siteAdmin', FIX.n1, { specificPresentation: { number: '0120123456', enabled: true } });
  t.equal(setNumber.status, 403, "the specific-presentation number is a contract item: not a site admin's to set");
  t.match(setNumber.body.message, /contract item/);
  t.equal((await patch('operator', FIX.n1, { specificPresentation: { number: '0120123456', enabled: false } })).status, 200, 'the operator sets it');
  for (const [field, value] of Object.entries(forbidden)) {
    const res = await patch('siteAdmin', FIX.n1, { [field]: value });
    t.equal(res.status, 200, `site admin may change ${field} (the specific presentation: switch on the number set)`);
  }
  t.same(((await features(FIX.n1)) as { specificPresentation: unknown }).specificPresentation, { number: '0120123456', enabled: true });
  t.equal((await patch('vgAdmin', FIX.n2, { internationalBar: true })).status, 200, 'voice group admin may change the international bar');
});

/** The PATCH is refused with 400, names `issue`, and changes nothing. */
async function refused(t: Test, n: string, body: unknown, issue: string | RegExp): Promise<void> {
  const before = await features(n);
  const res = await patch('operator', n, body);
  t.equal(res.status, 400, `refused: ${JSON.stringify(body)}`);
  t.ok(
    ((res.body.issues as string[]) ?? []).some((i) => (typeof issue === 'string' ? i.startsWith(issue) : issue.test(i))),
    `names ${issue}: ${JSON.stringify(res.body.issues)}`,
  );
  t.same(await features(n), before, 'nothing changed');
}

t.test('every validation rule gives 400 naming the field', async (t) => {
  await patch('operator', FIX.n2, { forwarding: { enabled: false, destinations: [], schedule: [] } });
  const fw = (f: Record<string, unknown>) => ({ forwarding: f });
  await refused(t, FIX.n2, fw({ ringTime: 4 }), 'forwarding.ringTime: ');
  await refused(t, FIX.n2, fw({ ringTime: 31 }), 'forwarding.ringTime: ');
  await refused(t, FIX.n2, fw({ ringTime: 'long' }), 'forwarding.ringTime: ');
  await refused(t, FIX.n2, fw({ unconditional: true, busy: true }), 'forwarding.unconditional: unconditional excludes busy');
  await refused(t, FIX.n2, fw({ enabled: true }), 'forwarding.enabled: forwarding on needs a trigger');
  await refused(
    t,
    FIX.n1,
    fw({ enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, active: 5 }),
    'forwarding.active: slot 5 is reserved for bulk forwarding',
  );
  await refused(t, FIX.n2, fw({ active: 6 }), 'forwarding.active: ');
  await refused(t, FIX.n2, fw({ enabled: true, busy: true, active: 2, destinations: ['0312349999'] }), 'forwarding.active: slot 2 holds no destination');
  await refused(t, FIX.n2, fw({ destinations: ['0312349999', null, null, null, null, '0312349998'] }), 'forwarding.destinations: at most 5');
  await refused(t, FIX.n2, fw({ enabled: 'yes' }), 'forwarding.enabled: must be true or false');
  await refused(t, FIX.n2, fw({ colour: 'red' }), 'forwarding.colour: unknown field');

  const destinations: Array<[string, RegExp]> = [
    ['0012312345678', /Carrier-selection/],
    ['104', /Service numbers/],
    ['0120123456', /.+/],
    ['0570123456', /.+/],
    ['0990123456', /.+/],
    ['0201234567', /.+/],
    ['05033001234', /050-3300/],
    ['#123', /starting with #/],
    ['1234', /Extensions/],
    [FIX.n2, /forwarded to itself/],
    ['0'.repeat(33), /at most 32 digits/],
    ['03-12ab-5678', /Only digits/],
  ];
  for (const [d, message] of destinations) {
    await refused(t, FIX.n2, fw({ destinations: [null, d] }), new RegExp(`^forwarding\\.destinations\\[1\\]: .*${message.source}`));
  }
  for (const d of ['0312345678', '09012345678', '05012345678', '0101234567890', '+12025550123', '0033-010-1-202-555-0123', 'voicemail']) {
    t.equal((await patch('operator', FIX.n2, fw({ destinations: [d] }))).status, 200, `destination ${d} accepted`);
  }
  t.match(await features(FIX.n2), { forwarding: { destinations: ['voicemail', null, null, null, null] } }, 'the voice-mail platform');
  await patch('operator', FIX.n2, fw({ destinations: ['0033-010-1-202-555-0123'] }));
  t.match(await features(FIX.n2), { forwarding: { destinations: ['01012025550123'] } }, 'stored without the carrier prefix');

  // Slot 5 is reserved only for members of a bulk group: n2 is in none, so it may forward from slot 5.
  const slot5 = fw({ enabled: true, unconditional: true, active: 5, destinations: [null, null, null, null, '0312349999'] });
  t.equal((await patch('operator', FIX.n2, slot5)).status, 200, 'a number outside bulk groups uses slot 5');
  t.match(await features(FIX.n2), { forwarding: { active: 5, destinations: [null, null, null, null, '0312349999'] } });
  await patch('operator', FIX.n2, { forwarding: { enabled: false, destinations: [], schedule: [] } });

  const schedule = (e: Record<string, unknown>) => fw({ schedule: [{ days: [1], from: '09:00', to: '18:00', pattern: { enabled: false }, ...e }] });
  await refused(t, FIX.n2, schedule({ from: '25:00' }), 'forwarding.schedule[0].from: ');
  await refused(t, FIX.n2, schedule({ days: [7] }), 'forwarding.schedule[0].days[0]: ');
  await refused(t, FIX.n2, schedule({ days: [] }), 'forwarding.schedule[0].days: at least one day');
  await refused(t, FIX.n2, schedule({ days: [1, 1] }), 'forwarding.schedule[0].days: a day is listed twice');
  await refused(
    t,
    FIX.n2,
    schedule({ pattern: { enabled: true, busy: true, active: 3 } }),
    'forwarding.schedule[0].pattern.active: slot 3 holds no destination',
  );
  await refused(t, FIX.n2, schedule({ pattern: { ringTime: 50 } }), 'forwarding.schedule[0].pattern.ringTime: ');

  await refused(t, FIX.n2, { blockedCallers: Array.from({ length: 31 }, (_, i) => `03123400${String(i).padStart(2, '0')}`) }, 'blockedCallers: at most 30');
  await refused(t, FIX.n2, { blockedCallers: ['0312345678', '12345'] }, 'blockedCallers[1]: must be a national number');
  await refused(t, FIX.n2, { blockedCallers: ['031234567890'] }, 'blockedCallers[0]: must be a national number');
  await refused(t, FIX.n2, { blockedCallers: ['0312345678', '03-1234-5678'] }, 'blockedCallers[1]: duplicate number');
  await refused(t, FIX.n2, { blockAnnouncementUri: 'http://example.com/x' }, 'blockAnnouncementUri: must be a sip: or sips: URI');
  await refused(t, FIX.n2, { presentation: 'maybe' }, 'presentation: must be present or withhold');
  await refused(t, FIX.n2, { anonymousRejection: 1 }, 'anonymousRejection: must be true or false');
  await refused(t, FIX.n2, { specificPresentation: { number: '0312345678', enabled: true } }, 'specificPresentation.number: must be a toll-free number');
  await refused(t, FIX.n1d, { outgoingRestriction: true }, 'outgoingRestriction: only for basic numbers');
  await refused(t, FIX.n2, { colour: 'red' }, 'colour: unknown field');
  await refused(t, FIX.n2, {}, '(body): give at least one feature field');

  const several = await patch('operator', FIX.n2, { presentation: 'maybe', forwarding: { ringTime: 99 } });
  t.equal(several.status, 400);
  t.equal(several.body.issues.length, 2, 'every problem at once');

  t.equal(
    (await patch('operator', FIX.n2, { blockedCallers: ['+81312345678', '090-1234-5678'] })).body.features.blockedCallers.join(),
    '0312345678,09012345678',
    'blocked numbers normalised',
  );
  t.equal((await patch('operator', FIX.n2, { specificPresentation: { number: '0120-123-456', enabled: true } })).status, 200, 'toll-free accepted');
  t.equal((await patch('operator', FIX.n2, { specificPresentation: null })).body.features.specificPresentation, null, 'null clears');
});

t.test('forwarding sub-fields left out keep their stored value', async (t) => {
  await patch('operator', FIX.n3, { forwarding: { destinations: ['0312341111', '0312342222'], ringTime: 25 } });
  const res = await patch('operator', FIX.n3, { forwarding: { enabled: true, unconditional: true, active: 2 } });
  t.equal(res.status, 200);
  t.match(res.body.features.forwarding, {
    enabled: true,
    unconditional: true,
    active: 2,
    ringTime: 25,
    destinations: ['0312341111', '0312342222', null, null, null],
  });
  const back = await patch('operator', FIX.n3, res.body.features);
  t.equal(back.status, 200, 'the GET features object is a valid PATCH body');
  t.same(back.body, res.body, 'and changes nothing');
});

t.test('a conflicting concurrent change is refused', async (t) => {
  const token = await h.login('siteAdmin');
  const read = await h.req(token, 'GET', url(FIX.n2));
  const etag = read.headers.etag as string;
  const first = await h.req(token, 'PATCH', featuresUrl(FIX.n2), { anonymousRejection: !read.body.features.anonymousRejection }, { 'if-match': etag });
  t.equal(first.status, 200);
  t.not(first.headers.etag, etag, 'new ETag');
  t.equal((await h.req(token, 'GET', url(FIX.n2))).headers.etag, first.headers.etag, 'the PATCH answer carries the current ETag');
  const second = await h.req(await h.login('operator'), 'PATCH', featuresUrl(FIX.n2), { presentation: 'withhold' }, { 'if-match': etag });
  t.equal(second.status, 412, 'the second PATCH with the same ETag');
  t.equal(second.body.error, 'precondition_failed');
  const none = await h.req(token, 'PATCH', featuresUrl(FIX.n2), { presentation: 'withhold' });
  t.equal(none.status, 428, 'no If-Match');
  t.same((await h.req(token, 'GET', url(FIX.n2))).body, first.body, 'neither refused change was applied');

  // Two PATCHes racing with the same ETag: exactly one wins.
  const now = await h.req(token, 'GET', url(FIX.n2));
  const race = await Promise.all([
    h.req(token, 'PATCH', featuresUrl(FIX.n2), { forwarding: { ringTime: 7 } }, { 'if-match': now.headers.etag as string }),
    h.req(token, 'PATCH', featuresUrl(FIX.n2), { forwarding: { ringTime: 8 } }, { 'if-match': now.headers.etag as string }),
  ]);
  t.same(race.map((r) => r.status).sort(), [200, 412], 'one applied, one refused');
});

t.test('changes are recorded in the settings history with before and after', async (t) => {
  h.clock.advance(1000); // entries of one millisecond have no defined order
  const res = await patch('numberUser', FIX.n1, { presentation: 'present', blockedCallers: ['0611112222'] });
  t.equal(res.status, 200);
  const hist = await h.req(await h.login('operator'), 'GET', `/history?number=${FIX.n1}&limit=1`);
  t.equal(hist.status, 200);
  t.match(hist.body[0], {
    account: ACCOUNTS.numberUser.name,
    role: 'number-user',
    target: { kind: 'number', id: FIX.n1 },
    siteId: FIX.s1,
    voiceGroupId: FIX.vg1,
    action: 'update-features',
    at: new Date(h.clock.now).toISOString(),
    after: { blockedCallers: ['0611112222'] },
  });
  t.same(Object.keys(hist.body[0].after), Object.keys(hist.body[0].before), 'before and after name the same fields');
  t.notOk('forwarding' in hist.body[0].after, 'only changed fields are recorded');

  const count = (await h.req(await h.login('operator'), 'GET', `/history?number=${FIX.n1}`)).body.length;
  await patch('numberUser', FIX.n1, { blockedCallers: ['0611112222'] });
  t.equal((await h.req(await h.login('operator'), 'GET', `/history?number=${FIX.n1}`)).body.length, count, 'a PATCH that changes nothing records nothing');
});

t.test('nuisance counters this month and last month, in the service time zone', async (t) => {
  const store = new FeatureStore(h.redis);
  // 2026-03-31T16:00Z is already April 1st in Tokyo.
  h.clock.advance(Date.parse('2026-03-31T16:00:00Z') - h.clock.now);
  await store.countNuisanceRejection(FIX.n2, new Date('2026-03-15T03:00:00Z'), 'Asia/Tokyo');
  for (let i = 0; i < 3; i++) await store.countNuisanceRejection(FIX.n2, new Date(h.clock.now), 'Asia/Tokyo');
  const res = await h.req(await h.login('numberUser2'), 'GET', `/numbers/${FIX.n2}/nuisance-counts`);
  t.equal(res.status, 200);
  t.same(res.body, { number: FIX.n2, thisMonth: 3, lastMonth: 1, months: { thisMonth: '2026-04', lastMonth: '2026-03' } });
  t.equal((await h.req(await h.login('numberUser'), 'GET', `/numbers/${FIX.n2}/nuisance-counts`)).status, 404, 'another number user');
});

t.test('toll-free forwarding is a subscribed option: the operator sets it, then 0120 destinations are accepted', async (t) => {
  const res = await patch('siteAdmin', FIX.n2, { tollFreeForwarding: true });
  t.equal(res.status, 403, 'a customer cannot subscribe it');
  await refused(t, FIX.n2, { forwarding: { destinations: ['0120-123-456'] } }, /^forwarding\.destinations\[0\]: .*toll-free forwarding option/);
  t.equal((await patch('operator', FIX.n2, { tollFreeForwarding: true })).status, 200);
  const ok = await patch('siteAdmin', FIX.n2, { forwarding: { destinations: ['0120-123-456', '0800-123-4567', '0570-123-456'] } });
  t.equal(ok.status, 200, 'with the option a customer may set them');
  t.match(ok.body.features, { tollFreeForwarding: true, forwarding: { destinations: ['0120123456', '08001234567', '0570123456', null, null] } });
  await patch('operator', FIX.n2, { tollFreeForwarding: false, forwarding: { destinations: [] } });
});
