import t from 'tap';
import { FIX, startApiHarness } from '../helpers/api-harness.js';

/**
 * Subscribed options (docs/product.md §4.6) through the real API on a real
 * redis-server: only the operator subscribes; customers configure only what
 * their number (or site) has; a gained option starts in its default state; an
 * unsubscribed option keeps its settings but counts as off.
 */
const h = await startApiHarness();
const op = await h.login('operator');
const site = await h.login('siteAdmin');
const vg = await h.login('vgAdmin');
const user = await h.login('numberUser');

const etag = async (url: string) => ({ 'if-match': String((await h.req(op, 'GET', url)).headers.etag) });
const number = async (n: string) => (await h.req(op, 'GET', `/numbers/${n}`)).body;
const subscribe = async (n: string, options: string[] | null) => {
  const res = await h.req(op, 'PUT', `/numbers/${n}/options`, { options }, await etag(`/numbers/${n}`));
  if (res.status !== 200) throw new Error(`subscribe ${n}: ${res.status} ${res.text}`);
  return res.body;
};
const patch = async (token: string, n: string, body: unknown) => h.req(token, 'PATCH', `/numbers/${n}/features`, body, await etag(`/numbers/${n}`));

t.test('numbers provisioned before subscriptions keep every option (legacy), and customers configure them', async (t) => {
  const n = await number(FIX.n2);
  t.same(n.options, { subscribed: n.options.subscribed, legacy: true, number: null, site: null, lockedFields: [], slot5Option: 'forwarding' });
  t.equal(n.options.subscribed.length, 8, 'every option');
  t.equal((await patch(user, FIX.n1, { anonymousRejection: true })).status, 200, 'a number user configures its legacy number');
  t.equal((await patch(user, FIX.n1, { anonymousRejection: false })).status, 200);
});

t.test('only the operator subscribes; customers get 403 naming the contract item, and nothing changes', async (t) => {
  for (const [who, token] of [
    ['site admin', site],
    ['voice-group admin', vg],
    ['number user (its own number)', user],
  ] as const) {
    const res = await h.req(token, 'PUT', `/numbers/${FIX.n1}/options`, { options: ['anonymous-rejection'] }, await etag(`/numbers/${FIX.n1}`));
    t.equal(res.status, 403, who);
    t.match(res.body.message, /contract item \(which options a number or site has subscribed\)/);
  }
  t.equal((await h.req(site, 'PUT', `/sites/${FIX.s1}/options`, { options: ['hunt-group'] }, await etag(`/sites/${FIX.s1}/options`))).status, 403);
  t.same((await number(FIX.n1)).options.number, null, 'no record was written');
  t.same((await h.req(op, 'GET', `/sites/${FIX.s1}/options`)).body, { siteId: FIX.s1, options: null });
});

t.test('a customer is refused configuring an unsubscribed option, and may configure a subscribed one', async (t) => {
  const after = await subscribe(FIX.n1, ['forwarding']);
  t.same(after.options, {
    subscribed: ['forwarding'],
    legacy: false,
    number: ['forwarding'],
    site: null,
    lockedFields: [
      'blockedCallers',
      'blockAnnouncementUri',
      'anonymousRejection',
      'internationalBar',
      'specificPresentation',
      'forwarding.schedule',
      'forwarding.destinations[4]',
    ],
    slot5Option: 'bulk-forwarding',
  });
  for (const [who, token] of [
    ['number user', user],
    ['site admin', site],
  ] as const) {
    const refused = await patch(token, FIX.n1, { anonymousRejection: true });
    t.equal(refused.status, 403, `${who}: anonymous rejection not subscribed`);
    t.match(refused.body.message, /has not subscribed anonymous-rejection/);
  }
  t.equal((await patch(site, FIX.n1, { internationalBar: true })).status, 403, 'international bar neither');
  const sched = { schedule: [{ days: [1], from: '09:00', to: '18:00', pattern: { enabled: true, unconditional: true, active: 1 } }] };
  const noSchedule = await patch(site, FIX.n1, { forwarding: sched });
  t.equal(noSchedule.status, 403, 'a schedule needs scheduled-forwarding');
  t.match(noSchedule.body.message, /scheduled-forwarding/);
  t.equal((await patch(user, FIX.n1, { forwarding: { ringTime: 25 } })).status, 200, 'forwarding is subscribed');
  const slot5 = { destinations: [null, null, null, null, '0312347777'] };
  const bulkSlot = await patch(user, FIX.n1, { forwarding: slot5 });
  t.equal(bulkSlot.status, 403, "a bulk-group member's slot 5 is bulk forwarding");
  t.match(bulkSlot.body.message, /bulk-forwarding/);
  t.equal((await patch(user, FIX.n1, { presentation: 'withhold' })).status, 200, 'caller-ID presentation is no option');
  t.equal((await patch(user, FIX.n1, { anonymousRejection: false })).status, 200, 'sending an unsubscribed field unchanged is no change');
  t.equal((await patch(op, FIX.n1, { internationalBar: true })).status, 200, 'the operator may prepare an option');
  t.equal((await number(FIX.n1)).features.internationalBar, true, 'stored');
  await patch(op, FIX.n1, { internationalBar: false, presentation: 'present' });
});

t.test('a newly subscribed option starts in its default state: anonymous rejection rejects', async (t) => {
  await subscribe(FIX.n1, ['forwarding']);
  t.equal((await number(FIX.n1)).features.anonymousRejection, false);
  const after = await subscribe(FIX.n1, ['forwarding', 'anonymous-rejection']);
  t.equal(after.features.anonymousRejection, true, 'reject, without anyone configuring it');
  t.equal((await patch(user, FIX.n1, { anonymousRejection: false })).status, 200, 'now the customer may switch it off');
  const unsubscribed = await subscribe(FIX.n1, ['forwarding']);
  t.equal(unsubscribed.features.anonymousRejection, false, 'unsubscribing keeps the stored setting');
  t.notOk(unsubscribed.options.subscribed.includes('anonymous-rejection'));
  const again = await subscribe(FIX.n1, ['forwarding', 'anonymous-rejection']);
  t.equal(again.features.anonymousRejection, true, 'subscribing again starts again at reject');
  const history = (await h.req(op, 'GET', `/history?number=${FIX.n1}`)).body as Array<{ action: string; account: string }>;
  t.ok(
    history.some((e) => e.action === 'options.put' && e.account === 'operator'),
    'recorded in the settings history',
  );
});

t.test("a site's options are every number's of the site; a number has the union", async (t) => {
  const res = await h.req(op, 'PUT', `/sites/${FIX.s1}/options`, { options: ['nuisance-blocking', 'hunt-group'] }, await etag(`/sites/${FIX.s1}/options`));
  t.equal(res.status, 200, res.text);
  t.same(res.body, { siteId: FIX.s1, options: ['nuisance-blocking', 'hunt-group'] });
  const n2 = await number(FIX.n2);
  t.same(n2.options.subscribed, ['nuisance-blocking', 'hunt-group']);
  t.same([n2.options.legacy, n2.options.number, n2.options.site], [false, null, ['nuisance-blocking', 'hunt-group']]);
  t.same((await number(FIX.n1)).options.subscribed, ['nuisance-blocking', 'anonymous-rejection', 'forwarding', 'hunt-group']);
  t.equal((await patch(await h.login('numberUser2'), FIX.n2, { forwarding: { ringTime: 20 } })).status, 403, 'n2 has no forwarding now');
  t.equal((await patch(await h.login('numberUser2'), FIX.n2, { blockedCallers: ['0612345678'] })).status, 200, 'but nuisance blocking');
  t.same((await number(FIX.n3)).options.legacy, true, 'another site is untouched');
  t.equal((await h.req(op, 'PUT', `/sites/${FIX.s1}/options`, { options: ['hunt-group'] }, { 'if-match': '"stale"' })).status, 412, 'no silent overwrite');
});

t.test('hunt groups, bulk groups and the forwarding CSV follow the subscriptions too', async (t) => {
  // S1 has hunt-group (site record); n1 has no bulk-forwarding.
  const hunt = await h.req(op, 'GET', `/hunt-groups/${FIX.hunt}`);
  const members = { siteId: FIX.s1, pilot: FIX.n1, members: [FIX.n2], mode: 'round-robin' };
  t.equal((await h.req(site, 'PUT', `/hunt-groups/${FIX.hunt}`, members, { 'if-match': String(hunt.headers.etag) })).status, 200, 'pilot has hunt-group');
  const bulk = await h.req(op, 'GET', `/bulk-groups/${FIX.bulk}`);
  const refused = await h.req(
    site,
    'PUT',
    `/bulk-groups/${FIX.bulk}`,
    { name: 'renamed', siteId: FIX.s1, members: [FIX.n1, FIX.n1d] },
    { 'if-match': String(bulk.headers.etag) },
  );
  t.equal(refused.status, 403, 'bulk-forwarding not subscribed');
  t.match(refused.body.message, /0311110001, 0311110002 have not subscribed bulk-forwarding/);

  const csv = await h.req(site, 'GET', `/sites/${FIX.s1}/forwarding.csv`);
  const headers = { 'content-type': 'text/csv', 'if-match': String(csv.headers.etag) };
  t.equal((await h.req(site, 'PUT', `/sites/${FIX.s1}/forwarding.csv`, csv.text, headers)).status, 200, 'the CSV sent back unchanged passes');
  const changed = csv.text.replace(new RegExp(`^(${FIX.n2},(?:[^,]*,){5})15,`, 'm'), '$120,');
  t.not(changed, csv.text, 'the test changed the n2 row');
  const upload = await h.req(site, 'PUT', `/sites/${FIX.s1}/forwarding.csv`, changed, headers);
  t.equal(upload.status, 400, 'n2 has no forwarding');
  t.match(upload.body.issues, [/^line \d+: 0311110003 has not subscribed forwarding$/]);
});

t.test('provisioning files record options too, validated like every field', async (t) => {
  const bad = await h.req(op, 'PUT', `/numbers/${FIX.n1}/options`, { options: ['free-calls'] }, await etag(`/numbers/${FIX.n1}`));
  t.equal(bad.status, 400);
  await t.rejects(
    h.provision({ options: { numbers: { '0399999999': ['forwarding'] } } }),
    /options\.numbers\.0399999999: number 0399999999 is not provisioned/,
  );
  await t.rejects(h.provision({ options: { sites: { '9999999': ['forwarding'] } } }), /options\.sites\.9999999: site 9999999 is not provisioned/);
  await t.rejects(h.provision({ options: { numbers: { [FIX.n1]: ['forwarding', 'x'] } } }), /options\.numbers\.0311110001\[1\]: must be one of/);
  await h.provision({ features: { [FIX.n3]: { anonymousRejection: false, blockedCallers: ['0612345678'] } } });
  await h.provision({ options: { numbers: { [FIX.n3]: ['anonymous-rejection', 'nuisance-blocking'] } } });
  const kept = await number(FIX.n3);
  t.same(kept.options.number, ['nuisance-blocking', 'anonymous-rejection']);
  t.equal(kept.features.anonymousRejection, false, 'a legacy number had every option: recording them keeps its settings as they were');
  t.same(kept.features.blockedCallers, ['0612345678']);
  await h.provision({ options: { numbers: { [FIX.n3]: [] } } });
  await h.provision({ options: { numbers: { [FIX.n3]: ['anonymous-rejection'] } } });
  const n3 = await number(FIX.n3);
  t.equal(n3.features.anonymousRejection, true, 'from a file too, a gained option starts in its default state');
  await h.provision({ options: { numbers: { [FIX.n3]: null } } });
  const removed = (await number(FIX.n3)).options;
  t.same([removed.legacy, removed.number, removed.lockedFields], [true, null, []], 'null removes the record: legacy again');
  await h.provision({ options: { numbers: { [FIX.n3]: [] } } });
  await h.provision({ options: { numbers: { [FIX.n3]: ['anonymous-rejection'] } }, features: { [FIX.n3]: { anonymousRejection: false } } });
  t.equal((await number(FIX.n3)).features.anonymousRejection, false, "the file's own setting wins over the default");
});
