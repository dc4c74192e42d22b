import t from 'tap';
import { DOMAIN, registerTrunk, trunk } from '../helpers/call-harness.js';
import { OPERATOR, screenshot, signIn, startPortalStack, unlabelledControls, type PortalAccount } from '../helpers/portal-stack.js';
import { describeSipp, runSipp } from '../helpers/sipp.js';

/**
 * The customer portal in a real Chromium against the real server process,
 * one role at a time: each signs in and sees exactly its lines (with the
 * registration status a SIPp-registered, an unregistered and an
 * IP-authenticated trunk really have) and the menu its role may use; a
 * number user cannot reach another number by the menu or by URL; lockout,
 * sign-out and an ended session go back to sign-in. Screenshots of the main
 * pages (Japanese and English) are written to docs/screenshots.
 */
const PBX = await trunk('tokyo-pbx', 'tokyo-pbx-pw-1');
const FAX = await trunk('tokyo-fax', 'tokyo-fax-pw-1');
const N = { pbx: '0345670001', fax: '0345670002', gw: '0345670003', osaka: '0665670001', other: '0455550001' };

const digest = (sipId: string, password: string, basicNumber: string, dialInNumbers: string[] = []) => ({
  sipId,
  password,
  auth: 'digest',
  channels: 4,
  basicNumber,
  dialInNumbers,
});
const provisioning = {
  voiceGroups: [
    {
      id: 'VGP',
      name: 'Sakura Trading',
      sites: [
        {
          id: '4000001',
          name: 'Tokyo HQ',
          lines: [
            digest(PBX.sipId, PBX.password, N.pbx, ['0345670009']),
            digest(FAX.sipId, FAX.password, N.fax),
            { sipId: 'tokyo-gw', auth: 'ip', allowedAddresses: ['127.0.0.5'], channels: 8, basicNumber: N.gw },
          ],
          bulkGroups: [{ id: 'hq-night', name: 'HQ night', members: [N.pbx] }],
        },
        { id: '4000002', name: 'Osaka branch', lines: [digest('osaka-pbx', 'osaka-pbx-pw-1', N.osaka)] },
      ],
    },
    { id: 'VGQ', name: 'Other Co', sites: [{ id: '5000001', name: 'Yokohama', lines: [digest('other-pbx', 'other-pbx-pw-1', N.other)] }] },
  ],
  features: { [N.pbx]: { forwarding: { destinations: [N.osaka, null, null, null, N.fax] } } },
};
const ACCOUNTS = {
  vgAdmin: { name: 'sakura-admin', password: 'Sakura2026', role: 'voice-group-admin', voiceGroupId: 'VGP' },
  siteAdmin: { name: 'hq-admin', password: 'Hqadmin2026', role: 'site-admin', siteId: '4000001' },
  user: { name: 'user-0001', password: 'User0001pw', role: 'number-user', number: N.pbx },
  lockMe: { name: 'lock-me', password: 'Lockme2026', role: 'number-user', number: N.fax },
} satisfies Record<string, PortalAccount>;

const stack = await startPortalStack(provisioning, Object.values(ACCOUNTS));
await registerTrunk(stack.node, PBX);
// The fax trunk tries with a wrong password: not registered, with that as its latest error.
const wrong = await runSipp({
  scenario: 'register-wrong-password.xml',
  target: { port: stack.node.port },
  authUri: DOMAIN,
  injection: [[FAX.sipId, 'not-the-password', DOMAIN]],
});
t.equal(wrong.code, 0, 'the wrong-password REGISTER was refused as expected', describeSipp(wrong));

/** Line rows as the page shows them: SIP ID -> status icon text. */
async function lineIcons(page: import('playwright-core').Page): Promise<Record<string, string>> {
  await page.locator('table.lines tbody tr').first().waitFor();
  return Object.fromEntries(
    await page
      .locator('table.lines tbody tr')
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-sipid') ?? '', r.querySelector('.icon')?.textContent ?? ''])),
  );
}

t.test('operator: every customer, the status icons, peers and routes in the menu (Japanese by the browser)', async (t) => {
  const ctx = await stack.context('ja-JP');
  const page = await ctx.newPage();
  await signIn(page, OPERATOR.name, OPERATOR.password);
  t.equal(await page.locator('html').getAttribute('lang'), 'ja', 'Japanese, from the browser language');
  t.same(
    await lineIcons(page),
    { 'tokyo-pbx': '✓', 'tokyo-fax': '✗', 'tokyo-gw': '—', 'osaka-pbx': '✗', 'other-pbx': '✗' },
    'registered ✓, not registered ✗, IP-authenticated —; every voice group',
  );
  const fax = page.locator('tr[data-sipid="tokyo-fax"]');
  t.match(await fax.innerText(), /未登録[\s\S]*\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}[\s\S]*wrong password/, 'the latest error, with its time');
  t.ok(await page.getByRole('link', { name: '接続先とルート' }).isVisible(), 'operators see peers and routes');
  await screenshot(page, 'lines-ja');

  await page.getByLabel('番号または拠点').fill('0665');
  t.same(Object.keys(await lineIcons(page)), ['osaka-pbx'], 'search by number');
  await page.getByLabel('番号または拠点').fill('Tokyo');
  t.same(Object.keys(await lineIcons(page)).sort(), ['tokyo-fax', 'tokyo-gw', 'tokyo-pbx'], 'search by site');

  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Lines' }).waitFor();
  t.equal(await page.locator('html').getAttribute('lang'), 'en', 'switched to English');
  await page.getByLabel('Number or site').fill('');
  await screenshot(page, 'lines-en');
  await ctx.close();
});

t.test('voice-group admin: its two sites, not the other customer; no peers and routes', async (t) => {
  const ctx = await stack.context('en-US');
  const page = await ctx.newPage();
  await signIn(page, ACCOUNTS.vgAdmin.name, ACCOUNTS.vgAdmin.password);
  t.same(await lineIcons(page), { 'tokyo-pbx': '✓', 'tokyo-fax': '✗', 'tokyo-gw': '—', 'osaka-pbx': '✗' });
  t.equal(await page.getByRole('link', { name: 'Peers and routes' }).count(), 0, 'no operator pages');
  t.ok(await page.getByRole('link', { name: 'Bulk forwarding' }).isVisible());
  t.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is not readable by page scripts');
  await page.goto(`/portal/#/numbers/${N.other}`);
  await page.getByText('Not found, or not yours to see.').waitFor();
  t.pass("another customer's number by URL: not found");
  await ctx.close();
});

t.test('site admin: its site only, and the admin-only settings of a number', async (t) => {
  const ctx = await stack.context('en-US');
  const page = await ctx.newPage();
  await signIn(page, ACCOUNTS.siteAdmin.name, ACCOUNTS.siteAdmin.password);
  t.same(await lineIcons(page), { 'tokyo-pbx': '✓', 'tokyo-fax': '✗', 'tokyo-gw': '—' });
  await page.getByRole('link', { name: N.pbx }).click();
  await page.getByRole('heading', { name: `Number ${N.pbx}` }).waitFor();
  t.ok(await page.getByLabel('Bar international calls').isVisible(), 'admins get the line restrictions');
  t.ok((await page.getByLabel('Number to present').isEditable()) === false, 'the presented number is a contract item: shown, not editable');
  await page.getByRole('button', { name: 'Add a rule' }).click();
  t.same(await unlabelledControls(page), [], 'every field of the number page (with a weekly rule) has a label');
  await page.getByRole('button', { name: 'Remove' }).last().click();
  await screenshot(page, 'number-en');
  await page.getByRole('link', { name: 'Bulk forwarding' }).click();
  await page.getByRole('heading', { name: 'HQ night (hq-night)' }).waitFor();
  await screenshot(page, 'bulk-en');
  await page.goto(`/portal/#/numbers/${N.osaka}`);
  await page.getByText('Not found, or not yours to see.').waitFor();
  t.pass('a number of the other site: not found');
  await ctx.close();
});

t.test('number user: its own number only, by menu and by URL; only its four features', async (t) => {
  const ctx = await stack.context('ja-JP', { phone: true });
  const page = await ctx.newPage();
  // By keyboard alone: Tab to each field, Enter to send.
  await page.goto('/portal/');
  await page.getByLabel('アカウント名').waitFor();
  for (let i = 0; i < 10 && !(await page.getByLabel('アカウント名').evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await page.keyboard.type(ACCOUNTS.user.name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(ACCOUNTS.user.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `番号 ${N.pbx}` }).waitFor();
  const menu = await page.locator('header nav a').allInnerTexts();
  t.same(menu, ['自分の番号', '設定履歴', 'アカウント'], 'no lines, groups, CSV or routing in the menu');
  t.ok(await page.getByLabel('番号非通知の着信を拒否する').isVisible(), 'anonymous rejection offered');
  t.same(await unlabelledControls(page), [], 'every field has a label');
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing wider than the phone screen');
  t.equal(await page.getByLabel('国際電話の発信を規制する').count(), 0, 'line restrictions are not offered');
  await screenshot(page, 'number-ja-phone');

  for (const path of [`#/numbers/${N.fax}`, '#/lines', '#/bulk', '#/csv']) {
    await page.goto(`/portal/${path}`);
    await page
      .getByRole('heading', { name: '見つからないか、閲覧する権限がありません。' })
      .or(page.getByText('見つからないか、閲覧する権限がありません。'))
      .first()
      .waitFor();
    t.pass(`${path}: not reachable`);
  }
  const direct = await page.request.get(`/numbers/${N.fax}`);
  t.equal(direct.status(), 404, 'the API behind it refuses the other number too');
  await ctx.close();
});

t.test('sign-in: wrong password, lockout after three, sign-out, an ended session', async (t) => {
  const ctx = await stack.context('en-US');
  const page = await ctx.newPage();
  await page.goto('/portal/');
  await screenshot(page, 'signin-en');
  for (let i = 1; i <= 3; i++) {
    await page.getByLabel('Account name').fill(ACCOUNTS.lockMe.name);
    await page.getByLabel('Password').fill('Wrong-pass-1');
    const [answer] = await Promise.all([page.waitForResponse('**/portal/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
    t.equal(answer.status(), i < 3 ? 401 : 423, `attempt ${i}`);
    await page
      .getByRole('alert')
      .filter({ hasText: i < 3 ? 'Wrong account name or password.' : 'locked after three wrong passwords' })
      .waitFor();
  }
  await page.getByLabel('Account name').fill(ACCOUNTS.lockMe.name);
  await page.getByLabel('Password').fill(ACCOUNTS.lockMe.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'locked' }).waitFor();
  t.pass('locked: even the right password is refused, with the lockout message');

  await signIn(page, ACCOUNTS.user.name, ACCOUNTS.user.password);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
  t.same(
    (await ctx.cookies()).filter((c) => c.name === 'ss_session'),
    [],
    'the session cookie is gone',
  );
  await page.goto('/portal/#/lines');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  t.pass('signed out: pages lead back to sign-in');

  await signIn(page, ACCOUNTS.user.name, ACCOUNTS.user.password);
  await page.getByText(/Calls rejected: this month/).waitFor();
  const [cookie] = (await ctx.cookies()).filter((c) => c.name === 'ss_session');
  t.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', 'HttpOnly, SameSite=Strict');
  // An expired (or otherwise no longer valid) token: the next request is 401 and the page goes back to sign-in.
  await ctx.addCookies([{ ...cookie!, value: `${cookie!.value.split('.')[0]}.${'A'.repeat(43)}` }]);
  await page.getByRole('link', { name: 'History' }).click();
  await page.getByText('Your session has ended. Please sign in again.').waitFor();
  t.pass('an ended session: back to sign-in, with the reason');
  await ctx.close();

  const ja = await stack.context('ja-JP');
  const jaPage = await ja.newPage();
  await jaPage.goto('/portal/');
  await jaPage.getByRole('heading', { name: 'ログイン' }).waitFor();
  await screenshot(jaPage, 'signin-ja');
  await ja.close();
});
