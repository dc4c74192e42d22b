import t from 'tap';
import { keys } from '../../src/store/keys.js';
import { parseCsv } from '../../src/api/csv.js';
import { FIX, startApiHarness, type AccountKey } from '../helpers/api-harness.js';

/**
 * Number information (docs/product.md §6) through the real API app on a real
 * Redis: a site's and a voice group's numbers as CSV, the search by prefix,
 * who may and who may not, and what never leaves (credentials, other
 * customers' numbers).
 */

const h = await startApiHarness();
const as = async (who: AccountKey, url: string) => h.req(await h.login(who), 'GET', url);

function table(text: string): Array<Record<string, string>> {
  const parsed = parseCsv(text);
  if (!parsed.ok) throw new Error(parsed.error);
  const [header, ...rows] = parsed.records;
  return rows.map((r) => Object.fromEntries(header!.fields.map((name, i) => [name, r.fields[i] ?? ''])));
}

await h.provision({
  features: {
    [FIX.n2]: { blockedCallers: ['0612345678'], anonymousRejection: true, forwarding: { enabled: true, busy: true, destinations: ['0312349999'] } },
  },
});

t.test("a site's numbers as CSV: each with its line, groups and settings", async (t) => {
  const res = await as('siteAdmin', `/sites/${FIX.s1}/numbers.csv`);
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.match(res.headers['content-disposition'], `attachment; filename="numbers-${FIX.s1}.csv"`);
  const rows = table(res.text);
  t.same(
    rows.map((r) => r.number),
    [FIX.n1, FIX.n1d, FIX.n2],
    'every number of the site (basic and dial-in), sorted; nothing of other sites',
  );
  t.match(rows[0], {
    kind: 'basic',
    sipId: FIX.lines.a1,
    siteId: FIX.s1,
    voiceGroupId: FIX.vg1,
    auth: 'digest',
    channels: '4',
    huntGroup: FIX.hunt,
    bulkGroup: FIX.bulk,
  });
  t.match(rows[1], { kind: 'dial-in', basicNumber: FIX.n1, dest5: '0312348888' });
  t.match(rows[2], { blockedCallers: '0612345678', anonymousRejection: 'true', forwarding: 'true', busy: 'true', dest1: '0312349999' });
});

t.test('no credentials in the number CSV: no HA1, no password', async (t) => {
  const res = await as('operator', `/voice-groups/${FIX.vg1}/numbers.csv`);
  const secrets: string[] = [];
  for (const sipId of [FIX.lines.a1, FIX.lines.a2, FIX.lines.b1]) {
    const line = await h.redis.hgetall(keys.line(sipId));
    t.ok(line.ha1Md5 && line.ha1Sha256, `${sipId} has HA1 stored`);
    secrets.push(line.ha1Md5!, line.ha1Sha256!, `${sipId}-pw-123`);
  }
  for (const secret of secrets) t.notOk(res.text.includes(secret), 'a stored secret is not in the file');
  t.notMatch(res.text, /ha1|password|realm/i, 'no such column');
});

t.test("a voice group's numbers: every site of it, no other voice group's", async (t) => {
  const res = await as('vgAdmin', `/voice-groups/${FIX.vg1}/numbers.csv`);
  t.equal(res.status, 200);
  t.same(
    table(res.text).map((r) => r.number),
    [FIX.n1, FIX.n1d, FIX.n2, FIX.n3],
  );
  const narrowed = await as('vgAdmin', `/voice-groups/${FIX.vg1}/numbers.csv?prefix=03-1112`);
  t.same(
    table(narrowed.text).map((r) => r.number),
    [FIX.n3],
    'narrowed by prefix',
  );
  t.equal((await as('vgAdmin', `/voice-groups/${FIX.vg1}/numbers.csv?prefix=03x`)).status, 400, 'a prefix is digits');
});

t.test('who may download a site’s or a voice group’s numbers', async (t) => {
  const site: Record<AccountKey, number> = { operator: 200, vgAdmin: 200, vgAdmin2: 404, siteAdmin: 200, siteAdmin2: 404, numberUser: 404, numberUser2: 404 };
  const vg: Record<AccountKey, number> = { operator: 200, vgAdmin: 200, vgAdmin2: 404, siteAdmin: 404, siteAdmin2: 404, numberUser: 404, numberUser2: 404 };
  for (const [who, status] of Object.entries(site) as Array<[AccountKey, number]>) {
    t.equal((await as(who, `/sites/${FIX.s1}/numbers.csv`)).status, status, `${who}: site ${FIX.s1}`);
  }
  for (const [who, status] of Object.entries(vg) as Array<[AccountKey, number]>) {
    t.equal((await as(who, `/voice-groups/${FIX.vg1}/numbers.csv`)).status, status, `${who}: voice group ${FIX.vg1}`);
  }
  t.equal((await h.req(undefined, 'GET', `/sites/${FIX.s1}/numbers.csv`)).status, 401, 'no token');
});

t.test('search by prefix: only numbers the account may see', async (t) => {
  const search = async (who: AccountKey, prefix: string) => {
    const res = await as(who, `/numbers?prefix=${encodeURIComponent(prefix)}`);
    t.equal(res.status, 200, `${who} searches ${prefix}`);
    return (res.body.numbers as Array<{ number: string }>).map((n) => n.number);
  };
  t.same(await search('operator', '03'), [FIX.n1, FIX.n1d, FIX.n2, FIX.n3, FIX.n4, FIX.n5], 'the operator: every number');
  t.same(await search('operator', '0322'), [FIX.n4, FIX.n5]);
  t.same(await search('vgAdmin', '03'), [FIX.n1, FIX.n1d, FIX.n2, FIX.n3], 'a voice-group admin: its voice group only');
  t.same(await search('vgAdmin', '0322'), [], 'another voice group’s prefix finds nothing');
  t.same(await search('vgAdmin2', '03-2222'), [FIX.n4, FIX.n5]);
  t.same(await search('siteAdmin', '031111'), [FIX.n1, FIX.n1d, FIX.n2], 'a site admin: its site only');
  t.same(await search('siteAdmin', '031112'), []);
  t.same(await search('numberUser', '03'), [FIX.n1], 'a number user: its own number');
  t.same(await search('numberUser', '0311110003'), []);
  const row = await as('siteAdmin', `/numbers?prefix=${FIX.n1d}`);
  t.same(row.body, { numbers: [{ number: FIX.n1d, kind: 'dial-in', sipId: FIX.lines.a1, siteId: FIX.s1, voiceGroupId: FIX.vg1 }], truncated: false });
  t.equal((await as('operator', '/numbers?prefix=*')).status, 400, 'no glob characters reach the store');
  t.equal((await h.req(undefined, 'GET', '/numbers?prefix=03')).status, 401);
});
