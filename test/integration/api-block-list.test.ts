import t from 'tap';
import { keys } from '../../src/store/keys.js';
import { FIX, startApiHarness, withEtag, type AccountKey } from '../helpers/api-harness.js';

/**
 * The block list with the time each entry was added (docs/product.md §4.1),
 * through the real API app on a real Redis: times kept across changes,
 * entries stored before times were kept, sorting, and who may read it.
 */

const T0 = Date.parse('2026-03-10T09:00:00Z'); // 18:00 in Tokyo
const h = await startApiHarness({ startAt: T0 });
const listUrl = (n: string, query = '') => `/numbers/${n}/block-list${query}`;

async function setList(who: AccountKey, n: string, blockedCallers: string[]) {
  const ifMatch = await withEtag(h, await h.login('operator'), `/numbers/${n}`);
  const res = await h.req(await h.login(who), 'PATCH', `/numbers/${n}/features`, { blockedCallers }, ifMatch);
  if (res.status !== 200) throw new Error(`PATCH ${n}: ${res.status} ${res.text}`);
}

async function list(n: string, query = '') {
  const res = await h.req(await h.login('operator'), 'GET', listUrl(n, query));
  t.equal(res.status, 200, `GET ${listUrl(n, query)}`);
  return res.body.entries as Array<{ number: string; addedAt: string | null }>;
}

t.test('each entry keeps the time it was added; later entries get theirs, removed ones go', async (t) => {
  await setList('numberUser', FIX.n1, ['0612345678', '09011112222']);
  h.clock.advance(3600_000);
  await setList('numberUser', FIX.n1, ['0612345678', '09011112222', '0455556666']);
  t.same(
    await list(FIX.n1),
    [
      { number: '0455556666', addedAt: '2026-03-10T19:00:00+09:00' },
      { number: '09011112222', addedAt: '2026-03-10T18:00:00+09:00' },
      { number: '0612345678', addedAt: '2026-03-10T18:00:00+09:00' },
    ],
    'newest first by default, in the service time zone; ties by number',
  );

  h.clock.advance(3600_000);
  await setList('numberUser', FIX.n1, ['0455556666', '0612345678']);
  t.same(
    await list(FIX.n1, '?sort=addedAt&order=asc'),
    [
      { number: '0612345678', addedAt: '2026-03-10T18:00:00+09:00' },
      { number: '0455556666', addedAt: '2026-03-10T19:00:00+09:00' },
    ],
    'reordering and removing another entry does not touch the times of the kept ones',
  );

  h.clock.advance(3600_000);
  await setList('numberUser', FIX.n1, ['0455556666', '09011112222', '0612345678']);
  t.equal((await list(FIX.n1)).find((e) => e.number === '09011112222')?.addedAt, '2026-03-10T21:00:00+09:00', 'an entry removed and added again is new');

  t.same(
    (await list(FIX.n1, '?sort=number&order=asc')).map((e) => e.number),
    ['0455556666', '0612345678', '09011112222'],
  );
  t.same(
    (await list(FIX.n1, '?sort=number&order=desc')).map((e) => e.number),
    ['09011112222', '0612345678', '0455556666'],
  );
  const features = await h.req(await h.login('operator'), 'GET', `/numbers/${FIX.n1}`);
  t.same(features.body.features.blockedCallers, ['0455556666', '09011112222', '0612345678'], 'the features view is still the plain list (a PATCH body)');
  t.notOk('blockedCallersAddedAt' in features.body.features, 'the times are not a feature field');
});

t.test('entries stored before times were kept still load: addedAt null, the oldest', async (t) => {
  await h.redis.hset(keys.features(FIX.n2), 'blockedCallers', JSON.stringify(['0611112222', '0633334444']));
  t.same(await list(FIX.n2, '?order=asc'), [
    { number: '0611112222', addedAt: null },
    { number: '0633334444', addedAt: null },
  ]);
  h.clock.advance(60_000);
  await setList('siteAdmin', FIX.n2, ['0611112222', '0633334444', '0655556666']);
  const entries = await list(FIX.n2, '?sort=addedAt&order=asc');
  t.same(
    entries.map((e) => [e.number, e.addedAt === null]),
    [
      ['0611112222', true],
      ['0633334444', true],
      ['0655556666', false],
    ],
    'old entries keep "unknown" and sort before any known time; the new one has its time',
  );
  await h.redis.hset(keys.features(FIX.n2), 'blockedCallersAddedAt', 'not json');
  t.same(
    (await list(FIX.n2)).map((e) => e.addedAt),
    [null, null, null],
    'a damaged times field reads as unknown times, the list still loads',
  );
});

t.test('a provisioning file stamps the entries it adds too', async (t) => {
  await h.provision({ features: { [FIX.n3]: { blockedCallers: ['0698765432'] } } });
  const [entry] = await list(FIX.n3);
  t.equal(entry?.number, '0698765432');
  t.match(entry?.addedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
});

t.test('who may read a block list: the number’s own scope only', async (t) => {
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
    t.equal((await h.req(await h.login(who), 'GET', listUrl(FIX.n1))).status, status, `${who} GET the block list of ${FIX.n1}`);
  }
  t.equal((await h.req(undefined, 'GET', listUrl(FIX.n1))).status, 401, 'no token');
  t.equal((await h.req(await h.login('operator'), 'GET', listUrl('0399999999'))).status, 404, 'not one of our numbers');
  t.equal((await h.req(await h.login('operator'), 'GET', listUrl(FIX.n1, '?sort=when'))).status, 400, 'an unknown sort key');
});
