import t from 'tap';
import { FeatureStore } from '../../src/store/feature-store.js';
import { keys } from '../../src/store/keys.js';
import { OrganisationStore } from '../../src/store/organisation-store.js';
import { FIX, startApiHarness, withEtag, type AccountKey } from '../helpers/api-harness.js';

/**
 * Bulk-forwarding groups (docs/product.md §4.4) through the real API app on a
 * real Redis: the latest start/stop "in progress" / "done" with each number's
 * result (JSON and CSV), and deleting a stopped group; who may and who may not.
 */

const h = await startApiHarness();
const features = new FeatureStore(h.redis);
const bulk = (id = FIX.bulk) => `/bulk-groups/${id}`;
const as = async (who: AccountKey, method: string, url: string, body?: unknown, headers?: Record<string, string>) =>
  h.req(await h.login(who), method, url, body, headers);
const ifMatch = async (url: string) => withEtag(h, await h.login('operator'), url);

/** Who sees groups of S1 (BG1) at all. */
const SEES_S1: Record<AccountKey, number> = {
  operator: 200,
  vgAdmin: 200,
  siteAdmin: 200,
  vgAdmin2: 404,
  siteAdmin2: 404,
  numberUser: 404, // n1 is a member, but bulk operations are not a number user's
  numberUser2: 404,
};

t.test('before any start there is no operation to show', async (t) => {
  t.equal((await as('operator', 'GET', `${bulk()}/operation`)).status, 404);
  t.equal((await as('operator', 'GET', `${bulk()}/operation.csv`)).status, 404);
});

t.test('a start is recorded "done" with who, when and each number’s result; a stop likewise', async (t) => {
  h.clock.now = Date.parse('2026-03-10T09:00:00Z');
  t.equal((await as('siteAdmin', 'POST', `${bulk(FIX.bulk3)}/start`)).status, 404, 'not in its site');
  t.equal((await as('vgAdmin2', 'POST', `${bulk(FIX.bulk3)}/start`)).status, 200);
  const op = await as('vgAdmin2', 'GET', `${bulk(FIX.bulk3)}/operation`);
  t.equal(op.status, 200);
  t.same(op.body, {
    groupId: FIX.bulk3,
    operation: 'start',
    status: 'done',
    account: 'vg-beta',
    startedAt: '2026-03-10T18:00:00+09:00',
    finishedAt: '2026-03-10T18:00:00+09:00',
    done: 0,
    errors: 1,
    results: [{ number: FIX.n4, result: 'error', why: 'no bulk forwarding destination in slot 5' }],
  });
  const csv = await as('vgAdmin2', 'GET', `${bulk(FIX.bulk3)}/operation.csv`);
  t.equal(csv.status, 200);
  t.match(csv.headers['content-type'], /^text\/csv/);
  t.match(csv.headers['content-disposition'], /attachment; filename="bulk-start-result\.csv"/);
  t.equal(csv.text, `number,result,reason\r\n${FIX.n4},error,no bulk forwarding destination in slot 5\r\n`);

  t.equal((await as('siteAdmin', 'POST', `${bulk()}/start`)).status, 200);
  h.clock.advance(60_000);
  t.equal((await as('vgAdmin', 'POST', `${bulk()}/stop`)).status, 200);
  const stopped = await as('siteAdmin', 'GET', `${bulk()}/operation`);
  t.match(stopped.body, { operation: 'stop', status: 'done', account: 'vg-alpha', startedAt: '2026-03-10T18:01:00+09:00', done: 2, errors: 0 });
  t.equal((await as('siteAdmin', 'GET', `${bulk()}/operation.csv`)).text, `number,result,reason\r\n${FIX.n1},done,\r\n${FIX.n1d},done,\r\n`);
});

t.test('while another node is starting the group, it shows "in progress" and the CSV is not ready', async (t) => {
  const store = new OrganisationStore(h.redis);
  const stored = await store.bulkGroup(FIX.bulk);
  const previous = await store.bulkOperation(FIX.bulk);
  await store.compareAndSetBulkGroup(FIX.bulk, (g) => ({ ...g!, state: 'starting' }), {
    operation: 'start',
    status: 'in progress',
    account: 'site-one',
    startedAt: h.clock.now,
    results: [],
  });
  const op = await as('siteAdmin', 'GET', `${bulk()}/operation`);
  t.match(op.body, { operation: 'start', status: 'in progress', finishedAt: null, results: [] });
  t.equal((await as('siteAdmin', 'GET', `${bulk()}/operation.csv`)).status, 409);
  t.equal((await as('siteAdmin', 'DELETE', bulk(), undefined, await ifMatch(bulk()))).status, 409, 'not deleted while starting');
  await store.compareAndSetBulkGroup(FIX.bulk, () => stored!, previous!); // the other node finished: as before
});

t.test('who may read the operation and its CSV', async (t) => {
  for (const [who, status] of Object.entries(SEES_S1) as Array<[AccountKey, number]>) {
    t.equal((await as(who, 'GET', `${bulk()}/operation`)).status, status, `${who} GET operation`);
    t.equal((await as(who, 'GET', `${bulk()}/operation.csv`)).status, status, `${who} GET operation.csv`);
  }
  t.equal((await h.req(undefined, 'GET', `${bulk()}/operation.csv`)).status, 401, 'no token');
});

t.test('deleting: only a stopped group, with If-Match, by an account with the right in its scope', async (t) => {
  t.equal((await as('operator', 'POST', `${bulk()}/start`)).status, 200);
  let r = await as('siteAdmin', 'DELETE', bulk(), undefined, await ifMatch(bulk()));
  t.equal(r.status, 409, 'a started group is not deleted');
  t.match(r.body.message, /is started; stop it before deleting it/);
  t.equal((await as('operator', 'POST', `${bulk()}/stop`)).status, 200);

  t.equal((await as('siteAdmin', 'DELETE', bulk())).status, 428, 'without If-Match');
  const stale = await ifMatch(bulk());
  await as('operator', 'PUT', bulk(), { siteId: FIX.s1, name: 'renamed', members: [FIX.n1, FIX.n1d] }, stale);
  t.equal((await as('siteAdmin', 'DELETE', bulk(), undefined, stale)).status, 412, 'after someone else changed it');

  for (const who of ['numberUser', 'numberUser2', 'vgAdmin2', 'siteAdmin2'] as const) {
    t.equal((await as(who, 'DELETE', bulk(), undefined, await ifMatch(bulk()))).status, 404, `${who} may not delete it`);
  }
  t.equal((await as('operator', 'GET', bulk())).status, 200, 'still there');

  r = await as('siteAdmin', 'DELETE', bulk(), undefined, await ifMatch(bulk()));
  t.equal(r.status, 200);
  t.same(r.body, { deleted: FIX.bulk });
  t.equal((await as('operator', 'GET', bulk())).status, 404, 'gone');
  t.equal((await as('operator', 'GET', `${bulk()}/operation`)).status, 404, 'its operation record went with it');
  t.same((await as('operator', 'GET', `/sites/${FIX.s1}/bulk-groups`)).body, [], 'not listed in its site');
  t.equal(await features.bulkGroupOf(FIX.n1), null, 'the members are in no group: calls use their own forwarding');
  t.equal((await as('operator', 'GET', `${bulk(FIX.bulk3)}`)).status, 200, 'the other voice group’s group is untouched');

  const again = await as('siteAdmin', 'PUT', '/bulk-groups/BG-new', { siteId: FIX.s1, name: 'again', members: [FIX.n1] });
  t.equal(again.status, 201, 'a former member can join another group');
  const history = (await h.redis.zrange(keys.historyByTarget('bulk-group', FIX.bulk), 0, -1)).map(
    (e) => JSON.parse(e) as { action: string; account: string; before: unknown; after: unknown },
  );
  t.match(
    history.find((e) => e.action === 'bulk-group.delete'),
    { account: 'site-one', before: { id: FIX.bulk, state: 'stopped' }, after: null },
    'recorded in the settings history',
  );
});

t.test('a voice-group admin deletes a stopped group of its own voice group', async (t) => {
  t.equal((await as('vgAdmin2', 'POST', `${bulk(FIX.bulk3)}/stop`)).status, 200);
  t.equal((await as('vgAdmin', 'DELETE', bulk(FIX.bulk3), undefined, await ifMatch(bulk(FIX.bulk3)))).status, 404, 'not the other voice group’s admin');
  t.equal((await as('vgAdmin2', 'DELETE', bulk(FIX.bulk3), undefined, await ifMatch(bulk(FIX.bulk3)))).status, 200);
});
