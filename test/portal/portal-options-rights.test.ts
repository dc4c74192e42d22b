import t from 'tap';
import { OPERATOR, screenshot, signIn, startPortalStack, type PortalAccount } from '../helpers/portal-stack.js';

/**
 * The portal in a real Chromium against the real server process, for
 * subscribed options and read-only rights (docs/product.md §4.6, §6): an
 * option the number has not subscribed is shown read-only with a note (the
 * operator still edits it); a view-only account sees its settings with every
 * control disabled and no Save; a view-only admin gets the hunt-group page
 * without edit buttons and the CSV page without upload.
 */
const N = { a: '0312390001', b: '0312390002' };
const SITE = '6100001';
const line = (sipId: string, basicNumber: string) => ({ sipId, password: `${sipId}-pw-12345`, auth: 'digest', channels: 2, basicNumber });
const stack = await startPortalStack(
  {
    voiceGroups: [
      {
        id: 'VGO',
        name: 'Options Co',
        sites: [
          { id: SITE, name: 'Options site', lines: [line('opt-a', N.a), line('opt-b', N.b)], huntGroups: [{ id: 'opt-desk', pilot: N.a, members: [N.b] }] },
        ],
      },
    ],
    features: { [N.a]: { anonymousRejection: true } },
    options: { numbers: { [N.a]: ['forwarding'] } },
  },
  [{ name: 'opt-user', password: 'Optuser2026', role: 'number-user', number: N.a }] satisfies PortalAccount[],
);

// The operator makes the read-only accounts through the API.
const opLogin = await fetch(`${stack.base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OPERATOR) });
const opToken = ((await opLogin.json()) as { token: string }).token;
for (const account of [
  { name: 'ro-user', role: 'number-user', number: N.b, rights: { forwarding: 'view', nuisance: 'view', 'anonymous-rejection': 'view', presentation: 'view' } },
  { name: 'ro-admin', role: 'site-admin', siteId: SITE, rights: { forwarding: 'view', 'hunt-group': 'view' } },
]) {
  const res = await fetch(`${stack.base}/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'Readonly2026', ...account }),
  });
  if (res.status !== 201) throw new Error(`create ${account.name}: ${res.status} ${await res.text()}`);
}

t.test('an unsubscribed option is shown read-only, saying so; the subscribed one is editable', async (t) => {
  const page = await (await stack.context('en-US')).newPage();
  await signIn(page, 'opt-user', 'Optuser2026');
  await page.getByRole('heading', { name: `Number ${N.a}` }).waitFor();
  const anon = page.getByLabel('Reject calls that withhold the caller ID');
  t.equal(await anon.isChecked(), true, 'its stored value is shown');
  t.equal(await anon.isDisabled(), true, 'but cannot be changed: anonymous rejection is not subscribed');
  await page.getByText('Not subscribed for this number: order this option from your carrier.').first().waitFor();
  t.equal(await page.getByLabel('Forwarding on', { exact: true }).isDisabled(), false, 'forwarding is subscribed: editable');
  t.equal(await page.getByLabel('Destination 1', { exact: true }).isDisabled(), false);
  t.equal(
    await page.getByLabel('Destination 5 (bulk forwarding, in a bulk group)').isDisabled(),
    false,
    'outside bulk groups slot 5 is its own forwarding (subscribed)',
  );
  t.equal(await page.getByRole('button', { name: 'Add a rule' }).isDisabled(), true, 'the weekly schedule is scheduled forwarding: not subscribed');
  t.equal(await page.getByLabel('Caller ID on your calls', { exact: true }).isDisabled(), false, 'presentation is no option');
  t.equal(await page.getByRole('button', { name: 'Save' }).count(), 1);
  await screenshot(page, 'number-options-en');
});

t.test('the operator edits an option before it is subscribed', async (t) => {
  const page = await (await stack.context('en-US')).newPage();
  await signIn(page, OPERATOR.name, OPERATOR.password);
  await page.goto(`/portal/#/numbers/${N.a}`);
  await page.getByRole('heading', { name: `Number ${N.a}` }).waitFor();
  t.equal(await page.getByLabel('Reject calls that withhold the caller ID').isDisabled(), false);
});

t.test('a view-only number user sees its settings with every control disabled and no Save', async (t) => {
  const page = await (await stack.context('ja-JP')).newPage();
  await signIn(page, 'ro-user', 'Readonly2026');
  await page.getByRole('heading', { name: `番号 ${N.b}` }).waitFor();
  await page.getByText('閲覧のみ：このアカウントでは変更できません。').first().waitFor();
  const enabled = await page.locator('form.number').locator('input:enabled, select:enabled, button:enabled').count();
  t.equal(enabled, 0, 'no control of the form can be used');
  t.equal(await page.getByRole('button', { name: '保存' }).count(), 0, 'no Save button');
  t.ok((await page.locator('form.number fieldset').count()) >= 4, 'the settings are still shown');
  await screenshot(page, 'number-readonly-ja');
});

t.test('a view-only admin reads hunt groups without edit buttons, and downloads the CSV without an upload form', async (t) => {
  const page = await (await stack.context('en-US')).newPage();
  await signIn(page, 'ro-admin', 'Readonly2026');
  await page.goto('/portal/#/hunt');
  await page
    .getByRole('cell', { name: 'opt-desk' })
    .or(page.getByRole('rowheader', { name: 'opt-desk' }))
    .first()
    .waitFor();
  t.equal(await page.getByRole('button', { name: /^Edit/ }).count(), 0, 'no edit button');
  await page.goto('/portal/#/csv');
  await page.getByRole('button', { name: 'Download CSV' }).waitFor();
  t.equal(await page.locator('input[type=file]').count(), 0, 'no upload form');
  await page.goto(`/portal/#/numbers/${N.b}`);
  await page.getByRole('heading', { name: `Number ${N.b}` }).waitFor();
  t.equal(await page.getByLabel('Forwarding on', { exact: true }).isDisabled(), true, 'forwarding: view only');
  t.equal(await page.getByLabel('Reject calls that withhold the caller ID').isDisabled(), false, 'anonymous rejection: editable');
});
