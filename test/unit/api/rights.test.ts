import t from 'tap';
import { allowed, canView, coversRights, FUNCTIONS, grantRights, rightOf, roleMaximum, type Actor, type TargetScope } from '../../../src/api/accounts/roles.js';
import { capabilities } from '../../../src/api/resources/capabilities.js';
import { visibleTo, type NumberView } from '../../../src/api/resources/number-view.js';
import { optionsNeeded } from '../../../src/api/resources/numbers.js';
import { defaultFeatures } from '../../../src/features/settings.js';
import { featuresView } from '../../../src/api/resources/number-view.js';

/** Rights per function (docs/product.md §6): none, view, view and edit, within the role's maximum. */

const own: TargetScope = { voiceGroupId: 'VG1', siteId: '1000001', number: '0311110001' };
const siteAdmin: Actor = { name: 'site', role: 'site-admin', siteId: '1000001' };
const numberUser: Actor = { name: 'user', role: 'number-user', number: '0311110001' };

t.test('role maximum: edit where the role may act, view elsewhere', async (t) => {
  for (const fn of FUNCTIONS) t.equal(roleMaximum('operator', fn), 'edit', `operator ${fn}`);
  t.equal(roleMaximum('site-admin', 'voice-group'), 'view');
  t.equal(roleMaximum('site-admin', 'hunt-group'), 'edit');
  t.equal(roleMaximum('number-user', 'forwarding'), 'edit');
  t.equal(roleMaximum('number-user', 'international-bar'), 'view');
  t.equal(roleMaximum('number-user', 'accounts'), 'view');
});

t.test('an account without rights has its role maximum (accounts made before rights existed)', async (t) => {
  for (const fn of FUNCTIONS) t.equal(rightOf(siteAdmin, fn), roleMaximum('site-admin', fn), fn);
});

t.test('a stored right above the role maximum counts as the maximum', async (t) => {
  const forged: Actor = { ...numberUser, rights: { 'international-bar': 'edit', accounts: 'edit' } };
  t.equal(rightOf(forged, 'international-bar'), 'view');
  t.notOk(allowed(forged, 'international-bar', own));
  t.notOk(allowed(forged, 'accounts', own));
});

t.test('view: may read, may not change; none: may not read either', async (t) => {
  const viewer: Actor = { ...siteAdmin, rights: { forwarding: 'view', 'hunt-group': 'none' } };
  t.ok(allowed(siteAdmin, 'forwarding', own), 'control: full rights');
  t.notOk(allowed(viewer, 'forwarding', own), 'view refuses the change');
  t.ok(canView(viewer, 'forwarding'));
  t.notOk(allowed(viewer, 'hunt-group', own));
  t.notOk(canView(viewer, 'hunt-group'));
  t.ok(allowed(viewer, 'nuisance', own), 'other functions keep their right');
  t.ok(allowed(viewer, 'read', own), 'read of the scope is not a function');
  const op: Actor = { name: 'desk', role: 'operator', rights: { routing: 'none' } as never };
  t.ok(allowed(op, 'routing', {}), 'contract items are no function: rights do not narrow them');
  const viewOp: Actor = { name: 'desk', role: 'operator', rights: { forwarding: 'view' } };
  t.notOk(allowed(viewOp, 'forwarding', own), 'an operator account can be view-only too');
});

t.test('granting: at most the role maximum and at most your own right; unnamed functions capped at yours', async (t) => {
  t.same(grantRights(siteAdmin, 'number-user', { forwarding: 'view', presentation: 'none' }), {
    rights: { forwarding: 'view', presentation: 'none' },
    problems: [],
  });
  t.same(grantRights(siteAdmin, 'number-user', { 'international-bar': 'edit' }).problems, ['rights.international-bar: at most view for the role number-user']);
  const viewer: Actor = { ...siteAdmin, rights: { forwarding: 'view' } };
  t.same(grantRights(viewer, 'number-user', { forwarding: 'edit' }).problems, ['rights.forwarding: more than your own right (view)']);
  t.same(grantRights(viewer, 'site-admin', {}), { rights: { forwarding: 'view' }, problems: [] }, 'an unnamed function never exceeds the granter');
  t.same(grantRights({ name: 'op', role: 'operator' }, 'site-admin', { 'voice-group': 'edit' }).problems, [
    'rights.voice-group: at most view for the role site-admin',
  ]);
  t.same(grantRights(siteAdmin, 'site-admin', {}), { rights: {}, problems: [] }, 'rights at the maximum are implied, not stored');
});

t.test('managing an account needs every right it has', async (t) => {
  const viewer: Actor = { ...siteAdmin, rights: { forwarding: 'view' } };
  t.notOk(coversRights(viewer, siteAdmin), 'its password reset would reach forwarding edit');
  t.ok(coversRights(siteAdmin, viewer));
  t.ok(coversRights(viewer, { ...numberUser, rights: { forwarding: 'view' } }));
  t.notOk(coversRights(viewer, numberUser), 'a number user edits forwarding; this admin only views it');
});

t.test('capabilities report every right and offer only editable fields', async (t) => {
  const viewer: Actor = { ...numberUser, rights: { forwarding: 'view', nuisance: 'none' } };
  const c = capabilities(viewer);
  t.equal(c.rights.forwarding, 'view');
  t.equal(c.rights.nuisance, 'none');
  t.equal(c.rights['anonymous-rejection'], 'edit');
  t.equal(c.rights['international-bar'], 'view');
  t.notOk(c.featureFields.includes('forwarding'));
  t.notOk(c.featureFields.includes('blockedCallers'));
  t.ok(c.featureFields.includes('anonymousRejection'));
});

const view = (): NumberView => ({
  number: '0311110001',
  kind: 'basic',
  sipId: 'l',
  siteId: '1000001',
  voiceGroupId: 'VG1',
  features: featuresView(defaultFeatures('0311110001')),
  options: { subscribed: [], legacy: false, number: [], site: null, lockedFields: [], slot5Option: 'bulk-forwarding' },
});

t.test('a number as seen with none on a function: its fields are left out', async (t) => {
  const v = visibleTo({ ...numberUser, rights: { nuisance: 'none', forwarding: 'view' } }, view());
  t.notOk('blockedCallers' in v.features);
  t.notOk('blockAnnouncementUri' in v.features);
  t.ok('forwarding' in v.features, 'view still shows');
  t.same(Object.keys(visibleTo(numberUser, view()).features).sort(), Object.keys(view().features).sort(), 'control');
});

t.test('the options a PATCH needs: only fields whose value changes', async (t) => {
  const v = view();
  t.same(optionsNeeded({ anonymousRejection: true }, v), ['anonymous-rejection']);
  t.same(optionsNeeded({ anonymousRejection: false }, v), [], 'unchanged value needs nothing');
  t.same(optionsNeeded({ presentation: 'withhold', outgoingRestriction: true }, v), [], 'no option');
  t.same(optionsNeeded({ blockedCallers: ['0612345678'] }, v), ['nuisance-blocking']);
  t.same(optionsNeeded({ forwarding: { enabled: true } }, v), ['forwarding']);
  t.same(optionsNeeded({ forwarding: { schedule: [{ days: [1], from: '09:00', to: '10:00', pattern: {} }] } }, v), ['scheduled-forwarding']);
  t.same(optionsNeeded({ forwarding: { ...v.features.forwarding } }, v), [], 'forwarding sent back unchanged');
  t.same(
    optionsNeeded({ forwarding: { destinations: [null, null, null, null, '0312348888'] } }, v),
    ['bulk-forwarding'],
    "a bulk-group member's slot 5 is bulk forwarding",
  );
  const outside: NumberView = { ...v, options: { ...v.options, slot5Option: 'forwarding' } };
  t.same(
    optionsNeeded({ forwarding: { destinations: [null, null, null, null, '0312348888'] } }, outside),
    ['forwarding'],
    "anyone else's slot 5 is its own forwarding",
  );
  t.same(optionsNeeded({ forwarding: { destinations: ['0312348888', null, null, null, null] } }, v), ['forwarding']);
  t.same(optionsNeeded({ internationalBar: true, specificPresentation: null }, v), ['international-bar']);
});
