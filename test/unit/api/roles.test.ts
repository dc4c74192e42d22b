import t from 'tap';
import { allowed, CONTRACT_ACTIONS, isContractAction, outranks, ROLES, type Action, type Actor, type TargetScope } from '../../../src/api/accounts/roles.js';
import { fieldActions } from '../../../src/api/resources/numbers.js';
import type { NumberView } from '../../../src/api/resources/number-view.js';

/** The role × action matrix of roles.ts, as pure logic: who may do what where. */

const operator: Actor = { name: 'op', role: 'operator' };
const vgAdmin: Actor = { name: 'vg', role: 'voice-group-admin', voiceGroupId: 'VG1' };
const siteAdmin: Actor = { name: 'site', role: 'site-admin', siteId: '1000001' };
const numberUser: Actor = { name: 'user', role: 'number-user', number: '0311110001' };

const own: TargetScope = { voiceGroupId: 'VG1', siteId: '1000001', number: '0311110001' };
const otherNumberSameSite: TargetScope = { voiceGroupId: 'VG1', siteId: '1000001', number: '0311110003' };
const otherSite: TargetScope = { voiceGroupId: 'VG1', siteId: '1000002', number: '0311120001' };
const otherGroup: TargetScope = { voiceGroupId: 'VG2', siteId: '2000001', number: '0322220001' };

const NUMBER_FEATURES: Action[] = ['read', 'forwarding', 'nuisance', 'anonymous-rejection', 'presentation'];
const ADMIN_ONLY: Action[] = ['international-bar', 'outgoing-restriction', 'specific-presentation', 'hunt-group', 'bulk-forwarding', 'site', 'accounts'];

t.test('contract items: the operator only, whatever the scope', async (t) => {
  t.same([...CONTRACT_ACTIONS].sort(), ['hunt-group-contract', 'line', 'options', 'routing', 'specific-presentation-number']);
  for (const action of CONTRACT_ACTIONS) {
    t.ok(isContractAction(action));
    t.ok(allowed(operator, action, own), `operator: ${action}`);
    for (const actor of [vgAdmin, siteAdmin, numberUser]) t.notOk(allowed(actor, action, own), `${actor.role}: no ${action}, even in its own scope`);
  }
  for (const action of [...NUMBER_FEATURES, ...ADMIN_ONLY, 'voice-group'] as Action[]) t.notOk(isContractAction(action), `${action} is not a contract item`);
});

t.test('number users: the features of their own number only', async (t) => {
  for (const action of NUMBER_FEATURES) {
    t.ok(allowed(numberUser, action, own), `${action} on its number`);
    t.notOk(allowed(numberUser, action, otherNumberSameSite), `${action} not on another number of its site`);
    t.notOk(allowed(numberUser, action, { voiceGroupId: 'VG1', siteId: '1000001' }), `${action} not on its site`);
  }
  for (const action of [...ADMIN_ONLY, 'voice-group'] as Action[]) t.notOk(allowed(numberUser, action, own), `no ${action}`);
});

t.test('admins: every customer setting in their scope, nothing outside', async (t) => {
  for (const action of [...NUMBER_FEATURES, ...ADMIN_ONLY]) {
    t.ok(allowed(siteAdmin, action, own), `site admin: ${action} in its site`);
    t.ok(allowed(siteAdmin, action, otherNumberSameSite));
    t.notOk(allowed(siteAdmin, action, otherSite), `site admin: no ${action} in another site`);
    t.ok(allowed(vgAdmin, action, otherSite), `vg admin: ${action} in any site of its group`);
    t.notOk(allowed(vgAdmin, action, otherGroup), `vg admin: no ${action} in another group`);
  }
  t.ok(allowed(vgAdmin, 'voice-group', { voiceGroupId: 'VG1' }), 'vg admin renames its voice group');
  t.notOk(allowed(siteAdmin, 'voice-group', own), 'a site admin does not');
  t.notOk(allowed(vgAdmin, 'read', {}), "a target without a voice group (operator scope) is nobody else's");
});

t.test('rank: nobody acts on an account above its own role; only operators on operators', async (t) => {
  const expected: Record<string, string[]> = {
    operator: ['operator', 'voice-group-admin', 'site-admin', 'number-user'],
    'voice-group-admin': ['voice-group-admin', 'site-admin', 'number-user'],
    'site-admin': ['site-admin', 'number-user'],
    'number-user': ['number-user'],
  };
  for (const actor of [operator, vgAdmin, siteAdmin, numberUser]) {
    t.same(
      ROLES.filter((r) => outranks(actor, r)),
      expected[actor.role],
      actor.role,
    );
  }
});

t.test("number features: the specific-presentation number is the operator's, switching it the admins'", async (t) => {
  const view = (specific: { number: string; enabled: boolean } | null) => ({ features: { specificPresentation: specific } }) as unknown as NumberView;
  const set = view({ number: '0120123456', enabled: true });
  t.same(fieldActions({ specificPresentation: { number: '0120123456', enabled: false } }, set), ['specific-presentation'], 'switch off');
  t.same(fieldActions({ specificPresentation: { number: '0120-123-456', enabled: true } }, set), ['specific-presentation'], 'hyphens: the same number');
  t.same(fieldActions({ specificPresentation: { number: '0120999999', enabled: true } }, set), ['specific-presentation-number'], 'another number');
  t.same(fieldActions({ specificPresentation: null }, set), ['specific-presentation-number'], 'clearing it');
  t.same(fieldActions({ specificPresentation: { number: '0120123456', enabled: true } }, view(null)), ['specific-presentation-number'], 'setting a first one');
  t.same(fieldActions({ forwarding: {}, internationalBar: true, blockedCallers: [] }, set).sort(), ['forwarding', 'international-bar', 'nuisance']);
});
