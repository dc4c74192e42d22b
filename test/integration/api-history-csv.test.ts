import t from 'tap';
import { FORWARDING_COLUMNS } from '../../src/api/forwarding-table.js';
import { HISTORY_RETENTION_MS, HistoryStore } from '../../src/store/history-store.js';
import { forwardingCsvResource } from '../../src/api/resources/forwarding-csv.js';
import { historyResource } from '../../src/api/resources/history.js';
import { numbersResource } from '../../src/api/resources/numbers.js';
import { keys } from '../../src/store/keys.js';
import { ACCOUNTS, FIX, startApiHarness, withEtag, type AccountKey } from '../helpers/api-harness.js';

/** Settings history (queries, visibility, retention) and the forwarding CSV of a site, through the real API on a real Redis. */

const h = await startApiHarness({ modules: [numbersResource, forwardingCsvResource, historyResource({ purgeEveryMs: 25 })] });
const DAY = 24 * 3600_000;
const ALL = [FIX.n1, FIX.n1d, FIX.n2, FIX.n3, FIX.n4];

async function patch(who: AccountKey, n: string, body: unknown) {
  const ifMatch = await withEtag(h, await h.login('operator'), `/numbers/${n}`);
  const res = await h.req(await h.login(who), 'PATCH', `/numbers/${n}/features`, body, ifMatch);
  if (res.status !== 200) throw new Error(`PATCH ${n}: ${res.status} ${res.text}`);
  return res;
}

async function history(who: AccountKey, query = '') {
  return h.req(await h.login(who), 'GET', `/history${query}`);
}

/** Every number's full representation, for before/after comparisons. */
async function everything(): Promise<unknown[]> {
  const token = await h.login('operator');
  return Promise.all(ALL.map(async (n) => (await h.req(token, 'GET', `/numbers/${n}`)).body));
}

const times: Record<string, string> = {};

t.test('history is queryable by number, site, voice group and time, within what the actor may read', async (t) => {
  const changes: Array<[AccountKey, string, unknown]> = [
    ['siteAdmin', FIX.n1, { anonymousRejection: true }],
    ['siteAdmin2', FIX.n3, { anonymousRejection: true }],
    ['vgAdmin2', FIX.n4, { presentation: 'withhold' }],
    ['operator', FIX.n2, { internationalBar: true }],
  ];
  for (const [who, n, body] of changes) {
    h.clock.advance(60_000);
    await patch(who, n, body);
    times[n] = new Date(h.clock.now).toISOString();
  }
  const targets = (res: { body: Array<{ target: { id: string } }> }) => res.body.map((e) => e.target.id);

  const all = await history('operator');
  t.equal(all.status, 200);
  t.same(targets(all), [FIX.n2, FIX.n4, FIX.n3, FIX.n1], 'operator: everything, newest first');
  t.match(all.body[3], { account: ACCOUNTS.siteAdmin.name, at: times[FIX.n1], before: { anonymousRejection: false }, after: { anonymousRejection: true } });
  t.same(targets(await history('operator', `?number=${FIX.n1}`)), [FIX.n1], 'by number');
  t.same(targets(await history('operator', '?number=03-1111-0001')), [FIX.n1], 'by number in any written form');
  t.same(targets(await history('operator', `?site=${FIX.s1}`)), [FIX.n2, FIX.n1], 'by site');
  t.same(targets(await history('operator', `?voiceGroup=${FIX.vg1}`)), [FIX.n2, FIX.n3, FIX.n1], 'by voice group');
  t.same(targets(await history('operator', `?from=${times[FIX.n3]}&to=${times[FIX.n4]}`)), [FIX.n4, FIX.n3], 'by time range (inclusive)');
  t.same(targets(await history('operator', `?site=${FIX.s1}&from=${times[FIX.n3]}`)), [FIX.n2], 'site and time');
  t.same(targets(await history('operator', '?limit=2')), [FIX.n2, FIX.n4], 'limit');

  t.same(targets(await history('numberUser')), [FIX.n1], 'number user: its own number only');
  t.same(targets(await history('numberUser2')), [FIX.n2]);
  t.equal((await history('numberUser', `?number=${FIX.n2}`)).status, 404, 'number user asking for another number');
  t.same(targets(await history('siteAdmin')), [FIX.n2, FIX.n1], 'site admin: its site');
  t.equal((await history('siteAdmin', `?site=${FIX.s2}`)).status, 404, 'site admin asking for another site');
  t.same(targets(await history('siteAdmin', `?number=${FIX.n3}`)), [], 'site admin asking for a number of another site sees nothing');
  t.same(targets(await history('vgAdmin')), [FIX.n2, FIX.n3, FIX.n1], 'voice group admin: its voice group');
  t.same(targets(await history('vgAdmin2')), [FIX.n4]);
  t.equal((await history('vgAdmin', `?voiceGroup=${FIX.vg2}`)).status, 404, 'voice group admin asking for another voice group');
  t.same(targets(await history('vgAdmin', `?site=${FIX.s3}`)), [], 'voice group admin asking for a site of another voice group sees nothing');

  const backwards = await history('operator', `?from=${times[FIX.n4]}&to=${times[FIX.n3]}`);
  t.equal(backwards.status, 400);
  t.same(backwards.body.issues, ['from: must not be after to']);
  const badTime = await history('operator', '?from=yesterday');
  t.equal(badTime.status, 400);
  t.match(badTime.body.issues, [/^from: must be an ISO 8601 time/]);
  t.equal((await history('operator', '?limit=0')).status, 400, 'limit below 1');
  t.equal((await h.req(undefined, 'GET', '/history')).status, 401);
});

const csvUrl = (site: string) => `/sites/${site}/forwarding.csv`;
const header = FORWARDING_COLUMNS.join(',');

t.test("who may download and upload a site's forwarding CSV", async (t) => {
  const expect: Record<AccountKey, number> = {
    operator: 200,
    vgAdmin: 200,
    vgAdmin2: 404,
    siteAdmin: 200,
    siteAdmin2: 404,
    numberUser: 404,
    numberUser2: 404,
  };
  for (const [who, status] of Object.entries(expect) as Array<[AccountKey, number]>) {
    const token = await h.login(who);
    const get = await h.req(token, 'GET', csvUrl(FIX.s1));
    t.equal(get.status, status, `${who} GET`);
    const current = await h.req(await h.login('operator'), 'GET', csvUrl(FIX.s1));
    const put = await h.req(token, 'PUT', csvUrl(FIX.s1), current.text, { 'if-match': current.headers.etag as string });
    t.equal(put.status, status, `${who} PUT`);
  }
  t.equal((await h.req(await h.login('operator'), 'GET', csvUrl('9999999'))).status, 404, 'no such site');
});

t.test('the CSV lists every number of the site with its forwarding', async (t) => {
  const res = await h.req(await h.login('siteAdmin'), 'GET', csvUrl(FIX.s1));
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.match(res.headers.etag, /^".+"$/);
  t.equal(
    res.text,
    [
      header,
      `${FIX.n1},false,false,false,false,false,15,1,0312349999,,,,0312348888`,
      `${FIX.n1d},false,false,false,false,false,15,1,,,,,0312348888`,
      `${FIX.n2},false,false,false,false,false,15,1,,,,,`,
      '',
    ].join('\r\n'),
  );
});

t.test('round trip: uploading the downloaded file changes nothing', async (t) => {
  // A schedule (not in the CSV) and a normalised destination must survive.
  await patch('operator', FIX.n1, {
    forwarding: {
      destinations: ['03-1234-9999', '+81312347777'],
      schedule: [{ days: [5, 1], from: '18:00', to: '09:00', pattern: { enabled: true, unconditional: true, active: 2 } }],
    },
  });
  const before = await everything();
  const historyBefore = (await history('operator')).body.length;
  const token = await h.login('siteAdmin');
  const csv = await h.req(token, 'GET', csvUrl(FIX.s1));
  const put = await h.req(token, 'PUT', csvUrl(FIX.s1), csv.text, { 'if-match': csv.headers.etag as string });
  t.equal(put.status, 200);
  t.same(put.body, { numbers: 3, changed: [] });
  t.equal(put.headers.etag, csv.headers.etag, 'same ETag');
  t.same(await everything(), before, 'every number unchanged');
  t.equal((await history('operator')).body.length, historyBefore, 'no history entries');
});

t.test('an upload changes the numbers it lists, keeps schedules, records history', async (t) => {
  const token = await h.login('vgAdmin');
  const csv = await h.req(token, 'GET', csvUrl(FIX.s1));
  const schedule = ((await everything()) as Array<{ features: { forwarding: { schedule: unknown } } }>)[0]!.features.forwarding.schedule;
  h.clock.advance(60_000);
  const text = [
    // Columns in another order, LF line ends, a byte-order mark, spreadsheet booleans, one number of the site left out.
    '\uFEFFnumber,dest1,dest2,dest3,dest4,dest5,enabled,unconditional,busy,noAnswer,unreachable,ringTime,active',
    `${FIX.n1},0312349999,0312347777,,,0312348888,TRUE,FALSE,TRUE,TRUE,FALSE,20,1`,
    `03-1111-0003,090-1234-5678,,,,,yes,yes,no,no,no,15,1`,
  ].join('\n');
  const put = await h.req(token, 'PUT', csvUrl(FIX.s1), text, { 'if-match': csv.headers.etag as string, 'content-type': 'text/csv; charset=utf-8' });
  t.equal(put.status, 200, put.text);
  t.same(put.body, { numbers: 2, changed: [FIX.n1, FIX.n2] });
  const [n1, n1d, n2] = (await everything()) as Array<{ features: { forwarding: Record<string, unknown> } }>;
  t.match(n1!.features.forwarding, {
    enabled: true,
    busy: true,
    noAnswer: true,
    ringTime: 20,
    destinations: ['0312349999', '0312347777', null, null, '0312348888'],
  });
  t.same(n1!.features.forwarding.schedule, schedule, 'schedule kept');
  t.match(n2!.features.forwarding, { enabled: true, unconditional: true, active: 1, destinations: ['09012345678', null, null, null, null] });
  t.match(n1d!.features.forwarding, { enabled: false, destinations: [null, null, null, null, '0312348888'] }, 'a number left out is left alone');
  t.not(put.headers.etag, csv.headers.etag, 'new ETag');
  t.equal((await h.req(token, 'GET', csvUrl(FIX.s1))).headers.etag, put.headers.etag, 'the answer carries the current ETag');

  const hist = await history('operator', `?site=${FIX.s1}&from=${new Date(h.clock.now).toISOString()}`);
  t.equal(hist.body.length, 2, 'one entry per changed number');
  t.match(
    hist.body.find((e: { target: { id: string } }) => e.target.id === FIX.n2),
    {
      account: ACCOUNTS.vgAdmin.name,
      action: 'upload-forwarding-csv',
      siteId: FIX.s1,
      voiceGroupId: FIX.vg1,
      before: { forwarding: { enabled: false } },
      after: { forwarding: { enabled: true, unconditional: true } },
    },
  );
});

t.test('a file with a bad cell changes nothing and names every problem', async (t) => {
  const token = await h.login('siteAdmin');
  const csv = await h.req(token, 'GET', csvUrl(FIX.s1));
  const lines = csv.text.trimEnd().split('\r\n');
  const withCell = (line: number, column: string, value: string, base = lines) =>
    base
      .map((l, i) => {
        if (i !== line - 1) return l;
        const cells = l.split(',');
        cells[FORWARDING_COLUMNS.indexOf(column as never)] = value;
        return cells.join(',');
      })
      .join('\r\n');
  const upload = async (text: string) => h.req(token, 'PUT', csvUrl(FIX.s1), text, { 'if-match': csv.headers.etag as string });

  const cases: Array<[string, string, string]> = [
    ['ringTime too long', withCell(3, 'ringTime', '40'), 'line 3, column ringTime: '],
    ['ringTime not a number', withCell(2, 'ringTime', 'ten'), 'line 2, column ringTime: must be a whole number'],
    ['boolean', withCell(4, 'busy', 'sometimes'), 'line 4, column busy: must be true or false'],
    ['unconditional with busy', withCell(2, 'unconditional', 'true'), 'line 2, column unconditional: unconditional excludes'],
    ['on without a trigger', withCell(3, 'enabled', 'true'), 'line 3, column enabled: forwarding on needs a trigger'],
    ['slot 5', withCell(2, 'active', '5'), 'line 2, column active: slot 5 is reserved'],
    ['empty active slot', withCell(2, 'active', '3'), 'line 2, column active: slot 3 holds no destination'],
    ['refused destination', withCell(4, 'dest2', '0120123456'), 'line 4, column dest2: '],
    ['own number', withCell(4, 'dest3', FIX.n2), 'line 4, column dest3: A number cannot be forwarded to itself'],
    ['slot used by the stored schedule', withCell(2, 'dest2', ''), 'line 2: schedule[0].pattern.active: slot 2 holds no destination'],
    ['number of another site', withCell(3, 'number', FIX.n3), `line 3, column number: number ${FIX.n3} is not a number of site ${FIX.s1}`],
    ['unknown number', withCell(3, 'number', '0399999999'), `line 3, column number: number 0399999999 is not a number of site ${FIX.s1}`],
    ['duplicate number', withCell(3, 'number', FIX.n1), `line 3, column number: number ${FIX.n1} is also on line 2`],
    ['leading zero lost', withCell(3, 'number', FIX.n1d.slice(1)), 'line 3, column number: not a national number'],
    ['unknown column', lines.map((l, i) => `${l},${i === 0 ? 'note' : 'x'}`).join('\n'), 'line 1, column 14: unknown column "note"'],
    ['missing column', lines.map((l) => l.split(',').slice(0, 12).join(',')).join('\n'), 'line 1: missing column dest5'],
    ['short row', `${lines.join('\n')}\n${FIX.n2},true`, 'line 5: expected 13 fields, found 2'],
    ['unclosed quote', `${lines.join('\n')}\n"${FIX.n2},true`, 'line 5: a quoted field is not closed'],
    ['empty file', '\r\n', 'line 1: the file is empty'],
  ];
  const before = await everything();
  const historyBefore = (await history('operator')).body.length;
  for (const [name, text, issue] of cases) {
    const res = await upload(text);
    t.equal(res.status, 400, `${name}: 400`);
    t.ok(
      ((res.body.issues as string[]) ?? []).some((i) => i.startsWith(issue)),
      `${name}: names "${issue}" in ${JSON.stringify(res.body.issues)}`,
    );
  }
  const two = await upload(withCell(4, 'enabled', 'maybe', withCell(2, 'ringTime', '99').split('\r\n')));
  t.same(
    two.body.issues.map((i: string) => i.replace(/:.*/, '')),
    ['line 2, column ringTime', 'line 4, column enabled'],
    'every bad cell at once, in line order',
  );
  t.same(await everything(), before, 'nothing changed, on any number');
  t.equal((await history('operator')).body.length, historyBefore, 'no history entries');
  t.equal((await h.req(token, 'GET', csvUrl(FIX.s1))).headers.etag, csv.headers.etag, 'same ETag');
});

t.test('CSV upload conflicts: If-Match required, stale ETag refused', async (t) => {
  const token = await h.login('siteAdmin');
  const csv = await h.req(token, 'GET', csvUrl(FIX.s1));
  t.equal((await h.req(token, 'PUT', csvUrl(FIX.s1), csv.text)).status, 428, 'no If-Match');
  await patch('numberUser2', FIX.n2, { forwarding: { ringTime: 22 } });
  const stale = await h.req(token, 'PUT', csvUrl(FIX.s1), csv.text, { 'if-match': csv.headers.etag as string });
  t.equal(stale.status, 412, 'someone changed a number of the site since the download');
  t.equal((await h.req(await h.login('operator'), 'GET', `/numbers/${FIX.n2}`)).body.features.forwarding.ringTime, 22, 'their change stands');
  // A change elsewhere (another site, or a setting not in the CSV) does not invalidate the download.
  const fresh = await h.req(token, 'GET', csvUrl(FIX.s1));
  await patch('operator', FIX.n3, { forwarding: { ringTime: 23 } });
  await patch('operator', FIX.n2, { presentation: 'withhold' });
  t.equal((await h.req(token, 'PUT', csvUrl(FIX.s1), fresh.text, { 'if-match': fresh.headers.etag as string })).status, 200);
});

t.test('retention: entries older than 180 days leave the queries and are purged', async (t) => {
  const purged = async () => {
    for (let i = 0; i < 200; i++) {
      if ((await h.redis.zcard(keys.history)) === 0) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  };
  const stored = await h.redis.zcard(keys.history);
  t.ok(stored > 1, 'entries stored');
  const newest = Date.parse((await history('operator', '?limit=1')).body[0].at);
  h.clock.advance(newest + HISTORY_RETENTION_MS - DAY - h.clock.now);
  t.equal((await history('operator', '?limit=1000')).body.length, stored, 'at 179 days every entry is still there');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(await h.redis.zcard(keys.history), stored, 'and the purge keeps them');

  h.clock.advance(2 * DAY);
  t.same((await history('operator', '?limit=1000')).body, [], 'at 181 days no entry is visible');
  t.same((await history('operator', `?number=${FIX.n2}`)).body, [], 'by number neither');
  t.same((await history('operator', `?site=${FIX.s1}`)).body, [], 'by site neither');
  t.ok(await purged(), 'the purge timer removed the expired entries');
  await new HistoryStore(h.redis, () => h.clock.now).purge(); // the timer's pass may still be walking the indexes
  t.equal(await h.redis.zcard(keys.historyByTarget('number', FIX.n2)), 0, "the number's index was purged too, without a new write");
  t.equal(await h.redis.zcard(keys.historyByTarget('site-all', FIX.s1)), 0, "and the site's index");

  await patch('operator', FIX.n1, { presentation: 'withhold' });
  const left = await history('operator', '?limit=1000');
  t.same(
    left.body.map((e: { at: string }) => e.at),
    [new Date(h.clock.now).toISOString()],
    'a new entry is kept',
  );
  t.equal(await h.redis.zcard(keys.historyByTarget('number', FIX.n1)), 1, "the number's own index was trimmed on write");
});
