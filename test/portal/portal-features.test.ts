import { readFileSync } from 'node:fs';
import t from 'tap';
import { answer, callFrom, headerValues, receivedInvite, registerTrunk, requestUri, trunk } from '../helpers/call-harness.js';
import { screenshot, signIn, startPortalStack, type PortalAccount } from '../helpers/portal-stack.js';
import { tempDir } from '../helpers/server-process.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Changing things through the portal in a real Chromium, and the real
 * server following at once: forwarding set in the page redirects the next
 * SIPp call; a number blocked in the page gets the next call rejected and
 * its counter moves; a refused value shows the API's message at its field;
 * a stale form (two browser contexts) is refused and the current values
 * offered; the forwarding CSV goes down and back up, with line-and-column
 * errors; bulk forwarding starts and stops with a result per number.
 */
const CALLER = await trunk('fc-caller', 'fc-caller-pw-1');
const A = await trunk('fc-a', 'fc-a-pw-12345');
const B = await trunk('fc-b', 'fc-b-pw-12345');
const N = { caller: '0312360001', a: '0312360002', b: '0312360003' };
const SITE = '6000001';

const line = (l: typeof A, basicNumber: string) => ({ sipId: l.sipId, password: l.password, auth: 'digest', channels: 4, basicNumber });
const stack = await startPortalStack(
  {
    voiceGroups: [
      {
        id: 'VGF',
        name: 'Fuji Logistics',
        sites: [
          {
            id: SITE,
            name: 'Shizuoka depot',
            lines: [line(CALLER, N.caller), line(A, N.a), line(B, N.b)],
            bulkGroups: [{ id: 'depot-closed', name: 'Depot closed', members: [N.a, N.caller] }],
            huntGroups: [{ id: 'depot-desk', pilot: N.b, members: [N.caller] }],
          },
        ],
      },
    ],
    features: { [N.a]: { forwarding: { destinations: [null, null, null, null, N.b] } } },
  },
  [
    { name: 'fuji-user', password: 'Fujiuser2026', role: 'number-user', number: N.a },
    { name: 'depot-admin', password: 'Depotadmin2026', role: 'site-admin', siteId: SITE },
  ] satisfies PortalAccount[],
);
await registerTrunk(stack.node, A);
await registerTrunk(stack.node, B);

const user = await stack.context('en-US');
const userPage = await user.newPage();
await signIn(userPage, 'fuji-user', 'Fujiuser2026');
await userPage.getByRole('heading', { name: `Number ${N.a}` }).waitFor();

const admin = await stack.context('ja-JP');
const adminPage = await admin.newPage();
await signIn(adminPage, 'depot-admin', 'Depotadmin2026');

/** The number as the API has it now (with the user's session). */
async function stored(): Promise<any> {
  const res = await userPage.request.get(`/numbers/${N.a}`);
  return res.json();
}

async function save(page = userPage): Promise<void> {
  await page.getByRole('button', { name: /^(Save|保存)$/ }).click();
}

t.test('forwarding set in the page: the next call is answered by the destination, with Diversion', async (t) => {
  await userPage.getByLabel('Forwarding on', { exact: true }).check();
  await userPage.getByLabel('Always (unconditional)').check();
  await userPage.getByLabel('Destination 1', { exact: true }).fill(N.b);
  await save();
  await userPage.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  t.match((await stored()).features.forwarding, { enabled: true, unconditional: true, active: 1, destinations: [N.b] });

  const callee = await answer(stack.node, 'call-callee.xml', B);
  const call = await callFrom(stack.node, CALLER, { called: N.a, from: N.caller, expect: 200 });
  const answered = await callee.done;
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal(answered.code, 0, 'by B', describeSipp(answered));
  t.match(requestUri(receivedInvite(answered)), new RegExp(`^sip:${N.b}@`));
  t.equal(headerValues(receivedInvite(answered), 'Diversion').length, 1, 'forwarded, with Diversion');

  await userPage.getByLabel('Forwarding on', { exact: true }).uncheck();
  await save();
  await userPage.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  t.equal((await stored()).features.forwarding.enabled, false, 'switched off again');
});

t.test("a refused value: the API's own message, at the field, and nothing changed", async (t) => {
  const before = await stored();
  const ring = userPage.getByLabel(/^Ring time/);
  await ring.fill('40');
  await save();
  await userPage.getByRole('alert').filter({ hasText: 'Some values were refused' }).waitFor();
  t.equal(await ring.getAttribute('aria-invalid'), 'true', 'the field is marked invalid');
  const shown = await userPage.locator(`#${await ring.getAttribute('id')}-error`).innerText();
  const api = await userPage.request.patch(`/numbers/${N.a}/features`, {
    headers: { 'x-portal-request': '1', 'if-match': '*' },
    data: { forwarding: { ringTime: 40 } },
  });
  const issue = ((await api.json()).issues as string[]).find((i) => i.startsWith('forwarding.ringTime: '));
  t.equal(shown, issue?.replace('forwarding.ringTime: ', ''), `the API's message at the field: "${shown}"`);
  t.same(await stored(), before, 'nothing was changed');
  await screenshot(userPage, 'number-error-en');
  await ring.fill('15');
});

t.test('a blocked number added in the page: the next call from it is rejected and the counter moves', async (t) => {
  await userPage.reload();
  await userPage.getByText('Calls rejected: this month 0, last month 0').waitFor();
  await userPage.getByLabel('Number to block').fill(N.caller);
  await userPage.getByRole('button', { name: 'Block' }).click();
  await save();
  await userPage.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  t.same((await stored()).features.blockedCallers, [N.caller]);

  const call = await callFrom(stack.node, CALLER, { called: N.a, from: N.caller, expect: 603 });
  t.equal(call.code, 0, 'the call is declined (603)', describeSipp(call));
  await userPage.reload();
  await userPage.getByText('Calls rejected: this month 1, last month 0').waitFor();
  t.pass('the counter shows the rejection');
});

t.test('the block list shows when each entry was added, newest first, and sorts by number', async (t) => {
  const later = '0912345678';
  await userPage.reload();
  await userPage.getByLabel('Number to block').fill(later);
  await userPage.getByRole('button', { name: 'Block' }).click();
  await save();
  await userPage.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await userPage.reload();
  const entries = userPage.locator('ul.blocked li');
  await entries
    .nth(1)
    .locator('.added')
    .filter({ hasText: /^added \d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2}$/ })
    .waitFor();
  const order = async () => Promise.all((await entries.all()).map((li) => li.getByRole('textbox').inputValue()));
  t.same(await order(), [later, N.caller], 'newest first: the entry just added leads');
  const api = await (await userPage.request.get(`/numbers/${N.a}/block-list`)).json();
  t.equal(await entries.first().locator('.added').innerText(), `added ${formatLikeThePage(api.entries[0].addedAt)}`, 'the time the API keeps');
  await userPage.getByLabel('Sort the list').selectOption({ label: 'By number' });
  await userPage.waitForFunction(() => document.querySelector<HTMLInputElement>('ul.blocked li input')?.value === '0312360001');
  t.same(await order(), [N.caller, later], 'by number');
  await userPage.getByLabel('Sort the list').selectOption({ label: 'Oldest first' });
  await userPage.waitForFunction(() => document.querySelector<HTMLInputElement>('ul.blocked li input')?.value === '0312360001');
  t.same(await order(), [N.caller, later], 'oldest first');
  await screenshot(userPage, 'block-list-en');
});

/** en-GB date and time in the service time zone, as the portal writes it. */
function formatLikeThePage(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}

t.test('a stale form is refused: the other change is kept and the current values are offered', async (t) => {
  await adminPage.goto(`/portal/#/numbers/${N.a}`);
  await userPage.reload();
  await adminPage.getByLabel('番号非通知の着信を拒否する').check();
  await save(adminPage);
  await adminPage.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();

  await userPage.getByLabel('Caller ID on your calls', { exact: true }).selectOption('withhold');
  await save();
  await userPage.getByRole('alert').filter({ hasText: 'Someone else changed this since you opened it' }).waitFor();
  t.match(
    await userPage.locator('.stale').innerText(),
    /Caller ID on your calls\s*Show my number/,
    'the current value of the field the user changed, in words',
  );
  const now = await stored();
  t.equal(now.features.anonymousRejection, true, 'the other change is kept');
  t.equal(now.features.presentation, 'present', 'the stale change was not written');
  await screenshot(userPage, 'stale-en');
  await userPage.getByRole('button', { name: 'Load the current values' }).click();
  t.equal(await userPage.getByLabel('Reject calls that withhold the caller ID').isChecked(), true, 'the form now shows the current values');
  await userPage.getByLabel('Caller ID on your calls', { exact: true }).selectOption('withhold');
  await save();
  await userPage.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  t.equal((await stored()).features.presentation, 'withhold', 'made again on the current values, it is saved');
});

t.test('forwarding CSV: download, edit, upload; a bad file is refused with line and column', async (t) => {
  await adminPage.goto('/portal/#/csv');
  const [download] = await Promise.all([adminPage.waitForEvent('download'), adminPage.getByRole('button', { name: 'CSVをダウンロード' }).click()]);
  const file = `${tempDir('ss-portal-csv-')}/forwarding.csv`;
  await download.saveAs(file);
  const csv = readFileSync(file, 'utf8');
  t.match(csv, /^number,enabled,unconditional,busy,noAnswer,unreachable,ringTime,active,dest1/, 'the CSV header');
  const rows = csv.trimEnd().split(/\r?\n/);
  const aRow = rows.findIndex((r) => r.startsWith(`${N.a},`));
  const edited = rows
    .map((r, i) =>
      i === aRow
        ? r
            .split(',')
            .map((c, j) => (j === 6 ? '25' : c))
            .join(',')
        : r,
    )
    .join('\r\n');

  await adminPage.getByLabel('アップロードするCSVファイル').setInputFiles({ name: 'forwarding.csv', mimeType: 'text/csv', buffer: Buffer.from(edited) });
  await adminPage.getByRole('button', { name: 'アップロード', exact: true }).click();
  await adminPage.getByRole('status').filter({ hasText: '反映しました' }).waitFor();
  t.equal((await stored()).features.forwarding.ringTime, 25, 'the uploaded ring time is stored');

  const bad = rows
    .map((r, i) =>
      i === aRow
        ? r
            .split(',')
            .map((c, j) => (j === 6 ? '99' : c))
            .join(',')
        : r,
    )
    .join('\r\n');
  await adminPage.getByLabel('アップロードするCSVファイル').setInputFiles({ name: 'forwarding.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await adminPage.getByRole('button', { name: 'アップロード', exact: true }).click();
  const errors = adminPage.getByRole('alert').filter({ hasText: '何も変更していません' });
  await errors.waitFor();
  t.match(await errors.innerText(), new RegExp(`line ${aRow + 1}, column ringTime: `), 'the bad cell named by line and column');
  t.equal((await stored()).features.forwarding.ringTime, 25, 'nothing changed');
  await screenshot(adminPage, 'csv-ja');
});

t.test('bulk forwarding: start and stop, with the result per number', async (t) => {
  await adminPage.goto('/portal/#/bulk');
  const card = adminPage.locator('[data-group="depot-closed"]');
  await card.getByRole('button', { name: '開始', exact: true }).click();
  await card.getByRole('heading', { name: '番号ごとの結果' }).waitFor();
  const results = await card.locator('table.results tbody tr').allInnerTexts();
  t.match(
    results.find((r) => r.startsWith(N.a)),
    /✓ 完了/,
    'the member with a destination 5: done',
  );
  t.match(
    results.find((r) => r.startsWith(N.caller)),
    /✗ エラー/,
    'the member without one: error, with why',
  );
  t.match(await card.locator('.state').innerText(), '転送中');
  t.ok(await card.getByRole('button', { name: '開始', exact: true }).isDisabled(), 'start is not offered again');
  await screenshot(adminPage, 'bulk-ja');

  await card.getByRole('button', { name: '停止', exact: true }).click();
  await card.locator('.state').filter({ hasText: '停止中' }).waitFor();
  t.pass('stopped');
});

t.test('hunt group: edited in the page, with If-Match; a refused member shown at the field', async (t) => {
  await adminPage.goto('/portal/#/hunt');
  await adminPage.getByRole('button', { name: '編集 depot-desk' }).click();
  t.equal(await adminPage.getByRole('button', { name: '代表組を新規作成' }).count(), 0, 'creating a hunt group is a contract item: not offered');
  t.notOk(await adminPage.getByLabel('代表番号', { exact: true }).isEditable(), 'nor changing its pilot');
  await adminPage.getByLabel('着信順', { exact: true }).selectOption('round-robin');
  await adminPage.getByLabel('メンバー (1行に1番号、着信順)').fill(`${N.caller}\n0399999999`);
  await save(adminPage);
  await adminPage.getByRole('alert').waitFor();
  t.equal(await adminPage.getByLabel('メンバー (1行に1番号、着信順)').getAttribute('aria-invalid'), 'true', 'the members field carries the refusal');
  await adminPage.getByLabel('メンバー (1行に1番号、着信順)').fill(N.caller);
  await save(adminPage);
  await adminPage.locator('table').getByText('ラウンドロビン').waitFor();
  const group = await (await adminPage.request.get('/hunt-groups/depot-desk')).json();
  t.match(group, { mode: 'round-robin', members: [N.caller] }, 'stored');
});

t.test('history and accounts pages', async (t) => {
  await adminPage.goto('/portal/#/history');
  await adminPage.locator('table.history tbody tr').first().waitFor();
  t.ok(await adminPage.locator('table.history').getByText('fuji-user').first().isVisible(), "the number user's changes are in the history");
  await screenshot(adminPage, 'history-ja');
  await adminPage.goto('/portal/#/accounts');
  await adminPage.getByLabel('アカウント名').fill('depot-user-b');
  await adminPage.getByLabel('初期パスワード').fill('short');
  await adminPage.getByLabel('権限').selectOption('number-user');
  await adminPage.getByLabel('番号', { exact: true }).fill(N.b);
  await adminPage.getByRole('button', { name: 'アカウントを作成' }).click();
  await adminPage.locator('.field-error').first().waitFor();
  t.match(await adminPage.locator('.field-error').first().innerText(), /8-40|characters/, 'the password policy, at the password field');
  await adminPage.getByLabel('初期パスワード').fill('Depotuser2026');
  await adminPage.getByRole('button', { name: 'アカウントを作成' }).click();
  await adminPage.locator('tr[data-account="depot-user-b"]').waitFor();
  t.pass('created within the site');
  await screenshot(adminPage, 'accounts-ja');
});
